"""A certificate in a real browser: its PDF's QR code (decoded with poppler + zbar, as a phone would
read the paper) opens the public verification page, which says "valid" with the name, course and
issuer; the organiser revokes it with a reason on their page; the same QR URL then says "not
valid" with the revocation date. Every step waits for a state the person sees (`expect(...)`)."""

import datetime
import re
import subprocess

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from htxconnect.core.roles import Role
from htxconnect.events import certificates, services
from htxconnect.events.models import Registration
from tests.conftest import make_user
from tests.tools import require_commands

from .conftest import PHONE, no_horizontal_scroll, signed_in_page
from htxconnect.core.actors import SYSTEM

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def certificate(db):
    from htxconnect.accounts.models import Agency

    home = Agency.objects.create(name="Sở Khoa học và Công nghệ TP. Hồ Chí Minh", short_name="Sở KH&CN HCM",
                                 kind=Agency.Kind.DOST, province_code="79", province_name="Thành phố Hồ Chí Minh")
    officer = make_user("u_officer", Role.OFFICER, home)
    day = timezone.localdate() - datetime.timedelta(days=2)
    event = services.create_event(actor=SYSTEM, agency=home, kind="course", title="Tập huấn truy xuất nguồn gốc",
                                  starts_on=day, ends_on=day, venue="Hội trường Sở KH&CN")
    services.publish_event(actor=SYSTEM, event_id=event.pk)
    r = services.register(actor=SYSTEM, event_id=event.pk, consent=True, source=Registration.Source.IMPORT,
                          registrant=services.Registrant("Phạm Thị Hồng Nhung", "0911000111"))
    services.check_in(actor=SYSTEM, event_id=event.pk, registration_id=r.pk)
    certificates.set_policy(actor=SYSTEM, event=event, issuer_name="Sở Khoa học và Công nghệ", place="Thủ Đức",
                            signer_title="KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC", signer_name="Lê Văn Ký")
    (issued,) = certificates.issue_certificates(actor=SYSTEM, event_id=event.pk)
    return type("C", (), {"c": issued, "event": event, "officer": officer})


def test_the_qr_code_verifies_the_certificate_until_it_is_revoked(new_page, live_server, certificate, tmp_path):
    require_commands("pdftoppm", "zbarimg")
    page = new_page(viewport=PHONE)
    pdf = page.request.get(f"/events/verify/{certificate.c.code}/certificate.pdf")
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    (tmp_path / "gcn.pdf").write_bytes(pdf.body())
    subprocess.run(["pdftoppm", "-r", "200", "-png", "-gray", str(tmp_path / "gcn.pdf"), str(tmp_path / "p")],
                   check=True)
    png = sorted(tmp_path.glob("p*.png"))[0]
    (url,) = subprocess.run(["zbarimg", "--quiet", "--raw", str(png)], capture_output=True, text=True).stdout.split()
    assert url == f"{live_server.url}/events/verify/{certificate.c.code}/"

    page.goto(url)
    expect(page.locator("#certificate-status")).to_contain_text("Valid certificate")
    expect(page.locator("#certificate-name")).to_have_text("Phạm Thị Hồng Nhung")
    expect(page.locator("#certificate-details")).to_contain_text("Tập huấn truy xuất nguồn gốc")
    expect(page.locator("#certificate-details")).to_contain_text("Sở Khoa học và Công nghệ")
    assert no_horizontal_scroll(page)

    officer = signed_in_page(new_page, live_server, certificate.officer, PHONE)
    officer.goto(f"/events/{certificate.event.pk}/certificates/")
    row = officer.locator("#certificates tbody tr", has_text="Phạm Thị Hồng Nhung")
    row.locator("summary", has_text="Thu hồi").click()
    row.locator("input[name=reason]").fill("Cấp nhầm người")
    row.get_by_role("button", name="Thu hồi").click()
    expect(officer.locator("#certificates")).to_contain_text("Đã thu hồi")
    expect(officer.locator("#certificates")).to_contain_text("Cấp nhầm người")
    assert officer.csp_violations == []

    page.goto(url)
    today = timezone.localdate().strftime("%d/%m/%Y")
    expect(page.locator("#certificate-status")).to_contain_text("Not valid")
    expect(page.locator("#certificate-status")).to_contain_text(re.compile(f"revoked on {re.escape(today)}"))
    assert no_horizontal_scroll(page)
