"""Annual report benchmark: a province's program with 5,000 cooperatives and 50,000 support records
in the year, generated as the task does it (figures, DOCX, XLSX annex; PDF with --pdf), beside the
plain database queries behind it, measured in the same run.

Prints the generation time and peak memory (Python allocations, tracemalloc; and the process's
maximum resident set) against the time and peak memory of the plain queries: the GROUP BY of the
figures plus reading every support row of the annex. Aim (issue 13): under 30 s and under 500 MB.

Runs in a throw-away test database (`test_<name>`) of DATABASE_URL:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/htx_reports python bench/reports_annual.py
"""

from __future__ import annotations

import argparse
import datetime
import gc
import os
import pathlib
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "htxconnect.settings")
os.environ.setdefault("DJANGO_ENV", "test")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

KINDS = ["iso", "vietgap", "barcode", "trademark_guidance", "collective_mark_fee", "technology_transfer",
         "solar_power", "training", "supply_demand", "ecommerce", "consulting"]
YEAR = 2025


def fill(n_orgs: int, n_supports: int, n_loans: int):
    from htxconnect.accounts.models import Agency
    from htxconnect.core.actors import SYSTEM
    from htxconnect.programs import services
    from htxconnect.programs.models import Loan, Plan, Support, Target
    from htxconnect.registry.models import Organization

    rng = random.Random(13)
    agency = Agency.objects.create(name="Sở KH&CN (bench)", kind="dost", province_code="79",
                                   province_name="Thành phố Hồ Chí Minh")
    Organization.objects.bulk_create(
        [Organization(name=f"HTX Bench {i:05d}", kind="cooperative", province_code="79",
                      province_name="Thành phố Hồ Chí Minh", ward_code="25813", ward_name=f"Phường {i % 168:03d}",
                      address_as_written=f"xã {i % 300}, huyện {i % 9}, tỉnh Bình Dương", search_text=f"htx bench {i}")
         for i in range(n_orgs)], batch_size=2000)
    org_ids = list(Organization.objects.values_list("pk", flat=True))
    program = services.create_program(actor=SYSTEM, agency=agency, name="Chương trình (bench)", start_year=2021,
                                      end_year=2025)
    groups = [services.add_content_group(actor=SYSTEM, program=program, number=i, title=f"Nhóm nội dung {i}")
              for i in range(1, 8)]
    plan = Plan.objects.create(program=program, year=YEAR)
    batch = []
    for i in range(n_supports):
        kind = rng.choice(KINDS)
        batch.append(Support(
            organization_id=rng.choice(org_ids), agency=agency, program=program, group=rng.choice(groups), kind=kind,
            title=f"{kind} {i % 37}", given_on=datetime.date(YEAR, rng.randrange(1, 13), rng.randrange(1, 29)),
            amount_state=rng.randrange(0, 50) * 100_000,
            participants=rng.randrange(5, 60) if kind == "training" else None))
        if len(batch) == 5000:
            Support.objects.bulk_create(batch)
            batch = []
    Support.objects.bulk_create(batch)
    for i in range(n_loans):
        loan = Loan.objects.create(agency=agency, fund="Quỹ", purpose=f"Vay {i}", principal=rng.randrange(1, 100) * 10**7,
                                   program=program, group=rng.choice(groups), approved_on=datetime.date(YEAR, 6, 1))
        loan.borrowers.set(rng.sample(org_ids, rng.randrange(1, 3)))
    specs = [("orgs_supported", {"kinds": ["barcode"]}), ("supports_count", {"kinds": ["iso", "vietgap"]}),
             ("support_amount_state", {"kinds": ["technology_transfer"]}), ("training_person_times", {}),
             ("loan_amount", {})]
    Target.objects.bulk_create([Target(plan=plan, group=groups[i % 7], title=f"Chỉ tiêu {i}", indicator=spec[0],
                                       params=spec[1], unit="đơn vị", value=100) for i, spec in enumerate(specs * 8)])
    return agency, program


def plain(program) -> int:
    """The plain queries behind the report: the figures' GROUP BY and every support row of the annex."""
    from django.db.models import Count, Sum

    from htxconnect.programs.models import Support

    supports = Support.objects.filter(program=program, given_on__year=YEAR)
    list(supports.values("group_id", "kind").annotate(n=Count("id"), orgs=Count("organization", distinct=True),
                                                      amount=Sum("amount_state")))
    rows = 0
    for _row in supports.values_list("given_on", "group__number", "kind", "organization__name",
                                     "organization__ward_name", "title", "amount_state").iterator(chunk_size=2000):
        rows += 1
    return rows


def generate(report, with_pdf: bool) -> tuple[int, int]:
    from htxconnect.reports import annex, document, figures, pdf

    content = figures.collect(report)
    docx = document.render(report, content)
    with tempfile.TemporaryDirectory() as tmp:
        path = pathlib.Path(tmp) / "annex.xlsx"
        annex.write(report, content, figures.programs_of(report), path)
        size = path.stat().st_size
    if with_pdf:
        pdf.docx_to_pdf(docx)
    return len(docx), size


def measure(func, *args):
    """(seconds, peak MB of Python allocations): timed without tracing, then traced once."""
    gc.collect()
    t0 = time.perf_counter()
    result = func(*args)
    seconds = time.perf_counter() - t0
    gc.collect()
    tracemalloc.start()
    func(*args)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, peak / 2**20, result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orgs", type=int, default=5_000)
    parser.add_argument("--supports", type=int, default=50_000)
    parser.add_argument("--loans", type=int, default=300)
    parser.add_argument("--pdf", action="store_true", help="also convert to PDF with LibreOffice (external process)")
    args = parser.parse_args(argv)

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from htxconnect.reports.models import Report

        started = time.perf_counter()
        agency, program = fill(args.orgs, args.supports, args.loans)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("ANALYZE")
        print(f"database: {connection.vendor}; {args.orgs} HTX, {args.supports} supports in {YEAR}, {args.loans} loans "
              f"(filled in {time.perf_counter() - started:.0f} s)")
        report = Report.objects.create(agency=agency, program=program, kind=Report.Kind.ANNUAL,
                                       period_start=datetime.date(YEAR, 1, 1), period_end=datetime.date(YEAR, 12, 31),
                                       place="Thành phố Hồ Chí Minh", issued_on=datetime.date(YEAR + 1, 1, 15),
                                       subject="Tổng kết năm (bench)")
        plain_s, plain_mb, rows = measure(plain, program)
        report_s, report_mb, (docx_size, xlsx_size) = measure(generate, report, args.pdf)
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"  plain queries (GROUP BY + {rows} annex rows): {plain_s:.2f} s, peak {plain_mb:.1f} MB")
        print(f"  annual report (figures, DOCX {docx_size // 1024} KB, XLSX {xlsx_size // 1024} KB"
              f"{', PDF' if args.pdf else ''}): {report_s:.2f} s, peak {report_mb:.1f} MB (Python allocations)")
        print(f"  ratio report / plain queries: time {report_s / max(plain_s, 0.001):.1f}, "
              f"memory {report_mb / max(plain_mb, 0.001):.1f}; process max RSS {rss_mb:.0f} MB")
        print(f"  aim: under 30 s and 500 MB — {'met' if report_s < 30 and rss_mb < 500 else 'NOT met'}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
