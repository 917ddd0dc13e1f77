"""Mails of programs, sent by a worker of the mail queue once the change has committed (queued with
core.outbox.enqueue_on_commit): a failing mail server never fails the application's step, and RQ
tries a failed send again. A task may run twice (decision 0027): a mail may come twice, never none."""

from __future__ import annotations

from django.core.mail import send_mail
from django.utils.translation import gettext as _
from django_tasks import task

from htxconnect.registry.models import Organization

from .models import Application, ApplicationStep


@task(queue_name="mail")
def send_application_step(application_id: int, step_id: int) -> None:
    mail_applicant(application_id, step_id)


def _applicant_emails(organization: Organization) -> list[str]:
    emails = {organization.email} if organization.email else set()
    emails |= {link.user.email for link in organization.user_links.select_related("user") if link.user.email}
    return sorted(emails)


def mail_applicant(application_id: int, step_id: int) -> None:
    application = Application.objects.select_related("organization").get(pk=application_id)
    step = ApplicationStep.objects.get(pk=step_id)
    recipients = _applicant_emails(application.organization)
    if not recipients:
        return
    body = _("Hồ sơ “%(t)s” của %(o)s chuyển sang trạng thái: %(s)s.\n\nÝ kiến: %(c)s\n\nHTX Connect") % {
        "t": application.title, "o": application.organization.name, "s": step.get_to_state_display(),
        "c": step.comment or "—"}
    send_mail(_("[HTX Connect] Hồ sơ đề nghị hỗ trợ: %(s)s") % {"s": step.get_to_state_display()}, body, None,
              recipients)
