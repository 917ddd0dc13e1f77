"""EPCIS query language benchmark: EQ_INNER_ILMD_* and quantity filters over 1,000,000 events.

GET /epcis/events?EQ_INNER_ILMD_<ns>#province=…&GE_quantity=…&perPage=100 at random values, p50/p95,
beside the plain SELECT of the same rows (by id, same ORDER BY) through a cursor: ratio and
absolute figures. PostgreSQL only (the issue's target database); the events and their field rows
are generated in the database with generate_series (a few minutes for 1,000,000), in a throw-away
database `bench_<name>_ql` of DATABASE_URL, dropped at the end unless --keepdb.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/htx python bench/epcis_query_language.py --events 1000000
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "htxconnect.settings")
os.environ.setdefault("DJANGO_ENV", "test")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

NS = "https://ns.htx.example.vn/epcis/"
PROVINCES = ["Lâm Đồng", "Sơn La", "Đắk Lắk", "Gia Lai", "Bến Tre", "Hà Giang", "Lào Cai", "Tiền Giang", "Cà Mau",
             "Nghệ An", "Thanh Hóa", "Quảng Nam", "An Giang", "Đồng Tháp", "Kon Tum", "Bắc Giang"]


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def fill(user_id: int, n: int) -> None:
    """N ObjectEvents with a quantity and an ILMD origin {province, altitude}, and their field rows."""
    provinces = "ARRAY[" + ", ".join(f"'{p}'" for p in PROVINCES) + "]"
    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM trace_epcisevent")
        if cursor.fetchone()[0] >= n:
            print(f"stored events: {n:,} (kept from the last run)")
            return
        cursor.execute(f"""
            INSERT INTO trace_epcisevent (event_id, event_type, event_time, event_time_zone_offset, record_time,
                action, biz_step, disposition, read_point, biz_location, event, context, owner_id, public, error_reason)
            SELECT 'urn:uuid:ql-' || i, 'ObjectEvent', t, '+07:00', t, 'ADD', 'commissioning', 'active', '', '',
                jsonb_build_object(
                    'type', 'ObjectEvent', 'eventID', 'urn:uuid:ql-' || i, 'action', 'ADD',
                    'eventTime', to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                    'eventTimeZoneOffset', '+07:00', 'bizStep', 'commissioning',
                    'quantityList', jsonb_build_array(jsonb_build_object(
                        'epcClass', 'urn:epc:class:lgtin:893000000.0001.L' || (i %% 5000), 'quantity', i %% 1000,
                        'uom', 'KGM')),
                    'ilmd', jsonb_build_object('ex:origin', jsonb_build_object(
                        'ex:province', ({provinces})[1 + i %% {len(PROVINCES)}], 'ex:altitude', i %% 2000))),
                '[{{"ex": "{NS}"}}]'::jsonb, %s, false, ''
            FROM (SELECT i, now() - interval '30 days' + (i / 500) * interval '1 second' AS t
                  FROM generate_series(1, %s) AS i) AS g""", [user_id, n])
        cursor.execute("""
            INSERT INTO trace_epciseventfield (event_id, kind, name, alias, text, number, time)
            SELECT id, 'quantity', 'quantityList', '', 'KGM', (event->'quantityList'->0->>'quantity')::float, NULL::timestamptz
            FROM trace_epcisevent
            UNION ALL
            SELECT id, 'ilmd', %s, 'ex:origin', '', NULL::float, NULL::timestamptz FROM trace_epcisevent
            UNION ALL
            SELECT id, 'ilmd_inner', %s, 'ex:province', event->'ilmd'->'ex:origin'->>'ex:province', NULL::float, NULL::timestamptz
            FROM trace_epcisevent
            UNION ALL
            SELECT id, 'ilmd_inner', %s, 'ex:altitude', event->'ilmd'->'ex:origin'->>'ex:altitude',
                   (event->'ilmd'->'ex:origin'->>'ex:altitude')::float, NULL::timestamptz
            FROM trace_epcisevent""", [NS + "origin", NS + "province", NS + "altitude"])
        cursor.execute("ANALYZE trace_epcisevent; ANALYZE trace_epciseventfield")
    print(f"stored events: {n:,} with 4 field rows each (generated in {time.perf_counter() - start:.0f} s)")


def bench(api: Client, headers: dict, requests: int) -> None:
    rng = random.Random(20261127)
    cases = [(rng.choice(PROVINCES), rng.randrange(0, 1000)) for _ in range(requests)]
    name = f"EQ_INNER_ILMD_{NS}#province"

    def ask(province, minimum):
        return api.get("/epcis/events", {name: province, "GE_quantity": str(minimum), "perPage": "100"},
                       headers=headers)

    for province, minimum in cases[:5]:  # warm-up
        ask(province, minimum)
    api_ms, answers = [], []
    for province, minimum in cases:
        start = time.perf_counter()
        response = ask(province, minimum)
        api_ms.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.content[:500]
        events = response.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
        answers.append([e["eventID"] for e in events])
    plain_ms = []
    sql = ("SELECT id, record_time, event, context FROM trace_epcisevent WHERE event_id = ANY(%s) "
           "ORDER BY record_time, id LIMIT 101")
    with connection.cursor() as cursor:
        for event_ids in answers:
            start = time.perf_counter()
            cursor.execute(sql, [event_ids])
            rows = cursor.fetchall()
            plain_ms.append((time.perf_counter() - start) * 1000)
            assert len(rows) == len(event_ids)
    sizes = [len(a) for a in answers]
    print(f"query: GET /epcis/events?{name}=…&GE_quantity=…&perPage=100, {len(api_ms)} requests at random "
          f"values ({min(sizes)}–{max(sizes)} events per page, median {statistics.median(sizes):.0f}):")
    print(f"  API: p50 {statistics.median(api_ms):.1f} ms, p95 {pct(api_ms, 0.95):.1f} ms")
    print(f"  plain SELECT of the same rows: p50 {statistics.median(plain_ms):.1f} ms, p95 {pct(plain_ms, 0.95):.1f} ms")
    print(f"  ratio p95 API / plain SELECT: {pct(api_ms, 0.95) / max(pct(plain_ms, 0.95), 0.001):.1f}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=int(os.environ.get("BENCH_EPCIS_QL_EVENTS", 1_000_000)))
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--keepdb", action="store_true", help="keep the benchmark database for the next run")
    args = parser.parse_args(argv)
    if connection.vendor != "postgresql":
        print("skipped: this benchmark runs on PostgreSQL (set DATABASE_URL)")
        return 0
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"bench_{old_name}_ql"
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=args.keepdb)
    try:
        from htxconnect.accounts.apikeys import issue_key
        from htxconnect.core.actors import SYSTEM
        from htxconnect.accounts.models import User
        from htxconnect.core.roles import Role

        user, _ = User.objects.get_or_create(username="bench-epcis-ql", defaults={"role": Role.COOP_MANAGER})
        _key, raw = issue_key(user, "bench", by=SYSTEM)
        print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
        fill(user.pk, args.events)
        bench(Client(), {"Authorization": f"Bearer {raw}"}, args.requests)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=args.keepdb)
    return 0


if __name__ == "__main__":
    sys.exit(main())
