"""Scan-recording benchmark: what writing each scan costs the resolver's redirect (issue 9:
scans are written durably, with one INSERT, instead of a cache buffer; keep the hot path fast).

In one process, through Django's test client (no network, no nginx, so the figure is the
application's own cost): GET /01/<gtin>/10/<lot> answered 307 with the scan recorded, against
the same redirect with recording switched off (the reference, same run), on SQLite (WAL, as in
`make demo`) and on PostgreSQL when a server answers (DATABASE_URL's server, a throw-away
database). Figures: µs per redirect both ways, the ratio, and µs per record_scan call alone.

    python bench/scan_record.py [--requests 2000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scan_page import pg_server  # bench/ is the script's directory when it runs

ROOT = Path(__file__).resolve().parent.parent


def child(requests: int, rounds: int) -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import datetime

    from django.core.management import call_command
    from django.test import Client, RequestFactory

    call_command("migrate", verbosity=0)
    from htxconnect.core.actors import SYSTEM
    from htxconnect.registry import services as rs
    from htxconnect.resolver import scans, services
    from htxconnect.resolver.models import ScanEvent

    org = rs.create_organization(actor=SYSTEM, name="HTX Đo Quét Mã", province_code="79")
    services.register_company_prefix(actor=SYSTEM, organization=org, prefix="893999991", is_demo=True)
    product = rs.create_product(actor=SYSTEM, producer=org, name="Ổi đo quét", category="fruit")
    gtin = services.assign_gtin(actor=SYSTEM, product=product)
    lot = services.create_lot(actor=SYSTEM, product=product, code="BENCH-02", production_date=datetime.date(2026, 11, 1))
    path = f"/01/{gtin}/10/{lot.code}"
    client = Client(HTTP_ACCEPT_LANGUAGE="vi-VN", HTTP_USER_AGENT="Mozilla/5.0 Zalo", REMOTE_ADDR="203.113.45.67")
    assert client.get(path).status_code == 307

    def redirects() -> float:
        start = time.perf_counter()
        for _ in range(requests):
            client.get(path)
        return (time.perf_counter() - start) / requests * 1e6

    real = scans.record_scan
    with_scan, without_scan = [], []
    for _ in range(rounds):  # alternate, so other load on the machine weighs on both alike
        scans.record_scan = real
        with_scan.append(redirects())
        scans.record_scan = lambda *a, **k: None
        without_scan.append(redirects())
    scans.record_scan = real
    request = RequestFactory().get(path, REMOTE_ADDR="203.113.45.67", HTTP_ACCEPT_LANGUAGE="vi-VN")
    start = time.perf_counter()
    for _ in range(requests):
        scans.record_scan(request, product_id=product.pk, lot_id=lot.pk, serial="")
    alone = (time.perf_counter() - start) / requests * 1e6
    stored = ScanEvent.objects.count()
    w, wo = min(with_scan), min(without_scan)
    print(f"  redirect with scan recorded : {w:8.0f} µs  (best of {rounds}; all {' '.join(f'{x:.0f}' for x in with_scan)})")
    print(f"  redirect, recording off     : {wo:8.0f} µs  (all {' '.join(f'{x:.0f}' for x in without_scan)})")
    print(f"  ratio (recording off / on)  : {wo / w:8.2f}")
    print(f"  record_scan alone           : {alone:8.0f} µs per scan; scans in the database now: {stored}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.requests, args.rounds)
        return 0
    tmp = Path(tempfile.mkdtemp(prefix="htx-bench-scanrec-"))
    base = dict(os.environ, DJANGO_ENV="demo", DJANGO_SETTINGS_MODULE="htxconnect.settings", DEBUG="false",
                SECRET_KEY="bench-" + "x" * 40, ALLOWED_HOSTS="*", TASK_BACKEND="immediate", REDIS_URL="")
    targets = [("SQLite (WAL)", f"sqlite:///{tmp / 'bench.sqlite3'}", None)]
    server = pg_server()
    db_name = f"bench_scanrec_{os.getpid()}"
    if server:
        subprocess.run(["psql", server, "-qc", f"create database {db_name}"], check=True, capture_output=True)
        targets.append(("PostgreSQL", server.rsplit("/", 1)[0] + "/" + db_name, db_name))
    else:
        print("NOTE: no PostgreSQL server answers; SQLite only")
    try:
        for label, url, _db in targets:
            print(f"{label}: {args.requests} redirects × {args.rounds} rounds")
            subprocess.run([sys.executable, __file__, "--child", "--requests", str(args.requests),
                            "--rounds", str(args.rounds)], env=dict(base, DATABASE_URL=url), check=True, cwd=ROOT)
    finally:
        if server:
            subprocess.run(["psql", server, "-qc", f"drop database if exists {db_name} with (force)"],
                           capture_output=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
