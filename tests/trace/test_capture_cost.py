"""What capture does to cost less than it did (docs/decisions/0032-epcis-capture-cost.md).

- The event table carries its capture job's id without a database foreign key: PostgreSQL checked
  it for every captured row at commit. Django's on_delete still applies to an ORM delete.
- The owner's turn and the key insert are sent before the rows are built; on PostgreSQL in
  pipeline mode, so the server runs them while Python builds the rows."""

import pytest
from django.db import connection, transaction

from htxconnect.trace.epcis import capture as capture_module
from htxconnect.trace.epcis.capture import KeyClaim
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


def test_the_keys_are_claimed_before_the_rows_are_built(api, monkeypatch):
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
    response = api.capture(make_document(events))
    assert response.status_code == 202 and response.json()["storedCount"] == 2
    if PG:
        from psycopg import pq

        assert seen["pipeline"] == pq.PipelineStatus.ON
        assert connection.connection.pgconn.pipeline_status == pq.PipelineStatus.OFF  # left afterwards
    else:
        assert seen["keys"] == {e["eventID"] for e in events}


def test_a_failure_while_the_claim_is_in_flight_stores_nothing_and_frees_the_keys(api, monkeypatch):
    def broken(events, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(capture_module, "build_rows", broken)
    response = api.capture(make_document([object_event(1)]))
    assert response.status_code == 500
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
