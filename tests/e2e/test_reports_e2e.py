"""The dashboard in a real browser: ECharts draws every chart that has data (served by the project,
no CDN, no CSP violation), each chart can be saved as PNG (toolbox saveAsImage) and opened as a
table, and axe-core (from npm, evaluated in the page) finds no serious or critical violation."""

import datetime
from pathlib import Path

import pytest
from playwright.sync_api import expect

from htxconnect.core.roles import Role
from htxconnect.programs import services
from htxconnect.registry import services as registry_services
from tests.conftest import make_user
from tests.tools import require

from .conftest import DESKTOP, signed_in_page
from htxconnect.core.actors import SYSTEM

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SLOW = 60_000
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
D = datetime.date


@pytest.fixture
def leader(db):
    from htxconnect.accounts.models import Agency

    agency = Agency.objects.create(name="Sở Khoa học và Công nghệ TP. Hồ Chí Minh", short_name="Sở KH&CN HCM",
                                   kind=Agency.Kind.DOST, province_code="79", province_name="Thành phố Hồ Chí Minh")
    leader = make_user("lanhdao.reports.e2e", Role.LEADER, agency, full_name="Lê Văn Lãnh")
    program = services.create_program(actor=SYSTEM, agency=agency, name="Chương trình phối hợp thử nghiệm",
                                      start_year=2025, end_year=2026)
    group = services.add_content_group(actor=SYSTEM, program=program, number=1, title="Mã số mã vạch")
    plan = services.create_plan(actor=SYSTEM, program=program, year=2025)
    services.add_target(actor=SYSTEM, plan=plan, group=group, title="Mã vạch cho 03 HTX", indicator="orgs_supported",
                        params={"kinds": ["barcode"]}, value=3, unit="HTX")
    for i, kind in enumerate(["barcode", "barcode", "iso", "training"]):
        coop = registry_services.create_organization(actor=SYSTEM, name=f"HTX Thử {i}", province_code="79",
                                                     ward_code="25813")
        services.record_support(actor=SYSTEM, organization=coop, program=program, group=group, kind=kind,
                                title=f"Hỗ trợ {i}", given_on=D(2025, 3 + i, 1),
                                participants=40 if kind == "training" else None)
    return leader


def test_dashboard_charts_png_table_and_axe(new_page, live_server, leader):
    require(AXE.exists(), "axe-core from npm (node_modules/axe-core)", "make assets")
    page = signed_in_page(new_page, live_server, leader, DESKTOP)
    page.goto("/reports/dashboard/?start=2025-01-01&end=2025-12-31", timeout=SLOW)
    expect(page.get_by_role("heading", name="Bảng điều hành")).to_be_visible(timeout=SLOW)
    drawn = page.locator(".dashboard-chart-ready canvas")
    expect(drawn.first).to_be_visible(timeout=SLOW)
    charts = page.locator("[data-chart]").count()
    assert charts >= 4 and drawn.count() == charts
    # Each chart: PNG through ECharts' toolbox, the same numbers as a table.
    features = page.evaluate("window.htxCharts.map(c => Object.keys(c.getOption().toolbox[0].feature))")
    assert all(f == ["saveAsImage"] for f in features)
    assert page.evaluate("window.htxCharts[0].getDataURL({type: 'png'})").startswith("data:image/png;base64,")
    page.get_by_text("Xem dạng bảng").nth(1).click()
    expect(page.get_by_role("cell", name="Mã số mã vạch, mã QR")).to_be_visible()
    # axe-core, evaluated in the page (page.evaluate is not subject to the page's CSP).
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', "
                           "'wcag21aa']}})")
    bad = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]
           if v["impact"] in ("serious", "critical")]
    assert bad == [], [(v["id"], [(n["target"], n["failureSummary"][:300]) for n in v["nodes"]]) for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert page.csp_violations == []
