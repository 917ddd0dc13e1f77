"""A small events world: the home agency's program (2024–2026) with a training content group, a
published two-day course of capacity 2 in 2025 with its registration open, and a cooperative
managed by `u_coop_manager`."""

import datetime

import pytest
from django.utils import timezone

from htxconnect.events import services
from htxconnect.events.models import EventKind
from htxconnect.programs import services as program_services
from htxconnect.registry import services as registry_services
from htxconnect.registry.models import OrganizationUser
from htxconnect.core.actors import SYSTEM

NOW = timezone.make_aware(datetime.datetime(2025, 3, 1, 9, 0))


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def make_event(agency, program=None, group=None, *, title="Tập huấn thương mại điện tử", kind=EventKind.COURSE,
               start=datetime.date(2025, 3, 10), days=2, capacity=2, publish=True, **fields):
    event = services.create_event(actor=SYSTEM, agency=agency, kind=kind, title=title, program=program, group=group,
                                  starts_on=start, ends_on=start + datetime.timedelta(days=days - 1),
                                  province_code="79", ward_code="25813", venue="Hội trường Liên minh HTX",
                                  capacity=capacity, **fields)
    if publish:
        services.publish_event(actor=SYSTEM, event_id=event.pk)
        event.refresh_from_db()
    return event


def person(name="Nguyễn Văn An", phone="0912 345 678", email="", **kw):
    return services.Registrant(full_name=name, phone=phone, email=email, **kw)


def register(event, who=None, **kw):
    kw.setdefault("now", NOW)
    return services.register(actor=SYSTEM, event_id=event.pk, registrant=who or person(), consent=True, **kw)


@pytest.fixture
def ev(users, agencies):
    home, other = agencies
    coop = registry_services.create_organization(actor=SYSTEM, name="HTX Hồng Đức", province_code="79",
                                                 ward_code="25813", members_count=12)
    OrganizationUser.objects.create(user=users["coop_manager"], organization=coop, role="manager")
    program = program_services.create_program(actor=SYSTEM, agency=home, name="Chương trình phối hợp 2024–2026",
                                              start_year=2024, end_year=2026)
    group = program_services.add_content_group(actor=SYSTEM, program=program, number=3, title="Tập huấn")
    event = make_event(home, program, group)
    return type("Ev", (), {"home": home, "other": other, "coop": coop, "program": program, "group": group,
                           "event": event, "users": users})
