"""The portal's public statistics page: figures worked out by hand from the records made here,
province and ward-type names (never bare codes), no personal data, a fixed number of queries
whatever the data, English, and the page linked from the portal's menu."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from htxconnect.core.actors import SYSTEM
from htxconnect.events import services as event_services
from htxconnect.market import services as market_services
from htxconnect.portal import statistics
from htxconnect.programs import services as program_services
from htxconnect.registry import services as registry_services
from htxconnect.registry.models import Organization
from htxconnect.resolver.models import ScanEvent
from tests.events.conftest import make_event, person, register
from tests.market.matrix import _product, new_connection

pytestmark = pytest.mark.django_db
D = datetime.date
TODAY = D(2026, 11, 27)


@pytest.fixture
def data(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    org = registry_services.create_organization
    # world: "HTX Ma Trận" and "HTX Láng Giềng", both in Phường Bến Cát (25813), Thành phố Hồ Chí Minh.
    org(actor=SYSTEM, name="HTX Phước Thành", province_code="79", ward_code="25864")  # Xã Phước Thành
    org(actor=SYSTEM, name="HTX Kiên Hải", province_code="91", ward_code="31108")  # Đặc khu Kiên Hải
    org(actor=SYSTEM, name="Tổ hợp tác An Biên", kind=Organization.Kind.COOPERATIVE_GROUP, province_code="91")
    org(actor=SYSTEM, name="HTX Ẩn", province_code="79", ward_code="25864", is_public=False)  # not in the directory
    org(actor=SYSTEM, name="Công ty Thu Mua", kind=Organization.Kind.ENTERPRISE, province_code="79")  # not a cooperative
    # Certifications: two VietGAP in force (one without an end), one expired; one ISO in force.
    cert = registry_services.create_certification
    cert(actor=SYSTEM, organization=world.org, type="vietgap", issue_date=D(2025, 1, 1), expiry_date=D(2027, 1, 1))
    cert(actor=SYSTEM, organization=world.other_org, type="vietgap", issue_date=D(2025, 1, 1))
    cert(actor=SYSTEM, organization=world.other_org, type="vietgap", issue_date=D(2020, 1, 1), expiry_date=D(2022, 1, 1))
    cert(actor=SYSTEM, organization=world.org, type="iso_9001", issue_date=D(2025, 6, 1), expiry_date=D(2028, 6, 1))
    # OCOP: a product rated 3 stars in 2022 (expired: 36 months), then 4 stars in 2025 (in force).
    product = _product(world)
    for stars, day in ((3, D(2022, 5, 1)), (4, D(2025, 5, 1))):
        registry_services.create_ocop_rating(actor=SYSTEM, product=product, stars=stars, decision_number=f"QĐ {stars}",
                                          decision_date=day)
    # Training: a course in 2025 with 3 registered and 2 present on both days (2 trainees, not 4),
    # a cancelled course, and a training recorded as a support with 35 participants in 2026.
    course = make_event(world.home, start=D(2025, 3, 10), capacity=10)
    registrations = [register(course, person(f"Học viên {i}", phone=f"0912 000 00{i}")) for i in range(3)]
    for session in course.sessions.all():
        for r in registrations[:2]:
            event_services.check_in(actor=SYSTEM, event_id=course.pk, session_id=session.pk, registration_id=r.pk,
                                    method="list")
    cancelled = make_event(world.home, title="Lớp hủy", start=D(2025, 4, 10))
    event_services.cancel_event(actor=SYSTEM, event_id=cancelled.pk, reason="Mưa bão")
    program = program_services.create_program(actor=SYSTEM, agency=world.home, name="CT thống kê",
                                              start_year=2025, end_year=2026)
    group = program_services.add_content_group(actor=SYSTEM, program=program, number=1, title="Tập huấn")
    program_services.record_support(actor=SYSTEM, organization=world.org, program=program, group=group,
                                    kind="training", title="Tập huấn", given_on=D(2026, 5, 1), participants=35)
    # Market: two connections, one moved on to "contacted".
    new_connection(world)
    second = new_connection(world)
    market_services.accept_connection(actor=world.people["coop_manager"], connection_id=second.pk)
    # Scans: two in November 2026, one in December 2025, one too old to show (November 2025).
    for day in (D(2026, 11, 3), D(2026, 11, 20), D(2025, 12, 31), D(2025, 11, 30)):
        ScanEvent.objects.create(product=product, day=day, scanned_at=timezone.make_aware(
            datetime.datetime.combine(day, datetime.time(9))))
    return world


def _by_key(today=TODAY):
    return {t.key: t for t in statistics.public_statistics(today)}


def test_figures_worked_out_by_hand(data):
    t = _by_key()
    # Province, then xã / phường / đặc khu / ward not known / total.
    assert t["cooperatives"].rows == [["Thành phố Hồ Chí Minh", 1, 2, 0, 0, 3], ["Tỉnh An Giang", 0, 0, 1, 1, 2]]
    assert t["cooperatives"].total == 5
    assert t["certifications"].rows == [["VietGAP", 2, 2], ["ISO 9001:2015", 1, 1]]
    assert t["ocop"].rows == [["3 sao", 0, 0], ["4 sao", 1, 1], ["5 sao", 0, 0]]
    trainings = {r[0]: r[1:] for r in t["trainings"].rows}
    assert list(trainings) == [2022, 2023, 2024, 2025, 2026]
    assert trainings[2025] == [1, 2, 0, 0, 2]  # 1 course held (the cancelled one is not), 2 trainees
    assert trainings[2026] == [0, 0, 1, 35, 35]
    stages = dict((r[0], r[1]) for r in t["connections"].rows)
    assert stages["Đã gửi đề nghị kết nối"] == 1 and stages["Đã đồng ý, đang liên hệ"] == 1 and sum(stages.values()) == 2
    scans = dict((r[0], r[1]) for r in t["scans"].rows)
    assert list(scans)[0] == "12/2025" and list(scans)[-1] == "11/2026"
    assert scans["12/2025"] == 1 and scans["11/2026"] == 2 and sum(scans.values()) == 3


def test_the_page_shows_names_and_tables_and_no_personal_data(data):
    page = data.client("anonymous").get("/portal/thong-ke/")
    body = page.content.decode()
    assert page.status_code == 200
    for text in ("Thống kê", "Thành phố Hồ Chí Minh", "Tỉnh An Giang", "Đặc khu", "VietGAP", "4 sao",
                 'id="dashboard-data"', 'data-chart="cooperatives"', "echarts.min.js", "js/charts.js",
                 "<caption class=\"visually-hidden\">"):
        assert text in body, text
    for private in ("Học viên 0", "0912 000 000", "HTX Ẩn", "HTX Phước Thành"):
        assert private not in body, private
    assert 'aria-current="page" href="/portal/thong-ke/"' in body
    assert 'href="/portal/thong-ke/"' in data.client("anonymous").get("/portal/").content.decode()


def test_the_page_runs_a_fixed_number_of_queries(data, django_assert_num_queries):
    client = data.client("anonymous")
    client.get("/portal/thong-ke/")  # warm the admin-unit lists
    with django_assert_num_queries(8):
        client.get("/portal/thong-ke/")
    for i in range(5):  # more of everything: the same count
        registry_services.create_organization(actor=SYSTEM, name=f"HTX Thêm {i}", province_code="91",
                                              ward_code="30985")
        ScanEvent.objects.create(product=_product(data), day=timezone.localdate(), scanned_at=timezone.now())
    with django_assert_num_queries(8):
        client.get("/portal/thong-ke/")


def test_the_page_in_english(data):
    client = data.client("anonymous")
    client.post("/i18n/setlang/", {"language": "en", "next": "/portal/thong-ke/"})
    body = client.get("/portal/thong-ke/").content.decode()
    for text in ("Statistics", "Cooperatives, unions and cooperative groups by province and ward type", "Special zone",
                 "Certifications in force by kind", "4 stars", "Training: courses held and trainees by year",
                 "Market connections by stage", "Connection requested", "Traceability QR scans by month",
                 "Show as a table"):
        assert text in body, text


def test_an_empty_system_shows_zeros_and_no_chart(db):
    t = _by_key()
    assert t["cooperatives"].rows == [] and t["cooperatives"].total == 0
    assert [r[1] for r in t["connections"].rows] == [0] * 8
    from django.test import Client

    body = Client().get("/portal/thong-ke/").content.decode()
    assert "Chưa có số liệu." in body and 'data-chart="scans"' not in body
