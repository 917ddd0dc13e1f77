"""Check-in burst benchmark: 500 people checked in by concurrent requests on one app server.

A throw-away database (PostgreSQL when a server answers, else a SQLite file) gets an event with
500 confirmed registrations; Granian serves the app; 500 check-ins (one per ticket) plus 100
repeats of the same tickets from a second device are sent at once by --clients concurrent
clients to /events/<id>/checkin/sync/. Then the same number of GET /healthz in the same way.
Printed: p50/p95 of both and their ratio, and the proof that nothing was lost or counted twice
(every ticket answered "recorded" exactly once, 500 attendances, one per registration).

    python bench/events_checkin.py [--people 500] [--repeats 100] [--clients 32]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from htxconnect.core.machine import free_port, wait_listening  # noqa: E402 - no Django: settings stay unread
from scan_page import pg_server  # noqa: E402 - bench/ is the script's directory when it runs

PY = sys.executable

SETUP = r"""
import json, datetime
from django.test import Client
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from django.middleware.csrf import get_token
from django.test import RequestFactory
from htxconnect.accounts.models import Agency, User
from htxconnect.core.actors import SYSTEM
from htxconnect.core.roles import Role
from htxconnect.events import services, tickets
agency = Agency.objects.create(name="Sở KH&CN (bench)", short_name="bench", kind=Agency.Kind.DOST, province_code="79",
                               province_name="Thành phố Hồ Chí Minh")
officer = User.objects.create_user(username="bench-officer", password="x" * 20, role=Role.OFFICER, agency=agency)
device = TOTPDevice.objects.create(user=officer, name="default", confirmed=True)
today = timezone.localdate()
start = timezone.make_aware(datetime.datetime.combine(today, datetime.time(0, 1)))
event = services.create_event(actor=SYSTEM, agency=agency, kind="course", title="Lớp đo tải", starts_on=today,
                              ends_on=today, venue="Hội trường", sessions=[(start, start + datetime.timedelta(hours=23), "")])
services.publish_event(actor=SYSTEM, event_id=event.pk)
tokens = []
for i in range(PEOPLE):
    r = services.register(actor=SYSTEM, event_id=event.pk, consent=True, source="import",
                          registrant=services.Registrant(f"Học viên {i:04d}", f"09{i:08d}"))
    tokens.append(tickets.ticket_token(r))
client = Client()
client.force_login(officer)
session = client.session
session[DEVICE_ID_SESSION_KEY] = device.persistent_id
session.save()
request = RequestFactory().get("/")
csrf = get_token(request)
from django.conf import settings
print(json.dumps({"event": event.pk, "session": event.sessions.get().pk, "tokens": tokens,
                  "sessionid": client.cookies[settings.SESSION_COOKIE_NAME].value, "csrf": csrf,
                  "csrf_cookie": request.META["CSRF_COOKIE"],
                  "cookie_names": [settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME]}))
"""

VERIFY = r"""
import json
from django.db.models import Count
from htxconnect.events.models import Attendance, Registration, Scan
per = Registration.objects.annotate(n=Count("attendances")).values_list("n", flat=True)
print(json.dumps({"attendances": Attendance.objects.count(), "registrations": Registration.objects.count(),
                  "twice": sum(1 for n in per if n > 1), "never": sum(1 for n in per if n == 0),
                  "scans": Scan.objects.count()}))
"""


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def request(port, method, path, body=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    start = time.perf_counter()
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        data = response.read()
        return response.status, data, (time.perf_counter() - start) * 1000
    except OSError as error:
        return 0, str(error).encode(), (time.perf_counter() - start) * 1000
    finally:
        conn.close()


def burst(port, calls, clients):
    with ThreadPoolExecutor(max_workers=clients) as pool:
        return list(pool.map(lambda call: request(port, *call), calls))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=100, help="tickets scanned again by a second device")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--workers", type=int, default=1, help="Granian workers (one server)")
    parser.add_argument("--threads", type=int, default=8, help="Granian blocking threads per worker")
    args = parser.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="htx-bench-checkin-"))
    env = dict(os.environ, DJANGO_ENV="demo", DEBUG="false", SECRET_KEY="bench-" + "x" * 40, ALLOWED_HOSTS="*",
               TASK_BACKEND="immediate", STATIC_ROOT=str(tmp / "static"))
    env.pop("REDIS_URL", None)
    server = pg_server()
    db_name = f"bench_checkin_{os.getpid()}"
    if server:
        env["DATABASE_URL"] = server.rsplit("/", 1)[0] + "/" + db_name
        subprocess.run(["psql", server, "-qc", f"create database {db_name}"], check=True, capture_output=True)
    else:
        env["DATABASE_URL"] = f"sqlite:///{tmp / 'bench.sqlite3'}"
    database = "postgresql" if server else "sqlite (WAL, IMMEDIATE transactions)"
    proc = None
    try:
        manage = [PY, str(ROOT / "manage.py")]
        subprocess.run(manage + ["migrate", "-v0"], env=env, check=True, cwd=ROOT)
        out = subprocess.run(manage + ["shell", "-c", SETUP.replace("PEOPLE", str(args.people))], env=env, check=True,
                             cwd=ROOT, capture_output=True, text=True).stdout.strip().splitlines()[-1]
        setup = json.loads(out)
        port = free_port()
        proc = subprocess.Popen([str(Path(PY).parent / "granian"), "--interface", "wsgi", "--host", "127.0.0.1",
                                 "--port", str(port), "--workers", str(args.workers), "--blocking-threads",
                                 str(args.threads), "--backlog", "2048", "htxconnect.wsgi:application"],
                                env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_listening(port)
        headers = {"Content-Type": "application/json", "X-CSRFToken": setup["csrf"],
                   "Cookie": "{}={}; {}={}".format(setup["cookie_names"][0], setup["sessionid"],
                                                   setup["cookie_names"][1], setup["csrf_cookie"])}
        path = f"/events/{setup['event']}/checkin/sync/"
        calls = []
        for i, token in enumerate(setup["tokens"]):
            item = {"id": f"a-{i}", "session": setup["session"], "token": token}
            calls.append(("POST", path, json.dumps({"device": "phone-a", "items": [item]}), headers))
        for i, token in enumerate(random.Random(7).sample(setup["tokens"], min(args.repeats, args.people))):
            item = {"id": f"b-{i}", "session": setup["session"], "token": token, "offline": True}
            calls.append(("POST", path, json.dumps({"device": "phone-b", "items": [item]}), headers))
        random.Random(11).shuffle(calls)
        for _ in range(3):  # warm-up: imports, connections, templates
            request(port, "GET", "/healthz")
        start = time.perf_counter()
        answers = burst(port, calls, args.clients)
        wall = time.perf_counter() - start
        health = burst(port, [("GET", "/healthz", None, {})] * len(calls), args.clients)

        failed = [a for a in answers if a[0] != 200]
        results: dict[str, list] = {}
        for status, body, _ms in answers:
            if status == 200:
                for r in json.loads(body)["results"]:
                    results.setdefault(r["result"], []).append(r)
        recorded_tokens = {r["registration"] for r in results.get("recorded", [])}
        check = json.loads(subprocess.run(manage + ["shell", "-c", VERIFY], env=env, check=True, cwd=ROOT,
                                          capture_output=True, text=True).stdout.strip().splitlines()[-1])
        checkin_ms = [a[2] for a in answers]
        health_ms = [h[2] for h in health]
        health_failed = sum(1 for h in health if h[0] not in (200, 503))
        print(f"database: {database}; server: granian, {args.workers} worker × {args.threads} threads; "
              f"{args.clients} concurrent clients")
        print(f"check-in burst: {len(calls)} requests ({args.people} people + {args.repeats} repeats from a second "
              f"device) in {wall:.1f} s = {len(calls) / wall:.0f} req/s; HTTP errors: {len(failed)}")
        print(f"  answered: recorded {len(results.get('recorded', []))}, duplicate "
              f"{len(results.get('duplicate', []))}, refused {len(results.get('refused', []))}; "
              f"people recorded once: {len(recorded_tokens)}")
        print(f"  database: {check['attendances']} attendances for {check['registrations']} registrations; "
              f"counted twice: {check['twice']}; lost (never recorded): {check['never']}; scans kept: {check['scans']}")
        print(f"  latency check-in: p50 {statistics.median(checkin_ms):.0f} ms, p95 {pct(checkin_ms, 0.95):.0f} ms")
        print(f"  latency /healthz (same run, same concurrency): p50 {statistics.median(health_ms):.0f} ms, "
              f"p95 {pct(health_ms, 0.95):.0f} ms; errors {health_failed}")
        print(f"  ratio p95 check-in / p95 healthz: {pct(checkin_ms, 0.95) / max(pct(health_ms, 0.95), 0.001):.1f}")
        ok = (not failed and check["attendances"] == args.people and check["twice"] == 0 and check["never"] == 0
              and len(results.get("recorded", [])) == args.people and len(recorded_tokens) == args.people)
        print("OK: none lost, none counted twice" if ok else "FAIL: check-ins lost or counted twice")
        return 0 if ok else 1
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=30)
        if server:
            subprocess.run(["psql", server, "-qc", f"drop database if exists {db_name}"], capture_output=True)


if __name__ == "__main__":
    sys.exit(main())
