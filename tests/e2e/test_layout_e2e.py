"""The layout in a real browser: no horizontal scroll at 360 px, the collapsed menu, htmx filters
on the audit log, logout from the user menu, and no Content-Security-Policy violation."""

import pytest
from playwright.sync_api import expect

from htxconnect.core.models import AuditEntry
from htxconnect.core.roles import Role
from tests.conftest import make_user

from .conftest import DESKTOP, PHONE, no_horizontal_scroll, signed_in_page

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def staff(db):
    from htxconnect.accounts.models import Agency

    agency = Agency.objects.create(name="Sở Khoa học và Công nghệ tỉnh An Giang", short_name="Sở KH&CN AG",
                                   kind=Agency.Kind.DOST, province_code="91", province_name="Tỉnh An Giang")
    leader = make_user("lanhdao.e2e", Role.LEADER, agency, full_name="Nguyễn Thị Phương Thảo Quỳnh Hương")
    officer = make_user("canbo.e2e", Role.OFFICER, agency, full_name="Phạm Thị Thu")
    AuditEntry.objects.bulk_create(
        AuditEntry(action="registry.organization.updated", actor_repr="canbo.e2e", agency_id=agency.pk,
                   object_type="registry.organization", object_id=str(i), ip="2001:db8:85a3::8a2e:370:7334",
                   object_repr=f"Hợp tác xã Nông nghiệp Dịch vụ Thương mại Tổng hợp Mỹ Hòa Hưng số {i}",
                   changes={"address": ["Ấp Mỹ An, xã Mỹ Hòa Hưng, thành phố Long Xuyên, tỉnh An Giang",
                                        "Khóm Mỹ An, phường Mỹ Hòa Hưng, tỉnh An Giang"],
                            "website": [None, "https://htx-my-hoa-hung-rat-dai.example.vn/san-pham/gao-thom"]})
        for i in range(60))
    return {"leader": leader, "officer": officer}


def test_home_on_a_phone_has_a_working_collapsed_menu(new_page, live_server, staff):
    page = signed_in_page(new_page, live_server, staff["leader"], PHONE)
    page.goto("/")
    expect(page.get_by_role("heading", name="Xin chào, Nguyễn Thị Phương Thảo Quỳnh Hương")).to_be_visible()
    assert no_horizontal_scroll(page), "trang tổng quan tràn ngang ở 360 px"
    audit_link = page.get_by_role("link", name="Nhật ký thay đổi").first
    menu_link = page.locator("#main-nav").get_by_role("link", name="Nhật ký thay đổi")
    expect(menu_link).to_be_hidden()  # collapsed
    page.locator(".navbar-toggler").click()
    menu_link.wait_for(state="visible")
    # Bootstrap marks the menu "show" only when its opening transition has ended; clicking the
    # user menu while it still moves can land beside it.
    page.locator("#main-nav.show:not(.collapsing)").wait_for()
    page.locator("#user-menu").click()
    # The dropdown opens with a transition: wait for it rather than sample it once.
    page.get_by_role("button", name="Đăng xuất").wait_for(state="visible")
    assert no_horizontal_scroll(page)
    assert audit_link.count() == 1
    assert page.csp_violations == []


def test_audit_log_on_a_phone_stacks_entries_without_overflow(new_page, live_server, staff):
    page = signed_in_page(new_page, live_server, staff["leader"], PHONE)
    page.goto("/audit/")
    expect(page.get_by_role("heading", name="Nhật ký thay đổi")).to_be_visible()
    assert page.locator("#audit-table tbody tr").count() == 50
    assert no_horizontal_scroll(page), "nhật ký thay đổi tràn ngang ở 360 px"
    expect(page.locator("#audit-table thead")).to_be_hidden()  # stacked cards on phones
    expect(page.get_by_label("Từ ngày")).to_be_hidden()  # filters folded on phones…
    page.get_by_role("button", name="Bộ lọc").click()
    page.get_by_label("Từ ngày").wait_for(state="visible")  # …until asked for
    assert no_horizontal_scroll(page)
    assert page.csp_violations == []


def test_audit_filter_with_htmx_shows_errors_and_results_in_place(new_page, live_server, staff):
    page = signed_in_page(new_page, live_server, staff["leader"], DESKTOP)
    page.goto("/audit/")
    page.evaluate("window.__marker = 'same page'")
    page.get_by_label("Từ ngày").fill("31/02/2026")
    page.get_by_label("Đối tượng", exact=True).fill("số 7")
    page.get_by_role("button", name="Lọc").click()
    page.locator("#audit-filter-errors").wait_for()
    assert "Từ ngày: “31/02/2026” không phải ngày hợp lệ." in page.locator("#audit-filter-errors").inner_text()
    assert page.get_by_label("Từ ngày").input_value() == "31/02/2026"
    assert page.evaluate("window.__marker") == "same page"  # swapped by htmx, no reload
    assert "date_from=31%2F02%2F2026" in page.url  # the filtered address can be shared
    assert page.locator("#audit-table tbody tr").count() == 1  # "số 7" still applied
    assert page.csp_violations == []


def test_logout_from_the_user_menu(new_page, live_server, staff):
    page = signed_in_page(new_page, live_server, staff["officer"], DESKTOP)
    page.goto("/")
    assert page.locator("#main-nav").get_by_role("link", name="Nhật ký thay đổi").count() == 0
    page.locator("#user-menu").click()
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url("**/accounts/login/**")
    expect(page.get_by_role("heading", name="Đăng nhập")).to_be_visible()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_404_page_fits_the_screen(new_page, live_server, viewport):
    page = new_page(viewport=viewport)
    response = page.goto("/khong-co-trang-nay-voi-duong-dan-rat-dai-de-kiem-tra-tran-ngang-tren-dien-thoai/")
    assert response.status == 404
    expect(page.get_by_role("heading", name="Không tìm thấy trang bạn cần")).to_be_visible()
    assert no_horizontal_scroll(page)
