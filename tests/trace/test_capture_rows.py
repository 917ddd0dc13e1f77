"""What capture builds before storing: one row per event with every column of EPCISEvent, event
times read once and cached safely, and a fixed number of queries per document whatever its size."""

from datetime import datetime, timezone

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from htxconnect.trace.epcis.capture import build_rows
from htxconnect.trace.epcis.times import parse_time
from htxconnect.trace.models import EPCISEvent

from .conftest import make_document, object_event

RECORDED = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)


def test_rows_carry_every_column_of_the_event_table(users):
    event = object_event(7, bizStep="urn:epcglobal:cbv:bizstep:shipping", readPoint={"id": "urn:epc:id:sgln:893000000.001.0"})
    (row,), (entries,) = build_rows([event], record_time=RECORDED, context=["c"], owner=users["coop_manager"],
                                    capture=None, public=True, organization_id=12)
    model = row.as_model()  # fails if a column of the model is left unset
    assert isinstance(model, EPCISEvent) and model.pk is None
    assert {f.attname: getattr(model, f.attname) for f in EPCISEvent._meta.concrete_fields} == {
        "id": None, "event_id": "urn:uuid:00000000-0000-4000-8000-000000000007", "event_type": "ObjectEvent",
        "event_time": datetime(2026, 3, 1, 1, 0, 7, tzinfo=timezone.utc), "event_time_zone_offset": "+07:00",
        "record_time": RECORDED, "action": "OBSERVE", "biz_step": "shipping", "disposition": "in_transit",
        "read_point": "https://id.gs1.org/414/8930000000019", "biz_location": "",
        "event": event, "context": ["c"], "capture_id": None, "owner_id": users["coop_manager"].pk,
        "organization_id": 12, "public": True, "error_declaration_time": None, "error_reason": "",
        "error_capture_id": None}
    assert entries == [("epc", "https://id.gs1.org/01/08930000000019/21/LOT1-7")]


@pytest.mark.parametrize("value", [None, 20260301, ["2026-03-01T08:00:00+07:00"], {"t": 1}])
def test_a_time_that_is_not_text_is_refused_as_a_bad_value(value):
    """parse_time caches what it read (a capture reads each eventTime twice); a list or a dict
    still gets ValueError, never the cache's TypeError."""
    with pytest.raises(ValueError):
        parse_time(value)


def test_the_same_time_text_reads_the_same_instant_twice():
    assert parse_time("2026-03-01T08:00:00.5+07:00") == parse_time("2026-03-01T08:00:00.5+07:00") \
        == datetime(2026, 3, 1, 1, 0, 0, 500000, tzinfo=timezone.utc)
    with pytest.raises(ValueError):
        parse_time("2026-03-01T08:00:00")
    with pytest.raises(ValueError):
        parse_time("2026-03-01T08:00:00")  # refused again: a failure is not cached as a value


@pytest.mark.django_db
def test_queries_per_capture_do_not_grow_with_the_document(api):
    """No query per event (40 events stay within one SQLite INSERT: 999 parameters; PostgreSQL COPYs)."""
    assert api.capture(make_document([object_event(0)])).status_code == 202  # the key's first use is written
    counts = []
    for events in ([object_event(1)], [object_event(i) for i in range(100, 140)]):
        with CaptureQueriesContext(connection) as queries:
            assert api.capture(make_document(events)).status_code == 202
        counts.append(len(queries))
    assert counts[0] == counts[1]


@pytest.mark.django_db
@pytest.mark.parametrize("valid", [True, False])
def test_a_synchronous_capture_writes_its_job_once_with_the_outcome(api, valid):
    """One INSERT of the job, in the transaction that stores the events (no INSERT then UPDATE: one
    commit per capture); createdAt is still the time of receipt, before finishedAt."""
    event = object_event(1)
    if not valid:
        del event["eventTime"]
    with CaptureQueriesContext(connection) as queries:
        response = api.capture(make_document([event]))
    assert response.status_code == (202 if valid else 400)
    writes = [q["sql"].split()[0] for q in queries if "trace_capturejob" in q["sql"].split("WHERE")[0]]
    assert writes == ["INSERT"]
    from htxconnect.trace.models import CaptureJob

    job = CaptureJob.objects.get()
    assert job.status == ("success" if valid else "failed") and job.created_at <= job.finished_at
    assert job.stored_count == (1 if valid else 0) and job.events.count() == job.stored_count
