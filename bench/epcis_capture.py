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


def document(events: list) -> dict:
    return {"@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
                         {"ex": "https://htx.example.vn/epcis/"}],
            "type": "EPCISDocument", "schemaVersion": "2.0", "creationDate": "2026-03-01T08:00:00+07:00",
            "epcisBody": {"eventList": events}}


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def bench_capture(api: Client, headers: dict, user, docs: int, size: int) -> None:
    from htxconnect.trace.epcis.capture import build_rows, store_rows
    from htxconnect.trace.models import EPCISEvent, EPCISEventEPC

    bodies = [json.dumps(document([event(d * size + i, "c") for i in range(size)])) for d in range(docs)]
    api.post("/epcis/capture", data=json.dumps(document([event(0, "warm")])), content_type="application/ld+json",
             headers=headers)  # warm-up: imports, connection, compiled schema
    start = time.perf_counter()
    for body in bodies:
        response = api.post("/epcis/capture", data=body, content_type="application/ld+json", headers=headers)
        assert response.status_code == 202, response.content[:500]
    capture_s = time.perf_counter() - start
    total = docs * size

    # The reference: the same rows (prepared beforehand, no checks) inserted with bulk_create.
    prepared = []
    for d in range(docs):
        events = [event(d * size + i, "p") for i in range(size)]
        prepared.append(build_rows(events, record_time=timezone.now(), context=[], owner=user, capture=None))
    start = time.perf_counter()
    for rows, index in prepared:
        with transaction.atomic():
            store_rows(rows, index, owner=user)
    plain_s = time.perf_counter() - start
    # And Django's own bulk_create of the same rows, for comparison.
    prepared = []
    for d in range(docs):
        events = [event(d * size + i, "o") for i in range(size)]
        prepared.append(build_rows(events, record_time=timezone.now(), context=[], owner=user, capture=None))
    start = time.perf_counter()
    for rows, index in prepared:
        with transaction.atomic():
            EPCISEvent.objects.bulk_create(rows, batch_size=1000)
            EPCISEventEPC.objects.bulk_create([EPCISEventEPC(event_id=r.pk, role=role, epc=epc)
                                               for r, entries in zip(rows, index) for role, epc in entries],
                                              batch_size=2000)
    orm_s = time.perf_counter() - start
    assert EPCISEvent.objects.count() >= 3 * total
    capture_rate, plain_rate = total / capture_s, total / plain_s
    print(f"capture: {docs} documents × {size} events: {capture_rate:,.0f} events/s "
          f"({capture_s * 1000 / docs:.0f} ms per document, validation included)")
    print(f"  plain insert of the same rows (the repository's insert path, no checks): {plain_rate:,.0f} events/s")
    print(f"  Django bulk_create of the same rows: {total / orm_s:,.0f} events/s")
    print(f"  ratio capture / plain insert: {capture_rate / plain_rate:.2f}  (target ≥ 2,000 events/s on PostgreSQL)")


def fill(user, n: int) -> None:
    """N stored events, 500 per record time like real captures, inserted in big batches."""
    from django.db.models import Count

    from htxconnect.trace.epcis.capture import build_rows, store_rows
    from htxconnect.trace.models import EPCISEvent

    have = EPCISEvent.objects.aggregate(n=Count("id"))["n"]
    base = timezone.now() - timedelta(days=30)
    batch = 5000
    made = have
    start = time.perf_counter()
    while made < n:
        events = [event(made + i, "f") for i in range(min(batch, n - made))]
        rows, index = build_rows(events, record_time=base, context=[], owner=user, capture=None)
        for k, row in enumerate(rows):
            row.record_time = base + timedelta(seconds=(made + k) // 500)
        with transaction.atomic():
            store_rows(rows, index, owner=user)
        made += len(rows)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE trace_epcisevent; ANALYZE trace_epciseventepc")
    print(f"stored events: {n:,} (filled in {time.perf_counter() - start:.0f} s)")


def bench_query(api: Client, headers: dict, user, requests: int) -> None:
    from htxconnect.trace.epcis.query import make_page_token
    from htxconnect.trace.models import EPCISEvent

    keys = list(EPCISEvent.objects.order_by("?").values_list("record_time", "id")[:requests])
    tokens = [None] + [make_page_token(t, pk) for t, pk in keys[1:]]
    for token in tokens[:5]:  # warm-up
        api.get("/epcis/events", {"perPage": "100", **({"nextPageToken": token} if token else {})}, headers=headers)
    api_ms = []
    for token in tokens:
        params = {"perPage": "100", **({"nextPageToken": token} if token else {})}
        start = time.perf_counter()
        response = api.get("/epcis/events", params, headers=headers)
        api_ms.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    sql = ("SELECT id, record_time, event, context FROM trace_epcisevent "
           "WHERE (owner_id = %s OR public) AND record_time >= %s AND (record_time > %s OR id > %s) "
           "ORDER BY record_time, id LIMIT 101")
    plain_ms = []
    with connection.cursor() as cursor:
        for t, pk in keys:
            start = time.perf_counter()
            cursor.execute(sql, [user.pk, t, t, pk])
            rows = cursor.fetchall()
            plain_ms.append((time.perf_counter() - start) * 1000)
            assert rows is not None
    print(f"query: GET /epcis/events perPage=100, {len(api_ms)} requests at random positions: "
          f"p50 {statistics.median(api_ms):.1f} ms, p95 {pct(api_ms, 0.95):.1f} ms  (target p95 ≤ 50 ms)")
    print(f"  plain SELECT of the same rows: p50 {statistics.median(plain_ms):.1f} ms, p95 {pct(plain_ms, 0.95):.1f} ms")
    print(f"  ratio p95 API / plain SELECT: {pct(api_ms, 0.95) / max(pct(plain_ms, 0.95), 0.001):.1f}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=int(os.environ.get("BENCH_EPCIS_DOCUMENTS", 10)))
    parser.add_argument("--size", type=int, default=500, help="events per captured document")
    parser.add_argument("--events", type=int, default=int(os.environ.get("BENCH_EPCIS_EVENTS", 100_000)),
                        help="stored events for the query benchmark (the issue asks 1,000,000)")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--keepdb", action="store_true", help="keep the benchmark database for the next run")
    args = parser.parse_args(argv)

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=args.keepdb)
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
        if not args.keepdb or not user.epcis_events.filter(event_id__startswith="urn:uuid:c-").exists():
            bench_capture(api, headers, user, args.documents, args.size)
        fill(user, args.events)
        bench_query(api, headers, user, args.requests)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=args.keepdb)
    return 0


if __name__ == "__main__":
    sys.exit(main())
