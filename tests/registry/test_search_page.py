"""Registry search: the first page of a search is 4 queries whatever the number of results
(count, the rows with their product count and best OCOP rating, sectors, certifications) — the
figure bench/registry_search.py times at 100,000 organisations and 1,000,000 products. The count
stops 1,000 rows past the page's start (core.pagination): more matches read "Hơn 1000 tổ chức"."""

import datetime

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from htxconnect.core.actors import SYSTEM
from htxconnect.registry import queries, services
from htxconnect.registry.models import Organization

pytestmark = pytest.mark.django_db


def first_page(user, q):
    with CaptureQueriesContext(connection) as ctx:
        page = queries.list_organizations(user, queries.OrganizationFilters(q=q))
        rows = [(org.name, org.products_total, [s.code for s in org.sector_list],
                 [c.type for c in org.certification_list]) for org in page.object_list]
    return rows, page.paginator.count, [q["sql"] for q in ctx.captured_queries]


@pytest.mark.parametrize("n", [3, 30])
def test_first_page_of_a_search_is_four_queries(users, n):
    for i in range(n):
        org = services.create_organization(actor=SYSTEM, name=f"HTX Nông nghiệp Hồng Đức {i}", province_code="79")
        services.create_product(actor=SYSTEM, producer=org, name="Gạo thơm")
        services.create_certification(actor=SYSTEM, organization=org, type="vietgap",
                                      issue_date=datetime.date(2025, 1, 1))
    services.create_organization(actor=SYSTEM, name="HTX Xoài Cát", province_code="79")
    rows, total, sql = first_page(users["admin"], "nong nghiep hong duc")
    assert total == n and len(rows) == min(n, queries.PAGE_SIZE)
    assert len(sql) == 4, sql
    assert rows[0][1] == 1 and rows[0][3] == ["vietgap"]


def test_a_short_word_matches_at_the_start_of_a_word_only(users):
    for name in ("HTX Thới Lai", "HTX Ổi Thanh Kiên", "HTX Rau Ổi Bến Cát"):
        services.create_organization(actor=SYSTEM, name=name, province_code="79")
    rows, total, sql = first_page(users["admin"], "oi")
    assert total == 2 and len(sql) == 4  # "Thới" has "oi" inside a word only: not a match
    assert sorted(r[0] for r in rows) == ["HTX Rau Ổi Bến Cát", "HTX Ổi Thanh Kiên"]
    assert Organization.objects.count() == 3


def many(n, name="HTX Nông nghiệp Mẫu"):
    """n cooperatives of province 79 whose search key holds "nong nghiep" (bulk: no audit entries needed)."""
    orgs = [Organization(name=f"{name} {i:04d}", province_code="79") for i in range(n)]
    for org in orgs:
        org.search_text = org.build_search_text()
    Organization.objects.bulk_create(orgs)


def test_more_than_a_thousand_matches_say_so_and_the_first_page_is_still_four_queries(users):
    many(1500)
    rows, total, sql = first_page(users["admin"], "nong nghiep")
    assert len(sql) == 4, sql
    assert total == 1001 and len(rows) == 25 and rows[0][0] == "HTX Nông nghiệp Mẫu 0000"  # 1,000 + 1: capped


@pytest.mark.parametrize("n, page, count_text, page_text", [
    (1500, 1, "Hơn 1000 tổ chức", "Trang 1<"),      # counts rows 1–1,001: more than 1,000
    (1500, 2, "Hơn 1000 tổ chức", "Trang 2<"),      # counts rows 1–1,026
    (1500, 21, "1500 tổ chức", "Trang 21/60<"),     # counts rows 1–1,501: the end, exactly
    (1001, 1, "Hơn 1000 tổ chức", "Trang 1<"),
    (1001, 2, "1001 tổ chức", "Trang 2/41<"),
    (1000, 1, "1000 tổ chức", "Trang 1/40<"),       # exactly 1,000: an exact count
])
def test_the_list_page_shows_a_capped_count(users, clients, n, page, count_text, page_text):
    many(n)
    response = clients["officer"].get(reverse("registry:organization_list"), {"q": "nong nghiep", "page": page})
    body = response.content.decode()
    assert count_text in body and page_text in body
    assert ("Hơn" in count_text) == ("Hơn 1000" in body)
    rows = [o.name for o in response.context["page"].object_list]
    assert rows[0] == f"HTX Nông nghiệp Mẫu {(page - 1) * 25:04d}"
    assert ('page=%d"' % (page + 1) in body) is (page * 25 < n)  # the next page is linked while rows remain


def test_the_public_directory_says_more_than_a_thousand_in_both_languages(users):
    many(1001)
    vietnamese = Client().get(reverse("registry:public_list")).content.decode()
    assert "Hơn 1000 tổ chức" in vietnamese and "Trang 1<" in vietnamese
    english = Client()
    english.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = english.get(reverse("registry:public_list")).content.decode()
    assert "More than 1000 organisations" in body and "Page 1<" in body


def test_the_api_counts_exactly_past_a_thousand(users, clients):
    many(1001)
    body = clients["admin"].get("/api/v1/organisations", {"q": "nong nghiep"}).json()
    assert (body["count"], body["pages"], len(body["results"])) == (1001, 21, 50)  # 1,001 / 50 a page → 21


def test_sorting_by_products_orders_the_pages(users):
    """3, 2, 1 and 0 products; the narrow sort needs the product count, the page shows it."""
    for name, n in (("HTX Một", 1), ("HTX Ba", 3), ("HTX Không", 0), ("HTX Hai", 2)):
        org = services.create_organization(actor=SYSTEM, name=name, province_code="79")
        for i in range(n):
            services.create_product(actor=SYSTEM, producer=org, name=f"Gạo {i}")
    filters = queries.OrganizationFilters(q="htx", sort="-products")
    page = queries.list_organizations(users["admin"], filters, per_page=2)
    assert [(o.name, o.products_total) for o in page.object_list] == [("HTX Ba", 3), ("HTX Hai", 2)]
    page = queries.list_organizations(users["admin"], filters, page=2, per_page=2)
    assert [(o.name, o.products_total) for o in page.object_list] == [("HTX Một", 1), ("HTX Không", 0)]

