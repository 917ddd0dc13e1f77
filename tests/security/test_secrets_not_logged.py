"""Secrets never reach the logs: passwords, API keys, session ids, second-factor codes and SECRET_KEY.

Every logging path a secret could travel is triggered with a recognisable secret, everything logged at
any level by any logger is captured WITH tracebacks (as the console handler writes them), and the secret
must not appear. Error reports (what DEBUG pages and admin mails show: Django's SafeExceptionReporterFilter)
are rendered for a failing request carrying the secrets and checked too.
"""

from __future__ import annotations

import logging

import pytest
from django.conf import settings
from django.test import Client
from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter

from htxconnect.core.actors import SYSTEM

PASSWORD = "Bi-Mat-Mat-Khau-7Qx2"
WRONG_PASSWORD = "Sai-Bi-Mat-9Zk4-wrong"


@pytest.fixture
def captured(caplog):
    caplog.set_level(logging.DEBUG)
    return caplog


def _all_text(caplog) -> str:
    """Every record as the console handler writes it (settings.LOGGING: message with its arguments, and
    the traceback)."""
    formatter = logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s")
    return "\n".join(formatter.format(record) for record in caplog.records)


@pytest.mark.django_db
def test_sign_in_failure_and_success_log_no_password_or_session_id(captured):
    from htxconnect.accounts.models import User

    User.objects.create_user(username="nguoi-dung", password=PASSWORD, role="buyer")
    client = Client()
    for _ in range(4):  # failures below the account's lockout
        client.post("/accounts/login/", {"username": "nguoi-dung", "password": WRONG_PASSWORD})
    stranger = Client(REMOTE_ADDR="198.51.100.20")
    for _ in range(6):  # failures up to the lockout, and its own log line
        stranger.post("/accounts/login/", {"username": "khong-co-ai", "password": WRONG_PASSWORD})
    signed = Client(REMOTE_ADDR="203.0.113.9")
    answer = signed.post("/accounts/login/", {"username": "nguoi-dung", "password": PASSWORD})
    assert answer.status_code == 302
    session_id = signed.cookies[settings.SESSION_COOKIE_NAME].value
    text = _all_text(captured)
    assert "login failed" in text and "lockout started" in text and "login succeeded" in text  # paths ran
    for secret in (PASSWORD, WRONG_PASSWORD, session_id):
        assert secret not in text


@pytest.mark.django_db
def test_api_key_failures_and_uses_log_no_key(captured, users):
    from htxconnect.accounts.apikeys import issue_key

    _key, raw = issue_key(users["coop_manager"], "nhật ký", by=SYSTEM)
    # htx_<prefix>_<secret>: the secret itself may hold "_" (urlsafe base64), so split from the left
    _htx, prefix, secret = raw.split("_", 2)
    prefix = f"htx_{prefix}"
    bad = f"{prefix}_{'x' * len(secret)}"
    for key in (raw, bad, "htx_khongco_" + "y" * 43, "not-a-key-" + secret[::-1]):
        for path in ("/api/v1/me", "/epcis/events"):
            Client().get(path, headers={"Authorization": f"Bearer {key}"})
    text = _all_text(captured)
    assert "api key rejected" in text
    for value in (raw, secret, bad, secret[::-1]):
        assert value not in text


@pytest.mark.django_db
def test_a_server_error_with_secrets_in_the_request_logs_and_reports_none(captured, monkeypatch, settings):
    """A crash while signing in: the log line (with its traceback) and the error report Django would mail
    or show with DEBUG hold neither the password nor the API key nor the session cookie."""
    from htxconnect.accounts import forms

    def crash(self):
        raise RuntimeError("hỏng giữa chừng")

    monkeypatch.setattr(forms.LoginForm, "clean", crash)
    client = Client(raise_request_exception=False)
    answer = client.post("/accounts/login/", {"username": "ai-do", "password": PASSWORD},
                         headers={"Authorization": "Bearer htx_abcdefgh_" + "K" * 43, "Cookie": f"{settings.SESSION_COOKIE_NAME}=phien-bi-mat-123"})
    assert answer.status_code == 500
    records = [r for r in captured.records if r.name == "django.request" and r.exc_info]
    assert records, "the crash was logged"
    text = _all_text(captured)
    for secret in (PASSWORD, "K" * 43, "phien-bi-mat-123"):
        assert secret not in text
    record = records[-1]
    report = ExceptionReporter(record.request, *record.exc_info).get_traceback_text()
    assert "hỏng giữa chừng" in report  # the report is real
    for secret in (PASSWORD, "K" * 43, "phien-bi-mat-123", settings.SECRET_KEY):
        assert secret not in report


def test_settings_shown_in_error_reports_hide_every_secret(settings):
    settings.EMAIL_HOST_PASSWORD = "mat-khau-thu-dien-tu"
    safe = SafeExceptionReporterFilter().get_safe_settings()
    shown = repr(safe)
    for secret in (settings.SECRET_KEY, "mat-khau-thu-dien-tu"):
        assert secret not in shown
    assert safe["SECRET_KEY"] == SafeExceptionReporterFilter.cleansed_substitute
