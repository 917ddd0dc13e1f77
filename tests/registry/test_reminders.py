import datetime

import pytest
from django.core import mail
from django.core.management import call_command

from htxconnect.registry import services
from htxconnect.registry.tasks import run_expiry_reminders, send_expiry_reminders

pytestmark = pytest.mark.django_db


def test_expiry_reminder_sent_once(orgs, users):
    today = datetime.date.today()
    services.update_organization(actor=None, organization=orgs["oi"], email="oi@example.vn")
    cert = services.create_certification(actor=None, organization=orgs["oi"], type="vietgap", number="VG-1",
                                         issue_date=today - datetime.timedelta(days=700),
                                         expiry_date=today + datetime.timedelta(days=15))
    assert run_expiry_reminders() == 1
    assert len(mail.outbox) == 1
    assert set(mail.outbox[0].to) == {"oi@example.vn", users["coop_manager"].email}
    assert "VG-1" in mail.outbox[0].body
    call_command("send_expiry_reminders")
    send_expiry_reminders.enqueue()
    assert len(mail.outbox) == 1  # never twice
    # Renewal resets the reminder.
    services.update_certification(actor=None, certification=cert, expiry_date=today + datetime.timedelta(days=30))
    assert run_expiry_reminders() == 1
