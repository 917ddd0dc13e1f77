"""Attendance as indicators of the programs app: person-times and unique people, per program and
year, optionally per event kind and per content group; supply–demand sessions held.

Registered into programs.indicators when the app is ready (programs never imports events). The
counting rule of each indicator is its docstring (the target page shows it).

Person-time (lượt người): one registration present at one session or more of an event. A person
at every session of a five-day course is one person-time for that course; the same person at
three courses is three. An attendance counts toward the year of the session attended.
Unique people: distinct persons across events, matched on the folded phone number, else e-mail.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from htxconnect.programs import indicators as registry
from htxconnect.programs.indicators import Record, indicator

from .models import Attendance, Event, EventKind

TRAINING_KINDS = [EventKind.COURSE]


def _attendances(program_id: int):
    return Attendance.objects.filter(session__event__program_id=program_id).exclude(
        session__event__status=Event.Status.CANCELLED)


def _events(program_id: int):
    return Event.objects.filter(program_id=program_id).exclude(status=Event.Status.CANCELLED)


def _year_range(year: int) -> tuple[datetime.datetime, datetime.datetime]:
    """The plan year (narrowed to the window of a running programs.indicators.measure call)."""
    from django.utils import timezone

    first, after = registry.year_bounds(year)
    return (timezone.make_aware(datetime.datetime.combine(first, datetime.time.min)),
            timezone.make_aware(datetime.datetime.combine(after, datetime.time.min)))


def _kinds(target) -> list[str]:
    if target.indicator == "training_person_times":
        return list(target.params.get("kinds") or TRAINING_KINDS)
    return list(target.params.get("kinds") or [])


def _attendance_q(target, prefix: str = "") -> Q:
    start, end = _year_range(target.plan.year)
    q = Q(**{f"{prefix}session__starts_at__gte": start, f"{prefix}session__starts_at__lt": end})
    kinds = _kinds(target)
    if kinds:
        q &= Q(**{f"{prefix}session__event__kind__in": kinds})
    if target.params.get("same_group"):
        q &= Q(**{f"{prefix}session__event__group_id": target.group_id})
    return q


def _event_q(target) -> Q:
    first, after = registry.year_bounds(target.plan.year)
    q = Q(starts_on__gte=first, starts_on__lt=after)
    if target.params.get("same_group"):
        q &= Q(group_id=target.group_id)
    return q & Q(kind=EventKind.SUPPLY_DEMAND)


def _check(params: dict) -> None:
    kinds = params.get("kinds", [])
    if not isinstance(kinds, list) or any(k not in EventKind.values for k in kinds):
        raise ValidationError(_("“kinds” phải là danh sách loại sự kiện hợp lệ (%(v)s).")
                              % {"v": ", ".join(EventKind.values)})
    if not isinstance(params.get("same_group", False), bool):
        raise ValidationError(_("“same_group” phải là true hoặc false."))


def _attendance_records(target) -> list[Record]:
    """One record per event: its person-times (or unique people) counted in the target's year."""
    code = target.indicator
    rows = (_attendances(target.plan.program_id).filter(_attendance_q(target))
            .values("session__event_id", "session__event__title", "session__event__starts_on",
                    "session__event__kind", "session__event__host_id", "session__event__host__name")
            .annotate(person_times=Count("registration", distinct=True),
                      people=Count("registration__person_key", distinct=True))
            .order_by("session__event__starts_on", "session__event_id"))
    labels = dict(EventKind.choices)
    return [Record(r["session__event__starts_on"], r["session__event__host_id"], r["session__event__host__name"] or "",
                   f"{labels.get(r['session__event__kind'], '')}: {r['session__event__title']}",
                   None, r["people"] if code == "attendance_unique_people" else r["person_times"]) for r in rows]


def _event_records(target) -> list[Record]:
    rows = _events(target.plan.program_id).filter(_event_q(target)).select_related("host").order_by("starts_on", "id")
    return [Record(e.starts_on, e.host_id, e.host.name if e.host_id else "", f"{e.get_kind_display()}: {e.title}")
            for e in rows]


def register() -> None:
    registry.register_source("attendances", _attendances, _attendance_records)
    registry.register_source("events", _events, _event_records)

    @indicator("training_person_times", gettext_lazy("Lượt người được tập huấn"), gettext_lazy("lượt người"),
               "attendances", check_params=_check)
    def training_person_times(target):
        """Person-times (lượt người) trained, from attendance: people present at one session or more of
        a training course (kinds given in the target, courses when none) under the target's program,
        counted in the year of the session attended. One person at three courses counts three times;
        a person at every session of one course counts once; registering without attending counts
        nothing; cancelled events count nothing."""
        return Count("registration", distinct=True, filter=_attendance_q(target))

    @indicator("attendance_person_times", gettext_lazy("Lượt người tham dự sự kiện"), gettext_lazy("lượt người"),
               "attendances", check_params=_check)
    def attendance_person_times(target):
        """Person-times at events of the target's program (of the target's kinds, all kinds when none
        are given; only the target's content group when "same_group" is true): people present at one
        session or more of an event, counted in the year of the session attended."""
        return Count("registration", distinct=True, filter=_attendance_q(target))

    @indicator("attendance_unique_people", gettext_lazy("Số người tham dự (không trùng)"), gettext_lazy("người"),
               "attendances", check_params=_check)
    def attendance_unique_people(target):
        """Distinct people present at events of the target's program in the target's year (same
        filters as person-times): a person at three courses counts once. People are matched on the
        folded phone number, else the e-mail; someone registered with neither counts once per event."""
        return Count("registration__person_key", distinct=True, filter=_attendance_q(target))

    @indicator("supply_demand_sessions", gettext_lazy("Số buổi kết nối cung cầu"), gettext_lazy("buổi"), "events",
               check_params=_check)
    def supply_demand_sessions(target):
        """Supply–demand sessions held: events of kind "kết nối cung cầu" under the target's program
        starting in the target's year, whatever their status except cancelled (one event per session)."""
        return Count("id", filter=_event_q(target))


def measure_event(event: Event) -> dict:
    """Person-times and unique people of one event (what its page shows)."""
    row = Attendance.objects.filter(session__event=event).aggregate(
        person_times=Count("registration", distinct=True), people=Count("registration__person_key", distinct=True))
    return row


def by_year(*, program_id: int | None = None, group_id: int | None = None, kinds: list[str] | None = None) -> list[dict]:
    """Person-times and unique people per year (of the session attended), for a program or a
    content group: one query."""
    from django.db.models.functions import ExtractYear

    rows = Attendance.objects.exclude(session__event__status=Event.Status.CANCELLED)
    if program_id:
        rows = rows.filter(session__event__program_id=program_id)
    if group_id:
        rows = rows.filter(session__event__group_id=group_id)
    if kinds:
        rows = rows.filter(session__event__kind__in=kinds)
    return list(rows.annotate(year=ExtractYear("session__starts_at")).values("year")
                .annotate(person_times=Count("registration", distinct=True),
                          people=Count("registration__person_key", distinct=True)).order_by("year"))
