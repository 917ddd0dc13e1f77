"""Mails of events, sent by a worker of the mail queue once the change has committed (queued with
core.outbox.enqueue_on_commit): a slow or failing mail server neither holds up nor fails a
registration, and RQ tries a failed send again (RETRY_INTERVALS). Each task may run twice (the
outbox hands over at least once, decision 0027): a person may then get the same mail twice,
never none."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, send_mass_mail
from django.urls import reverse
from django.utils.translation import gettext as _
from django_tasks import task

from . import tickets
from .models import Event, Registration


@task(queue_name="mail")
def send_ticket(registration_id: int, promoted: bool = False) -> None:
    mail_ticket(registration_id, promoted=promoted)


@task(queue_name="mail")
def send_cancellation(event_id: int, recipients: list[str]) -> None:
    mail_cancellation(Event.objects.get(pk=event_id), recipients)


@task(queue_name="mail")
def send_prepared_mails(messages: list[list]) -> int:
    """Plain messages prepared in the request, each [subject, body, sender or None, [recipient]]
    (feedback requests: one per person, so nobody sees another's address)."""
    return send_mass_mail([tuple(message) for message in messages], fail_silently=False)


def site_url(path: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{path}" if settings.SITE_URL else path


def ticket_url(registration: Registration) -> str:
    return site_url(reverse("events:ticket", args=[tickets.ticket_token(registration)]))


def mail_ticket(registration_id: int, promoted: bool = False) -> None:
    """The confirmation e-mail: the ticket page's link and its QR code (inline PNG)."""
    registration = Registration.objects.select_related("event").get(pk=registration_id)
    if not registration.email:
        return
    event = registration.event
    url = ticket_url(registration)
    waiting = registration.status == Registration.Status.WAITLISTED
    if waiting:
        head = _("Bạn đã vào danh sách chờ của “%(t)s”. Khi có chỗ, chúng tôi sẽ gửi vé. "
                 "You are on the waiting list.") % {"t": event.title}
    elif promoted:
        head = _("Đã có chỗ cho bạn tại “%(t)s”: đây là vé của bạn. A seat is now yours; here is your ticket.") % {
            "t": event.title}
    else:
        head = _("Bạn đã đăng ký tham dự “%(t)s”. You are registered.") % {"t": event.title}
    body = "\n".join([
        _("Kính gửi %(n)s,") % {"n": registration.full_name}, "", head, "",
        _("Thời gian / Date: %(a)s – %(b)s") % {"a": event.starts_on.strftime("%d/%m/%Y"),
                                                 "b": event.ends_on.strftime("%d/%m/%Y")},
        _("Địa điểm / Place: %(p)s") % {"p": event.place}, "",
        _("Vé (mở trên điện thoại, đưa mã QR khi điểm danh) / Ticket (show the QR code at check-in):"), url, "",
        "HTX Connect"])
    message = EmailMultiAlternatives(_("[HTX Connect] Vé tham dự: %(t)s") % {"t": event.title}, body, None,
                                     [registration.email])
    if not waiting:
        message.attach("ve-tham-du.png", tickets.qr_png(url), "image/png")
    message.send()


def mail_cancellation(event: Event, recipients: list[str]) -> None:
    subject = _("[HTX Connect] Hủy sự kiện: %(t)s") % {"t": event.title}
    body = _("Sự kiện “%(t)s” (%(d)s) đã bị hủy.\nLý do: %(r)s\n\nXin lỗi vì sự bất tiện.\n"
             "The event has been cancelled.\n\nHTX Connect") % {
        "t": event.title, "d": event.starts_on.strftime("%d/%m/%Y"), "r": event.cancel_reason}
    # One message per person: registrants never see each other's addresses.
    send_mass_mail([(subject, body, None, [to]) for to in recipients], fail_silently=False)
