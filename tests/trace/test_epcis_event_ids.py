"""Nothing lost, nothing claimed: eventIDs, error declarations and the CBV 2.0 event hash.

Written from EPCIS 2.0 §7.4.1.2 (errorDeclaration: declarationTime, reason, correctiveEventIDs;
"the same eventID … with an errorDeclaration"), §8.2.7.1 (the error declaration query
parameters) and CBV 2.0 §8.9 (event hash ID). Expected values are built by hand or, for hashes,
published by GS1's reference implementation (tests/trace/examples/event-hash/SOURCE.txt).
"""

import copy
import json
from pathlib import Path
from urllib.parse import quote

import pytest

from htxconnect.trace.models import CaptureJob, EPCISEvent

from .conftest import make_document, object_event

HASH_EXAMPLES = Path(__file__).resolve().parent / "examples" / "event-hash"
EVENT_ID = "urn:uuid:00000000-0000-4000-8000-000000000001"


def _events(api, params=None):
    response = api.get("/epcis/events", params)
    assert response.status_code == 200, response.content
    return response.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]


def _post_event(api, event):
    return api.client.post("/epcis/events", data=json.dumps({
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"], **event}),
        content_type="application/ld+json", headers=api.headers())


# --- Same eventID ------------------------------------------------------------------------------------


def test_same_event_spelled_differently_is_idempotent(api):
    original = object_event(1)
    first = api.capture(make_document([original]))
    assert first.status_code == 202 and first.json()["storedCount"] == 1
    # The same event: other key order, bizStep/disposition as CBV web URIs, the same instant in UTC.
    again = {k: original[k] for k in reversed(list(original))}
    again["bizStep"] = "https://ref.gs1.org/cbv/BizStep-shipping"
    again["disposition"] = "https://ref.gs1.org/cbv/Disp-in_transit"
    again["eventTime"] = "2026-03-01T01:00:01Z"  # = 08:00:01+07:00 (object_event(1))
    second = api.capture(make_document([again]))
    body = second.json()
    assert second.status_code == 202, json.dumps(body["errors"], ensure_ascii=False)
    assert body["success"] is True and body["storedCount"] == 0 and body["duplicateCount"] == 1
    assert EPCISEvent.objects.filter(event_id=original["eventID"]).count() == 1


def test_same_event_id_with_a_different_event_is_an_error_naming_it(api):
    api.capture(make_document([object_event(1)]))
    changed = object_event(1, disposition="damaged")  # same eventID, different content
    response = api.capture(make_document([changed, object_event(2)]))
    assert response.status_code == 400  # rollback (default): nothing stored
    body = response.json()
    conflict = [e for e in body["errors"] if e.get("eventID") == EVENT_ID]
    assert len(conflict) == 1 and EVENT_ID in conflict[0]["detail"]
    assert conflict[0]["path"] == "$.epcisBody.eventList[0].eventID"
    job = CaptureJob.objects.get(pk=body["captureID"])
    assert job.status == CaptureJob.Status.FAILED and job.stored_count == 0
    stored = EPCISEvent.objects.get(event_id=EVENT_ID)
    assert stored.disposition == "in_transit"  # the stored event is untouched
    assert not EPCISEvent.objects.filter(event_id=object_event(2)["eventID"]).exists()


def test_conflict_with_proceed_stores_the_others_and_the_job_is_not_a_success(api):
    api.capture(make_document([object_event(1)]))
    response = api.capture(make_document([object_event(1, action="ADD"), object_event(2)]),
                           headers={"GS1-Capture-Error-Behaviour": "proceed"})
    assert response.status_code == 202
    job = api.get(response["Location"]).json()
    assert job["success"] is False and job["running"] is False
    assert job["storedCount"] == 1 and job["duplicateCount"] == 0
    assert [e["eventID"] for e in job["errors"]] == [EVENT_ID]
    assert EPCISEvent.objects.get(event_id=EVENT_ID).action == "OBSERVE"
    assert EPCISEvent.objects.filter(event_id=object_event(2)["eventID"]).exists()


def test_queued_capture_reports_the_conflict_too(api, settings, django_capture_on_commit_callbacks):
    settings.EPCIS_SYNC_CAPTURE_LIMIT = 1  # two events: queued and run by the task
    api.capture(make_document([object_event(1)]))
    with django_capture_on_commit_callbacks(execute=True):
        response = api.capture(make_document([object_event(1, action="ADD"), object_event(2)]))
    assert response.status_code == 202
    job = api.get(response["Location"]).json()
    assert job["running"] is False and job["success"] is False
    assert [e.get("eventID") for e in job["errors"]] == [EVENT_ID]
    assert job["storedCount"] == 0


def test_post_events_answers_201_with_the_event_as_the_binding_describes(api):
    """REST binding (openapi): POST /events → 201, Location of the new event, body an EPCISEvent."""
    sent = object_event(1)
    response = _post_event(api, sent)
    assert response.status_code == 201
    body = response.json()
    assert body["type"] == "ObjectEvent" and body["eventID"] == EVENT_ID
    assert body["bizStep"] == sent["bizStep"] and body["epcList"] == sent["epcList"]
    assert response["Location"] == "/epcis/events/" + quote(EVENT_ID, safe="")


def test_post_events_answers_409_naming_the_event_id_for_a_different_event(api):
    assert _post_event(api, object_event(1)).status_code == 201
    response = _post_event(api, object_event(1, bizStep="receiving"))
    assert response.status_code == 409
    body = response.json()
    assert body["type"] == "epcisException:ResourceAlreadyExistsException" and EVENT_ID in body["detail"]
    assert body["errors"][0]["eventID"] == EVENT_ID
    assert EPCISEvent.objects.get(event_id=EVENT_ID).biz_step == "shipping"


# --- Scope: one account cannot block another's eventID nor learn that it exists -----------------------


def test_event_ids_are_scoped_per_account(api, buyer_api):
    assert _post_event(api, object_event(1)).status_code == 201
    # Another account sends its own, different event under the same eventID: stored, no 409.
    theirs = object_event(1, bizStep="receiving", disposition="in_progress")
    response = _post_event(buyer_api, theirs)
    assert response.status_code == 201, response.content
    # …and the same through /capture: success, nothing reported as duplicate or conflicting.
    again = buyer_api.capture(make_document([theirs]))
    assert again.json()["duplicateCount"] == 1 and again.json()["errors"] == []
    other = buyer_api.capture(make_document([object_event(2)]))
    assert other.json()["storedCount"] == 1
    assert api.capture(make_document([object_event(2)])).json()["storedCount"] == 1
    # Each account reads only its own event under that eventID.
    mine = api.get("/epcis/events/" + quote(EVENT_ID, safe=""))
    assert [e["bizStep"] for e in mine.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]] == ["shipping"]
    theirs_read = buyer_api.get("/epcis/events/" + quote(EVENT_ID, safe=""))
    assert [e["bizStep"] for e in theirs_read.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]] \
        == ["receiving"]
    assert EPCISEvent.objects.filter(event_id=EVENT_ID).count() == 2


def test_a_conflict_never_reveals_another_accounts_event(api, buyer_api):
    _post_event(api, object_event(1))
    # The buyer captures an event with that eventID twice, differently: the conflict is with
    # the buyer's own first event, and its message shows only what the buyer sent.
    _post_event(buyer_api, object_event(1, bizStep="receiving"))
    response = _post_event(buyer_api, object_event(1, bizStep="loading"))
    assert response.status_code == 409
    assert "shipping" not in response.content.decode()
    assert EPCISEvent.objects.get(event_id=EVENT_ID, owner=api.user).biz_step == "shipping"


# --- Error declarations ------------------------------------------------------------------------------------


def _declaration(**extra):
    return {"declarationTime": "2026-03-02T09:00:00+07:00", "reason": "incorrect_data",
            "correctiveEventIDs": ["urn:uuid:00000000-0000-4000-8000-0000000000c1"], **extra}


def test_error_declaration_marks_the_original_and_queries_return_it(api):
    api.capture(make_document([object_event(1), object_event(2)]))
    declaring = object_event(1, errorDeclaration=_declaration())
    response = api.capture(make_document([declaring]))
    assert response.status_code == 202, response.content
    assert response.json()["success"] is True and response.json()["storedCount"] == 1
    row = EPCISEvent.objects.get(event_id=EVENT_ID)
    assert row.error_reason == "incorrect_data"
    assert row.error_declaration_time.isoformat() == "2026-03-02T02:00:00+00:00"
    # GET /events/{eventID} returns the event with its declaration.
    body = api.get("/epcis/events/" + quote(EVENT_ID, safe="")).json()
    [event] = body["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    assert event["errorDeclaration"]["reason"] == "incorrect_data"
    assert event["errorDeclaration"]["correctiveEventIDs"] == ["urn:uuid:00000000-0000-4000-8000-0000000000c1"]
    ids = lambda params: [e["eventID"] for e in _events(api, params)]  # noqa: E731
    assert ids({"EXISTS_errorDeclaration": ""}) == [EVENT_ID]
    assert ids({"EQ_errorReason": "incorrect_data"}) == [EVENT_ID]
    assert ids({"EQ_errorReason": "https://ref.gs1.org/cbv/ER-incorrect_data"}) == [EVENT_ID]
    assert ids({"EQ_errorReason": "did_not_occur"}) == []
    assert ids({"GE_errorDeclarationTime": "2026-03-02T09:00:00+07:00"}) == [EVENT_ID]
    assert ids({"GE_errorDeclarationTime": "2026-03-02T09:00:01+07:00"}) == []
    assert ids({"LT_errorDeclarationTime": "2026-03-02T09:00:01+07:00"}) == [EVENT_ID]
    assert ids({"LT_errorDeclarationTime": "2026-03-02T09:00:00+07:00"}) == []
    assert ids({"EQ_correctiveEventID": "urn:uuid:00000000-0000-4000-8000-0000000000c1"}) == [EVENT_ID]
    assert ids({"EQ_correctiveEventID": "urn:uuid:00000000-0000-4000-8000-0000000000c2"}) == []
    # The corrective eventID is not an EPC: /epcs/{it}/events finds nothing.
    assert api.get("/epcis/epcs/urn:uuid:00000000-0000-4000-8000-0000000000c1/events").json()[
        "epcisBody"]["queryResults"]["resultsBody"]["eventList"] == []


def test_declaring_twice_the_same_is_idempotent_and_differently_is_an_error(api):
    api.capture(make_document([object_event(1)]))
    api.capture(make_document([object_event(1, errorDeclaration=_declaration())]))
    same = api.capture(make_document([object_event(1, errorDeclaration=_declaration(
        reason="https://ref.gs1.org/cbv/ER-incorrect_data", declarationTime="2026-03-02T02:00:00Z"))]))
    assert same.json()["success"] is True and same.json()["duplicateCount"] == 1
    other = api.capture(make_document([object_event(1, errorDeclaration=_declaration(reason="did_not_occur"))]))
    assert other.status_code == 400
    assert [e.get("eventID") for e in other.json()["errors"]] == [EVENT_ID]
    assert EPCISEvent.objects.get(event_id=EVENT_ID).error_reason == "incorrect_data"


def test_a_declaration_of_a_different_event_is_refused(api):
    api.capture(make_document([object_event(1)]))
    response = api.capture(make_document([object_event(1, bizStep="receiving", errorDeclaration=_declaration())]))
    assert response.status_code == 400
    assert EPCISEvent.objects.get(event_id=EVENT_ID).error_declaration_time is None


def test_another_account_cannot_declare_my_event_in_error(api, buyer_api):
    api.capture(make_document([object_event(1)]))
    buyer_api.capture(make_document([object_event(1, errorDeclaration=_declaration())]))
    mine = EPCISEvent.objects.get(event_id=EVENT_ID, owner=api.user)
    assert mine.error_declaration_time is None and "errorDeclaration" not in mine.event


# --- The CBV 2.0 event hash --------------------------------------------------------------------------------


def _hash_examples():
    for path in sorted(HASH_EXAMPLES.glob("*.jsonld")):
        expected = [line.strip() for line in path.with_suffix(".hashes").read_text().splitlines() if line.strip()]
        yield pytest.param(path, expected, id=path.stem)


@pytest.mark.parametrize(("path", "expected"), list(_hash_examples()))
def test_event_hash_matches_gs1_published_examples(path, expected):
    from htxconnect.trace.epcis.eventhash import event_hashes

    document = json.loads(path.read_text(encoding="utf-8"))
    assert event_hashes(document["epcisBody"]["eventList"], document["@context"]) == expected


def test_event_without_event_id_gets_the_cbv_event_hash(api):
    document = json.loads((HASH_EXAMPLES / "ReferenceEventHashAlgorithm.jsonld").read_text(encoding="utf-8"))
    expected = (HASH_EXAMPLES / "ReferenceEventHashAlgorithm.hashes").read_text().strip()
    response = api.capture(document)
    assert response.status_code == 202, response.content
    assert list(EPCISEvent.objects.values_list("event_id", flat=True)) == [expected]
    # Sent again with its keys in another order: the same hash, so stored once.
    again = copy.deepcopy(document)
    event = again["epcisBody"]["eventList"][0]
    again["epcisBody"]["eventList"][0] = {k: event[k] for k in reversed(list(event))}
    assert api.capture(again).json()["duplicateCount"] == 1
    assert EPCISEvent.objects.count() == 1


def test_event_hash_never_fetches_remote_contexts():
    from htxconnect.trace.epcis.eventhash import event_hashes

    event = object_event(1)
    del event["eventID"]
    # An unknown remote context is dropped (not fetched); the result equals the hash without it.
    with_remote = event_hashes([event], ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
                                         "https://unreachable.example/context.jsonld"])
    plain = event_hashes([event], ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"])
    assert with_remote == plain and plain[0].startswith("ni:///sha-256;") and plain[0].endswith("?ver=CBV2.0")
