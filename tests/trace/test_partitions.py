"""The EPCIS event table partitioned by month (issue 14; docs/decisions/0023-monthly-partitions.md).

The same functional tests run on SQLite (no partitions) and PostgreSQL (monthly partitions of
record_time): events captured in several months come back all, in (record_time, id) order, page by
page; on PostgreSQL they are checked to sit in different partitions of a partitioned table. The
migration keeps existing rows (and their ids) both ways."""

import datetime

import pytest
from django.core.management import call_command
from django.db import connection

from htxconnect.core import partitions
from htxconnect.trace.models import EPCISEvent, EPCISEventEPC

from .conftest import make_document, object_event

UTC = datetime.timezone.utc
# Three capture moments in three months (UTC), none of them the current month of the machine.
MONTHS = [datetime.datetime(2026, 1, 20, 3, 0, tzinfo=UTC), datetime.datetime(2026, 2, 14, 9, 0, tzinfo=UTC),
          datetime.datetime(2026, 4, 2, 23, 30, tzinfo=UTC)]
PG = connection.vendor == "postgresql"


def where_rows_are(table):
    """{partition name: row count} of a table (PostgreSQL)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT tableoid::regclass::text, count(*) FROM {table} GROUP BY 1")
        return dict(cursor.fetchall())


def page_through(api, per_page):
    events, url, pages = [], f"/epcis/events?perPage={per_page}", 0
    while url:
        response = api.client.get(url, headers=api.headers())
        assert response.status_code == 200, response.content
        pages += 1
        events += response.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
        link = response.get("Link")
        url = link.split(">")[0].lstrip("<") if link else None
    return events, pages


@pytest.mark.django_db
def test_events_of_several_months_page_in_order(api, time_machine):
    if PG:  # the months of the test have their own partitions, as ensure_partitions makes them
        partitions.ensure_partitions(months_back=0, months_ahead=3, now=MONTHS[0])
    sent = []
    for k, moment in enumerate(reversed(MONTHS)):  # captured latest month first: ids do not follow time
        time_machine.move_to(moment, tick=False)
        batch = [object_event(100 * k + i) for i in range(3)]
        assert api.capture(make_document(batch)).status_code == 202
        sent.append((moment, [e["eventID"] for e in batch]))
    time_machine.move_to(MONTHS[-1] + datetime.timedelta(days=1), tick=False)

    events, pages = page_through(api, per_page=2)
    expected = [eid for _moment, batch in sorted(sent) for eid in batch]  # record time order (by hand)
    assert [e["eventID"] for e in events] == expected
    assert pages == 5  # 9 events, 2 per page
    assert [e["recordTime"][:7] for e in events] == ["2026-01"] * 3 + ["2026-02"] * 3 + ["2026-04"] * 3

    in_feb = api.get("/epcis/events", {"GE_recordTime": "2026-02-01T00:00:00Z", "LT_recordTime": "2026-03-01T00:00:00Z"})
    assert len(in_feb.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]) == 3
    assert EPCISEvent.objects.filter(record_time__year=2026).count() == 9
    assert EPCISEventEPC.objects.filter(event__owner=api.user).count() == 9  # the children join across partitions
    if PG:
        assert partitions.is_partitioned(connection.cursor(), "trace_epcisevent")
        assert where_rows_are("trace_epcisevent") == {
            "trace_epcisevent_p202601": 3, "trace_epcisevent_p202602": 3, "trace_epcisevent_p202604": 3}


@pytest.mark.django_db
def test_an_event_with_no_partition_of_its_month_goes_to_the_default_then_moves(api, time_machine):
    far = datetime.datetime(2031, 7, 1, 12, 0, tzinfo=UTC)  # no partition made so far ahead
    time_machine.move_to(far, tick=False)
    assert api.capture(make_document([object_event(1)])).status_code == 202  # no insert ever fails
    if PG:
        assert where_rows_are("trace_epcisevent") == {"trace_epcisevent_default": 1}
        created = partitions.ensure_partitions(months_ahead=0, now=far)["trace_epcisevent"]
        assert "trace_epcisevent_p203107" in created
        assert where_rows_are("trace_epcisevent") == {"trace_epcisevent_p203107": 1}
    events, _pages = page_through(api, per_page=10)
    assert [e["eventID"] for e in events] == [object_event(1)["eventID"]]


@pytest.mark.django_db
def test_ensure_partitions_command(capsys):
    call_command("ensure_partitions", "--months-ahead", "2")
    out = capsys.readouterr().out
    if PG:
        assert "trace_epcisevent" in out and "resolver_scanevent" in out
        names = partitions.partitions(connection.cursor(), "trace_epcisevent")
        current = partitions.month_start(datetime.datetime.now(UTC))
        for k in range(3):
            assert partitions.partition_name("trace_epcisevent", partitions.add_months(current, k)) in names
        assert "trace_epcisevent_default" in names
        call_command("ensure_partitions", "--months-ahead", "2")
        assert "nothing to create" in capsys.readouterr().out  # a second run changes nothing
    else:
        assert "PostgreSQL" in out
    with pytest.raises(Exception, match="0–120"):
        call_command("ensure_partitions", "--months-ahead", "-1")


def test_ensure_partitions_runs_daily():
    from htxconnect.core import periodic

    assert "ensure_partitions" in [job.name for job in periodic.jobs("day")]
    assert {(p.table, p.column) for p in partitions.registered()} >= {
        ("trace_epcisevent", "record_time"), ("resolver_scanevent", "scanned_at")}


BEFORE = [("trace", "0007_field_sensor_report")]
AFTER = [("trace", "0008_partition_by_month")]


@pytest.mark.django_db(transaction=True)
def test_migration_keeps_the_rows_and_their_ids(migrate_to):
    apps = migrate_to(BEFORE)
    owner = apps.get_model("accounts", "User").objects.create(username="partition-owner")
    Event, EPC = apps.get_model("trace", "EPCISEvent"), apps.get_model("trace", "EPCISEventEPC")
    stored = {}
    for k, moment in enumerate([datetime.datetime(2025, 12, 31, 23, 59, tzinfo=UTC), *MONTHS]):
        event = Event.objects.create(
            event_id=f"urn:uuid:m{k}", event_type="ObjectEvent", event_time=moment, event_time_zone_offset="+07:00",
            record_time=moment, event={"type": "ObjectEvent", "n": k}, context=[], owner=owner, error_reason="")
        EPC.objects.create(event=event, epc=f"https://id.gs1.org/01/08930000000019/21/{k}", role="epc")
        stored[event.pk] = (f"urn:uuid:m{k}", moment)

    apps = migrate_to(AFTER)
    if PG:
        assert partitions.is_partitioned(connection.cursor(), "trace_epcisevent")
        assert set(where_rows_are("trace_epcisevent")) == {
            "trace_epcisevent_p202512", "trace_epcisevent_p202601", "trace_epcisevent_p202602",
            "trace_epcisevent_p202604"}
    Event, EPC = apps.get_model("trace", "EPCISEvent"), apps.get_model("trace", "EPCISEventEPC")
    assert {e.pk: (e.event_id, e.record_time) for e in Event.objects.all()} == stored
    assert EPC.objects.filter(event__event_id="urn:uuid:m2").count() == 1
    # The id sequence continues after the copied rows.
    later = Event.objects.create(event_id="urn:uuid:later", event_type="ObjectEvent", event_time=MONTHS[0],
                                 event_time_zone_offset="+07:00", record_time=MONTHS[0], event={}, context=[],
                                 owner=Event.objects.first().owner, error_reason="")
    assert later.pk > max(stored)

    Event = migrate_to(BEFORE).get_model("trace", "EPCISEvent")  # and back: one plain table with the same rows
    if PG:
        assert not partitions.is_partitioned(connection.cursor(), "trace_epcisevent")
    assert Event.objects.count() == 5


def test_stored_event_json_is_spliced_into_answers_as_is():
    """documents.encode writes RawJSON events unparsed, with recordTime added, beside parsed ones."""
    import json

    from htxconnect.trace.epcis.documents import RawJSON, encode, event_document_items

    when = datetime.datetime(2026, 3, 1, 1, 2, 3, 456000, tzinfo=UTC)
    rows = [(1, when, RawJSON('{"type": "ObjectEvent", "ex:đ": "Đà Lạt"}'), [{"ex": "https://a.example/"}]),
            (2, when, RawJSON("{}"), []),
            (3, when, RawJSON('{"type": "ObjectEvent"}'), [{"ex": "https://b.example/"}])]  # ex clashes
    context, events = event_document_items(rows)
    body = {"@context": context, "epcisBody": {"queryResults": {"resultsBody": {"eventList": events}}}}
    assert json.loads(encode(body)) == {
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld", {"ex": "https://a.example/"}],
        "epcisBody": {"queryResults": {"resultsBody": {"eventList": [
            {"recordTime": "2026-03-01T01:02:03.456000Z", "type": "ObjectEvent", "ex:đ": "Đà Lạt"},
            {"recordTime": "2026-03-01T01:02:03.456000Z"},
            {"@context": [{"ex": "https://b.example/"}], "type": "ObjectEvent",
             "recordTime": "2026-03-01T01:02:03.456000Z"}]}}}}
    assert json.loads(encode([{"a": 1}])) == [{"a": 1}]  # other answers are plain JSON
