"""What the fault drills share: the running production stack (var/prod/stack.json, `make prod-up`),
a mixed load of client threads that records every answer, and the report.

A drill: `stack = load_stack()`, `fixture = prepare(stack)` (demo data to hit, a signed-in manager,
an API key), `load = Load(stack, fixture).start()`, `load.mark("outage")` … `load.mark("after")`,
`load.stop()`, then `report(load)` and `verify_writes(stack, load)`.

Kinds of request:
- scan      anonymous GET of public scan pages /scan/01/<GTIN>/10/<lot>/ (nginx cache, page cache);
- resolver  anonymous GET of the QR code's URL /01/<GTIN>/10/<lot> (307 to the scan page);
- static    a static file served by nginx;
- portal    public portal pages (directory, home), which read the database;
- form      a signed-in cooperative manager creating a lot through the form (a write);
- epcis     EPCIS capture of one event with an API key (a write); the captures take several keys in
            turn, enough for 100 a second within each key's API_KEY_RATE_LIMIT (accounts.apikeys).
Each write carries a unique marker (the lot code, the eventID) so `verify_writes` can count it.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import defaultdict
from pathlib import Path

from http.client import HTTPConnection, HTTPException
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_STACK = ROOT / "var" / "prod" / "stack.json"
PUBLIC_KINDS = ("scan", "resolver", "static")
WRITE_KINDS = ("form", "epcis")


def load_stack(path: str | None = None) -> dict:
    path = Path(path or os.environ.get("PROD_STACK_JSON", DEFAULT_STACK))
    if not path.exists():
        print(f"Chưa có {path}: hãy chạy `make prod-up` trước. / No {path}: run `make prod-up` first.",
              file=sys.stderr)
        sys.exit(2)
    return json.loads(path.read_text())


def app_env(stack: dict) -> dict:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_", "SECRET_KEY"))}
    return {**base, **stack["env"]}


def django_shell(stack: dict, code: str, timeout: float = 300) -> str:
    """Run Python in the stack's Django (manage.py shell) and return what it printed last."""
    result = subprocess.run([stack.get("python", sys.executable), "manage.py", "shell", "-c", code],
                            cwd=stack.get("root", ROOT), env=app_env(stack), capture_output=True, text=True,
                            timeout=timeout)
    if result.returncode != 0:
        raise RuntimeError(f"manage.py shell failed:\n{result.stderr[-3000:]}")
    return result.stdout.strip().splitlines()[-1]


PREPARE = r'''
import json
from htxconnect.accounts.models import User
from htxconnect.accounts.apikeys import issue_key
from htxconnect.core.actors import SYSTEM
from htxconnect.registry.models import OrganizationUser
from htxconnect.resolver.models import Lot
manager = User.objects.get(username="htx.oithanhkien")
orgs = list(OrganizationUser.objects.filter(user=manager, role="manager").values_list("organization_id", flat=True))
lots = list(Lot.objects.filter(is_public=True, product__is_public=True).exclude(product__gtin="")
            .exclude(code__startswith="D-").values_list("product__gtin", "code")[:40])
product = (Lot.objects.filter(product__producer_id__in=orgs).exclude(product__gtin="")
           .values_list("product_id", flat=True).first())
import math
from django.conf import settings
limit, window = settings.API_KEY_RATE_LIMIT, settings.API_KEY_RATE_WINDOW
wanted = 1 if limit <= 0 else math.ceil(100 * window / (limit * 0.8))  # 100 captures/s, 20 % margin
keys = [issue_key(manager, "fault drill", by=SYSTEM)[1] for _ in range(wanted)]
from htxconnect.accounts.demo import DEMO_PASSWORD
print(json.dumps({"lots": lots, "product": product, "keys": keys, "username": manager.username,
                  "password": DEMO_PASSWORD, "session_cookie": settings.SESSION_COOKIE_NAME,
                  "csrf_cookie": settings.CSRF_COOKIE_NAME}))
'''


def prepare(stack: dict) -> dict:
    data = json.loads(django_shell(stack, PREPARE))
    if not data["lots"] or not data["product"]:
        sys.exit("Không có dữ liệu mẫu để thử: `make prod-up` nạp dữ liệu mẫu (bỏ --no-demo). / No demo data.")
    data["static"] = find_static(stack)
    return data


def find_static(stack: dict) -> str:
    root = Path(stack["static_root"])
    for candidate in sorted(root.glob("css/*.css")):
        if re.search(r"\.[0-9a-f]{12}\.css$", candidate.name):
            return "/static/" + candidate.relative_to(root).as_posix()
    return "/static/css/error.css"


class Answer:
    def __init__(self, status, headers, body):
        self.status_code = status
        self.headers = headers
        self.text = body.decode("utf-8", errors="replace")


class Session:
    """One keep-alive connection with a cookie jar (the standard library only: no client package).
    The jar sends every cookie it holds, Secure ones too, over the stack's plain-HTTP loopback port,
    as browsers and curl do for 127.0.0.1 (http.cookiejar would keep the stack's __Host- cookies
    to itself there)."""

    def __init__(self, base: str):
        parts = urlsplit(base)
        self.host, self.port = parts.hostname, parts.port or 80
        self.cookies = {}
        self.conn = None

    def request(self, method, url, *, data=None, headers=None, timeout=30, allow_redirects=False):
        path = url[url.index("/", len("http://")):] if url.startswith("http") else url
        headers = dict(headers or {})
        body = None
        if isinstance(data, dict):
            body = urlencode(data).encode()
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        elif isinstance(data, str):
            body = data.encode()
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        headers.setdefault("Host", self.host)
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = HTTPConnection(self.host, self.port, timeout=timeout)
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                payload = response.read()
                break
            except (OSError, HTTPException):
                self.conn.close()
                self.conn = None
                if attempt == 2 or method != "GET":  # a write is never sent twice
                    raise
        for value in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(value)
            for name, morsel in cookie.items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return Answer(response.status, response.headers, payload)


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.rows = []  # (t, phase, kind, status, seconds, marker, note)
        self.phase = "before"
        self.marks = {"before": time.monotonic()}

    def mark(self, phase: str) -> None:
        with self.lock:
            self.phase = phase
            self.marks[phase] = time.monotonic()

    def add(self, kind, status, seconds, marker="", note="", started=None):
        """One answer, filed under the phase in which the request was *sent* (at `started`)."""
        with self.lock:
            started = started if started is not None else time.monotonic() - seconds
            phase = max((p for p in self.marks.items() if p[1] <= started), key=lambda p: p[1],
                        default=("before", 0))[0]
            self.rows.append((started, phase, kind, status, seconds, marker, note))


class Load:
    """Client threads: `readers` anonymous readers (scan, resolver, static, portal in turn) and
    `writers` signed-in writers (form and EPCIS capture in turn), until stop()."""

    def __init__(self, stack: dict, fixture: dict, readers: int = 4, writers: int = 2, pause: float = 0.0):
        self.base = stack["base_url"]
        self.fixture = fixture
        self.readers, self.writers = readers, writers
        self.pause = pause
        self.stop_event = threading.Event()
        self.rec = Recorder()
        self.threads = []
        self.run_id = secrets.token_hex(2)
        self.counter = 0
        self.counter_lock = threading.Lock()
        self.try_again_pages = 0
        self.unclear_failures = []

    def mark(self, phase: str) -> None:
        self.rec.mark(phase)

    def next_marker(self) -> int:
        with self.counter_lock:
            self.counter += 1
            return self.counter

    def warm_up(self) -> None:
        """Visit every page once before the clock starts, as real traffic has (fills nginx's and
        Django's caches), and sign the writers in."""
        session = Session(self.base)
        for gtin, code in self.fixture["lots"]:
            self._timed("warmup", session, "GET", f"/scan/01/{gtin}/10/{code}/")
        self.writer_sessions = []
        for _ in range(self.writers):
            writer = Session(self.base)
            self._sign_in(writer)
            self.writer_sessions.append(writer)
        self.rec.rows.clear()
        self.rec.marks.clear()
        self.rec.mark("before")

    def start(self) -> "Load":
        if not hasattr(self, "writer_sessions"):
            self.warm_up()
        for i in range(self.readers):
            self.threads.append(threading.Thread(target=self._reader, args=(i,), daemon=True))
        for i in range(self.writers):
            self.threads.append(threading.Thread(target=self._writer, args=(i,), daemon=True))
        for thread in self.threads:
            thread.start()
        return self

    def stop(self) -> None:
        self.stop_event.set()
        for thread in self.threads:
            thread.join(timeout=30)

    # -- requests -------------------------------------------------------------------------------------

    def _timed(self, kind, session, method, path, *, marker="", ok=(200,), **kw):
        start = time.monotonic()
        try:
            response = session.request(method, self.base + path, timeout=30, allow_redirects=False, **kw)
            status = response.status_code
        except (OSError, HTTPException) as exc:
            self.rec.add(kind, "conn-error", time.monotonic() - start, marker, type(exc).__name__, started=start)
            return None
        elapsed = time.monotonic() - start
        note = ""
        if status == 503:
            body = response.text
            if "thử lại" in body and response.headers.get("Retry-After"):
                note = "try-again"
            else:
                note = "503-unclear"
                self.unclear_failures.append((kind, path, body[:200]))
        elif status not in ok and status >= 500:
            self.unclear_failures.append((kind, path, f"{status} {response.text[:200]}"))
        self.rec.add(kind, status, elapsed, marker, note, started=start)
        return response

    def _reader(self, i: int) -> None:
        session = Session(self.base)
        lots = self.fixture["lots"]
        n = i
        while not self.stop_event.is_set():
            gtin, code = lots[n % len(lots)]
            turn = n % 6
            if turn in (0, 1, 2):
                self._timed("scan", session, "GET", f"/scan/01/{gtin}/10/{code}/")
            elif turn == 3:
                self._timed("resolver", session, "GET", f"/01/{gtin}/10/{code}", ok=(307,))
            elif turn == 4:
                self._timed("static", session, "GET", self.fixture["static"])
            else:
                self._timed("portal", session, "GET", ("/portal/", "/")[n // 6 % 2], ok=(200, 302))
            n += 1
            if self.pause:
                time.sleep(self.pause)

    def _sign_in(self, session) -> bool:
        page = self._timed("login", session, "GET", "/accounts/login/")
        if page is None or page.status_code != 200:
            return False
        token = session.cookies.get(self.fixture["csrf_cookie"], "")
        answer = self._timed("login", session, "POST", "/accounts/login/", ok=(302,),
                             data={"username": self.fixture["username"], "password": self.fixture["password"],
                                   "csrfmiddlewaretoken": token},
                             headers={"Referer": self.base + "/accounts/login/"})
        return answer is not None and answer.status_code == 302

    def _writer(self, i: int) -> None:
        session = self.writer_sessions[i]
        signed_in = self.fixture["session_cookie"] in session.cookies
        n = i
        while not self.stop_event.is_set():
            if n % 2 == 0:
                if not signed_in:
                    signed_in = self._sign_in(session)
                    if not signed_in:
                        time.sleep(0.5)
                        n += 1
                        continue
                code = f"D-{self.run_id}-{self.next_marker():05d}"
                response = self._timed("form", session, "POST", "/trace/lots/new/", marker=code, ok=(302,),
                                       data={"product": self.fixture["product"], "code": code,
                                             "production_date": "2026-11-20", "is_public": "",
                                             "csrfmiddlewaretoken": session.cookies.get(self.fixture["csrf_cookie"], "")},
                                       headers={"Referer": self.base + "/trace/lots/new/"})
                if response is not None and response.status_code == 302 and "/accounts/login" in \
                        response.headers.get("Location", ""):
                    signed_in = False
            else:
                event_id = f"urn:uuid:{uuid.uuid4()}"
                self._timed("epcis", session, "POST", "/epcis/capture", marker=event_id, ok=(201, 202),
                            data=json.dumps(epcis_document(event_id)),
                            headers={"Content-Type": "application/json",
                                     "Authorization": f"Bearer {self.fixture['keys'][n // 2 % len(self.fixture['keys'])]}"})
            n += 1
            if self.pause:
                time.sleep(self.pause)


def epcis_document(event_id: str) -> dict:
    now = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
    return {"@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"], "type": "EPCISDocument",
            "schemaVersion": "2.0", "creationDate": now,
            "epcisBody": {"eventList": [{
                "type": "ObjectEvent", "eventID": event_id, "eventTime": now, "eventTimeZoneOffset": "+00:00",
                "action": "OBSERVE", "bizStep": "shipping", "disposition": "in_transit",
                "epcList": [f"urn:epc:id:sgtin:893000000.0001.DRILL-{event_id[-8:]}"],
                "readPoint": {"id": "urn:epc:id:sgln:893000000.001.0"}}]}}


# --- reporting -----------------------------------------------------------------------------------


def percentile(values, q):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def is_ok(kind, status) -> bool:
    if not isinstance(status, int):
        return False
    if kind == "resolver":
        return status == 307
    if kind == "form":
        return status == 302
    if kind == "epcis":
        return status in (201, 202)
    if kind == "login":
        return status in (200, 302)
    return status == 200


def report(load: Load, phases=("before", "outage", "after")) -> dict:
    """Print per phase and kind: ok/failed, statuses, p50/p95/max latency; return the summary."""
    summary = {}
    by = defaultdict(list)
    for row in load.rec.rows:
        by[(row[1], row[2])].append(row)
    kinds = sorted({row[2] for row in load.rec.rows})
    print(f"{'phase':<8} {'kind':<9} {'ok':>6} {'failed':>6}  {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}  statuses")
    for phase in phases:
        for kind in kinds:
            rows = by.get((phase, kind), [])
            if not rows:
                continue
            ok = [r for r in rows if is_ok(kind, r[3])]
            failed = len(rows) - len(ok)
            statuses = defaultdict(int)
            for r in rows:
                statuses[f"{r[3]}{'/' + r[6] if r[6] else ''}"] += 1
            times = [r[4] * 1000 for r in rows]
            summary[(phase, kind)] = {"ok": len(ok), "failed": failed, "p50": percentile(times, 0.5),
                                      "p95": percentile(times, 0.95), "max": max(times)}
            print(f"{phase:<8} {kind:<9} {len(ok):>6} {failed:>6}  {percentile(times, 0.5):>8.1f} "
                  f"{percentile(times, 0.95):>8.1f} {max(times):>8.1f}  "
                  + ", ".join(f"{k}×{v}" for k, v in sorted(statuses.items())))
    return summary


def first_success_after(load: Load, since: float, kinds) -> float | None:
    """Seconds from `since` (monotonic) to the first successful request of any of `kinds`."""
    times = [r[0] for r in load.rec.rows if r[0] >= since and r[2] in kinds and is_ok(r[2], r[3])]
    return (min(times) - since) if times else None


def all_ok_after(load: Load, since: float, kinds) -> float | None:
    """Seconds from `since` to the start of the final run of successes of every kind (no failure after)."""
    last_fail = since
    for r in load.rec.rows:
        if r[0] >= since and r[2] in kinds and not is_ok(r[2], r[3]):
            last_fail = max(last_fail, r[0])
    later = [r[0] for r in load.rec.rows if r[0] > last_fail and r[2] in kinds]
    return (last_fail - since) if later else None


VERIFY = r'''
import json
from collections import Counter
from htxconnect.resolver.models import Lot
from htxconnect.trace.models import EPCISEvent
codes = json.loads(open("{path}").read())
lots = Counter(Lot.objects.filter(code__in=codes["form"]).values_list("code", flat=True))
events = Counter(EPCISEvent.objects.filter(event_id__in=codes["epcis"]).values_list("event_id", flat=True))
print(json.dumps({{"form": lots, "epcis": events}}))
'''


def verify_writes(stack: dict, load: Load) -> dict:
    """Every write: answered success → stored exactly once; answered 503 → not stored at all."""
    attempts = {"form": {}, "epcis": {}}
    for row in load.rec.rows:
        if row[2] in attempts and row[5]:
            attempts[row[2]][row[5]] = row[3]
    path = Path(stack["logs"]) / f"drill-{load.run_id}-markers.json"
    path.write_text(json.dumps({k: sorted(v) for k, v in attempts.items()}))
    stored = json.loads(django_shell(stack, VERIFY.format(path=path)))
    result = {}
    for kind, sent in attempts.items():
        counts = stored[kind]
        ok = [m for m, status in sent.items() if is_ok(kind, status)]
        refused = [m for m, status in sent.items() if status == 503]
        unknown = [m for m, status in sent.items() if not is_ok(kind, status) and status != 503]
        missing = [m for m in ok if counts.get(m, 0) == 0]
        duplicated = [m for m in sent if counts.get(m, 0) > 1]
        half = [m for m in refused if counts.get(m, 0) > 0]
        result[kind] = {"sent": len(sent), "succeeded": len(ok), "refused_503": len(refused), "other": len(unknown),
                        "missing": missing, "duplicated": duplicated, "stored_after_503": half,
                        "other_stored": sum(1 for m in unknown if counts.get(m, 0))}
        print(f"writes {kind:<6}: sent {len(sent)}, succeeded {len(ok)} (stored exactly once: "
              f"{len(ok) - len(missing) - len([m for m in ok if counts.get(m, 0) > 1])}), refused 503 {len(refused)} "
              f"(stored anyway: {len(half)}), other {len(unknown)} (stored: {result[kind]['other_stored']}); "
              f"missing {len(missing)}, duplicated {len(duplicated)}")
    return result


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}×" if b else "—"


def mean(values):
    return statistics.fmean(values) if values else float("nan")
