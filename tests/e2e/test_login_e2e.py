"""The main sign-in paths in a real browser, and the login/home pages at phone size."""

import pytest
from playwright.sync_api import expect

from htxconnect.core.roles import Role
from tests.accounts.conftest import totp_code
from tests.conftest import PASSWORD, make_user

from .conftest import PHONE

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def officer(db):
    from htxconnect.accounts.models import Agency

    agency = Agency.objects.create(name="Sở Khoa học và Công nghệ tỉnh An Giang", kind=Agency.Kind.DOST,
                                   province_code="91", province_name="Tỉnh An Giang")
    return make_user("canbo.e2e", Role.OFFICER, agency, full_name="Phạm Thị Thu")


def sign_in_with_password(page, username, password):
    page.goto("/accounts/login/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()


def test_officer_signs_in_with_password_and_totp_code(new_page, officer, live_server):
    page = new_page()
    sign_in_with_password(page, "canbo.e2e", PASSWORD)
    page.wait_for_url("**/accounts/otp/verify/**")
    expect(page.get_by_role("heading", name="Xác thực hai lớp")).to_be_visible()
    page.get_by_label("Mã xác thực").fill(totp_code(officer.totpdevice_set.get()))
    page.get_by_role("button", name="Xác nhận").click()
    page.wait_for_url(f"{live_server.url}/")
    assert 'name="username"' not in page.content()  # the home page, not the login form
    # Signed in: the profile opens without another challenge.
    page.goto("/accounts/profile/")
    expect(page.get_by_role("heading", name="Trang cá nhân")).to_be_visible()


def test_wrong_password_shows_the_vietnamese_error(new_page, officer):
    page = new_page()
    sign_in_with_password(page, "canbo.e2e", "khong-dung-mat-khau")
    alert = page.get_by_role("alert")
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in alert.inner_text()
    assert page.get_by_label("Tên đăng nhập").input_value() == "canbo.e2e"
    assert page.get_by_label("Mật khẩu").input_value() == ""


def _no_horizontal_overflow(page):
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_phone_layout_has_no_overflow_and_a_collapsed_menu(new_page, officer):
    page = new_page(viewport=PHONE)
    page.goto("/accounts/login/")
    assert _no_horizontal_overflow(page), "trang đăng nhập tràn ngang ở màn hình 360 px"
    sign_in_with_password(page, "canbo.e2e", PASSWORD)
    page.wait_for_url("**/accounts/otp/verify/**")
    assert _no_horizontal_overflow(page), "trang xác thực hai lớp tràn ngang ở màn hình 360 px"
    page.get_by_label("Mã xác thực").fill(totp_code(officer.totpdevice_set.get()))
    page.get_by_role("button", name="Xác nhận").click()
    page.wait_for_load_state()
    assert "/accounts/" not in page.url
    assert _no_horizontal_overflow(page), "trang chủ tràn ngang ở màn hình 360 px"
    toggler = page.locator(".navbar-toggler")
    expect(toggler.first).to_be_visible()  # the menu folds into a button on phones
