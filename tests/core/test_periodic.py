"""The clock-driven jobs: each app registers its own, `run_periodic --once` runs those due."""

import datetime
import io

import pytest
from django.core import mail
from django.core.management import call_command

from htxconnect.core import periodic
from htxconnect.core.actors import SYSTEM

pytestmark = pytest.mark.django_db


def test_the_apps_register_their_jobs():
    assert {j.name for j in periodic.jobs("day")} >= {"expiry_reminders"}
    assert {j.name for j in periodic.jobs("minute")} >= {"check_new_scans", "scheduled_subscriptions"}


def test_a_failing_job_does_not_stop_the_others(monkeypatch):
    ran = []
    monkeypatch.setattr(periodic, "_jobs", {})
    periodic.register("broken", lambda: 1 / 0, period="minute")
    periodic.register("fine", lambda: ran.append(1) or "ok", period="minute")
    assert periodic.run_due("minute") == {"broken": "failed", "fine": "ok"}
    assert ran == [1]


def test_unknown_period_is_refused():
    with pytest.raises(ValueError):
        periodic.register("x", lambda: None, period="hour")


def test_daily_run_sends_expiry_reminders_once(users):
    from htxconnect.registry import services

    org = services.create_organization(actor=SYSTEM, name="HTX Nhắc Hạn", province_code="79", email="htx@example.vn")
    services.create_certification(actor=SYSTEM, organization=org, type="vietgap", number="VG-9",
                                  issue_date=datetime.date.today() - datetime.timedelta(days=700),
                                  expiry_date=datetime.date.today() + datetime.timedelta(days=20))
    out = io.StringIO()
    call_command("run_periodic", "--once", "--period", "day", stdout=out)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["htx@example.vn"] and "VG-9" in mail.outbox[0].body
    assert "expiry_reminders: 1" in out.getvalue()
    call_command("run_periodic", "--once", "--period", "day", stdout=io.StringIO())
    assert len(mail.outbox) == 1  # claimed: the next day's run does not mail it again
