"""The REST binding's top-level resources and GS1-* request headers (EPCIS 2.0 §12, the OpenAPI
description in /work/shared/external/gs1-epcis). Expected members and events are written by hand."""

import json
from urllib.parse import quote

import pytest

from .conftest import make_document, object_event

CBV_BIZ_STEPS_SAMPLE = {"accepting", "commissioning", "receiving", "sensor_reporting", "shipping", "void_shipping"}
CBV_DISPOSITIONS_SAMPLE = {"active", "in_transit", "recalled", "unknown"}
CUSTOM_STEP = "https://ns.htx.example/steps/drying"
# EPC Tag Data Standard example: urn:epc:id:sgtin:0614141.107346.2017 = (01)10614141073464(21)2017.
SGTIN_URN = "urn:epc:id:sgtin:0614141.107346.2017"
SGTIN_DL = "https://id.gs1.org/01/10614141073464/21/2017"
# urn:epc:id:sgln:893000000.001.0: GLN 893000000001 + check digit 9 (computed by hand).
READ_POINT_DL = "https://id.gs1.org/414/8930000000019"


def _members(response):
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["type"] == "Collection"
    return body["member"]


def _event_ids(response):
    assert response.status_code == 200, response.content
    return [e["eventID"] for e in response.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]]


@pytest.fixture
def captured(api, buyer_api):
    api.capture(make_document([
        object_event(1),  # shipping, in_transit, read point …893000000.001.0
        object_event(2, bizStep="receiving", disposition="in_progress",
                     readPoint={"id": "urn:epc:id:sgln:893000000.002.0"}),
        object_event(3, bizStep=CUSTOM_STEP, epcList=[SGTIN_URN]),
    ]))
    # Another account's event: never listed for the cooperative.
    buyer_api.capture(make_document([object_event(9, bizStep="https://ns.buyer.example/secret-step",
                                                  readPoint={"id": "urn:epc:id:sgln:893000000.099.0"})]))


def test_root_lists_the_top_level_resources(api):
    # TopLevelResources enum of the binding.
    assert set(_members(api.get("/epcis/"))) == {"events", "eventTypes", "epcs", "bizSteps", "bizLocations",
                                                 "readPoints", "dispositions", "capture", "queries"}


@pytest.mark.parametrize("path", ["/epcis/", "/epcis/epcs", "/epcis/bizSteps", "/epcis/bizSteps/shipping",
                                  "/epcis/bizSteps/shipping/events", "/epcis/bizLocations", "/epcis/readPoints",
                                  "/epcis/readPoints/x/events", "/epcis/dispositions", "/epcis/dispositions/active"])
def test_options_on_every_resource(api, path):
    response = api.client.options(path)
    assert response.status_code == 204
    assert response["Allow"] == "GET, HEAD, OPTIONS"
    assert response["GS1-EPCIS-Min"] == "2.0.0" and response["GS1-CBV-Max"] == "2.0.0"


def test_resources_need_authentication(client):
    assert client.get("/epcis/bizSteps").status_code == 401


def test_biz_steps_are_the_cbv_ones_and_the_custom_ones_the_user_may_see(api, captured):
    members = set(_members(api.get("/epcis/bizSteps", {"perPage": "1000"})))
    assert CBV_BIZ_STEPS_SAMPLE <= members and CUSTOM_STEP in members
    assert "https://ns.buyer.example/secret-step" not in members
    assert set(_members(api.get("/epcis/dispositions", {"perPage": "1000"}))) >= CBV_DISPOSITIONS_SAMPLE


def test_biz_step_sub_resources(api, captured):
    assert _members(api.get("/epcis/bizSteps/shipping")) == ["events"]
    assert _event_ids(api.get("/epcis/bizSteps/receiving/events")) == [object_event(2)["eventID"]]
    assert _event_ids(api.get("/epcis/bizSteps/" + quote(CUSTOM_STEP, safe="") + "/events")) \
        == [object_event(3)["eventID"]]
    # The usual query parameters apply on top of the resource's own filter.
    assert _event_ids(api.get("/epcis/bizSteps/shipping/events", {"EQ_disposition": "damaged"})) == []
    assert api.get("/epcis/bizSteps/https%3A%2F%2Fns.buyer.example%2Fsecret-step").status_code == 404
    assert _event_ids(api.get("/epcis/dispositions/in_progress/events")) == [object_event(2)["eventID"]]


def test_read_points_and_biz_locations(api, captured):
    members = _members(api.get("/epcis/readPoints"))
    # Canonical Digital Link forms of the two read points the cooperative used, in order.
    assert members == [READ_POINT_DL, "https://id.gs1.org/414/8930000000026"]
    assert _members(api.get("/epcis/bizLocations")) == []
    # A read point is found whichever form names it.
    assert set(_event_ids(api.get("/epcis/readPoints/urn:epc:id:sgln:893000000.001.0/events"))) \
        == {object_event(1)["eventID"], object_event(3)["eventID"]}
    assert api.get("/epcis/readPoints/urn:epc:id:sgln:893000000.099.0").status_code == 404


def test_member_lists_are_paged(api, captured):
    first = api.get("/epcis/readPoints", {"perPage": "1"})
    assert _members(first) == [READ_POINT_DL]
    link = first["Link"]
    assert link.endswith('rel="next"')
    token = link[link.index("nextPageToken=") + len("nextPageToken="):link.index(">")]
    from urllib.parse import unquote

    second = api.get("/epcis/readPoints", {"perPage": "1", "nextPageToken": unquote(token)})
    assert _members(second) == ["https://id.gs1.org/414/8930000000026"] and "Link" not in second


def test_epcs_lists_the_identifiers_of_visible_events(api, captured):
    members = _members(api.get("/epcis/epcs", {"perPage": "1000"}))
    assert SGTIN_DL in members and len(members) == 3
    assert _event_ids(api.get("/epcis/epcs/" + quote(SGTIN_DL, safe="") + "/events")) == [object_event(3)["eventID"]]


# --- GS1-EPC-Format --------------------------------------------------------------------------------------


def test_epc_format_digital_link(api, captured):
    events = api.get("/epcis/events", {"EQ_bizStep": CUSTOM_STEP},
                     headers={"GS1-EPC-Format": "Always_GS1_Digital_Link"})
    assert events["GS1-EPC-Format"] == "Always_GS1_Digital_Link"
    [event] = events.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    assert event["epcList"] == [SGTIN_DL]
    assert event["readPoint"]["id"] == READ_POINT_DL


def test_epc_format_urn_and_never_translates(api, settings):
    settings.GS1_COMPANY_PREFIXES = ["0614141", "893000000"]
    api.capture(make_document([object_event(1, epcList=[SGTIN_DL], readPoint={"id": READ_POINT_DL})]))
    as_urn = api.get("/epcis/events", headers={"GS1-EPC-Format": "Always_EPC_URN"})
    [event] = as_urn.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    assert event["epcList"] == [SGTIN_URN] and event["readPoint"]["id"] == "urn:epc:id:sgln:893000000.001.0"
    as_sent = api.get("/epcis/events", headers={"GS1-EPC-Format": "Never_Translates"})
    [event] = as_sent.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    assert event["epcList"] == [SGTIN_DL]
    assert _members(api.get("/epcis/epcs", headers={"GS1-EPC-Format": "Always_EPC_URN"})) == [SGTIN_URN]


def test_unknown_epc_format_is_refused(api):
    response = api.get("/epcis/events", headers={"GS1-EPC-Format": "Sometimes"})
    assert response.status_code == 406 and response["Content-Type"] == "application/problem+json"


# --- Versions and extensions -------------------------------------------------------------------------------


@pytest.mark.parametrize(("header", "value", "status"), [
    ("GS1-EPCIS-Min", "1.2.0", 200), ("GS1-EPCIS-Max", "2.0.0", 200), ("GS1-EPCIS-Max", "2", 200),
    ("GS1-EPCIS-Min", "2.1", 406), ("GS1-EPCIS-Max", "1.2.0", 406),
    ("GS1-CBV-Min", "1.2.0", 200), ("GS1-CBV-Min", "2.0.1", 406), ("GS1-CBV-Max", "1.2", 406),
    ("GS1-EPCIS-Min", "two", 406),
])
def test_version_ranges(api, header, value, status):
    response = api.get("/epcis/events", headers={header: value})
    assert response.status_code == status
    if status == 406:
        body = response.json()
        assert body["type"] == "epcisException:NotAcceptableException" and body["status"] == 406


def test_gs1_extensions_are_honoured(api, captured):
    headers = {"GS1-Extensions": "htx=https://ns.htx.example/steps/"}
    response = api.get("/epcis/bizSteps", {"perPage": "1000"}, headers=headers)
    body = response.json()
    assert "htx:drying" in body["member"] and CUSTOM_STEP not in body["member"]
    assert {"htx": "https://ns.htx.example/steps/"} in body["@context"]
    assert response["GS1-Extensions"] == "htx=https://ns.htx.example/steps/"
    # The client's prefix may be used in a path, and query documents declare it.
    events = api.get("/epcis/bizSteps/htx:drying/events", headers=headers)
    assert _event_ids(events) == [object_event(3)["eventID"]]
    assert {"htx": "https://ns.htx.example/steps/"} in events.json()["@context"]


def test_malformed_gs1_extensions_are_refused(api):
    response = api.get("/epcis/events", headers={"GS1-Extensions": "no mapping here"})
    assert response.status_code == 406 and "GS1-Extensions" in json.loads(response.content)["detail"]


# --- XML is not offered (docs/decisions/0013-epcis-xml-not-yet.md) ------------------------------------------


def test_xml_capture_is_415_and_xml_only_answers_406_as_problem_json(api):
    xml = ('<?xml version="1.0"?><epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2" schemaVersion="2.0" '
           'creationDate="2026-03-01T08:00:00+07:00"><EPCISBody><EventList/></EPCISBody></epcis:EPCISDocument>')
    for path in ("/epcis/capture", "/epcis/events"):
        response = api.client.post(path, data=xml, content_type="application/xml", headers=api.headers())
        assert response.status_code == 415, path
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["type"] == "epcisException:UnsupportedMediaTypeException"
    only_xml = api.get("/epcis/events", headers={"Accept": "application/xml"})
    assert only_xml.status_code == 406 and only_xml["Content-Type"] == "application/problem+json"
    either = api.get("/epcis/events", headers={"Accept": "application/xml, application/json;q=0.5"})
    assert either.status_code == 200 and either["Content-Type"].startswith("application/json")
