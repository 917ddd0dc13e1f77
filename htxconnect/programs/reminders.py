"""Loan instalment reminders: each instalment that falls due within N days, or is overdue, and is
not yet covered by repayments is mailed once to the borrower cooperatives' managers and to the
lending agency's officers. The reminder is recorded (LoanReminder, unique per loan and
instalment) in the same transaction that schedules the mail, and the mail goes out after commit:
a re-run, or two runs at once, never mail the same instalment twice.

Run daily as the periodic job "loan_reminders" (core.periodic, `run_periodic --period day`), or
by hand with `manage.py remind_loans` (see docs/user-guide/programs.md).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from htxconnect.accounts.models import User
from htxconnect.core import audit, outbox
from htxconnect.core.money import format_vnd
from htxconnect.core.roles import Role
from htxconnect.registry.models import OrganizationUser

from . import audit_actions as actions
from .loans import Instalment, position
from .models import Loan, LoanReminder

DEFAULT_DAYS = 7
REMINDED = actions.LOAN_REMINDED  # one per instalment reminded


@dataclass(frozen=True)
class DueInstalment:
    instalment: Instalment
    unpaid: int  # what is still owed on this instalment (repayments cover instalments oldest first)
    overdue: bool


def due_instalments(loan: Loan, today: datetime.date, days: int = DEFAULT_DAYS) -> list[DueInstalment]:
    """The loan's instalments due by today + `days` that repayments do not cover yet. The loan's
    disbursements and repayments must be loaded (prefetched)."""
    pos = position(loan, today)
    if pos.schedule is None:
        return []
    left = pos.repaid
    horizon = today + datetime.timedelta(days=days)
    result = []
    for inst in pos.schedule:
        covered = min(left, inst.total)
        left -= covered
        unpaid = inst.total - covered
        if unpaid > 0 and inst.due_on <= horizon:
            result.append(DueInstalment(inst, unpaid, inst.due_on < today))
    return result


def recipients(loan: Loan) -> list[str]:
    """The e-mail addresses of the borrowers' managers and of the agency's officers."""
    managers = OrganizationUser.objects.filter(
        organization__in=loan.borrowers.all(), role=OrganizationUser.Role.MANAGER, user__is_active=True,
    ).exclude(user__email="").values_list("user__email", flat=True)
    officers = User.objects.filter(agency_id=loan.agency_id, role=Role.OFFICER, is_active=True).exclude(
        email="").values_list("email", flat=True)
    return sorted(set(managers) | set(officers))


def _link(path: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{path}" if settings.SITE_URL else path


def _message(reminder: LoanReminder, loan: Loan, today: datetime.date) -> tuple[str, str]:
    borrowers = ", ".join(b.name for b in loan.borrowers.all())
    if reminder.overdue:
        subject = _("[HTX Connect] Quá hạn trả nợ kỳ %(n)s: %(p)s") % {"n": reminder.instalment, "p": loan.purpose}
        when = _("đã quá hạn từ ngày %(d)s (%(k)s ngày)") % {"d": reminder.due_on.strftime("%d/%m/%Y"),
                                                           "k": (today - reminder.due_on).days}
    else:
        subject = _("[HTX Connect] Sắp đến hạn trả nợ kỳ %(n)s: %(p)s") % {"n": reminder.instalment, "p": loan.purpose}
        when = _("đến hạn ngày %(d)s") % {"d": reminder.due_on.strftime("%d/%m/%Y")}
    body = _("Kỳ trả nợ số %(n)s của khoản vay “%(p)s” (%(f)s; bên vay: %(b)s) %(when)s.\n"
             "Số còn phải trả của kỳ: %(a)s.\n\nXem lịch trả nợ: %(url)s\n\nHTX Connect") % {
        "n": reminder.instalment, "p": loan.purpose, "f": loan.fund, "b": borrowers, "when": when,
        "a": format_vnd(reminder.amount_due), "url": _link(reverse("programs:loan_detail", args=[loan.pk]))}
    return subject, body


def _mail(reminder_id: int, today: datetime.date) -> None:
    reminder = LoanReminder.objects.select_related("loan").get(pk=reminder_id)
    loan = Loan.objects.prefetch_related("borrowers").get(pk=reminder.loan_id)
    subject, body = _message(reminder, loan, today)
    # One message per person: a cooperative's managers and the agency's officers do not see each other's addresses.
    send_mass_mail([(subject, body, None, [address]) for address in recipients(loan)])


def send_loan_reminders(*, today: datetime.date | None = None, days: int = DEFAULT_DAYS) -> int:
    """Record and (after commit) mail a reminder for every instalment due within `days` or overdue
    that has none yet. Returns the number of instalments reminded."""
    today = today or timezone.localdate()
    loans = (Loan.objects.filter(annual_rate__isnull=False, term_months__isnull=False)
             .prefetch_related("disbursements", "repayments", "reminders"))
    reminded = 0
    for loan in loans:
        already = {r.instalment for r in loan.reminders.all()}
        due = [d for d in due_instalments(loan, today, days) if d.instalment.number not in already]
        if not due:
            continue
        people = len(recipients(loan))
        if not people:  # nobody to tell yet: reminded on a later run, once someone can receive it
            continue
        for item in due:
            with transaction.atomic():
                reminder, created = LoanReminder.objects.get_or_create(
                    loan=loan, instalment=item.instalment.number,
                    defaults={"due_on": item.instalment.due_on, "amount_due": item.unpaid, "overdue": item.overdue,
                              "recipients": people})
                if not created:  # another run got there first
                    continue
                audit.record(REMINDED, obj=loan, actor=audit.system_actor("remind_loans"),
                             changes={"instalment": [None, reminder.instalment], "due_on": [None, reminder.due_on],
                                      "amount_due": [None, reminder.amount_due], "overdue": [None, reminder.overdue],
                                      "recipients": [None, people]})
                outbox.after_commit(lambda pk=reminder.pk: _mail(pk, today), what="loan reminder mail")
            reminded += 1
    return reminded
