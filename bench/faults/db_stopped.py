#!/usr/bin/env python3
"""Drill: the stack's PostgreSQL stopped for 30 s under load (`make drill-db`).

    python bench/faults/db_stopped.py [--outage 30] [--before 15] [--after 30] [--readers 4] [--writers 2]

Needs the production stack (`make prod-up`; var/prod/stack.json). Client threads read public
scan pages, QR-code URLs, a static file and portal pages, and write (a signed-in manager creating
lots through the form, EPCIS captures with an API key). After `--before` seconds the stack's
PostgreSQL is stopped with `pg_ctl stop -m fast` for `--outage` seconds, then started again;
the load goes on for `--after` seconds. The app servers are never restarted.

Prints per phase and kind: ok / failed, the statuses, p50/p95/max latency; how long after the
database came back the writes succeeded again; and, from the database, whether every write that
was answered with success is stored exactly once and every write refused with 503 not at all.
Exit status 1 when a public scan request failed or a saved write is missing or duplicated.
Restores what it breaks: PostgreSQL is started again even when the drill is interrupted.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (PUBLIC_KINDS, WRITE_KINDS, Load, all_ok_after, first_success_after, load_stack,  # noqa: E402
                    prepare, report, verify_writes)


def pg_ctl(stack: dict, *args: str) -> None:
    command = [f"{stack['pg_bin']}/pg_ctl", "-D", stack["pg_datadir"], *args]
    if stack.get("pg_user"):
        command = ["runuser", "-u", stack["pg_user"], "--", *command]
    subprocess.run(command, check=True, capture_output=True, timeout=120)


def start_pg(stack: dict) -> None:
    pg_ctl(stack, "-l", f"{stack['logs']}/postgresql.log", "-w", "-t", "60",
           "-o", f"-p {stack['pg_port']} -k {stack['pg_socket_dir']}", "start")


def pg_running(stack: dict) -> bool:
    command = [f"{stack['pg_bin']}/pg_ctl", "-D", stack["pg_datadir"], "status"]
    if stack.get("pg_user"):
        command = ["runuser", "-u", stack["pg_user"], "--", *command]
    return subprocess.run(command, capture_output=True).returncode == 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Stop the stack's PostgreSQL under load and watch.")
    parser.add_argument("--outage", type=float, default=30)
    parser.add_argument("--before", type=float, default=15)
    parser.add_argument("--after", type=float, default=30)
    parser.add_argument("--readers", type=int, default=4)
    parser.add_argument("--writers", type=int, default=2)
    parser.add_argument("--stack", default=None, help="stack.json (default var/prod/stack.json)")
    args = parser.parse_args(argv)

    stack = load_stack(args.stack)
    if not pg_running(stack):
        print("PostgreSQL của stack không chạy / the stack's PostgreSQL is not running: make prod-up", file=sys.stderr)
        return 2
    print(f"Drill db_stopped — {time.strftime('%Y-%m-%d %H:%M:%S %Z')} — stack {stack['base_url']}, "
          f"PostgreSQL :{stack['pg_port']}; {args.readers} readers, {args.writers} writers; "
          f"before {args.before:.0f} s, outage {args.outage:.0f} s, after {args.after:.0f} s")
    fixture = prepare(stack)
    load = Load(stack, fixture, readers=args.readers, writers=args.writers)
    stopped_at = started_at = None
    try:
        load.start()
        time.sleep(args.before)
        load.mark("outage")
        stopped_at = time.monotonic()
        pg_ctl(stack, "-m", "fast", "-w", "-t", "60", "stop")
        print(f"PostgreSQL stopped (pg_ctl stop -m fast) in {time.monotonic() - stopped_at:.1f} s")
        time.sleep(max(0.0, args.outage - (time.monotonic() - stopped_at)))
        started = time.monotonic()
        start_pg(stack)
        started_at = time.monotonic()
        print(f"PostgreSQL started again in {started_at - started:.1f} s (down {started_at - stopped_at:.1f} s)")
        load.mark("after")
        time.sleep(args.after)
    finally:
        if not pg_running(stack):
            start_pg(stack)  # restore what the drill broke, whatever happened
        load.stop()

    print()
    report(load)
    print()
    failed_public = [r for r in load.rec.rows if r[2] in ("scan", "static") and not _ok(r)]
    resolver_failed = [r for r in load.rec.rows if r[2] == "resolver" and not _ok(r)]
    write_back = first_success_after(load, started_at, WRITE_KINDS) if started_at else None
    all_back = all_ok_after(load, started_at, (*PUBLIC_KINDS, "portal", *WRITE_KINDS)) if started_at else None
    print(f"public scan pages + static failed: {len(failed_public)} (of "
          f"{sum(1 for r in load.rec.rows if r[2] in ('scan', 'static'))}); QR-code redirects failed: "
          f"{len(resolver_failed)}")
    print(f"503 answers with the Vietnamese try-again page / JSON problem and Retry-After: "
          f"{sum(1 for r in load.rec.rows if r[6] == 'try-again')}; other 5xx or unclear 503: "
          f"{len(load.unclear_failures)}")
    for kind, path, body in load.unclear_failures[:5]:
        print(f"  unclear: {kind} {path}: {body!r}")
    print(f"recovery: first successful write {_s(write_back)} after PostgreSQL was back; "
          f"no failure of any kind from {_s(all_back)} after it on (app servers not restarted)")
    print()
    result = verify_writes(stack, load)
    bad = bool(failed_public) or any(r["missing"] or r["duplicated"] or r["stored_after_503"] for r in result.values())
    print("RESULT:", "FAIL" if bad else "OK",
          "(no public scan request failed; every saved write stored exactly once; no 503 write stored)"
          if not bad else "")
    return 1 if bad else 0


def _ok(row) -> bool:
    from common import is_ok

    return is_ok(row[2], row[3])


def _s(value) -> str:
    return "—" if value is None else f"{value:.1f} s"


if __name__ == "__main__":
    sys.exit(main())
