"""Registry search benchmark: accent-insensitive search of organisations, first page, p50/p95.

Generates N organisations and 10·N products in a throw-away test database (`test_<name>`) of
DATABASE_URL (on PostgreSQL by INSERT … SELECT over generate_series, elsewhere by bulk inserts),
then times the first page of `queries.list_organizations` for a set of folded queries
("hong duc", "oi", "nong nghiep", …) as an administrator sees them, and counts the queries of
one page. References measured in the same run, searches interleaved:
- Django's plain Paginator over the same rows (an exact COUNT, whole rows through the sort:
  the list before core.pagination);
- the same page without the word table (docs/decisions/0030): the trigram index's matches,
  all of them sorted (the page before the word table);
- the same page without the trigram index (what the index buys).
The issue's target: p95 ≤ 30 ms for the first page with 100,000 organisations and 1,000,000
products on PostgreSQL, 4 queries a page.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/htx python bench/registry_search.py --orgs 100000 [--keepdb]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "htxconnect.settings")
os.environ.setdefault("DJANGO_ENV", "test")

import django  # noqa: E402

django.setup()

from django.db import connection, reset_queries  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

QUERIES = ["hong duc", "oi", "oi thanh kien", "nong nghiep", "HỒNG ĐỨC", "rau an toan", "chan nuoi ben cat",
           "tan nong phat", "xoai", "dich vu"]
TRIGRAM_INDEX = ("CREATE INDEX IF NOT EXISTS registry_org_search_trgm ON registry_organization "
                 "USING gin (search_text gin_trgm_ops)")
WORDS = ["Nông nghiệp", "Dịch vụ", "Rau an toàn", "Cây ăn trái", "Chăn nuôi", "Thủy sản", "Nấm", "Lúa gạo",
         "Trái cây GAP", "Ca cao", "Dừa", "Xoài", "Bưởi", "Sầu riêng"]


def generate(n_orgs: int) -> None:
    from htxconnect.core.text import fold
    from htxconnect.registry import units
    from htxconnect.registry.models import Organization, Product

    rng = random.Random(1)
    wards = units.wards()
    batch, products = [], []
    for i in range(n_orgs):
        ward = rng.choice(wards)
        place = ward.name.split(" ", 1)[-1]
        name = f"HTX {rng.choice(WORDS)} {place} {i}"
        org = Organization(name=name, province_code=ward.province_code, ward_code=ward.code, ward_name=ward.name)
        org.search_text = org.build_search_text()
        batch.append(org)
        if len(batch) == 5000:
            Organization.objects.bulk_create(batch)
            batch = []
    Organization.objects.bulk_create(batch)
    for name in ("HTX Hồng Đức", "HTX Ổi Thanh Kiên", "HTX Tân Nông Phát"):
        org = Organization(name=name, province_code="79")
        org.search_text = org.build_search_text()
        org.save()
    ids = list(Organization.objects.values_list("pk", flat=True))
    for i in range(n_orgs * 10):
        product = Product(producer_id=rng.choice(ids), name=f"{rng.choice(WORDS)} {i}", category="fruit")
        product.search_text = fold(product.name)
        products.append(product)
        if len(products) == 20000:
            Product.objects.bulk_create(products)
            products = []
    Product.objects.bulk_create(products)


def _template_values(obj, skip: set[str]) -> tuple[list[str], list]:
    """Column names and database values of every concrete field of `obj` but `skip` and the key:
    the defaults the ORM would write, so the SQL fill follows the model as it changes."""
    columns, values = [], []
    for field in obj._meta.concrete_fields:
        if field.primary_key or field.attname in skip:
            continue
        columns.append(field.column)
        values.append(field.get_db_prep_save(field.pre_save(obj, True), connection))
    return columns, values


def generate_sql(n_orgs: int) -> None:
    """PostgreSQL: the same data shape as `generate`, filled with INSERT … SELECT over
    generate_series (a minute instead of many): uniform choices of words and wards by a seeded
    random(), search keys joined from words and names folded once in Python."""
    from htxconnect.core.text import fold
    from htxconnect.registry import units
    from htxconnect.registry.models import Organization, Product, fill_search_words

    wards = units.wards()
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE bench_word (idx int PRIMARY KEY, name text, folded text)")
        cursor.executemany("INSERT INTO bench_word VALUES (%s, %s, %s)",
                           [(i, w, fold(w)) for i, w in enumerate(WORDS)])
        cursor.execute("CREATE TEMP TABLE bench_ward (idx int PRIMARY KEY, code text, province_code text, "
                       "name text, place text, folded_name text, folded_place text)")
        cursor.executemany("INSERT INTO bench_ward VALUES (%s, %s, %s, %s, %s, %s, %s)", [
            (i, w.code, w.province_code, w.name, w.name.split(" ", 1)[-1], fold(w.name), fold(w.name.split(" ", 1)[-1]))
            for i, w in enumerate(wards)])
        cursor.execute("SELECT setseed(0.1)")
        overridden = {"name", "search_text", "province_code", "ward_code", "ward_name"}
        columns, values = _template_values(Organization(name="-"), overridden)
        # The organisation's name is "HTX <word> <place of its ward> <i>", as `generate` writes it.
        cursor.execute(f"""
            WITH g AS MATERIALIZED (
                SELECT i, floor(random() * {len(WORDS)})::int AS w, floor(random() * {len(wards)})::int AS d
                FROM generate_series(0, {n_orgs - 1}) AS i)
            INSERT INTO registry_organization ({", ".join(columns)}, name, search_text, province_code, ward_code, ward_name)
            SELECT {", ".join(["%s"] * len(values))},
                   'HTX ' || bw.name || ' ' || bd.place || ' ' || g.i,
                   'htx ' || bw.folded || ' ' || bd.folded_place || ' ' || g.i || ' ' || bd.folded_name,
                   bd.province_code, bd.code, bd.name
            FROM g JOIN bench_word bw ON bw.idx = g.w JOIN bench_ward bd ON bd.idx = g.d
            ORDER BY g.i""", values)
        for name in ("HTX Hồng Đức", "HTX Ổi Thanh Kiên", "HTX Tân Nông Phát"):
            org = Organization(name=name, province_code="79")
            org.save()
        columns, values = _template_values(Product(name="-", producer_id=0), {"name", "search_text", "producer_id",
                                                                               "category"})
        cursor.execute(f"""
            WITH ids AS (SELECT array_agg(id ORDER BY id) AS a, count(*) AS n FROM registry_organization),
                 g AS MATERIALIZED (
                SELECT i, floor(random() * {len(WORDS)})::int AS w, random() AS r
                FROM generate_series(0, {n_orgs * 10 - 1}) AS i)
            INSERT INTO registry_product ({", ".join(columns)}, name, search_text, producer_id, category)
            SELECT {", ".join(["%s"] * len(values))},
                   bw.name || ' ' || g.i, bw.folded || ' ' || g.i, ids.a[1 + floor(g.r * ids.n)::int], 'fruit'
            FROM g CROSS JOIN ids JOIN bench_word bw ON bw.idx = g.w
            ORDER BY g.i""", values)
        cursor.execute("DROP TABLE bench_word, bench_ward")
        cursor.execute("VACUUM ANALYZE registry_organization")  # as autovacuum leaves a table in service
        cursor.execute("VACUUM ANALYZE registry_product")
    fill_search_words()  # the word table (docs/decisions/0030): INSERT … SELECT bypasses Organization.save
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE registry_organizationsearchword")
    # The SQL keys must be the ones the model writes: check a sample.
    for org in Organization.objects.order_by("?")[:200]:
        assert org.search_text == org.build_search_text(), (org.search_text, org.build_search_text())
    for product in Product.objects.order_by("?")[:200]:
        assert product.search_text == fold(f"{product.name} {product.gtin or ''}"), product.search_text


def capped_page(user, q: str) -> None:
    from htxconnect.registry import queries

    page = queries.list_organizations(user, queries.OrganizationFilters(q=q))
    list(page.object_list)


def trigram_page(user, q: str) -> None:
    """The page as before the word table (docs/decisions/0030): the capped count and the narrow
    sort over every match found by the trigram index."""
    from htxconnect.core.pagination import CappedPaginator
    from htxconnect.registry import queries

    filters = queries.OrganizationFilters(q=q)
    page = CappedPaginator(queries.organization_keys(user, filters), queries.PAGE_SIZE,
                           rows=queries.with_list_details).get_page(1)
    list(page.object_list)


def plain_page(user, q: str) -> None:
    """The reference: the same rows through Django's Paginator (exact count, `rows[0:25]`)."""
    from django.core.paginator import Paginator

    from htxconnect.registry import queries

    rows = queries.with_list_details(queries.organization_keys(user, queries.OrganizationFilters(q=q)))
    page = Paginator(rows, queries.PAGE_SIZE).get_page(1)
    list(page.object_list)


def measure(user, rounds: int, pages: dict, per_query: dict | None = None) -> dict[str, list[float]]:
    """Milliseconds per first page for each way in `pages`, interleaved query by query so that
    the machine's load weighs on all alike; the order alternates from round to round, as the
    first to run a query also warms the caches for the next."""
    timings: dict[str, list[float]] = {label: [] for label in pages}
    for round_ in range(rounds):
        for q in QUERIES:
            for label, page in list(pages.items())[::-1 if round_ % 2 else 1]:
                start = time.perf_counter()
                page(user, q)
                elapsed = (time.perf_counter() - start) * 1000
                timings[label].append(elapsed)
                if per_query is not None and label == next(iter(pages)):
                    per_query.setdefault(q, []).append(elapsed)
    return timings


def summary(label: str, timings: list[float]) -> tuple[float, float]:
    timings = sorted(timings)
    p50 = statistics.median(timings)
    p95 = timings[int(len(timings) * 0.95) - 1]
    print(f"{label:<30} p50 {p50:8.1f} ms   p95 {p95:8.1f} ms   ({len(timings)} searches)")
    return p50, p95


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orgs", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--keepdb", action="store_true")
    args = parser.parse_args()
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=args.keepdb, serialize=False)
    try:
        from htxconnect.accounts.models import User
        from htxconnect.core.machine import freeze_startup_objects
        from htxconnect.registry import queries
        from htxconnect.registry.models import Organization, OrganizationSearchWord, fill_search_words

        if Organization.objects.exists() and not OrganizationSearchWord.objects.exists():
            fill_search_words()  # a database kept from before the word table
        if not Organization.objects.exists():
            started = time.perf_counter()
            (generate_sql if connection.vendor == "postgresql" else generate)(args.orgs)
            print(f"generated {Organization.objects.count()} organisations, 10× products in "
                  f"{time.perf_counter() - started:.0f} s ({connection.vendor})")
        admin, _ = User.objects.get_or_create(username="bench-admin", defaults={"role": "admin"})
        with CaptureQueriesContext(connection) as ctx:
            page = queries.list_organizations(admin, queries.OrganizationFilters(q="nong nghiep"))
            for org in page.object_list:
                org.sector_list, org.certification_list
        print(f"queries for one list page: {len(ctx.captured_queries)} (fixed, whatever the page size)")
        if connection.vendor == "postgresql":  # a kept database may lack the index dropped by a previous run
            with connection.cursor() as cursor:
                cursor.execute(TRIGRAM_INDEX)
                cursor.execute("ANALYZE registry_organization")
        both = {"capped count, narrow sort": capped_page, "plain Paginator (reference)": plain_page,
                "trigram path (no word table)": trigram_page}
        measure(admin, 1, both)  # warm caches
        freeze_startup_objects()  # as the app servers do once loaded (htxconnect/wsgi.py)
        per_query: dict = {}
        timings = measure(admin, args.rounds, both, per_query)
        _, with_index = summary("with index, capped count", timings["capped count, narrow sort"])
        _, plain = summary("with index, plain Paginator", timings["plain Paginator (reference)"])
        _, trigram = summary("trigram path, no word table", timings["trigram path (no word table)"])
        print(f"ratio p95 plain/capped: {plain / with_index:.1f}×, trigram path/capped: {trigram / with_index:.1f}×"
              "  (target p95 ≤ 30 ms)")
        slowest = sorted(per_query.items(), key=lambda item: -statistics.median(item[1]))[:3]
        print("slowest queries: " + ", ".join(f"“{q}” {statistics.median(t):.0f} ms" for q, t in slowest))
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("DROP INDEX IF EXISTS registry_org_search_trgm")
                cursor.execute("ANALYZE registry_organization")
            without = measure(admin, args.rounds, {"capped": capped_page})["capped"]
            with connection.cursor() as cursor:  # a kept database keeps its index
                cursor.execute(TRIGRAM_INDEX)
                cursor.execute("ANALYZE registry_organization")
            _, without_p95 = summary("without index, capped count", without)
            print(f"ratio p95 without/with index: {without_p95 / with_index:.1f}×")
        else:
            print("SQLite: no trigram index; run on PostgreSQL for the indexed figures.")
        reset_queries()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=args.keepdb)
    return 0


if __name__ == "__main__":
    sys.exit(main())
