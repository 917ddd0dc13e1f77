"""EPCIS repository benchmark: capture throughput and query latency, each beside the plain database work.

1. Capture: POST /epcis/capture of documents of 500 events (JSON parsing, schema validation, rules,
   canonical EPC index, storage) → events/s, next to a plain bulk insert of the same rows.
2. Query: GET /epcis/events?perPage=100 at random keyset positions with N stored events → p50/p95,
   next to the plain SELECT of the same rows (same WHERE, ORDER BY, LIMIT) through a cursor.

Runs in a throw-away test database (`test_<name>`, created and dropped here) of DATABASE_URL, so a
real database is never touched. The issue's targets: ≥ 2,000 events/s on PostgreSQL and p95 ≤ 50 ms
with 1,000,000 events.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/htx python bench/epcis_capture.py --events 100000
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "htxconnect.settings")
os.environ.setdefault("DJANGO_ENV", "test")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402


def event(i: int, run: str) -> dict:
    return {
        "type": "ObjectEvent",
        "eventID": f"urn:uuid:{run}-{i:012d}",
        "eventTime": f"2026-03-01T08:{i // 60 % 60:02d}:{i % 60:02d}.{i % 1000:03d}+07:00",
        "eventTimeZoneOffset": "+07:00",
        "action": "OBSERVE",
        "bizStep": "shipping",
        "disposition": "in_transit",
        "epcList": [f"urn:epc:id:sgtin:893000000.0001.{run}{i}", f"https://id.gs1.org/01/08930000000019/21/B{run}{i}"],
        "readPoint": {"id": "urn:epc:id:sgln:893000000.001.0"},
        "bizLocation": {"id": "urn:epc:id:sgln:893000000.002.0"},
        "bizTransactionList": [{"type": "po", "bizTransaction": "urn:epcglobal:cbv:bt:8930000000019:PO1"}],
        "ex:harvestPlot": f"plot-{i % 17}",
    }


CONTEXT = ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld", {"ex": "https://htx.example.vn/epcis/"}]


def document(events: list) -> dict:
    return {"@context": CONTEXT,
            "type": "EPCISDocument", "schemaVersion": "2.0", "creationDate": "2026-03-01T08:00:00+07:00",
            "epcisBody": {"eventList": events}}


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def bench_capture(api: Client, headers: dict, user, docs: int, size: int) -> None:
    """Capture and the plain insert of the same rows, one document each in turn (which goes first
    alternates), so that load from other work on the machine falls on both alike."""
    from htxconnect.core.machine import freeze_startup_objects
    from htxconnect.trace.epcis.capture import build_rows, store_rows
    from htxconnect.trace.models import EPCISEvent, EPCISEventEPC

    # New eventIDs on every run (a kept database already holds the previous runs' events).
    tag = f"{int(time.time()) % 10**7}"
    bodies = [json.dumps(document([event(d * size + i, "c" + tag) for i in range(size)])) for d in range(docs)]
    # The references get the same rows, prepared beforehand (parsing and checks are capture's work).
    plain_rows = [build_rows([event(d * size + i, "p" + tag) for i in range(size)], record_time=timezone.now(),
                             context=CONTEXT, owner=user, capture=None) for d in range(docs)]
    orm_rows = [build_rows([event(d * size + i, "o" + tag) for i in range(size)], record_time=timezone.now(),
                           context=CONTEXT, owner=user, capture=None) for d in range(docs)]
    orm_rows = [([row.as_model() for row in rows], index) for rows, index in orm_rows]
    api.post("/epcis/capture", data=json.dumps(document([event(0, "w" + tag)])), content_type="application/ld+json",
             headers=headers)  # warm-up: imports, connection, compiled schema
    freeze_startup_objects()  # as the app servers and workers do once loaded (htxconnect/wsgi.py, run_worker)

    def capture(d):
        response = api.post("/epcis/capture", data=bodies[d], content_type="application/ld+json", headers=headers)
        assert response.status_code == 202, response.content[:500]

    def plain(d):  # the repository's insert path (COPY on PostgreSQL), no checks, one transaction
        rows, index = plain_rows[d]
        with transaction.atomic():
            store_rows(rows, index, owner=user)

    def orm(d):  # Django's own bulk_create of the same rows, for comparison
        rows, index = orm_rows[d]
        with transaction.atomic():
            EPCISEvent.objects.bulk_create(rows, batch_size=1000)
            EPCISEventEPC.objects.bulk_create([EPCISEventEPC(event_id=r.pk, role=role, epc=epc)
                                               for r, entries in zip(rows, index) for role, epc in entries],
                                              batch_size=2000)

    spent = {capture: 0.0, plain: 0.0, orm: 0.0}
    for d in range(docs):
        for step in ((capture, plain, orm) if d % 2 == 0 else (plain, capture, orm)):
            start = time.perf_counter()
            step(d)
            spent[step] += time.perf_counter() - start
    total = docs * size
    assert EPCISEvent.objects.count() >= 3 * total
    capture_rate, plain_rate = total / spent[capture], total / spent[plain]
    print(f"capture: {docs} documents × {size} events: {capture_rate:,.0f} events/s "
          f"({spent[capture] * 1000 / docs:.0f} ms per document, validation included)")
    print(f"  plain insert of the same rows (the repository's insert path, no checks): {plain_rate:,.0f} events/s "
          f"({spent[plain] * 1000 / docs:.0f} ms per document)")
    print(f"  Django bulk_create of the same rows: {total / spent[orm]:,.0f} events/s")
    print(f"  ratio capture / plain insert: {capture_rate / plain_rate:.2f}  (target ≥ 0.8; ≥ 2,000 events/s on PostgreSQL)")


# --- Filling the repository for the query benchmark -------------------------------------------------------

PER_RECORD_TIME = 500  # events per record time, like captures of 500-event documents
SPAN = timedelta(days=360)  # the filled events' record times spread over a year (monthly partitions)
CHUNK = 100_000  # events per fill statement


def _serial_prefix(value: str, serial: str) -> str:
    """The part of canonical_epc(value) before `serial` (the serial comes out unchanged)."""
    from htxconnect.core.identifiers import canonical_epc

    canonical = canonical_epc(value)
    assert canonical.endswith(serial), canonical
    return canonical[:-len(serial)]


# PostgreSQL: the events numbered lo ≤ i < hi as `event(i, run)` makes them, with their keys, EPC index
# and field rows, as capture stores them (`_check_fill` compares samples with build_rows), in one statement.
FILL_SQL = """
WITH ins AS (
    INSERT INTO trace_epcisevent (event_id, event_type, event_time, event_time_zone_offset, record_time, action,
        biz_step, disposition, read_point, biz_location, event, context, capture_id, owner_id, organization_id,
        public, error_declaration_time, error_reason, error_capture_id)
    SELECT event_id, %(event_type)s, event_time::timestamptz, %(offset)s,
        %(start)s::timestamptz + (i / %(per_record)s) * %(step)s::interval, %(action)s, %(biz_step)s,
        %(disposition)s, %(read_point)s, %(biz_location)s,
        %(template)s::jsonb || jsonb_build_object(
            'eventID', event_id, 'eventTime', event_time,
            'epcList', jsonb_build_array(%(urn)s || %(run)s || i, %(dl)s || %(run)s || i),
            'ex:harvestPlot', 'plot-' || (i %% 17)),
        %(context)s::jsonb, NULL, %(owner)s, NULL, false, NULL, '', NULL
    FROM (SELECT i, 'urn:uuid:' || %(run)s || '-' || lpad(i::text, 12, '0') AS event_id,
                 '2026-03-01T08:' || lpad((i / 60 %% 60)::text, 2, '0') || ':' || lpad((i %% 60)::text, 2, '0')
                     || '.' || lpad((i %% 1000)::text, 3, '0') || '+07:00' AS event_time
          FROM generate_series(%(lo)s::bigint, %(hi)s::bigint - 1) AS i) AS src
    RETURNING id, event_id, right(event_id, 12)::bigint AS i
), event_keys AS (
    INSERT INTO trace_epciseventkey (owner_id, event_id) SELECT %(owner)s, event_id FROM ins
), epcs AS (
    INSERT INTO trace_epciseventepc (event_id, role, epc)
    SELECT id, 'epc', prefix || %(run)s || i FROM ins CROSS JOIN (VALUES (%(urn_canonical)s), (%(dl_canonical)s)) AS v(prefix)
)
INSERT INTO trace_epciseventfield (event_id, kind, name, alias, text, number, time, report)
SELECT id, 'ext', %(plot_name)s, %(plot_alias)s, 'plot-' || (i %% 17), NULL::float8, NULL::timestamptz, NULL::int
FROM ins
UNION ALL
SELECT id, 'biz_tx', %(tx_type)s, '', %(tx)s, NULL, NULL, NULL FROM ins
"""


def _fill_parameters(user, run: str, start, step) -> dict:
    from htxconnect.trace.epcis.capture import build_rows
    from htxconnect.trace.epcis.fields import grouped_field_rows

    sample = event(7, run)
    (row,), _index = build_rows([sample], record_time=start, context=CONTEXT, owner=user, capture=None)
    urn, dl = sample["epcList"]
    (plot, tx) = sorted(grouped_field_rows(row.event, CONTEXT), key=lambda r: r[0] != "ext")
    template = {k: v for k, v in sample.items() if k not in ("eventID", "eventTime", "epcList", "ex:harvestPlot")}
    return {
        "run": run, "start": start, "step": step, "per_record": PER_RECORD_TIME, "owner": user.pk,
        "event_type": row.event_type, "offset": row.event_time_zone_offset, "action": row.action,
        "biz_step": row.biz_step, "disposition": row.disposition, "read_point": row.read_point,
        "biz_location": row.biz_location, "template": json.dumps(template), "context": json.dumps(CONTEXT),
        "urn": urn[:-len(f"{run}7")], "dl": dl[:-len(f"{run}7")],
        "urn_canonical": _serial_prefix(urn, f"{run}7"), "dl_canonical": _serial_prefix(dl, f"{run}7"),
        "plot_name": plot[1], "plot_alias": plot[2], "tx_type": tx[1], "tx": tx[3],
    }


def _check_fill(user, run: str, numbers) -> None:
    """The filled rows of `numbers` are those capture would store for event(i, run)."""
    from htxconnect.trace.epcis.capture import build_rows
    from htxconnect.trace.epcis.fields import grouped_field_rows
    from htxconnect.trace.models import EPCISEvent, EPCISEventKey

    columns = ("event_type", "event_time", "event_time_zone_offset", "action", "biz_step", "disposition",
               "read_point", "biz_location", "event", "context", "owner_id", "public", "capture_id",
               "organization_id", "error_declaration_time", "error_reason", "error_capture_id")
    for i in numbers:
        stored = EPCISEvent.objects.get(owner=user, event_id=f"urn:uuid:{run}-{i:012d}")
        (row,), (entries,) = build_rows([event(i, run)], record_time=stored.record_time, context=CONTEXT,
                                        owner=user, capture=None)
        assert [getattr(stored, c) for c in columns] == [getattr(row, c) for c in columns], i
        assert sorted(stored.epcs.values_list("role", "epc")) == sorted(entries), i
        assert sorted(stored.fields.values_list("kind", "name", "alias", "text", "number", "time", "report")) \
            == sorted(grouped_field_rows(row.event, CONTEXT)), i
        assert EPCISEventKey.objects.filter(owner=user, event_id=stored.event_id).exists(), i


def fill(user, n: int) -> None:
    """N stored events, 500 per record time like real captures, spread over a year of record times.

    PostgreSQL: generated by the server (INSERT … SELECT generate_series), a million in a minute or
    two; samples are checked against capture's own rows. Elsewhere: the repository's insert path."""
    from django.db.models import Count

    from htxconnect.trace.models import EPCISEvent

    have = EPCISEvent.objects.aggregate(n=Count("id"))["n"]
    start = time.perf_counter()
    if connection.vendor == "postgresql":
        _fill_postgresql(user, have, n)
    else:
        _fill_python(user, have, n)
    print(f"stored events: {max(n, have):,} (filled {max(0, n - have):,} in {time.perf_counter() - start:.0f} s)")


FILLED_TABLES = ("trace_epcisevent", "trace_epciseventkey", "trace_epciseventepc", "trace_epciseventfield")


def _fill_postgresql(user, have: int, n: int) -> None:
    from htxconnect.core import partitions

    first = timezone.now() - SPAN
    step = SPAN / max(1, -(-n // PER_RECORD_TIME))
    with transaction.atomic(), connection.cursor() as cursor:  # the months' partitions, as in production
        partitions.ensure_months(cursor, "trace_epcisevent", months_back=SPAN.days // 28 + 1)
    params = _fill_parameters(user, "f", first, step)
    with connection.cursor() as cursor:
        # A big fill drops the indexes no constraint needs and builds them again at the end (as
        # pg_restore does): three times faster than keeping them up to date row by row.
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
                       "AND tablename = ANY(%s) AND indexname NOT IN (SELECT conname FROM pg_constraint)",
                       [list(FILLED_TABLES)])
        indexes = cursor.fetchall() if n - have >= CHUNK else []
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute("SET synchronous_commit = off")  # a throw-away database
        for lo in range(have, n, CHUNK):
            with transaction.atomic():
                cursor.execute(FILL_SQL, {**params, "lo": lo, "hi": min(n, lo + CHUNK)})
        cursor.execute("SET maintenance_work_mem = '256MB'")
        for _name, definition in indexes:  # a partitioned table's index reads `ON ONLY`: build it on every partition
            cursor.execute(definition.replace(" ON ONLY ", " ON ", 1))
        cursor.execute("RESET maintenance_work_mem")
        cursor.execute("RESET synchronous_commit")
        if n > have:
            for table in FILLED_TABLES:  # as autovacuum leaves a table that has settled
                cursor.execute(f"VACUUM ANALYZE {table}")
    if n > have:
        _check_fill(user, "f", sorted({have, (have + n) // 2, n - 1}))


def _fill_python(user, have: int, n: int) -> None:
    from htxconnect.trace.epcis.capture import build_rows, store_rows

    base = timezone.now() - SPAN
    step = SPAN / max(1, -(-n // PER_RECORD_TIME))
    made = have
    while made < n:
        events = [event(made + i, "f") for i in range(min(5000, n - made))]
        rows, index = build_rows(events, record_time=base, context=CONTEXT, owner=user, capture=None)
        for k, row in enumerate(rows):
            row.record_time = base + (made + k) // PER_RECORD_TIME * step
        with transaction.atomic():
            store_rows(rows, index, owner=user)
        made += len(rows)


def settle() -> None:
    """Before the query benchmark, write out what the capture benchmark left (statistics of the
    month it wrote, dirty pages), so neither side of the comparison pays for it at random."""
    if connection.vendor == "postgresql":
        from htxconnect.core.partitions import month_start, partition_name

        from django.db import DatabaseError

        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {partition_name('trace_epcisevent', month_start(timezone.now()))}")
            try:
                cursor.execute("CHECKPOINT")
            except DatabaseError:  # needs a superuser or pg_checkpoint: then the measurement is noisier
                pass


def bench_query(api: Client, headers: dict, user, requests: int) -> None:
    """Pages at random keyset positions through the API and the plain SELECT of the same rows, in
    turn (which goes first alternates); each API page is checked to hold the plain SELECT's events."""
    from htxconnect.trace.epcis.query import make_page_token
    from htxconnect.trace.models import EPCISEvent

    keys = list(EPCISEvent.objects.order_by("?").values_list("record_time", "id")[:requests])
    # The same keyset condition as the API's (a row comparison the (record_time, id) index starts from).
    sql = ("SELECT id, record_time, event, context FROM trace_epcisevent "
           "WHERE (owner_id = %s OR public) AND record_time >= %s AND (record_time, id) > (%s, %s) "
           "ORDER BY record_time, id LIMIT 101")

    def api_page(key):
        response = api.get("/epcis/events", {"perPage": "100", "nextPageToken": make_page_token(*key)},
                           headers=headers)
        assert response.status_code == 200
        return response

    def plain_page(key, cursor):
        cursor.execute(sql, [user.pk, key[0], key[0], key[1]])
        return cursor.fetchall()

    api_ms, plain_ms = [], []
    with connection.cursor() as cursor:
        for key in keys[:5]:  # warm-up
            api_page(key), plain_page(key, cursor)
        for n, key in enumerate(keys):
            for step in ((api_page, plain_page) if n % 2 == 0 else (plain_page, api_page)):
                start = time.perf_counter()
                if step is api_page:
                    answer = api_page(key)
                    api_ms.append((time.perf_counter() - start) * 1000)
                else:
                    rows = plain_page(key, cursor)
                    plain_ms.append((time.perf_counter() - start) * 1000)
            events = json.loads(answer.content)["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
            assert [e["eventID"] for e in events] == [json.loads(row[2])["eventID"] for row in rows[:100]]
    print(f"query: GET /epcis/events perPage=100, {len(api_ms)} requests at random positions: "
          f"p50 {statistics.median(api_ms):.1f} ms, p95 {pct(api_ms, 0.95):.1f} ms  (target p95 ≤ 50 ms)")
    print(f"  plain SELECT of the same rows: p50 {statistics.median(plain_ms):.1f} ms, p95 {pct(plain_ms, 0.95):.1f} ms")
    print(f"  ratio p95 API / plain SELECT: {pct(api_ms, 0.95) / max(pct(plain_ms, 0.95), 0.001):.1f}  (target ≤ 3)")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=int(os.environ.get("BENCH_EPCIS_DOCUMENTS", 10)))
    parser.add_argument("--size", type=int, default=500, help="events per captured document")
    parser.add_argument("--events", type=int, default=None,
                        help="stored events for the query benchmark (default: BENCH_EPCIS_EVENTS, else 1,000,000 "
                             "on PostgreSQL, the issue's size, filled in SQL; 100,000 elsewhere)")
    parser.add_argument("--requests", type=int, default=400, help="pages fetched (and as many plain SELECTs)")
    parser.add_argument("--keepdb", action="store_true", help="keep the benchmark database for the next run")
    args = parser.parse_args(argv)

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    # serialize=False: no copy of the (kept, million-event) database's rows for test rollbacks
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=args.keepdb, serialize=False)
    try:
        from htxconnect.accounts.apikeys import issue_key
        from htxconnect.core.actors import SYSTEM
        from htxconnect.accounts.models import User
        from htxconnect.core.roles import Role

        user, _ = User.objects.get_or_create(username="bench-epcis", defaults={"role": Role.COOP_MANAGER})
        _key, raw = issue_key(user, "bench", by=SYSTEM)
        headers = {"Authorization": f"Bearer {raw}"}
        api = Client()
        print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
        if args.events is None:
            args.events = int(os.environ.get("BENCH_EPCIS_EVENTS",
                                             1_000_000 if connection.vendor == "postgresql" else 100_000))
        bench_capture(api, headers, user, args.documents, args.size)
        fill(user, args.events)
        settle()
        bench_query(api, headers, user, args.requests)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=args.keepdb)
    return 0


if __name__ == "__main__":
    sys.exit(main())
