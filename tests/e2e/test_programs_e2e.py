"""The application workflow's main path in a real browser: a cooperative manager on a phone opens a
policy, applies with the required document and submits; an officer on a desktop sees the
eligibility evaluation, takes the application up and approves it into a content group of the
program; the manager sees it approved and the support on the cooperative's timeline; the program
page counts it."""

import datetime

import pytest
from playwright.sync_api import expect

from htxconnect.core.roles import Role
from htxconnect.programs import services
from htxconnect.registry import services as registry_services
from htxconnect.registry.models import OrganizationUser
from tests.conftest import make_user

from .conftest import DESKTOP, PHONE, no_horizontal_scroll, signed_in_page
from htxconnect.core.actors import SYSTEM

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SLOW = 60_000  # the shared 2-core test machine can take seconds per request


@pytest.fixture
def world(db, tmp_path, settings):
    from htxconnect.accounts.models import Agency

    settings.MEDIA_ROOT = tmp_path / "media"
    agency = Agency.objects.create(name="Sở Khoa học và Công nghệ TP. Hồ Chí Minh", short_name="Sở KH&CN HCM",
                                   kind=Agency.Kind.DOST, province_code="79", province_name="Thành phố Hồ Chí Minh")
    officer = make_user("canbo.programs.e2e", Role.OFFICER, agency, full_name="Trần Thị Mai")
    manager = make_user("htx.programs.e2e", Role.COOP_MANAGER, full_name="Nguyễn Văn Kiên")
    coop = registry_services.create_organization(actor=SYSTEM, name="HTX Ổi Thanh Kiên", province_code="79",
                                                 members_count=20)
    OrganizationUser.objects.create(user=manager, organization=coop, role="manager")
    year = datetime.date.today().year
    program = services.create_program(actor=SYSTEM, agency=agency, name="Chương trình phối hợp thử nghiệm",
                                      start_year=year, end_year=year + 1)
    group = services.add_content_group(actor=SYSTEM, program=program, number=2, title="Tiếp cận chính sách")
    plan = services.create_plan(actor=SYSTEM, program=program, year=year)
    services.add_target(actor=SYSTEM, plan=plan, group=group, title="Hỗ trợ tư vấn liên kết cho 2 HTX",
                        indicator="orgs_supported", params={"kinds": ["consulting"]}, value=2, unit="HTX")
    policy = services.create_policy(actor=SYSTEM, agency=agency, number="98/2018/NĐ-CP", title="Liên kết",
                                    issuer="Chính phủ", issued_on=datetime.date(2018, 7, 5))
    services.add_condition(actor=SYSTEM, policy=policy, kind="members", params={"min": 7},
                           label="Có ít nhất 7 thành viên")
    services.add_support_item(actor=SYSTEM, policy=policy, code="8.1", name="Tư vấn xây dựng liên kết",
                              kind="consulting", max_amount=300_000_000, required_documents=["Đơn đề nghị hỗ trợ"])
    return {"officer": officer, "manager": manager, "policy": policy, "program": program, "coop": coop}


def test_apply_review_approve(new_page, live_server, world, tmp_path):
    document = tmp_path / "don.pdf"
    document.write_bytes(b"%PDF-1.4\n% don de nghi\n%%EOF\n")

    page = signed_in_page(new_page, live_server, world["manager"], PHONE)
    page.set_default_timeout(60_000)  # the shared 2-core test machine can be slow on first requests
    page.goto(f"/programs/policies/{world['policy'].pk}/")
    page.get_by_role("link", name="Lập hồ sơ đề nghị").click()
    page.get_by_label("Tên dự án / nội dung đề nghị").fill("Tư vấn hợp đồng liên kết tiêu thụ ổi")
    page.get_by_label("Số tiền đề nghị hỗ trợ (đồng)").fill("50.000.000")
    page.get_by_label("Đơn đề nghị hỗ trợ").set_input_files(str(document))
    assert no_horizontal_scroll(page), "trang lập hồ sơ tràn ngang ở 360 px"
    page.get_by_role("button", name="Nộp hồ sơ").click()
    expect(page.locator("#state")).to_have_text("Đã nộp", timeout=SLOW)
    assert no_horizontal_scroll(page), "trang hồ sơ tràn ngang ở 360 px"
    url = page.url

    officer = signed_in_page(new_page, live_server, world["officer"], DESKTOP)
    officer.set_default_timeout(60_000)
    officer.goto(url)
    expect(officer.locator(".eligibility >> visible=true")).to_contain_text("Có 20 thành viên, yêu cầu tối thiểu 7.", timeout=SLOW)
    officer.get_by_role("button", name="Tiếp nhận, xem xét").click()
    expect(officer.locator("#state")).to_have_text("Đang xem xét", timeout=SLOW)
    officer.get_by_label("Ý kiến (bắt buộc", exact=False).fill("Đồng ý hỗ trợ.")
    officer.get_by_label("Khi phê duyệt: ghi khoản hỗ trợ vào nhóm nội dung").select_option(label=f"{world['program'].start_year}–{world['program'].end_year} · 2. Tiếp cận chính sách")
    officer.get_by_role("button", name="Phê duyệt", exact=True).click()
    expect(officer.locator("#state")).to_have_text("Đã phê duyệt", timeout=SLOW)
    officer.goto(f"/programs/{world['program'].pk}/")
    expect(officer.locator(".target-row")).to_contain_text("1 / 2 HTX", timeout=SLOW)
    assert not officer.csp_violations

    page.goto(url)
    expect(page.locator("#steps")).to_contain_text("Đồng ý hỗ trợ.", timeout=SLOW)
    page.goto(f"/registry/{world['coop'].pk}/?tab=timeline")
    expect(page.get_by_role("link", name="Tư vấn, hướng dẫn: Tư vấn hợp đồng liên kết tiêu thụ ổi")).to_be_visible(timeout=SLOW)
    assert not page.csp_violations
