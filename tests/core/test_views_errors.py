"""Vietnamese 403, 404, 500 and CSRF-failure pages with DEBUG off: right status, a way back, no trace.

This module is also the URLconf of its tests: it adds views that fail on purpose to the
project's URLs and declares the project's error handlers (Django reads them from ROOT_URLCONF).
"""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.test import Client, RequestFactory, override_settings
from django.urls import path

from htxconnect import urls as project_urls
from htxconnect.core import views as core_views
from htxconnect.core.permissions import public


@public
def boom(request):
    raise RuntimeError("secret-internal-detail: the database password is hunter2")


@public
def forbidden(request):
    raise PermissionDenied("no")


@public
def accept_post(request):
    return HttpResponse("ok")


urlpatterns = [
    path("test-errors/boom/", boom),
    path("test-errors/forbidden/", forbidden),
    path("test-errors/post/", accept_post),
    *project_urls.urlpatterns,
]
handler403 = project_urls.handler403
handler404 = project_urls.handler404
handler500 = project_urls.handler500

errors_urlconf = override_settings(ROOT_URLCONF=__name__, DEBUG=False)
TRACE_MARKERS = ("Traceback", "secret-internal-detail", "hunter2", "RuntimeError", 'File "')


def _assert_no_trace(body: str):
    for marker in TRACE_MARKERS:
        assert marker not in body, f"error page leaks {marker!r}"


@errors_urlconf
def test_404_is_vietnamese_with_a_way_home(client, db):
    response = client.get("/khong-co-trang-nay/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Không tìm thấy trang bạn cần" in body
    assert 'href="/"' in body and "Về trang chủ" in body
    assert '<html lang="vi">' in body
    _assert_no_trace(body)


@errors_urlconf
def test_404_page_escapes_the_path(client, db):
    response = client.get("/<script>alert(1)</script>/")
    assert response.status_code == 404
    assert "<script>alert(1)</script>" not in response.content.decode()


@errors_urlconf
def test_403_is_vietnamese_and_offers_login_to_anonymous(client, db):
    response = client.get("/test-errors/forbidden/")
    assert response.status_code == 403
    body = response.content.decode()
    assert "Bạn không có quyền xem trang này" in body
    assert "Đăng nhập" in body and "/accounts/login/?next=" in body
    _assert_no_trace(body)


@errors_urlconf
def test_403_for_a_signed_in_user_from_a_permission_rule(clients):
    """An officer opening the audit log (leaders and admins only) gets the Vietnamese 403 page."""
    response = clients["officer"].get("/audit/")
    assert response.status_code == 403
    body = response.content.decode()
    assert "Bạn không có quyền xem trang này" in body
    assert "navbar" in body  # rendered in the normal layout, with the user's menu
    assert "Đăng xuất" in body


@errors_urlconf
def test_500_is_vietnamese_and_never_shows_the_trace():
    # No `db` fixture: pytest-django refuses any database access, so the page needs none.
    client = Client(raise_request_exception=False)
    response = client.get("/test-errors/boom/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "Đã có lỗi xảy ra" in body and "Vui lòng thử lại" in body
    assert 'href="/"' in body
    assert "/static/css/error.css" in body
    _assert_no_trace(body)


def test_500_handler_renders_without_request_context_or_database():
    response = core_views.server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert "Đã có lỗi xảy ra" in response.content.decode()
    assert "style=" not in response.content.decode() and "<script" not in response.content.decode()


@errors_urlconf
def test_forged_csrf_token_gets_the_vietnamese_page_and_changes_nothing(db, caplog):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/test-errors/post/", {"x": "1"}, headers={"Referer": "http://testserver/trang-truoc/"})
    assert response.status_code == 403
    body = response.content.decode()
    assert "Phiên làm việc không hợp lệ" in body
    assert "Không có dữ liệu nào bị thay đổi" in body
    assert 'href="http://testserver/trang-truoc/"' in body  # back to the form's page
    assert "ok" != body
    _assert_no_trace(body)
    assert any("CSRF failure" in r.getMessage() for r in caplog.records)


@errors_urlconf
def test_csrf_page_never_links_back_to_another_site(db):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/test-errors/post/", {}, headers={"Referer": "https://evil.example/form"})
    assert response.status_code == 403
    assert "evil.example" not in response.content.decode()


@errors_urlconf
@pytest.mark.parametrize("path", ["/khong-co/", "/test-errors/forbidden/"])
def test_error_pages_need_no_inline_script_or_style(client, db, path):
    body = client.get(path).content.decode()
    assert "style=" not in body
    for chunk in body.split("<script")[1:]:
        assert chunk.lstrip().startswith("src="), "inline <script> would be blocked by the CSP"
