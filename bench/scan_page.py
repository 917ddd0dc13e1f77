"""Scan-page benchmark: the public scan page of a known lot behind nginx's cache, against nginx
serving a static file of the same size in the same run (issue 5: aim for a ratio ≥ 0.8 and a
change visible within 5 s; a cache miss costs at most 6 queries, asserted in the tests).

Set-up made here, torn down at the end: a throw-away database (SQLite file, or a `bench_scan`
database on the PostgreSQL server of DATABASE_URL), Redis when `redis-server` is installed
(else the local-memory cache), granian with several workers, and an nginx with the same cache
rules as deploy/nginx/htxconnect.conf for /scan/01/. The load generator is Python: several
processes, each with keep-alive connections, for a fixed time; it prints requests/s and p99.

    python bench/scan_page.py [--seconds 10] [--clients 50] [--workers 2]
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
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
    processes = min(clients, max(2, os.cpu_count() or 2))
    per = max(1, clients // processes)
    with multiprocessing.Pool(processes) as pool:
        results = pool.map(_client, [(port, path, seconds, per)] * processes)
    latencies = sorted(x for r in results for x in r)
    if not latencies:
        return 0.0, float("nan")
    return len(latencies) / seconds, latencies[int(len(latencies) * 0.99) - 1] * 1000


NGINX_CONF = """
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {tmp}/body; proxy_temp_path {tmp}/proxy; fastcgi_temp_path {tmp}/fcgi;
  uwsgi_temp_path {tmp}/uwsgi; scgi_temp_path {tmp}/scgi;
  proxy_cache_path {tmp}/cache levels=1:2 keys_zone=htx_scan:10m max_size=100m inactive=10m use_temp_path=off;
  upstream app {{ server 127.0.0.1:{app}; keepalive 32; }}
  server {{
    listen 127.0.0.1:{port};
    location = /static-same-size.html {{ root {tmp}/www; }}
    location ~ ^/(01|scan/01)/ {{
      proxy_pass http://app;
      proxy_http_version 1.1; proxy_set_header Connection ""; proxy_set_header Host $host;
      proxy_cache htx_scan;
      proxy_cache_key "$scheme$host$request_uri$cookie_django_language";
      proxy_cache_bypass $cookie_sessionid;
      proxy_no_cache $cookie_sessionid;
      proxy_cache_lock on;
      proxy_cache_use_stale error timeout updating http_500 http_502 http_503 http_504;
      proxy_cache_background_update on;
    }}
  }}
}}
"""


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        print("SKIP: nginx is not installed")
        return 0
    tmp = Path(tempfile.mkdtemp(prefix="htx-bench-scan-"))
    tmp.chmod(0o755)  # nginx workers (user nobody when started as root) read the static file here
    procs: list[subprocess.Popen] = []
    env = dict(os.environ, DJANGO_ENV="demo", DEBUG="false", SECRET_KEY="bench-" + "x" * 40,
               STATIC_ROOT=str(tmp / "static"), ALLOWED_HOSTS="*", TASK_BACKEND="immediate")
    database = os.environ.get("DATABASE_URL", "")
    if database.startswith("postgres"):
        base = database.rsplit("/", 1)[0]
        env["DATABASE_URL"] = base + "/bench_scan"
        subprocess.run(["psql", database, "-qc", "drop database if exists bench_scan"], check=False)
        subprocess.run(["psql", database, "-qc", "create database bench_scan"], check=True)
    else:
        env["DATABASE_URL"] = f"sqlite:///{tmp / 'bench.sqlite3'}"
    try:
        if shutil.which("redis-server"):
            redis_port = free_port()
            procs.append(subprocess.Popen(["redis-server", "--port", str(redis_port), "--save", "", "--appendonly", "no"],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            wait_port(redis_port)
            env["REDIS_URL"] = f"redis://127.0.0.1:{redis_port}/0"
        manage = [PY, str(ROOT / "manage.py")]
        subprocess.run(manage + ["migrate", "-v0"], env=env, check=True, cwd=ROOT)
        subprocess.run(manage + ["collectstatic", "--noinput", "-v0"], env=env, check=True, cwd=ROOT)
        path = subprocess.run(manage + ["shell", "-c", SETUP], env=env, check=True, cwd=ROOT, capture_output=True,
                              text=True).stdout.strip().splitlines()[-1]
        app_port, port = free_port(), free_port()
        procs.append(subprocess.Popen([str(Path(PY).parent / "granian"), "--interface", "wsgi", "--host", "127.0.0.1",
                                       "--port", str(app_port), "--workers", str(args.workers), "htxconnect.wsgi:application"],
                                      env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait_port(app_port)
        conn = http.client.HTTPConnection("127.0.0.1", app_port, timeout=10)
        conn.request("GET", path)
        page = conn.getresponse().read()
        (tmp / "www").mkdir()
        (tmp / "www" / "static-same-size.html").write_bytes(page)
        (tmp / "nginx.conf").write_text(NGINX_CONF.format(tmp=tmp, app=app_port, port=port))
        procs.append(subprocess.Popen([nginx, "-c", str(tmp / "nginx.conf"), "-g", "daemon off;"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait_port(port)
        print(f"scan page: {path} ({len(page)} bytes), {args.clients} clients, {args.seconds:g} s each, "
              f"{args.workers} app workers, database {env['DATABASE_URL'].split(':')[0]}, "
              f"cache {'redis' if 'REDIS_URL' in env else 'locmem'}")
        load(port, path, 1, args.clients)  # warm up
        static_rps, static_p99 = load(port, "/static-same-size.html", args.seconds, args.clients)
        scan_rps, scan_p99 = load(port, path, args.seconds, args.clients)
        direct_rps, direct_p99 = load(app_port, path, args.seconds, args.clients)
        print(f"nginx static file      : {static_rps:8.0f} req/s  p99 {static_p99:6.1f} ms")
        print(f"scan page via nginx    : {scan_rps:8.0f} req/s  p99 {scan_p99:6.1f} ms  "
              f"ratio {scan_rps / static_rps if static_rps else 0:.2f} of static (aim ≥ 0.8)")
        print(f"scan page, Django only : {direct_rps:8.0f} req/s  p99 {direct_p99:6.1f} ms  "
              f"ratio {direct_rps / static_rps if static_rps else 0:.2f} of static")
        # Freshness: recall the lot, then poll through nginx until the banner shows.
        subprocess.run(manage + ["shell", "-c", RECALL], env=env, check=True, cwd=ROOT, capture_output=True)
        start = time.time()
        while time.time() - start < 30:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            c.request("GET", path)
            if "THU HỒI".encode() in c.getresponse().read():
                break
            time.sleep(0.1)
        print(f"recall visible through nginx after {time.time() - start:.1f} s (aim ≤ 5 s)")
        return 0
    finally:
        for p in reversed(procs):
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
        if database.startswith("postgres"):
            subprocess.run(["psql", database, "-qc", "drop database if exists bench_scan"], check=False)
        shutil.rmtree(tmp, ignore_errors=True)


SETUP = """
import datetime
from django.utils import timezone
from htxconnect.registry import services as rs
from htxconnect.resolver import services, steps
from django.contrib.auth import get_user_model
user = get_user_model().objects.create_user(username="bench", password="x" * 20, role="admin")
org = rs.create_organization(actor=None, name="HTX Đo Hiệu Năng", province_code="79")
prefix = services.register_company_prefix(actor=None, organization=org, prefix="893999990", is_demo=True)
product = rs.create_product(actor=None, producer=org, name="Ổi đo hiệu năng", category="fruit")
gtin = services.assign_gtin(actor=None, product=product)
product.refresh_from_db()
farm = services.create_location(actor=None, organization=org, name="Vườn ổi")
lot = services.create_lot(actor=None, product=product, code="BENCH-01", production_date=datetime.date(2026, 11, 1))
start = timezone.now() - datetime.timedelta(days=3)
for i, step in enumerate(["harvest", "sort", "pack", "ship", "receive"]):
    steps.record_step(actor=None, owner=user, lot=lot, step=step, when=start + datetime.timedelta(hours=5 * i),
                      location=farm, quantity=100)
print(f"/scan/01/{gtin}/10/BENCH-01/?lang=vi")
"""

RECALL = """
from htxconnect.resolver import services
from htxconnect.resolver.models import Lot
services.recall_lot(actor=None, lot=Lot.objects.get(code="BENCH-01"), reason="Đo độ trễ thu hồi")
"""

if __name__ == "__main__":
    sys.exit(main())
