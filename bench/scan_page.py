"""Scan-page benchmark: the public scan page of a known lot behind nginx's cache, against nginx
serving a static file of the same size in the same run (issue 5: aim for a ratio ≥ 0.8 and a
change visible within 5 s; a cache miss costs at most 6 queries, asserted in the tests).

The production set-up, made here and torn down at the end:
- PostgreSQL: a throw-away database `bench_scan_<pid>` on the server of DATABASE_URL (default
  postgres://postgres@127.0.0.1:5432), created and dropped here; SQLite only when no PostgreSQL
  server answers (said so in the output);
- Redis: REDIS_URL, default redis://127.0.0.1:6379/15 (a `redis-server` is started on a free port
  when nothing answers there; the local-memory cache when there is no Redis at all);
- Granian with several workers, nginx in front with the same cache rules as
  deploy/nginx/htxconnect.conf for the scan pages;
- load: `wrk` (2 threads, 50 connections) when installed (`make bench` installs it when root:
  scripts/install_bench_deps.sh), else a Python load generator (several processes with
  keep-alive connections). Figures: requests/s and p99 for nginx's static file, the scan page
  through nginx's cache and the scan page from Django alone, the ratio against static, and the
  seconds until a recall is visible through nginx.

    python bench/scan_page.py [--seconds 5] [--rounds 3] [--clients 50] [--workers 2] [--threads 2] [--python-load]
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, timeout: float = 30) -> None:
    end = time.time() + timeout
    while time.time() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"nothing listens on {port}")


def _client(args):
    """One process: `connections` threads, each with its own keep-alive connection."""
    import threading

    port, path, seconds, connections = args
    latencies: list[float] = []
    end = time.perf_counter() + seconds

    def run():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine = []
        while time.perf_counter() < end:
            start = time.perf_counter()
            try:
                conn.request("GET", path, headers={"Accept-Language": "vi"})
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                continue
            if response.status == 200:
                mine.append(time.perf_counter() - start)
        latencies.extend(mine)

    threads = [threading.Thread(target=run) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies


def load(port: int, path: str, seconds: float, clients: int) -> tuple[float, float]:
    """The Python load generator: requests/s and p99 (ms)."""
    processes = min(clients, max(2, os.cpu_count() or 2))
    per = max(1, clients // processes)
    with multiprocessing.Pool(processes) as pool:
        results = pool.map(_client, [(port, path, seconds, per)] * processes)
    latencies = sorted(x for r in results for x in r)
    if not latencies:
        return 0.0, float("nan")
    return len(latencies) / seconds, latencies[int(len(latencies) * 0.99) - 1] * 1000


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def wrk(port: int, path: str, seconds: float, clients: int, threads: int) -> tuple[float, float]:
    """wrk's requests/s and p99 (ms); non-2xx answers make the run fail loudly."""
    out = subprocess.run(["wrk", f"-t{threads}", f"-c{clients}", f"-d{max(1, round(seconds))}s", "--latency",
                          "-H", "Accept-Language: vi", f"http://127.0.0.1:{port}{path}"],
                         capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in out:
        raise SystemExit(f"wrk got error answers from {path}:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    value, unit = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M).groups()
    return rps, float(value) * _UNITS[unit]


NGINX_CONF = """
worker_processes {nginx_workers};
pid {tmp}/nginx.pid;
error_log {tmp}/error.log;
events {{ worker_connections 4096; multi_accept on; }}
http {{
  access_log off;
  sendfile on; tcp_nopush on; tcp_nodelay on;
  keepalive_requests 100000;
  open_file_cache max=1000 inactive=60s;  # static file and cache files: no open()/stat() per request
  open_file_cache_valid 5s;
  client_body_temp_path {tmp}/body; proxy_temp_path {tmp}/proxy; fastcgi_temp_path {tmp}/fcgi;
  uwsgi_temp_path {tmp}/uwsgi; scgi_temp_path {tmp}/scgi;
  proxy_cache_path {tmp}/cache levels=1:2 keys_zone=htx_scan:10m max_size=100m inactive=10m use_temp_path=off;
  upstream app {{ server 127.0.0.1:{app}; keepalive 32; }}
  server {{
    listen 127.0.0.1:{port} reuseport backlog=4096;
    location = /static-same-size.html {{ root {tmp}/www; }}
    # the same file with the scan page's headers added (CSP, cache-control…): the same bytes on the wire
    location = /static-same-headers.html {{ root {tmp}/www; {same_headers} }}
    # as deploy/nginx/htxconnect.conf, location ~ ^/(01|scan/01)/
    location ~ ^/(01|scan/01)/ {{
      proxy_pass http://app;
      proxy_http_version 1.1; proxy_set_header Connection ""; proxy_set_header Host $host;
      proxy_cache htx_scan;
      proxy_cache_key "$scheme$host$request_uri$cookie_django_language";
      proxy_cache_bypass $cookie_sessionid;
      proxy_no_cache $cookie_sessionid;
      proxy_cache_valid 200 1m;
      proxy_cache_valid 404 30s;
      proxy_cache_lock on;
      proxy_cache_lock_timeout 5s;
      proxy_cache_use_stale error timeout updating http_500 http_502 http_503 http_504;
      proxy_cache_background_update on;
      add_header X-Cache-Status $upstream_cache_status always;
    }}
  }}
}}
"""


def _pg_server() -> str:
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
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--nginx-workers", default="auto")
    parser.add_argument("--python-load", action="store_true", help="use the Python load generator even if wrk is there")
    parser.add_argument("--untuned", action="store_true",
                        help="nginx without open_file_cache/sendfile/reuseport (to compare)")
    args = parser.parse_args(argv)
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        print("SKIP: nginx is not installed")
        return 0
    use_wrk = bool(shutil.which("wrk")) and not args.python_load

    def measure(port, path):
        if use_wrk:
            return wrk(port, path, args.seconds, args.clients, args.threads)
        return load(port, path, args.seconds, args.clients)

    tmp = Path(tempfile.mkdtemp(prefix="htx-bench-scan-"))
    tmp.chmod(0o755)  # nginx workers (user nobody when started as root) read the static file here
    procs: list[subprocess.Popen] = []
    env = dict(os.environ, DJANGO_ENV="demo", DEBUG="false", SECRET_KEY="bench-" + "x" * 40,
               STATIC_ROOT=str(tmp / "static"), ALLOWED_HOSTS="*", TASK_BACKEND="immediate")
    server = _pg_server()
    db_name = f"bench_scan_{os.getpid()}"
    if server:
        env["DATABASE_URL"] = server.rsplit("/", 1)[0] + "/" + db_name
        subprocess.run(["psql", server, "-qc", f"drop database if exists {db_name}"], check=False, capture_output=True)
        subprocess.run(["psql", server, "-qc", f"create database {db_name}"], check=True, capture_output=True)
    else:
        print("NOTE: no PostgreSQL server answers; SQLite used (not the production set-up)")
        env["DATABASE_URL"] = f"sqlite:///{tmp / 'bench.sqlite3'}"
    try:
        redis_url = os.environ.get("REDIS_URL", "") or "redis://127.0.0.1:6379/15"
        if not _redis_answers(redis_url):
            redis_url = ""
            if shutil.which("redis-server"):
                redis_port = free_port()
                procs.append(subprocess.Popen(["redis-server", "--port", str(redis_port), "--save", "",
                                               "--appendonly", "no"], stdout=subprocess.DEVNULL,
                                              stderr=subprocess.DEVNULL))
                wait_port(redis_port)
                redis_url = f"redis://127.0.0.1:{redis_port}/0"
        if redis_url:
            env["REDIS_URL"] = redis_url
        else:
            env.pop("REDIS_URL", None)
            print("NOTE: no Redis; the local-memory cache is used (not the production set-up)")
        manage = [PY, str(ROOT / "manage.py")]
        subprocess.run(manage + ["migrate", "-v0"], env=env, check=True, cwd=ROOT)
        subprocess.run(manage + ["collectstatic", "--noinput", "-v0"], env=env, check=True, cwd=ROOT)
        path = subprocess.run(manage + ["shell", "-c", SETUP], env=env, check=True, cwd=ROOT, capture_output=True,
                              text=True).stdout.strip().splitlines()[-1]
        gtin = path.split("/")[3]
        if redis_url:
            _drop_stale_pages(redis_url, gtin)
        app_port, port = free_port(), free_port()
        procs.append(subprocess.Popen([str(Path(PY).parent / "granian"), "--interface", "wsgi", "--host", "127.0.0.1",
                                       "--port", str(app_port), "--workers", str(args.workers),
                                       "--backlog", "2048", "htxconnect.wsgi:application"],
                                      env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait_port(app_port)
        conn = http.client.HTTPConnection("127.0.0.1", app_port, timeout=10)
        conn.request("GET", path, headers={"Accept-Language": "vi"})
        first = conn.getresponse()
        page = first.read()
        (tmp / "www").mkdir()
        (tmp / "www" / "static-same-size.html").write_bytes(page)
        (tmp / "www" / "static-same-headers.html").write_bytes(page)
        skip = {"content-type", "content-length", "date", "server", "connection"}
        same_headers = " ".join('add_header {} "{}";'.format(k, v.replace("\\", "\\\\").replace('"', '\\"'))
                                for k, v in first.getheaders() if k.lower() not in skip)
        same_headers += " add_header X-Cache-Status HIT;"
        conf = NGINX_CONF.format(tmp=tmp, app=app_port, port=port, nginx_workers=args.nginx_workers,
                                 same_headers=same_headers)
        if args.untuned:
            conf = "\n".join(line for line in conf.splitlines()
                              if "open_file_cache" not in line and "sendfile" not in line).replace(" reuseport", "")
        (tmp / "nginx.conf").write_text(conf)
        procs.append(subprocess.Popen([nginx, "-c", str(tmp / "nginx.conf"), "-g", "daemon off;"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait_port(port)
        database = env["DATABASE_URL"].split(":")[0]
        print(f"scan page: {path} ({len(page)} bytes), {args.clients} clients, {args.seconds:g} s each, "
              f"{args.workers} Granian workers, nginx workers {args.nginx_workers}, {os.cpu_count()} CPUs, "
              f"database {database}, cache {'redis' if redis_url else 'locmem'}, load generator "
              f"{f'wrk -t{args.threads}' if use_wrk else 'python'}")
        # Warm up: fill nginx's cache and Django's, open the connections.
        for target_port in (port, app_port):
            measure_short = (lambda p=target_port: wrk(p, path, 1, args.clients, args.threads)) if use_wrk else \
                (lambda p=target_port: load(p, path, 1, args.clients))
            measure_short()
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        c.request("GET", path, headers={"Accept-Language": "vi"})
        r = c.getresponse()
        r.read()
        cache_status = r.getheader("X-Cache-Status")
        # Static and cached page alternate, `--rounds` times: other work on the machine then
        # weighs on both alike. Figures: mean req/s, worst p99, and each round's ratio.
        statics, scans_, ratios, same = [], [], [], []
        for _round in range(args.rounds):
            statics.append(measure(port, "/static-same-size.html"))
            scans_.append(measure(port, path))
            same.append(measure(port, "/static-same-headers.html"))
            ratios.append(scans_[-1][0] / statics[-1][0] if statics[-1][0] else 0)
        same_rps, same_p99 = sum(r for r, _p in same) / args.rounds, max(p for _r, p in same)
        static_rps, static_p99 = sum(r for r, _p in statics) / args.rounds, max(p for _r, p in statics)
        scan_rps, scan_p99 = sum(r for r, _p in scans_) / args.rounds, max(p for _r, p in scans_)
        direct_rps, direct_p99 = measure(app_port, path)
        ratio = scan_rps / static_rps if static_rps else 0
        print(f"nginx static file      : {static_rps:8.0f} req/s  p99 {static_p99:6.1f} ms")
        print(f"scan page via nginx    : {scan_rps:8.0f} req/s  p99 {scan_p99:6.1f} ms  "
              f"ratio {ratio:.2f} of static (aim ≥ 0.8)  [X-Cache-Status after warm-up: {cache_status}]")
        print(f"  ratio per round        : {' '.join(f'{r:.2f}' for r in ratios)}")
        print(f"static file + the page's headers: {same_rps:8.0f} req/s  p99 {same_p99:6.1f} ms  "
              f"(scan page = {scan_rps / same_rps if same_rps else 0:.2f} of it: same bytes on the wire)")
        print(f"scan page, Django only : {direct_rps:8.0f} req/s  p99 {direct_p99:6.1f} ms  "
              f"ratio {direct_rps / static_rps if static_rps else 0:.2f} of static")
        # Freshness under load (nginx keeps refreshing its copy while phones scan): recall the lot
        # (the shell prints the commit time), then poll through nginx until the banner shows.
        background = None
        if use_wrk:
            background = subprocess.Popen(["wrk", "-t1", "-c10", "-d60s", "-H", "Accept-Language: vi",
                                           f"http://127.0.0.1:{port}{path}"], stdout=subprocess.DEVNULL)
            time.sleep(4)  # past s-maxage: nginx's copy is being refreshed in the background
        out = subprocess.run(manage + ["shell", "-c", RECALL], env=env, check=True, cwd=ROOT, capture_output=True,
                             text=True).stdout.strip().splitlines()
        committed = float(out[-1])
        seen = None
        while time.time() - committed < 30:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            c.request("GET", path, headers={"Accept-Language": "vi"})
            if "THU HỒI".encode() in c.getresponse().read():
                seen = time.time() - committed
                break
            time.sleep(0.05)
        if background is not None:
            background.terminate()
            background.wait(10)
        if seen is None:
            print("recall NOT visible through nginx after 30 s (aim ≤ 5 s)")
        else:
            print(f"recall visible through nginx after {seen:.1f} s{' (under load)' if background else ''} "
                  f"(aim ≤ 5 s; {first.getheader('Cache-Control')})")
        return 0
    finally:
        for p in reversed(procs):
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
        if server:
            subprocess.run(["psql", server, "-qc", f"drop database if exists {db_name} with (force)"], check=False,
                           capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)


SETUP = """
import datetime
from django.utils import timezone
from htxconnect.core.actors import SYSTEM
from htxconnect.registry import services as rs
from htxconnect.resolver import services, steps
from django.contrib.auth import get_user_model
user = get_user_model().objects.create_user(username="bench", password="x" * 20, role="admin")
org = rs.create_organization(actor=SYSTEM, name="HTX Đo Hiệu Năng", province_code="79")
prefix = services.register_company_prefix(actor=SYSTEM, organization=org, prefix="893999990", is_demo=True)
product = rs.create_product(actor=SYSTEM, producer=org, name="Ổi đo hiệu năng", category="fruit")
gtin = services.assign_gtin(actor=SYSTEM, product=product)
product.refresh_from_db()
farm = services.create_location(actor=SYSTEM, organization=org, name="Vườn ổi")
lot = services.create_lot(actor=SYSTEM, product=product, code="BENCH-01", production_date=datetime.date(2026, 11, 1))
start = timezone.now() - datetime.timedelta(days=3)
for i, step in enumerate(["harvest", "sort", "pack", "ship", "receive"]):
    steps.record_step(actor=SYSTEM, owner=user, lot=lot, step=step, when=start + datetime.timedelta(hours=5 * i),
                      location=farm, quantity=100)
print(f"/scan/01/{gtin}/10/BENCH-01/?lang=vi")
"""

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
