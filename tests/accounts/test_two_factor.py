"""Two-factor authentication: staff must pass a TOTP or backup code; enrolment; throttling."""

import base64
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from htxconnect.accounts import services
from htxconnect.accounts.views import PENDING_KEY
from htxconnect.core.models import AuditEntry
from htxconnect.core.roles import Role
from tests.conftest import PASSWORD, make_user

from .conftest import totp_code

pytestmark = pytest.mark.django_db


def password_step(client, username, next_url=""):
    data = {"username": username, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post("/accounts/login/", data)


def add_backup_codes(user, codes=("aaaa1111", "bbbb2222")):
    device = StaticDevice.objects.create(user=user, name="Mã dự phòng", confirmed=True)
    for code in codes:
        StaticToken.objects.create(device=device, token=code)
    return device


@pytest.mark.parametrize("role", ["officer", "leader", "admin"])
def test_staff_password_leads_to_the_code_page_not_a_session(users, role):
    client = Client()
    response = password_step(client, f"u_{role}", next_url="/accounts/profile/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/otp/verify/?next=%2Faccounts%2Fprofile%2F"
    assert "_auth_user_id" not in client.session  # only pending
    assert client.session[PENDING_KEY]["user_id"] == users[role].pk
    # A protected page still sends them to the login page; the home page is the public portal's.
    assert client.get("/accounts/profile/").status_code == 302
    assert 'href="/accounts/login/"' in client.get("/").content.decode()
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Xác thực hai lớp" in page.content.decode()


def test_right_totp_code_completes_the_sign_in(users):
    client = Client()
    password_step(client, "u_officer", next_url="/accounts/profile/")
    device = users["officer"].totpdevice_set.get()
    response = client.post("/accounts/otp/verify/", {"code": totp_code(device), "next": "/accounts/profile/"})
    assert response.status_code == 302 and response["Location"] == "/accounts/profile/"
    assert int(client.session["_auth_user_id"]) == users["officer"].pk
    assert PENDING_KEY not in client.session
    assert client.get("/accounts/profile/").status_code == 200


def test_wrong_totp_code_gets_401_vietnamese_error(users):
    client = Client()
    password_step(client, "u_officer")
    device = users["officer"].totpdevice_set.get()
    right = totp_code(device)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    response = client.post("/accounts/otp/verify/", {"code": wrong})
    assert response.status_code == 401
    assert "Mã xác thực không đúng hoặc đã hết hạn" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_code_from_long_ago_is_refused(users):
    client = Client()
    password_step(client, "u_officer")
    device = users["officer"].totpdevice_set.get()
    response = client.post("/accounts/otp/verify/", {"code": totp_code(device, offset_steps=-10)})
    assert response.status_code == 401


def test_code_attempts_are_throttled_by_django_otp(users):
    client = Client()
    password_step(client, "u_officer")
    device = users["officer"].totpdevice_set.get()
    assert client.post("/accounts/otp/verify/", {"code": "000000"}).status_code in (401,)
    # The device is now in back-off: even the right code is refused for a moment, with a 429.
    response = client.post("/accounts/otp/verify/", {"code": totp_code(device)})
    if response.status_code == 401:  # the 1-second back-off passed on a slow machine; fail again
        client.post("/accounts/otp/verify/", {"code": "000000"})
        response = client.post("/accounts/otp/verify/", {"code": totp_code(device)})
    assert response.status_code == 429
    assert "Bạn đã nhập sai mã nhiều lần" in response.content.decode()
    device.refresh_from_db()
    assert device.throttling_failure_count >= 1
    assert "_auth_user_id" not in client.session


def test_backup_code_works_once(users):
    officer = users["officer"]
    add_backup_codes(officer)
    client = Client()
    password_step(client, "u_officer")
    response = client.post("/accounts/otp/verify/", {"code": "aaaa 1111"})
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == officer.pk
    assert not StaticToken.objects.filter(token="aaaa1111").exists()
    # The same code a second time is refused.
    other = Client()
    password_step(other, "u_officer")
    response = other.post("/accounts/otp/verify/", {"code": "aaaa1111"})
    assert response.status_code == 401
    assert "_auth_user_id" not in other.session


def test_pending_sign_in_expires(users, monkeypatch):
    from htxconnect.accounts import views

    client = Client()
    password_step(client, "u_officer")
    monkeypatch.setattr(views, "PENDING_MAX_AGE", -1)
    device = users["officer"].totpdevice_set.get()
    response = client.post("/accounts/otp/verify/", {"code": totp_code(device)})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session


def test_otp_verify_without_password_step_goes_to_login(db):
    response = Client().get("/accounts/otp/verify/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_forced_session_without_second_factor_is_sent_to_verify(users):
    """A staff session that did not pass 2FA (e.g. role raised meanwhile) gets the code page."""
    client = Client()
    client.force_login(users["officer"])
    response = client.get("/accounts/profile/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/otp/verify/?next=")
    device = users["officer"].totpdevice_set.get()
    response = client.post("/accounts/otp/verify/", {"code": totp_code(device), "next": "/accounts/profile/"})
    assert response["Location"] == "/accounts/profile/"
    assert client.get("/accounts/profile/").status_code == 200


def test_staff_without_device_enrols_with_qr_code_then_gets_backup_codes(agencies):
    user = make_user("moi_vao", Role.OFFICER, agencies[0])
    TOTPDevice.objects.filter(user=user).delete()
    client = Client()
    response = password_step(client, "moi_vao")
    assert response["Location"] == "/accounts/otp/setup/"
    page = client.get("/accounts/otp/setup/")
    body = page.content.decode()
    assert page.status_code == 200
    assert 'src="data:image/svg+xml' in body
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    shown = re.search(r'id="otp-secret">([^<]+)<', body).group(1).replace(" ", "")
    assert shown == secret
    # Reloading the page keeps the same secret (the app may already have scanned it).
    client.get("/accounts/otp/setup/")
    assert TOTPDevice.objects.filter(user=user).count() == 1
    # A wrong code keeps the device unconfirmed.
    response = client.post("/accounts/otp/setup/", {"code": "123"})
    assert response.status_code == 400 and "Mã không đúng" in response.content.decode()
    # django-otp's back-off: right after a wrong code even the right one waits a moment.
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=timezone.now())
    response = client.post("/accounts/otp/setup/", {"code": totp_code(device)})
    assert response.status_code == 429 and "Bạn đã nhập sai mã nhiều lần" in response.content.decode()
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - timedelta(seconds=5))
    response = client.post("/accounts/otp/setup/", {"code": totp_code(device)})
    assert response.status_code == 302 and response["Location"] == "/accounts/otp/backup-codes/"
    device.refresh_from_db()
    assert device.confirmed
    assert int(client.session["_auth_user_id"]) == user.pk
    codes_page = client.get("/accounts/otp/backup-codes/").content.decode()
    codes = re.findall(r'<li class="list-group-item font-monospace[^"]*">([a-z0-9]+)</li>', codes_page)
    assert len(codes) == services.BACKUP_CODE_COUNT
    assert set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True)) == set(codes)
    # Shown once only.
    assert codes[0] not in client.get("/accounts/otp/backup-codes/").content.decode()
    assert client.get("/accounts/profile/").status_code == 200
    assert AuditEntry.objects.filter(action="accounts.otp_device.confirmed", object_id=str(user.pk)).exists()
    assert AuditEntry.objects.filter(action="accounts.backup_codes.generated", object_id=str(user.pk)).exists()


def test_setup_is_not_a_way_around_an_existing_device(users):
    """Someone with only the password cannot enrol a new app on an account that has one."""
    client = Client()
    password_step(client, "u_officer")
    response = client.get("/accounts/otp/setup/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/otp/verify/")
    assert not TOTPDevice.objects.filter(user=users["officer"], confirmed=False).exists()


def test_non_staff_may_enable_totp_and_is_then_asked_for_it(users, clients):
    buyer = users["buyer"]
    client = clients["buyer"]
    assert "Bật xác thực hai lớp" in client.get("/accounts/profile/").content.decode()
    client.get("/accounts/otp/setup/")
    device = TOTPDevice.objects.get(user=buyer, confirmed=False)
    response = client.post("/accounts/otp/setup/", {"code": totp_code(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    # Next sign-in asks for the code.
    fresh = Client()
    response = password_step(fresh, "u_buyer")
    assert response["Location"] == "/accounts/otp/verify/"
    assert "_auth_user_id" not in fresh.session


def test_staff_cannot_remove_their_last_app_but_others_can(users, clients):
    officer_device = users["officer"].totpdevice_set.get()
    response = clients["officer"].post(f"/accounts/otp/devices/{officer_device.pk}/delete/", follow=True)
    assert "bắt buộc dùng xác thực hai lớp" in response.content.decode()
    assert TOTPDevice.objects.filter(pk=officer_device.pk).exists()
    # Another user's device id is a 404 and nothing is deleted.
    response = clients["buyer"].post(f"/accounts/otp/devices/{officer_device.pk}/delete/")
    assert response.status_code == 404
    assert TOTPDevice.objects.filter(pk=officer_device.pk).exists()
    # A buyer can turn their optional app off.
    device = TOTPDevice.objects.create(user=users["buyer"], name="app", confirmed=True)
    clients["buyer"].post(f"/accounts/otp/devices/{device.pk}/delete/")
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()
    assert AuditEntry.objects.filter(action="accounts.otp_device.deleted").exists()


def test_regenerating_backup_codes_replaces_the_old_ones(users, clients):
    add_backup_codes(users["officer"], codes=("cu111111",))
    add_backup_codes(users["officer"], codes=("cu222222",))
    response = clients["officer"].post("/accounts/otp/backup-codes/")
    assert response.status_code == 302
    tokens = set(StaticToken.objects.filter(device__user=users["officer"]).values_list("token", flat=True))
    assert "cu111111" not in tokens and "cu222222" not in tokens and len(tokens) == services.BACKUP_CODE_COUNT
    page = clients["officer"].get("/accounts/otp/backup-codes/").content.decode()
    assert all(token in page for token in tokens)


def test_demo_devices_are_topped_up_and_reset(users):
    from htxconnect.accounts.demo_otp import DEMO_BACKUP_CODES, ensure_demo_devices

    officer = users["officer"]
    ensure_demo_devices(officer)
    client = Client()
    password_step(client, "u_officer")
    assert client.post("/accounts/otp/verify/", {"code": DEMO_BACKUP_CODES[0]}).status_code == 302
    assert StaticToken.objects.filter(device__user=officer, token=DEMO_BACKUP_CODES[0]).count() == 0
    ensure_demo_devices(officer)
    assert StaticToken.objects.filter(device__user=officer).count() == len(DEMO_BACKUP_CODES)
    ensure_demo_devices(officer)  # idempotent
    assert StaticToken.objects.filter(device__user=officer).count() == len(DEMO_BACKUP_CODES)


def test_demo_logins_prints_backup_codes_and_totp(users, capsys):
    from django.core.management import call_command

    from htxconnect.accounts import demo

    demo.load(type("Out", (), {"write": staticmethod(lambda s: None)})())
    call_command("demo_logins", "--totp")
    out = capsys.readouterr().out
    assert "111111" in out and "canbo.khcn" in out and "otpauth://totp/" in out


def test_demo_loader_copes_with_an_unconfirmed_app_of_the_same_name(users):
    from htxconnect.accounts.demo_otp import DEMO_TOTP_NAME, ensure_demo_devices

    officer = users["officer"]
    first = ensure_demo_devices(officer)
    TOTPDevice.objects.create(user=officer, name=DEMO_TOTP_NAME, confirmed=False)
    assert ensure_demo_devices(officer).pk == first.pk
