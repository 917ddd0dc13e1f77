"""Loan reminders: instalments due within N days or overdue, not covered by repayments, mailed once
each to the borrower's managers and the agency's officers, after commit.

The loan, worked by hand: 12.000.000 đ at 12%/năm over 12 months, disbursed on 10/01/2025.
Principal 1.000.000 đ a month; interest 1% a month of the outstanding balance: instalment 1 (due
10/02/2025) = 1.000.000 + 120.000 = 1.120.000 đ; instalment 2 (10/03/2025) = 1.000.000 + 110.000
= 1.110.000 đ; instalment 3 (10/04/2025) = 1.000.000 + 100.000 = 1.100.000 đ.
"""

import datetime
import io
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command

from htxconnect.core.models import AuditEntry
from htxconnect.programs import reminders, services
from htxconnect.programs.models import LoanReminder
from htxconnect.core.actors import SYSTEM


@pytest.fixture
def loan(world):
    loan = services.create_loan(actor=SYSTEM, agency=world["home"], borrowers=[world["coop"]], fund="Quỹ Phát triển KH&CN",
                                purpose="Dây chuyền sấy", principal=12_000_000, annual_rate=Decimal("12"),
                                term_months=12, approved_on=datetime.date(2025, 1, 2))
    services.disburse(actor=SYSTEM, loan=loan, on=datetime.date(2025, 1, 10), amount=12_000_000)
    return loan


def addressees():
    return sorted(address for message in mail.outbox for address in message.to)


@pytest.mark.django_db
def test_an_instalment_falling_due_is_reminded_once_after_commit(loan, users, django_capture_on_commit_callbacks):
    services.repay(actor=SYSTEM, loan=loan, on=datetime.date(2025, 2, 10), amount=1_120_000)  # instalment 1 paid
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert reminders.send_loan_reminders(today=datetime.date(2025, 3, 5), days=7) == 1
    assert mail.outbox == []  # nothing is mailed before the reminder is committed
    for callback in callbacks:
        callback()
    reminder = LoanReminder.objects.get()
    assert (reminder.instalment, reminder.due_on, reminder.amount_due, reminder.overdue, reminder.recipients) == (
        2, datetime.date(2025, 3, 10), 1_110_000, False, 2)
    # One message per person: the cooperative's manager and the home agency's officer (not the other agency's).
    assert addressees() == ["u_coop_manager@example.vn", "u_officer@example.vn"]
    assert all(len(m.to) == 1 for m in mail.outbox)
    assert mail.outbox[0].subject == "[HTX Connect] Sắp đến hạn trả nợ kỳ 2: Dây chuyền sấy"
    assert "đến hạn ngày 10/03/2025" in mail.outbox[0].body and "1.110.000 đ" in mail.outbox[0].body
    assert AuditEntry.objects.filter(action="programs.loan.reminded").count() == 1
    # Run again the same day, and the next: nothing new within the window, nothing mailed twice.
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.send_loan_reminders(today=datetime.date(2025, 3, 5), days=7) == 0
        assert reminders.send_loan_reminders(today=datetime.date(2025, 3, 6), days=7) == 0
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_overdue_instalments_count_partial_repayments(loan, users, django_capture_on_commit_callbacks):
    services.repay(actor=SYSTEM, loan=loan, on=datetime.date(2025, 2, 12), amount=500_000)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert reminders.send_loan_reminders(today=datetime.date(2025, 3, 15), days=0) == 2
    assert len(callbacks) == 2
    rows = list(LoanReminder.objects.values_list("instalment", "amount_due", "overdue"))
    assert rows == [(1, 620_000, True), (2, 1_110_000, True)]
    subjects = sorted({m.subject for m in mail.outbox})
    assert subjects == ["[HTX Connect] Quá hạn trả nợ kỳ 1: Dây chuyền sấy",
                        "[HTX Connect] Quá hạn trả nợ kỳ 2: Dây chuyền sấy"]
    body = next(m.body for m in mail.outbox if "kỳ 1" in m.subject)
    assert "đã quá hạn từ ngày 10/02/2025 (33 ngày)" in body and "620.000 đ" in body
    # Instalment 3 falls due later: reminded then, the first two never again.
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.send_loan_reminders(today=datetime.date(2025, 4, 8), days=7) == 1
    assert LoanReminder.objects.order_by("-instalment").first().instalment == 3
    assert len(mail.outbox) == 6


@pytest.mark.django_db
def test_no_reminder_for_a_loan_without_schedule(world, django_capture_on_commit_callbacks):
    services.create_loan(actor=SYSTEM, agency=world["home"], borrowers=[world["coop"]], fund="Quỹ", purpose="Không lãi suất",
                         principal=1_000_000, approved_on=datetime.date(2025, 1, 1))
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.send_loan_reminders(today=datetime.date(2026, 1, 1)) == 0
    assert not LoanReminder.objects.exists() and mail.outbox == []


@pytest.mark.django_db
def test_remind_loans_command(loan, users, django_capture_on_commit_callbacks):
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("remind_loans", "--today", "2025-03-15", "--days", "0", stdout=out)
    assert "Đã nhắc 2 kỳ trả nợ." in out.getvalue() and len(mail.outbox) == 4


@pytest.mark.django_db
def test_the_daily_periodic_run_reminds_loans_once(world, users, django_capture_on_commit_callbacks):
    from htxconnect.core import periodic

    assert "loan_reminders" in {job.name for job in periodic.jobs("day")}
    start = datetime.date.today() - datetime.timedelta(days=45)
    loan = services.create_loan(actor=SYSTEM, agency=world["home"], borrowers=[world["coop"]], fund="Quỹ",
                                purpose="Máy sấy", principal=6_000_000, annual_rate=Decimal("6"), term_months=6,
                                approved_on=start)
    services.disburse(actor=SYSTEM, loan=loan, on=start, amount=6_000_000)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("run_periodic", "--once", "--period", "day", stdout=io.StringIO())
        call_command("run_periodic", "--once", "--period", "day", stdout=io.StringIO())
    assert list(LoanReminder.objects.values_list("instalment", "overdue")) == [(1, True)]
    assert len(mail.outbox) == 2  # the manager and the officer, once
