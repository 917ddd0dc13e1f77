"""Load test of the production stack (`make prod-up`): a realistic mix of routes through nginx,
with wrk (one wrk per route, Lua scripts written here), against nginx serving a static file in the
same run. Loopback only; bounded in time.

    python bench/load/run.py [--seconds 5] [--mix-seconds 20] [--connections 24]   # make load
    python bench/load/run.py --minutes 10 [--connections 8] [--rss-bound-mb 50]     # make soak

Routes (what people and machines do): the public scan page of a lot (nginx's cache), a scan of a
serialised item (every request a different serial: the resolver records the scan), the portal,
the public directory search, two list pages of a signed-in cooperative manager, EPCIS capture
(API key, every request a new event) and query, and event check-in (a staff session past
two-factor, every request another ticket).

Load mode: nginx's static file alone, then each route alone, then all routes at once; printed per
route: requests/s, p50/p95/p99, errors (socket errors, timeouts and any answer other than the
route's expected status), and the ratio of its requests/s and p99 to the static file's.
Soak mode (--minutes N): the mix for N minutes; the resident memory (RSS, from /proc) of every
Granian process is sampled every --rss-every seconds; after --warmup seconds its growth must stay
under --rss-bound-mb per process, and there must be no error. Exit 1 when the soak fails.

Needs var/prod/stack.json (`make prod-up`; exit 2 without it) and wrk (scripts/install_bench_deps.sh).
It adds to the stack's database: API keys and a session for the demo cooperative manager, an
agency "Đo tải" with an officer, an event with 300 registrations, captured EPCIS events and scans.

API keys: each key may make the stack's API_KEY_RATE_LIMIT requests per API_KEY_RATE_WINDOW seconds
(accounts.apikeys; 1,200 a minute by default), far below what one wrk drives. The EPCIS routes rotate
over enough keys of the same manager for --api-rate requests a second (default 2,000) to stay under
each key's limit, as a province's many scanners would; a refusal (429) counts as an error. The keys
are issued once and kept, with the stack's other secrets, in load-api-keys.json beside stack.json.
Sessions are sent under the stack's cookie names (__Host-sessionid, __Host-csrftoken in production).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_STACK = ROOT / "var" / "prod" / "stack.json"

PREPARE = r'''
import json, datetime
from django.conf import settings
from django.test import Client
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from htxconnect.accounts.apikeys import issue_key
from htxconnect.accounts.models import Agency, User
from htxconnect.core.actors import SYSTEM
from htxconnect.core.roles import Role
from htxconnect.events import services, tickets
from htxconnect.events.models import Event
from htxconnect.resolver.models import Lot

import sys
given = json.loads(sys.stdin.read() or "{}")  # from bench/load/run.py: not on the command line
API_RATE, KNOWN_KEYS = float(given.get("api_rate", 2000)), given.get("known_keys", [])
out = {"session_cookie": settings.SESSION_COOKIE_NAME, "csrf_cookie": settings.CSRF_COOKIE_NAME,
       "rate_limit": settings.API_KEY_RATE_LIMIT, "rate_window": settings.API_KEY_RATE_WINDOW}
lot = Lot.objects.filter(product__gtin__gt="").select_related("product").order_by("pk").first()
if lot is None:
    raise SystemExit("no lot with a GTIN: the stack has no demo data (make prod-up without --no-demo)")
out["gtin"], out["lot"] = lot.product.gtin, lot.code

def session_of(user, device=None):
    client = Client()
    client.force_login(user)
    if device is not None:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client.cookies[settings.SESSION_COOKIE_NAME].value

coop = User.objects.get(username="htx.oithanhkien")  # the demo cooperative manager (not staff: no 2FA)
out["coop_session"] = session_of(coop)
# Enough keys for API_RATE requests a second within each key's limit (bench/load/run.py's docstring);
# the keys of earlier runs (KNOWN_KEYS) are used again while they are valid.
import math
from htxconnect.accounts.apikeys import check_key
limit, window = settings.API_KEY_RATE_LIMIT, settings.API_KEY_RATE_WINDOW
wanted = 1 if limit <= 0 else math.ceil(API_RATE * window / (limit * 0.8))  # 20 % margin: windows start unaligned
keys = [raw for raw in KNOWN_KEYS if check_key(raw)[0] is not None and check_key(raw)[0].user_id == coop.pk][:wanted]
keys += [issue_key(coop, "bench/load", by=SYSTEM)[1] for _ in range(wanted - len(keys))]
out["api_keys"] = keys

agency, _ = Agency.objects.get_or_create(short_name="Đo tải", defaults=dict(
    name="Sở KH&CN (đo tải / load test)", kind=Agency.Kind.DOST, province_code="79",
    province_name="Thành phố Hồ Chí Minh"))
officer = User.objects.filter(username="dotai.canbo").first() or User.objects.create_user(
    username="dotai.canbo", password=None, role=Role.OFFICER, agency=agency)
device = TOTPDevice.objects.filter(user=officer).first() or TOTPDevice.objects.create(
    user=officer, name="default", confirmed=True)
out["officer_session"] = session_of(officer, device)
today = timezone.localdate()
event = Event.objects.filter(agency=agency, title="Lớp đo tải", starts_on=today).first()
if event is None:
    start = timezone.make_aware(datetime.datetime.combine(today, datetime.time(0, 1)))
    event = services.create_event(actor=SYSTEM, agency=agency, kind="course", title="Lớp đo tải", starts_on=today,
                                  ends_on=today, venue="Hội trường",
                                  sessions=[(start, start + datetime.timedelta(hours=23, minutes=58), "")])
    services.publish_event(actor=SYSTEM, event_id=event.pk)
    for i in range(300):
        services.register(actor=SYSTEM, event_id=event.pk, consent=True, source="import",
                          registrant=services.Registrant(f"Học viên đo tải {i:04d}", f"08{i:08d}"))
out["event"], out["event_session"] = event.pk, event.sessions.order_by("pk").first().pk
out["tickets"] = [tickets.ticket_token(r) for r in event.registrations.order_by("pk")]
print("PREPARED " + json.dumps(out))
'''

LUA = r'''
-- Written by bench/load/run.py for the route "{name}".
local expected = {{ {expected} }}
local threads = {{}}
local counter = 0
bad = 0  -- global: done() reads each thread's count with thread:get("bad")
local thread_id = 0
local run = "{run}"
local tickets = {{ {tickets} }}
local keys = {{ {keys} }}
local terms = {{ {terms} }}

setup = function(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

init = function(args)
  thread_id = id or 0
end

request = function()
  counter = counter + 1
  local path = "{path}"
  local body = nil
  if #keys > 0 then wrk.headers["Authorization"] = "Bearer " .. keys[(counter + thread_id) % #keys + 1] end
  {build}
  return wrk.format("{method}", path, nil, body)
end

response = function(status, headers, body)
  if not expected[status] then bad = bad + 1 end
end

done = function(summary, latency, requests)
  local unexpected = 0
  for _, t in ipairs(threads) do unexpected = unexpected + (t:get("bad") or 0) end
  local e = summary.errors
  io.write(string.format(
    'LOADJSON {{"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d,' ..
    '"status":%d,"unexpected":%d,"p50":%.1f,"p95":%.1f,"p99":%.1f,"max":%.1f}}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.timeout, e.status, unexpected,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
'''


@dataclass
class Route:
    name: str
    path: str
    weight: int
    expected: tuple = (200,)
    method: str = "GET"
    headers: dict = field(default_factory=dict)
    build: str = ""  # Lua that changes `path` / sets `body` per request
    tickets: list = field(default_factory=list)
    terms: list = field(default_factory=list)
    keys: list = field(default_factory=list)  # API keys, one per request in turn (Authorization)
    sample_path: str = ""  # what check_routes asks once before the load (default: path)
    sample_body: bytes | None = None

    def lua(self, run: str) -> str:
        return LUA.format(
            name=self.name, run=run, path=self.path, method=self.method, build=self.build or "",
            expected=", ".join(f"[{code}] = true" for code in self.expected),
            tickets=", ".join(json.dumps(t) for t in self.tickets), terms=", ".join(json.dumps(t) for t in self.terms),
            keys=", ".join(json.dumps(k) for k in self.keys))


@dataclass
class Result:
    rps: float
    p50: float
    p95: float
    p99: float
    errors: int
    requests: int


def fail(message: str, code: int = 2):
    print(message, file=sys.stderr)
    raise SystemExit(code)


def load_stack(path: Path) -> dict:
    if not path.exists():
        fail(f"Chưa có bộ máy chạy thật: {path} không có. Chạy `make prod-up` trước.\n"
             f"(No production stack: {path} is missing. Run `make prod-up` first.)")
    return json.loads(path.read_text())


def http(url: str, headers: dict | None = None, data: bytes | None = None, method: str | None = None):
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=60) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), dict(exc.headers)


def prepare(stack: dict, api_rate: float, keys_file: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_", "SECRET_KEY"))}
    env.update(stack["env"])
    python = stack.get("python") or sys.executable
    known = json.loads(keys_file.read_text()) if keys_file.exists() else []
    out = subprocess.run([python, "manage.py", "shell", "-c", PREPARE], cwd=stack.get("root") or ROOT, env=env,
                         input=json.dumps({"api_rate": api_rate, "known_keys": known}),
                         capture_output=True, text=True, timeout=900)
    line = next((x for x in out.stdout.splitlines() if x.startswith("PREPARED ")), None)
    if out.returncode != 0 or line is None:
        fail("preparing the load-test data failed:\n" + out.stdout[-2000:] + out.stderr[-4000:], 1)
    data = json.loads(line[len("PREPARED "):])
    if data["api_keys"] != known:
        keys_file.touch(mode=0o600)
        keys_file.write_text(json.dumps(data["api_keys"]))
    return data


def static_reference(stack: dict, base: str, size_like: int) -> str:
    """A file nginx serves from STATIC_ROOT, of about the size of the scan page."""
    root = Path(stack.get("static_root") or stack["env"]["STATIC_ROOT"])
    hashed = re.compile(r".+\.[0-9a-f]{12}\.(css|js|svg|png|woff2)$")
    files = [p for p in root.rglob("*") if p.is_file() and hashed.match(p.name)]
    if not files:
        fail(f"no collected static files under {root}")
    best = min(files, key=lambda p: abs(p.stat().st_size - size_like))
    path = "/static/" + best.relative_to(root).as_posix()
    status, body, _headers = http(base + path)
    if status != 200:
        fail(f"nginx does not serve {path} ({status})")
    return path


def routes_for(data: dict) -> list[Route]:
    gtin, lot, keys = data["gtin"], data["lot"], data["api_keys"]
    session, csrf_cookie = data["session_cookie"], data["csrf_cookie"]
    coop = {"Cookie": f"{session}={data['coop_session']}"}
    csrf = secrets.token_hex(16)
    officer = {"Cookie": f"{session}={data['officer_session']}; {csrf_cookie}={csrf}", "X-CSRFToken": csrf,
               "Content-Type": "application/json"}
    api = {"Authorization": f"Bearer {keys[0]}"}  # check_routes' request; wrk takes each key in turn
    capture_body = (
        '{"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],"type":"EPCISDocument",'
        '"schemaVersion":"2.0","creationDate":"2026-11-27T08:00:00+07:00","epcisBody":{"eventList":[{'
        '"type":"ObjectEvent","eventID":"urn:uuid:%s-%04x-4000-8000-%012x","eventTime":"2026-11-27T08:00:00+07:00",'
        '"eventTimeZoneOffset":"+07:00","action":"OBSERVE","bizStep":"shipping","disposition":"in_transit",'
        '"epcList":["urn:epc:id:sgtin:893000000.0001.LOAD-%d-%d"],'
        '"readPoint":{"id":"urn:epc:id:sgln:893000000.001.0"}}]}}')
    return [
        Route("scan page (lot, nginx cache)", f"/scan/01/{gtin}/10/{lot}/", 4, headers={"Accept-Language": "vi"}),
        Route("scan by serial (resolver, new serial)", f"/01/{gtin}/10/{lot}/21/", 3, expected=(307,),
              build='path = path .. string.format("%d%07d", thread_id, counter)', sample_path=f"/01/{gtin}/10/{lot}/21/1"),
        Route("portal home", "/", 2),
        Route("directory search", "/registry/public/?q=", 2, terms=["oi", "lua", "ca phe", "rau", "htx"],
              build="path = path .. terms[(counter % #terms) + 1]:gsub(' ', '+')", sample_path="/registry/public/?q=oi"),
        Route("lots list (signed in)", "/trace/lots/", 1, headers=coop),
        Route("market, mine (signed in)", "/market/mine/", 1, headers=coop),
        Route("EPCIS capture (API key)", "/epcis/capture", 1, expected=(202,), method="POST",
              headers={**api, "Content-Type": "application/ld+json"},
              build=f"body = string.format({json.dumps(capture_body)}, run, thread_id, counter, thread_id, counter)",
              keys=keys,
              sample_body=(capture_body % (secrets.token_hex(4), 0, 0, 0, 0)).encode()),
        Route("EPCIS query (API key)", "/epcis/events?perPage=20", 1, headers=api, keys=keys),
        Route("event check-in", f"/events/{data['event']}/checkin/sync/", 1, method="POST", headers=officer,
              tickets=data["tickets"],
              build=('local t = tickets[(counter % #tickets) + 1]\n'
                     f'  body = string.format(\'{{"device":"load-%d","items":[{{"id":"%s-%d-%d","session":{data["event_session"]},'
                     '"token":"%s"}]}\', thread_id, run, thread_id, counter, t)'),
              sample_body=b'{"device":"check","items":[]}'),
    ]


def check_routes(base: str, routes: list[Route]) -> None:
    """One request each before measuring: a wrong status now is a set-up error, not load."""
    for route in routes:
        status, body, _h = http(base + (route.sample_path or route.path), headers=route.headers, method=route.method,
                                data=route.sample_body)
        if status not in route.expected:
            fail(f"{route.name}: {route.method} {route.sample_path or route.path} answered {status} before the load "
                 f"(expected {route.expected}):\n{body[:500]!r}", 1)


def wrk(base: str, route: Route, run: str, seconds: float, connections: int, tmp: Path) -> subprocess.Popen:
    script = tmp / f"{abs(hash(route.name))}.lua"
    script.write_text(route.lua(run))
    command = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "10s", "-s", str(script)]
    for name, value in route.headers.items():
        command += ["-H", f"{name}: {value}"]
    return subprocess.Popen(command + [base + "/"],  # request() gives each request its own path
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def collect(process: subprocess.Popen, name: str) -> Result:
    out, err = process.communicate()
    line = next((x for x in out.splitlines() if x.startswith("LOADJSON ")), None)
    if process.returncode != 0 or line is None:
        fail(f"wrk failed for {name}:\n{out[-1500:]}\n{err[-1500:]}", 1)
    data = json.loads(line[len("LOADJSON "):])
    seconds = data["duration_us"] / 1e6
    errors = data["connect"] + data["read"] + data["write"] + data["timeout"] + data["unexpected"]
    return Result(rps=data["requests"] / seconds if seconds else 0.0, p50=data["p50"] / 1000, p95=data["p95"] / 1000,
                  p99=data["p99"] / 1000, errors=errors, requests=data["requests"])


def measure(base, route, run, seconds, connections, tmp) -> Result:
    return collect(wrk(base, route, run, seconds, connections, tmp), route.name)


def measure_mix(base, routes, run, seconds, connections, tmp) -> dict[str, Result]:
    total = sum(r.weight for r in routes)
    share = {r.name: max(1, round(connections * r.weight / total)) for r in routes}
    processes = {r.name: wrk(base, r, run, seconds, share[r.name], tmp) for r in routes}
    return {name: collect(p, name) for name, p in processes.items()}


# --- memory of the app processes ------------------------------------------------------------------


def children_of() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def granian_processes(stack: dict) -> dict[int, str]:
    """pid → label for every Granian process of the stack (the app servers and their workers)."""
    tree = children_of()
    found = {}
    for name, pid in (stack.get("pids") or {}).items():
        if not name.startswith("app"):
            continue
        todo = [(pid, name)]
        while todo:
            current, label = todo.pop()
            found[current] = label
            todo += [(child, f"{name} worker") for child in tree.get(current, [])]
    return found


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


class RssSampler(threading.Thread):
    def __init__(self, stack: dict, every: float):
        super().__init__(daemon=True)
        self.stack, self.every = stack, every
        self.samples: list[tuple[float, dict[int, float]]] = []
        self.labels: dict[int, str] = {}
        self.stop = threading.Event()

    def run(self):
        start = time.monotonic()
        while True:
            procs = granian_processes(self.stack)
            self.labels.update(procs)
            self.samples.append((time.monotonic() - start, {pid: mb for pid in procs if (mb := rss_mb(pid)) is not None}))
            if self.stop.wait(self.every):
                return


def print_table(title: str, rows: list[tuple[str, Result]], static: Result | None):
    print(f"\n{title}")
    print(f"  {'route':<40} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}"
          + (f" {'×static':>8} {'p99/static':>10}" if static else ""))
    for name, r in rows:
        extra = ""
        if static:
            extra = f" {r.rps / static.rps if static.rps else 0:8.3f} {r.p99 / static.p99 if static.p99 else 0:10.1f}"
        print(f"  {name:<40} {r.rps:8.0f} {r.p50:8.1f} {r.p95:8.1f} {r.p99:8.1f} {r.errors:7d}{extra}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stack", type=Path, default=DEFAULT_STACK)
    parser.add_argument("--seconds", type=float, default=5, help="each route alone, and the static file")
    parser.add_argument("--mix-seconds", type=float, default=20, help="all routes at once")
    parser.add_argument("--connections", type=int, default=None, help="load: 24; soak: 8")
    parser.add_argument("--minutes", type=float, default=0, help="soak: the mix for this long, memory sampled")
    parser.add_argument("--warmup", type=float, default=60, help="soak: seconds before the memory baseline")
    parser.add_argument("--rss-every", type=float, default=10)
    parser.add_argument("--rss-bound-mb", type=float, default=50, help="soak: allowed growth per Granian process")
    parser.add_argument("--api-rate", type=float, default=2000,
                        help="EPCIS requests a second the API keys must allow together (their number follows)")
    args = parser.parse_args(argv)
    soak = args.minutes > 0
    connections = args.connections or (8 if soak else 24)
    if not shutil.which("wrk"):
        fail("wrk is not installed: scripts/install_bench_deps.sh (as root) or apt-get install wrk")
    stack = load_stack(args.stack)
    base = stack.get("base_url") or f"http://127.0.0.1:{stack['nginx_port']}"
    host = base.split("//", 1)[1].split(":")[0]
    if host not in ("127.0.0.1", "localhost", "::1"):
        fail(f"loopback only: {base} is not this machine")
    status, _b, _h = http(base + "/readyz")
    if status != 200:
        print(f"WARNING: /readyz answers {status} before the load")

    data = prepare(stack, args.api_rate, args.stack.parent / "load-api-keys.json")
    routes = routes_for(data)
    check_routes(base, routes)
    run = secrets.token_hex(4)
    scan_status, scan_page, _h = http(base + routes[0].path, headers={"Accept-Language": "vi"})
    static_route = Route("nginx static file", static_reference(stack, base, len(scan_page)), 0)
    tmp = Path(tempfile.mkdtemp(prefix="htx-load-"))
    apps = [n for n in (stack.get("pids") or {}) if n.startswith("app")]
    print(f"HTX Connect load test — {time.strftime('%Y-%m-%d %H:%M:%S %Z')} — {base}, "
          f"{len(apps)} app server(s), {len(granian_processes(stack)) - len(apps)} Granian worker processes in all, "
          f"{os.cpu_count()} CPUs, wrk, {connections} connections; static reference {static_route.path} "
          f"({len(http(base + static_route.path)[1])} bytes; scan page {len(scan_page)} bytes)")
    limit = f"{data['rate_limit']} per {data['rate_window']} s each" if data["rate_limit"] > 0 else "no limit"
    print(f"EPCIS routes: {len(data['api_keys'])} API key(s) in turn ({limit}: room for {args.api_rate:g} requests/s)")
    print(f"load average before: {' '.join(Path('/proc/loadavg').read_text().split()[:3])}")
    measure_mix(base, routes, secrets.token_hex(4), 3, connections, tmp)  # warm-up: caches, connections, imports

    if not soak:
        static_runs = [measure(base, static_route, run, args.seconds, connections, tmp)]
        alone = [(r.name, measure(base, r, run, args.seconds, connections, tmp)) for r in routes]
        static_runs.append(measure(base, static_route, run, args.seconds, connections, tmp))
        static = Result(rps=sum(s.rps for s in static_runs) / 2, p50=max(s.p50 for s in static_runs),
                        p95=max(s.p95 for s in static_runs), p99=max(s.p99 for s in static_runs),
                        errors=sum(s.errors for s in static_runs), requests=sum(s.requests for s in static_runs))
        print_table(f"Each route alone, {args.seconds:g} s, {connections} connections "
                    f"(static: mean of a run before and after)", [(static_route.name, static), *alone], static)
        mix = measure_mix(base, routes, secrets.token_hex(4), args.mix_seconds, connections, tmp)
        total = Result(rps=sum(r.rps for r in mix.values()), p50=0, p95=0, p99=max(r.p99 for r in mix.values()),
                       errors=sum(r.errors for r in mix.values()), requests=sum(r.requests for r in mix.values()))
        print_table(f"All routes at once, {args.mix_seconds:g} s, {connections} connections shared by weight",
                    list(mix.items()), None)
        print(f"  {'total':<40} {total.rps:8.0f} {'':>8} {'':>8} {total.p99:8.1f} {total.errors:7d}"
              f"   ({total.rps / static.rps:.3f}× the static file alone)")
        errors = sum(r.errors for _n, r in alone) + total.errors
        print(f"\nerrors: {errors} (socket errors, timeouts, answers other than each route's expected status)")
        print(f"load average after: {' '.join(Path('/proc/loadavg').read_text().split()[:3])}")
        return 0

    seconds = args.minutes * 60
    sampler = RssSampler(stack, args.rss_every)
    sampler.start()
    print(f"soak: the mix for {args.minutes:g} min; RSS of the Granian processes every {args.rss_every:g} s, "
          f"baseline after {args.warmup:g} s, bound {args.rss_bound_mb:g} MB growth per process")
    mix = measure_mix(base, routes, secrets.token_hex(4), seconds, connections, tmp)
    sampler.stop.set()
    sampler.join()
    print_table(f"Soak, {args.minutes:g} min, {connections} connections", list(mix.items()), None)
    errors = sum(r.errors for r in mix.values())
    total_rps = sum(r.rps for r in mix.values())
    print(f"  {'total':<40} {total_rps:8.0f} req/s, {sum(r.requests for r in mix.values())} requests, {errors} errors")
    baseline = next((s for s in sampler.samples if s[0] >= args.warmup), sampler.samples[0])
    first, last = sampler.samples[0], sampler.samples[-1]
    print(f"\nRSS of the Granian processes (MB): at start, after warm-up ({baseline[0]:.0f} s), at the end ({last[0]:.0f} s)")
    worst = 0.0
    for pid in sorted(set(baseline[1]) | set(last[1])):
        start, warm, end = first[1].get(pid), baseline[1].get(pid), last[1].get(pid)
        if warm is None or end is None:
            print(f"  {pid:>7} {sampler.labels.get(pid, '?'):<24} {'replaced during the soak (respawned or new)':>40}")
            continue
        growth = end - warm
        peak = max(s[1].get(pid, 0) for s in sampler.samples if s[0] >= baseline[0])
        worst = max(worst, growth)
        print(f"  {pid:>7} {sampler.labels.get(pid, '?'):<24} {start or 0:8.1f} {warm:8.1f} {end:8.1f}  "
              f"growth {growth:+7.1f}  peak {peak:8.1f}")
    total_warm, total_end = sum(baseline[1].values()), sum(last[1].values())
    print(f"  {'all':>7} {'':<24} {sum(first[1].values()):8.1f} {total_warm:8.1f} {total_end:8.1f}  "
          f"growth {total_end - total_warm:+7.1f}")
    ok = errors == 0 and worst < args.rss_bound_mb
    print(f"\nsoak {'PASSED' if ok else 'FAILED'}: {errors} errors (must be 0); worst growth after warm-up "
          f"{worst:+.1f} MB per process (bound {args.rss_bound_mb:g} MB)")
    print(f"load average after: {' '.join(Path('/proc/loadavg').read_text().split()[:3])}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
