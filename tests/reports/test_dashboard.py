"""The dashboard: each chart's numbers over what the user may see, the filters (a bad period is
named, a program the user cannot see is refused), the XLSX of a chart (audited), market connections by stage."""

from __future__ import annotations

import datetime
import io

import pytest
from openpyxl import load_workbook

from htxconnect.core.models import AuditEntry
from htxconnect.programs import services as program_services
from htxconnect.registry import services as registry_services
from htxconnect.reports import charts

D = datetime.date


@pytest.fixture
def program(world):
    admin = world.people["admin"]
    program = program_services.create_program(actor=admin, agency=world.home, name="CT bảng điều hành",
                                              start_year=2025, end_year=2026)
    group = program_services.add_content_group(actor=admin, program=program, number=1, title="Mã vạch")
    plan = program_services.create_plan(actor=admin, program=program, year=2025)
    program_services.add_target(actor=admin, plan=plan, group=group, title="Mã vạch cho 04 HTX",
                                indicator="orgs_supported", params={"kinds": ["barcode"]}, value=4, unit="HTX")
    for org in (world.org, world.other_org):
        program_services.record_support(actor=admin, organization=org, program=program, group=group, kind="barcode",
                                        title="Mã vạch", given_on=D(2025, 3, 1))
    program_services.record_support(actor=admin, organization=world.org, program=program, group=group,
                                    kind="training", title="Tập huấn", given_on=D(2025, 5, 1), participants=35)
    return program


def params(**extra):
    return {"start": "2025-01-01", "end": "2025-12-31", **extra}


def test_charts_count_what_the_officer_may_see(world, program):
    f = charts.Filters.from_params(world.people["officer"], params())
    built = {c.key: c for c in charts.build(world.people["officer"], f)}
    assert built["targets"].rows == [[program.name, 2025, "1. Mã vạch", "Mã vạch cho 04 HTX", "HTX", 4, 2, 50]]
    kinds = {row[0]: row[1:3] for row in built["supports_kind"].rows}
    assert kinds["Mã số mã vạch, mã QR"] == [2, 2] and kinds["Tập huấn"] == [1, 1]
    assert built["supports_place"].rows == [["Thành phố Hồ Chí Minh", 3, 2]]
    assert [r for r in built["trainees"].rows if r[0] == 2025] == [[2025, 0, 35, 35]]
    assert built["market"].rows == []  # no connection in the period
    other = charts.Filters.from_params(world.people["other_officer"], params())
    assert charts.supports_by_kind(world.people["other_officer"], other).rows == []  # another agency's program


def test_expiring_certifications_and_ocop(world):
    today = D(2026, 11, 27)
    registry_services.create_certification(actor=world.people["admin"], organization=world.org, type="vietgap",
                                        issue_date=D(2024, 1, 10), expiry_date=D(2027, 1, 10))
    f = charts.Filters.from_params(world.people["officer"], params())
    chart = charts.expiring(world.people["officer"], f, today=today)
    assert [r[0:2] for r in chart.rows] == [["Chứng nhận", "HTX Ma Trận"]]
    assert chart.series[0]["data"][2] == 1  # January 2027, the third month from November 2026


def test_filters_name_the_bad_field(world, program):
    page = world.client("officer").get("/reports/dashboard/", params(start="2025-12-31", end="2025-01-01"))
    assert page.status_code == 400
    assert "“Đến ngày” (01/01/2025) phải từ “Từ ngày” (31/12/2025) trở đi." in page.content.decode()
    page = world.client("other_officer").get("/reports/dashboard/", params(program=program.pk))
    assert page.status_code == 400 and "Chương trình không có trong phạm vi của bạn." in page.content.decode()


def test_page_and_chart_xlsx(world, program):
    client = world.client("leader")
    page = client.get("/reports/dashboard/", params(program=program.pk)).content.decode()
    assert 'id="dashboard-data"' in page and 'data-chart="supports_kind"' in page and "echarts.min.js" in page
    assert "<caption class=\"visually-hidden\">Hỗ trợ theo loại</caption>" in page
    response = client.get("/reports/dashboard/supports_kind.xlsx", params(program=program.pk))
    rows = list(load_workbook(io.BytesIO(response.getvalue())).active.values)
    assert rows[0][:2] == ("Loại hỗ trợ", "Số lượt") and ("Mã số mã vạch, mã QR", 2, 2, 0) in rows
    assert AuditEntry.objects.filter(action="reports.dashboard.exported", actor=world.people["leader"]).exists()
    assert client.get("/reports/dashboard/nothing.xlsx").status_code == 404


def test_market_connections_by_stage(world):
    """The market's sample connection (signed into a deal, cooperative in province 79): the home
    province's officer counts it at its stage; every stage is listed."""
    from htxconnect.market.models import Connection
    from tests.market.matrix import market_samples

    market_samples(world, world.samples)
    stage = Connection.objects.get().get_stage_display()
    today = datetime.date.today()
    f = charts.Filters.from_params(world.people["officer"], params(start=f"{today.year}-01-01",
                                                                   end=f"{today.year}-12-31"))
    chart = charts.market_by_stage(world.people["officer"], f)
    assert [stage, 1] in chart.rows and len(chart.rows) == len(Connection.Stage.choices)
    assert charts.market_by_stage(world.people["other_officer"], f).rows == []  # another province's staff
