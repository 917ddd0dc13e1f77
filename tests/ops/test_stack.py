"""The production stack for real: nginx with deploy/nginx/ in front of Granian running the app in
DJANGO_ENV=production, on free local ports. Needs nginx and openssl (tests.tools.require_commands).

Checks what only the assembled stack shows: TLS and the HTTP→HTTPS redirect, static files served
by nginx with long caching, X-Forwarded-Proto trusted (no redirect loop), the API through the
proxy, and the scan-page cache zone.
"""

import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest

from tests.tools import free_port, require, require_commands, stop_process_group, wait_listening

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
import prodstack  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
HOST = "htx.example.vn"
# Production's cookie names (ASVS 5.0 3.3.1: Secure and __Host-), which deploy/nginx reads.
SESSION, CSRF = "__Host-sessionid", "__Host-csrftoken"
METRICS_TOKEN = secrets.token_urlsafe(40)
PASSWORD = "Mat-khau-rat-dai-2026"


PRIVATE_FILE_SETUP = """
import datetime, json
from importlib import import_module
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.core.files.base import ContentFile
from htxconnect.accounts.models import User
from htxconnect.core.actors import SYSTEM
from htxconnect.registry import services
from htxconnect.registry.models import OrganizationUser

def session(user):
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY], store[BACKEND_SESSION_KEY] = str(user.pk), settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key

people = {}
for who, name in (("owner", "HTX Kho Tệp"), ("outsider", "HTX Bên Cạnh")):
    user = User.objects.create_user("chu." + who, role="coop_manager")
    org = services.create_organization(actor=SYSTEM, name=name, province_code="79")
    OrganizationUser.objects.create(user=user, organization=org, role=OrganizationUser.Role.MANAGER)
    people[who] = (user, org)
cert = services.create_certification(actor=SYSTEM, organization=people["owner"][1], type="vietgap",
                                     issue_date=datetime.date(2026, 1, 5),
                                     document=ContentFile(b"%PDF-1.4 ban quet\\n", name="Giấy chứng nhận.pdf"))
print(json.dumps({"name": cert.document.name, "url": cert.document.url, "owner": session(people["owner"][0]),
                  "outsider": session(people["outsider"][0])}))
"""


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    require_commands("nginx", "openssl")
    tmp = tmp_path_factory.mktemp("stack")
    http_port, https_port, plain_port, app_port = free_port(), free_port(), free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_"))}
    env.update(DJANGO_ENV="production", SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS=HOST,
               DATABASE_URL=f"sqlite:///{tmp / 'db.sqlite3'}", STATIC_ROOT=str(tmp / "static"),
               MEDIA_ROOT=str(tmp / "media"), TRUST_X_REAL_IP="true", TRUST_X_FORWARDED_PROTO="true",
               TASK_BACKEND="database", TRUST_X_REQUEST_ID="true", METRICS_TOKEN=METRICS_TOKEN,
               PROMETHEUS_MULTIPROC_DIR=str(tmp / "metrics"),
               FILES_X_ACCEL_REDIRECT="true")  # behind this nginx, as deploy/htxconnect.env.example sets it
    python = sys.executable
    for args in (["migrate", "--noinput", "-v", "0"], ["collectstatic", "--noinput", "-v", "0"]):
        subprocess.run([python, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, timeout=300)
    (tmp / "media" / "registry" / "products" / "2026").mkdir(parents=True, exist_ok=True)
    (tmp / "media" / "registry" / "products" / "2026" / "anh.txt").write_text("ảnh sản phẩm\n")
    (tmp / "media" / "note.txt").write_text("tệp tải lên\n")
    # A private file: a certification scan of a cooperative, with a session for its manager and one
    # for another cooperative's manager (database sessions, as the browser would hold them).
    files_out = subprocess.run([python, "manage.py", "shell", "-c", PRIVATE_FILE_SETUP], cwd=ROOT, env=env, check=True,
                               capture_output=True, text=True, timeout=120)
    private = json.loads(files_out.stdout.strip().splitlines()[-1])
    key_out = subprocess.run(
        [python, "manage.py", "shell", "-c",
         "from htxconnect.accounts.models import User; from htxconnect.accounts.apikeys import issue_key;"
         "u = User.objects.create_user('may.epcis', role='buyer'); from htxconnect.core.actors import SYSTEM; print(issue_key(u, 'stack', by=SYSTEM)[1]);"
         f"User.objects.create_user('nguoi.mua', password={PASSWORD!r}, role='buyer')"],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True, timeout=120)
    api_key = key_out.stdout.strip().splitlines()[-1]

    granian = shutil.which("granian", path=str(Path(python).parent)) or "granian"
    app = subprocess.Popen([granian, "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(app_port),
                            "--workers", "2", "--no-ws", "--log-level", "warning", "htxconnect.wsgi:application"],
                           cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=open(tmp / "granian.log", "w"),
                           start_new_session=True)  # its own process group: the workers are stopped with it
    # The site as `make prod-up` renders it from deploy/nginx/ (scripts/prodstack.py): ports and paths only.
    site = prodstack.render_site({"nginx": plain_port, "nginx_tls": https_port, "nginx_redirect": http_port,
                                  "apps": [app_port]}, prod=tmp)
    prodstack.make_site_dirs(site, prod=tmp)
    prodstack.self_signed_certificate(prod=tmp)
    (tmp / "site.conf").write_text(site)
    (tmp / "nginx.conf").write_text(
        f"{prodstack.nginx_user()}daemon off;\npid {tmp}/nginx.pid;\nerror_log {tmp}/logs/error.log;\nevents {{}}\n"
        f"http {{\n {prodstack.nginx_mime_types()} access_log {tmp}/logs/access.log;\n include {tmp}/site.conf;\n}}\n")
    nginx = subprocess.Popen(["nginx", "-c", str(tmp / "nginx.conf"), "-p", str(tmp)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_listening(app_port, app, timeout=180)
        wait_listening(https_port, nginx, timeout=180)
        yield {"http": http_port, "https": https_port, "plain": plain_port, "app": app_port, "static": tmp / "static",
               "key": api_key, "logs": tmp / "logs", "private": private}
    finally:
        nginx.send_signal(signal.SIGQUIT)
        stop_process_group(app)
        try:
            nginx.wait(timeout=15)
        except subprocess.TimeoutExpired:
            nginx.kill()


def get(port, path, tls=True, headers=None, method="GET", body=None):
    if tls:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        conn = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=60)
    else:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request(method, path, body=body, headers={"Host": HOST, **(headers or {})})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response, body


def test_http_redirects_to_https(stack):
    response, _ = get(stack["http"], "/accounts/login/", tls=False)
    assert response.status == 301
    assert response.getheader("Location") == f"https://{HOST}/accounts/login/"


def test_healthz_and_readyz_through_nginx(stack):
    response, body = get(stack["https"], "/healthz")
    assert response.status == 200, body
    assert json.loads(body) == {"status": "ok"}
    response, body = get(stack["https"], "/readyz")
    assert response.status == 200, body
    data = json.loads(body)
    assert data["status"] == "ok" and data["migrations"]["ok"] is True
    assert data["tasks"]["backend"] == "DatabaseBackend" and data["tasks"]["pending"] == 0


def test_one_request_id_in_nginx_log_app_and_response(stack):
    """nginx makes the id, Django trusts it (TRUST_X_REQUEST_ID) and answers with it, nginx logs it (JSON)."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    conn = http.client.HTTPSConnection("127.0.0.1", stack["https"], context=context, timeout=60)
    conn.request("GET", "/accounts/login/", headers={"Host": HOST, "X-Request-ID": "client-chosen-id-000"})
    response = conn.getresponse()
    response.read()
    request_id = response.getheader("X-Request-ID")
    assert request_id and request_id != "client-chosen-id-000" and len(request_id) == 32
    assert response.getheaders().count(("X-Request-ID", request_id)) == 1
    # nginx logs a request once it is done with it, which may be after the client has the answer;
    # on a kept-alive connection it is done with it before it reads the next one: ask again, then read.
    conn.request("GET", "/healthz", headers={"Host": HOST})
    conn.getresponse().read()
    conn.close()
    logged = [json.loads(line) for line in (stack["logs"] / "htxconnect.access.log").read_text().splitlines()]
    [line] = [entry for entry in logged if entry["request_id"] == request_id]
    assert (line["method"], line["uri"], line["status"]) == ("GET", "/accounts/login/", 200)
    # a scan page answered by nginx (its cache, or the page file Django wrote: resolver.pagefiles)
    # gets a new id, not the one of the request that filled it
    path = "/scan/01/08930000000019/10/LOT-" + secrets.token_hex(3) + "/"
    first, _ = get(stack["https"], path)
    second, _ = get(stack["https"], path)
    assert second.status == first.status
    assert second.getheader("X-Request-ID") and first.getheader("X-Request-ID") != second.getheader("X-Request-ID")


def test_metrics_never_through_nginx_but_from_granian_with_the_token(stack):
    for headers in ({}, {"Authorization": f"Bearer {METRICS_TOKEN}"}):
        response, body = get(stack["https"], "/metrics", headers=headers)
        assert response.status == 404 and b"htx_" not in body
    response, _ = get(stack["app"], "/metrics", tls=False)
    assert response.status == 403
    response, body = get(stack["app"], "/metrics", tls=False, headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert response.status == 200
    assert b'htx_http_requests_total{method="GET",route="healthz",status="200"}' in body


def test_pages_are_served_over_https_without_a_redirect_loop(stack):
    response, body = get(stack["https"], "/accounts/login/")
    assert response.status == 200  # Django saw X-Forwarded-Proto: https
    assert "max-age=31536000" in response.getheader("Strict-Transport-Security", "")
    assert "default-src 'self'" in response.getheader("Content-Security-Policy", "")


def test_static_files_come_from_nginx_with_long_caching(stack):
    hashed = next(p for p in (stack["static"] / "ninja").iterdir()
                  if p.name.startswith("swagger-ui-bundle.") and p.suffix == ".js" and p.name.count(".") == 2)
    response, body = get(stack["https"], f"/static/ninja/{hashed.name}", headers={"Accept-Encoding": "gzip"})
    assert response.status == 200
    assert "immutable" in response.getheader("Cache-Control", "")
    assert response.getheader("Content-Encoding") == "gzip"  # the .gz written by collectstatic
    assert response.getheader("Server", "").startswith("nginx")


def test_uploaded_files_are_served_sandboxed(stack):
    """The pictures of public pages (core.storage.PUBLIC_PREFIXES) are served by nginx at /media/."""
    response, body = get(stack["https"], "/media/registry/products/2026/anh.txt")
    assert response.status == 200 and body.decode() == "ảnh sản phẩm\n"
    assert "sandbox" in response.getheader("Content-Security-Policy", "")
    assert response.getheader("X-Content-Type-Options") == "nosniff"


def test_private_files_are_never_served_at_media(stack):
    """Any other name at /media/ is 404, even when the file is on disk, and so is a way around it."""
    name = stack["private"]["name"]
    assert name.startswith("registry/certifications/")
    for path in (f"/media/{quote(name)}", "/media/note.txt", f"/media/registry/products/..%2F..%2F{quote(name)}",
                 f"/media/registry/products/../../{quote(name)}", "/_protected/note.txt",
                 f"/_protected/{quote(name)}"):
        response, body = get(stack["https"], path)
        assert response.status in (400, 404), (path, response.status)
        assert b"ban quet" not in body and "tệp tải lên".encode() not in body


def test_a_private_file_is_sent_by_nginx_after_the_apps_permission_check(stack):
    """/files/<name>: Django checks the reader and answers X-Accel-Redirect; nginx sends the bytes
    from MEDIA_ROOT with the sandboxing headers. Another cooperative and a visitor get 404."""
    url = stack["private"]["url"]
    assert url.startswith("/files/registry/certifications/")
    response, body = get(stack["https"], url, headers={"Cookie": f"{SESSION}={stack['private']['owner']}"})
    assert response.status == 200, body[:500]
    assert body == b"%PDF-1.4 ban quet\n"
    assert response.getheader("X-Accel-Redirect") is None  # nginx consumed it
    assert response.getheader("Content-Type") == "application/pdf"
    assert response.getheader("Content-Disposition", "").startswith("attachment;")
    assert response.getheader("Cache-Control") == "private, no-store"
    assert "sandbox" in response.getheader("Content-Security-Policy", "")
    assert response.getheader("X-Content-Type-Options") == "nosniff"
    for headers in ({"Cookie": f"{SESSION}={stack['private']['outsider']}"}, {"Cookie": f"sessionid={stack['private']['owner']}"},
                    {}):  # the old name is no session
        response, body = get(stack["https"], url, headers=headers)
        assert response.status == 404 and b"ban quet" not in body, headers


def test_api_key_through_the_proxy(stack):
    response, body = get(stack["https"], "/api/v1/me", headers={"Authorization": f"Bearer {stack['key']}"})
    assert response.status == 200, body
    assert json.loads(body)["username"] == "may.epcis"
    response, body = get(stack["https"], "/api/v1/me", headers={"Authorization": "Bearer htx_sai"})
    assert response.status == 401
    assert json.loads(body)["detail"] == "Khóa API không hợp lệ hoặc đã bị thu hồi."


def test_scan_pages_go_through_the_cache_zone(stack):
    """Unknown product: the resolver's 404 says "public, max-age=60", so nginx serves repeats.
    (Scan pages are files written by Django: tests/resolver/test_scan_page_nginx.py.)"""
    for path in ("/01/08930000000019/10/LOT-" + secrets.token_hex(3),):
        first, _ = get(stack["https"], path)
        second, _ = get(stack["https"], path)
        assert first.status == 404, path
        assert first.getheader("X-Cache-Status") == "MISS"
        assert second.getheader("X-Cache-Status") == "HIT", path
        for cookie in (f"{SESSION}=abc", f"{CSRF}=x; {SESSION}=abc"):
            signed_in, _ = get(stack["https"], path, headers={"Cookie": cookie})
            assert signed_in.getheader("X-Cache-Status") == "BYPASS", cookie
        for cookie in ("sessionid=abc", f"{CSRF}=x"):  # not a session: served from the zone
            anonymous, _ = get(stack["https"], path, headers={"Cookie": cookie})
            assert anonymous.getheader("X-Cache-Status") == "HIT", cookie


def set_cookies(response) -> dict:
    """name → morsel of every Set-Cookie header of `response`."""
    found = {}
    for line in response.headers.get_all("Set-Cookie") or []:
        jar = SimpleCookie()
        jar.load(line)
        found.update(jar)
    return found


def test_signing_in_sets_host_cookies_and_nginx_then_keeps_its_cache_from_the_session(stack):
    """ASVS 5.0 3.3.1 through the real proxy: the production Set-Cookie headers carry __Host- names,
    Secure, HttpOnly (session), SameSite, Path=/ and no Domain; nginx treats a request carrying the
    __Host-sessionid cookie as signed in and serves it nothing from the cache zone."""
    page, body = get(stack["https"], "/accounts/login/")
    cookies = set_cookies(page)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body.decode()).group(1)
    form = urlencode({"username": "nguoi.mua", "password": PASSWORD, "csrfmiddlewaretoken": token})
    answer, body = get(stack["https"], "/accounts/login/", method="POST", body=form,
                       headers={"Cookie": f"{CSRF}={cookies[CSRF].value}", "Referer": f"https://{HOST}/accounts/login/",
                                "Content-Type": "application/x-www-form-urlencoded"})
    assert answer.status == 302, body[:500]
    cookies.update(set_cookies(answer))
    assert {SESSION, CSRF} <= set(cookies), cookies
    for name, morsel in cookies.items():
        assert name.startswith("__Host-"), name
        assert morsel["secure"] and morsel["path"] == "/" and not morsel["domain"], morsel.OutputString()
        assert morsel["samesite"] == "Lax", morsel.OutputString()
    assert cookies[SESSION]["httponly"]
    profile, _ = get(stack["https"], "/accounts/profile/", headers={"Cookie": f"{SESSION}={cookies[SESSION].value}"})
    assert profile.status == 200  # the session works through nginx
    path = "/01/08930000000019/10/LOT-" + secrets.token_hex(3)
    get(stack["https"], path)
    assert get(stack["https"], path)[0].getheader("X-Cache-Status") == "HIT"
    signed_in, _ = get(stack["https"], path, headers={"Cookie": f"{CSRF}=x; {SESSION}={cookies[SESSION].value}"})
    assert signed_in.getheader("X-Cache-Status") == "BYPASS"


def test_nothing_else_is_cached(stack):
    first, _ = get(stack["https"], "/accounts/login/")
    assert first.getheader("X-Cache-Status") is None


def test_the_plain_port_passes_the_scheme_and_a_client_cannot_forge_it(stack):
    """On the loopback HTTP port nginx says X-Forwarded-Proto: http, whatever the client sent, so
    Django (SECURE_SSL_REDIRECT on here) still sends the browser to https."""
    for headers in ({}, {"X-Forwarded-Proto": "https"}):
        response, _ = get(stack["plain"], "/accounts/login/", tls=False, headers=headers)
        assert response.status == 301, headers
        assert response.getheader("Location") == f"https://{HOST}/accounts/login/"


# --- scripts/prodstack.py: its own PostgreSQL and Redis, stopped by `down` and nothing else -------------


def run_prodstack(prod, *args, timeout=240):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_", "PROD_"))}
    env["PROD_DIR"] = str(prod)
    return subprocess.run([sys.executable, str(ROOT / "scripts" / "prodstack.py"), *args], env=env,
                          capture_output=True, text=True, timeout=timeout)


def test_prodstack_data_services_up_and_down(tmp_path):
    require_commands("redis-server")
    require(prodstack.pg_bin() is not None, "PostgreSQL server binaries (pg_ctl)")
    import psycopg
    import redis

    prod = tmp_path / "prod"
    bystander = subprocess.Popen(["redis-server", "--port", str(free_port()), "--bind", "127.0.0.1", "--save", "",
                                  "--appendonly", "no", "--dir", str(tmp_path)],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        first = run_prodstack(prod, "up", "--only", "data")
        assert first.returncode == 0, first.stdout + first.stderr
        stack = json.loads((prod / "stack.json").read_text())
        assert oct((prod / "stack.json").stat().st_mode & 0o777) == "0o600"
        with psycopg.connect(stack["database_url"]) as conn:
            assert conn.execute("SELECT current_user, current_database()").fetchone() == ("htx", "htxconnect")
        client = redis.Redis.from_url(stack["redis_url"])
        assert client.ping() and client.config_get("appendonly")["appendonly"] == "yes"
        assert client.config_get("dir")["dir"] == str(prod / "redis")
        assert stack["env"]["DJANGO_ENV"] == "production" and len((prod / "secret_key").read_text().strip()) >= 50
        assert "SECRET_KEY" not in stack["env"] and stack["env"]["SECRET_KEY_FILE"] == str(prod / "secret_key")
        with pytest.raises(redis.AuthenticationError):
            redis.Redis(port=stack["redis_port"]).set("x", 1)  # a password is required

        again = run_prodstack(prod, "up", "--only", "data")  # idempotent: the same servers
        assert again.returncode == 0, again.stderr
        assert json.loads((prod / "stack.json").read_text())["pids"] == stack["pids"]

        down = run_prodstack(prod, "down")
        assert down.returncode == 0, down.stderr
        for port in (stack["pg_port"], stack["redis_port"]):
            with pytest.raises(OSError):
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
        assert not (prod / "stack.json").exists()
        assert bystander.poll() is None  # a Redis the stack did not start keeps running
        assert run_prodstack(prod, "down").returncode == 0  # nothing left to stop: still fine
    finally:
        run_prodstack(prod, "down")
        bystander.terminate()
        bystander.wait(timeout=10)
