"""Program page benchmark: the 2021–2025-style program page with every target's progress, beside the
plain aggregate SELECT behind it.

Data: 5,000 cooperatives, 50,000 support records of the program (2021–2025, all kinds), 500 loans,
200 targets (40 a year over the eight indicators). Measures GET /programs/<id>/ as an
administrator (p50/p95, queries per request) and, in the same run, the plain GROUP BY over the
program's supports that the page's figures come from; prints the ratio of the p95s. Also checks the
query count does not change with the number of targets (50 vs 200).

Runs in a throw-away test database (`test_<name>`) of DATABASE_URL:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/htx_programs python bench/programs_page.py
"""

from __future__ import annotations

import argparse
import datetime
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

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

KINDS = ["iso", "vietgap", "barcode", "trademark_guidance", "collective_mark_fee", "technology_transfer",
         "solar_power", "training", "supply_demand", "ecommerce"]


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def fill(n_orgs: int, n_supports: int, n_targets: int, n_loans: int):
    from htxconnect.accounts.models import Agency
    from htxconnect.core.actors import SYSTEM
    from htxconnect.programs import services
    from htxconnect.programs.models import Loan, Plan, Support, Target
    from htxconnect.registry.models import Organization

    rng = random.Random(10)
    agency = Agency.objects.create(name="Sở KH&CN (bench)", kind="dost", province_code="79",
                                   province_name="Thành phố Hồ Chí Minh")
    Organization.objects.bulk_create(
        [Organization(name=f"HTX Bench {i:05d}", kind="cooperative", province_code="79", search_text=f"htx bench {i}")
         for i in range(n_orgs)], batch_size=2000)
    org_ids = list(Organization.objects.values_list("pk", flat=True))
    program = services.create_program(actor=SYSTEM, agency=agency, name="Chương trình (bench)", start_year=2021,
                                      end_year=2025)
    groups = [services.add_content_group(actor=SYSTEM, program=program, number=i, title=f"Nhóm {i}") for i in range(1, 8)]
    plans = [Plan.objects.create(program=program, year=y) for y in range(2021, 2026)]
    supports = []
    for _ in range(n_supports):
        year = rng.randrange(2021, 2026)
        kind = rng.choice(KINDS)
        supports.append(Support(
            organization_id=rng.choice(org_ids), agency=agency, program=program, group=rng.choice(groups), kind=kind,
            title=kind, given_on=datetime.date(year, rng.randrange(1, 13), rng.randrange(1, 29)),
            amount_state=rng.randrange(0, 50) * 100_000, participants=rng.randrange(5, 60) if kind == "training" else None))
    Support.objects.bulk_create(supports, batch_size=5000)
    for i in range(n_loans):
        loan = Loan.objects.create(agency=agency, fund="Quỹ", purpose=f"Vay {i}", principal=rng.randrange(1, 100) * 10**7,
                                   program=program, approved_on=datetime.date(rng.randrange(2021, 2026), 6, 1))
        loan.borrowers.set(rng.sample(org_ids, rng.randrange(1, 3)))
    specs = [("orgs_supported", {"kinds": ["barcode"]}), ("supports_count", {"kinds": ["iso", "vietgap"]}),
             ("support_amount_state", {"kinds": ["technology_transfer"]}), ("training_person_times", {}),
             ("supply_demand_sessions", {}), ("loan_amount", {}), ("loan_borrowers", {}),
             ("mark_usage_grants", {"mark": "An Giang"})]
    targets = []
    for i in range(n_targets):
        indicator, params = specs[i % len(specs)]
        targets.append(Target(plan=plans[i % 5], group=groups[i % 7], title=f"Chỉ tiêu {i}", indicator=indicator,
                              params=params, unit="đơn vị", value=rng.randrange(1, 500)))
    Target.objects.bulk_create(targets)
    return program


def client_for_admin():
    from htxconnect.core.roles import Role
    from tests.conftest import make_user, signed_in_client

    return signed_in_client(make_user("bench-admin", Role.ADMIN))


PLAIN = """
SELECT kind, EXTRACT(YEAR FROM given_on) AS y, COUNT(*), COUNT(DISTINCT organization_id),
       SUM(amount_state), SUM(participants)
FROM programs_support WHERE program_id = %s GROUP BY kind, EXTRACT(YEAR FROM given_on)
"""


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orgs", type=int, default=5_000)
    parser.add_argument("--supports", type=int, default=50_000)
    parser.add_argument("--targets", type=int, default=200)
    parser.add_argument("--loans", type=int, default=500)
    parser.add_argument("--requests", type=int, default=40)
    args = parser.parse_args(argv)

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from htxconnect.programs.models import Target

        started = time.perf_counter()
        program = fill(args.orgs, args.supports, args.targets, args.loans)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("ANALYZE")
        print(f"database: {connection.vendor}; {args.orgs} HTX, {args.supports} supports, {args.loans} loans, "
              f"{args.targets} targets (filled in {time.perf_counter() - started:.0f} s)")
        client = client_for_admin()
        url = f"/programs/{program.pk}/"
        assert client.get(url).status_code == 200  # warm-up
        with CaptureQueriesContext(connection) as all_targets:
            client.get(url)
        page_ms = []
        for _ in range(args.requests):
            t0 = time.perf_counter()
            response = client.get(url)
            page_ms.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200
        plain_ms = []
        with connection.cursor() as cursor:
            for _ in range(args.requests):
                t0 = time.perf_counter()
                cursor.execute(PLAIN, [program.pk])
                cursor.fetchall()
                plain_ms.append((time.perf_counter() - t0) * 1000)
        keep = set(Target.objects.filter(plan__program=program).order_by("id").values_list("id", flat=True)[:50])
        Target.objects.filter(plan__program=program).exclude(id__in=keep).delete()
        with CaptureQueriesContext(connection) as fewer_targets:
            client.get(url)
        print(f"  program page: p50 {statistics.median(page_ms):.1f} ms, p95 {pct(page_ms, 0.95):.1f} ms, "
              f"{len(all_targets)} queries with {args.targets} targets, {len(fewer_targets)} with 50")
        print(f"  plain aggregate SELECT (GROUP BY kind, year): p50 {statistics.median(plain_ms):.1f} ms, "
              f"p95 {pct(plain_ms, 0.95):.1f} ms")
        print(f"  ratio p95 page / plain SELECT: {pct(page_ms, 0.95) / max(pct(plain_ms, 0.95), 0.001):.1f}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
