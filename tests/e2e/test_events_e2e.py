"""Events in a real browser: a visitor registers on a phone and gets the QR ticket page; staff
check people in on a 360-px phone by ticket (what the camera reads is typed into the ticket box,
the same code path), online and with the network cut; attendance shows on the event page and in
the year's person-time count of the program's target; a forged ticket is refused."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from htxconnect.core.roles import Role
from htxconnect.events import services, tickets
from htxconnect.events.models import Attendance, Scan
from htxconnect.programs import services as program_services
from tests.conftest import make_user

from .conftest import PHONE, no_horizontal_scroll, signed_in_page
from htxconnect.core.actors import SYSTEM

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(db, tmp_path, settings):
    from htxconnect.accounts.models import Agency

    settings.MEDIA_ROOT = tmp_path / "media"
    agency = Agency.objects.create(name="Sở Khoa học và Công nghệ TP. Hồ Chí Minh", short_name="Sở KH&CN HCM",
                                   kind=Agency.Kind.DOST, province_code="79", province_name="Thành phố Hồ Chí Minh")
    officer = make_user("canbo.events.e2e", Role.OFFICER, agency, full_name="Trần Thị Mai")
    year = timezone.localdate().year
    program = program_services.create_program(actor=SYSTEM, agency=agency, name="Chương trình phối hợp thử nghiệm",
                                              start_year=year, end_year=year + 1)
    group = program_services.add_content_group(actor=SYSTEM, program=program, number=3, title="Tập huấn")
    plan = program_services.create_plan(actor=SYSTEM, program=program, year=year)
    target = program_services.add_target(actor=SYSTEM, plan=plan, group=group, title="Tập huấn ít nhất 150 lượt người",
                                         indicator="training_person_times", value=150, unit="lượt người")
    today = timezone.localdate()
    start = timezone.make_aware(datetime.datetime.combine(today, datetime.time(0, 1)))
    event = services.create_event(actor=SYSTEM, agency=agency, kind="course", title="Tập huấn truy xuất nguồn gốc",
                                  program=program, group=group, starts_on=today, ends_on=today, province_code="79",
                                  ward_code="25813", venue="Hội trường Liên minh HTX", capacity=30,
                                  sessions=[(start, start + datetime.timedelta(hours=23), "Cả ngày")])
    services.publish_event(actor=SYSTEM, event_id=event.pk)
    return {"officer": officer, "event": event, "target": target}


def checkin_page(new_page, live_server, world):
    page = signed_in_page(new_page, live_server, world["officer"], PHONE)
    page.set_default_timeout(60_000)
    page.goto(f"/events/{world['event'].pk}/checkin/")
    expect(page.locator("#checkin[data-ready='1']")).to_be_attached()
    return page


def scan(page, text):
    page.locator("#checkin-token").fill(text)
    page.locator("#checkin-token").press("Enter")


def test_register_ticket_check_in_and_count(new_page, live_server, world, tmp_path):
    event = world["event"]
    visitor = new_page(viewport=PHONE)
    visitor.set_default_timeout(60_000)
    visitor.goto(f"/events/{event.pk}/register/")
    visitor.get_by_label("Họ và tên / Full name").fill("Nguyễn Thị Hạnh")
    visitor.get_by_label("Điện thoại / Phone").fill("0912 345 678")
    visitor.get_by_label("Thư điện tử / E-mail").fill("hanh@example.vn")
    visitor.locator("#id_consent").check()
    visitor.get_by_role("button", name="Đăng ký / Register").click()
    expect(visitor.locator("#ticket-name")).to_have_text("Nguyễn Thị Hạnh")
    expect(visitor.locator("#ticket-qr svg")).to_be_visible()
    assert no_horizontal_scroll(visitor)
    ticket_url = visitor.url  # what the QR code holds

    page = checkin_page(new_page, live_server, world)
    assert no_horizontal_scroll(page) and page.csp_violations == []
    page.screenshot(path=str(tmp_path / "checkin-360.png"), full_page=True)
    scan(page, ticket_url)
    expect(page.locator("#checkin-result")).to_contain_text("Đã điểm danh: Nguyễn Thị Hạnh")
    scan(page, ticket_url)  # the same ticket again
    expect(page.locator("#checkin-result")).to_contain_text("đã điểm danh buổi này")
    assert Attendance.objects.count() == 1

    page.goto(f"/events/{event.pk}/")
    expect(page.locator("#count-person-times")).to_have_text("1")
    page.goto(f"/programs/targets/{world['target'].pk}/")
    expect(page.locator("main")).to_contain_text("1 / 150 lượt người")
    visitor.reload()
    expect(visitor.locator("main")).to_contain_text("Đã điểm danh")


def test_offline_check_in_records_each_person_once(new_page, live_server, world):
    event = world["event"]
    people = [services.register(actor=SYSTEM, event_id=event.pk, consent=True,
                                registrant=services.Registrant(name, phone))
              for name, phone in [("Lê Văn An", "0900000001"), ("Phạm Thị Bích", "0900000002"),
                                  ("Võ Minh Châu", "0900000003")]]
    page = checkin_page(new_page, live_server, world)
    # `ready` never settles when registration fails: wait for it at most 30 s, then say so (a CI
    # run hung here once instead of failing).
    assert page.evaluate("Promise.race([navigator.serviceWorker.ready.then(() => true),"
                         " new Promise((done) => setTimeout(() => done(false), 30000))])"), \
        "the check-in page's service worker did not become ready within 30 s"
    page.reload()  # now under the service worker, which keeps the page, its scripts and the roster
    expect(page.locator("#checkin[data-ready='1']")).to_be_attached()
    page.context.set_offline(True)
    page.reload()  # the signal is gone: the page still opens, with the roster this device keeps
    expect(page.locator("#checkin[data-ready='1']")).to_be_attached()
    expect(page.locator("#checkin-total")).to_have_text("3")
    expect(page.locator("#checkin-net")).to_have_text("Ngoại tuyến")
    for r in people:
        scan(page, tickets.ticket_token(r))
        expect(page.locator("#checkin-result")).to_contain_text("sẽ gửi khi có mạng")
    scan(page, tickets.ticket_token(people[0]))  # scanned twice while offline
    expect(page.locator("#checkin-result")).to_contain_text("đã điểm danh buổi này")
    page.locator("#checkin-search").fill("vo minh")  # manual search works on the device's roster
    expect(page.locator("#checkin-matches")).to_contain_text("Võ Minh Châu")
    expect(page.locator("#checkin-queue")).to_have_text("3")
    assert Attendance.objects.count() == 0
    # Meanwhile another device, online, checked Bích in.
    services.check_in(actor=world["officer"], event_id=event.pk, token=tickets.ticket_token(people[1]),
                      client_id="other-1", device="other-phone")

    page.context.set_offline(False)
    expect(page.locator("#checkin-queue")).to_have_text("0")
    assert sorted(Attendance.objects.values_list("registration_id", flat=True)) == sorted(r.pk for r in people)
    conflict = Scan.objects.get(result="duplicate")
    assert conflict.registration == people[1] and conflict.is_conflict
    page.goto(f"/events/{event.pk}/")
    expect(page.locator("#count-person-times")).to_have_text("3")
    expect(page.locator("#conflicts")).to_contain_text("Phạm Thị Bích")


def test_forged_and_foreign_tickets_are_refused(new_page, live_server, world):
    other = services.create_event(actor=SYSTEM, agency=world["event"].agency, kind="fair", title="Hội chợ nông sản",
                                  starts_on=world["event"].starts_on, ends_on=world["event"].starts_on, venue="Chợ")
    foreign = services.register(actor=SYSTEM, event_id=other.pk, consent=True, source="import",
                                registrant=services.Registrant("Khách hội chợ", "0900000009"))
    page = checkin_page(new_page, live_server, world)
    scan(page, f"{live_server.url}/events/t/1.deadbeefdeadbeef:forgedsignature/")
    expect(page.locator("#checkin-result")).to_contain_text("giả mạo")
    expect(page.locator("#checkin-result.alert-danger")).to_be_visible()
    scan(page, tickets.ticket_token(foreign))
    expect(page.locator("#checkin-result")).to_contain_text("Vé của sự kiện khác: “Hội chợ nông sản”")
    assert Attendance.objects.count() == 0


def test_the_camera_library_reads_the_ticket_qr_on_the_check_in_page(new_page, live_server, world):
    """What the camera does, on a picture: qr-scanner (served by the project, under the page's CSP)
    decodes the ticket page's QR code into the ticket URL, and that check-in is recorded."""
    r = services.register(actor=SYSTEM, event_id=world["event"].pk, consent=True,
                          registrant=services.Registrant("Trương Văn Đạt", "0900000011"))
    page = checkin_page(new_page, live_server, world)
    page.goto(f"/events/t/{tickets.ticket_token(r)}/")
    svg = page.locator("#ticket-qr").inner_html()
    page.goto(f"/events/{world['event'].pk}/checkin/")
    expect(page.locator("#checkin[data-ready='1']")).to_be_attached()
    decoded = page.evaluate("""async (svg) => {
        const { default: QrScanner } = await import(document.getElementById("checkin").dataset.scannerUrl);
        const image = new Image();
        image.src = URL.createObjectURL(new Blob([svg], { type: "image/svg+xml" }));
        await image.decode();
        const canvas = document.createElement("canvas");
        canvas.width = canvas.height = 400;
        const g = canvas.getContext("2d");
        g.fillStyle = "#fff"; g.fillRect(0, 0, 400, 400); g.drawImage(image, 20, 20, 360, 360);
        const result = await QrScanner.scanImage(canvas, { returnDetailedScanResult: true });
        return result.data;
    }""", svg)
    assert decoded.endswith(f"/events/t/{tickets.ticket_token(r)}/")
    scan(page, decoded)
    expect(page.locator("#checkin-result")).to_contain_text("Đã điểm danh: Trương Văn Đạt")
    assert page.csp_violations == []
