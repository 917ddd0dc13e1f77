"""What capture does to cost less than it did (docs/decisions/0032-epcis-capture-cost.md).

- The event table carries its capture job's id without a database foreign key: PostgreSQL checked
  it for every captured row at commit. Django's on_delete still applies to an ORM delete.
- The owner's turn and the key insert are sent before the rows are built; on PostgreSQL in
  pipeline mode, so the server runs them while Python builds the rows.
- On PostgreSQL a document of new events sent all-or-nothing is checked (schema and rules) while
  the server runs its key claim, inside the transaction; its rows are built only after the checks
  pass, each sent as it is built. The outcome of every document is what checking first gave."""

import pytest
from django.db import connection, transaction

from htxconnect.trace.epcis import capture as capture_module
from htxconnect.trace.epcis.capture import KeyClaim, check_document
from htxconnect.trace.models import CaptureJob, EPCISEvent, EPCISEventKey

from .conftest import make_document, object_event

pytestmark = pytest.mark.django_db
PG = connection.vendor == "postgresql"


def foreign_keys(table):
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return {tuple(c["columns"]): c["foreign_key"] for c in constraints.values() if c["foreign_key"]}


def test_the_event_table_has_no_database_foreign_key_to_capture_jobs():
    keys = foreign_keys(EPCISEvent._meta.db_table)
    assert ("capture_id",) not in keys and ("error_capture_id",) not in keys
    assert keys[("owner_id",)][0] == "accounts_user"  # the owner's stays (PROTECT)


def test_deleting_a_capture_job_through_the_orm_still_clears_its_events(api):
    response = api.capture(make_document([object_event(1)]))
    assert response.status_code == 202
    job = CaptureJob.objects.get()
    event = EPCISEvent.objects.get()
    assert event.capture_id == job.pk
    job.delete()
    event.refresh_from_db()
    assert event.capture_id is None  # on_delete=SET_NULL, done by Django


def test_in_the_ordinary_order_the_keys_are_claimed_while_the_rows_are_built(api, monkeypatch):
    """PostgreSQL: while the rows are built the connection is in pipeline mode with the insert sent.
    SQLite (no pipeline): the keys are already in the table when the rows are built."""
    build_rows = capture_module.build_rows
    seen = {}

    def watching(events, **kwargs):
        if PG:
            seen["pipeline"] = connection.connection.pgconn.pipeline_status
        else:
            seen["keys"] = set(EPCISEventKey.objects.values_list("event_id", flat=True))
        return build_rows(events, **kwargs)

    monkeypatch.setattr(capture_module, "build_rows", watching)
    events = [object_event(i) for i in (1, 2)]
    response = api.capture(make_document(events), headers={"GS1-Capture-Error-Behaviour": "proceed"})
    assert response.status_code == 202 and response.json()["storedCount"] == 2
    if PG:
        from psycopg import pq

        assert seen["pipeline"] == pq.PipelineStatus.ON
        assert connection.connection.pgconn.pipeline_status == pq.PipelineStatus.OFF  # left afterwards
    else:
        assert seen["keys"] == {e["eventID"] for e in events}


def test_a_failure_while_the_rows_are_built_stores_nothing_and_frees_the_keys(api, monkeypatch, caplog):
    def broken(events, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(capture_module, "iter_rows", broken)
    response = api.capture(make_document([object_event(1)]))
    assert response.status_code == 500
    # PostgreSQL tried the claim-first order first: its failure is logged, not hidden.
    assert ("claim-first order failed" in caplog.text) == PG
    assert not EPCISEvent.objects.exists() and not EPCISEventKey.objects.exists()
    monkeypatch.undo()
    response = api.capture(make_document([object_event(1)]))  # the connection is usable, the key free
    assert response.status_code == 202 and response.json()["storedCount"] == 1


def test_a_claim_finds_the_owners_taken_keys(users):
    owner, other = users["coop_manager"], users["buyer"]
    with transaction.atomic():
        with KeyClaim(owner, ["urn:uuid:a"]) as claim:
            pass
        assert claim.ids == {"urn:uuid:a"}
        with KeyClaim(owner, ["urn:uuid:b", "urn:uuid:a", "urn:uuid:b"]) as claim:
            pass
        assert claim.ids == {"urn:uuid:b"}
        with KeyClaim(other, ["urn:uuid:a"]) as claim:  # another owner's eventID is its own
            pass
        assert claim.ids == {"urn:uuid:a"}
        with KeyClaim(owner, []) as claim:
            pass
        assert claim.ids == set()


def connection_state():
    """What the connection is doing: "claiming" (the key insert in flight, pipeline mode), "copying"
    (inside a COPY) or "idle"; always "idle" on SQLite."""
    if not PG:
        return "idle"
    from psycopg import pq

    pgconn = connection.connection.pgconn
    if pgconn.pipeline_status == pq.PipelineStatus.ON:
        return "claiming"
    return "copying" if pgconn.transaction_status == pq.TransactionStatus.ACTIVE else "idle"


def watch_checks(monkeypatch):
    """Record each check — the whole document (check_document), the schema alone, the rules of one
    event — with what the connection was doing and how many events were stored then."""
    seen = []

    def watched(name, function):
        def watching(*args, **kwargs):
            state = connection_state()
            stored = EPCISEvent.objects.count() if state != "copying" else None
            seen.append((name, state, stored))
            return function(*args, **kwargs)
        monkeypatch.setattr(capture_module, name, watching)

    for name in ("check_document", "is_schema_valid", "_check_rules"):
        watched(name, getattr(capture_module, name))
    return seen


def test_a_new_valid_document_is_checked_while_the_database_works(api, monkeypatch):
    """PostgreSQL: the schema while the keys are claimed, each event's rules inside the COPY (the
    server inserting the rows before it). SQLite: the whole document first, nothing stored yet."""
    seen = watch_checks(monkeypatch)
    response = api.capture(make_document([object_event(i) for i in range(3)]))
    assert response.status_code == 202 and response.json()["storedCount"] == 3
    if PG:
        assert seen == [("is_schema_valid", "claiming", 0)] + [("_check_rules", "copying", None)] * 3
    else:
        assert seen[0] == ("check_document", "idle", 0)
    job = CaptureJob.objects.get()
    assert job.status == "success" and job.event_count == 3 and job.stored_count == 3


def test_a_document_with_an_error_is_refused_with_the_errors_checking_first_gives(api, monkeypatch):
    seen = watch_checks(monkeypatch)
    events = [object_event(1), object_event(2, action="JUMP"), object_event(3)]  # not ADD, OBSERVE or DELETE
    response = api.capture(make_document(events))
    assert response.status_code == 400
    body = response.json()
    assert "$.epcisBody.eventList[1].action" in {e["path"] for e in body["errors"]}
    assert all(e["path"].startswith("$.epcisBody.eventList[1]") for e in body["errors"])
    assert body["errors"] == check_document(make_document(events)).errors  # what checking first gives
    assert not EPCISEvent.objects.exists() and not EPCISEventKey.objects.exists()
    job = CaptureJob.objects.get()
    assert job.status == "failed" and job.stored_count == 0 and job.event_count == 3
    checks = [(name, state) for name, state, _stored in seen if name != "_check_rules"]
    assert checks == ([("is_schema_valid", "claiming"), ("check_document", "idle")] if PG
                      else [("check_document", "idle")])
    response = api.capture(make_document([object_event(1), object_event(3)]))  # the keys were freed
    assert response.status_code == 202 and response.json()["storedCount"] == 2


def test_a_rule_broken_after_rows_were_sent_rolls_them_back(api, monkeypatch, caplog):
    """The third event's bizStep is longer than its column (a rule, not the schema): on PostgreSQL
    two rows were already in the COPY when its rules ran; nothing is stored and the errors are the
    ordinary order's."""
    seen = watch_checks(monkeypatch)
    events = [object_event(1), object_event(2), object_event(3, bizStep="urn:example:step:" + "b" * 600)]
    document = make_document(events)
    response = api.capture(document)
    assert response.status_code == 400
    assert response.json()["errors"] == check_document(document).errors
    assert [e["path"] for e in response.json()["errors"]] == ["$.epcisBody.eventList[2].bizStep"]
    assert not EPCISEvent.objects.exists() and not EPCISEventKey.objects.exists()
    if PG:
        assert ("_check_rules", "copying", None) in seen
    assert "claim-first order failed" not in caplog.text  # an error in the document is no failure


@pytest.mark.parametrize("odd", [
    {"eventTime": 12},  # not a time: the schema refuses it before any row is built
    {"eventID": "urn:uuid:" + "x" * 600},  # longer than the key column: the claim fails, the ordinary order reports
])
def test_an_odd_document_gets_what_checking_first_gives(api, odd):
    document = make_document([object_event(1), object_event(2, **odd)])
    response = api.capture(document)
    assert response.status_code == 400
    assert response.json()["errors"] == check_document(document).errors
    assert any(e["path"].startswith("$.epcisBody.eventList[1]") for e in response.json()["errors"])
    assert not EPCISEvent.objects.exists() and not EPCISEventKey.objects.exists()
    assert CaptureJob.objects.get().status == "failed"


def test_a_document_naming_a_stored_event_takes_the_ordinary_order(api, monkeypatch):
    assert api.capture(make_document([object_event(1)])).status_code == 202
    seen = watch_checks(monkeypatch)
    response = api.capture(make_document([object_event(1), object_event(2)]))
    assert response.status_code == 202
    assert response.json()["storedCount"] == 1 and response.json()["duplicateCount"] == 1
    assert ("check_document", "idle", 1) in seen  # the ordinary order, checking first
    assert EPCISEvent.objects.count() == 2 and EPCISEventKey.objects.count() == 2


def test_proceed_mode_checks_first(api, monkeypatch):
    seen = watch_checks(monkeypatch)
    response = api.capture(make_document([object_event(1), object_event(2, eventTime="bad")]),
                           headers={"GS1-Capture-Error-Behaviour": "proceed"})
    assert response.status_code == 202 and response.json()["storedCount"] == 1
    assert seen[0] == ("check_document", "idle", 0)


def test_a_failure_after_the_checks_records_a_failed_job_and_stores_nothing(api, monkeypatch):
    """As the ordinary order always did: never a job left running, never half a capture."""
    def broken(*args, **kwargs):
        raise RuntimeError("master data down")

    monkeypatch.setattr(capture_module, "store_master_data", broken)
    response = api.capture(make_document([object_event(1), object_event(2)]))
    assert response.status_code == 500
    job = CaptureJob.objects.get()
    assert job.status == "failed" and job.stored_count == 0 and job.errors[0]["status"] == 500
    assert not EPCISEvent.objects.exists() and not EPCISEventKey.objects.exists()
