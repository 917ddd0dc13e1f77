"""Registry search: the first page of a search is 4 queries whatever the number of results
(count, the rows with their product count and best OCOP rating, sectors, certifications) — the
figure bench/registry_search.py times at 100,000 organisations and 1,000,000 products."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from htxconnect.core.actors import SYSTEM
from htxconnect.registry import queries, services
from htxconnect.registry.models import Organization

pytestmark = pytest.mark.django_db


def first_page(user, q):
    with CaptureQueriesContext(connection) as ctx:
        page = queries.list_organizations(user, queries.OrganizationFilters(q=q))
        rows = [(org.name, org.products_total, [s.code for s in org.sectors.all()],
                 [c.type for c in org.certifications.all()]) for org in page.object_list]
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
