#!/usr/bin/env python3
"""The production stack on one machine: `make prod-up`, `make prod-down`, `make prod-status`.

    python scripts/prodstack.py up [--no-demo] [--app-servers N] [--workers N]
    python scripts/prodstack.py restart    # app servers and workers only (new code), data services stay
    python scripts/prodstack.py down
    python scripts/prodstack.py status [--json]

Everything runs on loopback ports and lives under var/prod/ of this checkout; nothing of the
machine's own PostgreSQL, Redis or nginx is touched:

- PostgreSQL of its own: `initdb` + `pg_ctl` on var/prod/pg (role "htx" with a generated
  password, database "htxconnect"; the superuser "postgres" only through the socket in var/prod/run);
- Redis of its own: `redis-server` with var/prod/redis as its directory, append-only file on,
  a generated password;
- nginx configured from deploy/nginx/htxconnect.conf and htxconnect-proxy.conf, rendered by
  replacing ports and paths only (deploy/ stays the one config): the main server listens on a
  plain-HTTP loopback port (nginx_port, what load tests use) and on a TLS port with a
  self-signed certificate (nginx_tls_port); the port-80 redirect server on nginx_redirect_port;
- Granian app servers (the command of deploy/systemd/htxconnect-web.service), several workers each;
- the task worker(s) of the configured task backend and the periodic-jobs clock.

The app runs with DJANGO_ENV=production, a SECRET_KEY generated once into var/prod/secret_key,
TRUST_X_FORWARDED_PROTO/TRUST_X_REAL_IP (nginx overwrites both headers), and, because loopback
HTTP has no TLS, SECURE_SSL_REDIRECT=false (on a real server it stays true: docs/admin/deploy.md).
Cookies are as on a real server: Secure and named __Host-… (SECURE_COOKIES, decision 0031), which
deploy/nginx reads. Browsers and curl treat http://127.0.0.1 and localhost as secure and send such
cookies over the plain port; Python's http.cookiejar (requests, urllib) sends them only over https,
so the drills and load test keep their cookies themselves (bench/faults/common.py, bench/load/run.py).

`up` is idempotent: what runs is left alone, what is missing is started; migrations, static
files, the administrator and the demo data are done once (and again only when needed). Ports are
chosen free on the first `up` and kept in var/prod/ports.json; PROD_<NAME>_PORT overrides
(PROD_NGINX_PORT, PROD_NGINX_TLS_PORT, PROD_NGINX_REDIRECT_PORT, PROD_PG_PORT, PROD_REDIS_PORT,
PROD_APP_PORT — the first app server; the others follow it).
`down` stops only the processes whose ids it recorded (checked against their command lines).
var/prod/stack.json describes the running stack for the drills and load tests (docs/admin/deploy.md).
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import pwd
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # `make prod-down` runs this with the system's python3, without .venv

from htxconnect.core.machine import free_port, port_open, process_alive, wait_closed, wait_listening  # noqa: E402 - no Django: settings stay unread

PROD = Path(os.environ.get("PROD_DIR", ROOT / "var" / "prod")).resolve()
DEPLOY = ROOT / "deploy"
VENV_BIN = ROOT / ".venv" / "bin"
PYTHON = str(VENV_BIN / "python") if (VENV_BIN / "python").exists() else sys.executable
HOSTS = ["127.0.0.1", "localhost"]
ADMIN_USERNAME = "quantri"
PORT_NAMES = ("nginx", "nginx_tls", "nginx_redirect", "pg", "redis", "app")


def say(message: str) -> None:
    print(message, flush=True)


def fail(message: str, code: int = 1) -> None:
    print(message, file=sys.stderr, flush=True)
    sys.exit(code)


# --- small helpers ---------------------------------------------------------------------------------


def wait_port(port: int, what: str, timeout: float = 240, pid: int | None = None, log: Path | None = None) -> None:
    try:
        wait_listening(port, pid, timeout=timeout)
        return
    except (RuntimeError, TimeoutError):
        pass
    tail = ""
    if log and log.exists():
        tail = "\n" + "\n".join(log.read_text(errors="replace").splitlines()[-20:])
    fail(f"{what} không chạy được trên cổng {port} / did not come up on port {port}.{tail}")


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def ours(pid: int | None, marker: str) -> bool:
    """The process `pid` is alive and is the one we started (its command line has `marker`)."""
    return bool(pid) and process_alive(pid) and marker in cmdline(pid)


def run(args, *, env=None, user: str | None = None, check=True, quiet=True, timeout=600, **kw):
    if user:
        args = ["runuser", "-u", user, "--", *map(str, args)]
    result = subprocess.run([str(a) for a in args], env=env, capture_output=quiet, text=True, timeout=timeout, **kw)
    if check and result.returncode != 0:
        out = (result.stdout or "") + (result.stderr or "")
        fail(f"Lệnh lỗi / command failed ({result.returncode}): {' '.join(map(str, args))}\n{out[-3000:]}")
    return result


def read_json(path: Path, default=None):
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return default


def write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)


def generated(name: str, nbytes: int = 32) -> str:
    """A secret generated once and kept in var/prod/<name> (mode 600)."""
    path = PROD / name
    if not path.exists():
        write_private(path, secrets.token_urlsafe(nbytes) + "\n")
    return path.read_text().strip()


# --- what the machine needs ------------------------------------------------------------------------


def pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    pg_ctl = shutil.which("pg_ctl")
    return Path(pg_ctl).parent if pg_ctl else None


def nginx_bin() -> str | None:
    return shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


def ensure_system_deps() -> None:
    if pg_bin() and shutil.which("redis-server") and nginx_bin() and shutil.which("openssl"):
        return
    say("Cài gói hệ thống còn thiếu / installing missing system packages (scripts/install_system_deps.sh stack)…")
    subprocess.run(["bash", str(ROOT / "scripts" / "install_system_deps.sh"), "stack"], check=False)
    missing = [name for name, ok in (("postgresql (pg_ctl)", pg_bin()), ("redis-server", shutil.which("redis-server")),
                                     ("nginx", nginx_bin()), ("openssl", shutil.which("openssl"))) if not ok]
    if missing:
        fail("Thiếu / missing: " + ", ".join(missing) + " — chạy với quyền root: sudo scripts/install_system_deps.sh stack")


def service_user() -> str | None:
    """PostgreSQL refuses to run as root: as root, its server runs as the `postgres` user."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "htxprod"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "htxprod"])
    return "htxprod"


# --- ports and layout ------------------------------------------------------------------------------


def ports(app_servers: int) -> dict:
    path = PROD / "ports.json"
    saved = read_json(path, {}) or {}
    chosen = {}
    for name in PORT_NAMES:
        override = os.environ.get(f"PROD_{name.upper()}_PORT")
        if override:
            chosen[name] = int(override)
        elif saved.get(name):
            chosen[name] = saved[name]
        else:
            chosen[name] = free_port()
    apps = [chosen["app"]]
    saved_apps = saved.get("apps") or []
    for i in range(1, app_servers):
        if os.environ.get("PROD_APP_PORT"):
            apps.append(chosen["app"] + i)
        elif i < len(saved_apps):
            apps.append(saved_apps[i])
        else:
            apps.append(free_port())
    chosen["apps"] = apps
    if chosen != saved:
        PROD.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(chosen, indent=1) + "\n")
    return chosen


class Layout:
    def __init__(self):
        self.pg = PROD / "pg"
        self.run = PROD / "run"  # sockets
        self.redis = PROD / "redis"
        self.nginx = PROD / "nginx"
        self.logs = PROD / "logs"
        self.static = PROD / "static"
        self.media = PROD / "media"
        self.protected = PROD / "protected"
        self.state = PROD / "state.json"
        self.stack = PROD / "stack.json"


L = Layout()


# --- PostgreSQL ------------------------------------------------------------------------------------


def pg_running(p: dict) -> bool:
    pidfile = L.pg / "postmaster.pid"
    if not pidfile.exists():
        return False
    try:
        pid = int(pidfile.read_text().split()[0])
    except (ValueError, IndexError):
        return False
    return process_alive(pid) and port_open(p["pg"])


def start_pg(p: dict, user: str | None) -> dict:
    bindir = pg_bin()
    password = generated("pg_password")
    L.run.mkdir(parents=True, exist_ok=True)
    if user:
        shutil.chown(L.run, user=user)  # the server writes its socket here
        # The server user must reach var/prod/pg through the checkout's directories.
        _make_traversable(L.pg.parent)
    if not (L.pg / "PG_VERSION").exists():
        say(f"PostgreSQL: initdb {L.pg}")
        L.pg.mkdir(parents=True, exist_ok=True)
        if user:
            shutil.chown(L.pg, user=user)
        os.chmod(L.pg, 0o700)
        run([bindir / "initdb", "-D", L.pg, "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8",
             "--auth-local=trust", "--auth-host=scram-sha-256"], user=user)
        with open(L.pg / "postgresql.conf", "a") as conf:
            conf.write("\n# HTX Connect production stack (scripts/prodstack.py)\n"
                       "listen_addresses = '127.0.0.1'\n"
                       "max_connections = 200\nshared_buffers = 256MB\n"
                       "fsync = on\nsynchronous_commit = on\n")
    if pg_running(p):
        return {}
    L.logs.mkdir(parents=True, exist_ok=True)
    log = L.logs / "postgresql.log"
    if user:
        log.touch()
        shutil.chown(log, user=user)
    run([bindir / "pg_ctl", "-D", L.pg, "-l", log, "-w", "-t", "60",
         "-o", f"-p {p['pg']} -k {L.run}", "start"], user=user)
    psql = [bindir / "psql", "-h", L.run, "-p", str(p["pg"]), "-U", "postgres", "-d", "postgres", "-v", "ON_ERROR_STOP=1",
            "-qAt"]
    has_role = run([*psql, "-c", "SELECT 1 FROM pg_roles WHERE rolname='htx'"]).stdout.strip()
    sql_password = password.replace("'", "''")
    if not has_role:
        run([*psql, "-c", f"CREATE ROLE htx LOGIN PASSWORD '{sql_password}'"])
    else:
        run([*psql, "-c", f"ALTER ROLE htx PASSWORD '{sql_password}'"])
    if not run([*psql, "-c", "SELECT 1 FROM pg_database WHERE datname='htxconnect'"]).stdout.strip():
        run([*psql, "-c", "CREATE DATABASE htxconnect OWNER htx ENCODING 'UTF8' TEMPLATE template0"])
    say(f"PostgreSQL: 127.0.0.1:{p['pg']} ({L.pg})")
    return {}


def _make_traversable(path: Path) -> None:
    """o+x on `path` and its parents so a server running as another user reaches its files."""
    for d in [path, *path.parents]:
        try:
            mode = d.stat().st_mode
            if not mode & 0o001:
                os.chmod(d, mode | 0o001)
        except OSError:
            pass


def stop_pg(p: dict, user: str | None) -> None:
    """Stop the stack's PostgreSQL and make sure its port is closed: "fast" first, "immediate" if
    that did not finish; a server still answering after both is an error, not a silent success."""
    if not (L.pg / "postmaster.pid").exists():
        return
    bindir = pg_bin()
    port = p.get("pg")
    for mode in ("fast", "immediate"):
        stopped = run([bindir / "pg_ctl", "-D", L.pg, "-m", mode, "-w", "-t", "60", "stop"], user=user, check=False)
        if not (L.pg / "postmaster.pid").exists() and (port is None or wait_closed(port, 10)):
            say("PostgreSQL: đã dừng / stopped")
            return
    fail(f"PostgreSQL chưa dừng / did not stop (port {port}): {(stopped.stdout or '') + (stopped.stderr or '')}")


# --- Redis -----------------------------------------------------------------------------------------


def redis_pid() -> int | None:
    try:
        return int((L.redis / "redis.pid").read_text().strip())
    except (OSError, ValueError):
        return None


def start_redis(p: dict) -> None:
    L.redis.mkdir(parents=True, exist_ok=True)
    password = generated("redis_password")
    conf = L.redis / "redis.conf"
    write_private(conf, "\n".join([
        "# HTX Connect production stack (scripts/prodstack.py)",
        "bind 127.0.0.1", f"port {p['redis']}", "protected-mode yes", f"requirepass {password}",
        "daemonize yes", f"pidfile {L.redis / 'redis.pid'}", f"dir {L.redis}",
        f"logfile {L.logs / 'redis.log'}",
        "appendonly yes", "appendfsync everysec", "save 900 1 300 10 60 10000",
        # Only keys with a lifetime (cache entries) may be evicted, never RQ's queued jobs.
        "maxmemory 512mb", "maxmemory-policy volatile-lru", "",
    ]))
    pid = redis_pid()
    if ours(pid, "redis-server") and port_open(p["redis"]):
        return
    L.logs.mkdir(parents=True, exist_ok=True)
    run(["redis-server", conf])
    wait_port(p["redis"], "Redis", log=L.logs / "redis.log")
    say(f"Redis: 127.0.0.1:{p['redis']} ({L.redis}, appendonly)")


def stop_redis() -> None:
    pid = redis_pid()
    if ours(pid, "redis-server"):
        os.kill(pid, signal.SIGTERM)  # redis saves and exits
        port = (read_json(PROD / "ports.json", {}) or {}).get("redis")
        if not wait_gone(pid, 30) or (port is not None and not wait_closed(port, 10)):
            fail(f"Redis chưa dừng / did not stop (pid {pid}, port {port})")
        say("Redis: đã dừng / stopped")


# --- the app's environment -------------------------------------------------------------------------


def app_env(p: dict, task_backend: str) -> dict:
    secret_file = PROD / "secret_key"
    generated("secret_key", 50)
    origins = [f"{scheme}://{host}:{port}" for host in HOSTS
               for scheme, port in (("http", p["nginx"]), ("https", p["nginx_tls"]))]
    redis_password = generated("redis_password")
    env = {
        "DJANGO_ENV": "production",
        "SECRET_KEY_FILE": str(secret_file),
        "ALLOWED_HOSTS": ",".join(HOSTS),
        "CSRF_TRUSTED_ORIGINS": ",".join(origins),
        "SITE_URL": f"http://127.0.0.1:{p['nginx']}",
        "DATABASE_URL": f"postgres://htx:{generated('pg_password')}@127.0.0.1:{p['pg']}/htxconnect",
        "DB_CONN_MAX_AGE": "60",
        "REDIS_URL": f"redis://:{redis_password}@127.0.0.1:{p['redis']}/0",
        "TASKS_REDIS_URL": f"redis://:{redis_password}@127.0.0.1:{p['redis']}/1",  # RQ's queues apart from the cache
        "TASK_BACKEND": task_backend,
        "TRUST_X_REAL_IP": "true",
        "TRUST_X_REQUEST_ID": "true",  # nginx's $request_id (deploy/nginx/htxconnect-proxy.conf)
        "TRUST_X_FORWARDED_PROTO": "true",
        # Loopback HTTP has no TLS: no redirect to https. Cookies stay Secure and __Host- (see the docstring).
        "SECURE_SSL_REDIRECT": "false",
        "STATIC_ROOT": str(L.static),
        "MEDIA_ROOT": str(L.media),
        # Private files: Django checks, nginx sends them from MEDIA_ROOT (/_protected/, decision 0028).
        "FILES_X_ACCEL_REDIRECT": "true",
        # Scan pages as files for nginx (its root /srv/htxconnect/scan-pages/current, mapped to PROD)
        # and the scan spool stored by the periodic clock (decision 0022).
        "SCAN_PAGE_ROOT": str(PROD / "scan-pages"),
        "SCAN_SPOOL_DIR": str(PROD / "scan-spool"),
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",  # mail lands in the worker logs
        "LOG_LEVEL": "WARNING",
        # /metrics straight from Granian with this token (nginx refuses it); every app and worker
        # process writes its samples here, /metrics adds them up (htxconnect/core/metrics.py).
        "METRICS_TOKEN": generated("metrics_token", 32),
        "PROMETHEUS_MULTIPROC_DIR": str(PROD / "metrics"),
    }
    return env


def process_env(env: dict) -> dict:
    base = {k: v for k, v in os.environ.items()
            if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_", "SECRET_KEY", "GRANIAN_"))}
    return {**base, **env}


def manage(env: dict, *args, check=True, extra_env=None, quiet=True, timeout=1800):
    return run([PYTHON, "manage.py", *args], env={**process_env(env), **(extra_env or {})}, cwd=ROOT,
               check=check, quiet=quiet, timeout=timeout)


# --- nginx -----------------------------------------------------------------------------------------


def render_site(p: dict, prod: Path | None = None) -> str:
    """deploy/nginx/htxconnect.conf with loopback ports and paths under `prod` (var/prod); nothing
    else changes. p: {"nginx", "nginx_tls", "nginx_redirect": ports, "apps": [app server ports]}.
    tests/ops/test_stack.py serves the same rendering."""
    prod = Path(prod or PROD)
    site = (DEPLOY / "nginx" / "htxconnect.conf").read_text()
    site = re.sub(r"^\s*listen\s+\[::\]:[^;]*;\n", "", site, flags=re.M)

    def tls_listen(match):
        flags = match.group(1).split()
        plain = " ".join(f for f in flags if f not in ("ssl", "http2", "quic"))
        return (f"listen 127.0.0.1:{p['nginx_tls']} {' '.join(flags)};\n"
                f"    listen 127.0.0.1:{p['nginx']}{(' ' + plain) if plain else ''};")

    site, n_tls = re.subn(r"listen\s+443\s+([^;]*);", tls_listen, site)
    site, n_plain = re.subn(r"listen\s+80(\s[^;]*)?;", lambda m: f"listen 127.0.0.1:{p['nginx_redirect']}{m.group(1) or ''};",
                            site)
    if n_tls != 1:
        fail("deploy/nginx/htxconnect.conf: expected one `listen 443 …` server (the site)")
    upstream_servers = "\n".join(f"    server 127.0.0.1:{port};" for port in p["apps"])
    site, n_up = re.subn(r"(upstream\s+htxconnect_app\s*\{[^}]*?)((?:\s*server\s+[^;]+;[^\n]*\n)+)",
                         lambda m: m.group(1) + "\n" + upstream_servers + "  # prodstack: Granian app servers\n",
                         site, count=1)
    if n_up != 1:
        fail("deploy/nginx/htxconnect.conf: no `upstream htxconnect_app { server …; }` block")
    site = map_paths(site, prod)
    directives = re.sub(r"#[^\n]*", "", site)
    left = sorted(set(re.findall(r"(?<![\w.])/(?:etc|srv|var/(?:cache|log|www))/[^\s;\"']*", directives)))
    left = [x for x in left if not x.startswith(str(prod))]
    if left:
        fail("deploy/nginx/htxconnect.conf: đường dẫn chưa được thay / paths prodstack does not map: " + ", ".join(left))
    return site


def map_paths(text: str, prod: Path) -> str:
    """The server's paths in deploy/nginx/ config moved under `prod`: /srv/htxconnect/ is `prod`
    (scan pages in prod/scan-pages/), nginx's caches, logs and certificates under prod/nginx and
    prod/logs; the proxy snippet is read from deploy/ itself."""
    nginx_dir, logs = prod / "nginx", prod / "logs"
    text = text.replace("/etc/nginx/snippets/htxconnect-proxy.conf", str(DEPLOY / "nginx" / "htxconnect-proxy.conf"))
    text = re.sub(r"/etc/letsencrypt/live/[^/\s;]+/fullchain\.pem", str(nginx_dir / "tls" / "cert.pem"), text)
    text = re.sub(r"/etc/letsencrypt/live/[^/\s;]+/privkey\.pem", str(nginx_dir / "tls" / "key.pem"), text)
    text = text.replace("/var/cache/nginx/", f"{nginx_dir}/cache/")
    text = text.replace("/var/log/nginx/", f"{logs}/")
    text = text.replace("/var/www/", f"{nginx_dir}/www/")
    return text.replace("/srv/htxconnect/", f"{prod}/")


def site_part(name: str, prod: Path) -> str:
    """The `# BEGIN <name>` … `# END <name>` part of deploy/nginx/htxconnect.conf, its paths under
    `prod` (map_paths): tests/resolver/test_scan_page_nginx.py and bench/scan_page.py serve the
    "scan-page maps" and "scan-page locations" alone, as they are."""
    site = (DEPLOY / "nginx" / "htxconnect.conf").read_text()
    return map_paths(re.search(rf"# BEGIN {name}.*?\n(.*?)# END {name}", site, re.S).group(1), Path(prod))


def nginx_user() -> str:
    """As root, nginx's workers run as root too: they read files under a root checkout's var/prod
    or a test's temporary directory, which the default user (nobody) may not."""
    return "user root;\n" if os.geteuid() == 0 else ""


def nginx_mime_types() -> str:
    return "include /etc/nginx/mime.types;\n" if Path("/etc/nginx/mime.types").exists() else ""


def scan_page_lot(*, username: str, organization: str, company_prefix: str, product: str, lot: str,
                  steps: tuple[str, ...], days_ago: int, quantity: int) -> str:
    """Python for `manage.py shell -c` that gives a fresh demo database one lot with a scan page,
    for the harnesses that serve it through the "scan-page" parts of nginx
    (tests/resolver/test_scan_page_nginx.py, bench/scan_page.py): an administrator `username`, the
    cooperative `organization` with its demo GS1 `company_prefix`, `product` with a GTIN, the lot
    `lot` (produced 1 Nov 2026) and its trace `steps`, the first `days_ago` days ago and each next
    one 5 hours later, `quantity` each, at the cooperative's farm ("Vườn ổi"; a "ship" step goes
    to its store, "Kho Thủ Đức", made only then). Prints the page's path, /scan/01/<gtin>/10/<lot>/."""
    values = {"username": username, "organization": organization, "company_prefix": company_prefix,
              "product": product, "lot": lot, "steps": list(steps), "days_ago": days_ago, "quantity": quantity}
    return f"""
import datetime
from django.utils import timezone
from htxconnect.core.actors import SYSTEM
from htxconnect.registry import services as rs
from htxconnect.resolver import services, steps
from django.contrib.auth import get_user_model
v = {values!r}
user = get_user_model().objects.create_user(username=v["username"], password="x" * 20, role="admin")
org = rs.create_organization(actor=SYSTEM, name=v["organization"], province_code="79")
prefix = services.register_company_prefix(actor=SYSTEM, organization=org, prefix=v["company_prefix"], is_demo=True)
product = rs.create_product(actor=SYSTEM, producer=org, name=v["product"], category="fruit")
gtin = services.assign_gtin(actor=SYSTEM, product=product)
product.refresh_from_db()
farm = services.create_location(actor=SYSTEM, organization=org, name="Vườn ổi")
store = (services.create_location(actor=SYSTEM, organization=org, name="Kho Thủ Đức")
         if "ship" in v["steps"] else None)
lot = services.create_lot(actor=SYSTEM, product=product, code=v["lot"], production_date=datetime.date(2026, 11, 1))
start = timezone.now() - datetime.timedelta(days=v["days_ago"])
for i, step in enumerate(v["steps"]):
    steps.record_step(actor=SYSTEM, owner=user, lot=lot, step=step, when=start + datetime.timedelta(hours=5 * i),
                      location=farm, quantity=v["quantity"], destination=store if step == "ship" else None)
print(f"/scan/01/{{gtin}}/10/{{lot.code}}/")
"""


def make_site_dirs(site: str, prod: Path | None = None) -> None:
    """The directories the rendered site names (static, media, protected, caches, pages…)."""
    prod = Path(prod or PROD)
    for d in ("nginx/cache", "nginx/tls", "nginx/www", "logs", "static", "media", "protected"):
        (prod / d).mkdir(parents=True, exist_ok=True)
    for path in re.findall(rf"(?:alias|root|proxy_cache_path)\s+({re.escape(str(prod))}/[^\s;]*)", site):
        Path(path.split("$")[0]).mkdir(parents=True, exist_ok=True)


def self_signed_certificate(prod: Path | None = None) -> None:
    tls = Path(prod or PROD) / "nginx" / "tls"
    cert, key = tls / "cert.pem", tls / "key.pem"
    if not cert.exists():
        tls.mkdir(parents=True, exist_ok=True)
        run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "3650", "-subj", "/CN=127.0.0.1",
             "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", key, "-out", cert])


def write_nginx(p: dict) -> Path:
    for d in ("client_body", "proxy_temp"):
        (L.nginx / d).mkdir(parents=True, exist_ok=True)
    site = render_site(p)
    make_site_dirs(site)
    self_signed_certificate()
    (L.nginx / "site.conf").write_text(site)
    user, mime = nginx_user(), nginx_mime_types()
    conf = L.nginx / "nginx.conf"
    conf.write_text(
        "# Rendered by scripts/prodstack.py from deploy/nginx/ — do not edit, edit deploy/ instead.\n"
        f"{user}worker_processes auto;\npid {L.nginx / 'nginx.pid'};\nerror_log {L.logs / 'nginx-error.log'};\n"
        "events { worker_connections 4096; }\n"
        "http {\n"
        f" {mime} default_type application/octet-stream;\n sendfile on;\n tcp_nopush on;\n"
        f" client_body_temp_path {L.nginx / 'client_body'};\n proxy_temp_path {L.nginx / 'proxy_temp'};\n"
        f" fastcgi_temp_path {L.nginx / 'proxy_temp'};\n uwsgi_temp_path {L.nginx / 'proxy_temp'};\n"
        f" scgi_temp_path {L.nginx / 'proxy_temp'};\n"
        f" access_log {L.logs / 'nginx-access.log'};\n include {L.nginx / 'site.conf'};\n}}\n")
    return conf


def nginx_pid() -> int | None:
    try:
        return int((L.nginx / "nginx.pid").read_text().strip())
    except (OSError, ValueError):
        return None


def start_nginx(p: dict) -> None:
    conf = write_nginx(p)
    nginx = nginx_bin()
    run([nginx, "-t", "-q", "-c", conf, "-p", L.nginx])
    pid = nginx_pid()
    if ours(pid, "nginx"):
        run([nginx, "-c", conf, "-p", L.nginx, "-s", "reload"])  # picks up a changed deploy/ config
        say(f"nginx: cấu hình nạp lại / reloaded (pid {pid})")
        return
    run([nginx, "-c", conf, "-p", L.nginx])
    wait_port(p["nginx"], "nginx", log=L.logs / "nginx-error.log")
    say(f"nginx: http://127.0.0.1:{p['nginx']}/  https://127.0.0.1:{p['nginx_tls']}/ (tự ký / self-signed)")


def stop_nginx() -> None:
    pid = nginx_pid()
    if ours(pid, "nginx"):
        os.kill(pid, signal.SIGQUIT)
        wait_gone(pid, 20)
        say("nginx: đã dừng / stopped")


# --- app servers and workers -----------------------------------------------------------------------


def spawn(name: str, args: list, env: dict) -> int:
    log = open(L.logs / f"{name}.log", "a")
    process = subprocess.Popen([str(a) for a in args], cwd=ROOT, env=process_env(env), stdin=subprocess.DEVNULL,
                               stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    return process.pid


def granian_args(port: int, workers: int) -> list:
    # The command of deploy/systemd/htxconnect-web.service, on our port.
    return [VENV_BIN / "granian", "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port),
            "--workers", str(workers), "--blocking-threads", os.environ.get("GRANIAN_BLOCKING_THREADS", "4"),
            "--respawn-failed-workers", "--no-ws", "--log-level", "warning", "htxconnect.wsgi:application"]


def worker_commands(task_backend: str, count: int) -> dict[str, list]:
    """name → command of the task workers: one per group of queues with `manage.py run_worker`
    (either backend), else `count` database-queue workers taking every queue."""
    if (ROOT / "htxconnect" / "core" / "management" / "commands" / "run_worker.py").exists():
        return {f"worker-{'-'.join(g)}": [PYTHON, "manage.py", "run_worker", *g] for g in QUEUE_GROUPS}
    return {f"worker-{i + 1}": [PYTHON, "manage.py", "db_worker", "--queue-name", "*", "--interval", "1", "--no-reload"]
            for i in range(count)}


# Captures get a worker of their own (big EPCIS documents must not wait behind a report).
QUEUE_GROUPS = [["capture"], ["default", "mail"], ["reports", "labels"]]


def rq_available() -> bool:
    # find_spec, not import: importing django_tasks_rq reads Django settings, unset here.
    probe = subprocess.run([PYTHON, "-c", "import importlib.util, sys; sys.exit(importlib.util.find_spec('django_tasks_rq') is None)"],
                           capture_output=True)
    settings_text = (ROOT / "htxconnect" / "settings.py").read_text()
    return probe.returncode == 0 and '"rq"' in settings_text


# --- up / down / status ----------------------------------------------------------------------------


def stack_json(p: dict, env: dict, state: dict) -> dict:
    pids = {name: pid for name, pid in state.get("pids", {}).items()}
    if redis_pid():
        pids["redis"] = redis_pid()
    if nginx_pid():
        pids["nginx"] = nginx_pid()
    pg_pidfile = L.pg / "postmaster.pid"
    if pg_pidfile.exists():
        pids["postgres"] = int(pg_pidfile.read_text().split()[0])
    return {
        "base_url": f"http://127.0.0.1:{p['nginx']}",
        "tls_base_url": f"https://127.0.0.1:{p['nginx_tls']}",
        "nginx_port": p["nginx"], "nginx_tls_port": p["nginx_tls"], "nginx_redirect_port": p["nginx_redirect"],
        "app_ports": p["apps"], "app_port": p["apps"][0],
        "pg_port": p["pg"], "pg_datadir": str(L.pg), "pg_bin": str(pg_bin()), "pg_socket_dir": str(L.run),
        "pg_user": state.get("pg_user"),
        "pg_admin_url": f"postgresql://postgres@/htxconnect?host={L.run}&port={p['pg']}",
        "redis_port": p["redis"], "redis_dir": str(L.redis), "redis_conf": str(L.redis / "redis.conf"),
        "redis_pidfile": str(L.redis / "redis.pid"),
        "database_url": env["DATABASE_URL"], "redis_url": env["REDIS_URL"],
        "media_root": str(L.media), "static_root": str(L.static), "logs": str(L.logs),
        "nginx_conf": str(L.nginx / "nginx.conf"), "nginx_cache": str(L.nginx / "cache"),
        "task_backend": env["TASK_BACKEND"],
        "workers": state.get("workers", []),
        "admin": {"username": ADMIN_USERNAME, "password_file": str(PROD / "admin_password"),
                  "codes_file": str(PROD / "admin.txt")},
        "demo": state.get("demo", False),
        "env": env,
        "pids": pids,
        "python": PYTHON, "root": str(ROOT),
    }


def up(args) -> None:
    ensure_system_deps()
    if not (VENV_BIN / "granian").exists():
        fail("Chưa cài môi trường Python / no .venv: chạy `make install assets` trước / run it first.")
    PROD.mkdir(parents=True, exist_ok=True)
    L.logs.mkdir(parents=True, exist_ok=True)
    state = read_json(L.state, {}) or {}
    user = service_user()
    state["pg_user"] = user
    p = ports(args.app_servers)
    task_backend = args.task_backend or os.environ.get("PROD_TASK_BACKEND") or ("rq" if rq_available() else "database")
    env = app_env(p, task_backend)
    write_private(PROD / "env", "".join(f"{k}={v}\n" for k, v in env.items()))

    start_pg(p, user)
    start_redis(p)
    if args.only == "data":  # PostgreSQL and Redis only (tests, or a developer's own runserver)
        state.setdefault("pids", {})
        L.state.write_text(json.dumps(state, indent=1))
        write_private(L.stack, json.dumps(stack_json(p, env, state), indent=1, ensure_ascii=False) + "\n")
        say(f"PostgreSQL 127.0.0.1:{p['pg']}, Redis 127.0.0.1:{p['redis']} — {L.stack}")
        return

    say("Django: migrate, collectstatic…")
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "collectstatic", "--noinput", "-v", "0")
    if not (PROD / "admin.txt").exists():
        password = generated("admin_password", 18)
        out = manage(env, "create_admin", ADMIN_USERNAME, "--agency", "Sở Khoa học và Công nghệ (stack)",
                     "--province", "91", "--full-name", "Quản trị (prod stack)", check=False,
                     extra_env={"HTX_ADMIN_PASSWORD": password})
        write_private(PROD / "admin.txt", out.stdout + out.stderr)
        if out.returncode != 0:
            say("create_admin: " + (out.stderr or out.stdout).strip().splitlines()[-1])
    demo = args.demo and not os.environ.get("PROD_NO_DEMO")
    if demo and not state.get("demo"):
        say("Django: load_demo (dữ liệu mẫu / demo data)…")
        manage(env, "load_demo")
        state["demo"] = True

    pids = state.get("pids", {})
    if not any(ours(pid, "granian") or ours(pid, "manage.py") for pid in pids.values()):
        # No process of ours writes samples any more: start the counters from zero, as the
        # systemd unit does (files of dead processes would otherwise be added up forever).
        shutil.rmtree(PROD / "metrics", ignore_errors=True)
    (PROD / "metrics").mkdir(exist_ok=True)
    wanted_apps = {f"app-{port}": port for port in p["apps"]}
    for name in [n for n in pids if n.startswith("app-") and n not in wanted_apps]:
        stop_pid(name, pids.pop(name), "granian")
    for name, port in wanted_apps.items():
        if not ours(pids.get(name), "granian"):
            pids[name] = spawn(name, granian_args(port, args.workers), env)
    workers = worker_commands(task_backend, args.task_workers)
    for name in [n for n in pids if n.startswith("worker-") and n not in workers]:
        stop_pid(name, pids.pop(name), "manage.py")
    for name, command in workers.items():
        if not ours(pids.get(name), "manage.py"):
            pids[name] = spawn(name, command, env)
    if not ours(pids.get("periodic"), "run_periodic"):
        pids["periodic"] = spawn("periodic", [PYTHON, "manage.py", "run_periodic"], env)
    state.update(pids=pids, workers=sorted(workers), task_backend=task_backend)
    L.state.write_text(json.dumps(state, indent=1))
    for name, port in wanted_apps.items():
        wait_port(port, f"Granian {name}", pid=pids[name], log=L.logs / f"{name}.log")
    start_nginx(p)

    stack = stack_json(p, env, state)
    write_private(L.stack, json.dumps(stack, indent=1, ensure_ascii=False) + "\n")
    health = healthz(p)
    say("")
    say(f"HTX Connect (production stack) đang chạy / is running: http://127.0.0.1:{p['nginx']}/")
    say(f"  HTTPS (chứng chỉ tự ký / self-signed): https://127.0.0.1:{p['nginx_tls']}/")
    say(f"  /readyz: {health}")
    say(f"  app servers: {', '.join(map(str, p['apps']))} × {args.workers} workers; "
        f"task backend {task_backend}: {', '.join(sorted(workers))}")
    say(f"  PostgreSQL 127.0.0.1:{p['pg']}  Redis 127.0.0.1:{p['redis']}  — {L.stack}")
    say(f"  /metrics (Prometheus): curl -H \"Authorization: Bearer $(cat {PROD / 'metrics_token'})\" "
        f"http://127.0.0.1:{p['apps'][0]}/metrics")
    say(f"Quản trị / administrator: {ADMIN_USERNAME} / {generated('admin_password', 18)} "
        f"(mã 2 lớp / 2FA codes: {PROD / 'admin.txt'})")
    if state.get("demo"):
        out = manage(env, "demo_logins", check=False)
        say(out.stdout.rstrip())
    say("Dừng / stop: make prod-down")


def healthz(p: dict) -> str:
    try:
        # /readyz: database, cache, task queue, migrations (/healthz only says the process is up).
        with urllib.request.urlopen(f"http://127.0.0.1:{p['nginx']}/readyz", timeout=30) as response:
            return json.loads(response.read()).get("status", "?")
    except urllib.error.HTTPError as exc:
        try:
            return json.loads(exc.read()).get("status", str(exc.code))
        except ValueError:
            return str(exc.code)
    except OSError as exc:
        return f"không trả lời / no answer ({exc})"


def wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not process_alive(pid):
            return True
        time.sleep(0.1)
    return False


def stop_pid(name: str, pid: int | None, marker: str, timeout: float = 30) -> None:
    if not ours(pid, marker):
        return
    try:
        os.killpg(pid, signal.SIGTERM)  # the process group: Granian's workers too
    except ProcessLookupError:
        return
    if not wait_gone(pid, timeout):
        os.killpg(pid, signal.SIGKILL)
        wait_gone(pid, 5)
    say(f"{name}: đã dừng / stopped")


MARKERS = {"app-": "granian", "worker-": "manage.py", "periodic": "run_periodic"}


def down(args) -> None:
    state = read_json(L.state, {}) or {}
    if not state and not L.pg.exists():
        say("Không có gì đang chạy / nothing to stop (var/prod is empty).")
        return
    stop_nginx()
    pids = state.get("pids", {})
    for name, pid in list(pids.items()):
        marker = next((m for prefix, m in MARKERS.items() if name.startswith(prefix)), None)
        if marker:
            stop_pid(name, pid, marker, timeout=60 if name.startswith("worker-") else 30)
    state["pids"] = {}
    L.state.write_text(json.dumps(state, indent=1))
    stop_redis()
    p = read_json(PROD / "ports.json", {}) or {}
    stop_pg(p, state.get("pg_user"))
    L.stack.unlink(missing_ok=True)
    say("Đã dừng toàn bộ / the production stack is stopped (dữ liệu giữ trong / data kept in var/prod).")


def restart(args) -> None:
    """Stop the app servers, task workers and clock, then `up` starts them with the current code."""
    state = read_json(L.state, {}) or {}
    for name, pid in list(state.get("pids", {}).items()):
        marker = next((m for prefix, m in MARKERS.items() if name.startswith(prefix)), None)
        if marker:
            stop_pid(name, pid, marker, timeout=60 if name.startswith("worker-") else 30)
    up(args)


def status(args) -> int:
    state = read_json(L.state, {}) or {}
    p = read_json(PROD / "ports.json", {}) or {}
    rows = []
    pg_pid = None
    if (L.pg / "postmaster.pid").exists():
        pg_pid = int((L.pg / "postmaster.pid").read_text().split()[0])
    rows.append(("postgresql", pg_pid, bool(pg_pid) and process_alive(pg_pid), p.get("pg")))
    rows.append(("redis", redis_pid(), ours(redis_pid(), "redis-server"), p.get("redis")))
    rows.append(("nginx", nginx_pid(), ours(nginx_pid(), "nginx"), p.get("nginx")))
    for name, pid in sorted(state.get("pids", {}).items()):
        marker = next((m for prefix, m in MARKERS.items() if name.startswith(prefix)), "")
        port = int(name.split("-")[1]) if name.startswith("app-") else None
        rows.append((name, pid, ours(pid, marker), port))
    all_up = bool(rows) and all(r[2] for r in rows) and bool(state.get("pids"))
    if args.json:
        print(json.dumps({"running": all_up, "components": [
            {"name": n, "pid": pid, "running": ok, "port": port} for n, pid, ok, port in rows]}))
    else:
        for name, pid, ok, port in rows:
            print(f"{name:<28} {'chạy / running' if ok else 'dừng / stopped':<16} pid {pid or '-':<8} "
                  f"port {port or '-'}")
        if p.get("nginx") and all_up:
            print(f"/readyz: {healthz(p)}  — http://127.0.0.1:{p['nginx']}/")
    return 0 if all_up else 3


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_up = sub.add_parser("up", help="start (or complete) the stack")
    p_restart = sub.add_parser("restart", help="restart app servers and workers (after a code change)")
    p_up.add_argument("--no-demo", dest="demo", action="store_false", help="do not load the demo data")
    p_up.add_argument("--app-servers", type=int, default=int(os.environ.get("PROD_APP_SERVERS", 2)))
    p_up.add_argument("--workers", type=int, default=int(os.environ.get("PROD_GRANIAN_WORKERS", 2)),
                      help="Granian workers per app server")
    p_up.add_argument("--task-workers", type=int, default=int(os.environ.get("PROD_TASK_WORKERS", 2)),
                      help="database-queue workers (RQ: one per queue group)")
    p_up.add_argument("--task-backend", choices=["database", "rq"], default=None)
    p_up.add_argument("--only", choices=["data"], default=None, help="data: start PostgreSQL and Redis only")
    for option in p_up._actions[1:]:
        p_restart._add_action(option)
    sub.add_parser("down", help="stop what the stack started")
    p_status = sub.add_parser("status", help="what runs")
    p_status.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.command == "up":
        up(args)
    elif args.command == "restart":
        restart(args)
    elif args.command == "down":
        down(args)
    else:
        return status(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
