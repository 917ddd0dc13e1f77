"""Indicators count targets' progress from records; each one tested on hand-built records. The
program page's query count does not depend on the number of targets."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from htxconnect.programs import indicators, queries, services
from htxconnect.registry import services as registry_services
from htxconnect.registry.models import IPRight
from htxconnect.core.actors import SYSTEM

D = datetime.date


def target(world, indicator, value=10, params=None, group=0, plan=None):
    return services.add_target(actor=SYSTEM, plan=plan or world["plan"], group=world["groups"][group], title=indicator,
                               indicator=indicator, value=value, unit="đơn vị", params=params or {})


def support(world, kind, on=D(2025, 3, 1), org=None, **fields):
    return services.record_support(actor=SYSTEM, organization=org or world["coop"], program=world["program"],
                                   kind=kind, title=kind, given_on=on, **fields)


def actual(t):
    t.refresh_from_db()
    return indicators.measure([t])[t.pk]


def test_registry_has_a_documented_rule_for_each_indicator():
    assert set(indicators.INDICATORS) == {"orgs_supported", "supports_count", "support_amount_state",
                                          "training_person_times", "supply_demand_sessions", "loan_amount",
                                          "loan_borrowers", "mark_usage_grants",
                                          # registered by the events app (attendance as the source)
                                          "attendance_person_times", "attendance_unique_people"}
    assert all(len(i.doc) > 60 for i in indicators.INDICATORS.values())


@pytest.mark.django_db
def test_orgs_supported_counts_distinct_organisations_of_the_kinds_in_the_year(world):
    t = target(world, "orgs_supported", params={"kinds": ["barcode"]})
    assert actual(t) == 0
    support(world, "barcode")
    support(world, "barcode")  # same cooperative again: still one
    other = registry_services.create_organization(actor=SYSTEM, name="HTX Nhân Đức", province_code="79")
    support(world, "barcode", org=other)
    support(world, "iso", org=other)  # another kind
    support(world, "barcode", on=D(2024, 12, 31), org=registry_services.create_organization(
        actor=SYSTEM, name="HTX Năm Trước", province_code="79"))  # another year
    assert actual(t) == 2
    assert {r.organization for r in indicators.INDICATORS["orgs_supported"].records(t)} == {"HTX Hồng Đức", "HTX Nhân Đức"}


@pytest.mark.django_db
def test_supports_count_and_state_amount(world):
    count = target(world, "supports_count", params={"kinds": ["collective_mark_fee"]})
    amount = target(world, "support_amount_state", value=5_000_000, params={"kinds": ["collective_mark_fee"]})
    support(world, "collective_mark_fee", amount_state=2_500_000, amount_counterpart=1_000_000)
    support(world, "collective_mark_fee", amount_state=2_500_000)
    support(world, "iso", amount_state=9_000_000)
    assert actual(count) == 2
    assert actual(amount) == 5_000_000  # counterpart and other kinds not counted


@pytest.mark.django_db
def test_training_and_sessions_are_counted_by_the_events_app_not_from_supports(world):
    """The events app registers both indicators over its attendance and its events
    (tests/events/test_indicators.py); a support's participant count is no longer a second source."""
    t = target(world, "training_person_times", value=150, group=2)
    sessions = target(world, "supply_demand_sessions", value=4)
    support(world, "training", participants=60)
    support(world, "supply_demand")
    assert (actual(t), actual(sessions)) == (0, 0)
    assert (indicators.INDICATORS["training_person_times"].source,
            indicators.INDICATORS["supply_demand_sessions"].source) == ("attendances", "events")


@pytest.mark.django_db
def test_loan_amount_and_borrowers(world):
    amount, borrowers = target(world, "loan_amount", value=6_900_000_000), target(world, "loan_borrowers", value=2)
    other = registry_services.create_organization(actor=SYSTEM, name="HTX Cao su Nhật Hưng", province_code="79")
    services.create_loan(actor=SYSTEM, agency=world["home"], borrowers=[world["coop"], other], program=world["program"],
                         fund="Quỹ", purpose="Dây chuyền", principal=6_900_000_000, approved_on=D(2025, 5, 1))
    services.create_loan(actor=SYSTEM, agency=world["home"], borrowers=[other], program=world["program"], fund="Quỹ",
                         purpose="Năm sau", principal=1_000_000, approved_on=D(2026, 1, 2))
    assert actual(amount) == 6_900_000_000  # principal counted once although the loan has two borrowers
    assert actual(borrowers) == 2


@pytest.mark.django_db
def test_mark_usage_grants(world):
    t = target(world, "mark_usage_grants", params={"mark": "An Giang"})
    dost = registry_services.create_organization(actor=SYSTEM, name="Sở KH&CN An Giang", kind="agency", province_code="91")
    mark = registry_services.create_ip_right(actor=SYSTEM, owner=dost, kind=IPRight.Kind.CERTIFICATION_MARK,
                                             name="An Giang", status="granted", grant_date=D(2018, 5, 10))
    registry_services.grant_ip_usage(actor=SYSTEM, ip_right=mark, grantee=world["coop"], granted_on=D(2025, 3, 20))
    registry_services.grant_ip_usage(actor=SYSTEM, ip_right=mark, grantee=world["outside"], granted_on=D(2024, 8, 15))
    assert actual(t) == 1


@pytest.mark.django_db
def test_progress_changes_when_a_record_is_added(world, clients):
    t = target(world, "orgs_supported", value=5, params={"kinds": ["barcode"]})
    page = clients["officer"].get(f"/programs/{world['program'].pk}/")
    assert page.context["groups"][0].years[1][1][0].actual == 0
    support(world, "barcode")
    page = clients["officer"].get(f"/programs/{world['program'].pk}/")
    row = page.context["groups"][0].years[1][1][0]
    assert (row.target.pk, row.actual, row.percent) == (t.pk, 1, 20)
    assert "1 / 5 đơn vị" in page.content.decode()
    records = clients["officer"].get(f"/programs/targets/{t.pk}/")
    assert "HTX Hồng Đức" in records.content.decode()


@pytest.mark.django_db
def test_target_year_outside_the_program_is_refused(world):
    with pytest.raises(ValidationError) as error:
        services.create_plan(actor=SYSTEM, program=world["program"], year=2027)
    assert "2027" in str(error.value) and "2024–2026" in str(error.value)


@pytest.mark.django_db
def test_target_parameters_and_group_are_checked(world, agencies):
    with pytest.raises(ValidationError):
        target(world, "nope")
    with pytest.raises(ValidationError):
        target(world, "orgs_supported", params={"kinds": ["vang"]})
    with pytest.raises(ValidationError):
        target(world, "mark_usage_grants", params={})
    foreign = services.create_program(actor=SYSTEM, agency=agencies[1], name="Khác", start_year=2025, end_year=2025)
    group = services.add_content_group(actor=SYSTEM, program=foreign, number=1, title="Khác")
    with pytest.raises(ValidationError):
        services.add_target(actor=SYSTEM, plan=world["plan"], group=group, title="x", indicator="supports_count",
                            value=1, unit="lượt")


@pytest.mark.django_db
def test_copy_plan_to_next_year(world, users):
    target(world, "orgs_supported", value=5, params={"kinds": ["barcode"]})
    target(world, "training_person_times", value=150, group=2)
    new = services.copy_plan_to_next_year(actor=users["officer"], plan=world["plan"])
    assert new.year == 2026
    assert sorted((t.indicator, t.value, t.group.number) for t in new.targets.all()) == [
        ("orgs_supported", 5, 1), ("training_person_times", 150, 3)]
    with pytest.raises(ValidationError):  # 2027 is outside 2024–2026
        services.copy_plan_to_next_year(actor=users["officer"], plan=new)
    with pytest.raises(ValidationError):  # 2026 exists already
        services.copy_plan_to_next_year(actor=users["officer"], plan=world["plan"])


@pytest.mark.django_db
def test_program_page_query_count_does_not_depend_on_targets(world, clients, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    target(world, "orgs_supported", params={"kinds": ["barcode"]})
    target(world, "loan_amount")
    target(world, "loan_borrowers")  # one target of each source: at most one aggregate query per source
    target(world, "mark_usage_grants", params={"mark": "An Giang"})
    target(world, "training_person_times", group=2)
    target(world, "supply_demand_sessions")
    support(world, "barcode")
    client = clients["officer"]
    url = f"/programs/{world['program'].pk}/"
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    plan_2026 = services.create_plan(actor=SYSTEM, program=world["program"], year=2026)
    for i in range(30):
        target(world, "orgs_supported", params={"kinds": ["iso"]}, group=i % 3)
        target(world, "training_person_times", group=2, plan=plan_2026)
        target(world, "supply_demand_sessions", plan=plan_2026)
        target(world, "loan_borrowers", plan=plan_2026)
        target(world, "mark_usage_grants", params={"mark": f"M{i}"}, plan=plan_2026)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few)
    assert len(few) <= 20


@pytest.mark.django_db
def test_program_is_not_visible_to_another_agency(world, clients):
    assert clients["other_officer"].get(f"/programs/{world['program'].pk}/").status_code == 404
    assert clients["coop_manager"].get(f"/programs/{world['program'].pk}/").status_code == 403
