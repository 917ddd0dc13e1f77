"""GET /epcis/events and the per-type, per-EPC and per-event resources of the REST binding."""

import re
from urllib.parse import quote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from htxconnect.core import identifiers as gs1
from htxconnect.trace.epcis.schema import iter_schema_errors
from htxconnect.trace.models import EPCISEvent, EPCISShare

from .conftest import make_document, object_event

pytestmark = pytest.mark.django_db

S1 = "urn:epc:id:sgtin:893000000.0001.S1"
S2 = "urn:epc:id:sgtin:893000000.0001.S2"
S3 = "urn:epc:id:sgtin:893000000.0001.S3"
SSCC = "urn:epc:id:sscc:893000000.01234567"
LOT = "urn:epc:class:lgtin:893000000.0001.L1"
FARM = "urn:epc:id:sgln:893000000.001.0"
STORE = "urn:epc:id:sgln:893000000.002.0"
SORTING = "https://htx.example.vn/bizstep/sorting"


def _event(eid, kind, day, **fields):
    event = {"type": kind, "eventID": f"urn:uuid:{eid}", "eventTime": f"2026-03-0{day}T08:00:00+07:00",
             "eventTimeZoneOffset": "+07:00"}
    event.update(fields)
    return event


EVENTS = [
    _event("e1", "ObjectEvent", 1, action="OBSERVE", bizStep="shipping", disposition="in_transit", epcList=[S1],
           readPoint={"id": FARM}, bizLocation={"id": STORE}),
    _event("e2", "ObjectEvent", 2, action="ADD", bizStep="commissioning", disposition="active", epcList=[S2],
           quantityList=[{"epcClass": LOT, "quantity": 10, "uom": "KGM"}], readPoint={"id": STORE}),
    _event("e3", "AggregationEvent", 3, action="ADD", bizStep="packing", parentID=SSCC, childEPCs=[S1, S2]),
    _event("e4", "TransformationEvent", 4, bizStep=SORTING, inputEPCList=[S2],
           outputEPCList=[gs1.epc_to_digital_link(S3)]),
    _event("e5", "ObjectEvent", 5, action="DELETE", bizStep="decommissioning", disposition="destroyed",
           epcList=[gs1.epc_to_digital_link(S3)]),
]


@pytest.fixture
def stored(api):
    response = api.capture(make_document(EVENTS))
    assert response.status_code == 202, response.content
    return api


def ids(response):
    assert response.status_code == 200, response.content
    document = response.json()
    assert not list(iter_schema_errors(document)), "every query document validates against the schema"
    assert document["type"] == "EPCISQueryDocument"
    return sorted(e["eventID"].removeprefix("urn:uuid:")
                  for e in document["epcisBody"]["queryResults"]["resultsBody"]["eventList"])


def query(api, **params):
    return api.get("/epcis/events", params)


def refused(response, words=""):
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["type"] == "epcisException:QueryParameterException" and body["status"] == 400
    assert words in body["detail"]
    return body


def test_all_events(stored):
    assert ids(query(stored)) == ["e1", "e2", "e3", "e4", "e5"]


def test_event_type(stored):
    assert ids(query(stored, eventType="AggregationEvent")) == ["e3"]
    assert ids(query(stored, eventType="ObjectEvent|TransformationEvent")) == ["e1", "e2", "e4", "e5"]
    refused(query(stored, eventType="FooEvent"), "FooEvent")


def test_event_time(stored):
    assert ids(query(stored, GE_eventTime="2026-03-03T08:00:00+07:00")) == ["e3", "e4", "e5"]
    assert ids(query(stored, LT_eventTime="2026-03-03T01:00:00Z")) == ["e1", "e2"]
    # an unencoded "+" arrives as a space
    assert ids(stored.client.get("/epcis/events?GE_eventTime=2026-03-05T08:00:00+07:00",
                                 headers=stored.headers())) == ["e5"]
    refused(query(stored, GE_eventTime="2026-03-03"), "GE_eventTime")
    refused(query(stored, LT_eventTime="soon"), "LT_eventTime")


def test_record_time(stored):
    record_time = query(stored).json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"][0]["recordTime"]
    assert ids(query(stored, GE_recordTime=record_time)) == ["e1", "e2", "e3", "e4", "e5"]
    assert ids(query(stored, LT_recordTime=record_time)) == []
    assert ids(query(stored, LT_recordTime="2999-01-01T00:00:00Z")) == ["e1", "e2", "e3", "e4", "e5"]
    refused(query(stored, GE_recordTime="x"))


def test_action(stored):
    assert ids(query(stored, EQ_action="ADD")) == ["e2", "e3"]
    assert ids(query(stored, EQ_action="OBSERVE|DELETE")) == ["e1", "e5"]
    refused(query(stored, EQ_action="JUMP"), "JUMP")


@pytest.mark.parametrize("value", ["shipping", "urn:epcglobal:cbv:bizstep:shipping",
                                   "https://ref.gs1.org/cbv/BizStep-shipping"])
def test_biz_step_short_and_uri_forms(stored, value):
    assert ids(query(stored, EQ_bizStep=value)) == ["e1"]


def test_custom_biz_step(stored):
    assert ids(query(stored, EQ_bizStep=SORTING)) == ["e4"]
    assert ids(query(stored, EQ_bizStep="packing|commissioning")) == ["e2", "e3"]


def test_disposition(stored):
    assert ids(query(stored, EQ_disposition="in_transit")) == ["e1"]
    assert ids(query(stored, EQ_disposition="urn:epcglobal:cbv:disp:destroyed")) == ["e5"]
    assert ids(query(stored, EQ_disposition="https://ref.gs1.org/cbv/Disp-active")) == ["e2"]


def test_read_point_and_biz_location_in_either_form(stored):
    assert ids(query(stored, EQ_readPoint=FARM)) == ["e1"]
    assert ids(query(stored, EQ_readPoint=gs1.epc_to_digital_link(STORE))) == ["e2"]
    assert ids(query(stored, EQ_bizLocation=STORE)) == ["e1"]
    assert ids(query(stored, EQ_bizLocation="https://id.gs1.org/414/8930000000026")) == ["e1"]


def test_match_epc_urn_and_digital_link_are_the_same_item(stored):
    assert ids(query(stored, MATCH_epc=S1)) == ["e1", "e3"]
    assert ids(query(stored, MATCH_epc=gs1.epc_to_digital_link(S1))) == ["e1", "e3"]
    assert ids(query(stored, MATCH_epc="https://shop.example.vn/01/8930000000019/21/S1")) == ["e1", "e3"]
    # e5 was captured with the Digital Link; its URN finds it
    assert ids(query(stored, MATCH_epc=S3)) == ["e5"]


def test_match_epc_pattern(stored):
    assert ids(query(stored, MATCH_epc="urn:epc:idpat:sgtin:893000000.0001.*")) == ["e1", "e2", "e3", "e5"]


def test_match_any_epc(stored):
    assert ids(query(stored, MATCH_anyEPC=S2)) == ["e2", "e3", "e4"]
    assert ids(query(stored, MATCH_anyEPC=f"{SSCC}|{S3}")) == ["e3", "e4", "e5"]


def test_match_parent_id(stored):
    assert ids(query(stored, MATCH_parentID=SSCC)) == ["e3"]
    assert ids(query(stored, MATCH_parentID=gs1.epc_to_digital_link(SSCC))) == ["e3"]
    assert ids(query(stored, MATCH_parentID=S1)) == []


def test_match_input_and_output(stored):
    assert ids(query(stored, MATCH_inputEPC=S2)) == ["e4"]
    assert ids(query(stored, MATCH_outputEPC=S3)) == ["e4"]
    assert ids(query(stored, MATCH_inputEPC=S3)) == []


def test_match_epc_class(stored):
    assert ids(query(stored, MATCH_epcClass=LOT)) == ["e2"]
    assert ids(query(stored, MATCH_anyEPCClass="https://id.gs1.org/01/08930000000019/10/L1")) == ["e2"]


def test_match_parameters_combine(stored):
    assert ids(query(stored, MATCH_anyEPC=S2, EQ_action="ADD")) == ["e2", "e3"]
    assert ids(query(stored, MATCH_anyEPC=S2, eventType="AggregationEvent", EQ_bizStep="packing")) == ["e3"]


def test_event_id(stored):
    assert ids(query(stored, EQ_eventID="urn:uuid:e4|urn:uuid:e1")) == ["e1", "e4"]
    assert ids(query(stored, EQ_eventID="urn:uuid:nope")) == []


def test_bad_parameters(stored):
    refused(query(stored, EQ_bizstep="shipping"), "EQ_bizstep")  # a misspelt name is refused, not ignored
    refused(query(stored, colour="red"), "colour")
    refused(query(stored, EQ_bizStep=""), "rỗng")
    refused(stored.client.get("/epcis/events?EQ_action=ADD&EQ_action=OBSERVE", headers=stored.headers()))
    refused(query(stored, perPage="0"), "perPage")
    refused(query(stored, perPage="many"), "perPage")
    refused(query(stored, nextPageToken="forged"), "nextPageToken")


def test_pagination_across_pages(api):
    api.capture(make_document([object_event(i) for i in range(25)]))
    api.capture(make_document([object_event(i) for i in range(25, 30)]))
    seen, url, pages = [], "/epcis/events?perPage=10&EQ_bizStep=shipping", 0
    while url:
        response = api.client.get(url, headers=api.headers())
        pages += 1
        seen += ids(response)
        link = response.get("Link")
        if link:
            assert link.endswith('; rel="next"') and "perPage=10" in link and "EQ_bizStep=shipping" in link
            url = link.split(">")[0].lstrip("<")
        else:
            url = None
    assert pages == 3
    assert len(seen) == 30 and len(set(seen)) == 30


def test_page_queries_do_not_grow_with_page_size(api):
    api.capture(make_document([object_event(i) for i in range(40)]))
    counts = []
    for per_page in ("5", "40"):
        with CaptureQueriesContext(connection) as queries:
            assert query(api, perPage=per_page).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 4


def test_a_page_is_one_query_after_the_key_even_with_shares(stored, buyer_api):
    """The API key lookup, then one query for the page: whose events the caller may read (own,
    shared, public) is part of that query, not read beforehand."""
    EPCISShare.objects.create(owner=stored.user, grantee=buyer_api.user)
    assert ids(query(buyer_api)) == ["e1", "e2", "e3", "e4", "e5"]  # also marks the key used (a write)
    with CaptureQueriesContext(connection) as queries:
        assert ids(query(buyer_api, perPage="2", EQ_bizStep="shipping|packing")) == ["e1", "e3"]
    assert [re.search(r'FROM "(\w+)"', q["sql"])[1] for q in queries] == ["accounts_apikey", "trace_epcisevent"]
    assert "trace_epcisshare" in queries[1]["sql"]


# --- Who sees what -----------------------------------------------------------------------------------------


def test_other_users_events_are_invisible(stored, buyer_api):
    assert ids(query(buyer_api)) == []
    assert ids(query(buyer_api, MATCH_epc=S1)) == []
    assert buyer_api.get("/epcis/events/" + quote("urn:uuid:e1", safe="")).status_code == 404
    assert buyer_api.get(f"/epcis/epcs/{S1}").status_code == 404


def test_shared_and_public_events_are_visible(stored, buyer_api):
    EPCISEvent.objects.filter(event_id="urn:uuid:e5").update(public=True)
    assert ids(query(buyer_api)) == ["e5"]
    EPCISShare.objects.create(owner=stored.user, grantee=buyer_api.user)
    assert ids(query(buyer_api)) == ["e1", "e2", "e3", "e4", "e5"]


def test_admin_sees_all(stored, clients):
    assert ids(clients["admin"].get("/epcis/events")) == ["e1", "e2", "e3", "e4", "e5"]
    assert ids(clients["officer"].get("/epcis/events")) == []


def test_anonymous_query_is_401(client, db):
    response = client.get("/epcis/events")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


# --- Resources, headers, negotiation --------------------------------------------------------------------------


def test_event_by_id(stored):
    response = stored.get("/epcis/events/" + quote("urn:uuid:e3", safe=""))
    assert ids(response) == ["e3"]
    hashed = "ni:///sha-256;df7bb3c352fef055578554f09f5e2aa41782150ced7bd0b8af24dd3ccb30ba69?ver=CBV2.0"
    assert stored.get("/epcis/events/" + quote(hashed, safe="")).status_code == 404


def test_event_types(stored):
    response = stored.get("/epcis/eventTypes")
    assert response.status_code == 200
    body = response.json()
    assert body["type"] == "Collection"
    assert body["member"] == ["ObjectEvent", "AggregationEvent", "TransactionEvent", "TransformationEvent",
                              "AssociationEvent"]
    assert stored.get("/epcis/eventTypes/ObjectEvent").json()["member"] == ["events"]
    assert stored.get("/epcis/eventTypes/FooEvent").status_code == 404
    assert ids(stored.get("/epcis/eventTypes/AggregationEvent/events")) == ["e3"]
    assert ids(stored.get("/epcis/eventTypes/ObjectEvent/events", {"EQ_action": "ADD"})) == ["e2"]


def test_extension_event_types_are_listed(api):
    event = object_event(1, type="ex:HarvestEvent")
    del event["action"]
    response = api.capture(make_document([event], {"ex": "https://htx.example.vn/epcis/"}))
    assert response.status_code == 202, response.content
    assert "ex:HarvestEvent" in api.get("/epcis/eventTypes").json()["member"]


def test_per_epc_resources(stored):
    assert stored.get(f"/epcis/epcs/{S2}").json()["member"] == ["events"]
    assert ids(stored.get(f"/epcis/epcs/{S2}/events")) == ["e2", "e3", "e4"]
    assert ids(stored.get(f"/epcis/epcs/{quote(gs1.epc_to_digital_link(S2), safe='')}/events")) == ["e2", "e3", "e4"]
    assert ids(stored.get(f"/epcis/epcs/{S2}/events", {"eventType": "ObjectEvent"})) == ["e2"]
    assert ids(stored.get(f"/epcis/epcs/{LOT}/events")) == ["e2"]
    assert stored.get("/epcis/epcs/urn:epc:id:sgtin:893000000.0001.NONE").status_code == 404


def test_versions_and_content_negotiation(stored):
    plain = stored.get("/epcis/events")
    assert plain["GS1-EPCIS-Version"] == "2.0.0" and plain["GS1-CBV-Version"] == "2.0.0"
    assert plain["Content-Type"].startswith("application/json")
    ld = stored.get("/epcis/events", headers={"Accept": "application/ld+json"})
    assert ld["Content-Type"].startswith("application/ld+json")
    assert stored.get("/epcis/events", headers={"Accept": "*/*"}).status_code == 200
    html = stored.get("/epcis/events", headers={"Accept": "text/html"})
    assert html.status_code == 406 and html.json()["type"] == "epcisException:NotAcceptableException"
    assert stored.get("/epcis/events", headers={"Accept": "application/json;q=0, text/html"}).status_code == 406


def test_head_options_and_unsupported_methods(stored):
    head = stored.client.head("/epcis/events", headers=stored.headers())
    assert head.status_code == 200 and head.content == b""
    options = stored.client.options("/epcis/events")
    assert options.status_code == 204 and options["Allow"] == "GET, POST, HEAD, OPTIONS"
    assert options["GS1-EPCIS-Max"] == "2.0.0"
    put = stored.client.put("/epcis/events", data="{}", content_type="application/json", headers=stored.headers())
    assert put.status_code == 405 and "GET" in put["Allow"]


def test_query_result_validates_for_the_official_examples(api):
    from .conftest import EXAMPLES, load_example

    for path in EXAMPLES:
        api.capture(load_example(path))
    for params in ({}, {"perPage": "1"}, {"MATCH_anyEPC": "urn:epc:id:sgtin:0614141.107346.2018"}):
        response = query(api, **params)
        ids(response)


def test_transformation_id_and_error_declarations(api):
    events = [
        _event("t1", "TransformationEvent", 1, transformationID="urn:uuid:batch-7", inputEPCList=[S1],
               outputEPCList=[S2]),
        _event("d1", "ObjectEvent", 2, action="OBSERVE", epcList=[S1],
               errorDeclaration={"declarationTime": "2026-03-03T08:00:00+07:00", "reason": "incorrect_data"}),
        _event("d2", "ObjectEvent", 3, action="OBSERVE", epcList=[S2]),
    ]
    assert api.capture(make_document(events)).status_code == 202
    assert ids(query(api, EQ_transformationID="urn:uuid:batch-7")) == ["t1"]
    assert ids(query(api, EXISTS_errorDeclaration="")) == ["d1"]
    assert ids(query(api, EQ_errorReason="incorrect_data")) == ["d1"]
    assert ids(query(api, EQ_errorReason="urn:epcglobal:cbv:er:incorrect_data")) == ["d1"]
    assert ids(query(api, EQ_errorReason="did_not_occur")) == []


def test_post_events_captures_one_event(api):
    event = {"@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
                          {"ex": "https://htx.example.vn/epcis/"}], **object_event(9, **{"ex:plot": "A3"})}
    response = api.client.post("/epcis/events", data=event, content_type="application/ld+json",
                               headers=api.headers())
    assert response.status_code == 201, response.content
    assert response["Content-Type"].startswith("application/json") and response.json()["eventID"] == event["eventID"]
    assert response["Location"] == "/epcis/events/" + quote(event["eventID"], safe="")
    stored = api.get(response["Location"]).json()
    assert stored["epcisBody"]["queryResults"]["resultsBody"]["eventList"][0]["ex:plot"] == "A3"
    assert {"ex": "https://htx.example.vn/epcis/"} in stored["@context"]
    again = api.client.post("/epcis/events", data=event, content_type="application/ld+json", headers=api.headers())
    assert again.status_code == 409
    bad = dict(event)
    del bad["eventTime"]
    bad["eventID"] = "urn:uuid:other"
    refused_event = api.client.post("/epcis/events", data=bad, content_type="application/ld+json",
                                    headers=api.headers())
    assert refused_event.status_code == 400
    assert any(e["path"] == "$" and "eventTime" in e["detail"] for e in refused_event.json()["errors"])
    no_context = {k: v for k, v in event.items() if k != "@context"}
    no_context["eventID"] = "urn:uuid:no-context"
    assert api.client.post("/epcis/events", data=no_context, content_type="application/json",
                           headers=api.headers()).status_code == 400
    assert EPCISEvent.objects.count() == 1


def test_unknown_epcis_paths_answer_problem_json(api):
    response = api.get("/epcis/nothing/here")
    assert response.status_code == 404 and response["Content-Type"] == "application/problem+json"
    weird = api.get("/epcis/eventTypes/" + quote("https://0.com", safe=""))
    assert weird.status_code == 200  # an extension event type named by a URI


def test_paths_survive_merged_slashes(stored):
    """nginx merges `//` in paths by default: `https:/id.gs1.org/…` still names the item."""
    merged = gs1.epc_to_digital_link(S2).replace("https://", "https:/")
    assert ids(stored.get(f"/epcis/epcs/{merged}/events")) == ["e2", "e3", "e4"]

