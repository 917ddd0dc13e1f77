"""The whole EPCIS 2.0 query language (§8.2.7.1) over GET /epcis/events.

Every expected answer below is written by hand from the events in this file and the standard's
text for the parameter; none is read back from the code under test.
"""

import json
from urllib.parse import urlsplit

import pytest

from htxconnect.trace.models import EPCISEvent

from .conftest import make_document
from .test_epcis_query import ids, refused

pytestmark = pytest.mark.django_db

NS = "https://ns.htx.example.vn/epcis/"
CONTEXT = {"ex": NS}
LGTIN_A = "urn:epc:class:lgtin:893000000.0001.A1"
LGTIN_B = "urn:epc:class:lgtin:893000000.0002.B1"
SELLER = "urn:epc:id:pgln:893000000.001"  # GLN 8930000000019 … as a party
BUYER_DL = "https://id.gs1.org/417/8930000000026"
BUYER = "urn:epc:id:pgln:893000000.002"
WAREHOUSE = "urn:epc:id:sgln:893000000.010.0"
ROOM = "urn:epc:id:sgln:893000000.011.0"
SHELF = "https://id.gs1.org/414/8930000000125"  # sgln 893000000.012.0 as a Digital Link
OTHER = "urn:epc:id:sgln:893000000.099.0"
THERMO_1 = "urn:epc:id:giai:893000000.T1"
THERMO_2 = "urn:epc:id:giai:893000000.T2"


def _event(eid, kind, day, **fields):
    event = {"type": kind, "eventID": f"urn:uuid:{eid}", "eventTime": f"2026-04-0{day}T08:00:00+07:00",
             "eventTimeZoneOffset": "+07:00"}
    event.update(fields)
    return event


EVENTS = [
    _event("q1", "ObjectEvent", 1, action="ADD", bizStep="commissioning", bizLocation={"id": ROOM},
           quantityList=[{"epcClass": LGTIN_A, "quantity": 10, "uom": "KGM"}],
           ilmd={"ex:grade": "A", "ex:harvestTime": "2026-03-20T06:00:00+07:00",
                 "ex:origin": {"ex:province": "Lâm Đồng", "ex:altitude": 1500}},
           persistentDisposition={"set": ["completeness_verified"], "unset": ["completeness_inferred"]},
           sourceList=[{"type": "owning_party", "source": SELLER}],
           destinationList=[{"type": "https://ref.gs1.org/cbv/SDT-owning_party", "destination": BUYER_DL}],
           bizTransactionList=[{"type": "po", "bizTransaction": "urn:epcglobal:cbv:bt:8930000000019:PO-1"}],
           **{"ex:temperatureLimit": 8, "ex:note": {"ex:inspector": "Nguyễn Văn A"}}),
    _event("q2", "ObjectEvent", 2, action="ADD", bizStep="storing", bizLocation={"id": WAREHOUSE},
           quantityList=[{"epcClass": LGTIN_B, "quantity": 2.5, "uom": "KGM"}],
           ilmd={"ex:grade": "B", "ex:origin": {"ex:province": "Sơn La"}},
           sensorElementList=[{
               "sensorMetadata": {"time": "2026-04-02T08:00:00+07:00", "deviceID": THERMO_1,
                                  "startTime": "2026-04-02T06:00:00+07:00", "endTime": "2026-04-02T08:00:00+07:00"},
               "sensorReport": [{"type": "gs1:Temperature", "value": 4.5, "uom": "CEL"},
                                {"type": "gs1:RelativeHumidity", "value": 80, "uom": "A93"}]}],
           **{"ex:temperatureLimit": 4}),
    _event("q3", "TransformationEvent", 3, bizStep="commissioning", bizLocation={"id": SHELF},
           inputQuantityList=[{"epcClass": LGTIN_A, "quantity": 100, "uom": "KGM"}],
           outputQuantityList=[{"epcClass": LGTIN_B, "quantity": 40, "uom": "KGM"}],
           ilmd={"ex:grade": "A"},
           sensorElementList=[{"sensorReport": [{"type": "Temperature", "value": 12, "uom": "CEL",
                                                  "deviceID": THERMO_2}]}]),
    _event("q4", "ObjectEvent", 4, action="DELETE", bizStep="decommissioning", bizLocation={"id": OTHER},
           epcList=["urn:epc:id:grai:893000000.001.C7"], **{"ex:temperatureLimit": 12},
           persistentDisposition={"set": ["https://ref.gs1.org/cbv/Disp-in_transit"]}),
    _event("q5", "AggregationEvent", 5, action="ADD", bizStep="packing", parentID="urn:epc:id:sscc:893000000.01234567",
           childQuantityList=[{"epcClass": "urn:epc:idpat:sgtin:893000000.0002.*", "quantity": 5}],
           bizTransactionList=[{"type": "https://ref.gs1.org/cbv/BTT-desadv",
                                "bizTransaction": "urn:epcglobal:cbv:bt:8930000000019:DESADV-9"}]),
]
MASTER_DATA = {"epcisMasterData": {"vocabularyList": [{
    "type": "urn:epcglobal:epcis:vtype:BusinessLocation",
    "vocabularyElementList": [
        {"id": WAREHOUSE, "attributes": [{"id": "urn:epcglobal:cbv:mda#name", "attribute": "Kho"}],
         "children": [ROOM]},
        # the child is named here in its Digital Link form, the grandchild in its URN form
        {"id": "https://id.gs1.org/414/8930000000118", "children": ["urn:epc:id:sgln:893000000.012.0"]},
    ]}]}}


def document(events=EVENTS, header=MASTER_DATA):
    doc = make_document(events, CONTEXT)
    if header:
        doc["epcisHeader"] = json.loads(json.dumps(header))
    return doc


@pytest.fixture
def stored(api):
    response = api.capture(document())
    assert response.status_code == 202, response.content
    assert api.get(urlsplit(response["Location"]).path).json()["success"] is True
    return api


def q(api, **params):
    return api.get("/epcis/events", params)


FULL = NS + "#"  # the standard's fully qualified form: namespace URI, "#", name


def test_quantity_filters(stored):
    assert ids(q(stored, EQ_quantity="10")) == ["q1"]
    assert ids(q(stored, GT_quantity="10")) == ["q3"]  # 100 and 40
    assert ids(q(stored, GE_quantity="10")) == ["q1", "q3"]
    assert ids(q(stored, LT_quantity="5")) == ["q2"]  # 2.5; q5's 5 is not less than 5
    assert ids(q(stored, LE_quantity="5")) == ["q2", "q5"]
    # each clause on its own: some quantity ≥ 3 (q1, q3, q5) and some quantity < 10 (q2, q5)
    assert ids(q(stored, GE_quantity="3", LT_quantity="10")) == ["q5"]
    refused(q(stored, GE_quantity="ten"), "GE_quantity")


def test_ilmd_fields_top_level_and_inner(stored):
    assert ids(q(stored, **{f"EQ_ILMD_{FULL}grade": "A"})) == ["q1", "q3"]
    assert ids(q(stored, **{"EQ_ILMD_ex:grade": "A|B"})) == ["q1", "q2", "q3"]  # the compact name as sent
    assert ids(q(stored, **{f"EQ_ILMD_{NS}grade": "B"})) == ["q2"]  # the expanded IRI
    assert ids(q(stored, **{f"EXISTS_ILMD_{FULL}harvestTime": ""})) == ["q1"]
    assert ids(q(stored, **{f"GE_ILMD_{FULL}harvestTime": "2026-03-20T00:00:00+07:00"})) == ["q1"]
    assert ids(q(stored, **{f"LT_ILMD_{FULL}harvestTime": "2026-03-20T00:00:00+07:00"})) == []
    # province is inside ex:origin: an INNER field, not a top-level one
    assert ids(q(stored, **{f"EQ_ILMD_{FULL}province": "Lâm Đồng"})) == []
    assert ids(q(stored, **{f"EQ_INNER_ILMD_{FULL}province": "Lâm Đồng"})) == ["q1"]
    assert ids(q(stored, **{f"EXISTS_INNER_ILMD_{FULL}province": ""})) == ["q1", "q2"]
    assert ids(q(stored, **{f"GT_INNER_ILMD_{FULL}altitude": "1000"})) == ["q1"]
    assert ids(q(stored, **{f"LE_INNER_ILMD_{FULL}altitude": "1000"})) == []
    refused(q(stored, **{f"GT_INNER_ILMD_{FULL}altitude": "high"}), "altitude")


def test_extension_fields(stored):
    assert ids(q(stored, **{f"EQ_{FULL}temperatureLimit": "8"})) == ["q1"]
    assert ids(q(stored, **{f"GT_{FULL}temperatureLimit": "5"})) == ["q1", "q4"]
    assert ids(q(stored, **{"LE_ex:temperatureLimit": "8"})) == ["q1", "q2"]
    assert ids(q(stored, **{"EXISTS_ex:temperatureLimit": ""})) == ["q1", "q2", "q4"]
    assert ids(q(stored, **{f"EQ_INNER_{FULL}inspector": "Nguyễn Văn A"})) == ["q1"]
    assert ids(q(stored, **{f"EQ_{FULL}inspector": "Nguyễn Văn A"})) == []  # inner, not top level
    assert ids(q(stored, **{f"EXISTS_{FULL}grade": ""})) == []  # an ILMD field is no event extension
    refused(q(stored, EQ_temperatureLimit="8"), "EQ_temperatureLimit")  # not a qualified name


def test_sensor_filters(stored):
    assert ids(q(stored, EXISTS_sensorElementList="")) == ["q2", "q3"]
    assert ids(q(stored, EQ_type="Temperature")) == ["q2", "q3"]  # gs1:Temperature and the bare word
    assert ids(q(stored, EQ_type="RelativeHumidity")) == ["q2"]
    assert ids(q(stored, GE_value_CEL="5")) == ["q3"]
    assert ids(q(stored, LT_value_CEL="5")) == ["q2"]
    assert ids(q(stored, GE_value_A93="50")) == ["q2"]
    # no report in kelvin, but °C converts: 4.5 °C = 277.65 K, 12 °C = 285.15 K
    assert ids(q(stored, GE_value_KEL="280")) == ["q3"]
    assert ids(q(stored, GE_value_KEL="0")) == ["q2", "q3"]
    assert ids(q(stored, GE_value_KGM="0")) == []  # no mass reading
    assert ids(q(stored, EQ_deviceID=THERMO_1)) == ["q2"]  # on the metadata
    assert ids(q(stored, EQ_deviceID=THERMO_2)) == ["q3"]  # on the report
    assert ids(q(stored, GE_startTime="2026-04-02T05:00:00+07:00")) == ["q2"]
    assert ids(q(stored, LT_startTime="2026-04-02T05:00:00+07:00")) == []
    assert ids(q(stored, GE_endTime="2026-04-02T08:00:00+07:00")) == ["q2"]
    refused(q(stored, GE_value_CEL="warm"), "GE_value_CEL")
    refused(q(stored, GE_startTime="yesterday"), "GE_startTime")


def test_sources_destinations_and_business_transactions(stored):
    assert ids(q(stored, EQ_source_owning_party=SELLER)) == ["q1"]
    assert ids(q(stored, EQ_source_owning_party="https://id.gs1.org/417/8930000000019")) == ["q1"]  # its DL
    assert ids(q(stored, EQ_destination_owning_party=BUYER)) == ["q1"]  # captured as a DL, asked as a URN
    assert ids(q(stored, **{"EQ_destination_urn:epcglobal:cbv:sdt:owning_party": BUYER_DL})) == ["q1"]
    assert ids(q(stored, EQ_source_possessing_party=SELLER)) == []
    assert ids(q(stored, EQ_bizTransaction_po="urn:epcglobal:cbv:bt:8930000000019:PO-1")) == ["q1"]
    assert ids(q(stored, **{"EQ_bizTransaction_urn:epcglobal:cbv:btt:desadv":
                            "urn:epcglobal:cbv:bt:8930000000019:DESADV-9"})) == ["q5"]
    assert ids(q(stored, EQ_bizTransaction_desadv="urn:epcglobal:cbv:bt:8930000000019:PO-1")) == []


def test_persistent_disposition(stored):
    assert ids(q(stored, EQ_persistentDisposition_set="completeness_verified")) == ["q1"]
    assert ids(q(stored, EQ_persistentDisposition_set="in_transit|completeness_verified")) == ["q1", "q4"]
    assert ids(q(stored, EQ_persistentDisposition_set="urn:epcglobal:cbv:disp:in_transit")) == ["q4"]
    assert ids(q(stored, EQ_persistentDisposition_unset="completeness_inferred")) == ["q1"]
    assert ids(q(stored, EQ_persistentDisposition_unset="in_transit")) == []


def test_with_descendants_follows_the_master_data(stored):
    assert ids(q(stored, EQ_bizLocation=WAREHOUSE)) == ["q2"]
    # WAREHOUSE → ROOM → SHELF (the captured master data), OTHER is not below it
    assert ids(q(stored, WD_bizLocation=WAREHOUSE)) == ["q1", "q2", "q3"]
    assert ids(q(stored, WD_bizLocation="https://id.gs1.org/414/8930000000118")) == ["q1", "q3"]  # ROOM as a DL
    assert ids(q(stored, WD_bizLocation=OTHER)) == ["q4"]
    assert ids(q(stored, WD_readPoint=WAREHOUSE)) == []  # the hierarchy is of business locations


def test_another_accounts_master_data_does_not_reshape_my_query(stored, buyer_api):
    hostile = {"epcisMasterData": {"vocabularyList": [{
        "type": "urn:epcglobal:epcis:vtype:BusinessLocation",
        "vocabularyElementList": [{"id": OTHER, "children": [WAREHOUSE]}]}]}}
    assert buyer_api.capture(document([_event("b1", "ObjectEvent", 6, action="OBSERVE", epcList=[KEYS[0][0]])], hostile)).status_code == 202
    assert ids(q(stored, WD_bizLocation=OTHER)) == ["q4"]


def test_epc_patterns_with_a_star_in_any_position(api):
    epcs = {"p1": "urn:epc:id:sgtin:0614141.812345.6789", "p2": "https://id.gs1.org/01/80614141123458/21/400",
            "p3": "urn:epc:id:sgtin:0614141.712345.400", "p4": "urn:epc:id:sgtin:4012345.011111.400",
            "p5": "urn:epc:id:sscc:0614141.1234567890", "p6": "urn:epc:id:sgln:0614141.12345.400",
            "p7": "urn:epc:id:grai:0614141.12345.C7", "p8": "urn:epc:id:giai:0614141.A-99"}
    events = [_event(eid, "ObjectEvent", 1, action="OBSERVE", epcList=[epc]) for eid, epc in epcs.items()]
    events.append(_event("p9", "ObjectEvent", 2, action="OBSERVE",
                         quantityList=[{"epcClass": "urn:epc:class:lgtin:0614141.812345.L5", "quantity": 3}]))
    assert api.capture(document(events, None)).status_code == 202
    assert ids(q(api, MATCH_epc="urn:epc:idpat:sgtin:0614141.*.*")) == ["p1", "p2", "p3"]
    assert ids(q(api, MATCH_epc="urn:epc:idpat:sgtin:0614141.812345.*")) == ["p1", "p2"]
    assert ids(q(api, MATCH_epc="urn:epc:idpat:sgtin:*.*.400")) == ["p2", "p3", "p4"]
    assert ids(q(api, MATCH_epc="urn:epc:idpat:sgtin:0614141.*.400")) == ["p2", "p3"]
    assert ids(q(api, MATCH_epc="urn:epc:idpat:sgtin:*.812345.*")) == ["p1", "p2"]
    assert ids(q(api, MATCH_epc="urn:epc:idpat:sgtin:*.*.*")) == ["p1", "p2", "p3", "p4"]
    assert ids(q(api, MATCH_epc="urn:epc:idpat:sscc:0614141.*")) == ["p5"]
    assert ids(q(api, MATCH_epc="urn:epc:idpat:sgln:0614141.12345.*")) == ["p6"]
    assert ids(q(api, MATCH_epc="urn:epc:idpat:grai:0614141.*.*")) == ["p7"]
    assert ids(q(api, MATCH_epc="urn:epc:idpat:giai:0614141.*")) == ["p8"]
    assert ids(q(api, MATCH_anyEPC="urn:epc:idpat:sgtin:4012345.*.*|urn:epc:idpat:sscc:*.*")) == ["p4", "p5"]
    # a class pattern matches the lot-level class below it
    assert ids(q(api, MATCH_epcClass="urn:epc:idpat:sgtin:0614141.812345.*")) == ["p9"]
    assert ids(q(api, MATCH_epcClass="urn:epc:idpat:sgtin:0614141.*.*")) == ["p9"]
    refused(q(api, MATCH_epc="urn:epc:idpat:nosuch:1.*"), "MATCH_epc")


# Every key of the EPC URN scheme: (URN, its Digital Link) — GS1's EPC Tag Data Standard 2.3, annex E.3.
KEYS = [
    ("urn:epc:id:sgtin:95060001343.05.123456789", "https://id.gs1.org/01/09506000134352/21/123456789"),
    ("urn:epc:id:sscc:952012.03456789123", "https://id.gs1.org/00/095201234567891235"),
    ("urn:epc:id:sgln:9521141.12345.5678", "https://id.gs1.org/414/9521141123454/254/5678"),
    ("urn:epc:id:grai:9521141.12345.5678", "https://id.gs1.org/8003/095211411234545678"),
    ("urn:epc:id:giai:9521141.32a%2Fb", "https://id.gs1.org/8004/952114132a%2Fb"),
    ("urn:epc:id:gsrn:9521141.1234567890", "https://id.gs1.org/8018/952114112345678906"),
    ("urn:epc:id:gsrnp:9521141.1234567890", "https://id.gs1.org/8017/952114112345678906"),
    ("urn:epc:id:gdti:9521141.12345.5678", "https://id.gs1.org/253/95211411234545678"),
    ("urn:epc:id:cpi:9521141.98765.12345", "https://id.gs1.org/8010/952114198765/8011/12345"),
    ("urn:epc:id:sgcn:9521141.67890.04711", "https://id.gs1.org/255/952114167890904711"),
    ("urn:epc:id:itip:9521141.012345.01.02.981", "https://id.gs1.org/8006/095211411234540102/21/981"),
    ("urn:epc:id:upui:1234567.098765.51qIgY)%3C%26Jp3*j7SDB",
     "https://id.gs1.org/01/01234567987651/235/51qIgY%29%3C%26Jp3%2Aj7SDB"),
    ("urn:epc:id:pgln:4000001.00000", "https://id.gs1.org/417/4000001000005"),
    ("urn:epc:id:ginc:0614141.xyz47%2F11", "https://id.gs1.org/401/0614141xyz47%2F11"),
    ("urn:epc:id:gsin:4012345.222333444", "https://id.gs1.org/402/40123452223334442"),
]


def test_digital_link_equivalence_for_every_key(api):
    """Captured as a URN → found by its Digital Link; captured as a Digital Link → found by its URN."""
    events = []
    for i, (urn, dl) in enumerate(KEYS):
        events.append(_event(f"u{i:02d}", "ObjectEvent", 1, action="OBSERVE", epcList=[urn]))
        events.append(_event(f"d{i:02d}", "ObjectEvent", 2, action="OBSERVE", epcList=[dl]))
    assert api.capture(document(events, None)).status_code == 202
    for i, (urn, dl) in enumerate(KEYS):
        assert ids(q(api, MATCH_epc=dl)) == [f"d{i:02d}", f"u{i:02d}"], urn
        assert ids(q(api, MATCH_anyEPC=urn)) == [f"d{i:02d}", f"u{i:02d}"], dl


def _order(response):
    assert response.status_code == 200, response.content
    return [e["eventID"].removeprefix("urn:uuid:")
            for e in response.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]]


def test_order_by_and_event_count_limit(stored):
    assert _order(q(stored, orderBy="eventTime", orderDirection="ASC")) == ["q1", "q2", "q3", "q4", "q5"]
    assert _order(q(stored, orderBy="eventTime")) == ["q5", "q4", "q3", "q2", "q1"]  # DESC by default
    assert _order(q(stored, orderBy="eventTime", orderDirection="ASC", eventCountLimit="2")) == ["q1", "q2"]
    assert _order(q(stored, orderBy="eventTime", eventCountLimit="2", EQ_bizStep="commissioning")) == ["q3", "q1"]
    # an extension field: 4 (q2), 8 (q1), 12 (q4); events without it come last
    assert _order(q(stored, orderBy=f"{FULL}temperatureLimit", orderDirection="ASC"))[:3] == ["q2", "q1", "q4"]
    assert _order(q(stored, orderBy="ex:temperatureLimit", orderDirection="DESC"))[:3] == ["q4", "q1", "q2"]
    refused(q(stored, orderBy="eventTime", orderDirection="UP"), "orderDirection")
    refused(q(stored, eventCountLimit="2"), "orderBy")
    refused(q(stored, orderBy="eventTime", eventCountLimit="2", maxEventCount="3"), "maxEventCount")
    refused(q(stored, orderBy="bizStepp"), "orderBy")


def test_order_by_pages_through_the_chosen_order(stored):
    first = q(stored, orderBy="eventTime", orderDirection="ASC", perPage="2")
    assert _order(first) == ["q1", "q2"]
    link = first["Link"].split(">")[0].lstrip("<")
    second = stored.client.get(link, headers=stored.headers())
    assert _order(second) == ["q3", "q4"]
    third = stored.client.get(second["Link"].split(">")[0].lstrip("<"), headers=stored.headers())
    assert _order(third) == ["q5"] and "Link" not in third


def test_max_event_count_answers_query_too_large(stored):
    response = q(stored, maxEventCount="4")
    assert response.status_code == 413, response.content
    assert response.json()["type"] == "epcisException:QueryTooLargeException"
    assert ids(q(stored, maxEventCount="5")) == ["q1", "q2", "q3", "q4", "q5"]
    assert ids(q(stored, maxEventCount="1", EQ_quantity="10")) == ["q1"]
    refused(q(stored, maxEventCount="0"), "maxEventCount")


def test_named_queries_use_the_same_language(stored):
    body = {"name": "heavy", "query": {"GE_quantity": 10, f"EQ_INNER_ILMD_{FULL}province": ["Lâm Đồng"]}}
    response = stored.client.post("/epcis/queries", data=json.dumps(body), content_type="application/json",
                                  headers=stored.headers())
    assert response.status_code == 201, response.content
    assert ids(stored.get("/epcis/queries/heavy/events")) == ["q1"]
    bad = {"name": "bad", "query": {"GE_quantity": "many"}}
    response = stored.client.post("/epcis/queries", data=json.dumps(bad), content_type="application/json",
                                  headers=stored.headers())
    assert response.status_code == 400 and "GE_quantity" in response.json()["detail"]


def test_field_rows_are_made_at_capture(stored):
    event = EPCISEvent.objects.get(event_id="urn:uuid:q2")
    kinds = sorted({(f.kind, f.name) for f in event.fields.all()})
    assert ("measure", "value") in kinds and ("sensor", "type") in kinds and ("quantity", "quantityList") in kinds
    assert ("ilmd", NS + "grade") in kinds and ("ilmd_inner", NS + "province") in kinds
