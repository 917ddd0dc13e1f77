"""The market in a real browser: a buyer on a phone posts a demand for "thơm", sees the
cooperative's "khóm" offer ranked with its reasons and sends a connection request; the
cooperative's manager accepts (contacts appear); the buyer records the linkage contract and the
DOCX is produced, then rendered (LibreOffice → PDF → PNG) to be looked at."""

import datetime
import subprocess
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from htxconnect.core.roles import Role
from htxconnect.market import services
from htxconnect.market.models import Connection, Deal
from htxconnect.registry import services as registry_services
from htxconnect.registry.models import OrganizationUser
from tests.conftest import make_user
from tests.tools import require_commands

from .conftest import PHONE, no_horizontal_scroll, signed_in_page
from htxconnect.core.actors import SYSTEM

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def reseed_vocabulary():
    """Browser tests run in flushed transactions (transaction=True): an earlier one in the run
    empties the tables, the vocabulary its data migration seeded included. Seed it again, the
    migration's own way."""
    import importlib

    from django.apps import apps

    importlib.import_module("htxconnect.market.migrations.0002_vocabulary_seed").seed(apps, None)


@pytest.fixture
def world(db, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    reseed_vocabulary()
    coop = registry_services.create_organization(actor=SYSTEM, name="HTX Khóm Cầu Đúc", province_code="92",
                                                 phone="0293 111 222", email="khom@example.vn")
    manager = make_user("htx.khom.e2e", Role.COOP_MANAGER, full_name="Nguyễn Văn Khóm")
    OrganizationUser.objects.create(user=manager, organization=coop, role=OrganizationUser.Role.MANAGER)
    buyer = make_user("sieuthi.e2e", Role.BUYER, full_name="Phòng thu mua")
    product = registry_services.create_product(actor=SYSTEM, producer=coop, name="Khóm Cầu Đúc", category="fruit")
    registry_services.create_certification(actor=SYSTEM, organization=coop, product=product, type="vietgap",
                                           number="VG-E2E-1", issue_date=datetime.date(2025, 1, 2),
                                           expiry_date=datetime.date(2027, 12, 31))
    services.create_offer(actor=SYSTEM, organization=coop, product=product, title="khóm Cầu Đúc", quantity=Decimal(20),
                          unit="tan", months=list(range(1, 13)), price_min=9000, price_max=12000,
                          expires_on=timezone.localdate() + datetime.timedelta(days=120))
    return {"manager": manager, "buyer": buyer, "tmp": tmp_path}


def test_buyer_posts_demand_sees_ranked_match_requests_cooperative_accepts_contract_docx(new_page, live_server, world):
    page = signed_in_page(new_page, live_server, world["buyer"], PHONE)
    page.goto("/market/demands/new/")
    # First time: the buyer says which organisation buys, then comes back to the demand form.
    page.get_by_label("Tên tổ chức mua").fill("Siêu thị Xanh TP.HCM")
    page.get_by_label("Loại hình").select_option("supermarket")
    page.get_by_label("Điện thoại").fill("028 3999 0000")
    page.get_by_role("button", name="Lưu").click()
    expect(page.get_by_label("Sản phẩm cần mua")).to_be_visible()
    today = timezone.localdate()
    page.get_by_label("Sản phẩm cần mua").fill("thơm")
    page.get_by_label("Số lượng mỗi lần giao").fill("2")
    page.get_by_label("Đơn vị", exact=True).select_option("tan")
    page.get_by_label("Tần suất").select_option("weekly")
    page.get_by_label("VietGAP").check()
    page.get_by_label("Giao tại tỉnh/thành phố").select_option("79")
    page.get_by_label("Giá từ (đ/đơn vị)").fill("10.000")
    page.get_by_label("Giá đến (đ/đơn vị)").fill("13.000")
    page.get_by_label("Giao từ ngày").fill(today.strftime("%d/%m/%Y"))
    page.get_by_label("Giao đến ngày").fill((today + datetime.timedelta(days=60)).strftime("%d/%m/%Y"))
    page.get_by_role("button", name="Lưu").click()

    match = page.locator("#matches .match").first
    expect(match).to_contain_text("khóm Cầu Đúc")
    expect(match).to_contain_text("cùng sản phẩm: khóm = thơm = dứa")
    expect(match).to_contain_text("VietGAP còn hiệu lực đến 12/2027")
    expect(match).to_contain_text("km")
    assert no_horizontal_scroll(page)
    match.get_by_placeholder("Lời nhắn (không bắt buộc)").fill("Cần 2 tấn thơm mỗi tuần, giao Thủ Đức.")
    match.get_by_role("button", name="Gửi đề nghị kết nối").click()
    expect(page.locator("#stage")).to_have_text("Đã gửi đề nghị kết nối")
    expect(page.locator("body")).not_to_contain_text("0293 111 222")  # not before both agree

    coop = signed_in_page(new_page, live_server, world["manager"], PHONE)
    connection = Connection.objects.get()
    coop.goto(f"/market/connections/{connection.pk}/")
    expect(coop.locator("#messages")).to_contain_text("Cần 2 tấn thơm mỗi tuần")
    coop.get_by_role("button", name="Đồng ý kết nối").click()
    expect(coop.locator("#contacts")).to_contain_text("028 3999 0000")

    page.reload()
    expect(page.locator("#contacts")).to_contain_text("0293 111 222")
    page.get_by_role("link", name="Ghi nhận hợp đồng liên kết").click()
    page.get_by_label("Số hợp đồng").fill("01/2026/HĐLK")
    page.get_by_label("Chất lượng, quy cách, tiêu chuẩn").fill("Trái 1,2–1,8 kg, đạt VietGAP")
    page.get_by_label("Giá và cách xác định giá").fill("Giá cố định")
    page.get_by_label("Đơn giá (đ/đơn vị)").fill("11.000.000")
    page.get_by_label("Thời gian, địa điểm, phương thức giao nhận").fill("Hằng tuần tại kho Thủ Đức")
    page.get_by_label("Phương thức thanh toán").fill("Chuyển khoản trong 15 ngày")
    page.get_by_label("Quyền và nghĩa vụ của các bên").fill("Bên A bảo đảm chất lượng; bên B bao tiêu.")
    page.get_by_label("Ngày ký").fill(today.strftime("%d/%m/%Y"))
    page.get_by_role("button", name="Lưu").click()
    expect(page.locator("h1")).to_contain_text("01/2026/HĐLK")
    with page.expect_download() as download_info:
        page.locator("#docx").click()
    docx = world["tmp"] / "hop-dong.docx"
    download_info.value.save_as(docx)
    assert Deal.objects.get().value == 18 * 11_000_000  # 2 tấn × 9 weeks; 11.000.000 đ/tấn
    assert Connection.objects.get().stage == Connection.Stage.SIGNED

    require_commands("soffice", "pdftoppm")
    subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(world["tmp"]), str(docx)],
                   check=True, capture_output=True, timeout=180)
    pdf = world["tmp"] / "hop-dong.pdf"
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf), str(world["tmp"] / "hop-dong")],
                   check=True, timeout=60)
    png = next(world["tmp"].glob("hop-dong*.png"))
    assert png.stat().st_size > 5000
