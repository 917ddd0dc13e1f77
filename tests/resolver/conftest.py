"""Fixtures for the resolver tests: a cooperative in the home province (79) whose manager is
`u_coop_manager`, a GS1 prefix, a product with a GTIN, places and a lot with a journey."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from htxconnect.core.actors import SYSTEM


@pytest.fixture
def coop(users):
    from htxconnect.registry import services as registry_services
    from htxconnect.registry.models import OrganizationUser

    org = registry_services.create_organization(actor=SYSTEM, name="HTX Ổi Thử Nghiệm", province_code="79",
                                                ward_code="25813", phone="0909123456", public_contact=True)
    OrganizationUser.objects.create(user=users["coop_manager"], organization=org, role="manager")
    OrganizationUser.objects.create(user=users["coop_member"], organization=org, role="member")
    return org


@pytest.fixture
def product(coop):
    from htxconnect.registry import services as registry_services
    from htxconnect.resolver import services

    prefix = services.register_company_prefix(actor=SYSTEM, organization=coop, prefix="893123456", is_demo=True)
    product = registry_services.create_product(actor=SYSTEM, producer=coop, name="Ổi ruột đỏ", category="fruit")
    services.assign_gtin(actor=SYSTEM, product=product, prefix=prefix)
    product.refresh_from_db()
    return product


@pytest.fixture
def places(coop):
    from htxconnect.resolver import services

    farm = services.create_location(actor=SYSTEM, organization=coop, name="Vườn ổi Phú Giáo")
    house = services.create_location(actor=SYSTEM, organization=coop, name="Nhà sơ chế", gln="8931234560010")
    shop = services.create_location(actor=SYSTEM, organization=coop, name="Siêu thị Thủ Đức")
    return farm, house, shop


@pytest.fixture
def lot(product, places):
    from htxconnect.resolver import services

    return services.create_lot(actor=SYSTEM, product=product, code="OI-2611-01", production_date=datetime.date(2026, 11, 12),
                               expiry_date=datetime.date(2026, 11, 30), quantity=Decimal("120"), origin=places[0])


@pytest.fixture
def journey(lot, places, users):
    from htxconnect.resolver import steps

    farm, house, shop = places
    start = timezone.make_aware(datetime.datetime(2026, 11, 12, 6, 30))
    rows = []
    for i, (step, place, dest) in enumerate([("harvest", farm, None), ("sort", house, None), ("pack", house, None),
                                             ("ship", house, shop), ("receive", shop, None)]):
        rows.append(steps.record_step(actor=users["coop_manager"], lot=lot, step=step,
                                      when=start + datetime.timedelta(hours=5 * i), location=place, quantity=120,
                                      destination=dest))
    return rows


@pytest.fixture
def certified(coop, product):
    """One valid VietGAP for the product and one expired ISO 9001 for the cooperative; OCOP 4 stars."""
    from htxconnect.registry import services as registry_services

    today = timezone.localdate()
    valid = registry_services.create_certification(actor=SYSTEM, organization=coop, product=product, type="vietgap",
                                                   number="VG-001", issue_date=today - datetime.timedelta(days=100),
                                                   expiry_date=today + datetime.timedelta(days=600))
    expired = registry_services.create_certification(actor=SYSTEM, organization=coop, type="iso_9001", number="ISO-OLD",
                                                     issue_date=today - datetime.timedelta(days=1200),
                                                     expiry_date=today - datetime.timedelta(days=5))
    rating = registry_services.create_ocop_rating(actor=SYSTEM, product=product, stars=4, decision_number="QĐ 12/2026",
                                                  decision_date=today - datetime.timedelta(days=30), level="province")
    return valid, expired, rating
