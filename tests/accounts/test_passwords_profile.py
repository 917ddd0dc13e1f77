"""Password change and reset by e-mail, and the profile page."""

import re

import pytest
from django.core import mail
from django.test import Client

from htxconnect.core.models import AuditEntry
from tests.conftest import PASSWORD
from htxconnect.core.actors import SYSTEM

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Mot-mat-khau-moi-2026!"


def test_password_change(users, clients):
    client = clients["officer"]
    page = client.get("/accounts/password/change/")
    assert page.status_code == 200 and "Mật khẩu hiện tại" in page.content.decode()
    response = client.post("/accounts/password/change/", {
        "old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/accounts/profile/"
    users["officer"].refresh_from_db()
    assert users["officer"].check_password(NEW_PASSWORD)
    # The session survives (and stays two-factor verified).
    assert client.get("/accounts/profile/").status_code == 200
    entry = AuditEntry.objects.get(action="accounts.user.password_changed")
    assert entry.object_id == str(users["officer"].pk)
    assert "password" not in entry.changes
    assert NEW_PASSWORD not in str(entry.changes)


def test_password_change_errors_are_vietnamese(users, clients):
    response = clients["buyer"].post("/accounts/password/change/", {
        "old_password": "sai", "new_password1": "abc", "new_password2": "abd"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Mật khẩu hiện tại không đúng" in body
    assert "Hai mật khẩu mới không khớp nhau." in body
    users["buyer"].refresh_from_db()
    assert users["buyer"].check_password(PASSWORD)


def test_password_change_needs_sign_in(db):
    response = Client().get("/accounts/password/change/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_password_reset_sends_a_vietnamese_mail_and_the_link_works(users):
    client = Client()
    page = client.get("/accounts/password/reset/")
    assert "Quên mật khẩu" in page.content.decode()
    response = client.post("/accounts/password/reset/", {"email": "u_buyer@example.vn"})
    assert response.status_code == 302 and response["Location"] == "/accounts/password/reset/sent/"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "Đặt lại mật khẩu tài khoản HTX Connect"
    assert message.to == ["u_buyer@example.vn"]
    assert "Xin chào" in message.body
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/\S+/)", message.body).group(1)
    form_page = client.get(link, follow=True)
    assert "Đặt mật khẩu mới" in form_page.content.decode()
    set_url = form_page.redirect_chain[-1][0] if form_page.redirect_chain else link
    response = client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/accounts/password/reset/done/"
    users["buyer"].refresh_from_db()
    assert users["buyer"].check_password(NEW_PASSWORD)
    assert AuditEntry.objects.filter(action="accounts.user.password_reset",
                                     object_id=str(users["buyer"].pk)).exists()
    # The link is single use.
    again = client.get(link, follow=True)
    assert "không hợp lệ" in again.content.decode()


def test_password_reset_does_not_reveal_whether_an_email_exists(users):
    known = Client().post("/accounts/password/reset/", {"email": "u_buyer@example.vn"})
    unknown = Client().post("/accounts/password/reset/", {"email": "khong-co@example.vn"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert len(mail.outbox) == 1
    page = Client().get(unknown["Location"]).content.decode()
    assert "Nếu e-mail bạn nhập thuộc một tài khoản" in page


def test_password_reset_bad_email_names_the_field(db):
    response = Client().post("/accounts/password/reset/", {"email": "khong-phai-email"})
    assert response.status_code == 200
    assert "E-mail không hợp lệ" in response.content.decode()
    assert not mail.outbox


def test_profile_shows_role_agency_and_two_factor(users, clients):
    body = clients["officer"].get("/accounts/profile/").content.decode()
    assert "Cán bộ cơ quan" in body
    assert users["officer"].agency.name in body
    assert "Xác thực hai lớp" in body and "Đang bật." in body
    assert "csrfmiddlewaretoken" in body


def test_profile_edit_is_saved_and_audited(users, clients):
    response = clients["officer"].post("/accounts/profile/", {
        "full_name": "Trần Thị Mai", "job_title": "Chuyên viên", "email": "mai@khcn.gov.vn",
        "phone": "0912 345 678"})
    assert response.status_code == 302
    officer = users["officer"]
    officer.refresh_from_db()
    assert (officer.full_name, officer.job_title, officer.email, officer.phone) == (
        "Trần Thị Mai", "Chuyên viên", "mai@khcn.gov.vn", "0912345678")
    entry = AuditEntry.objects.get(action="accounts.user.profile_updated")
    assert entry.changes["full_name"] == ["u_officer", "Trần Thị Mai"]
    assert "password" not in entry.changes


def test_profile_bad_input_keeps_values_and_names_fields(users, clients):
    response = clients["buyer"].post("/accounts/profile/", {
        "full_name": "", "job_title": "Giám đốc", "email": "sai@", "phone": "12ab"})
    body = response.content.decode()
    assert response.status_code == 400
    assert "Vui lòng nhập họ và tên." in body
    assert "E-mail không hợp lệ" in body
    assert "Số điện thoại “12ab” không hợp lệ" in body
    assert 'value="Giám đốc"' in body
    users["buyer"].refresh_from_db()
    assert users["buyer"].job_title == ""


def test_profile_cannot_change_role_or_agency(users, clients, agencies):
    clients["officer"].post("/accounts/profile/", {
        "full_name": "X", "email": "", "phone": "", "job_title": "", "role": "admin", "agency": agencies[1].pk})
    users["officer"].refresh_from_db()
    assert users["officer"].role == "officer" and users["officer"].agency == agencies[0]


def test_profile_email_taken_by_another_user(users, clients):
    response = clients["buyer"].post("/accounts/profile/", {
        "full_name": "B", "email": "U_OFFICER@example.vn", "phone": "", "job_title": ""})
    assert response.status_code == 400
    assert "đã được dùng cho tài khoản khác" in response.content.decode()


def test_profile_lists_own_api_keys_only(users, clients):
    from htxconnect.accounts import apikeys

    mine, _ = apikeys.issue_key(users["officer"], "máy EPCIS", by=SYSTEM)
    theirs, _ = apikeys.issue_key(users["other_officer"], "của người khác", by=SYSTEM)
    body = clients["officer"].get("/accounts/profile/").content.decode()
    assert f"htx_{mine.prefix}_" in body and "máy EPCIS" in body
    assert theirs.prefix not in body


def test_password_rules_are_explained_in_vietnamese(users, clients):
    response = clients["buyer"].post("/accounts/password/change/", {
        "old_password": PASSWORD, "new_password1": "12345", "new_password2": "12345"})
    body = response.content.decode()
    assert "Mật khẩu quá ngắn: cần ít nhất 10 ký tự." in body
    assert "Mật khẩu không được chỉ gồm chữ số." in body
    assert "too short" not in body and "numeric" not in body


def test_password_reset_requests_are_throttled_per_address(users, settings):
    settings.LOGIN_MAX_FAILURES = 2
    client = Client()
    for _ in range(2):
        assert client.post("/accounts/password/reset/", {"email": "u_buyer@example.vn"}).status_code == 302
    response = client.post("/accounts/password/reset/", {"email": "u_buyer@example.vn"})
    assert response.status_code == 429
    assert "quá nhiều lần" in response.content.decode()
    assert len(mail.outbox) == 2


def test_password_reset_clears_a_login_lockout(users, settings):
    from htxconnect.accounts import throttle

    settings.LOGIN_MAX_FAILURES = 2
    for _ in range(2):
        throttle.register_failure("u_buyer", "")
    assert throttle.check("u_buyer", "") is not None
    client = Client()
    client.post("/accounts/password/reset/", {"email": "u_buyer@example.vn"})
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/\S+/)", mail.outbox[0].body).group(1)
    page = client.get(link, follow=True)
    client.post(page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert throttle.check("u_buyer", "") is None


def test_password_reset_link_uses_site_url(users, settings):
    settings.SITE_URL = "https://htx.example.vn"
    Client().post("/accounts/password/reset/", {"email": "u_buyer@example.vn"})
    assert "https://htx.example.vn/accounts/password/reset/" in mail.outbox[0].body
