"""Eligibility: each condition kind decides eligible / not eligible / unknown from registry data,
with a Vietnamese reason; the verdict is the worst of them (not eligible > unknown > eligible)."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from htxconnect.programs import eligibility, services
from htxconnect.programs.models import Condition, Policy
from htxconnect.registry import services as registry_services
from htxconnect.core.actors import SYSTEM

TODAY = datetime.date(2026, 6, 1)


@pytest.fixture
def policy(agencies):
    return services.create_policy(actor=SYSTEM, agency=agencies[0], number="71/2019/QĐ-UBND", title="CGCN",
                                  issuer="UBND tỉnh An Giang", issued_on=datetime.date(2019, 12, 23))


def verdict(policy, org, kind, params, item=None):
    Condition.objects.filter(policy=policy).delete()
    services.add_condition(actor=SYSTEM, policy=policy, kind=kind, params=params)
    result = eligibility.evaluate(Policy.objects.get(pk=policy.pk), org, item=item, today=TODAY)
    return result.status, result.results[0].reason


def org(**fields):
    return registry_services.create_organization(actor=SYSTEM, name=fields.pop("name", "HTX Bình Thạnh"), **fields)


@pytest.mark.django_db
def test_org_kind(policy):
    assert verdict(policy, org(kind="cooperative"), "org_kind", {"kinds": ["cooperative"]})[0] == "eligible"
    status, reason = verdict(policy, org(name="Công ty A", kind="enterprise"), "org_kind", {"kinds": ["cooperative"]})
    assert status == "not_eligible" and "Doanh nghiệp" in reason and "không thuộc đối tượng" in reason


@pytest.mark.django_db
def test_province_and_ward(policy):
    assert verdict(policy, org(province_code="91"), "province", {"provinces": ["91"]})[0] == "eligible"
    assert verdict(policy, org(name="B", province_code="79"), "province", {"provinces": ["91"]})[0] == "not_eligible"
    status, reason = verdict(policy, org(name="C"), "province", {"provinces": ["91"]})
    assert status == "unknown" and "Chưa có địa chỉ" in reason
    assert verdict(policy, org(name="D", province_code="79", ward_code="25813"), "ward", {"wards": ["25813"]})[0] == "eligible"
    assert verdict(policy, org(name="E", province_code="79"), "ward", {"wards": ["25813"]})[0] == "unknown"


@pytest.mark.django_db
def test_years_active_counts_whole_years(policy):
    # Established 02/06/2024: on 01/06/2026 it has one whole year, not two.
    young = org(established_on=datetime.date(2024, 6, 2))
    status, reason = verdict(policy, young, "years_active", {"min": 2})
    assert status == "not_eligible" and "1 năm" in reason and "02/06/2024" in reason
    old = org(name="B", established_on=datetime.date(2024, 6, 1))
    assert verdict(policy, old, "years_active", {"min": 2})[0] == "eligible"
    assert verdict(policy, org(name="C"), "years_active", {"min": 2})[0] == "unknown"


@pytest.mark.django_db
def test_members(policy):
    assert verdict(policy, org(members_count=7), "members", {"min": 7})[0] == "eligible"
    status, reason = verdict(policy, org(name="B", members_count=6), "members", {"min": 7})
    assert status == "not_eligible" and "6 thành viên" in reason
    assert verdict(policy, org(name="C"), "members", {"min": 7})[0] == "unknown"


@pytest.mark.django_db
def test_certification_must_be_valid_on_the_day(policy):
    holder = org()
    registry_services.create_certification(actor=SYSTEM, organization=holder, type="vietgap", number="VG-1",
                                           issue_date=datetime.date(2024, 1, 1), expiry_date=datetime.date(2026, 5, 31))
    status, reason = verdict(policy, holder, "certification", {"types": ["vietgap"]})
    assert status == "not_eligible" and "hết hiệu lực" in reason
    registry_services.create_certification(actor=SYSTEM, organization=holder, type="vietgap", number="VG-2",
                                           issue_date=datetime.date(2026, 5, 1), expiry_date=datetime.date(2028, 5, 1))
    status, reason = verdict(policy, holder, "certification", {"types": ["vietgap"]})
    assert status == "eligible" and "VG-2" in reason and "01/05/2028" in reason
    assert verdict(policy, org(name="B"), "certification", {"types": ["vietgap"]})[0] == "not_eligible"


@pytest.mark.django_db
def test_sector(policy):
    assert verdict(policy, org(sectors=["rau-an-toan"]), "sector", {"sectors": ["rau-an-toan", "nam"]})[0] == "eligible"
    status, reason = verdict(policy, org(name="B", sectors=["van-tai"]), "sector", {"sectors": ["rau-an-toan"]})
    assert status == "not_eligible" and "Vận tải" in reason
    assert verdict(policy, org(name="C"), "sector", {"sectors": ["rau-an-toan"]})[0] == "unknown"


@pytest.mark.django_db
def test_no_prior_support_under_the_same_item_within_n_years(policy):
    item = services.add_support_item(actor=SYSTEM, policy=policy, code="1", name="CGCN")
    other_item = services.add_support_item(actor=SYSTEM, policy=policy, code="2", name="Khác")
    coop = org()
    services.record_support(actor=SYSTEM, organization=coop, agency=policy.agency, item=other_item, kind="other",
                            title="Khác", given_on=datetime.date(2026, 1, 1))
    assert verdict(policy, coop, "no_prior_support", {"years": 3}, item=item)[0] == "eligible"
    services.record_support(actor=SYSTEM, organization=coop, agency=policy.agency, item=item, kind="other",
                            title="Lần trước", given_on=datetime.date(2023, 6, 1))  # exactly 3 years before
    status, reason = verdict(policy, coop, "no_prior_support", {"years": 3}, item=item)
    assert status == "not_eligible" and "01/06/2023" in reason
    assert verdict(policy, coop, "no_prior_support", {"years": 2}, item=item)[0] == "eligible"


@pytest.mark.django_db
def test_verdict_is_the_worst_condition(policy):
    coop = org(kind="cooperative", province_code="91")
    services.add_condition(actor=SYSTEM, policy=policy, kind="org_kind", params={"kinds": ["cooperative"]})
    services.add_condition(actor=SYSTEM, policy=policy, kind="members", params={"min": 7})
    result = eligibility.evaluate(policy, coop, today=TODAY)
    assert result.status == "unknown" and [r.status for r in result.results] == ["eligible", "unknown"]
    services.add_condition(actor=SYSTEM, policy=policy, kind="province", params={"provinces": ["79"]})
    assert eligibility.evaluate(Policy.objects.get(pk=policy.pk), coop, today=TODAY).status == "not_eligible"


@pytest.mark.django_db
@pytest.mark.parametrize("kind,params", [("org_kind", {"kinds": ["htx"]}), ("members", {"min": 0}),
                                         ("members", {"min": "7"}), ("province", {"provinces": []}),
                                         ("certification", {"types": ["iso"]}), ("nope", {})])
def test_bad_parameters_are_refused(policy, kind, params):
    with pytest.raises(ValidationError):
        services.add_condition(actor=SYSTEM, policy=policy, kind=kind, params=params)
