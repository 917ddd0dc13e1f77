"""Every write to events data. Keyword-only, one transaction each, validated with full_clean and
audited; the pages, the check-in sync and the demo loader all call these. Mail goes out after
commit, so a rolled-back registration or cancellation sends nothing.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from htxconnect.core import audit, outbox

from . import audit_actions as actions
from . import actors, queries, tasks, tickets
from .tasks import site_url, ticket_url  # noqa: F401 - the event pages build links with them
from .models import Attendance, Event, Material, Meeting, Registration, Scan, Session, email_key, phone_key

CONSENT_PURPOSE = "Đăng ký, điểm danh và thống kê tham dự sự kiện của chương trình phối hợp"


def _record(action, obj, *, actor, changes=None, agency_id=None):
    # A registration's or attendance's name is personal data: the log names it by number only.
    registration = obj if isinstance(obj, Registration) else getattr(obj, "registration", None)
    label = f"Đăng ký #{registration.pk} – {registration.event}" if registration is not None else None
    audit.record(action, obj=obj, changes=changes if changes is not None else audit.created(obj), actor=actor,
                 agency_id=agency_id if agency_id is not None else getattr(obj, "agency_id", None),
                 object_repr=label)


def _save(obj):
    obj.full_clean()
    obj.save()
    return obj


def _system(actor) -> bool:
    """The system acts (commands, demo loading): no permission to check. `None` is no actor: refused."""
    return actors.is_system(actor)


def _user(actor):
    """The signed-in user behind an actor, for "registered by" / "checked in by" columns."""
    return actor if not _system(actor) and getattr(actor, "is_authenticated", False) else None


def _require_manager(actor, event: Event) -> None:
    if not _system(actor) and not queries.can_manage(actor, event):
        raise PermissionDenied(_("Chỉ cán bộ của cơ quan tổ chức được làm việc này."))


# --- Events ------------------------------------------------------------------------------------------------


@transaction.atomic
def create_event(*, actor, agency=None, sessions: list[tuple] | None = None, **fields) -> Event:
    """An event in draft; `sessions` as (starts_at, ends_at, title) — one per day from starts_on to
    ends_on (08:00–11:30) when none are given."""
    if agency is None:
        if _system(actor) or not getattr(actor, "agency_id", None):
            raise ValidationError({"agency": _("Chọn cơ quan tổ chức.")})
        agency = actor.agency
    if not _system(actor) and not (queries.is_admin(actor) or (
            queries.can_create(actor) and queries.agency_of(actor) == agency.pk)):
        raise PermissionDenied(_("Chỉ cán bộ của cơ quan được tạo sự kiện."))
    event = _save(Event(agency=agency, created_by=_user(actor), **fields))
    if sessions is None:
        sessions = []
        day = event.starts_on
        while day <= event.ends_on:
            start = timezone.make_aware(datetime.datetime.combine(day, datetime.time(8, 0)))
            sessions.append((start, start + datetime.timedelta(hours=3, minutes=30), ""))
            day += datetime.timedelta(days=1)
    for number, (starts_at, ends_at, title) in enumerate(sessions, start=1):
        _save(Session(event=event, number=number, starts_at=starts_at, ends_at=ends_at, title=title or ""))
    _record(actions.EVENT_CREATED, event, actor=actor)
    return event


EDITABLE = ("title", "description", "kind", "program", "group", "starts_on", "ends_on", "province_code", "ward_code",
            "venue", "online_url", "capacity", "audience", "registration_opens_at", "registration_closes_at", "note",
            "host")


@transaction.atomic
def update_event(*, actor, event_id: int, **fields) -> Event:
    event = Event.objects.select_for_update().get(pk=event_id)
    _require_manager(actor, event)
    before = audit.snapshot(event)
    for name, value in fields.items():
        if name not in EDITABLE:
            raise ValidationError({name: _("Trường này không sửa được.")})
        setattr(event, name, value)
    _save(event)
    _record(actions.EVENT_UPDATED, event, actor=actor, changes=audit.diff(before, audit.snapshot(event)))
    if event.capacity:
        _promote_waiting(event, actor=actor)
    return event


@transaction.atomic
def add_session(*, actor, event: Event, starts_at, ends_at, title: str = "") -> Session:
    _require_manager(actor, event)
    number = (event.sessions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    session = _save(Session(event=event, number=number, starts_at=starts_at, ends_at=ends_at, title=title))
    _record(actions.SESSION_ADDED, session, actor=actor, agency_id=event.agency_id)
    return session


@transaction.atomic
def add_material(*, actor, event: Event, title: str, file) -> Material:
    _require_manager(actor, event)
    material = _save(Material(event=event, title=title, file=file))
    _record(actions.MATERIAL_ADDED, material, actor=actor, agency_id=event.agency_id)
    return material


def _set_status(actor, event_id: int, allowed_from: tuple, to: str, action, **extra) -> Event:
    # Locked so that a cancellation and a publication racing cannot both apply.
    event = Event.objects.select_for_update().get(pk=event_id)
    _require_manager(actor, event)
    if event.status not in allowed_from:
        raise ValidationError(_("Sự kiện đang ở trạng thái “%(s)s”: không thể chuyển sang “%(t)s”.") % {
            "s": event.get_status_display(), "t": Event.Status(to).label})
    before = event.status
    event.status = to
    for name, value in extra.items():
        setattr(event, name, value)
    event.save(update_fields=["status", "updated_at", *extra])
    _record(action, event, actor=actor, changes={"status": [before, to], **{k: [None, v] for k, v in extra.items()}})
    return event


@transaction.atomic
def publish_event(*, actor, event_id: int) -> Event:
    event = Event.objects.get(pk=event_id)
    if not event.sessions.exists():
        raise ValidationError(_("Thêm ít nhất một buổi trước khi công bố sự kiện."))
    return _set_status(actor, event_id, (Event.Status.DRAFT,), Event.Status.PUBLISHED, actions.EVENT_PUBLISHED)


@transaction.atomic
def close_event(*, actor, event_id: int) -> Event:
    return _set_status(actor, event_id, (Event.Status.PUBLISHED,), Event.Status.CLOSED, actions.EVENT_CLOSED)


@transaction.atomic
def cancel_event(*, actor, event_id: int, reason: str) -> Event:
    """Cancel and tell every registrant (confirmed or waiting) by e-mail, after commit."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"cancel_reason": _("Ghi lý do hủy để báo cho người đã đăng ký.")})
    event = _set_status(actor, event_id, (Event.Status.DRAFT, Event.Status.PUBLISHED), Event.Status.CANCELLED,
                        actions.EVENT_CANCELLED, cancel_reason=reason)
    recipients = list(event.registrations.exclude(status=Registration.Status.CANCELLED).exclude(email="")
                      .values_list("email", flat=True))
    outbox.enqueue_on_commit(tasks.send_cancellation, event.pk, recipients)
    return event


# --- Registration -------------------------------------------------------------------------------------------


@dataclass
class Registrant:
    full_name: str
    phone: str = ""
    email: str = ""
    organization: object = None
    organization_name: str = ""
    person: object = None


def registration_open(event: Event, now: datetime.datetime | None = None) -> str | None:
    """None when registration is open, else why not (the message shown)."""
    now = now or timezone.now()
    if event.status != Event.Status.PUBLISHED:
        return _("Sự kiện không nhận đăng ký (trạng thái: %(s)s).") % {"s": event.get_status_display()}
    if event.registration_opens_at and now < event.registration_opens_at:
        return _("Chưa đến thời gian đăng ký (mở từ %(t)s).") % {
            "t": timezone.localtime(event.registration_opens_at).strftime("%H:%M %d/%m/%Y")}
    closes = event.registration_closes_at or timezone.make_aware(
        datetime.datetime.combine(event.ends_on, datetime.time(23, 59)))
    if now > closes:
        return _("Đã hết hạn đăng ký (hạn cuối %(t)s).") % {"t": timezone.localtime(closes).strftime("%H:%M %d/%m/%Y")}
    return None


def _duplicate(event: Event, who: Registrant) -> Registration | None:
    keys = Registration.objects.filter(event=event).exclude(status=Registration.Status.CANCELLED)
    p, e = phone_key(who.phone), email_key(who.email)
    if p and (found := keys.filter(phone_key=p).first()):
        return found
    if e and (found := keys.filter(email_key=e).first()):
        return found
    return None


def _duplicate_error(existing: Registration) -> ValidationError:
    return ValidationError(_("Số điện thoại hoặc thư điện tử này đã được đăng ký cho sự kiện (%(s)s, ngày %(d)s). "
                             "This person is already registered.") % {
        "s": existing.get_status_display(), "d": timezone.localtime(existing.created_at).strftime("%d/%m/%Y")},
        code="duplicate")


def _register_one(event: Event, who: Registrant, *, actor, source: str, now) -> Registration:
    existing = _duplicate(event, who)
    if existing is not None:
        raise _duplicate_error(existing)
    confirmed = event.registrations.filter(status=Registration.Status.CONFIRMED).count()
    full = event.capacity is not None and confirmed >= event.capacity
    registration = Registration(
        event=event, full_name=who.full_name.strip(), phone=who.phone.strip(), email=who.email.strip(),
        organization=who.organization, organization_name=who.organization_name.strip(), person=who.person,
        status=Registration.Status.WAITLISTED if full else Registration.Status.CONFIRMED, source=source,
        consent_purpose=CONSENT_PURPOSE, consent_given_at=now, ticket_nonce=tickets.new_nonce(),
        registered_by=_user(actor))
    registration.full_clean()
    try:
        with transaction.atomic():  # a savepoint: the unique constraints catch a racing twin
            registration.save()
    except IntegrityError:
        existing = _duplicate(event, who)
        if existing is None:
            raise
        raise _duplicate_error(existing) from None
    _record(actions.REGISTRATION_WAITLISTED if full else actions.REGISTRATION_CREATED, registration, actor=actor,
            agency_id=event.agency_id,
            changes={"event": [None, event.pk], "status": [None, registration.status], "source": [None, source],
                     "consent_given_at": [None, now]})
    outbox.enqueue_on_commit(tasks.send_ticket, registration.pk)
    return registration


def _lock_event(event_id: int) -> Event:
    # Lock the event row: registrations of one event are serialised, so two people cannot both take
    # the last seat (the count and the insert happen under the lock).
    return Event.objects.select_for_update().get(pk=event_id)


@transaction.atomic
def register(*, actor, event_id: int, registrant: Registrant, consent: bool, source: str = Registration.Source.PUBLIC,
             now: datetime.datetime | None = None) -> Registration:
    """Register one person: refused outside the window, for the same person twice (phone or e-mail,
    folded), or without consent; on the waiting list when the event is full."""
    now = now or timezone.now()
    if not consent:
        raise ValidationError({"consent": _("Cần đồng ý cho xử lý dữ liệu cá nhân để đăng ký. "
                                            "Consent is required to register.")})
    event = _lock_event(event_id)
    if source in (Registration.Source.IMPORT, Registration.Source.OFFICER):
        _require_manager(actor, event)
    if source != Registration.Source.IMPORT and (why := registration_open(event, now)):
        raise ValidationError(why, code="closed")
    if source == Registration.Source.IMPORT and event.status not in (Event.Status.DRAFT, Event.Status.PUBLISHED):
        raise ValidationError(_("Sự kiện đã kết thúc hoặc đã hủy."), code="closed")
    return _register_one(event, registrant, actor=actor, source=source, now=now)


@dataclass
class BatchResult:
    registrant: Registrant
    registration: Registration | None = None
    error: str = ""


@transaction.atomic
def register_members(*, actor, event_id: int, organization, registrants: list[Registrant], consent: bool,
                     now: datetime.datetime | None = None) -> list[BatchResult]:
    """A cooperative manager registers several members at once; each person's outcome is reported
    (registered, waiting list, or why not) and the others still go through."""
    now = now or timezone.now()
    if not _system(actor) and organization.pk not in queries.managed_ids(actor, managers_only=True) \
            and not queries.is_admin(actor):
        raise PermissionDenied(_("Chỉ người quản lý của HTX được đăng ký cho thành viên."))
    if not consent:
        raise ValidationError({"consent": _("Xác nhận các thành viên đã đồng ý cho xử lý dữ liệu cá nhân.")})
    event = _lock_event(event_id)
    if why := registration_open(event, now):
        raise ValidationError(why, code="closed")
    results = []
    for who in registrants:
        who.organization = organization
        try:
            with transaction.atomic():
                results.append(BatchResult(who, _register_one(event, who, actor=actor,
                                                               source=Registration.Source.MANAGER, now=now)))
        except ValidationError as error:
            results.append(BatchResult(who, None, " ".join(error.messages)))
    return results


@transaction.atomic
def import_registrations(*, actor, event_id: int, rows: list, consent: bool,
                         now: datetime.datetime | None = None) -> list[Registration]:
    """Register the good rows of a previewed Excel list, all of them or none (one transaction: a row
    that turns bad meanwhile — someone registered in between — rolls the whole list back)."""
    now = now or timezone.now()
    if not consent:
        raise ValidationError({"consent": _("Xác nhận những người trong danh sách đã đồng ý cho xử lý dữ liệu cá nhân.")})
    event = _lock_event(event_id)
    _require_manager(actor, event)
    if event.status not in (Event.Status.DRAFT, Event.Status.PUBLISHED):
        raise ValidationError(_("Sự kiện đã kết thúc hoặc đã hủy."), code="closed")
    created = []
    for row in rows:
        if row.errors:
            continue
        try:
            created.append(_register_one(event, Registrant(row.full_name, row.phone, row.email,
                                                           organization_name=row.organization_name),
                                         actor=actor, source=Registration.Source.IMPORT, now=now))
        except ValidationError as error:
            raise ValidationError(_("Dòng %(n)s: %(e)s") % {"n": row.number, "e": " ".join(error.messages)}) from error
    _record(actions.REGISTRATIONS_IMPORTED, event, actor=actor, changes={"registrations": [None, len(created)]})
    return created


@transaction.atomic
def cancel_registration(*, actor, registration_id: int, by_ticket: bool = False,
                        now: datetime.datetime | None = None) -> Registration:
    """Cancel a registration: the person themselves through their ticket page (`by_ticket`: the
    view has checked the signed ticket, the actor is the visitor), a manager for their member, an
    officer. A freed seat goes to the first person waiting."""
    registration = Registration.objects.select_related("event").get(pk=registration_id)
    event = _lock_event(registration.event_id)
    registration = Registration.objects.select_for_update().get(pk=registration_id)
    if not (by_ticket or _system(actor)) and not (queries.can_manage(actor, event) or queries.is_admin(actor)
                                  or registration.organization_id in queries.managed_ids(actor, managers_only=True)):
        raise PermissionDenied(_("Bạn không thể hủy đăng ký này."))
    if registration.status == Registration.Status.CANCELLED:
        return registration
    before = registration.status
    registration.status = Registration.Status.CANCELLED
    registration.cancelled_at = now or timezone.now()
    registration.save(update_fields=["status", "cancelled_at"])
    _record(actions.REGISTRATION_CANCELLED, registration, actor=actor, agency_id=event.agency_id,
            changes={"status": [before, registration.status]})
    if before == Registration.Status.CONFIRMED:
        _promote_waiting(event, actor=actor)
    return registration


def _promote_waiting(event: Event, *, actor) -> list[Registration]:
    """Fill free seats from the waiting list, first come first served (the event row is locked)."""
    if event.capacity is None:
        free = None
    else:
        free = event.capacity - event.registrations.filter(status=Registration.Status.CONFIRMED).count()
        if free <= 0:
            return []
    waiting = queries.waiting_list(event)
    promoted = list(waiting if free is None else waiting[:free])
    for registration in promoted:
        registration.status = Registration.Status.CONFIRMED
        registration.promoted_at = timezone.now()
        registration.save(update_fields=["status", "promoted_at"])
        _record(actions.REGISTRATION_PROMOTED, registration, actor=actor, agency_id=event.agency_id,
                changes={"status": [Registration.Status.WAITLISTED, Registration.Status.CONFIRMED]})
        outbox.enqueue_on_commit(tasks.send_ticket, registration.pk, True)
    return promoted


@transaction.atomic
def reissue_ticket(*, actor, registration_id: int) -> Registration:
    registration = Registration.objects.select_for_update().select_related("event").get(pk=registration_id)
    _require_manager(actor, registration.event)
    registration.ticket_nonce = tickets.new_nonce()
    registration.save(update_fields=["ticket_nonce"])
    _record(actions.TICKET_REISSUED, registration, actor=actor, agency_id=registration.event.agency_id, changes={})
    outbox.enqueue_on_commit(tasks.send_ticket, registration.pk)
    return registration


@transaction.atomic
def erase_registration(*, actor, registration_id: int) -> Registration:
    """Erase a registrant's personal data at their request (Law 91/2025/QH15): name, phone and
    e-mail go, the ticket is voided; the attendance stays counted (as one anonymous person)."""
    registration = Registration.objects.select_for_update().select_related("event").get(pk=registration_id)
    _require_manager(actor, registration.event)
    registration.full_name = _("(đã xóa dữ liệu cá nhân)")
    registration.phone = registration.email = registration.organization_name = ""
    registration.person = None
    registration.ticket_nonce = tickets.new_nonce()
    registration.consent_withdrawn_at = registration.consent_withdrawn_at or timezone.now()
    registration.save()
    # person_key was the phone or e-mail: keep the person countable once without them.
    Registration.objects.filter(pk=registration.pk).update(person_key=f"x:{registration.pk}")
    from .certificates import erase_personal_data  # its copy of the name on a certificate goes too

    certificate = erase_personal_data(actor=actor, registration=registration)
    if certificate is not None:
        # The certificate's entries named its holder: they keep what happened, no longer who.
        audit.erase_from_entries(certificate, fields=("full_name", "organization_name"), object_repr=str(certificate))
    _record(actions.REGISTRATION_ERASED, registration, actor=actor, agency_id=registration.event.agency_id,
            changes={"personal_data": ["…", None]})
    return registration


# --- Check-in -----------------------------------------------------------------------------------------------


@dataclass
class CheckinOutcome:
    result: str  # Scan.Result
    message: str
    registration: Registration | None = None
    attendance: Attendance | None = None
    conflict: bool = False

    @property
    def ok(self) -> bool:
        return self.result == Scan.Result.RECORDED


def _resolve_ticket(event: Event, token: str) -> tuple[Registration | None, str]:
    try:
        pk, nonce = tickets.parse_ticket(token)
    except tickets.BadTicket:
        return None, _("Vé không hợp lệ: mã không do hệ thống cấp (giả mạo hoặc hỏng).")
    registration = Registration.objects.select_related("event").filter(pk=pk).first()
    if registration is None or registration.ticket_nonce != nonce:
        return None, _("Vé không còn giá trị: vé đã được cấp lại hoặc đăng ký đã bị xóa.")
    if registration.event_id != event.pk:
        return None, _("Vé của sự kiện khác: “%(t)s”.") % {"t": registration.event.title}
    return registration, ""


@transaction.atomic
def check_in(*, actor, event_id: int, session_id: int | None = None, token: str = "", registration_id: int | None = None,
             client_id: str = "", device: str = "", scanned_at: datetime.datetime | None = None,
             offline: bool = False, method: str = Attendance.Method.QR) -> CheckinOutcome:
    """Record one person present at one session, from a ticket or (manual search) a registration id.

    Idempotent twice over: a `client_id` already received answers what it answered the first time
    (a device retrying its sync), and a person already present at the session gets no second
    attendance — the scan is kept as a duplicate, shown as a conflict when another device (or an
    offline queue) sent it. The unique constraint on (registration, session) is the last word when
    two servers race.
    """
    event = Event.objects.get(pk=event_id)
    if not _system(actor) and not queries.can_check_in(actor, event):
        raise PermissionDenied(_("Chỉ cán bộ của cơ quan tổ chức được điểm danh."))
    if client_id:
        previous = (Scan.objects.select_related("registration", "attendance").filter(client_id=client_id).first())
        if previous is not None:
            return CheckinOutcome(previous.result, previous.message, previous.registration, previous.attendance,
                                  previous.is_conflict)
    session = queries.access_session(actor, event, session_id)
    now = timezone.now()
    scanned_at = scanned_at or now
    if registration_id is not None:
        registration = Registration.objects.filter(pk=registration_id, event=event).first()
        why = "" if registration else _("Không tìm thấy người đăng ký này trong sự kiện.")
        method = Attendance.Method.SEARCH if method == Attendance.Method.QR else method
    else:
        registration, why = _resolve_ticket(event, token)
    if registration is not None and registration.status != Registration.Status.CONFIRMED:
        why = _("%(n)s không có vé chính thức (%(s)s).") % {"n": registration.full_name,
                                                           "s": registration.get_status_display()}
    if event.status == Event.Status.CANCELLED:
        why = _("Sự kiện đã bị hủy.")
    scan = Scan(event=event, session=session, registration=registration, client_id=client_id or tickets.new_nonce()
                + tickets.new_nonce(), device=device[:64], scanned_at=scanned_at, offline=offline, actor=_user(actor))
    if why:
        scan.result, scan.message = Scan.Result.REFUSED, why
        return _keep(scan) or CheckinOutcome(scan.result, why, registration)
    attendance = Attendance.objects.filter(registration=registration, session=session).first()
    created = False
    if attendance is None:
        try:
            with transaction.atomic():
                attendance = Attendance.objects.create(
                    registration=registration, session=session, checked_in_at=scanned_at, method=method,
                    device=device[:64], checked_in_by=_user(actor))
                created = True
        except IntegrityError:  # another request recorded the same person a moment ago
            attendance = Attendance.objects.get(registration=registration, session=session)
    scan.attendance = attendance
    if created:
        scan.result = Scan.Result.RECORDED
        scan.message = _("Đã điểm danh: %(n)s.") % {"n": registration.full_name}
        if (again := _keep(scan)) is not None:
            return again
        _record(actions.CHECKED_IN, attendance, actor=actor, agency_id=event.agency_id,
                changes={"registration": [None, registration.pk], "session": [None, session.pk],
                         "device": [None, device], "offline": [None, offline]})
        return CheckinOutcome(scan.result, scan.message, registration, attendance)
    scan.result = Scan.Result.DUPLICATE
    scan.message = _("%(n)s đã điểm danh buổi này lúc %(t)s.") % {
        "n": registration.full_name, "t": timezone.localtime(attendance.checked_in_at).strftime("%H:%M %d/%m/%Y")}
    if (again := _keep(scan)) is not None:
        return again
    if scan.is_conflict:
        _record(actions.CHECKIN_CONFLICT, attendance, actor=actor, agency_id=event.agency_id,
                changes={"device": [attendance.device, device], "scanned_at": [None, scanned_at]})
    return CheckinOutcome(scan.result, scan.message, registration, attendance, scan.is_conflict)


def _keep(scan: Scan) -> CheckinOutcome | None:
    """Save the scan; when the same client id raced in through another request, answer as that one did."""
    try:
        with transaction.atomic():
            scan.save()
        return None
    except IntegrityError:
        previous = Scan.objects.select_related("registration", "attendance").get(client_id=scan.client_id)
        return CheckinOutcome(previous.result, previous.message, previous.registration, previous.attendance,
                              previous.is_conflict)


# --- Supply–demand meetings -----------------------------------------------------------------------------------


@transaction.atomic
def record_meeting(*, actor, event: Event, cooperative, buyer=None, buyer_name: str = "", products: str = "",
                   outcome: str = Meeting.Outcome.MET, note: str = "") -> Meeting:
    _require_manager(actor, event)
    meeting = _save(Meeting(event=event, cooperative=cooperative, buyer=buyer, buyer_name=buyer_name,
                            products=products, outcome=outcome, note=note))
    _record(actions.MEETING_RECORDED, meeting, actor=actor, agency_id=event.agency_id)
    return meeting
