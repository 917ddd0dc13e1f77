"""The public portal in a real browser: the home page, the news list, an article and the library of
legal documents, in Vietnamese and in English, pass axe-core (from npm, evaluated in the page) with
no serious or critical violation (WCAG 2.1 A and AA)."""

import datetime
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from htxconnect.core.actors import SYSTEM
from htxconnect.portal import services
from htxconnect.portal.models import Article
from tests.tools import require

from .conftest import DESKTOP, PHONE

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SLOW = 60_000
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture
def content(db):
    from htxconnect.accounts.models import Agency
    from htxconnect.programs import services as programs_services

    agency = Agency.objects.create(name="Sở Khoa học và Công nghệ TP. Hồ Chí Minh", short_name="Sở KH&CN HCM",
                                   kind=Agency.Kind.DOST, province_code="79", province_name="Thành phố Hồ Chí Minh")
    programs_services.create_policy(actor=SYSTEM, agency=agency, number="98/2018/NĐ-CP",
                                    title="Nghị định về chính sách khuyến khích phát triển hợp tác, liên kết",
                                    issuer="Chính phủ", issued_on=datetime.date(2018, 7, 5))
    return services.save_article(actor=SYSTEM, article=Article(
        title="Hội nghị sơ kết 6 tháng", slug="hoi-nghi-so-ket", summary="Tóm tắt hội nghị",
        body="<h2>Kết quả</h2><p>Trao quyền sử dụng nhãn hiệu chứng nhận cho 06 HTX.</p>", status="published",
        publish_at=timezone.now()))


def _axe(page):
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', "
                           "'wcag21aa']}})")
    return [(v["id"], v["impact"], [(n["target"], n["failureSummary"][:200]) for n in v["nodes"]][:3])
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_portal_pages_pass_axe(new_page, live_server, content, viewport):
    require(AXE.exists(), "axe-core from npm (node_modules/axe-core)", "make assets")
    page = new_page(viewport=viewport)
    for path, heading in (("/", "Khoa học, công nghệ và thị trường cho hợp tác xã"),
                          ("/portal/", "Khoa học, công nghệ và thị trường cho hợp tác xã"), ("/portal/tin-tuc/", "Tin tức"),
                          ("/portal/tin-tuc/hoi-nghi-so-ket/", "Hội nghị sơ kết 6 tháng"),
                          ("/portal/van-ban/?q=nghi+dinh", "Văn bản pháp luật"), ("/portal/thong-ke/", "Thống kê")):
        page.goto(path, timeout=SLOW)
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible(timeout=SLOW)
        assert _axe(page) == [], path
    expect(page.get_by_role("cell", name="98/2018/NĐ-CP")).to_be_visible()


def test_portal_home_in_english_passes_axe(new_page, live_server, content):
    require(AXE.exists(), "axe-core from npm (node_modules/axe-core)", "make assets")
    page = new_page(viewport=DESKTOP)
    page.goto("/portal/", timeout=SLOW)
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Key figures")).to_be_visible(timeout=SLOW)
    assert page.evaluate("document.documentElement.lang") == "en"
    assert _axe(page) == []


def test_an_anonymous_visitor_at_the_root_reads_the_portal_and_signs_in_from_its_header(new_page, live_server, content):
    page = new_page(viewport=PHONE)
    page.goto("/", timeout=SLOW)
    expect(page.get_by_role("heading", name="Số liệu chính")).to_be_visible(timeout=SLOW)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.get_by_role("banner").get_by_role("link", name="Đăng nhập").click()
    page.wait_for_url("**/accounts/login/**")
    expect(page.get_by_label("Tên đăng nhập")).to_be_visible()


def test_statistics_draw_their_charts_and_pass_axe_in_english(new_page, live_server, content):
    """The statistics page: the connections chart (every stage, zeros included) is drawn by ECharts,
    can be saved as PNG, keeps its numbers in a table, and passes axe in English."""
    require(AXE.exists(), "axe-core from npm (node_modules/axe-core)", "make assets")
    page = new_page(viewport=DESKTOP)
    page.goto("/portal/thong-ke/", timeout=SLOW)
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Statistics", exact=True)).to_be_visible(timeout=SLOW)
    expect(page.locator(".dashboard-chart-ready canvas").first).to_be_visible(timeout=SLOW)
    assert page.evaluate("window.htxCharts[0].getDataURL({type: 'png'})").startswith("data:image/png;base64,")
    page.locator("#connections summary").click()
    expect(page.locator("#connections").get_by_role("rowheader", name="Connection requested")).to_be_visible()
    assert _axe(page) == []
