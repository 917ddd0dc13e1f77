"""The survey after an event: a signed link per registration (no account needed), one answer per
registration (the database refuses a second), and the summary the organiser reads or exports.

The link carries "<registration id>.<ticket nonce>" signed with its own salt: it cannot be made
from a ticket, and reissuing the ticket retires the old link too.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count
from django.urls import reverse
from django.utils.translation import gettext as _

from htxconnect.core import audit, outbox, spreadsheet

from . import audit_actions as actions
from . import queries, tasks
from .actors import is_system as _system
from .models import Event, Registration
from .models_followup import FeedbackResponse

SALT = "htxconnect.events.feedback"
QUESTIONS = (("content", "Nội dung", "Content"), ("trainer", "Giảng viên", "Trainer"),
             ("organisation", "Công tác tổ chức", "Organisation"))


class BadLink(ValueError):
    pass


def feedback_token(registration: Registration) -> str:
    return signing.Signer(salt=SALT).sign(f"{registration.pk}.{registration.ticket_nonce}")


def registration_of(token: str) -> Registration:
    """The registration a survey link names; BadLink when forged or retired (ticket reissued)."""
    try:
        pk, nonce = signing.Signer(salt=SALT).unsign((token or "").strip()).split(".", 1)
        pk = int(pk)
    except (signing.BadSignature, ValueError) as error:
        raise BadLink(str(token)[:40]) from error
    registration = Registration.objects.select_related("event", "event__agency").filter(pk=pk).first()
    if registration is None or registration.ticket_nonce != nonce:
        raise BadLink(str(token)[:40])
    return registration


def feedback_path(registration: Registration) -> str:
    return reverse("events:feedback_form", args=[feedback_token(registration)])


def why_not(registration: Registration) -> str | None:
    """None when this registration may answer now, else the reason shown."""
    if registration.status != Registration.Status.CONFIRMED:
        return _("Chỉ người có vé chính thức mới gửi phản hồi. Only confirmed attendees can answer.")
    if registration.event.status == Event.Status.CANCELLED:
        return _("Sự kiện đã bị hủy. The event was cancelled.")
    if not registration.attendances.exists():
        return _("Phiếu phản hồi dành cho người đã tham dự (chưa có điểm danh). "
                 "The survey is for people who attended.")
    return None


def _already(registration: Registration) -> ValidationError:
    return ValidationError(_("Bạn đã gửi phản hồi cho sự kiện này. Mỗi người chỉ gửi một lần. "
                             "You have already answered this survey."), code="duplicate")


@transaction.atomic
def submit(*, actor, token: str, content: int, trainer: int, organisation: int, comments: str = "") -> FeedbackResponse:
    """Record the answer of the registration the link names; a second answer is refused. `actor`:
    who sends it (the visitor holding the link, whose signature is their right to answer)."""
    audit.check_actor(actor)
    registration = registration_of(token)
    if why := why_not(registration):
        raise ValidationError(why, code="not_allowed")
    if FeedbackResponse.objects.filter(registration=registration).exists():
        raise _already(registration)
    response = FeedbackResponse(event=registration.event, registration=registration, content=content,
                                trainer=trainer, organisation=organisation, comments=(comments or "").strip())
    response.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            response.save()
    except IntegrityError:  # the same link sent twice at once: the one-to-one refuses the second
        raise _already(registration) from None
    audit.record(actions.FEEDBACK_SUBMITTED, obj=response, actor=actor, agency_id=registration.event.agency_id,
                 changes={"registration": [None, registration.pk], "ratings": [None, [content, trainer, organisation]]})
    return response


@transaction.atomic
def send_requests(*, actor, event_id: int, site_url) -> int:
    """E-mail the survey link to every attendee with an address who has not answered (after commit)."""
    event = Event.objects.get(pk=event_id)
    if not _system(actor) and not queries.can_manage(actor, event):
        raise PermissionDenied(_("Chỉ cán bộ của cơ quan tổ chức được làm việc này."))
    if event.status not in (Event.Status.PUBLISHED, Event.Status.CLOSED):
        raise ValidationError(_("Chỉ gửi phiếu phản hồi cho sự kiện đã diễn ra."))
    people = list(event.registrations.filter(status=Registration.Status.CONFIRMED, attendances__isnull=False,
                                             feedback__isnull=True).exclude(email="").distinct())
    subject = _("[HTX Connect] Xin ý kiến về “%(t)s”") % {"t": event.title}
    messages = []
    for r in people:
        body = _("Kính gửi %(n)s,\n\nCảm ơn bạn đã tham dự “%(t)s”. Xin dành một phút cho biết ý kiến "
                 "(không cần tài khoản):\n%(u)s\n\nPlease tell us what you thought of the event.\n\nHTX Connect") % {
            "n": r.full_name, "t": event.title, "u": site_url(feedback_path(r))}
        messages.append((subject, body, None, [r.email]))
    audit.record(actions.FEEDBACK_REQUESTED, obj=event, actor=actor, changes={"recipients": [None, len(messages)]})
    outbox.enqueue_on_commit(tasks.send_prepared_mails, [list(message) for message in messages])
    return len(messages)


# --- Summary -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    answers: int
    attendees: int
    averages: dict  # question → average (None without answers)
    distribution: dict  # question → [count of 1, …, count of 5]
    comments: list  # (submitted_at, comment)


def summary(event: Event) -> Summary:
    """Averages, counts per rating and the comments (4 queries)."""
    rows = FeedbackResponse.objects.filter(event=event)
    figures = rows.aggregate(n=Count("id"), **{f"avg_{q}": Avg(q) for q, _vi, _en in QUESTIONS})
    distribution = {}
    for q, _vi, _en in QUESTIONS:
        counts = dict(rows.values_list(q).annotate(n=Count("id")))
        distribution[q] = [counts.get(score, 0) for score in range(1, 6)]
    attendees = event.registrations.filter(attendances__isnull=False).distinct().count()
    comments = list(rows.exclude(comments="").order_by("submitted_at").values_list("submitted_at", "comments"))
    return Summary(figures["n"], attendees,
                   {q: (round(figures[f"avg_{q}"], 2) if figures[f"avg_{q}"] is not None else None)
                    for q, _vi, _en in QUESTIONS}, distribution, comments)


XLSX_HEADERS = ["STT", "Thời điểm gửi", "Nội dung (1–5)", "Giảng viên (1–5)", "Công tác tổ chức (1–5)", "Góp ý"]


@transaction.atomic
def record_export(*, actor, event: Event, filename: str) -> None:
    """Audit the download of an event's feedback (every export is audited)."""
    audit.record(actions.FEEDBACK_EXPORTED, actor=actor, obj=event, object_repr=filename)


def workbook(event: Event) -> bytes:
    """The answers, anonymous (no names: the organiser needs the opinions, not who gave them).
    Comments are text cells, quote-prefixed when they would read as a formula (core.spreadsheet)."""
    from django.utils import timezone
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Phản hồi")
    header = []
    for text in XLSX_HEADERS:
        cell = spreadsheet.text_cell(ws, text)
        cell.font = Font(bold=True)
        header.append(cell)
    ws.append(header)
    ws.append([spreadsheet.text_cell(ws, event.title)])  # which event (row 2), then the answers
    rows = FeedbackResponse.objects.filter(event=event).order_by("submitted_at", "id")
    for i, r in enumerate(rows, start=1):
        ws.append([i, spreadsheet.text_cell(ws, timezone.localtime(r.submitted_at).replace(tzinfo=None),
                                            number_format="DD/MM/YYYY HH:MM"),
                   r.content, r.trainer, r.organisation, spreadsheet.text_cell(ws, r.comments)])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
