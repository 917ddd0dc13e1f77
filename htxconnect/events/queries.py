"""Reads of events data, scoped to the acting user, and the access rules they rest on.

Scope: everyone (anonymous visitors included) sees published, closed and cancelled events and
their public page; a draft is seen by its organiser agency's staff only. Registrations (personal
data) are seen by the organiser agency's staff, and a cooperative's own users see their members'
registrations. Check-in is for the organiser agency's officers (and administrators).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from htxconnect.core.roles import Role
from htxconnect.programs import queries as program_queries
from htxconnect.registry import queries as registry_queries
from htxconnect.registry.models import Organization

from .models import Attendance, Event, Meeting, Registration, Scan, Session

PAGE_SIZE = 50
PUBLIC_STATUSES = (Event.Status.PUBLISHED, Event.Status.CLOSED, Event.Status.CANCELLED)

is_admin = program_queries.is_admin
agency_of = program_queries.agency_of


def is_event_staff(user) -> bool:
    return is_admin(user) or agency_of(user) is not None


def can_create(user) -> bool:
    return program_queries.can_record(user)


def can_manage(user, event: Event) -> bool:
    """Officers of the organiser agency (and administrators) change the event and its registrations."""
    if is_admin(user):
        return True
    return bool(agency_of(user) == event.agency_id and user.role == Role.OFFICER)


def can_see_registrations(user, event: Event) -> bool:
    return is_admin(user) or agency_of(user) == event.agency_id


def can_check_in(user, event: Event) -> bool:
    return can_manage(user, event)


def managed_ids(user, managers_only: bool = False) -> list[int]:
    return program_queries.managed_ids(user, managers_only)


def scope_events(user):
    """Events the user may know exist."""
    events = Event.objects.all()
    if is_admin(user):
        return events
    visible = Q(status__in=PUBLIC_STATUSES)
    agency = agency_of(user)
    if agency is not None:
        visible |= Q(agency_id=agency)
    return events.filter(visible)


def access_event(user, event_id: int) -> Event:
    """The event, or 404 when the user may not know it exists (a draft of another agency)."""
    event = (scope_events(user).select_related("agency", "host", "program", "group").filter(pk=event_id).first())
    if event is None:
        raise Http404(_("Không tìm thấy sự kiện."))
    return event


def access_managed_event(user, event_id: int) -> Event:
    """The event for changing it: 404 for whoever may not know it, 403 for whoever may only read it."""
    from django.core.exceptions import PermissionDenied

    event = access_event(user, event_id)
    if not can_manage(user, event):
        raise PermissionDenied(_("Chỉ cán bộ của cơ quan tổ chức được làm việc này."))
    return event


def scope_registrations(user):
    return program_queries.scope_by_agency_or_cooperative(
        Registration.objects.all(), user, agency=lambda a: Q(event__agency_id=a),
        cooperatives=lambda ids: Q(organization_id__in=ids))


def access_registration(user, registration_id: int) -> Registration:
    registration = (scope_registrations(user).select_related("event", "organization")
                    .filter(pk=registration_id).first())
    if registration is None:
        raise Http404(_("Không tìm thấy đăng ký trong phạm vi của bạn."))
    return registration


def scope_submissions(user):
    """Contest entries the user may open: the organiser agency's staff, the contest's judges and
    the submitting cooperative's people."""
    from .models_followup import Submission

    submissions = Submission.objects.all()
    if is_admin(user):
        return submissions
    if not (user is not None and user.is_authenticated):
        return submissions.none()
    visible = Q(contest__judges__user=user) | Q(organization_id__in=managed_ids(user))
    agency = agency_of(user)
    if agency is not None:
        visible |= Q(contest__event__agency_id=agency)
    return submissions.filter(visible).distinct()


def access_submission(user, submission_id: int):
    submission = (scope_submissions(user).select_related("contest__event", "organization")
                  .filter(pk=submission_id).first())
    if submission is None:
        raise Http404(_("Không tìm thấy bài dự thi trong phạm vi của bạn."))
    return submission


def access_session(user, event: Event, session_id: int | None) -> Session:
    """A session of the event; the one under way (or the next, or the last) when none is named."""
    sessions = list(event.sessions.all())
    if not sessions:
        raise Http404(_("Sự kiện chưa có buổi nào."))
    if session_id:
        for s in sessions:
            if s.pk == session_id:
                return s
        raise Http404(_("Không tìm thấy buổi của sự kiện."))
    return current_session(sessions)


def current_session(sessions: list[Session], now: datetime.datetime | None = None) -> Session:
    now = now or timezone.now()
    today = timezone.localdate(now)
    for s in sessions:
        if timezone.localdate(s.starts_at) == today:
            return s
    upcoming = [s for s in sessions if s.starts_at >= now]
    return upcoming[0] if upcoming else sessions[-1]


# --- Lists ---------------------------------------------------------------------------------------------


def list_events(user, *, kind: str = "", year: int | None = None, program: int | None = None, q: str = ""):
    """Events with their counts: 1 query whatever the length of the page."""
    from htxconnect.core.text import fold

    events = scope_events(user).select_related("agency", "program")
    if kind:
        events = events.filter(kind=kind)
    if year:
        events = events.filter(starts_on__gte=datetime.date(year, 1, 1), starts_on__lt=datetime.date(year + 1, 1, 1))
    if program:
        events = events.filter(program_id=program)
    if q:
        events = events.filter(title_folded__contains=fold(q))
    return events.order_by("-starts_on", "-id").annotate(
        confirmed=Count("registrations", filter=Q(registrations__status=Registration.Status.CONFIRMED), distinct=True),
        waitlisted=Count("registrations", filter=Q(registrations__status=Registration.Status.WAITLISTED),
                         distinct=True),
    )


def calendar_events(user, first: datetime.date, last: datetime.date):
    return (scope_events(user).filter(status__in=PUBLIC_STATUSES, starts_on__lte=last, ends_on__gte=first)
            .select_related("agency").order_by("starts_on", "id"))


def registrations_of(event: Event):
    return (event.registrations.select_related("organization")
            .annotate(attended=Count("attendances")).order_by("status", "created_at", "id"))


def waiting_list(event: Event):
    return event.registrations.filter(status=Registration.Status.WAITLISTED).order_by("created_at", "id")


@dataclass(frozen=True)
class EventCounts:
    confirmed: int
    waitlisted: int
    cancelled: int
    person_times: int  # registrations present at one session or more
    unique_people: int
    attendances: int  # person-sessions


def event_counts(event: Event) -> EventCounts:
    """Two queries: registrations by status, attendance figures."""
    by_status = dict(event.registrations.values_list("status").annotate(n=Count("id")))
    present = Attendance.objects.filter(session__event=event)
    row = present.aggregate(person_times=Count("registration", distinct=True),
                            unique_people=Count("registration__person_key", distinct=True),
                            attendances=Count("id"))
    return EventCounts(by_status.get("confirmed", 0), by_status.get("waitlisted", 0), by_status.get("cancelled", 0),
                       row["person_times"], row["unique_people"], row["attendances"])


def session_attendance(event: Event) -> dict[int, int]:
    return dict(Attendance.objects.filter(session__event=event).values_list("session").annotate(n=Count("id")))


def conflicts(event: Event):
    """Check-ins of a person already present, sent by another device or queued offline."""
    scans = (Scan.objects.filter(event=event, result=Scan.Result.DUPLICATE)
             .select_related("registration", "session", "attendance").order_by("-received_at"))
    return [s for s in scans if s.is_conflict]


def recent_scans(event: Event, limit: int = 20):
    return (Scan.objects.filter(event=event).select_related("registration", "session")
            .order_by("-received_at", "-id")[:limit])


def meetings_of(event: Event):
    return event.meetings.select_related("cooperative", "buyer")


def roster(event: Event) -> list[dict]:
    """What a check-in device keeps for offline use: no phone, no e-mail, no ticket; the hash of
    each ticket (roster_key) lets it recognise a scanned one."""
    rows = (event.registrations.filter(status=Registration.Status.CONFIRMED).select_related("organization")
            .prefetch_related("attendances").order_by("name_folded", "id"))
    return [{"id": r.pk, "name": r.full_name, "org": r.organization_label, "k": r.roster_key,
             "s": sorted(a.session_id for a in r.attendances.all())} for r in rows]


def search_registrations(event: Event, q: str, limit: int = 20):
    from htxconnect.core.text import fold

    folded = fold(q)
    if not folded:
        return Registration.objects.none()
    return (event.registrations.filter(status=Registration.Status.CONFIRMED, name_folded__contains=folded)
            .select_related("organization").prefetch_related("attendances").order_by("name_folded")[:limit])


def manager_organizations(user) -> list[Organization]:
    """The cooperatives whose members a manager may register."""
    ids = managed_ids(user, managers_only=True)
    return list(Organization.objects.filter(pk__in=ids).order_by("name")) if ids else []


# --- Timeline --------------------------------------------------------------------------------------------


@registry_queries.timeline_provider
def _events_timeline(organization: Organization, user) -> list:
    """Events the organisation's people attended or registered for, and its supply–demand meetings
    (2 queries)."""
    if user is None:
        return []
    item = registry_queries.TimelineItem
    items = []
    rows = (scope_registrations(user).filter(organization=organization)
            .exclude(status=Registration.Status.CANCELLED)
            .values("event_id", "event__title", "event__starts_on", "event__kind")
            .annotate(n=Count("id"), present=Count("attendances__registration", distinct=True)))
    for r in rows:
        items.append(item(r["event__starts_on"], "event",
                          _("%(t)s: %(n)s người đăng ký, %(p)s người dự") % {
                              "t": r["event__title"], "n": r["n"], "p": r["present"]},
                          reverse("events:event_detail", args=[r["event_id"]])))
    meetings = Meeting.objects.filter(Q(cooperative=organization) | Q(buyer=organization)).filter(
        event__in=scope_events(user)).select_related("event", "cooperative", "buyer")
    for m in meetings:
        items.append(item(m.event.starts_on, "event",
                          _("Kết nối cung cầu: %(c)s – %(b)s (%(o)s)") % {
                              "c": m.cooperative.name, "b": m.buyer_label, "o": m.get_outcome_display()},
                          reverse("events:event_detail", args=[m.event_id])))
    return items
