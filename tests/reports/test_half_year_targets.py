"""Targets in a half-year report: the plan's target is for the whole year, so the report gives the
annual target, the actual in the half-year, and the cumulative from 1 January to the end of the
half-year, with the cumulative as a share of the annual target — clearly labelled. Figures worked
out by hand from the supports recorded below.

Target "Mã vạch cho 10 HTX" (distinct cooperatives given a barcode support in 2025):
  first half: A 10/02, B 05/03, C 30/06            → 3 cooperatives
  second half: C 01/07 (again), D 20/11             → 2 cooperatives (C, D)
  whole year: A, B, C, D                            → 4 cooperatives
Target "Kinh phí mã vạch 500.000.000 đồng" (state budget of those supports):
  first half 100.000.000 + 50.000.000 = 150.000.000; second half 200.000.000; year 350.000.000.
"""

from __future__ import annotations

import datetime
import io

import pytest
from openpyxl import load_workbook

from htxconnect.core.actors import SYSTEM
from htxconnect.programs import services as program_services
from htxconnect.registry import services as registry_services
from htxconnect.reports import annex, document, figures, services
from htxconnect.reports.models import Report

D = datetime.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def program(world):
    program = program_services.create_program(actor=SYSTEM, agency=world.home, name="CT sáu tháng", start_year=2025,
                                              end_year=2026)
    group = program_services.add_content_group(actor=SYSTEM, program=program, number=1, title="Mã số mã vạch")
    plan = program_services.create_plan(actor=SYSTEM, program=program, year=2025)
    program_services.add_target(actor=SYSTEM, plan=plan, group=group, title="Mã vạch cho 10 HTX",
                                indicator="orgs_supported", params={"kinds": ["barcode"]}, value=10, unit="HTX")
    program_services.add_target(actor=SYSTEM, plan=plan, group=group, title="Kinh phí mã vạch",
                                indicator="support_amount_state", params={"kinds": ["barcode"]}, value=500_000_000,
                                unit="đồng")
    a, b = world.org, world.other_org
    c = registry_services.create_organization(actor=SYSTEM, name="HTX C", province_code="79", ward_code="25864")
    d = registry_services.create_organization(actor=SYSTEM, name="HTX D", province_code="79", ward_code="25864")
    for org, day, amount in ((a, D(2025, 2, 10), 100_000_000), (b, D(2025, 3, 5), 50_000_000), (c, D(2025, 6, 30), 0),
                             (c, D(2025, 7, 1), 200_000_000), (d, D(2025, 11, 20), 0)):
        program_services.record_support(actor=SYSTEM, organization=org, program=program, group=group, kind="barcode",
                                        title="Cấp mã số mã vạch", given_on=day, amount_state=amount)
    return program


def _report(world, program, start, end, kind=Report.Kind.SEMI_ANNUAL):
    return services.create_report(actor=world.people["officer"], program=program, kind=kind, period_start=start,
                                  period_end=end, place="Thành phố Hồ Chí Minh", issued_on=D(2026, 1, 10),
                                  subject="Sơ kết")


def _rows(report):
    content = figures.collect(report)
    return content, [(r["title"], r["value"], r["actual"], r["cumulative"], r["percent"], r["partial"])
                     for r in content["programs"][0]["targets"]]


def test_first_half_counts_january_to_june_against_the_annual_target(world, program):
    content, rows = _rows(_report(world, program, D(2025, 1, 1), D(2025, 6, 30)))
    assert rows == [("Mã vạch cho 10 HTX", 10, 3, 3, 30, True),
                    ("Kinh phí mã vạch", 500_000_000, 150_000_000, 150_000_000, 30, True)]


def test_second_half_gives_its_own_actual_and_the_cumulative_for_the_year(world, program):
    report = _report(world, program, D(2025, 7, 1), D(2025, 12, 31))
    content, rows = _rows(report)
    assert rows == [("Mã vạch cho 10 HTX", 10, 2, 4, 40, True),
                    ("Kinh phí mã vạch", 500_000_000, 200_000_000, 350_000_000, 70, True)]
    pk = next(t.pk for t in program.plans.get().targets.all() if t.indicator == "orgs_supported")
    assert content["figures"][f"p{program.pk}.target{pk}.actual"]["value"] == 2
    assert content["figures"][f"p{program.pk}.target{pk}.cumulative"] == {
        "label": "2025 – Mã vạch cho 10 HTX: lũy kế từ đầu năm đến 31/12/2025", "value": 4}
    text = document.text_of(document.render(report, content))
    for cell in ("Chỉ tiêu cả năm", "Thực hiện trong kỳ", "Lũy kế từ đầu năm", "Lũy kế so với chỉ tiêu năm",
                 "10 HTX", "02 HTX", "04 HTX", "40%", "500.000.000 đồng", "200.000.000 đồng", "350.000.000 đồng", "70%"):
        assert f"\n{cell}\n" in f"\n{text}\n", cell
    assert ("Chỉ tiêu là chỉ tiêu kế hoạch cả năm. “Thực hiện trong kỳ” (năm 2025: từ ngày 01/07/2025 đến ngày "
            "31/12/2025); “Lũy kế” tính từ ngày 01/01 đến hết kỳ báo cáo; tỷ lệ là lũy kế so với chỉ tiêu cả năm.") in text
    sheet = load_workbook(io.BytesIO(_annex(report, content, program)), read_only=True)["Chỉ tiêu"]
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[0][6:] == ["Chỉ tiêu cả năm", "Từ ngày", "Đến ngày", "Thực hiện trong kỳ", "Lũy kế từ đầu năm",
                             "Tỷ lệ lũy kế / chỉ tiêu năm (%)"]
    assert values[1][6:] == [10, "01/07/2025", "31/12/2025", 2, 4, 40]


def _annex(report, content, program, tmp=None):
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "annex.xlsx"
        annex.write(report, content, [program], path)
        return path.read_bytes()


def test_a_whole_year_keeps_the_plain_plan_and_actual_table(world, program):
    report = _report(world, program, D(2025, 1, 1), D(2025, 12, 31), kind=Report.Kind.ANNUAL)
    content, rows = _rows(report)
    assert rows == [("Mã vạch cho 10 HTX", 10, 4, 4, 40, False),
                    ("Kinh phí mã vạch", 500_000_000, 350_000_000, 350_000_000, 70, False)]
    text = document.text_of(document.render(report, content))
    assert "Lũy kế" not in text and "\nKế hoạch\n" in text and "\nTỷ lệ\n" in text
