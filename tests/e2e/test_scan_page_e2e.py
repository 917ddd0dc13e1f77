"""On a phone: scan the QR code of a lot (the Digital Link), read the journey, switch to English,
then see the recall banner once the lot is recalled."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE
from tests.resolver.conftest import certified, coop, journey, lot, places, product  # noqa: F401 - fixtures
from htxconnect.core.actors import SYSTEM

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_scan_page_journey_english_and_recall(new_page, lot, journey, certified, tmp_path):
    from htxconnect.resolver import services

    page = new_page(viewport=PHONE)
    page.goto(f"/01/{lot.product.gtin}/10/{lot.code}")  # what the QR code holds: redirected to the scan page
    assert f"/scan/01/{lot.product.gtin}/10/{lot.code}/" in page.url
    expect(page.get_by_role("heading", name=lot.product.name)).to_be_visible()
    journey_box = page.locator("#journey")
    assert "Thu hoạch tại Vườn ổi Phú Giáo" in journey_box.inner_text()
    assert "Xuất hàng đi Siêu thị Thủ Đức" in journey_box.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # no sideways scrolling
    page.screenshot(path=str(tmp_path / "scan-vi.png"), full_page=True)

    page.get_by_role("link", name="English").click()
    assert "Harvested at Vườn ổi Phú Giáo" in page.locator("#journey").inner_text()
    expect(page.get_by_role("heading", name="Journey of this lot")).to_be_visible()
    page.screenshot(path=str(tmp_path / "scan-en.png"), full_page=True)

    services.recall_lot(actor=SYSTEM, lot=lot, reason="Phát hiện nấm mốc trong mẫu kiểm tra")
    page.reload()
    banner = page.get_by_role("alert")
    expect(banner).to_be_visible()
    assert "THIS LOT HAS BEEN RECALLED" in banner.inner_text()
    assert "nấm mốc" in banner.inner_text()
    page.screenshot(path=str(tmp_path / "scan-recalled.png"), full_page=True)
