"""The two paths a cooperative's data takes in a real browser: an officer imports a workbook
(upload → checked preview → commit → the organisation in the registry), and a manager prints a
label sheet for a lot whose PDF decodes (poppler + zbar) to the lot's Digital Link. Every step
waits for a state the person sees (`expect(...)`), never for a fixed time."""

import datetime
import re
import subprocess

import pytest
from playwright.sync_api import expect

from htxconnect.core.roles import Role
from htxconnect.registry import services as registry_services
from htxconnect.registry.models import Organization, OrganizationUser
from htxconnect.resolver import services as resolver_services
from tests.conftest import make_user
from tests.registry.fixtures.workbooks import TAX_A, org, workbook
from tests.tools import require_commands

from .conftest import PHONE, no_horizontal_scroll, signed_in_page

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Checking a workbook and rendering a label sheet are the slow steps of these paths (work a task
# does): the states after them get a longer wait than the default 10 s.
SLOW = 60_000


@pytest.fixture
def home_agency(db):
    from htxconnect.accounts.models import Agency

    return Agency.objects.create(name="Sở Khoa học và Công nghệ TP. Hồ Chí Minh", short_name="Sở KH&CN HCM",
                                 kind=Agency.Kind.DOST, province_code="79", province_name="Thành phố Hồ Chí Minh")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_officer_imports_a_workbook_and_finds_the_cooperative(new_page, live_server, home_agency, media, tmp_path):
    officer = make_user("canbo.nhap.e2e", Role.OFFICER, home_agency, full_name="Phạm Thu Hà")
    source = tmp_path / "to-chuc.xlsx"
    source.write_bytes(workbook({"organizations": [
        org("HTX Nông sản Phước Thành", tax_code=TAX_A, address="xã Tân Hiệp, huyện Phú Giáo, tỉnh Bình Dương")]}))
    page = signed_in_page(new_page, live_server, officer, PHONE)
    page.goto("/registry/import/")
    page.locator("input[type=file][name=file]").set_input_files(str(source))
    page.get_by_role("button", name="Tải lên và kiểm tra").click(no_wait_after=True)
    # The checked preview: the row, and the old address converted to the current ward.
    expect(page.get_by_role("button", name="Nhập tất cả dòng hợp lệ")).to_be_visible(timeout=SLOW)
    expect(page.get_by_text("HTX Nông sản Phước Thành").first).to_be_visible()
    expect(page.get_by_text("Xã Phước Thành").first).to_be_visible()
    assert no_horizontal_scroll(page), "trang xem trước tràn ngang ở 360 px"
    assert not Organization.objects.filter(name="HTX Nông sản Phước Thành").exists()  # nothing before commit
    page.get_by_role("button", name="Nhập tất cả dòng hợp lệ").click(no_wait_after=True)
    expect(page.get_by_role("heading", name="Đã nhập xong")).to_be_visible(timeout=SLOW)
    created = Organization.objects.get(name="HTX Nông sản Phước Thành")
    assert (created.tax_code, created.province_code) == (TAX_A, "79")
    page.goto("/registry/?q=phuoc+thanh")
    expect(page.get_by_role("link", name="HTX Nông sản Phước Thành")).to_be_visible()
    assert page.csp_violations == []


def test_manager_prints_labels_whose_pdf_decodes_to_the_lot(new_page, live_server, users, media, tmp_path):
    require_commands("pdftoppm", "zbarimg")
    admin, manager = users["admin"], users["coop_manager"]
    cooperative = registry_services.create_organization(actor=admin, name="HTX Ổi Thanh Kiên", province_code="79")
    OrganizationUser.objects.create(user=manager, organization=cooperative)
    product = registry_services.create_product(actor=admin, producer=cooperative, name="Ổi ruột đỏ")
    resolver_services.register_company_prefix(actor=admin, organization=cooperative, prefix="893777002", is_demo=True)
    gtin = resolver_services.assign_gtin(actor=admin, product=product)
    lot = resolver_services.create_lot(actor=admin, product=product, code="OI-2611",
                                       production_date=datetime.date(2026, 11, 20))

    page = signed_in_page(new_page, live_server, manager, PHONE)
    page.goto(f"/trace/lots/{lot.pk}/")
    page.get_by_role("link", name=re.compile("In nhãn")).first.click()
    page.get_by_label("Số nhãn").fill("2")
    page.get_by_role("button", name="Lưu").click(no_wait_after=True)
    download = page.get_by_role("link", name="Tải tệp PDF")
    expect(download).to_be_visible(timeout=SLOW)
    response = page.request.get(download.get_attribute("href"))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    (tmp_path / "nhan.pdf").write_bytes(response.body())
    subprocess.run(["pdftoppm", "-r", "300", "-f", "1", "-l", "1", "-png", "-gray", str(tmp_path / "nhan.pdf"),
                    str(tmp_path / "p")], check=True)
    png = sorted(tmp_path.glob("p*.png"))[0]
    symbols = subprocess.run(["zbarimg", "--quiet", "--raw", str(png)], capture_output=True, text=True).stdout.split()
    assert any(s.endswith(f"/01/{gtin}/10/OI-2611") for s in symbols), symbols
    assert page.csp_violations == []


def test_public_directory_filters_fold_on_a_phone_and_open_on_desktop(new_page, users):
    registry_services.create_organization(actor=users["admin"], name="HTX Rau Sạch Củ Chi", province_code="79",
                                          phone="0283 123 4567", public_contact=True)
    page = new_page(viewport=PHONE)
    page.goto("/")
    page.locator(".portal-nav").get_by_role("link", name="Danh bạ hợp tác xã").click()
    expect(page.get_by_role("heading", name="Danh bạ hợp tác xã")).to_be_visible()
    search = page.get_by_label("Tìm theo tên, mã số thuế (gõ không dấu được)")
    expect(search).to_be_hidden()  # folded behind the button on a phone
    page.get_by_text("Bộ lọc", exact=True).click()
    expect(search).to_be_visible()
    assert no_horizontal_scroll(page)
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Cooperative directory")).to_be_visible()
    page.get_by_role("link", name="Contact").first.click()
    expect(page.get_by_role("link", name="Call")).to_have_attribute("href", "tel:02831234567")

    desktop = new_page()
    desktop.goto("/registry/public/")
    expect(desktop.get_by_label("Tìm theo tên, mã số thuế (gõ không dấu được)")).to_be_visible()
    expect(desktop.get_by_text("Bộ lọc", exact=True)).to_be_hidden()
