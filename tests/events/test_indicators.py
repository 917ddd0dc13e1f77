"""Attendance counts itself into the programs' targets (person-times, unique people, sessions)."""

import datetime

import pytest

from htxconnect.events import services, tickets
from htxconnect.events.models import EventKind
from htxconnect.programs import indicators
from htxconnect.programs import services as program_services

from .conftest import make_event, person, register
from htxconnect.core.actors import SYSTEM

pytestmark = pytest.mark.django_db


def attend(event, registration, session_number=1):
    session = event.sessions.get(number=session_number)
    return services.check_in(actor=SYSTEM, event_id=event.pk, session_id=session.pk,
                             token=tickets.ticket_token(registration))


def target(ev, code, year=2025, **params):
    plan = ev.program.plans.filter(year=year).first() or program_services.create_plan(
        actor=SYSTEM, program=ev.program, year=year)
    return program_services.add_target(actor=SYSTEM, plan=plan, group=ev.group, title="Tập huấn 150 lượt người",
                                       indicator=code, value=150, unit="lượt người", params=params)


def test_training_person_times_count_attendance_not_registration(ev):
    course2 = make_event(ev.home, ev.program, ev.group, title="Tập huấn VietGAP", start=datetime.date(2025, 6, 2),
                         capacity=None)
    workshop = make_event(ev.home, ev.program, ev.group, title="Hội thảo", kind=EventKind.WORKSHOP,
                          start=datetime.date(2025, 6, 9), capacity=None)
    an, binh = register(ev.event, person("An", "0900000001")), register(ev.event, person("Bình", "0900000002"))
    attend(ev.event, an, 1), attend(ev.event, an, 2)  # both days of one course: one person-time
    # Bình registered and never came: nothing.
    attend(course2, register(course2, person("An", "0900000001")))  # An again at a second course: two person-times
    attend(course2, register(course2, person("Chi", "0900000003")))
    attend(workshop, register(workshop, person("Dũng", "0900000004")))  # a workshop is not a training course
    person_times, people, all_kinds = (target(ev, "training_person_times"), target(ev, "attendance_unique_people"),
                                       target(ev, "attendance_person_times"))
    values = indicators.measure([person_times, people, all_kinds])
    assert (values[person_times.pk], values[people.pk], values[all_kinds.pk]) == (3, 3, 4)
    records = indicators.INDICATORS["training_person_times"].records(person_times)
    assert [(r.text.split(": ")[1], r.value) for r in records] == [("Tập huấn thương mại điện tử", 1),
                                                                   ("Tập huấn VietGAP", 2)]
    assert binh.attendances.count() == 0


def test_attendance_counts_in_the_year_of_the_session_and_cancelled_events_count_nothing(ev):
    late = make_event(ev.home, ev.program, ev.group, title="Lớp cuối năm", start=datetime.date(2025, 12, 31), days=2,
                      capacity=None, registration_closes_at=None)
    r = register(late, person("An", "0900000001"), now=datetime.datetime(2025, 12, 1, tzinfo=datetime.UTC))
    attend(late, r, 2)  # 01/01/2026
    t2025, t2026 = target(ev, "training_person_times", 2025), target(ev, "training_person_times", 2026)
    assert indicators.measure([t2025])[t2025.pk] == 0 and indicators.measure([t2026])[t2026.pk] == 1
    services.cancel_event(actor=SYSTEM, event_id=late.pk, reason="Hoãn")
    assert indicators.measure([t2026])[t2026.pk] == 0


def test_supply_demand_sessions_count_events(ev):
    for day in (3, 10, 17):
        make_event(ev.home, ev.program, ev.group, title=f"Kết nối {day}", kind=EventKind.SUPPLY_DEMAND,
                   start=datetime.date(2025, 4, day))
    make_event(ev.home, ev.program, ev.group, title="Kết nối năm sau", kind=EventKind.SUPPLY_DEMAND,
               start=datetime.date(2026, 4, 1))
    t = target(ev, "supply_demand_sessions")
    assert indicators.measure([t])[t.pk] == 3
    assert len(indicators.INDICATORS["supply_demand_sessions"].records(t)) == 3


def test_unknown_event_kind_in_params_is_refused(ev):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="loại sự kiện"):
        target(ev, "attendance_person_times", kinds=["picnic"])
