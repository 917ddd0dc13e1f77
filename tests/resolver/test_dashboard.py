"""The home page's scan card: scans of the last 30 days in the user's scope."""

import datetime

import pytest
from django.utils import timezone

from htxconnect.core.queries import home_cards
from htxconnect.resolver.models import ScanEvent
from htxconnect.core.actors import SYSTEM

pytestmark = pytest.mark.django_db

TITLE = "Lượt quét mã truy xuất"


def _scan(product, lot=None, *, days_ago=0, flags=None):
    when = timezone.now() - datetime.timedelta(days=days_ago)
    return ScanEvent.objects.create(product=product, lot=lot, scanned_at=when, day=timezone.localdate(when),
                                    flags=flags or [])


@pytest.fixture
def other_product():
    """A product of a cooperative in province 91 (the other agency's)."""
    from htxconnect.registry import services as registry_services
    from htxconnect.resolver import services

    org = registry_services.create_organization(actor=SYSTEM, name="HTX An Giang", province_code="91")
    prefix = services.register_company_prefix(actor=SYSTEM, organization=org, prefix="893123457", is_demo=True)
    product = registry_services.create_product(actor=SYSTEM, producer=org, name="Xoài cát", category="fruit")
    services.assign_gtin(actor=SYSTEM, product=product, prefix=prefix)
    return product


@pytest.fixture
def scans_made(lot, other_product):
    for _ in range(3):
        _scan(lot.product, lot)
    _scan(lot.product, lot, days_ago=10, flags=["serial_far_apart"])
    _scan(lot.product, days_ago=45)  # too old
    _scan(other_product)
    _scan(other_product)


def card(user):
    found = [c for c in home_cards(user) if c.title == TITLE]
    return found[0] if found else None


def test_officer_sees_scans_of_their_province_in_30_days(users, scans_made):
    c = card(users["officer"])
    assert c.value == 4
    assert "1 lượt đáng ngờ" in c.note and c.url == "/trace/stats/"
    assert card(users["other_officer"]).value == 2
    assert card(users["admin"]).value == 6


def test_cooperative_manager_sees_their_own(users, scans_made):
    assert card(users["coop_manager"]).value == 4


def test_buffered_scans_are_counted(users, lot, clients):
    from django.test import Client

    Client().get(f"/01/{lot.product.gtin}/10/{lot.code}")  # buffered, not yet in the table
    assert card(users["officer"]).value == 1


def test_home_page_shows_the_card(clients, scans_made):
    html = clients["officer"].get("/").content.decode()
    assert TITLE in html and "/trace/stats/" in html


def test_no_card_for_buyer_or_anonymous(users, scans_made):
    from django.contrib.auth.models import AnonymousUser

    from htxconnect.resolver.dashboard import resolver_home_cards

    assert resolver_home_cards(AnonymousUser()) == []
    assert card(users["buyer"]) is None
