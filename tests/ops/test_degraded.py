"""The site when a part is down: PostgreSQL unreachable → 503 "try again", nothing half-saved;
Redis unreachable → pages still served from the per-process cache, lockouts still counted.

The database outage is simulated by making every SQL statement raise what psycopg raises when
the server is gone (django.db.OperationalError) — the drill bench/faults/db_stopped.py does it
for real with `pg_ctl stop`. The Redis outage is real: a cache pointing at a port where nothing
listens (and, for recovery, a redis-server started there afterwards).
"""

import datetime
import json
import subprocess
from contextlib import contextmanager
from unittest import mock

import pytest
from django.core.cache import caches
from django.db import OperationalError
from django.db.backends.utils import CursorWrapper
from django.test import Client, override_settings

from htxconnect.core import unavailable
from htxconnect.core.actors import SYSTEM
from tests.resolver.conftest import coop, product  # noqa: F401 - fixtures
from tests.tools import free_port, require_commands

PG_GONE = "server closed the connection unexpectedly\n\tThis probably means the server terminated abnormally"


@contextmanager
def database_down():
    """Every query fails as when PostgreSQL was stopped under the app server."""
    with mock.patch.object(CursorWrapper, "execute", side_effect=OperationalError(PG_GONE)), \
            mock.patch.object(CursorWrapper, "executemany", side_effect=OperationalError(PG_GONE)):
        yield


def signed_in(user) -> Client:
    client = Client(raise_request_exception=False)  # as in production: the error handler answers
    client.force_login(user)
    return client


def assert_try_again_page(response):
    assert response.status_code == 503
    assert response["Retry-After"] == str(unavailable.RETRY_AFTER_SECONDS)
    assert response["Cache-Control"] == "no-store"
    body = response.content.decode()
    assert "vui lòng thử lại" in body
    assert "Không có dữ liệu nào bị ghi dở" in body
    assert '<html lang="vi">' in body
    for leak in ("Traceback", "OperationalError", "server closed"):
        assert leak not in body


@override_settings(DEBUG=False)
def test_a_signed_in_page_while_the_database_is_down_says_try_again(users):
    client = signed_in(users["coop_manager"])
    with database_down():
        response = client.get("/trace/lots/")  # fails in the session/auth middleware, not in a view
    assert_try_again_page(response)
    assert client.get("/trace/lots/").status_code == 200  # and recovers with the database


@override_settings(DEBUG=False)
def test_a_form_post_that_fails_halfway_saves_nothing(users, product):  # noqa: F811
    """The lot row is written, then the audit entry fails: the transaction takes both back."""
    from htxconnect.core.models import AuditEntry
    from htxconnect.resolver.models import Lot

    client = signed_in(users["coop_manager"])
    audits_before = AuditEntry.objects.count()
    with mock.patch("htxconnect.resolver.services.audit.record", side_effect=OperationalError(PG_GONE)):
        response = client.post("/trace/lots/new/", {"product": product.pk, "code": "OI-DRILL-1",
                                                    "production_date": "2026-11-20", "is_public": "on"})
    assert_try_again_page(response)
    assert not Lot.objects.filter(code="OI-DRILL-1").exists()
    assert AuditEntry.objects.count() == audits_before
    # Sent again once the database is back: saved exactly once.
    response = client.post("/trace/lots/new/", {"product": product.pk, "code": "OI-DRILL-1",
                                                "production_date": "2026-11-20", "is_public": "on"})
    assert response.status_code == 302
    assert Lot.objects.filter(code="OI-DRILL-1").count() == 1


@override_settings(DEBUG=False)
def test_a_saved_form_is_answered_as_saved_when_the_database_stops_before_the_session_refresh(users, product):  # noqa: F811
    """The lot is committed, then the database goes before the session row is refreshed: the
    person sees the success redirect (not Django's 400 "session interrupted") and sends nothing twice."""
    from django.contrib.sessions.models import Session

    from htxconnect.resolver.models import Lot

    client = signed_in(users["coop_manager"])
    with mock.patch.object(Session, "save", side_effect=OperationalError(PG_GONE)):
        response = client.post("/trace/lots/new/", {"product": product.pk, "code": "OI-DRILL-2",
                                                    "production_date": "2026-11-20", "is_public": "on"})
    assert response.status_code == 302
    assert Lot.objects.filter(code="OI-DRILL-2").count() == 1
    assert client.get("/trace/lots/").status_code == 200  # still signed in


@override_settings(DEBUG=False)
def test_the_api_answers_a_json_problem(users):
    from htxconnect.accounts.apikeys import issue_key

    key = issue_key(users["buyer"], "drill", by=SYSTEM)[1]
    client = Client(raise_request_exception=False)
    with database_down():
        response = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    assert response["Retry-After"] == str(unavailable.RETRY_AFTER_SECONDS)
    body = json.loads(response.content)
    assert body["status"] == 503 and body["title"] == "Service Unavailable"
    assert "thử lại" in body["detail"]
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200


@override_settings(DEBUG=False)
def test_epcis_capture_answers_a_json_problem(users):
    from htxconnect.accounts.apikeys import issue_key

    key = issue_key(users["buyer"], "drill", by=SYSTEM)[1]
    client = Client(raise_request_exception=False)
    document = {"@context": ["https://ref.gs1.org/standards/epcis/epcis-context.jsonld"], "type": "EPCISDocument",
                "schemaVersion": "2.0", "creationDate": "2026-11-20T08:00:00Z", "epcisBody": {"eventList": []}}
    with database_down():
        response = client.post("/epcis/capture", json.dumps(document), content_type="application/json",
                               HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 503
    assert response["Retry-After"] == str(unavailable.RETRY_AFTER_SECONDS)
    assert json.loads(response.content)["status"] == 503


@override_settings(DEBUG=False)
def test_a_qr_scan_while_the_database_is_down_goes_to_the_scan_page(product):  # noqa: F811
    client = Client(raise_request_exception=False)
    with database_down():
        response = client.get(f"/01/{product.gtin}/10/OI-2611-01")
    assert response.status_code == 307
    assert response["Location"] == f"/scan/01/{product.gtin}/10/OI-2611-01/"


def test_the_problem_is_found_behind_a_wrapping_exception():
    try:
        try:
            raise OperationalError(PG_GONE)
        except OperationalError as exc:
            raise RuntimeError("while rendering") from exc
    except RuntimeError as outer:
        assert unavailable.is_database_unavailable(outer)
    assert not unavailable.is_database_unavailable(ValueError("x"))


# --- Redis down ----------------------------------------------------------------------------------
# free_port(): closed again once chosen, nothing listens there.


def redis_cache(port: int, retry_seconds: float = 5):
    return {"default": {"BACKEND": "htxconnect.core.cache.ResilientRedisCache",
                        "LOCATION": f"redis://127.0.0.1:{port}/0",
                        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
                        "RETRY_SECONDS": retry_seconds}}


def test_the_cache_answers_from_memory_while_redis_is_down():
    with override_settings(CACHES=redis_cache(free_port())):
        cache = caches["default"]
        assert cache.get("k") is None
        cache.set("k", "v", 30)
        assert cache.get("k") == "v"  # the per-process fallback
        assert cache.add("n", 0) and cache.incr("n") == 1
        assert cache.get_many(["k", "n"]) == {"k": "v", "n": 1}
        assert cache.degraded


def test_login_lockout_still_applies_while_redis_is_down(users):
    from django.conf import settings

    with override_settings(CACHES=redis_cache(free_port()), DEBUG=False):
        client = Client(raise_request_exception=False)
        statuses = [client.post("/accounts/login/", {"username": "u_buyer", "password": "sai-mat-khau"}).status_code
                    for _ in range(settings.LOGIN_MAX_FAILURES + 1)]
    assert 500 not in statuses
    assert statuses[-1] == 429, statuses


@pytest.mark.django_db
def test_scan_page_and_health_while_redis_is_down(product):  # noqa: F811
    from htxconnect.resolver import services

    services.create_lot(actor=SYSTEM, product=product, code="OI-R1", production_date=datetime.date(2026, 11, 12))
    with override_settings(CACHES=redis_cache(free_port()), DEBUG=False):
        client = Client(raise_request_exception=False)
        first = client.get(f"/scan/01/{product.gtin}/10/OI-R1/")
        second = client.get(f"/scan/01/{product.gtin}/10/OI-R1/")
        health = client.get("/readyz")
    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    assert health.status_code == 503
    body = json.loads(health.content)
    assert body["status"] == "degraded" and body["database"]["ok"] and not body["cache"]["ok"]


def test_the_cache_returns_to_redis_when_it_is_back(tmp_path):
    require_commands("redis-server")
    import redis

    port = free_port()  # nothing listens there
    with override_settings(CACHES=redis_cache(port, retry_seconds=0)):
        cache = caches["default"]
        cache.set("before", 1)
        assert cache.degraded
        server = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                   "--appendonly", "no", "--dir", str(tmp_path)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            direct = redis.Redis(port=port)
            for _ in range(200):  # wait on the server process itself between tries
                try:
                    direct.ping()
                    break
                except redis.ConnectionError:
                    try:
                        server.wait(timeout=0.05)
                        pytest.fail("redis-server exited")
                    except subprocess.TimeoutExpired:
                        pass
            cache.set("after", "in-redis", 30)
            assert not cache.degraded
            assert any(b"after" in key for key in direct.keys("*"))
            cache.raise_if_down()
        finally:
            server.terminate()
            server.wait(timeout=10)
