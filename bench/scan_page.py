"""Scan-page benchmark (issue 14 part 4): the public scan page served by nginx as a file,
against nginx serving a static file of the same size in the same run (aim ≥ 0.95× its req/s, p99
within 1.5× of its p99); a round in which every request is another serial of the lot (the
Digital Link /01/…/21/<serial> nginx cannot serve, answered by Django's fast path; aim ≥ 0.1×
static), every one of them counted; the scan page from Django alone; and the seconds until a
recall shows through nginx under load (aim ≤ 2 s).

The production set-up, made here and torn down at the end:
- PostgreSQL: a throw-away database `bench_scan_<pid>` on the server of DATABASE_URL (default
  postgres://postgres@127.0.0.1:5432), created and dropped here; SQLite only when no PostgreSQL
  server answers (said so in the output);
- Redis: REDIS_URL, default redis://127.0.0.1:6379/15 (a `redis-server` is started on a free port
  when nothing answers there; the local-memory cache when there is no Redis at all);
- Granian with several workers running htxconnect.wsgi (with the fast path), SCAN_PAGE_ROOT and
  SCAN_SPOOL_DIR in the run's directory; nginx in front with the scan parts of
  deploy/nginx/htxconnect.conf taken as they are (between its BEGIN/END marks), plus, to compare,
  the former proxy-cache location (`/_proxy_cache/…`, --compare-proxy-cache);
- load: `wrk` (2 threads, 50 connections) when installed (`make bench` installs it when root:
  scripts/install_bench_deps.sh), else a Python load generator (several processes with
  keep-alive connections).

    python bench/scan_page.py [--seconds 5] [--rounds 3] [--clients 50] [--workers 2] [--blocking-threads N]
                              [--threads 2] [--python-load]
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from htxconnect.core.machine import children, cpu_seconds, free_port, wait_listening  # noqa: E402 - no Django: settings stay unread

sys.path.insert(0, str(ROOT / "scripts"))
import prodstack  # noqa: E402 - the scan-page parts of deploy/nginx/htxconnect.conf, as make prod-up maps them

PY = sys.executable


def _client(args):
    """One process: `connections` threads, each with its own keep-alive connection."""
    import threading

    port, path, seconds, connections = args
    latencies: list[float] = []
    end = time.perf_counter() + seconds
    counter = iter(range(10**9))

    def run():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine = []
        prefix = f"{os.getpid()}{threading.get_ident() % 1000}"
        while time.perf_counter() < end:
            start = time.perf_counter()
            try:
                target = path.replace("{n}", f"{prefix}{next(counter)}"[-20:]) if "{n}" in path else path
                conn.request("GET", target, headers={"Accept-Language": "vi"})
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                continue
            if response.status in (200, 307):
                mine.append(time.perf_counter() - start)
        latencies.extend(mine)

    threads = [threading.Thread(target=run) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies


def load(port: int, path: str, seconds: float, clients: int) -> tuple[float, float, int]:
    """The Python load generator: requests/s, p99 (ms) and the number of answers."""
    processes = min(clients, max(2, os.cpu_count() or 2))
    per = max(1, clients // processes)
    with multiprocessing.Pool(processes) as pool:
        results = pool.map(_client, [(port, path, seconds, per)] * processes)
    latencies = sorted(x for r in results for x in r)
    if not latencies:
        return 0.0, float("nan"), 0
    return len(latencies) / seconds, latencies[int(len(latencies) * 0.99) - 1] * 1000, len(latencies)


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


SERIALS_LUA = """
-- every request another serial: thread number, then a counter
local threads = 0
function setup(thread) threads = threads + 1; thread:set("id", threads) end
function init(args) n = 0; prefix = args[1] end
function request()
  n = n + 1
  return wrk.format("GET", prefix .. id .. string.format("%08d", n), {["Accept-Language"] = "vi"})
end
"""


def wrk(port: int, path: str, seconds: float, clients: int, threads: int, *, tmp: Path | None = None,
        cpu: str = "") -> tuple:
    """wrk's requests/s and p99 (ms) (and its request count); error answers make the run fail loudly.
    A path with "{n}" gets another serial for every request (a Lua script). `cpu`: the CPUs wrk may
    run on (taskset), so that it does not take nginx's."""
    command = (["taskset", "-c", cpu] if cpu else []) + ["wrk", f"-t{threads}", f"-c{clients}", f"-d{max(1, round(seconds))}s", "--latency",
               "-H", "Accept-Language: vi"]
    if "{n}" in path:
        script = (tmp or Path(tempfile.gettempdir())) / "serials.lua"
        script.write_text(SERIALS_LUA)
        command += ["-s", str(script), f"http://127.0.0.1:{port}/", "--", path.split("{n}")[0]]
    else:
        command.append(f"http://127.0.0.1:{port}{path}")
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in out:
        raise SystemExit(f"wrk got error answers from {path}:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    value, unit = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M).groups()
    count = int(re.search(r"(\d+) requests in", out).group(1))
    return rps, float(value) * _UNITS[unit], count


NGINX_CONF = """
worker_processes {nginx_workers};
{affinity}
pid {tmp}/nginx.pid;
error_log {tmp}/error.log;
{user}
events {{ worker_connections 4096; multi_accept on; }}
http {{
  {mime}
  access_log off;
  sendfile on; tcp_nopush on; tcp_nodelay on;
  keepalive_requests 100000;
  open_file_cache max=1000 inactive=60s;  # static file: no open()/stat() per request
  open_file_cache_valid 5s;
  client_body_temp_path {tmp}/body; proxy_temp_path {tmp}/proxy; fastcgi_temp_path {tmp}/fcgi;
  uwsgi_temp_path {tmp}/uwsgi; scgi_temp_path {tmp}/scgi;
  proxy_cache_path {tmp}/cache levels=1:2 keys_zone=htx_scan:10m max_size=100m inactive=10m use_temp_path=off;
  proxy_cache_path {tmp}/cache-old levels=1:2 keys_zone=htx_scan_old:10m max_size=100m inactive=10m use_temp_path=off;
  # deploy/nginx/htxconnect.conf, scan-page maps
{maps}
  upstream htxconnect_app {{ server 127.0.0.1:{app}; keepalive 32; }}
  server {{
    listen 127.0.0.1:{port} reuseport backlog=4096;
    location = /static-same-size.html {{ root {tmp}/www; }}
    # the same file with the scan page's headers added (CSP, cache-control…): the same bytes on the wire
    location = /static-same-headers.html {{ root {tmp}/www; {same_headers} }}
    # deploy/nginx/htxconnect.conf, scan-page locations
{locations}
    # Before (deploy/nginx/htxconnect.conf until issue 14): the scan page from nginx's proxy cache.
    location /_proxy_cache/ {{
      rewrite ^/_proxy_cache(/.*)$ $1 break;
      proxy_pass http://htxconnect_app;
      proxy_http_version 1.1; proxy_set_header Connection ""; proxy_set_header Host $host;
      proxy_cache htx_scan_old;
      proxy_cache_key "$scheme$host$uri$htx_lang_cookie";
      proxy_cache_bypass $htx_session;
      proxy_no_cache $htx_session;
      proxy_cache_valid 200 1m;
      proxy_cache_lock on;
      proxy_cache_use_stale error timeout updating http_500 http_502 http_503 http_504;
      proxy_cache_background_update on;
      open_file_cache max=10000 inactive=60s;
      open_file_cache_valid 5s;
      add_header X-Cache-Status $upstream_cache_status always;
    }}
  }}
}}
"""


def _unit_blocking_threads() -> int:
    """Granian's threads per worker in production (without it Granian starts hundreds, which the
    GIL turns into waiting: the serial round's p99 went from tens to hundreds of milliseconds)."""
    unit = (ROOT / "deploy" / "systemd" / "htxconnect-web.service").read_text()
    found = re.search(r"^Environment=GRANIAN_BLOCKING_THREADS=(\d+)$", unit, re.M)
    return int(found.group(1)) if found else 4


def nginx_cpu_seconds(master_pid: int) -> float:
    """User + system CPU seconds of an nginx master and its workers."""
    return sum(cpu_seconds(pid) for pid in [master_pid, *children(master_pid)])


def pg_server() -> str:
    """The PostgreSQL server URL (without database) to make the throw-away database on, or ""."""
    url = os.environ.get("DATABASE_URL", "") or "postgres://postgres@127.0.0.1:5432/postgres"
    if not url.startswith("postgres"):
        return ""
    ok = subprocess.run(["psql", url, "-qAtc", "select 1"], capture_output=True, text=True)
    return url if ok.returncode == 0 else ""


def _redis_answers(url: str) -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except Exception:  # noqa: BLE001 — any failure means "no Redis there"
        return False


def _drop_stale_pages(url: str, gtin: str) -> None:
    """Pages of the bench's GTIN cached by an earlier run (same Redis, another database)."""
    import redis

    client = redis.Redis.from_url(url)
    keys = list(client.scan_iter(f"*resolver:page:{gtin}:*", count=1000))
    if keys:
        client.delete(*keys)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5, help="per measurement")
    parser.add_argument("--rounds", type=int, default=3, help="static / scan page alternations")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2, help="Granian workers")
    parser.add_argument("--blocking-threads", type=int, default=_unit_blocking_threads(),
                        help="Granian threads per worker (default: as deploy/systemd/htxconnect-web.service)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--nginx-workers", default="auto")
    parser.add_argument("--no-pin", dest="pin", action="store_false",
                        help="do not pin nginx (one worker) to CPU 0 and wrk to the other CPUs")
    parser.add_argument("--python-load", action="store_true", help="use the Python load generator even if wrk is there")
    parser.add_argument("--no-compare-proxy-cache", dest="compare", action="store_false",
                        help="skip the round of the former proxy-cache set-up")
    args = parser.parse_args(argv)
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        print("SKIP: nginx is not installed")
        return 0
    use_wrk = bool(shutil.which("wrk")) and not args.python_load
    # nginx and wrk on the same two cores take turns on them, and the scheduler's choices moved a
    # round's ratio by ±15 %. Pinned, nginx has one core to itself and the load generator the
    # others: the figure is what one nginx worker serves, for the page as for the static file.
    pin = args.pin and use_wrk and (os.cpu_count() or 1) >= 2 and bool(shutil.which("taskset"))
    if pin:
        args.nginx_workers = "1"
    wrk_cpus = f"1-{(os.cpu_count() or 2) - 1}" if pin else ""
    tmp = Path(tempfile.mkdtemp(prefix="htx-bench-scan-"))
    tmp.chmod(0o755)  # nginx workers (user nobody when started as root) read the files here

    def measure(port, path, seconds=None):
        seconds = seconds or args.seconds
        if use_wrk:
            return wrk(port, path, seconds, args.clients, args.threads, tmp=tmp, cpu=wrk_cpus)
        return load(port, path, seconds, args.clients)

    procs: list[subprocess.Popen] = []
    env = dict(os.environ, DJANGO_ENV="demo", DEBUG="false", SECRET_KEY="bench-" + "x" * 40,
               SECURE_COOKIES="true",  # production's cookie names, which deploy/nginx reads
               STATIC_ROOT=str(tmp / "static"), ALLOWED_HOSTS="*", TASK_BACKEND="immediate",
               SCAN_PAGE_ROOT=str(tmp / "scan-pages"), SCAN_SPOOL_DIR=str(tmp / "spool"))
    for name in ("SCAN_SPOOL_FSYNC_SECONDS", "SCAN_SPOOL_ROTATE_SECONDS", "SCAN_FAST_PATH"):
        env.pop(name, None)  # the production defaults
    server = pg_server()
    db_name = f"bench_scan_{os.getpid()}"
    if server:
        env["DATABASE_URL"] = server.rsplit("/", 1)[0] + "/" + db_name
        subprocess.run(["psql", server, "-qc", f"drop database if exists {db_name}"], check=False, capture_output=True)
        subprocess.run(["psql", server, "-qc", f"create database {db_name}"], check=True, capture_output=True)
    else:
        print("NOTE: no PostgreSQL server answers; SQLite used (not the production set-up)")
        env["DATABASE_URL"] = f"sqlite:///{tmp / 'bench.sqlite3'}"
    manage = [PY, str(ROOT / "manage.py")]

    def shell(code):
        done = subprocess.run(manage + ["shell", "-c", code], env=env, cwd=ROOT, capture_output=True, text=True)
        if done.returncode:
            raise SystemExit(f"manage.py shell failed:\n{done.stderr}")
        return done.stdout.strip().splitlines()[-1]

    try:
        redis_url = os.environ.get("REDIS_URL", "") or "redis://127.0.0.1:6379/15"
        if not _redis_answers(redis_url):
            redis_url = ""
            if shutil.which("redis-server"):
                redis_port = free_port()
                procs.append(subprocess.Popen(["redis-server", "--port", str(redis_port), "--save", "",
                                               "--appendonly", "no"], stdout=subprocess.DEVNULL,
                                              stderr=subprocess.DEVNULL))
                wait_listening(redis_port)
                redis_url = f"redis://127.0.0.1:{redis_port}/0"
        if redis_url:
            env["REDIS_URL"] = redis_url
        else:
            env.pop("REDIS_URL", None)
            print("NOTE: no Redis; the local-memory cache is used (not the production set-up)")
        subprocess.run(manage + ["migrate", "-v0"], env=env, check=True, cwd=ROOT)
        subprocess.run(manage + ["collectstatic", "--noinput", "-v0"], env=env, check=True, cwd=ROOT)
        path = shell(SETUP)
        gtin = path.split("/")[3]
        serial_path = f"/01/{gtin}/10/BENCH-01/21/{{n}}"
        if redis_url:
            _drop_stale_pages(redis_url, gtin)
        app_port, port = free_port(), free_port()
        granian = subprocess.Popen([str(Path(PY).parent / "granian"), "--interface", "wsgi", "--host", "127.0.0.1",
                                    "--port", str(app_port), "--workers", str(args.workers), "--backlog", "2048",
                                    "--blocking-threads", str(args.blocking_threads),
                                    "htxconnect.wsgi:application"],
                                   env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(granian)
        wait_listening(app_port, timeout=300)
        conn = http.client.HTTPConnection("127.0.0.1", app_port, timeout=120)
        conn.request("GET", path, headers={"Accept-Language": "vi"})
        first = conn.getresponse()
        page = first.read()
        (tmp / "www").mkdir()
        (tmp / "www" / "static-same-size.html").write_bytes(page)
        (tmp / "www" / "static-same-headers.html").write_bytes(page)
        skip = {"content-type", "content-length", "date", "server", "connection", "etag"}
        same_headers = " ".join('add_header {} "{}";'.format(k, v.replace("\\", "\\\\").replace('"', '\\"'))
                                for k, v in first.getheaders() if k.lower() not in skip)
        same_headers += " add_header X-Cache-Status FILE;"
        conf = NGINX_CONF.format(tmp=tmp, app=app_port, port=port, nginx_workers=args.nginx_workers,
                                 affinity="worker_cpu_affinity 1;" if pin else "",
                                 same_headers=same_headers, maps=prodstack.site_part("scan-page maps", tmp),
                                 locations=prodstack.site_part("scan-page locations", tmp),
                                 mime=prodstack.nginx_mime_types() or "types { text/html html; }",
                                 user=prodstack.nginx_user())
        (tmp / "nginx.conf").write_text(conf)
        procs.append(subprocess.Popen([nginx, "-c", str(tmp / "nginx.conf"), "-g", "daemon off;"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait_listening(port)
        database = env["DATABASE_URL"].split(":")[0]
        print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; scan page {path} ({len(page)} bytes), "
              f"{args.clients} clients, {args.seconds:g} s each, {args.workers} Granian workers × "
              f"{args.blocking_threads} threads, nginx workers "
              f"{args.nginx_workers}{' on CPU 0, wrk on the others' if pin else ''}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}, database "
              f"{database}, cache {'redis' if redis_url else 'locmem'}, load generator "
              f"{f'wrk -t{args.threads}' if use_wrk else 'python'}")
        # Warm up: the page file, Django's cache, the fast path's entry, the connections.
        for target_port, target in ((port, path), (app_port, path), (port, serial_path)):
            measure(target_port, target, 1)
        if args.compare:
            measure(port, "/_proxy_cache" + path, 1)

        def header(target, name):
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            c.request("GET", target, headers={"Accept-Language": "vi"})
            r = c.getresponse()
            r.read()
            return r.getheader(name)

        served_as = header(path, "X-Cache-Status")
        # Static file and scan page alternate, `--rounds` times: other work on the machine then
        # weighs on both alike. Figures: mean req/s, worst p99, and each round's ratio.
        rounds = {"static": [], "page": [], "same": [], "serials": [], "proxy": []}
        nginx_pid = procs[-1].pid
        cpu = {name: [0.0, 0] for name in rounds}  # nginx CPU seconds, requests answered

        def timed(name, target):
            before = nginx_cpu_seconds(nginx_pid)
            result = measure(port, target)
            cpu[name][0] += nginx_cpu_seconds(nginx_pid) - before
            cpu[name][1] += result[2]
            rounds[name].append(result)

        for _round in range(args.rounds):
            timed("static", "/static-same-size.html")
            timed("page", path)
            timed("same", "/static-same-headers.html")
            timed("serials", serial_path)
            if args.compare:
                timed("proxy", "/_proxy_cache" + path)

        def summary(name):
            rows = rounds[name]
            return sum(r[0] for r in rows) / len(rows), max(r[1] for r in rows)

        static_rps, static_p99 = summary("static")

        def line(label, name, aim=""):
            rps, p99 = summary(name)
            ratios = [r[0] / s[0] for r, s in zip(rounds[name], rounds["static"])]
            per_round = " ".join(f"{x:.2f}" for x in ratios)
            print(f"{label:34s}: {rps:8.0f} req/s  p99 {p99:6.1f} ms  = {rps / static_rps:.3f}× static "
                  f"(rounds {per_round}; median {statistics.median(ratios):.3f}), p99 {p99 / static_p99:.2f}× "
                  f"static's{aim}")

        # The load on the machine moves req/s; nginx's own CPU time per request (user + system,
        # every nginx process) moves far less: it says whether the page costs nginx more than the file.
        per_request = {name: 1e6 * seconds / count for name, (seconds, count) in cpu.items() if count}
        print("nginx CPU per request (µs, user + system): "
              + ", ".join(f"{name} {value:.1f}" for name, value in per_request.items())
              + f"; page/static {per_request['page'] / per_request['static']:.3f}")
        print(f"{'nginx static file (reference)':34s}: {static_rps:8.0f} req/s  p99 {static_p99:6.1f} ms")
        line(f"scan page via nginx [{served_as}]", "page", "  (aim ≥ 0.95×, p99 ≤ 1.5×)")
        line("static + the page's headers", "same")
        line("another serial per request", "serials", "  (aim ≥ 0.1×; Django fast path)")
        if args.compare:
            line("before: nginx proxy cache", "proxy")
        direct = measure(app_port, path)
        print(f"{'scan page, Django only (cache hit)':34s}: {direct[0]:8.0f} req/s  p99 {direct[1]:6.1f} ms  = "
              f"{direct[0] / static_rps:.3f}× static")
        direct_query = measure(app_port, path + "?lang=vi")
        print(f"{'  … with ?lang=vi (no fast path)':34s}: {direct_query[0]:8.0f} req/s  p99 {direct_query[1]:6.1f} ms"
              f"  = {direct_query[0] / static_rps:.3f}× static")
        # Freshness under load: recall the lot (the shell prints the commit time), then poll
        # through nginx until the banner shows.
        background = None
        if use_wrk:
            background = subprocess.Popen(["wrk", "-t1", "-c10", "-d60s", "-H", "Accept-Language: vi",
                                           f"http://127.0.0.1:{port}{path}"], stdout=subprocess.DEVNULL)
            time.sleep(2)
        committed = float(shell(RECALL))
        seen = None
        while time.time() - committed < 30:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            c.request("GET", path, headers={"Accept-Language": "vi"})
            if "THU HỒI".encode() in c.getresponse().read():
                seen = time.time() - committed
                break
            time.sleep(0.02)
        if background is not None:
            background.terminate()
            background.wait(10)
        if seen is None:
            print("recall NOT visible through nginx after 30 s (aim ≤ 2 s)")
        else:
            print(f"recall visible through nginx after {seen:.2f} s{' (under load)' if background else ''} (aim ≤ 2 s)")
        # Every serial scan answered is counted: stop the app (its spool files close), store them.
        answered = sum(r[2] for r in rounds["serials"])
        granian.send_signal(signal.SIGTERM)
        granian.wait(60)
        stored = int(shell("from htxconnect.resolver import spool; from htxconnect.resolver.models import ScanEvent;"
                           "spool.flush(); print(ScanEvent.objects.exclude(serial='').count())"))
        print(f"serial scans answered in the measured rounds: {answered}; stored after the flush (warm-up and "
              f"in-flight ones included): {stored} — {'none lost' if stored >= answered else 'LOST SOME'}")
        return 0
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
        if server:
            subprocess.run(["psql", server, "-qc", f"drop database if exists {db_name} with (force)"], check=False,
                           capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)


# The lot whose scan page is measured: five steps over the last three days.
SETUP = prodstack.scan_page_lot(username="bench", organization="HTX Đo Hiệu Năng", company_prefix="893999990",
                                product="Ổi đo hiệu năng", lot="BENCH-01",
                                steps=("harvest", "sort", "pack", "ship", "receive"), days_ago=3, quantity=100)

RECALL = """
import time
from htxconnect.core.actors import SYSTEM
from htxconnect.resolver import services
from htxconnect.resolver.models import Lot
services.recall_lot(actor=SYSTEM, lot=Lot.objects.get(code="BENCH-01"), reason="Đo độ trễ thu hồi")
print(time.time())
"""

if __name__ == "__main__":
    sys.exit(main())
