"""Issue 9, audit these too: login, failed login, lockout, logout, second factor success and
failure, API-key use (first of the day), exports, changes of role or agency. Each entry records
the actor, the agency and the address."""

import datetime
from unittest import mock

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from htxconnect.accounts import apikeys
from htxconnect.core.actors import SYSTEM
from htxconnect.core.models import AuditEntry
from tests.accounts.conftest import totp_code
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def post_login(client, username, password, ip="198.51.100.10", **extra):
    return client.post("/accounts/login/", {"username": username, "password": password, **extra}, REMOTE_ADDR=ip)


def only(action):
    (entry,) = AuditEntry.objects.filter(action=action)
    return entry


def test_login_of_a_user_without_second_factor(users):
    assert post_login(Client(), "u_buyer", PASSWORD).status_code == 302
    entry = only("accounts.login.succeeded")
    assert entry.actor == users["buyer"] and entry.ip == "198.51.100.10"
    assert entry.object_type == "accounts.user" and entry.object_id == str(users["buyer"].pk)


def test_staff_login_records_second_factor_and_login_with_agency_and_address(users):
    officer = users["officer"]
    client = Client()
    assert post_login(client, "u_officer", PASSWORD, ip="198.51.100.20").status_code == 302
    assert not AuditEntry.objects.filter(action="accounts.login.succeeded").exists()  # only half signed in
    device = officer.totpdevice_set.get()
    response = client.post("/accounts/otp/verify/", {"code": totp_code(device)}, REMOTE_ADDR="198.51.100.20")
    assert response.status_code == 302
    for action in ("accounts.second_factor.succeeded", "accounts.login.succeeded"):
        entry = only(action)
        assert entry.actor == officer and entry.agency_id == officer.agency_id and entry.ip == "198.51.100.20"


def test_second_factor_failure(users):
    client = Client()
    post_login(client, "u_officer", PASSWORD)
    assert client.post("/accounts/otp/verify/", {"code": "000000"}, REMOTE_ADDR="198.51.100.10").status_code == 401
    entry = only("accounts.second_factor.failed")
    assert entry.object_id == str(users["officer"].pk) and entry.agency_id == users["officer"].agency_id
    assert entry.ip == "198.51.100.10"


def test_failed_login_on_an_existing_account_is_by_a_visitor_against_that_account(users):
    assert post_login(Client(), "u_officer", "sai-mat-khau", ip="203.0.113.5").status_code == 401
    entry = only("accounts.login.failed")
    assert entry.actor is None and entry.actor_repr == "khách"
    assert entry.object_id == str(users["officer"].pk)
    assert entry.agency_id == users["officer"].agency_id  # the account's leaders see attempts on it
    assert entry.ip == "203.0.113.5"


def test_failed_login_on_an_unknown_name_keeps_no_trace_of_what_was_typed(users):
    post_login(Client(), "mat-khau-go-nham-o", "x", ip="203.0.113.6")
    entry = only("accounts.login.failed")
    assert "mat-khau-go-nham-o" not in str(entry.changes) + entry.object_repr + entry.actor_repr
    assert entry.object_repr == "(không có tài khoản này)" and entry.ip == "203.0.113.6"


@override_settings(LOGIN_MAX_FAILURES=3, LOGIN_LOCKOUT_SECONDS=600)
def test_lockout_is_recorded_once_when_it_starts(users):
    for i in range(3):
        post_login(Client(), "u_buyer", f"sai-{i}", ip="203.0.113.7")
    post_login(Client(), "u_buyer", "sai-4", ip="203.0.113.7")  # refused while locked: no new lockout
    entry = only("accounts.login.locked_out")
    assert entry.object_id == str(users["buyer"].pk) and entry.ip == "203.0.113.7"
    assert AuditEntry.objects.filter(action="accounts.login.failed").count() == 3


def test_logout(clients, users):
    clients["leader"].post("/accounts/logout/", REMOTE_ADDR="198.51.100.30")
    entry = only("accounts.login.logged_out")
    assert entry.actor == users["leader"] and entry.agency_id == users["leader"].agency_id
    assert entry.ip == "198.51.100.30"


def test_api_key_use_is_audited_once_a_day(users):
    _key, raw = apikeys.issue_key(users["officer"], "máy chủ", by=SYSTEM)
    client = Client()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}", "REMOTE_ADDR": "192.0.2.50"}
    for _ in range(3):
        assert client.get("/api/v1/me", **headers).status_code == 200
    entry = only("accounts.api_key.used")
    assert entry.actor == users["officer"] and entry.agency_id == users["officer"].agency_id
    assert entry.ip == "192.0.2.50"
    tomorrow = timezone.now() + datetime.timedelta(days=1)
    with mock.patch("django.utils.timezone.now", return_value=tomorrow):
        assert client.get("/api/v1/me", **headers).status_code == 200
        assert client.get("/api/v1/me", **headers).status_code == 200
    assert AuditEntry.objects.filter(action="accounts.api_key.used").count() == 2


def test_exports_are_audited_with_their_filters(clients, users):
    from htxconnect.registry import services

    services.create_organization(actor=SYSTEM, name="HTX Xuất Khẩu", province_code="79")
    client = clients["officer"]
    response = client.get("/registry/import/export/organisations.xlsx", {"q": "Xuất"}, REMOTE_ADDR="192.0.2.60")
    assert response.status_code == 200
    entry = only("registry.export.organizations")
    assert entry.actor == users["officer"] and entry.agency_id == users["officer"].agency_id
    assert entry.ip == "192.0.2.60" and entry.changes == {"filters": {"q": "Xuất"}}
    assert entry.object_repr.endswith(".xlsx")
    assert client.get("/registry/import/export/products.xlsx").status_code == 200
    assert only("registry.export.products").actor == users["officer"]
