"""core.pagination.CappedPaginator: the count stops `count_cap` rows past the page's start, the
page holds the same rows in the same order as Django's Paginator, every page stays reachable.

30 organisations "HTX 00" … "HTX 29", 10 a page, counting capped at 10 rows past the page:
  page 1 counts rows 1–11 → 11 (capped), 2 pages known;
  page 2 counts rows 1–21 → 21 (capped), 3 pages known;
  page 3 counts rows 1–31 → 30 (the real end: exact), 3 pages.
"""

import pytest
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Q, Value, When

from htxconnect.core.pagination import CappedPaginator
from htxconnect.registry.models import Organization

pytestmark = pytest.mark.django_db


@pytest.fixture
def thirty():
    Organization.objects.bulk_create(Organization(name=f"HTX {i:02d}", province_code="79") for i in range(30))


def names(page):
    return [o.name for o in page.object_list]


def by_name():
    return Organization.objects.order_by("name", "pk")


@pytest.mark.parametrize("number, count, capped, pages, first, last", [
    (1, 11, True, 2, "HTX 00", "HTX 09"),
    (2, 21, True, 3, "HTX 10", "HTX 19"),
    (3, 30, False, 3, "HTX 20", "HTX 29"),
])
def test_the_count_stops_past_the_page_and_the_next_page_stays_reachable(thirty, number, count, capped, pages,
                                                                            first, last):
    page = CappedPaginator(by_name(), 10, count_cap=10).get_page(number)
    assert (page.paginator.count, page.paginator.count_is_capped, page.paginator.num_pages) == (count, capped, pages)
    assert names(page)[0] == first and names(page)[-1] == last and len(page.object_list) == 10
    assert page.has_next() is (number < 3)


def test_a_list_that_ends_within_the_cap_is_counted_exactly(thirty):
    page = CappedPaginator(by_name(), 10, count_cap=30).get_page(1)
    assert (page.paginator.count, page.paginator.count_is_capped, page.paginator.num_pages) == (30, False, 3)
    page = CappedPaginator(by_name(), 10, count_cap=29).get_page(1)
    assert (page.paginator.count, page.paginator.count_is_capped) == (30, True)


def test_no_cap_counts_exactly(thirty):
    page = CappedPaginator(by_name(), 10, count_cap=None).get_page(1)
    assert (page.paginator.count, page.paginator.count_is_capped) == (30, False)


def test_a_cap_below_the_page_size_is_raised_to_it(thirty):
    page = CappedPaginator(by_name(), 10, count_cap=3).get_page(1)
    assert (page.paginator.count, len(page.object_list)) == (11, 10)


@pytest.mark.parametrize("number, expected", [
    ("2", "HTX 10"), ("abc", "HTX 00"), (None, "HTX 00"), (2.5, "HTX 00"),  # not a page number: page 1
    ("99", "HTX 20"), (10**30, "HTX 20"),  # past the end: counted from there, so exactly: the last page (3)
    ("0", "HTX 10"),  # before the start: the last page known when counting from the start (2)
])
def test_page_numbers_out_of_range_give_a_page(thirty, number, expected):
    assert names(CappedPaginator(by_name(), 10, count_cap=10).get_page(number))[0] == expected


@pytest.mark.parametrize("keys_at_once", [5000, 0])  # count and keys in one query; deep pages: count first
def test_pages_are_the_rows_and_order_of_djangos_paginator_under_an_annotation_order(thirty, monkeypatch,
                                                                                     keys_at_once):
    """Ordered by an annotation (rank: names ending in 7 first), then name descending."""
    monkeypatch.setattr("htxconnect.core.pagination.KEYS_AT_ONCE", keys_at_once)
    ranked = Organization.objects.annotate(rank=Case(When(Q(name__endswith="7"), then=Value(0)), default=Value(1),
                                                     output_field=IntegerField())).order_by("rank", "-name", "pk")
    expected = ["HTX 27", "HTX 17", "HTX 07", "HTX 29", "HTX 28", "HTX 26", "HTX 25", "HTX 24", "HTX 23", "HTX 22"]
    for number, narrow_from in ((1, 10), (2, 10), (3, 10), (1, 1000), (3, 1000)):  # narrow subquery, plain slice
        capped = CappedPaginator(ranked, 10, count_cap=10, narrow_from=narrow_from).get_page(number)
        plain = Paginator(ranked, 10).get_page(number)
        assert names(capped) == names(plain)
        assert [o.rank for o in capped.object_list] == [o.rank for o in plain.object_list]
    assert names(CappedPaginator(ranked, 10).get_page(1)) == expected


def test_orphans_join_the_last_page_as_in_djangos_paginator(thirty):
    page = CappedPaginator(by_name(), 14, orphans=2, count_cap=None).get_page(2)
    assert (page.paginator.num_pages, len(page.object_list), names(page)[-1]) == (2, 16, "HTX 29")


def test_one_narrow_query_gives_the_count_and_the_pages_keys(thirty):
    """Page 2, cap 10: `SELECT id … ORDER BY … LIMIT 21` (only the key leaves the sort) gives the
    count (21, capped) and the page's keys (rows 11–20); the page reads full rows for those keys."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        page = CappedPaginator(by_name(), 10, count_cap=10).get_page(2)
        assert names(page) == [f"HTX {i}" for i in range(10, 20)]
    assert (page.paginator.count, page.paginator.count_is_capped) == (21, True)
    keys_sql, page_sql = (q["sql"] for q in ctx.captured_queries)
    assert "LIMIT 21" in keys_sql and '"name"' not in keys_sql.split(" FROM ", 1)[0]
    assert "LIMIT" not in page_sql and " IN (" in page_sql and "SELECT" not in page_sql.split(" IN (", 1)[1]


def test_a_deep_page_counts_first_then_sorts_narrowly(thirty, monkeypatch):
    """Past KEYS_AT_ONCE rows from the start the keys are not all read: count: SELECT COUNT(*) FROM
    (… LIMIT 31); page: full rows for the keys a narrow `… ORDER BY … LIMIT 10 OFFSET 20` subquery picks."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    monkeypatch.setattr("htxconnect.core.pagination.KEYS_AT_ONCE", 20)
    with CaptureQueriesContext(connection) as ctx:
        page = CappedPaginator(by_name(), 10, count_cap=10, narrow_from=10).get_page(3)
        assert names(page) == [f"HTX {i}" for i in range(20, 30)]
    count_sql, page_sql = (q["sql"] for q in ctx.captured_queries)
    assert "COUNT(*)" in count_sql and "LIMIT 31" in count_sql
    outer, inner = page_sql.split(" IN (SELECT ", 1)
    assert "LIMIT" not in outer and "LIMIT 10" in inner and '"name"' not in inner.split(" FROM ", 1)[0]


def test_an_exact_count_within_narrow_from_rows_is_sliced_plainly(thirty):
    """Exact count of 30 rows, narrow_from 30: one plain `… ORDER BY … LIMIT 10` (the subquery would cost more)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        page = CappedPaginator(by_name(), 10, count_cap=None, narrow_from=30).get_page(2)
        assert names(page) == [f"HTX {i}" for i in range(10, 20)]
    page_sql = ctx.captured_queries[1]["sql"]
    assert " IN (SELECT " not in page_sql and "LIMIT 10" in page_sql


def test_rows_adds_to_the_page_only(thirty):
    """`rows` (here an annotation) reaches the page's rows, not the query that counts and sorts."""
    from django.db import connection
    from django.db.models.functions import Upper
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        page = CappedPaginator(by_name(), 10, count_cap=10,
                               rows=lambda qs: qs.annotate(shout=Upper("name"))).get_page(2)
        assert [o.shout for o in page.object_list][:2] == ["HTX 10", "HTX 11"]
    keys_sql, page_sql = (q["sql"] for q in ctx.captured_queries)
    assert "UPPER" not in keys_sql and "UPPER" in page_sql


def test_a_first_page_by_key_never_builds_a_list_given_as_a_function(thirty, monkeypatch):
    """`first_keys` and `rows_by_key` answer page 2 (keys of HTX 25 … 29, then 00 … 24, read by
    key): the function that builds `object_list` is not called; a deep page (past KEYS_AT_ONCE)
    builds it and counts from it."""
    built = []

    def object_list():
        built.append(1)
        return by_name()

    pks = {o.name: o.pk for o in Organization.objects.all()}
    order = [f"HTX {i:02d}" for i in [*range(25, 30), *range(25)]]
    read = []

    def rows_by_key(keys):
        read.append(len(keys))
        return list(Organization.objects.filter(pk__in=keys))

    page = CappedPaginator(object_list, 10, count_cap=10, first_keys=lambda n: [pks[name] for name in order][:n],
                           rows_by_key=rows_by_key).get_page(2)
    assert names(page) == order[10:20] and page.paginator.count == 21 and read == [10] and not built
    monkeypatch.setattr("htxconnect.core.pagination.KEYS_AT_ONCE", 20)
    page = CappedPaginator(object_list, 10, count_cap=10, first_keys=lambda n: [pks[name] for name in order][:n],
                           rows_by_key=rows_by_key).get_page(3)
    assert names(page) == [f"HTX {i}" for i in range(20, 30)] and built == [1]
