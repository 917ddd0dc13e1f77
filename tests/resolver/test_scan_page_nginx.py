"""The scan page through nginx with the scan parts of deploy/nginx/htxconnect.conf, Granian
running the app (its WSGI entry point, so the fast path too), a private Redis and the spool:
files served by nginx per language, Django for signed-in visitors and unclear languages, a
recall shown without waiting for any expiry, serial scans counted."""

import gzip
import http.client
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.tools import free_port, require_commands, stop_process_group, wait_listening

ROOT = Path(__file__).resolve().parents[2]
# The cookie names of production (settings.SECURE_COOKIES), which deploy/nginx/htxconnect.conf reads.
SESSION, LANG = "__Host-sessionid", "__Host-django_language"
sys.path.insert(0, str(ROOT / "scripts"))
import prodstack  # noqa: E402 - the scan-page parts of deploy/nginx/htxconnect.conf, as make prod-up maps them


# The lot whose scan page the tests ask for: one step (harvest) a day ago.
SETUP = prodstack.scan_page_lot(username="nginx", organization="HTX Ổi Nginx", company_prefix="893999991",
                                product="Ổi qua nginx", lot="NGINX-01", steps=("harvest",), days_ago=1, quantity=10)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    require_commands("nginx", "redis-server")
    tmp = tmp_path_factory.mktemp("scan-nginx")
    tmp.chmod(0o755)
    port, app_port, redis_port = free_port(), free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_", "SCAN_"))}
    env.update(DJANGO_ENV="demo", DEBUG="false", SECRET_KEY="scan-nginx-" + "x" * 40, ALLOWED_HOSTS="*",
               SECURE_COOKIES="true",  # production's cookie names (__Host-…), which deploy/nginx reads
               DATABASE_URL=f"sqlite:///{tmp / 'db.sqlite3'}", STATIC_ROOT=str(tmp / "static"),
               REDIS_URL=f"redis://127.0.0.1:{redis_port}/0", TASK_BACKEND="immediate",
               SCAN_PAGE_ROOT=str(tmp / "scan-pages"), SCAN_SPOOL_DIR=str(tmp / "spool"),
               SCAN_SPOOL_FSYNC_SECONDS="0", SCAN_SPOOL_ROTATE_SECONDS="0")  # each scan closed at once: flushable
    processes = []
    try:
        processes.append(subprocess.Popen(["redis-server", "--port", str(redis_port), "--save", "", "--appendonly",
                                           "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        python = sys.executable
        for args in (["migrate", "--noinput", "-v", "0"], ["collectstatic", "--noinput", "-v", "0"]):
            subprocess.run([python, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True,
                           timeout=600)
        setup = subprocess.run([python, "manage.py", "shell", "-c", SETUP], cwd=ROOT, env=env, capture_output=True,
                               text=True, timeout=300)
        assert setup.returncode == 0, setup.stderr
        page = setup.stdout.strip().splitlines()[-1]  # /scan/01/<gtin>/10/NGINX-01/
        gtin = page.split("/")[3]
        granian = shutil.which("granian", path=str(Path(python).parent)) or "granian"
        processes.append(subprocess.Popen(
            [granian, "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(app_port), "--workers", "1",
             "--no-ws", "--log-level", "warning", "htxconnect.wsgi:application"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=open(tmp / "granian.log", "w"),
            start_new_session=True))  # its own process group: its worker is stopped with it
        (tmp / "logs").mkdir()
        (tmp / "nginx.conf").write_text(
            f"{prodstack.nginx_user()}daemon off;\npid {tmp}/nginx.pid;\nerror_log {tmp}/logs/error.log;\nevents {{}}\n"
            f"http {{\n {prodstack.nginx_mime_types()} access_log off;\n"
            f" proxy_cache_path {tmp}/cache keys_zone=htx_scan:1m;\n{prodstack.site_part('scan-page maps', tmp)}\n"
            f" upstream htxconnect_app {{ server 127.0.0.1:{app_port}; keepalive 4; }}\n"
            f" server {{\n  listen 127.0.0.1:{port};\n{prodstack.site_part('scan-page locations', tmp)}\n }}\n}}\n")
        processes.append(subprocess.Popen(["nginx", "-c", str(tmp / "nginx.conf"), "-p", str(tmp)],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait_listening(app_port, processes[1], timeout=240)
        wait_listening(port, processes[2], timeout=240)
        yield {"port": port, "gtin": gtin, "env": env, "tmp": tmp, "app": processes[1],
               "page": page}
    finally:
        for process in reversed(processes):
            if Path(process.args[0]).name == "granian":
                stop_process_group(process)  # the master and its worker
                continue
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


def get(site, path, **headers):
    conn = http.client.HTTPConnection("127.0.0.1", site["port"], timeout=30)
    conn.request("GET", path, headers={k.replace("_", "-"): v for k, v in headers.items()})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response, body


def manage(site, code):
    return subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=site["env"], check=True,
                          capture_output=True, text=True, timeout=300).stdout.strip().splitlines()[-1]


def test_the_second_visitor_gets_the_file_with_the_same_page(site):
    first, body = get(site, site["page"], Accept_Language="vi-VN,vi;q=0.9")
    assert first.status == 200 and first.getheader("X-Cache-Status") is None  # Django rendered it
    second, again = get(site, site["page"], Accept_Language="vi-VN,vi;q=0.9")
    assert second.getheader("X-Cache-Status") == "FILE"
    assert again == body and second.getheader("Content-Language") == "vi"
    assert second.getheader("Content-Type") == "text/html; charset=utf-8"
    assert "frame-ancestors 'none'" in second.getheader("Content-Security-Policy")
    packed, data = get(site, site["page"], Accept_Language="vi", Accept_Encoding="gzip")
    assert packed.getheader("Content-Encoding") == "gzip" and gzip.decompress(data) == body  # gzip_static
    assert packed.getheader("Content-Type") == "text/html; charset=utf-8"
    no_header, _ = get(site, site["page"])  # no Accept-Language: Vietnamese, as Django decides
    assert no_header.getheader("X-Cache-Status") == "FILE" and no_header.getheader("Content-Language") == "vi"


def test_languages_each_their_file_and_unclear_ones_go_to_django(site):
    get(site, site["page"], Accept_Language="en-US,en;q=0.9")
    english, body = get(site, site["page"], Accept_Language="en-GB")
    assert english.getheader("X-Cache-Status") == "FILE" and english.getheader("Content-Language") == "en"
    assert b"Journey of this lot" in body
    by_cookie, _ = get(site, site["page"], Accept_Language="vi", Cookie=LANG + "=en")
    assert by_cookie.getheader("X-Cache-Status") == "FILE" and by_cookie.getheader("Content-Language") == "en"
    by_query, _ = get(site, site["page"] + "?lang=vi", Cookie=LANG + "=en")
    assert by_query.getheader("X-Cache-Status") == "FILE" and by_query.getheader("Content-Language") == "vi"
    unclear, _ = get(site, site["page"], Accept_Language="fr-FR, en;q=0.8")
    assert unclear.getheader("X-Cache-Status") is None and unclear.getheader("Content-Language") == "en"
    other_query, _ = get(site, site["page"] + "?17=261231")
    assert other_query.getheader("X-Cache-Status") is None and other_query.status == 200


def test_signed_in_visitors_go_to_django(site):
    get(site, site["page"])
    signed_in, _ = get(site, site["page"], Cookie=SESSION + "=abc; " + LANG + "=vi")
    assert signed_in.status == 200 and signed_in.getheader("X-Cache-Status") is None


def test_serial_scans_are_counted(site):
    for serial in ("501", "502", "503"):
        response, _ = get(site, f"/01/{site['gtin']}/10/NGINX-01/21/{serial}", Accept="text/html")
        assert response.status == 307
        assert response.getheader("Location").endswith(site["page"])
    stored = manage(site, "from htxconnect.resolver import spool; from htxconnect.resolver.models import ScanEvent;"
                          "spool.flush(); print(sorted(ScanEvent.objects.values_list('serial', flat=True)))")
    assert stored == "['501', '502', '503']"


def test_a_recall_replaces_the_file(site):
    get(site, site["page"])
    assert get(site, site["page"])[0].getheader("X-Cache-Status") == "FILE"
    manage(site, "from htxconnect.core.actors import SYSTEM; from htxconnect.resolver import services;"
                 "from htxconnect.resolver.models import Lot;"
                 "services.recall_lot(actor=SYSTEM, lot=Lot.objects.get(code='NGINX-01'), reason='Nấm mốc'); print(1)")
    assert not list((site["tmp"] / "scan-pages" / "current").glob(f"*/scan/01/{site['gtin']}/10/NGINX-01/index.html"))
    # nginx may serve a descriptor it opened before the purge for up to open_file_cache_valid (1 s):
    # ask until it has let go (bench/scan_page.py measures how long that takes).
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        response, body = get(site, site["page"])
        if "LÔ HÀNG ĐÃ BỊ THU HỒI".encode() in body:
            break
    assert "LÔ HÀNG ĐÃ BỊ THU HỒI".encode() in body
    assert get(site, site["page"])[0].getheader("X-Cache-Status") == "FILE"  # written again, with the banner


def test_the_language_asked_for_in_any_case_gets_its_file(site):
    get(site, site["page"], Accept_Language="en")  # written in both languages
    get(site, site["page"], Accept_Language="vi")
    for header, lang in (("vi-VN,vi;q=0.9", "vi"), ("VI-vn", "vi"), ("EN-US,en;q=0.9", "en"), ("  en-AU , vi", "en"),
                         ("vi-VN,vi;q=0.9,fr-FR;q=0.8,en-US;q=0.7", "vi")):
        response, _ = get(site, site["page"], Accept_Language=header)
        assert (response.getheader("X-Cache-Status"), response.getheader("Content-Language")) == ("FILE", lang), header
    # neither is a session: production's session cookie is __Host-sessionid
    other_cookie, _ = get(site, site["page"], Accept_Language="en-US", Cookie="__Host-csrftoken=abc; sessionid=abc")
    assert (other_cookie.getheader("X-Cache-Status"), other_cookie.getheader("Content-Language")) == ("FILE", "en")


def test_the_cookies_are_found_by_their_production_names_anywhere_in_the_header(site):
    """nginx reads __Host-sessionid and __Host-django_language from the Cookie header (no variable can
    name them) as Django's parse_cookie does: among other cookies, spaces trimmed, the last one wins."""
    get(site, site["page"], Accept_Language="en")  # written in both languages
    get(site, site["page"], Accept_Language="vi")
    for cookie, lang in (("__Host-csrftoken=abc;  " + LANG + " = en ", "en"), (LANG + "=vi; a=b; " + LANG + "=en", "en"),
                         (LANG + "=en;" + LANG + "=vi", "vi"), ("x" + LANG + "=en", "vi"), ("django_language=en", "vi")):
        response, _ = get(site, site["page"], Accept_Language="vi", Cookie=cookie)
        assert (response.getheader("X-Cache-Status"), response.getheader("Content-Language")) == ("FILE", lang), cookie
    for cookie in ("a=b; " + SESSION + "=abc", SESSION + "=abc; a=b", "a=b;" + SESSION + "=abc; " + LANG + "=vi"):
        response, _ = get(site, site["page"], Accept_Language="vi", Cookie=cookie)
        assert response.status == 200 and response.getheader("X-Cache-Status") is None, cookie  # Django
    for cookie in ("x" + SESSION + "=abc", "sessionid=abc", "a=" + SESSION):  # not a session
        response, _ = get(site, site["page"], Accept_Language="vi", Cookie=cookie)
        assert response.getheader("X-Cache-Status") == "FILE", cookie


def test_whatever_nginx_cannot_decide_goes_to_django(site):
    get(site, site["page"])
    for path, headers in (
            (site["page"], {"Cookie": LANG + "=fr", "Accept_Language": "vi"}),  # a cookie Django rejects
            (site["page"] + "?lang=fr", {}),
            (site["page"] + "?lang=vi", {"Cookie": SESSION + "=abc"}),  # signed in, whatever the query says
            (site["page"], {"Cookie": SESSION + "=abc; " + LANG + "=vi", "Accept_Language": "vi"}),
            (site["page"], {"Accept_Language": "vi;q=0.5, en"}),  # a q-value: Django weighs it
            (site["page"] + "?lang=VI", {}),  # Django takes ?lang= and the cookie as written, not folded
            (site["page"], {"Cookie": LANG + "=EN"})):
        response, _ = get(site, path, **headers)
        assert response.status == 200 and response.getheader("X-Cache-Status") is None, (path, headers)


def test_a_serial_scan_is_never_kept_in_the_cache_zone(site):
    """Every item has its own Digital Link, asked for once: nginx does not look it up nor store it;
    the lot's own link still goes through the zone."""
    serial, _ = get(site, f"/01/{site['gtin']}/10/NGINX-01/21/777", Accept="text/html")
    assert serial.status == 307 and serial.getheader("X-Cache-Status") == "BYPASS"
    lot, _ = get(site, f"/01/{site['gtin']}/10/NGINX-01", Accept="text/html")
    assert lot.status == 307 and lot.getheader("X-Cache-Status") == "MISS"
    linkset, _ = get(site, f"/01/{site['gtin']}/10/NGINX-01/21/777?linkType=linkset")
    assert linkset.getheader("X-Cache-Status") in ("MISS", "HIT", "EXPIRED")


def test_zz_when_django_cannot_answer_nginx_serves_the_page_it_last_had(site):
    """A database outage right after a change removed the product's files (`make drill-db` found
    it): nginx serves what Django last answered for that page instead of an error. Runs last: it
    stops the app server."""
    path = site["page"] + "?lang=fr"  # never a file: always Django's answer
    fresh, body = get(site, path)
    assert fresh.status == 200 and fresh.getheader("X-Cache-Status") is None
    site["app"].send_signal(signal.SIGTERM)
    site["app"].wait(timeout=30)
    stale, again = get(site, path)
    assert stale.status == 200 and again == body
    down, _ = get(site, f"/scan/01/{site['gtin']}/")  # never rendered before: nothing to fall back on
    assert down.status == 502

