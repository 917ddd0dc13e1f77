"""Sensor data in the EPCIS 2.0 query language (§8.2.7.1): units converted within a dimension,
percRank, the SENSORELEMENT_/SENSORMETADATA_/SENSORREPORT_ extension-field forms, and all sensor
conditions of a query holding of one sensorReport (trace.epcis.query._sensor_conditions).

Every expected answer is written by hand from the events below; the unit arithmetic is in the
comments.
"""

import json

import pytest

from htxconnect.trace.epcis.fields import MEASURE, SENSOR, S_ELEMENT, S_METADATA, S_REPORT, grouped_field_rows

from .test_epcis_query import ids, refused
from .test_epcis_query_language import CONTEXT, NS, _event, document

pytestmark = pytest.mark.django_db

T1 = "urn:epc:id:giai:893000000.T1"
T2 = "urn:epc:id:giai:893000000.T2"
T3 = "urn:epc:id:giai:893000000.T3"
FULL = NS + "#"
E_COLI = "https://www.ncbi.nlm.nih.gov/taxonomy/562"
NACL = "https://identifiers.org/inchikey:FAPWRFPIFSIZLT-UHFFFAOYSA-M"

EVENTS = [
    # s1: one element, metadata of device T1; a temperature in °F (41 °F = 5 °C) and a humidity
    _event("s1", "ObjectEvent", 1, action="OBSERVE", epcList=["urn:epc:id:sgtin:893000000.0001.1"],
           sensorElementList=[{
               "sensorMetadata": {"time": "2026-04-01T08:00:00+07:00", "deviceID": T1,
                                  "startTime": "2026-04-01T06:00:00+07:00", "endTime": "2026-04-01T08:00:00+07:00",
                                  "deviceMetadata": "https://htx.example.vn/thiet-bi/T1",
                                  "rawData": "https://htx.example.vn/du-lieu/1",
                                  "dataProcessingMethod": "https://htx.example.vn/xu-ly/trung-binh",
                                  "bizRules": "https://htx.example.vn/quy-tac/lanh",
                                  "ex:calibration": "2026-01"},
               "ex:batch": "B-1",
               "sensorReport": [{"type": "Temperature", "value": 41, "uom": "FAH", "ex:probe": "core"},
                                {"type": "RelativeHumidity", "value": 85, "uom": "A93"}]}]),
    # s2: two temperature readings of two devices, 1.5 °C (T2) and 9 °C (T3)
    _event("s2", "ObjectEvent", 2, action="OBSERVE", epcList=["urn:epc:id:sgtin:893000000.0001.2"],
           sensorElementList=[{"sensorReport": [
               {"type": "Temperature", "value": 1.5, "uom": "CEL", "deviceID": T2, "percRank": 95, "percValue": 1.2,
                "time": "2026-04-02T09:00:00+07:00", "ex:probe": "surface", "ex:accuracy": 0.5,
                "ex:detail": {"ex:depth": 3}},
               {"type": "Temperature", "value": 9, "uom": "CEL", "deviceID": T3, "percRank": 40}]}]),
    # s3: device T1 (metadata) weighs 800 g, measures 120 cm, and reads 278.15 K (= 5 °C)
    _event("s3", "ObjectEvent", 3, action="OBSERVE", epcList=["urn:epc:id:sgtin:893000000.0001.3"],
           sensorElementList=[{"sensorMetadata": {"deviceID": T1}, "sensorReport": [
               {"type": "Mass", "value": 800, "uom": "GRM"},
               {"type": "Length", "value": 120, "uom": "CMT"},
               {"type": "Temperature", "value": 278.15, "uom": "KEL"}]}]),
    # s4: 1.2 kg with its statistics, a status reading, a microbial count
    _event("s4", "ObjectEvent", 4, action="OBSERVE", epcList=["urn:epc:id:sgtin:893000000.0001.4"],
           sensorElementList=[{"sensorReport": [
               {"type": "Mass", "value": 1.2, "minValue": 1.1, "maxValue": 1.3, "meanValue": 1.2, "sDev": 0.05,
                "uom": "KGM"},
               {"type": "Temperature", "booleanValue": True, "stringValue": "ổn định", "hexBinaryValue": "0A1B",
                "uriValue": "https://htx.example.vn/trang-thai/on"},
               {"type": "Count", "value": 10, "microorganism": E_COLI, "chemicalSubstance": NACL}]}]),
    # s5: no sensor data
    _event("s5", "ObjectEvent", 5, action="OBSERVE", epcList=["urn:epc:id:sgtin:893000000.0001.5"],
           **{"ex:probe": "core"}),
]


@pytest.fixture
def stored(api):
    response = api.capture(document(EVENTS, None))
    assert response.status_code == 202, response.content
    return api


def q(api, **params):
    return api.get("/epcis/events", params)


def test_values_are_compared_across_units_of_one_dimension(stored):
    # temperatures in °C: s1 41 °F = 5; s2 1.5 and 9; s3 278.15 K = 5
    assert ids(q(stored, GE_value_CEL="5")) == ["s1", "s2", "s3"]
    assert ids(q(stored, GT_value_CEL="5")) == ["s2"]  # exactly 5 °C, written in °F or K, is not above 5
    assert ids(q(stored, EQ_value_CEL="5")) == ["s1", "s3"]
    assert ids(q(stored, EQ_value_CEL="5|9")) == ["s1", "s2", "s3"]
    assert ids(q(stored, LT_value_FAH="41")) == ["s2"]  # 1.5 °C = 34.7 °F
    assert ids(q(stored, LE_value_KEL="278.15")) == ["s1", "s2", "s3"]
    assert ids(q(stored, GT_value_KEL="282")) == ["s2"]  # 9 °C = 282.15 K
    # masses: s3 800 g = 0.8 kg, s4 1.2 kg = 1200 g
    assert ids(q(stored, GE_value_KGM="1")) == ["s4"]
    assert ids(q(stored, LT_value_KGM="1")) == ["s3"]
    assert ids(q(stored, EQ_value_GRM="1200")) == ["s4"]
    assert ids(q(stored, GE_value_TNE="0.0008")) == ["s3", "s4"]  # 0.0008 t = 800 g
    assert ids(q(stored, GE_value_KGM="0")) == ["s3", "s4"]  # only masses: no temperature or length
    # lengths: s3 120 cm = 1.2 m = 1200 mm
    assert ids(q(stored, GE_value_MTR="1")) == ["s3"]
    assert ids(q(stored, LT_value_MMT="1000")) == []
    assert ids(q(stored, GT_value_INH="47")) == ["s3"]  # 47 in = 119.38 cm
    # a unit outside the table is compared only with itself
    assert ids(q(stored, GE_value_A93="80")) == ["s1"]


def test_statistics_are_converted_too(stored):
    assert ids(q(stored, GE_maxValue_GRM="1250")) == ["s4"]  # 1.3 kg = 1300 g
    assert ids(q(stored, LT_minValue_KGM="1.1")) == []  # 1.1 is not below 1.1
    assert ids(q(stored, LE_meanValue_KGM="1.2")) == ["s4"]
    assert ids(q(stored, GT_sDev_GRM="40")) == ["s4"]  # 0.05 kg = 50 g
    assert ids(q(stored, GE_percValue_FAH="34")) == ["s2"]  # 1.2 °C = 34.16 °F


def test_malformed_measure_parameters_are_refused(stored):
    refused(q(stored, GE_value_CEL="warm"), "GE_value_CEL")
    refused(q(stored, EQ_value_CEL="5|"), "EQ_value_CEL")
    refused(q(stored, GE_value_cel="5"), "GE_value_cel")  # Rec 20 codes are capitals
    refused(q(stored, GE_value_CELSIUS="5"), "GE_value_CELSIUS")
    refused(q(stored, GE_weight_KGM="5"), "GE_weight_KGM")


def test_perc_rank(stored):
    assert ids(q(stored, GE_percRank="90")) == ["s2"]  # 95
    assert ids(q(stored, GT_percRank="95")) == []
    assert ids(q(stored, LE_percRank="95")) == ["s2"]
    assert ids(q(stored, LT_percRank="50")) == ["s2"]  # 40
    assert ids(q(stored, LT_percRank="40")) == []
    refused(q(stored, GE_percRank="high"), "GE_percRank")
    refused(q(stored, EQ_percRank="95"), "EQ_percRank")  # not a parameter of the standard


def test_sensor_conditions_hold_of_one_report(stored):
    assert ids(q(stored, EQ_type="Temperature", GE_value_CEL="5")) == ["s1", "s2", "s3"]
    # s1 has a humidity report and a temperature of 5 °C, but no humidity report holds a temperature
    assert ids(q(stored, EQ_type="RelativeHumidity", GE_value_CEL="0")) == []
    # s2 has 1.5 °C and 9 °C, neither from 2 to 8 °C
    assert ids(q(stored, GE_value_CEL="2", LT_value_CEL="8")) == ["s1", "s3"]
    assert ids(q(stored, EQ_deviceID=T2, GE_value_CEL="5")) == []  # T2 read 1.5 °C; 9 °C was T3's
    assert ids(q(stored, EQ_deviceID=T3, GE_value_CEL="5")) == ["s2"]
    assert ids(q(stored, EQ_deviceID=T2, GE_percRank="90")) == ["s2"]
    assert ids(q(stored, EQ_deviceID=T3, GE_percRank="90")) == []
    # a report has its element's metadata: s3's mass was read by T1
    assert ids(q(stored, EQ_deviceID=T1, EQ_type="Mass")) == ["s3"]
    assert ids(q(stored, EQ_deviceID=T1, EQ_type="Temperature")) == ["s1", "s3"]
    assert ids(q(stored, GE_startTime="2026-04-01T06:00:00+07:00", EQ_type="RelativeHumidity")) == ["s1"]
    # other conditions of the query still apply to the event as a whole
    assert ids(q(stored, EQ_type="Temperature", EXISTS_sensorElementList="", GE_eventTime="2026-04-02T00:00:00+07:00",
                 LT_eventTime="2026-04-04T00:00:00+07:00")) == ["s2", "s3"]


def test_sensor_extension_fields(stored):
    assert ids(q(stored, **{"EQ_SENSORREPORT_ex:probe": "core"})) == ["s1"]
    assert ids(q(stored, **{f"EQ_SENSORREPORT_{FULL}probe": "surface"})) == ["s2"]
    assert ids(q(stored, **{f"EQ_SENSORREPORT_{NS}probe": "core|surface"})) == ["s1", "s2"]
    assert ids(q(stored, **{"EXISTS_SENSORREPORT_ex:probe": ""})) == ["s1", "s2"]  # s5's probe is an event field
    assert ids(q(stored, **{"LT_SENSORREPORT_ex:accuracy": "1"})) == ["s2"]
    assert ids(q(stored, **{"GE_SENSORREPORT_ex:accuracy": "1"})) == []
    assert ids(q(stored, **{"GT_INNER_SENSORREPORT_ex:depth": "2"})) == ["s2"]
    assert ids(q(stored, **{"EQ_SENSORREPORT_ex:depth": "3"})) == []  # nested: an INNER field
    assert ids(q(stored, **{"EQ_SENSORMETADATA_ex:calibration": "2026-01"})) == ["s1"]
    assert ids(q(stored, **{"EXISTS_SENSORMETADATA_ex:calibration": ""})) == ["s1"]
    assert ids(q(stored, **{"EXISTS_SENSORMETADATA_ex:probe": ""})) == []  # a report field, not metadata
    assert ids(q(stored, **{"EQ_SENSORELEMENT_ex:batch": "B-1"})) == ["s1"]
    assert ids(q(stored, **{"EXISTS_SENSORELEMENT_ex:batch": ""})) == ["s1"]
    assert ids(q(stored, **{"EXISTS_ex:batch": ""})) == []  # not an extension of the event itself
    assert ids(q(stored, **{"EXISTS_ex:probe": ""})) == ["s5"]
    # with the other sensor conditions: one report
    assert ids(q(stored, **{"EQ_SENSORREPORT_ex:probe": "core", "EQ_type": "RelativeHumidity"})) == []
    assert ids(q(stored, **{"EQ_SENSORREPORT_ex:probe": "surface", "GE_value_CEL": "5"})) == []
    assert ids(q(stored, **{"EQ_SENSORELEMENT_ex:batch": "B-1", "EQ_type": "RelativeHumidity"})) == ["s1"]
    refused(q(stored, EQ_SENSORREPORT_probe="core"), "EQ_SENSORREPORT_probe")  # not a qualified name
    refused(q(stored, **{"GT_SENSORREPORT_ex:accuracy": "exact"}), "accuracy")


def test_sensor_attributes(stored):
    assert ids(q(stored, EQ_deviceMetadata="https://htx.example.vn/thiet-bi/T1")) == ["s1"]
    assert ids(q(stored, EQ_rawData="https://htx.example.vn/du-lieu/1")) == ["s1"]
    assert ids(q(stored, EQ_dataProcessingMethod="https://htx.example.vn/xu-ly/trung-binh")) == ["s1"]
    assert ids(q(stored, EQ_bizRules="https://htx.example.vn/quy-tac/lanh")) == ["s1"]
    assert ids(q(stored, EQ_booleanValue="true")) == ["s4"]
    assert ids(q(stored, EQ_booleanValue="false")) == []
    assert ids(q(stored, EQ_stringValue="ổn định")) == ["s4"]
    assert ids(q(stored, EQ_hexBinaryValue="0A1B")) == ["s4"]
    assert ids(q(stored, EQ_uriValue="https://htx.example.vn/trang-thai/on")) == ["s4"]
    assert ids(q(stored, EQ_microorganism=E_COLI)) == ["s4"]
    assert ids(q(stored, EQ_chemicalSubstance=NACL)) == ["s4"]
    assert ids(q(stored, EQ_type="Count|Length")) == ["s3", "s4"]
    refused(q(stored, EQ_booleanValue="yes"), "EQ_booleanValue")


def test_sensor_times(stored):
    # s1: metadata time 08:00 (+07:00), startTime 06:00, endTime 08:00; s2: a report's time 2026-04-02 09:00
    assert ids(q(stored, EQ_time="2026-04-01T08:00:00+07:00")) == ["s1"]
    assert ids(q(stored, EQ_time="2026-04-01T01:00:00Z")) == ["s1"]  # the same instant
    assert ids(q(stored, GT_time="2026-04-01T08:00:00+07:00")) == ["s2"]
    assert ids(q(stored, LE_time="2026-04-01T08:00:00+07:00")) == ["s1"]
    assert ids(q(stored, GE_time="2026-04-01T00:00:00+07:00")) == ["s1", "s2"]
    assert ids(q(stored, LT_startTime="2026-04-01T06:00:00+07:00")) == []
    assert ids(q(stored, LE_startTime="2026-04-01T06:00:00+07:00")) == ["s1"]
    assert ids(q(stored, EQ_endTime="2026-04-01T08:00:00+07:00")) == ["s1"]
    assert ids(q(stored, GT_endTime="2026-04-01T08:00:00+07:00")) == []
    refused(q(stored, GT_time="tomorrow"), "GT_time")


def test_named_query_with_sensor_conditions(stored):
    body = {"name": "lanh", "query": {"EQ_type": ["Temperature"], "GE_value_CEL": 2, "LT_value_CEL": 8}}
    response = stored.client.post("/epcis/queries", data=json.dumps(body), content_type="application/json",
                                  headers=stored.headers())
    assert response.status_code == 201, response.content
    assert ids(stored.get("/epcis/queries/lanh/events")) == ["s1", "s3"]


def test_rows_are_numbered_by_report():
    element = {"sensorMetadata": {"deviceID": T1, "ex:calibration": "2026-01"}, "ex:batch": "B-1",
               "sensorReport": [{"type": "Temperature", "value": 41, "uom": "FAH", "ex:probe": "core"},
                                {"type": "RelativeHumidity", "value": 85, "uom": "A93"}]}
    event = {"type": "ObjectEvent", "sensorElementList": [element, {"sensorReport": [{"type": "Mass", "percRank": 5}]}]}
    rows = {(kind, name, text, number, report) for kind, name, _, text, number, _, report
            in grouped_field_rows(event, [CONTEXT])}
    shared = {(SENSOR, "deviceID", T1, None), (S_METADATA, NS + "calibration", "2026-01", None),
              (S_ELEMENT, NS + "batch", "B-1", None)}
    assert rows == {
        *((*row, 1) for row in shared), *((*row, 2) for row in shared),
        (SENSOR, "type", "Temperature", None, 1), (MEASURE, "value", "FAH", 41.0, 1),
        (S_REPORT, NS + "probe", "core", None, 1),
        (SENSOR, "type", "RelativeHumidity", None, 2), (MEASURE, "value", "A93", 85.0, 2),
        (SENSOR, "type", "Mass", None, 3), (MEASURE, "percRank", "", 5.0, 3),
    }


def test_migration_regroups_sensor_rows_of_stored_events(stored):
    """Events stored before migration 0007 had sensor rows without report numbers."""
    from importlib import import_module

    from django.apps import apps

    from htxconnect.trace.models import EPCISEventField

    EPCISEventField.objects.filter(report__isnull=False).update(report=None)
    assert ids(q(stored, EQ_type="Temperature")) == []  # no report: nothing to hold the conditions
    import_module("htxconnect.trace.migrations.0007_field_sensor_report").regroup_sensor_rows(apps, None)
    assert ids(q(stored, EQ_type="Temperature")) == ["s1", "s2", "s3", "s4"]
    assert ids(q(stored, GE_value_CEL="2", LT_value_CEL="8")) == ["s1", "s3"]
    assert not EPCISEventField.objects.filter(report__isnull=True, kind=SENSOR).exists()


def test_thresholds_beyond_the_range_of_floats(stored):
    # 1e300 t is 1e309 mg, beyond any float: no mass is above it, every mass is below it
    assert ids(q(stored, GE_value_TNE="1e300")) == []
    assert ids(q(stored, LT_value_TNE="1e300")) == ["s3", "s4"]
    assert ids(q(stored, GT_value_TNE="-1e300")) == ["s3", "s4"]
    assert ids(q(stored, EQ_value_TNE="1e300")) == []
    assert ids(q(stored, GE_value_KGM="1e-999999999")) == ["s3", "s4"]  # taken as 0, without a giant power of ten
