"""The registry in a real browser: an officer on a 360-px phone finds "HTX Hồng Đức" by typing
"hong duc", opens its page and goes through its tabs; the public directory shows the cooperative
without any personal data."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from htxconnect.core.roles import Role
from htxconnect.registry import services
from tests.conftest import make_user

from .conftest import PHONE, no_horizontal_scroll, signed_in_page
from htxconnect.core.actors import SYSTEM

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PERSON = {"full_name": "Trần Thị Bích Ngọc", "phone": "0912 345 678", "email": "ngoc.tran@example.vn",
          "id_number": "079190001234", "birth_year": 1985}
LEGAL_REPRESENTATIVE = "Nguyễn Văn Hồng"
PHONE_NUMBER = "0909 123 456"
TABS = ["Tổng quan", "Nhân sự", "Sản phẩm", "Chứng nhận", "Nhãn hiệu, SHTT", "OCOP", "Dòng thời gian"]


@pytest.fixture
def registry(db):
    from htxconnect.accounts.models import Agency

    agency = Agency.objects.create(name="Sở Khoa học và Công nghệ TP. Hồ Chí Minh", short_name="Sở KH&CN HCM",
                                   kind=Agency.Kind.DOST, province_code="79", province_name="Thành phố Hồ Chí Minh")
    officer = make_user("canbo.registry.e2e", Role.OFFICER, agency, full_name="Lê Minh Tâm")
    today = datetime.date.today()
    hong_duc = services.create_organization(
        actor=SYSTEM, name="HTX Hồng Đức", province_code="79", ward_code="25813", tax_code="0100233488",
        legal_representative=LEGAL_REPRESENTATIVE, phone=PHONE_NUMBER, members_count=42)
    services.create_organization(actor=SYSTEM, name="HTX Đức Hòa Thượng", province_code="79")  # a near miss
    for i in range(12):
        services.create_organization(actor=SYSTEM, name=f"HTX Nông nghiệp Mẫu {i}", province_code="79")
    product = services.create_product(actor=SYSTEM, producer=hong_duc, name="Gạo ST25 Hồng Đức")
    services.create_certification(actor=SYSTEM, organization=hong_duc, type="vietgap", number="VG-2025-017",
                                  issue_date=today - datetime.timedelta(days=300),
                                  expiry_date=today + datetime.timedelta(days=30))
    services.create_ocop_rating(actor=SYSTEM, product=product, stars=4, decision_number="1234/QĐ-UBND",
                                decision_date=today - datetime.timedelta(days=100))
    services.add_person(actor=SYSTEM, organization=hong_duc, role="chair", consent=True, **PERSON)
    return {"officer": officer, "hong_duc": hong_duc}


def test_officer_finds_hong_duc_on_a_phone_and_sees_its_tabs(new_page, live_server, registry):
    page = signed_in_page(new_page, live_server, registry["officer"], PHONE)
    page.goto("/registry/")
    search = page.get_by_label("Tìm theo tên, mã số thuế (gõ không dấu được)")
    search.fill("hong duc")
    search.press("Enter")
    expect(page.get_by_role("link", name="HTX Nông nghiệp Mẫu 3")).to_have_count(0)  # the list was filtered
    link = page.get_by_role("link", name="HTX Hồng Đức", exact=True).first
    link.wait_for(state="visible")
    assert no_horizontal_scroll(page), "danh sách tổ chức tràn ngang ở 360 px"
    link.click()
    page.wait_for_url(f"**/registry/{registry['hong_duc'].pk}/**")
    expect(page.get_by_role("heading", name="HTX Hồng Đức")).to_be_visible()
    tabs = page.locator(".nav-tabs .nav-link")
    labels = [re.sub(r"\s*\d+$", "", t.strip()) for t in tabs.all_inner_texts()]  # drop the counts
    assert labels == TABS
    assert no_horizontal_scroll(page), "trang tổ chức tràn ngang ở 360 px"

    page.locator(".nav-tabs").get_by_role("link", name="Nhân sự").click()
    page.get_by_text(PERSON["full_name"]).first.wait_for(state="visible")  # staff of its province see people
    page.locator(".nav-tabs").get_by_role("link", name="Chứng nhận").click()
    page.get_by_text("VG-2025-017").first.wait_for(state="visible")
    page.locator(".nav-tabs").get_by_role("link", name="OCOP").click()
    page.get_by_text("1234/QĐ-UBND").first.wait_for(state="visible")
    page.locator(".nav-tabs").get_by_role("link", name="Dòng thời gian").click()
    page.get_by_text("Gạo ST25 Hồng Đức").first.wait_for(state="visible")
    assert no_horizontal_scroll(page)
    assert page.csp_violations == []


def test_public_directory_shows_the_cooperative_without_personal_data(new_page, registry):
    page = new_page(viewport=PHONE)
    violations = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.goto("/registry/public/?q=hong+duc")
    link = page.get_by_role("link", name="HTX Hồng Đức", exact=True).first
    link.wait_for(state="visible")
    link.click()
    page.wait_for_url(f"**/registry/public/{registry['hong_duc'].pk}/**")
    expect(page.get_by_role("heading", name="HTX Hồng Đức")).to_be_visible()
    text = page.locator("body").inner_text()
    assert "Gạo ST25 Hồng Đức" in text and "VietGAP" in text
    for secret in (*[str(v) for v in PERSON.values()], LEGAL_REPRESENTATIVE, PHONE_NUMBER, "0100233488"):
        assert secret not in text, f"dữ liệu không công khai hiện trên trang công khai: {secret}"
    assert "Nhân sự" not in text
    html = page.content()
    assert PERSON["full_name"] not in html and PERSON["id_number"] not in html
    assert no_horizontal_scroll(page)
    assert violations == []
