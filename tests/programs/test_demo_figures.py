"""Each figure in the seed articles' results sections, computed from the demo data through the
platform's own queries (expected values are the articles' numbers and names)."""

import io

import pytest

from htxconnect.core.money import amount_in_words
from htxconnect.core.numbers import two_digits
from htxconnect.programs import demo, eligibility, indicators, queries
from htxconnect.programs.models import Application, Program, Target
from htxconnect.registry.models import IPUsageGrant


@pytest.fixture
def seeded(db, settings, tmp_path):
    from htxconnect.accounts import demo as accounts_demo
    from htxconnect.events import demo as events_demo
    from htxconnect.registry import demo as registry_demo

    settings.MEDIA_ROOT = tmp_path / "media"
    out = io.StringIO()
    accounts_demo.load(out)
    registry_demo.load_seed(out)
    demo.load(out)
    events_demo.load(out)  # the supply–demand sessions and the trainings are events
    return {p.name: p for p in Program.objects.all()}


def kinds(program) -> dict:
    return {s.kind: s for s in queries.support_summary(program)}


def names(program, kind) -> set:
    return {s.organization.name for s in queries.supports_of_kind(program, kind)}


def check_binh_duong_2016_2020_results(seeded):
    program = seeded[demo.BD_2016_NAME]
    summary = kinds(program)
    assert two_digits(summary["iso"].organizations) == "02"
    assert names(program, "iso") == {"HTX Hồng Đức", "HTX Ổi Thanh Kiên"}
    assert two_digits(summary["barcode"].organizations) == "05"
    assert names(program, "barcode") == {"HTX Ổi Thanh Kiên", "HTX Tân Nông Phát", "HTX Nhân Đức",
                                         "HTX Nấm sạch Bình Dương", "HTX Minh Hòa Phát"}
    assert two_digits(summary["trademark_guidance"].organizations) == "03"
    assert names(program, "trademark_guidance") == {"HTX nông nghiệp Bông Trang", "HTX Tân Hiệp An",
                                                    "HTX Chăn nuôi Tâm Phát"}
    assert two_digits(summary["solar_power"].organizations) == "03"
    loans = queries.loan_summary(program)
    assert two_digits(loans.borrowers) == "02"
    assert amount_in_words(loans.principal, pad=True) == "06 tỷ 900 triệu đồng"
    loan = program.loans.get()
    assert {o.name for o in loan.borrowers.all()} == {"HTX Chăn nuôi Tâm Phát", "HTX Cao su Nhật Hưng"}
    assert "chỉ nêu tổng" in loan.note  # no invented split
    assert all("không nêu tên" in s.note for s in queries.supports_of_kind(program, "solar_power"))
    assert {t.host.name for t in program.science_tasks.all()} == {"HTX Chăn nuôi Tâm Phát", "HTX Cao su Nhật Hưng"}


def check_binh_duong_2021_2025_program(seeded):
    program = seeded[demo.BD_2021_NAME]
    assert [g.number for g in program.groups.all()] == [1, 2, 3, 4, 5, 6, 7]
    assert program.groups.get(number=3).title.startswith("Phối hợp tổ chức tập huấn")
    targets = Target.objects.filter(plan__program=program).select_related("plan", "group")
    assert sorted((t.plan.year, t.group.number, t.indicator, t.value) for t in targets) == [
        (year, 3, "training_person_times", 150) for year in range(2021, 2026)]


def check_an_giang_2019_2020_plan(seeded):
    program = seeded[demo.AG_NAME]
    grants = IPUsageGrant.objects.filter(ip_right__name="An Giang", ip_right__kind="certification_mark")
    first, second = sorted({g.granted_on for g in grants})
    assert two_digits(grants.filter(granted_on=first).count()) == "08"
    assert {g.grantee.name for g in grants.filter(granted_on=second)} == {
        "HTX Nông nghiệp Vĩnh Thắng", "HTX Nông nghiệp An Bình", "HTX Nông nghiệp Vĩnh Bình",
        "HTX Sản xuất Kinh doanh Dịch vụ Nông nghiệp Chợ Mới", "HTX làm vườn Bến Bà Chi", "HTX Nông nghiệp Long Bình"}
    fees = queries.supports_of_kind(program, "collective_mark_fee")
    assert sorted((s.organization.name, s.amount_state) for s in fees) == [
        ("HTX Nông sản An toàn Kiến An - Chợ Mới", 2_500_000), ("HTX Sản xuất GAP Bình Phước Xuân", 2_500_000)]
    assert "supply_demand" not in kinds(program)  # sessions are events now, not supports
    assert two_digits(program.events.filter(kind="supply_demand").count()) == "03"
    workshops = Target.objects.select_related("plan").get(plan__program=program, indicator="supply_demand_sessions")
    assert (workshops.plan.year, workshops.value, workshops.unit) == (2020, 4, "buổi")
    assert indicators.measure([workshops])[workshops.pk] == 3


def check_decision_71_review_of_binh_thanh(seeded):
    application = Application.objects.select_related("item__policy", "organization").get()
    assert application.item.policy.number == "71/2019/QĐ-UBND"
    assert application.organization.name == "HTX sản xuất rau an toàn Bình Thạnh"
    assert application.state == "info_requested"
    assert "đáp ứng về đối tượng, lĩnh vực, điều kiện" in application.steps.last().comment
    evaluation = queries.evaluate(application)
    assert evaluation.status == eligibility.ELIGIBLE and len(evaluation.results) == 3


def check_events_from_the_seeds(seeded):
    """An Giang's 2019 workshop (90 delegates, about 50 from businesses and cooperatives), its 03
    supply–demand sessions with their topics, and Bình Dương's 150 person-times target met in one
    year and missed in another, all counted from attendance."""
    from htxconnect.events import demo as events_demo
    from htxconnect.events import queries as event_queries
    from htxconnect.events.models import Event

    workshop = Event.objects.get(title=events_demo.AG_WORKSHOP)
    counts = event_queries.event_counts(workshop)
    assert (workshop.starts_on.year, counts.confirmed, counts.person_times) == (2019, 90, 90)
    assert workshop.registrations.filter(organization_name__startswith="Doanh nghiệp/HTX").count() == 50
    assert "khoảng 50" in workshop.note and "không nêu" in workshop.note
    ag = seeded[demo.AG_NAME]
    assert sorted(e.description for e in ag.events.filter(kind="supply_demand")) == sorted(
        f"Chủ đề: {t}." for t in demo.AG_SESSIONS)
    bd = seeded[demo.BD_2021_NAME]
    targets = {t.plan.year: t for t in Target.objects.filter(plan__program=bd, indicator="training_person_times")
               .select_related("plan")}
    values = {year: indicators.measure([t])[t.pk] for year, t in targets.items()}
    assert values[2024] >= 150 > values[2025] > 0
    unique = indicators.INDICATORS["attendance_unique_people"]
    assert values[2024] == 160 and sum(r.value for r in unique.records(targets[2024])) < 160 + 1


def test_seed_figures(seeded):
    """One load of the demo (it is slow), every section checked."""
    check_binh_duong_2016_2020_results(seeded)
    check_binh_duong_2021_2025_program(seeded)
    check_an_giang_2019_2020_plan(seeded)
    check_decision_71_review_of_binh_thanh(seeded)
    check_events_from_the_seeds(seeded)


def test_demo_is_idempotent(seeded):
    from htxconnect.programs.models import Loan, Support

    before = (Program.objects.count(), Support.objects.count(), Loan.objects.count(), Target.objects.count(),
              Application.objects.count())
    demo.load(io.StringIO())
    assert before == (Program.objects.count(), Support.objects.count(), Loan.objects.count(), Target.objects.count(),
                      Application.objects.count())
