"""Home-page cards of the registry: right counts per role, a fixed number of queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from htxconnect.accounts.models import User
from htxconnect.registry import services
from htxconnect.registry.dashboard import registry_home_cards
from htxconnect.registry.models import OrganizationUser, add_months
from htxconnect.core.actors import SYSTEM

pytestmark = pytest.mark.django_db

ORGS = "HTX và tổ chức trong phạm vi quản lý"
EXPIRING = "Chứng nhận sắp hết hạn"
OCOP = "Sản phẩm OCOP cần đánh giá lại"


def _cert(org, number, days_left, today):
    return services.create_certification(actor=SYSTEM, organization=org, type="vietgap", number=number,
                                         issue_date=today - datetime.timedelta(days=700),
                                         expiry_date=today + datetime.timedelta(days=days_left))


def _ocop(org, name, months_ago, today, decision="1/QĐ"):
    product = org.products.filter(name=name).first() or services.create_product(actor=SYSTEM, producer=org, name=name)
    return services.create_ocop_rating(actor=SYSTEM, product=product, stars=3, decision_number=decision,
                                       decision_date=add_months(today, -months_ago))


@pytest.fixture
def attention(orgs, today):
    """Per province 79: 2 certificates lapsing within 60 days (one each), 1 OCOP rating due;
    province 91: 1 of each. Plus records that must NOT be counted."""
    _cert(orgs["hong_duc"], "HD-1", 20, today)
    _cert(orgs["hong_duc"], "HD-LATER", 90, today)       # beyond 60 days
    _cert(orgs["hong_duc"], "HD-OLD", -5, today)         # already expired
    _cert(orgs["oi"], "OI-1", 59, today)
    _cert(orgs["angiang"], "AG-1", 10, today)
    _ocop(orgs["oi"], "Ổi ruột đỏ", 33, today)           # lapses in 3 months: due
    _ocop(orgs["oi"], "Ổi nữ hoàng", 20, today)          # 16 months left
    _ocop(orgs["hong_duc"], "Gạo", 34, today)            # due, but already re-rated:
    _ocop(orgs["hong_duc"], "Gạo", 1, today, decision="2/QĐ")
    _ocop(orgs["hong_duc"], "Rau", 40, today)            # already expired: not "due"
    _ocop(orgs["angiang"], "Xoài", 32, today)
    return orgs


def cards_by_title(response):
    return {str(card.title): card for card in response.context["cards"]}


@pytest.mark.parametrize("who, expected", [
    ("officer", {ORGS: 2, EXPIRING: 2, OCOP: 1}),
    ("leader", {ORGS: 2, EXPIRING: 2, OCOP: 1}),
    ("admin", {ORGS: 3, EXPIRING: 3, OCOP: 2}),
    ("other_officer", {ORGS: 1, EXPIRING: 1, OCOP: 1}),
    ("coop_manager", {EXPIRING: 1, OCOP: 1}),
])
def test_cards_per_role(attention, clients, who, expected):
    response = clients[who].get("/")
    assert response.status_code == 200
    cards = cards_by_title(response)
    for title, value in expected.items():
        assert cards[title].value == value, (who, title)
    if ORGS not in expected:
        assert ORGS not in cards
    assert cards[EXPIRING].url == reverse("registry:expiring")
    assert cards[OCOP].url.startswith(reverse("registry:expiring"))
    html = response.content.decode()
    assert EXPIRING in html and f'href="{reverse("registry:expiring")}"' in html


@pytest.mark.parametrize("who", ["coop_member", "buyer"])
def test_no_registry_cards_for_members_and_buyers(attention, clients, who):
    cards = cards_by_title(clients[who].get("/"))
    assert not {ORGS, EXPIRING, OCOP} & set(cards)


def test_manager_without_organisation_gets_no_cards(orgs, users):
    OrganizationUser.objects.filter(user=users["coop_manager"]).delete()
    assert registry_home_cards(User.objects.get(pk=users["coop_manager"].pk)) == []


def test_expiring_page_lists_what_the_cards_count(attention, clients):
    html = clients["officer"].get(reverse("registry:expiring")).content.decode()
    assert "HD-1" in html and "OI-1" in html
    assert "HD-LATER" not in html and "AG-1" not in html
    assert "Ổi ruột đỏ" in html and "Gạo" not in html and "Xoài" not in html


@pytest.mark.parametrize("who, max_queries", [("officer", 4), ("leader", 4), ("admin", 3), ("coop_manager", 3)])
def test_cards_take_a_fixed_number_of_queries(attention, users, today, who, max_queries):
    """One COUNT per card (+ the user's agency or organisations once), whatever the data size."""
    def measure():
        user = User.objects.get(pk=users[who].pk)  # fresh: nothing cached on the instance
        with CaptureQueriesContext(connection) as ctx:
            cards = registry_home_cards(user)
        return len(ctx.captured_queries), cards

    before, cards = measure()
    assert before <= max_queries
    assert len(cards) == (2 if who == "coop_manager" else 3)
    for i in range(5):  # more records of every kind
        _cert(attention["oi"], f"MORE-{i}", 30, today)
        _ocop(attention["oi"], f"Sản phẩm {i}", 31, today)
    after, _cards = measure()
    assert after == before


def test_home_page_query_count_does_not_grow_with_data(attention, clients, today):
    client = clients["officer"]
    client.get("/")  # warm caches (session, site settings)
    with CaptureQueriesContext(connection) as first:
        client.get("/")
    for i in range(5):
        services.create_organization(actor=SYSTEM, name=f"HTX Thêm {i}", province_code="79")
        _cert(attention["oi"], f"MORE-{i}", 30, today)
    with CaptureQueriesContext(connection) as second:
        client.get("/")
    assert len(second.captured_queries) == len(first.captured_queries)
