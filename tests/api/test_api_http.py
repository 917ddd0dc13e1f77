"""The API over HTTP: who may call, and the Vietnamese JSON answers when they may not."""

import json
import logging

import pytest
from django.conf import settings
from django.test import Client

from htxconnect.accounts import apikeys
from htxconnect.core.models import AuditEntry
from htxconnect.core.actors import SYSTEM

pytestmark = pytest.mark.django_db

ME = "/api/v1/me"
INVALID_KEY = "Khóa API không hợp lệ hoặc đã bị thu hồi."


def bearer(raw):
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_me_with_an_api_key(users):
    key, raw = apikeys.issue_key(users["officer"], by=SYSTEM)
    response = Client().get(ME, **bearer(raw))
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "u_officer"
    assert body["role"] == "officer"
    assert body["role_label"] == "Cán bộ cơ quan"
    assert body["agency"]["id"] == users["officer"].agency_id
    assert body["agency"]["province_code"] == "79"
    assert body["auth_method"] == "api_key"


def test_me_with_the_browser_session(clients, users):
    body = clients["coop_manager"].get(ME).json()
    assert body["username"] == "u_coop_manager"
    assert body["agency"] is None
    assert body["auth_method"] == "session"
    staff = clients["leader"].get(ME)
    assert staff.status_code == 200
    assert staff.json()["two_factor_verified"] is True


def test_anonymous_gets_401_in_vietnamese_with_www_authenticate():
    response = Client().get(ME)
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "đăng nhập" in response.json()["detail"]


@pytest.mark.parametrize("header", [
    "Bearer nonsense",
    "Bearer htx_0123456789_" + "a" * 43,       # well-formed, unknown
    "Bearer htx_0123456789",                  # truncated
    "Bearer ",
])
def test_malformed_or_unknown_key_is_401_and_logged(header, caplog):
    with caplog.at_level(logging.WARNING, logger="htxconnect.security"):
        response = Client().get(ME, HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json() == {"detail": INVALID_KEY}
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert any("api key rejected" in r.getMessage() for r in caplog.records)
    assert any("api 401" in r.getMessage() for r in caplog.records)


def test_revoked_key_is_401_and_an_invalid_key_never_falls_back_to_the_session(users, clients):
    key, raw = apikeys.issue_key(users["buyer"], by=SYSTEM)
    assert Client().get(ME, **bearer(raw)).status_code == 200
    apikeys.revoke_key(key, by=SYSTEM)
    response = Client().get(ME, **bearer(raw))
    assert response.status_code == 401
    assert response.json()["detail"] == INVALID_KEY
    # A signed-in browser that also sends a bad key is refused: the key is what was presented.
    assert clients["buyer"].get(ME, **bearer(raw)).status_code == 401


def test_staff_session_without_two_factor_gets_401(users):
    client = Client()
    client.force_login(users["officer"])  # password only, no OTP
    response = client.get(ME)
    assert response.status_code == 401
    assert "xác thực hai lớp" in response.json()["detail"]


def test_non_staff_session_needs_no_two_factor(users):
    client = Client()
    client.force_login(users["buyer"])
    assert client.get(ME).status_code == 200


def test_staff_api_key_counts_as_verified(users):
    _, raw = apikeys.issue_key(users["admin"], by=SYSTEM)
    body = Client().get(ME, **bearer(raw)).json()
    assert body["two_factor_verified"] is True


def test_api_key_caller_is_the_key_owner_with_the_request_address(users):
    """A service given the API caller audits the key's owner and the address the call came from."""
    from django.test import RequestFactory

    from htxconnect.accounts import audit_actions
    from htxconnect.api.auth import ApiKeyAuth
    from htxconnect.core import audit

    _, raw = apikeys.issue_key(users["coop_manager"], by=SYSTEM)
    request = RequestFactory().get(ME, HTTP_AUTHORIZATION=f"Bearer {raw}", REMOTE_ADDR="198.51.100.7")
    caller = ApiKeyAuth()(request)
    entry = audit.record(audit_actions.PROFILE_UPDATED, actor=caller, obj=caller)
    assert entry.actor == users["coop_manager"]
    assert entry.ip == "198.51.100.7"


def test_openapi_schema_is_served_and_lists_me_with_bearer_auth():
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "HTX Connect API"
    assert "/api/v1/me" in schema["paths"]
    assert schema["paths"]["/api/v1/me"]["get"]["security"]
    schemes = schema["components"]["securitySchemes"]
    assert any(s.get("scheme") == "bearer" for s in schemes.values())


def test_docs_page_is_served_with_local_assets_under_the_strict_csp(settings):
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html and "/static/ninja/swagger-ui-init.js" in html
    assert "cdn" not in html.lower()
    assert "<script>" not in html  # no inline script: the strict policy applies unchanged
    assert response["Content-Security-Policy"] == settings.CONTENT_SECURITY_POLICY


def test_unknown_api_path_is_json_404_in_vietnamese(clients):
    response = clients["buyer"].get("/api/v1/khong-co/")
    assert response.status_code == 404
    assert response.json()["detail"] == "Không có địa chỉ API này: /api/v1/khong-co/"


def test_api_root_points_to_the_docs():
    body = Client().get("/api/v1/").json()
    assert body["docs"] == "/api/v1/docs" and body["openapi"] == "/api/v1/openapi.json"


def test_json_is_utf8_not_escaped():
    response = Client().get(ME)
    assert "đăng nhập".encode() in response.content


def test_iter_operations_lists_me_as_authenticated():
    from htxconnect.api.urls import iter_operations

    assert ("/api/v1/me", "GET", True) in list(iter_operations())


def test_no_audit_entry_or_key_use_for_rejected_calls(users):
    key, raw = apikeys.issue_key(users["buyer"], by=SYSTEM)
    before = AuditEntry.objects.count()
    Client().get(ME, **bearer(raw[:-2] + "zz"))
    assert AuditEntry.objects.count() == before
    key.refresh_from_db()
    assert key.last_used_at is None


# --- errors and rules, through a probe API built like an app router (tests/api/urls_probe.py)

probe = pytest.mark.urls("tests.api.urls_probe")
GOOD_ITEM = json.dumps({"name": "Dứa MD2", "quantity": 3})


@probe
def test_session_post_needs_the_csrf_token(users):
    from tests.conftest import signed_in_client

    client = signed_in_client(users["officer"])
    client.handler.enforce_csrf_checks = True
    response = client.post("/probe/items", GOOD_ITEM, content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    client.get("/probe/open")  # no token cookie yet: fetch one the way a page would
    from django.middleware.csrf import get_token
    from django.test import RequestFactory

    token_request = RequestFactory().get("/")
    token = get_token(token_request)
    client.cookies[settings.CSRF_COOKIE_NAME] = token_request.META["CSRF_COOKIE"]
    response = client.post("/probe/items", GOOD_ITEM, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200, response.content
    assert response.json()["by"] == "u_officer"


@probe
def test_api_key_post_needs_no_csrf_token(users):
    _, raw = apikeys.issue_key(users["officer"], by=SYSTEM)
    client = Client(enforce_csrf_checks=True)
    response = client.post("/probe/items", GOOD_ITEM, content_type="application/json", **bearer(raw))
    assert response.status_code == 200


@probe
def test_require_rule_answers_403_in_vietnamese_and_logs(clients, caplog):
    with caplog.at_level(logging.WARNING, logger="htxconnect.security"):
        response = clients["buyer"].post("/probe/items", GOOD_ITEM, content_type="application/json")
    assert response.status_code == 403
    assert response.json() == {"detail": "Bạn không có quyền thực hiện thao tác này."}
    assert any("rule=staff" in r.getMessage() for r in caplog.records)
    assert clients["officer"].get("/probe/admin-only").status_code == 403
    assert clients["admin"].get("/probe/admin-only").status_code == 200


@probe
def test_permission_denied_from_a_service_is_403_json(clients):
    response = clients["admin"].get("/probe/denied")
    assert response.status_code == 403
    assert response.json()["detail"] == "Bạn không có quyền thực hiện thao tác này."


@probe
def test_not_found_is_404_json_in_vietnamese(clients):
    response = clients["admin"].get("/probe/keys/987654")
    assert response.status_code == 404
    assert response.json() == {"detail": "Không tìm thấy dữ liệu được yêu cầu."}


@probe
def test_validation_errors_are_422_listing_each_field_in_vietnamese(clients):
    response = clients["officer"].post("/probe/items", json.dumps({"name": "ab", "quantity": 0}),
                                       content_type="application/json")
    assert response.status_code == 422
    body = response.json()
    assert body["detail"].startswith("Dữ liệu không hợp lệ")
    by_field = {e["field"]: e["message"] for e in body["errors"]}
    assert by_field == {"name": "phải có ít nhất 3 ký tự", "quantity": "phải lớn hơn hoặc bằng 1"}
    assert "name: phải có ít nhất 3 ký tự" in body["detail"]
    missing = clients["officer"].post("/probe/items", "{}", content_type="application/json").json()
    assert {e["field"]: e["message"] for e in missing["errors"]} == {
        "name": "bắt buộc phải có", "quantity": "bắt buộc phải có"}
    wrong_type = clients["officer"].get("/probe/keys/abc").json()
    assert wrong_type["errors"] == [{"field": "key_id", "location": "path", "message": "phải là số nguyên"}]


@probe
def test_malformed_json_is_422_not_500(clients):
    response = clients["officer"].post("/probe/items", "{not json", content_type="application/json")
    assert response.status_code in (400, 422)
    assert "detail" in response.json()


@probe
def test_service_validation_error_is_422_with_fields(clients):
    response = clients["admin"].post("/probe/service-invalid")
    assert response.status_code == 422
    body = response.json()
    assert {"field": "tax_code", "location": "body", "message": "Mã số thuế phải có 10 chữ số."} in body["errors"]
    assert "Hồ sơ chưa đủ." in body["detail"]


@probe
def test_unexpected_error_is_reported_and_never_leaks_a_trace(clients, caplog):
    client = Client(raise_request_exception=False)
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = client.get("/probe/boom")
    assert response.status_code == 500
    assert response.json()["detail"].startswith("Đã xảy ra lỗi máy chủ")
    assert "kaboom" not in response.content.decode()
    assert any("API error" in r.getMessage() for r in caplog.records)


@probe
def test_public_endpoint_needs_no_credentials():
    assert Client().get("/probe/open").json() == {"ok": True}
