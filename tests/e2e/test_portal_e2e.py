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
                          ("/portal/thong-ke/", "Thống kê"), ("/portal/van-ban/?q=nghi+dinh", "Văn bản pháp luật")):
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
    from htxconnect.registry import services as registry_services

    registry_services.create_organization(actor=SYSTEM, name="HTX Phước Thành", province_code="79", ward_code="25864")
    page = new_page(viewport=DESKTOP)
    page.goto("/portal/thong-ke/", timeout=SLOW)
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Statistics", exact=True)).to_be_visible(timeout=SLOW)
    expect(page.locator(".dashboard-chart-ready canvas").first).to_be_visible(timeout=SLOW)
    assert page.evaluate("window.htxCharts[0].getDataURL({type: 'png'})").startswith("data:image/png;base64,")
    # No connection yet: its table is open by itself (nothing to draw), every stage at zero.
    expect(page.locator("#connections").get_by_role("rowheader", name="Connection requested")).to_be_visible()
    page.locator("#cooperatives summary").click()
    expect(page.locator("#cooperatives").get_by_role("rowheader", name="Thành phố Hồ Chí Minh")).to_be_visible()
    assert _axe(page) == []


def test_the_editor_toolbar_inserts_an_uploaded_picture(new_page, live_server, content, tmp_path, settings):
    """An officer writes with the toolbar: a heading, then a picture uploaded from disk (checked and
    re-encoded by the server) inserted as a figure with its description; a file that is not an image
    is refused with the field named; no CSP violation (no inline script or style)."""
    import io

    from PIL import Image

    from htxconnect.accounts.models import Agency
    from htxconnect.core.roles import Role
    from tests.conftest import make_user

    from .conftest import signed_in_page

    settings.MEDIA_ROOT = tmp_path / "media"
    officer = make_user("canbo.portal.e2e", Role.OFFICER, Agency.objects.get(), full_name="Trần Văn Biên")
    picture, fake = tmp_path / "hoi-truong.png", tmp_path / "khong-phai-anh.png"
    buffer = io.BytesIO()
    Image.new("RGB", (60, 30), "navy").save(buffer, "PNG")
    picture.write_bytes(buffer.getvalue())
    fake.write_text("đây là văn bản", encoding="utf-8")
    page = signed_in_page(new_page, live_server, officer, DESKTOP)
    page.goto("/portal/quan-tri/bai-viet/moi/", timeout=SLOW)
    body = page.locator("#id_body")
    toolbar = page.get_by_role("toolbar", name="Định dạng nội dung")
    toolbar.get_by_role("button", name="Tiêu đề").click()
    assert body.input_value() == "<h2>Tiêu đề</h2>\n"
    page.get_by_label("Ảnh chèn vào bài").set_input_files(str(fake))
    page.get_by_role("button", name="Chèn ảnh").click()
    expect(page.locator("#id_body-image-status")).to_contain_text("Ảnh chèn vào bài: tệp “khong-phai-anh.png” không phải ảnh")
    page.get_by_label("Ảnh chèn vào bài").set_input_files(str(picture))
    page.get_by_label("Mô tả ảnh (cho người không xem được ảnh)").fill("Hội trường Liên minh HTX")
    page.get_by_role("button", name="Chèn ảnh").click()
    expect(page.locator("#id_body-image-status")).to_have_text("Đã chèn ảnh vào nội dung.")
    value = body.input_value()
    assert '<figure><img src="/media/portal/images/' in value and 'alt="Hội trường Liên minh HTX"' in value
    page.locator("#id_title").fill("Bài có ảnh")
    page.locator("#id_slug").fill("bai-co-anh")
    page.locator("#id_summary").fill("Tóm tắt bài có ảnh")
    page.get_by_role("button", name="Lưu").click()
    page.wait_for_url("**/portal/quan-tri/")
    stored = Article.objects.get(slug="bai-co-anh").body
    assert "<figcaption>Hội trường Liên minh HTX</figcaption>" in stored and "/media/portal/images/" in stored
    assert page.csp_violations == []
