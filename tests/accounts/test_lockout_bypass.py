"""Issue 9, lockout abuse: anyone could lock any named account by failing five logins. The lockout
stays per address and per account, but the real user gets in from an address that has not
failed, with their second factor or an e-mailed unlock link (docs/security.md)."""

import re

import pytest
from django.core import mail
from django.test import Client, override_settings

from htxconnect.accounts.views import UNLOCK_COOKIE
from htxconnect.core.models import AuditEntry
from tests.accounts.conftest import totp_code
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("users")]

ATTACKER, OWNER = "203.0.113.66", "198.51.100.77"


def post_login(client, username, password, ip, **extra):
    return client.post("/accounts/login/", {"username": username, "password": password, **extra}, REMOTE_ADDR=ip)


def lock(username):
    for i in range(3):
        post_login(Client(), username, f"doan-bua-{i}", ATTACKER)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


@override_settings(LOGIN_MAX_FAILURES=3, LOGIN_LOCKOUT_SECONDS=600)
def test_owner_with_second_factor_gets_in_from_a_clean_address(users):
    lock("u_officer")
    client = Client()
    # The password alone is refused while the account is locked; the form now asks for the code.
    response = post_login(client, "u_officer", PASSWORD, OWNER)
    body = response.content.decode()
    assert response.status_code == 429 and not signed_in(client)
    assert 'name="code"' in body and "Gửi liên kết mở khóa qua e-mail" in body
    # Password and code together: signed in, both factors verified.
    code = totp_code(users["officer"].totpdevice_set.get())
    response = post_login(client, "u_officer", PASSWORD, OWNER, code=code)
    assert response.status_code == 302 and signed_in(client)
    assert client.get("/audit/").status_code in (200, 403)  # a real session, not a pending one
    assert client.get("/accounts/profile/").status_code == 200
    entry = AuditEntry.objects.get(action="accounts.second_factor.succeeded")
    assert entry.ip == OWNER and entry.changes["account_locked"] == [None, True]


@override_settings(LOGIN_MAX_FAILURES=3, LOGIN_LOCKOUT_SECONDS=600)
def test_the_attackers_address_stays_locked_even_with_both_factors(users):
    lock("u_officer")
    code = totp_code(users["officer"].totpdevice_set.get())
    response = post_login(Client(), "u_officer", PASSWORD, ATTACKER, code=code)
    assert response.status_code == 429


@override_settings(LOGIN_MAX_FAILURES=3, LOGIN_LOCKOUT_SECONDS=600)
def test_a_locked_account_answers_alike_for_a_wrong_password_and_a_wrong_code(users):
    """No oracle: with the account locked, a right password without the right code looks exactly
    like a wrong password; and the clean address's failures count, so it is soon locked too."""
    lock("u_officer")
    wrong_password = post_login(Client(), "u_officer", "doan-tiep", "198.51.100.5", code="123456")
    right_password = post_login(Client(), "u_officer", PASSWORD, "198.51.100.6", code="123456")
    assert wrong_password.status_code == right_password.status_code == 429
    strip = lambda r: re.sub(r'"[A-Za-z0-9]{64}"', '""', r.content.decode())  # noqa: E731 - CSRF tokens differ
    assert strip(wrong_password) == strip(right_password)
    for i in range(3):
        post_login(Client(), "u_officer", f"x{i}", "198.51.100.7", code="000000")
    code = totp_code(users["officer"].totpdevice_set.get())
    assert post_login(Client(), "u_officer", PASSWORD, "198.51.100.7", code=code).status_code == 429


@override_settings(LOGIN_MAX_FAILURES=3, LOGIN_LOCKOUT_SECONDS=600)
def test_owner_without_second_factor_uses_the_emailed_unlock_link(users):
    lock("u_buyer")
    client = Client()
    assert post_login(client, "u_buyer", PASSWORD, OWNER).status_code == 429
    response = client.post("/accounts/unlock/", {"username": "u_buyer"}, REMOTE_ADDR=OWNER)
    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.to == [users["buyer"].email]
    link = re.search(r"http://testserver(/accounts/unlock/[^\s]+/)", message.body).group(1)
    # Opening the link changes nothing (mail scanners follow links); the button does.
    assert client.get(link).status_code == 200
    assert post_login(client, "u_buyer", PASSWORD, OWNER).status_code == 429
    assert client.post(link, REMOTE_ADDR=OWNER).status_code == 302
    response = post_login(client, "u_buyer", PASSWORD, OWNER)
    assert response.status_code == 302 and signed_in(client)
    # Only this browser: another one is still refused, and a wrong password still fails.
    assert post_login(Client(), "u_buyer", PASSWORD, "198.51.100.99").status_code == 429
    assert {"accounts.login.unlock_requested", "accounts.login.unlocked"} <= set(
        AuditEntry.objects.values_list("action", flat=True))


def test_unlock_request_answers_alike_for_unknown_names_and_sends_nothing(users):
    response = Client().post("/accounts/unlock/", {"username": "khong-co-ai"}, REMOTE_ADDR=OWNER)
    assert response.status_code == 302 and not mail.outbox


def test_a_forged_or_expired_unlock_link_is_refused(users):
    client = Client()
    response = client.post("/accounts/unlock/not-a-token/", REMOTE_ADDR=OWNER)
    assert response.status_code == 302 and UNLOCK_COOKIE not in response.cookies
