"""Pages through the test client: public registration (throttled, consent, duplicate), the ticket
page, check-in sync, the Excel import preview, the calendar feed, and fixed query counts."""

import datetime
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from htxconnect.events import tickets
from htxconnect.events.models import Attendance, Registration
from tests.conftest import signed_in_client

from .conftest import make_event, person, register
from htxconnect.core.actors import SYSTEM

pytestmark = pytest.mark.django_db


@pytest.fixture
def future(ev):
    start = datetime.date.today() + datetime.timedelta(days=20)
    return make_event(ev.home, ev.program, ev.group, title="Lớp sắp tới", start=start, capacity=50)


def post_register(client, event, **data):
    body = {"full_name": "Lê Thị Bình", "phone": "0911 222 333", "email": "binh@example.vn", "consent": "on", **data}
    return client.post(f"/events/{event.pk}/register/", body)


def test_public_registration_leads_to_the_ticket_page_with_its_qr(future, mailoutbox):
    client = Client()
    response = post_register(client, future)
    assert response.status_code == 302 and "/events/t/" in response["Location"]
    page = client.get(response["Location"])
    body = page.content.decode()
    assert page.status_code == 200 and "Lê Thị Bình" in body and "<svg" in body and "Ticket" in body
    r = Registration.objects.get()
    assert r.consent_given_at and r.source == "public"


def test_public_registration_refuses_twins_and_missing_consent(future):
    client = Client()
    post_register(client, future)
    twin = post_register(client, future, full_name="Bình", phone="+84911222333", email="")
    assert twin.status_code == 400 and "đã được đăng ký" in twin.content.decode()
    no_consent = post_register(client, future, phone="0999888777", email="", consent="")
    assert no_consent.status_code == 200 and Registration.objects.count() == 1


def test_public_registration_is_rate_limited_per_address(future, settings):
    client = Client()
    for i in range(10):
        post_register(client, future, phone=f"09000000{i:02d}", email="")
    blocked = post_register(client, future, phone="0988777666", email="")
    assert blocked.status_code == 429 and Registration.objects.count() == 10


def test_a_forged_ticket_page_is_not_found(future):
    r = register(future, now=None)
    token = tickets.ticket_token(r)
    assert Client().get(f"/events/t/{token[:-2]}xx/").status_code == 404


def test_checkin_sync_records_each_person_once_and_explains_refusals(ev, future):
    a, b = register(future, person("A", "0900000001"), now=None), register(future, person("B", "0900000002"), now=None)
    client = signed_in_client(ev.users["officer"])
    session = future.sessions.first().pk
    items = [{"id": "d1-1", "session": session, "token": tickets.ticket_token(a), "offline": True},
             {"id": "d1-2", "session": session, "token": tickets.ticket_token(b), "offline": True},
             {"id": "d1-3", "session": session, "token": tickets.ticket_token(a), "offline": True},
             {"id": "d1-4", "session": session, "token": "1.abc:forged"}]
    url = f"/events/{future.pk}/checkin/sync/"
    answer = client.post(url, {"device": "d1", "items": items}, content_type="application/json").json()["results"]
    assert [x["result"] for x in answer] == ["recorded", "recorded", "duplicate", "refused"]
    again = client.post(url, {"device": "d1", "items": items[:2]}, content_type="application/json").json()["results"]
    assert [x["result"] for x in again] == ["recorded", "recorded"]  # a retried sync is answered the same
    assert Attendance.objects.count() == 2
    page = client.get(f"/events/{future.pk}/").content.decode()
    assert 'id="count-person-times">2<' in page
    roster = client.get(f"/events/{future.pk}/checkin/roster/?device=d1").json()
    assert {p["name"] for p in roster["people"]} == {"A", "B"}
    assert all("phone" not in p and set(p) == {"id", "name", "org", "k", "s"} for p in roster["people"])


def test_checkin_sync_answers_every_item_even_a_malformed_one(ev, future):
    """Nothing a device sent is dropped silently: an item that is not an object gets its own refusal,
    in its place, and the well-formed items around it are still recorded."""
    a = register(future, person("A", "0900000001"), now=None)
    client = signed_in_client(ev.users["officer"])
    session = future.sessions.first().pk
    items = ["not-an-object", {"id": "d2-1", "session": session, "token": tickets.ticket_token(a)}, 42]
    answer = client.post(f"/events/{future.pk}/checkin/sync/", {"device": "d2", "items": items},
                         content_type="application/json").json()["results"]
    assert [x["result"] for x in answer] == ["refused", "recorded", "refused"]
    assert "không đúng dạng" in answer[0]["message"]
    assert Attendance.objects.count() == 1


def test_excel_import_previews_bad_rows_and_registers_the_good_ones(ev, future):
    import openpyxl

    register(future, person("Đã có", "0900000001"), now=None)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Họ và tên", "Điện thoại", "Thư điện tử", "Đơn vị"])
    sheet.append(["Trần Văn Một", "0912 000 001", "", "HTX Hồng Đức"])
    sheet.append(["", "0912 000 002", "", ""])
    sheet.append(["Trùng người cũ", "+84 900 000 001", "", ""])
    sheet.append(["Sai thư", "", "khong-phai-thu", ""])
    sheet.append(["Trần Văn Hai", "0912 000 003", "hai@example.vn", ""])
    sheet.append(["Trần Văn Hai lặp", "0912000003", "", ""])
    buffer = io.BytesIO()
    book.save(buffer)
    client = signed_in_client(ev.users["officer"])
    url = f"/events/{future.pk}/import/"
    preview = client.post(url, {"file": SimpleUploadedFile("ds.xlsx", buffer.getvalue())}).content.decode()
    assert "2 dòng hợp lệ, 4 dòng có lỗi" in preview
    for message in ("Thiếu họ và tên", "đã đăng ký sự kiện", "không đúng dạng", "Trùng với dòng 6"):
        assert message in preview
    assert client.post(url, {"step": "confirm"}).status_code == 200  # no consent: refused
    assert client.post(url, {"step": "confirm", "consent": "1"}).status_code == 302
    assert set(future.registrations.filter(source="import").values_list("full_name", flat=True)) == {
        "Trần Văn Một", "Trần Văn Hai"}
    not_xlsx = client.post(url, {"file": SimpleUploadedFile("ds.xlsx", b"hello")}).content.decode()
    assert "không phải bảng tính Excel" in not_xlsx


def test_calendar_feed_is_icalendar(future):
    from icalendar import Calendar

    body = Client().get("/events/calendar.ics").content
    (item,) = Calendar.from_ical(body).walk("VEVENT")
    assert str(item["summary"]) == "Lớp sắp tới" and item["dtstart"].dt == future.starts_on
    assert Client().get(f"/events/calendar/?y={future.starts_on.year}&m={future.starts_on.month}").status_code == 200


def test_event_list_runs_a_fixed_number_of_queries(ev, django_assert_max_num_queries):
    for i in range(12):
        make_event(ev.home, ev.program, ev.group, title=f"Lớp {i}")
    client = signed_in_client(ev.users["officer"])
    with django_assert_max_num_queries(12):
        assert client.get("/events/").status_code == 200
    with django_assert_max_num_queries(6):
        assert Client().get("/events/").status_code == 200


def test_event_page_query_count_does_not_grow_with_registrations(ev, future, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = signed_in_client(ev.users["officer"])
    with CaptureQueriesContext(connection) as few:
        client.get(f"/events/{future.pk}/")
    for i in range(15):
        r = register(future, person(f"P{i}", f"09000001{i:02d}"), now=None)
        client.post(f"/events/{future.pk}/checkin/sync/", {"device": "x", "items": [
            {"id": f"x{i}", "token": tickets.ticket_token(r)}]}, content_type="application/json")
    with CaptureQueriesContext(connection) as many:
        assert client.get(f"/events/{future.pk}/").status_code == 200
    assert len(many) == len(few)


def test_manager_registers_members_through_the_page(ev, future):
    client = signed_in_client(ev.users["coop_manager"])
    response = client.post(f"/events/{future.pk}/members/", {
        "organization": ev.coop.pk, "consent": "on",
        "members": "Nguyễn Văn An; 0901 000 001\nTrần Thị Bé; 0901 000 002; be@example.vn\nNguyễn An; 0901000001"})
    body = response.content.decode()
    assert response.status_code == 200 and "đã được đăng ký" in body
    assert future.registrations.filter(organization=ev.coop, source="manager").count() == 2


def test_cancelling_from_the_ticket_page_promotes_the_waiting_list(ev):
    event = make_event(ev.home, title="Lớp một chỗ", start=datetime.date.today() + datetime.timedelta(days=5),
                       capacity=1)
    first = register(event, person("A", "0900000001"), now=None)
    second = register(event, person("B", "0900000002"), now=None)
    assert second.status == "waitlisted"
    Client().post(f"/events/t/{tickets.ticket_token(first)}/", {"action": "cancel"})
    second.refresh_from_db()
    assert second.status == "confirmed"


def test_cooperative_timeline_shows_its_members_events_and_meetings(ev, future):
    from htxconnect.events import services
    from htxconnect.registry import services as registry_services

    register(future, person("A", "0900000001", organization=ev.coop), now=None)
    buyer = registry_services.create_organization(actor=SYSTEM, name="Công ty Phân phối Xanh", kind="enterprise",
                                                  province_code="79")
    services.record_meeting(actor=SYSTEM, event=future, cooperative=ev.coop, buyer=buyer, outcome="samples")
    body = signed_in_client(ev.users["coop_manager"]).get(
        f"/registry/{ev.coop.pk}/?tab=timeline").content.decode()
    assert "Lớp sắp tới: 1 người đăng ký, 0 người dự" in body
    assert "Công ty Phân phối Xanh" in body and "Gửi mẫu" in body


def test_officer_adds_a_session_and_a_supply_demand_meeting(ev, future):
    from htxconnect.registry import services as registry_services

    client = signed_in_client(ev.users["officer"])
    day = future.starts_on + datetime.timedelta(days=1)
    client.post(f"/events/{future.pk}/sessions/", {"starts_at": f"{day:%Y-%m-%d}T13:30", "ends_at": f"{day:%Y-%m-%d}T17:00",
                                                   "title": "Thực hành"})
    assert [s.title for s in future.sessions.all()] == ["", "", "Thực hành"]
    client.post(f"/events/{future.pk}/sessions/", {"starts_at": f"{day:%Y-%m-%d}T17:00", "ends_at": f"{day:%Y-%m-%d}T13:00"})
    assert future.sessions.count() == 3  # ends before it starts: refused with a message
    buyer = registry_services.create_organization(actor=SYSTEM, name="Siêu thị Xanh", kind="enterprise", province_code="79")
    response = client.post(f"/events/{future.pk}/meetings/", {"cooperative": ev.coop.pk, "buyer": buyer.pk,
                                                              "outcome": "agreed", "products": "Ổi"})
    assert response.status_code == 302 and future.meetings.get().buyer == buyer
