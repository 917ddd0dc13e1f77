#!/usr/bin/env python3
"""Drill: the stack's Redis stopped under load (`make drill-redis`).

    python bench/faults/redis_stopped.py [--outage 30] [--before 15] [--after 20] [--readers 4] [--writers 2]

Needs the production stack (`make prod-up`; var/prod/stack.json). The same mixed load as the
database drill (bench/faults/common.py). After `--before` seconds the stack's Redis is stopped
(SIGTERM to the pid in its pidfile: it saves and exits), `--outage` seconds later started again
from its own config (its append-only file brings the data back). The site must keep working,
more slowly: the cache answers from each process's memory (htxconnect.core.cache), sessions live
in the database, login throttling counts per process. With TASK_BACKEND=rq the task queue is
in Redis: enqueueing fails while it is down (the EPCIS writes of this drill are captured in the
request and do not need the queue).

Prints per phase and kind: ok / failed, statuses, p50/p95/max latency, the slowdown of each
kind during the outage against before (ratio of p50s), /readyz during and after, and the write
check (every saved write stored exactly once). Exit status 1 when any request failed with a
server error or a saved write is missing or duplicated. Restores Redis even when interrupted.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import Load, all_ok_after, is_ok, load_stack, prepare, ratio, report, verify_writes  # noqa: E402


def redis_pid(stack: dict) -> int | None:
    try:
        pid = int(Path(stack["redis_pidfile"]).read_text().strip())
        os.kill(pid, 0)
        return pid
    except (OSError, ValueError):
        return None


def stop_redis(stack: dict) -> None:
    pid = redis_pid(stack)
    if pid is None:
        return
    os.kill(pid, signal.SIGTERM)
    for _ in range(300):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)


def start_redis(stack: dict) -> None:
    subprocess.run(["redis-server", stack["redis_conf"]], check=True, capture_output=True, timeout=60)
    for _ in range(300):
        if redis_pid(stack):
            try:
                import socket

                socket.create_connection(("127.0.0.1", stack["redis_port"]), timeout=0.5).close()
                return
            except OSError:
                pass
        time.sleep(0.1)


def healthz(stack: dict) -> str:
    try:
        with urllib.request.urlopen(stack["base_url"] + "/readyz", timeout=10) as response:
            body = json.loads(response.read())
    except urllib.error.HTTPError as exc:
        body = json.loads(exc.read())
    except OSError as exc:
        return f"no answer ({exc})"
    return f"{body['status']} (cache ok={body['cache']['ok']}, database ok={body['database']['ok']})"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Stop the stack's Redis under load and watch.")
    parser.add_argument("--outage", type=float, default=30)
    parser.add_argument("--before", type=float, default=15)
    parser.add_argument("--after", type=float, default=20)
    parser.add_argument("--readers", type=int, default=4)
    parser.add_argument("--writers", type=int, default=2)
    parser.add_argument("--stack", default=None, help="stack.json (default var/prod/stack.json)")
    args = parser.parse_args(argv)

    stack = load_stack(args.stack)
    if redis_pid(stack) is None:
        print("Redis của stack không chạy / the stack's Redis is not running: make prod-up", file=sys.stderr)
        return 2
    print(f"Drill redis_stopped — {time.strftime('%Y-%m-%d %H:%M:%S %Z')} — stack {stack['base_url']}, "
          f"Redis :{stack['redis_port']}, task backend {stack.get('task_backend')}; {args.readers} readers, "
          f"{args.writers} writers; before {args.before:.0f} s, outage {args.outage:.0f} s, after {args.after:.0f} s")
    fixture = prepare(stack)
    load = Load(stack, fixture, readers=args.readers, writers=args.writers)
    health = {}
    started_at = None
    try:
        load.start()
        time.sleep(args.before)
        health["before"] = healthz(stack)
        load.mark("outage")
        stopped = time.monotonic()
        stop_redis(stack)
        print(f"Redis stopped (SIGTERM) in {time.monotonic() - stopped:.1f} s")
        time.sleep(max(0.0, args.outage / 2 - (time.monotonic() - stopped)))
        health["outage"] = healthz(stack)
        time.sleep(max(0.0, args.outage - (time.monotonic() - stopped)))
        start_redis(stack)
        started_at = time.monotonic()
        print(f"Redis started again (down {started_at - stopped:.1f} s)")
        load.mark("after")
        time.sleep(args.after)
        health["after"] = healthz(stack)
    finally:
        if redis_pid(stack) is None:
            start_redis(stack)  # restore what the drill broke
        load.stop()

    print()
    summary = report(load)
    print()
    for kind in ("scan", "resolver", "static", "portal", "form", "epcis"):
        before, outage = summary.get(("before", kind)), summary.get(("outage", kind))
        if before and outage:
            print(f"slowdown {kind:<9} p50 {outage['p50']:.1f} ms vs {before['p50']:.1f} ms before: "
                  f"{ratio(outage['p50'], before['p50'])}; p95 {ratio(outage['p95'], before['p95'])}")
    for phase, value in health.items():
        print(f"/readyz {phase:<7}: {value}")
    server_errors = [r for r in load.rec.rows if isinstance(r[3], int) and r[3] >= 500 or r[3] == "conn-error"]
    failed = [r for r in load.rec.rows if not is_ok(r[2], r[3])]
    back = all_ok_after(load, started_at, ("scan", "resolver", "static", "portal", "form", "epcis")) \
        if started_at else None
    print(f"requests failed: {len(failed)} (server errors or no answer: {len(server_errors)}) of {len(load.rec.rows)}")
    print(f"after Redis was back: no failure from {'—' if back is None else f'{back:.1f} s'} on")
    print()
    result = verify_writes(stack, load)
    bad = bool(server_errors) or any(r["missing"] or r["duplicated"] for r in result.values())
    print("RESULT:", "FAIL" if bad else "OK", "(site kept working without Redis; every saved write stored once)"
          if not bad else "")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
