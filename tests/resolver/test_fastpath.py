"""The resolver's fast path (resolver.fastpath): an anonymous scan of another serial of the same
lot is answered from the cache before Django's middleware — the same status and headers as
Django's own answer, the serial's path in the Link header, no query, the scan counted in the
spool — and everything that may differ goes to Django."""

import io
import sys

import pytest
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections

from htxconnect.core.actors import SYSTEM
from htxconnect.resolver import fastpath, services, spool
from htxconnect.resolver.models import ScanEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def app(settings, tmp_path):
    settings.SCAN_SPOOL_DIR = str(tmp_path / "spool")
    settings.SCAN_SPOOL_FSYNC_SECONDS = 0
    settings.SCAN_SPOOL_ROTATE_SECONDS = 3600
    settings.SCAN_FAST_PATH = True
    settings.SCAN_FAST_PATH_LOCAL_SECONDS = 0  # every replay checks the shared cache (see the last tests)
    # production's cookie names (settings.SECURE_COOKIES), read as the settings say
    settings.SESSION_COOKIE_NAME, settings.LANGUAGE_COOKIE_NAME = "__Host-sessionid", "__Host-django_language"
    fastpath._local.clear()
    # As django.test.Client does: the test's transaction must survive the request's end.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield fastpath.wrap(WSGIHandler())
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)
    spool.spool().sync(rotate=True)


def call(app, path, query="", **headers):
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": query, "SERVER_NAME": "testserver",
               "SERVER_PORT": "80", "HTTP_HOST": "testserver", "REMOTE_ADDR": "203.113.45.67",
               "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(b""), "wsgi.errors": sys.stderr,
               "wsgi.version": (1, 0), "wsgi.multithread": True, "wsgi.multiprocess": True,
               "wsgi.run_once": False, "SCRIPT_NAME": ""}
    environ.update({"HTTP_" + k.upper(): v for k, v in headers.items()})
    answer = {}

    def start_response(status, response_headers, exc_info=None):
        answer["status"], answer["headers"] = status, response_headers

    body = b"".join(app(environ, start_response))
    headers = {}
    for name, value in answer["headers"]:
        headers[name.lower()] = value
    return int(answer["status"].split()[0]), headers, body, answer["headers"]


def dl(lot, serial):
    return f"/01/{lot.product.gtin}/10/{lot.code}/21/{serial}"


def stored():
    spool.spool().sync(rotate=True)
    spool.flush()
    return list(ScanEvent.objects.order_by("id").values_list("serial", flat=True))


def test_the_next_serial_is_answered_without_a_query_with_django_s_headers(app, lot, django_assert_num_queries):
    status, first, _body, _raw = call(app, dl(lot, "1001"), ACCEPT="text/html,application/xhtml+xml")
    assert status == 307
    assert fastpath.MARKER.lower() not in first  # the view's mark never leaves the app
    with django_assert_num_queries(0):
        status, second, body, _raw = call(app, dl(lot, "1002"), ACCEPT="text/html,application/xhtml+xml")
    assert status == 307 and body == b""
    assert second["location"] == first["location"] == f"http://testserver/scan/01/{lot.product.gtin}/10/{lot.code}/"
    assert f"{dl(lot, '1002')}?linkType=linkset" in second["link"] and "1001" not in second["link"]
    assert second["link"] == first["link"].replace("/21/1001", "/21/1002")
    # Every header Django's middleware added is there, the same (CSP, X-Frame-Options, CORS…).
    # (but the request id of the first request: per request, and set by nginx in front anyway)
    per_request = {"link", "x-request-id"}
    assert {k: v for k, v in first.items() if k not in per_request} == \
        {k: v for k, v in second.items() if k not in per_request}
    assert second.get("x-request-id") != first.get("x-request-id")
    assert stored() == ["1001", "1002"]


def test_a_recall_ends_the_replay(app, lot, django_capture_on_commit_callbacks):
    call(app, dl(lot, "1"))
    with django_capture_on_commit_callbacks(execute=True):
        services.add_link(actor=SYSTEM, product=lot.product, lot=lot, link_type="gs1:defaultLink",
                          target_url="https://htx.example/oi", title="Trang riêng của lô")
    status, headers, _body, _raw = call(app, dl(lot, "2"))
    assert status == 307 and headers["location"] == "https://htx.example/oi"


@pytest.mark.parametrize("query,headers", [
    ("linkType=gs1:pip", {}),                                     # a query string
    ("", {"COOKIE": "__Host-sessionid=abc"}),                     # signed in
    ("", {"ACCEPT": "application/linkset+json"}),                 # a machine wants the linkset
    ("", {"ACCEPT": "text/html;q=0.1, application/json"}),
])
def test_what_may_differ_goes_to_django(app, lot, query, headers, django_assert_max_num_queries):
    call(app, dl(lot, "1"))  # the entry exists
    with django_assert_max_num_queries(10) as captured:
        call(app, dl(lot, "2"), query, **headers)
    assert len(captured) >= 1  # Django looked the product up


def test_head_options_and_other_paths_go_to_django(app, lot, django_assert_max_num_queries):
    call(app, dl(lot, "1"))
    environ_path = dl(lot, "2") + "/"  # a trailing slash: another Link header (owl:sameAs)
    with django_assert_max_num_queries(10) as captured:
        status, headers, _b, _r = call(app, environ_path)
    assert status == 307 and len(captured) >= 1 and 'rel="owl:sameAs"' in headers["link"]


def test_without_the_spool_there_is_no_fast_path(app, settings, lot, django_assert_max_num_queries):
    settings.SCAN_SPOOL_DIR = ""
    call(app, dl(lot, "1"))
    with django_assert_max_num_queries(10) as captured:
        call(app, dl(lot, "2"))
    assert any("INSERT" in q["sql"] for q in captured.captured_queries)


def test_the_language_cookie_is_part_of_the_key(app, lot):
    _s, vi, _b, _r = call(app, dl(lot, "1"))
    _s, en, _b, _r = call(app, dl(lot, "2"), COOKIE="__Host-django_language=en")
    assert vi["content-language"] == "vi" and en["content-language"] == "en"


def test_a_rendered_scan_page_is_replayed_in_the_visitor_s_language(app, lot, journey, django_assert_num_queries):
    page = f"/scan/01/{lot.product.gtin}/10/{lot.code}/"
    status, first, body_vi, _r = call(app, page, ACCEPT_LANGUAGE="vi-VN,vi;q=0.9")
    assert status == 200
    call(app, page, ACCEPT_LANGUAGE="fr-FR, en;q=0.8")
    with django_assert_num_queries(0):
        status, again, body, _r = call(app, page, ACCEPT_LANGUAGE="vi")
        _s, english, body_en, _r = call(app, page, ACCEPT_LANGUAGE="fr, en-GB;q=0.8")
    assert body == body_vi and again["etag"] == first["etag"]
    assert english["content-language"] == "en" and b"Journey of this lot" in body_en
    assert stored() == []  # a page view is not a scan: only the resolver counts


def test_a_recall_shows_on_the_replayed_page(app, lot, journey, django_capture_on_commit_callbacks):
    page = f"/scan/01/{lot.product.gtin}/10/{lot.code}/"
    call(app, page)
    with django_capture_on_commit_callbacks(execute=True):
        services.recall_lot(actor=SYSTEM, lot=lot, reason="Phát hiện nấm mốc")
    _s, _h, body, _r = call(app, page)
    assert "LÔ HÀNG ĐÃ BỊ THU HỒI".encode() in body


def test_the_wsgi_entry_point_is_wrapped():
    from htxconnect import wsgi

    assert isinstance(wsgi.application, fastpath.ScanFastPath)


def test_a_process_replays_without_asking_the_cache_for_half_a_second(app, settings, lot, monkeypatch,
                                                                      django_capture_on_commit_callbacks):
    from django.core.cache import cache

    settings.SCAN_FAST_PATH_LOCAL_SECONDS = 0.5
    now = [1000.0]
    monkeypatch.setattr(fastpath, "_clock", lambda: now[0])
    call(app, dl(lot, "1"))  # Django answers; kept in the cache
    call(app, dl(lot, "2"))  # checked with the cache; kept in the process

    def down(*args, **kwargs):
        raise AssertionError("the cache was asked")

    monkeypatch.setattr(cache, "get_many", down)
    status, _h, _b, _r = call(app, dl(lot, "3"))
    assert status == 307
    monkeypatch.undo()
    monkeypatch.setattr(fastpath, "_clock", lambda: now[0])
    with django_capture_on_commit_callbacks(execute=True):
        services.add_link(actor=SYSTEM, product=lot.product, lot=lot, link_type="gs1:defaultLink",
                          target_url="https://htx.example/oi", title="Trang riêng của lô")
    now[0] += 0.6  # past the bound: the purge is seen
    assert call(app, dl(lot, "4"))[1]["location"] == "https://htx.example/oi"
    assert stored() == ["1", "2", "3", "4"]
