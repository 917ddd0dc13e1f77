"""POST /epcis/capture and the capture jobs: the official examples, bad input, limits, access."""

import copy
import json
from urllib.parse import quote

import pytest
from django.conf import settings
from django.test import Client

from htxconnect.trace.epcis.schema import iter_schema_errors
from htxconnect.trace.models import CaptureJob, EPCISEvent, EPCISEventEPC

from .conftest import EXAMPLES, load_example, make_document, object_event
from htxconnect.core.actors import SYSTEM

pytestmark = pytest.mark.django_db


def prefixes_of(context) -> dict:
    items = context if isinstance(context, list) else [context]
    merged = {}
    for item in items:
        if isinstance(item, dict):
            merged.update(item)
    return merged


def expanded(value, prefixes):
    """Keys written as CURIEs (`example:myField`) expanded to IRIs: what JSON-LD makes of them."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            prefix, _, local = key.partition(":")
            if local and prefix in prefixes and not local.startswith("//"):
                key = prefixes[prefix] + local
            out[key] = expanded(item, prefixes)
        return out
    if isinstance(value, list):
        return [expanded(v, prefixes) for v in value]
    return value


def query_all(api):
    response = api.get("/epcis/events", {"perPage": "1000"})
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_each_official_example_is_captured_and_queried_back_equal(api, path):
    sent = load_example(path)
    response = api.capture(sent)
    assert response.status_code == 202, response.content
    assert response["Location"] == f"/epcis/capture/{response.json()['captureID']}"
    job = api.get(response["Location"]).json()
    assert job["running"] is False and job["success"] is True and job["errors"] == []

    result = query_all(api)
    assert not list(iter_schema_errors(result)), "the query document must validate against the schema"
    got = result["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    assert all("recordTime" in e for e in got)
    got = [{k: v for k, v in e.items() if k != "recordTime"} for e in got]
    want = sent["epcisBody"]["eventList"]
    by_id = {e["eventID"]: e for e in got}
    assert sorted(by_id) == sorted(e["eventID"] for e in want)
    for event in want:
        assert by_id[event["eventID"]] == event  # the same JSON, extensions and all
        single = api.get("/epcis/events/" + quote(event["eventID"], safe=""))
        assert single.status_code == 200
        assert single.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"][0]["eventID"] == event["eventID"]
    # ... and the same data once the context's prefixes are applied (what JSON-LD reads).
    sent_prefixes, got_prefixes = prefixes_of(sent["@context"]), prefixes_of(result["@context"])
    assert got_prefixes.get("example") == "http://ns.example.com/epcis/"
    for event in want:
        assert expanded(by_id[event["eventID"]], got_prefixes) == expanded(event, sent_prefixes)


def test_all_examples_together_keep_every_event(api):
    total = 0
    for path in EXAMPLES:
        document = load_example(path)
        total += len(document["epcisBody"]["eventList"])
        assert api.capture(document).status_code == 202
    assert EPCISEvent.objects.count() == total
    result = query_all(api)
    assert len(result["epcisBody"]["queryResults"]["resultsBody"]["eventList"]) == total
    assert not list(iter_schema_errors(result))


def test_conflicting_prefixes_keep_their_meaning(api):
    one = make_document([object_event(1, **{"ex:note": "a"})], {"ex": "http://a.example/"})
    two = make_document([object_event(2, **{"ex:note": "b"})], {"ex": "http://b.example/"})
    assert api.capture(one).status_code == 202
    assert api.capture(two).status_code == 202
    result = query_all(api)
    assert not list(iter_schema_errors(result))
    events = result["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    doc_prefixes = prefixes_of(result["@context"])
    meanings = set()
    for event in events:
        prefixes = {**doc_prefixes, **prefixes_of(event.get("@context", []))}
        meanings.add(prefixes["ex"] + "note=" + event["ex:note"])
    assert meanings == {"http://a.example/note=a", "http://b.example/note=b"}


def test_stored_columns_are_normalised(api):
    event = object_event(3, bizStep="receiving",
                         readPoint={"id": "https://id.gs1.org/414/8930000000019"},
                         eventTime="2026-03-01T08:00:00.123456789+07:00")
    assert api.capture(make_document([event])).status_code == 202
    row = EPCISEvent.objects.get()
    assert row.biz_step == "receiving" and row.disposition == "in_transit" and row.action == "OBSERVE"
    assert row.read_point == "https://id.gs1.org/414/8930000000019"
    assert row.event_time.isoformat() == "2026-03-01T01:00:00.123456+00:00"
    assert row.event_time_zone_offset == "+07:00"
    assert row.owner == api.user and row.context[1:] == [] and row.public is False
    assert list(row.epcs.values_list("role", "epc")) == [("epc", "https://id.gs1.org/01/08930000000019/21/LOT1-3")]


def test_every_event_type_and_its_identifiers_are_indexed(api):
    events = [
        object_event(1, quantityList=[{"epcClass": "urn:epc:class:lgtin:893000000.0001.L1", "quantity": 5, "uom": "KGM"}]),
        {"type": "AggregationEvent", "eventID": "urn:uuid:a1", "eventTime": "2026-03-01T09:00:00+07:00",
         "eventTimeZoneOffset": "+07:00", "action": "ADD", "bizStep": "packing",
         "parentID": "urn:epc:id:sscc:893000000.01234567",
         "childEPCs": ["urn:epc:id:sgtin:893000000.0001.S1"]},
        {"type": "TransactionEvent", "eventID": "urn:uuid:t1", "eventTime": "2026-03-01T10:00:00+07:00",
         "eventTimeZoneOffset": "+07:00", "action": "ADD",
         "bizTransactionList": [{"type": "po", "bizTransaction": "urn:epcglobal:cbv:bt:8930000000019:PO1"}],
         "epcList": ["urn:epc:id:sgtin:893000000.0001.S2"]},
        {"type": "TransformationEvent", "eventID": "urn:uuid:x1", "eventTime": "2026-03-01T11:00:00+07:00",
         "eventTimeZoneOffset": "+07:00", "inputEPCList": ["urn:epc:id:sgtin:893000000.0001.S3"],
         "outputQuantityList": [{"epcClass": "https://id.gs1.org/01/08930000000026/10/JUICE1", "quantity": 40}]},
        {"type": "AssociationEvent", "eventID": "urn:uuid:s1", "eventTime": "2026-03-01T12:00:00+07:00",
         "eventTimeZoneOffset": "+07:00", "action": "ADD", "parentID": "urn:epc:id:sgtin:893000000.0001.S9",
         "childEPCs": ["urn:epc:id:sgtin:893000000.0001.S4"],
         "sensorElementList": [{"sensorMetadata": {"time": "2026-03-01T12:00:00+07:00"},
                                "sensorReport": [{"type": "gs1:Temperature", "value": 4.5, "uom": "CEL"}]}],
         "certificationInfo": "https://example.vn/cert/vietgap/1",
         "errorDeclaration": {"declarationTime": "2026-03-02T08:00:00+07:00", "reason": "incorrect_data"}},
    ]
    response = api.capture(make_document(events))
    assert response.status_code == 202, response.content
    roles = set(EPCISEventEPC.objects.values_list("role", flat=True))
    assert roles == {"epc", "quantity", "parent", "child", "input", "output_quantity"}
    stored = EPCISEvent.objects.get(event_id="urn:uuid:s1").event
    assert stored["sensorElementList"][0]["sensorReport"][0]["value"] == 4.5
    assert stored["errorDeclaration"]["reason"] == "incorrect_data"
    assert stored["certificationInfo"] == "https://example.vn/cert/vietgap/1"


# --- Bad input: refused with its errors, nothing stored ------------------------------------------------


def _two_events():
    return [object_event(1), object_event(2)]


def _without(field):
    events = _two_events()
    del events[1][field]
    return events


def _with(**fields):
    events = _two_events()
    events[1].update(fields)
    return events


@pytest.mark.parametrize("events, path, words", [
    (_without("eventTime"), "$.epcisBody.eventList[1]", "eventTime"),
    (_without("eventTimeZoneOffset"), "$.epcisBody.eventList[1]", "eventTimeZoneOffset"),
    (_with(type="FooEvent"), "$.epcisBody.eventList[1].type", "FooEvent"),
    (_with(eventTime="2026-03-01T08:00:00"), "$.epcisBody.eventList[1].eventTime", "2026-03-01T08:00:00"),
    (_with(eventTimeZoneOffset="+25:00"), "$.epcisBody.eventList[1].eventTimeZoneOffset", "+25:00"),
    (_with(action="JUMP"), "$.epcisBody.eventList[1].action", "JUMP"),
    (_with(myField="not namespaced"), "$.epcisBody.eventList[1]", "myField"),
    (_with(epcList="urn:epc:id:sgtin:893000000.0001.1"), "$.epcisBody.eventList[1].epcList", "array"),
    (_with(eventID=_two_events()[0]["eventID"]), "$.epcisBody.eventList[1].eventID", "lặp lại"),
])
def test_invalid_events_are_refused_with_their_json_path(api, events, path, words):
    response = api.capture(make_document(events))
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "epcisException:ValidationException" and body["status"] == 400 and body["title"]
    assert any(e["path"] == path and words in e["detail"] for e in body["errors"]), body["errors"]
    assert EPCISEvent.objects.count() == 0 and EPCISEventEPC.objects.count() == 0
    job = api.get(response["Location"]).json()
    assert job["success"] is False and job["running"] is False and job["errors"] == body["errors"]


@pytest.mark.parametrize("body, words", [
    ('{"type": "EPCISDocument", "epcisBody": {"eventList": [', "dòng 1"),
    ("[1, 2]", "đối tượng JSON"),
    ('{"type": "EPCISDocument", "x": NaN}', "NaN"),
    (b"\xff\xfe{}", "UTF-8"),
    ('{"type": "EPCISDocument", "x": 1e999}', "out of range"),
    ("[" * 100000 + "]" * 100000, "sâu"),
])
def test_malformed_json_is_refused(api, body, words):
    response = api.capture(body)
    assert response.status_code == 400
    problem = response.json()
    assert problem["type"] == "epcisException:ValidationException"
    assert words in problem["detail"] or any(words in e["detail"] for e in problem.get("errors", []))
    assert EPCISEvent.objects.count() == 0


def test_document_of_another_type_is_refused(api):
    document = make_document(_two_events())
    document["type"] = "ObjectEvent"
    response = api.capture(document)
    assert response.status_code == 400
    assert response.json()["errors"][0]["path"] == "$.type"


def test_unsupported_media_type(api):
    response = api.capture(make_document(_two_events()), content_type="text/plain")
    assert response.status_code == 415
    assert response.json()["type"] == "epcisException:UnsupportedMediaTypeException"


def test_a_100_mb_body_is_refused_before_it_is_read(api):
    response = api.capture(make_document(_two_events()), CONTENT_LENGTH=str(100 * 1024 * 1024))
    assert response.status_code == 413
    body = response.json()
    assert body["type"] == "epcisException:CaptureLimitExceededException"
    assert "104857600" in body["detail"]
    assert response["GS1-EPCIS-Capture-File-Size-Limit"] == str(20 * 1024 * 1024)
    assert EPCISEvent.objects.count() == 0 and CaptureJob.objects.count() == 0


def test_a_body_over_the_byte_limit_is_refused(api, settings):
    settings.EPCIS_CAPTURE_MAX_BYTES = 500
    response = api.capture(make_document(_two_events()))
    assert response.status_code == 413
    assert response["GS1-EPCIS-Capture-File-Size-Limit"] == "500"
    assert EPCISEvent.objects.count() == 0


def test_too_many_events_are_refused(api, settings):
    settings.EPCIS_CAPTURE_LIMIT = 1
    response = api.capture(make_document(_two_events()))
    assert response.status_code == 413
    assert "GS1-EPCIS-Capture-Limit" in response.json()["detail"]
    assert response["GS1-EPCIS-Capture-Limit"] == "1"
    assert EPCISEvent.objects.count() == 0


def test_options_publishes_the_limits(api):
    response = api.client.options("/epcis/capture")
    assert response.status_code == 204
    assert response["GS1-EPCIS-Capture-Limit"] == "10000"
    assert response["GS1-EPCIS-Capture-File-Size-Limit"] == str(20 * 1024 * 1024)
    assert set(response["Allow"].split(", ")) == {"GET", "HEAD", "POST", "OPTIONS"}
    assert response["GS1-EPCIS-Version"] == "2.0.0"


# --- Duplicates, proceed mode, large documents --------------------------------------------------------------


def test_resending_a_document_does_not_duplicate_events(api):
    document = make_document([object_event(i) for i in range(5)])
    first = api.capture(document).json()
    second = api.capture(document).json()
    assert first["storedCount"] == 5 and second["storedCount"] == 0 and second["duplicateCount"] == 5
    assert second["success"] is True
    assert EPCISEvent.objects.count() == 5 and EPCISEventEPC.objects.count() == 5


def test_events_without_event_id_get_a_stable_hash_id(api):
    event = object_event(7)
    del event["eventID"]
    api.capture(make_document([event]))
    api.capture(make_document([event]))
    row = EPCISEvent.objects.get()
    assert row.event_id.startswith("ni:///sha-256;") and row.event_id.endswith("?ver=CBV2.0")
    assert row.event["eventID"] == row.event_id
    assert api.get("/epcis/events", {"EQ_eventID": row.event_id}).json()[
        "epcisBody"]["queryResults"]["resultsBody"]["eventList"][0]["epcList"] == event["epcList"]


def test_proceed_stores_the_valid_events_and_reports_the_others(api):
    events = _with(eventTime="yesterday")
    response = api.capture(make_document(events), headers={"GS1-Capture-Error-Behaviour": "proceed"})
    assert response.status_code == 202
    job = response.json()
    assert job["success"] is False and job["storedCount"] == 1
    assert job["captureErrorBehaviour"] == "proceed"
    assert job["errors"][0]["path"].startswith("$.epcisBody.eventList[1]")
    assert list(EPCISEvent.objects.values_list("event_id", flat=True)) == [events[0]["eventID"]]


def test_proceed_still_refuses_a_broken_document(api):
    document = make_document(_two_events())
    del document["creationDate"]
    response = api.capture(document, headers={"GS1-Capture-Error-Behaviour": "proceed"})
    assert response.status_code == 400
    assert EPCISEvent.objects.count() == 0


def test_unknown_error_behaviour_is_refused(api):
    response = api.capture(make_document(_two_events()), headers={"GS1-Capture-Error-Behaviour": "maybe"})
    assert response.status_code == 400


def test_large_documents_are_captured_by_a_task(api, settings, django_capture_on_commit_callbacks):
    settings.EPCIS_SYNC_CAPTURE_LIMIT = 2
    with django_capture_on_commit_callbacks(execute=True):
        response = api.capture(make_document([object_event(i) for i in range(3)]))
    assert response.status_code == 202
    job = CaptureJob.objects.get(pk=response.json()["captureID"])
    assert job.status == CaptureJob.Status.SUCCESS and job.stored_count == 3 and job.document is None
    assert api.get(response["Location"]).json()["success"] is True


def test_a_queued_document_that_fails_is_reported(api, settings, django_capture_on_commit_callbacks):
    settings.EPCIS_SYNC_CAPTURE_LIMIT = 1
    with django_capture_on_commit_callbacks(execute=True):
        response = api.capture(make_document(_without("eventTime")))
    assert response.status_code == 202  # accepted first, checked by the task
    job = api.get(response["Location"]).json()
    assert job["success"] is False and job["errors"][0]["path"] == "$.epcisBody.eventList[1]"
    assert EPCISEvent.objects.count() == 0


def test_capture_is_audited(api):
    from htxconnect.core.models import AuditEntry

    api.capture(make_document(_two_events()))
    entry = AuditEntry.objects.get(action="trace.epcis.captured")
    assert entry.actor == api.user and entry.changes["events"] == [None, 2]


# --- Capture jobs and access --------------------------------------------------------------------------------


def test_capture_jobs_are_private_to_their_sender(api, buyer_api):
    location = api.capture(make_document(_two_events()))["Location"]
    assert api.get(location).status_code == 200
    other = buyer_api.get(location)
    assert other.status_code == 404 and other.json()["type"] == "epcisException:NoSuchNameException"
    assert len(api.get("/epcis/capture").json()) == 1
    assert buyer_api.get("/epcis/capture").json() == []
    assert api.get("/epcis/capture/not-a-uuid").status_code == 404


def test_capture_list_pages(api):
    for i in range(3):
        api.capture(make_document([object_event(i)]))
    first = api.get("/epcis/capture", {"perPage": "2"})
    assert len(first.json()) == 2 and 'rel="next"' in first["Link"]
    url = first["Link"].split(">")[0].lstrip("<")
    second = api.client.get(url, headers=api.headers())
    assert len(second.json()) == 1 and "Link" not in second


def test_anonymous_gets_401_in_vietnamese_and_english(db):
    response = Client().post("/epcis/capture", data="{}", content_type="application/json")
    assert response.status_code == 401
    body = response.json()
    assert body["type"] == "epcisException:SecurityException"
    assert "Chưa xác thực" in body["title"] and "Unauthorised" in body["title"]
    assert "khóa API" in body["detail"] and "API key" in body["detail"]
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_wrong_or_revoked_key_gets_401(api):
    from htxconnect.accounts.apikeys import revoke_key

    api.key = api.key[:-3] + "AAA"
    assert api.capture(make_document(_two_events())).status_code == 401
    good = api
    from htxconnect.accounts.apikeys import issue_key

    key, raw = issue_key(good.user, by=SYSTEM)
    good.key = raw
    revoke_key(key, by=SYSTEM)
    assert good.capture(make_document(_two_events())).status_code == 401
    assert EPCISEvent.objects.count() == 0


def test_session_capture_must_pass_csrf(users):
    from tests.conftest import signed_in_client

    client = signed_in_client(users["coop_manager"])
    client.handler.enforce_csrf_checks = True
    body = json.dumps(make_document(_two_events()))
    refused = client.post("/epcis/capture", data=body, content_type="application/json")
    assert refused.status_code == 403
    from django.middleware.csrf import _get_new_csrf_string

    token = _get_new_csrf_string()
    client.cookies[settings.CSRF_COOKIE_NAME] = token
    accepted = client.post("/epcis/capture", data=body, content_type="application/json",
                           headers={"X-CSRFToken": token})
    assert accepted.status_code == 202, accepted.content


def test_staff_session_without_two_factor_gets_401(users):
    client = Client()
    client.force_login(users["officer"])
    response = client.get("/epcis/events")
    assert response.status_code == 401
    assert "hai bước" in response.json()["detail"]


def test_verified_staff_session_may_query(clients):
    assert clients["officer"].get("/epcis/events").status_code == 200


def test_context_is_served_locally(client):
    response = client.get("/epcis/context/epcis-context.jsonld")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/ld+json"
    body = json.loads(b"".join(response.streaming_content))
    assert body["@context"]["epcis"] == "https://ref.gs1.org/epcis/"


def test_example_variants_from_files_are_refused_whole(api):
    document = load_example(EXAMPLES[0])
    bad = copy.deepcopy(document)
    del bad["epcisBody"]["eventList"][-1]["eventTime"]
    assert api.capture(bad).status_code == 400
    assert EPCISEvent.objects.count() == 0
    assert api.capture(document).status_code == 202
    assert EPCISEvent.objects.count() == len(document["epcisBody"]["eventList"])
