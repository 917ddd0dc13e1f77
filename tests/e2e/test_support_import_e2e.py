"""The support import on a phone: an officer uploads a filled workbook, reads the preview (one row
to create, one duplicate naming the recorded support, one error naming the column and the rule)
without scrolling sideways, and imports."""

import datetime

import pytest
from playwright.sync_api import expect

from htxconnect.core.roles import Role
from htxconnect.programs import services
from htxconnect.programs.models import Support
from htxconnect.registry import services as registry_services
from tests.conftest import make_user
from tests.programs.test_support_import import xlsx

from .conftest import PHONE, no_horizontal_scroll, signed_in_page
from htxconnect.core.actors import SYSTEM

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(db, tmp_path, settings):
    from htxconnect.accounts.models import Agency

    settings.MEDIA_ROOT = tmp_path / "media"
    agency = Agency.objects.create(name="Sở Khoa học và Công nghệ TP. Hồ Chí Minh", short_name="Sở KH&CN HCM",
                                   kind=Agency.Kind.DOST, province_code="79", province_name="Thành phố Hồ Chí Minh")
    officer = make_user("canbo.nhap.e2e", Role.OFFICER, agency, full_name="Trần Thị Mai")
    coop = registry_services.create_organization(actor=SYSTEM, name="HTX Ổi Thanh Kiên", province_code="79")
    program = services.create_program(actor=SYSTEM, agency=agency, name="Chương trình phối hợp 2024–2026",
                                      start_year=2024, end_year=2026)
    services.add_content_group(actor=SYSTEM, program=program, number=2, title="Tiếp cận chính sách")
    existing = services.record_support(actor=SYSTEM, agency=agency, organization=coop, program=program,
                                       kind="barcode", title="Mã vạch ổi", given_on=datetime.date(2025, 3, 1))
    return {"officer": officer, "existing": existing}


def test_officer_imports_supports_on_a_phone(new_page, live_server, world, tmp_path):
    program = "Chương trình phối hợp 2024–2026"
    source = tmp_path / "ho-tro-2025.xlsx"
    source.write_bytes(xlsx([
        [None, "HTX Ổi Thanh Kiên", "Tập huấn", "Tập huấn VietGAP cho thành viên", "10/04/2025", program, 2,
         "12.500.000", None, 45, None],
        [None, "HTX Ổi Thanh Kiên", "Mã số mã vạch, mã QR", "Mã vạch ổi (nhập lại)", "01/03/2025", program, 2,
         None, None, None, None],
        [None, "HTX Ổi Thanh Kiên", "Tập huấn", "Tập huấn", "05/01/2023", program, None, None, None, None, None],
    ]))
    page = signed_in_page(new_page, live_server, world["officer"], PHONE)
    page.set_default_timeout(60_000)
    page.goto("/programs/supports/")
    page.get_by_role("link", name="Nhập từ Excel").click()
    page.get_by_label("Tệp Excel (.xlsx)").set_input_files(str(source))
    page.get_by_role("button", name="Tải lên và kiểm tra").click()
    expect(page.get_by_role("button", name="Nhập 1 khoản hỗ trợ")).to_be_visible()
    expect(page.locator("#row-3")).to_contain_text(f"Trùng khoản hỗ trợ đã có số {world['existing'].pk} “Mã vạch ổi”")
    expect(page.locator("#row-4")).to_contain_text("Ngày hỗ trợ: Ngày hỗ trợ 05/01/2023 nằm ngoài giai đoạn")
    assert no_horizontal_scroll(page)
    page.get_by_role("button", name="Nhập 1 khoản hỗ trợ").click()
    expect(page.get_by_role("heading", name="Đã nhập xong")).to_be_visible()
    assert Support.objects.filter(title="Tập huấn VietGAP cho thành viên", amount_state=12_500_000).exists()
    assert page.csp_violations == []
