"""Password sign-in: Vietnamese errors, status codes, throttling, session expiry, sign-out."""

import logging

import pytest
from django.conf import settings
from django.test import Client, override_settings

from htxconnect.accounts import throttle
from htxconnect.accounts.views import MARKER_COOKIE, PENDING_KEY
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

WRONG = "Tên đăng nhập hoặc mật khẩu không đúng."


def post_login(client, username, password, **extra):
    return client.post("/accounts/login/", {"username": username, "password": password, **extra},
                       REMOTE_ADDR=extra.pop("ip", "10.0.0.1"))


def test_login_page_is_vietnamese_with_csrf(client):
    response = client.get("/accounts/login/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "Đăng nhập" in body and "Tên đăng nhập" in body and "Mật khẩu" in body
    assert "csrfmiddlewaretoken" in body
    assert "Quên mật khẩu?" in body


def test_home_shows_anonymous_visitors_the_portal_with_a_link_to_the_login_form(client):
    response = client.get("/")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'name="username"' not in body and 'href="/accounts/login/"' in body


def test_non_staff_user_signs_in_with_password_only(users):
    client = Client()
    response = post_login(client, "u_buyer", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/accounts/profile/").status_code == 200
    assert MARKER_COOKIE in response.cookies


def test_login_follows_a_safe_next_and_ignores_a_foreign_one(users):
    client = Client()
    response = post_login(client, "u_buyer", PASSWORD, next="/accounts/profile/")
    assert response["Location"] == "/accounts/profile/"
    client = Client()
    response = post_login(client, "u_buyer", PASSWORD, next="https://evil.example/steal")
    assert response["Location"] == "/"


def test_wrong_password_gets_401_vietnamese_message_and_keeps_username(users, caplog):
    client = Client()
    with caplog.at_level(logging.WARNING, logger="htxconnect.security"):
        response = post_login(client, "u_buyer", "sai-mat-khau-123")
    body = response.content.decode()
    assert response.status_code == 401
    assert WRONG in body
    assert 'value="u_buyer"' in body
    assert "sai-mat-khau-123" not in body
    assert "_auth_user_id" not in client.session
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "login failed" in logged and "u_buyer" in logged
    assert "sai-mat-khau-123" not in logged  # never log passwords


def test_unknown_user_and_inactive_user_get_the_same_message(users):
    users["buyer"].is_active = False
    users["buyer"].save()
    for username in ("khong_co_ai", "u_buyer"):
        response = post_login(Client(), username, PASSWORD)
        assert response.status_code == 401
        assert WRONG in response.content.decode()


def test_empty_form_names_the_fields(db):
    response = Client().post("/accounts/login/", {"username": "", "password": ""})
    body = response.content.decode()
    assert response.status_code == 400
    assert "Vui lòng nhập tên đăng nhập." in body and "Vui lòng nhập mật khẩu." in body


@override_settings(LOGIN_MAX_FAILURES=3, LOGIN_LOCKOUT_SECONDS=600)
def test_throttling_by_username_then_allowed_after_the_window(users, caplog):
    client = Client()
    statuses = [post_login(client, "u_buyer", f"sai-{i}", ip=f"10.0.1.{i}").status_code for i in range(3)]
    assert statuses == [401, 401, 429]
    # Even the right password is refused while locked, from any address.
    with caplog.at_level(logging.WARNING, logger="htxconnect.security"):
        response = post_login(client, "u_buyer", PASSWORD, ip="10.9.9.9")
    assert response.status_code == 429
    body = response.content.decode()
    assert "Đăng nhập sai quá nhiều lần" in body and "Vui lòng thử lại sau" in body and "phút" in body
    assert "_auth_user_id" not in client.session
    assert "login refused (throttled)" in " ".join(r.getMessage() for r in caplog.records)
    # Another user is not affected.
    assert post_login(Client(), "u_coop_member", PASSWORD, ip="10.9.9.8").status_code == 302
    # When the window has passed (the cache entries expired) the user may sign in again.
    throttle.clear_username("u_buyer")
    assert post_login(Client(), "u_buyer", PASSWORD, ip="10.9.9.9").status_code == 302


@override_settings(LOGIN_MAX_FAILURES=3, LOGIN_LOCKOUT_SECONDS=600)
def test_lockout_ends_when_the_window_expires(users, time_machine):
    time_machine.move_to("2026-11-27 08:00:00+07:00", tick=False)
    for i in range(3):
        post_login(Client(), "u_buyer", f"sai-{i}", ip="10.0.2.1")
    assert post_login(Client(), "u_buyer", PASSWORD, ip="10.0.2.2").status_code == 429
    time_machine.shift(599)  # still inside the ten minutes
    assert post_login(Client(), "u_buyer", PASSWORD, ip="10.0.2.2").status_code == 429
    time_machine.shift(2)
    assert post_login(Client(), "u_buyer", PASSWORD, ip="10.0.2.2").status_code == 302


@override_settings(LOGIN_MAX_FAILURES=3, LOGIN_LOCKOUT_SECONDS=600)
def test_throttling_by_address_across_usernames(users):
    for name in ("a1", "a2", "a3"):
        post_login(Client(), name, "sai", ip="10.0.3.3")
    # The address is locked, whichever username it tries next.
    assert post_login(Client(), "u_buyer", PASSWORD, ip="10.0.3.3").status_code == 429
    assert post_login(Client(), "u_buyer", PASSWORD, ip="10.0.3.4").status_code == 302


@override_settings(LOGIN_MAX_FAILURES=3, LOGIN_LOCKOUT_SECONDS=600)
def test_success_clears_the_username_counter(users):
    for i in range(2):
        post_login(Client(), "u_buyer", "sai", ip=f"10.0.4.{i}")
    assert post_login(Client(), "u_buyer", PASSWORD, ip="10.0.4.9").status_code == 302
    for i in range(2):
        assert post_login(Client(), "u_buyer", "sai", ip=f"10.0.5.{i}").status_code == 401


def test_throttle_counts_atomically_in_the_cache(settings):
    settings.LOGIN_MAX_FAILURES = 5
    for _ in range(4):
        assert throttle.register_failure("ai-do", "") is None
    lockout = throttle.register_failure("AI-DO", "")  # folded: case does not matter
    assert lockout is not None and lockout.scope == "username"
    assert 0 < lockout.seconds_left <= settings.LOGIN_LOCKOUT_SECONDS
    assert throttle.check("ai-do", "") is not None


def test_logout_requires_post(clients):
    client = clients["buyer"]
    assert client.get("/accounts/logout/").status_code == 405
    assert client.get("/accounts/profile/").status_code == 200
    response = client.post("/accounts/logout/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert client.get("/accounts/profile/").status_code == 302


def test_logout_without_csrf_token_is_refused(users):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["buyer"])
    response = client.post("/accounts/logout/")
    assert response.status_code == 403
    assert client.get("/accounts/profile/").status_code == 200


def test_expired_session_shows_vietnamese_message_once(users):
    client = Client()
    post_login(client, "u_buyer", PASSWORD)
    # The idle timeout removes the session; the browser still has the marker cookie.
    client.session.flush()
    client.cookies.pop(settings.SESSION_COOKIE_NAME, None)
    response = client.get("/accounts/profile/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=")
    page = client.get(response["Location"])
    assert "Phiên làm việc đã hết hạn" in page.content.decode()
    again = client.get("/accounts/login/")
    assert "Phiên làm việc đã hết hạn" not in again.content.decode()


def test_no_expiry_message_after_a_normal_logout(users):
    client = Client()
    post_login(client, "u_buyer", PASSWORD)
    client.post("/accounts/logout/")
    page = client.get("/accounts/login/?next=/accounts/profile/")
    assert "Phiên làm việc đã hết hạn" not in page.content.decode()


def test_signed_in_user_visiting_login_goes_home(clients):
    response = clients["buyer"].get("/accounts/login/")
    assert response.status_code == 302 and response["Location"] == "/"


def test_password_is_not_sent_back_or_stored_in_session(users):
    client = Client()
    post_login(client, "u_officer", PASSWORD)
    assert PENDING_KEY in client.session
    assert PASSWORD not in str(dict(client.session))
