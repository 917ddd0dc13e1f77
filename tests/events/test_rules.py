"""Registration, waiting list, tickets and check-in rules (services)."""

import datetime
import smtplib
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from htxconnect.core.models import AuditEntry
from htxconnect.events import services, tickets
from htxconnect.events.models import Attendance, Event, Registration, Scan

from .conftest import NOW, make_event, person, register
from htxconnect.core.actors import SYSTEM

pytestmark = pytest.mark.django_db


def test_registration_confirms_and_mails_a_ticket_with_its_qr_after_commit(ev, mailoutbox,
                                                                          django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        r = register(ev.event, person(email="an@example.vn"))
    assert r.status == Registration.Status.CONFIRMED and r.consent_given_at == NOW
    assert r.consent_purpose
    (mail,) = mailoutbox
    assert mail.to == ["an@example.vn"] and services.ticket_url(r) in mail.body
    assert mail.attachments[0][2] == "image/png"


def test_rolled_back_registration_sends_nothing(ev, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(ValidationError):
            services.register(actor=SYSTEM, event_id=ev.event.pk, registrant=person(email="x@example.vn"),
                              consent=False, now=NOW)
    assert mailoutbox == []


@pytest.mark.parametrize("first,second", [
    (dict(phone="0912 345 678"), dict(phone="+84 912.345.678")),
    (dict(phone="", email="An@Example.VN"), dict(phone="", email=" an@example.vn")),
    (dict(phone="0912345678", email="a@example.vn"), dict(phone="0988000111", email="A@example.vn")),
])
def test_the_same_person_twice_is_refused_with_a_clear_message(ev, first, second):
    register(ev.event, person(**first))
    with pytest.raises(ValidationError) as error:
        register(ev.event, person(name="Nguyễn Văn An (lần 2)", **second))
    assert "đã được đăng ký" in error.value.messages[0]
    assert Registration.objects.count() == 1


def test_after_a_cancellation_the_same_person_may_register_again(ev):
    r = register(ev.event)
    services.cancel_registration(actor=SYSTEM, registration_id=r.pk)
    assert register(ev.event).status == Registration.Status.CONFIRMED


def test_full_event_puts_people_on_the_waiting_list_and_a_cancellation_promotes_the_first(
        ev, mailoutbox, django_capture_on_commit_callbacks):
    a, b = register(ev.event, person("A", "0900000001")), register(ev.event, person("B", "0900000002"))
    c = register(ev.event, person("C", "0900000003", email="c@example.vn"))
    d = register(ev.event, person("D", "0900000004"))
    assert [x.status for x in (a, b, c, d)] == ["confirmed", "confirmed", "waitlisted", "waitlisted"]
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_registration(actor=SYSTEM, registration_id=a.pk)
    c.refresh_from_db(), d.refresh_from_db()
    assert (c.status, d.status) == ("confirmed", "waitlisted") and c.promoted_at
    assert [m.to for m in mailoutbox] == [["c@example.vn"]]


def test_registration_outside_the_window_is_refused(ev):
    event = make_event(ev.home, title="Hội thảo", registration_closes_at=NOW - datetime.timedelta(days=1))
    with pytest.raises(ValidationError, match="hết hạn đăng ký"):
        register(event)
    draft = make_event(ev.home, title="Nháp", publish=False)
    with pytest.raises(ValidationError, match="không nhận đăng ký"):
        register(draft)


def test_manager_registers_several_members_and_each_outcome_is_reported(ev):
    manager = ev.users["coop_manager"]
    results = services.register_members(
        actor=manager, event_id=ev.event.pk, organization=ev.coop, consent=True, now=NOW,
        registrants=[person("A", "0900000001"), person("B", "0900000002"), person("A lại", "0900000001"),
                     person("C", "0900000003")])
    assert [(r.registration.status if r.registration else r.error[:20]) for r in results] == [
        "confirmed", "confirmed", "Số điện thoại hoặc t", "waitlisted"]
    assert {r.registration.organization for r in results if r.registration} == {ev.coop}
    with pytest.raises(PermissionDenied):
        services.register_members(actor=ev.users["buyer"], event_id=ev.event.pk, organization=ev.coop,
                                  registrants=[person("X", "0900000009")], consent=True, now=NOW)


def test_check_in_by_ticket_once_and_refusals_name_the_reason(ev):
    r = register(ev.event)
    officer = ev.users["officer"]
    token = tickets.ticket_token(r)
    first = services.check_in(actor=officer, event_id=ev.event.pk, token=token)
    assert first.ok and first.attendance.registration == r
    again = services.check_in(actor=officer, event_id=ev.event.pk, token=token)
    assert again.result == Scan.Result.DUPLICATE and "đã điểm danh" in again.message
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    assert "giả mạo" in services.check_in(actor=officer, event_id=ev.event.pk, token=forged).message
    assert "giả mạo" in services.check_in(actor=officer, event_id=ev.event.pk, token=f"{r.pk}.{r.ticket_nonce}").message
    other = make_event(ev.home, title="Hội chợ nông sản")
    other_ticket = tickets.ticket_token(register(other))
    refused = services.check_in(actor=officer, event_id=ev.event.pk, token=other_ticket)
    assert refused.result == Scan.Result.REFUSED and "Hội chợ nông sản" in refused.message
    services.reissue_ticket(actor=officer, registration_id=r.pk)
    assert "không còn giá trị" in services.check_in(actor=officer, event_id=ev.event.pk, token=token).message
    assert Attendance.objects.count() == 1
    with pytest.raises(PermissionDenied):
        services.check_in(actor=ev.users["other_officer"], event_id=ev.event.pk, token=token)


def test_ticket_page_url_in_the_qr_is_accepted_by_the_scanner(ev):
    r = register(ev.event)
    assert tickets.parse_ticket(f"https://htx.example.vn/events/t/{tickets.ticket_token(r)}/") == (r.pk, r.ticket_nonce)


def test_waitlisted_person_cannot_be_checked_in(ev):
    register(ev.event, person("A", "0900000001")), register(ev.event, person("B", "0900000002"))
    c = register(ev.event, person("C", "0900000003"))
    out = services.check_in(actor=SYSTEM, event_id=ev.event.pk, token=tickets.ticket_token(c))
    assert out.result == Scan.Result.REFUSED and "Danh sách chờ" in out.message


def test_two_devices_offline_give_one_attendance_and_a_conflict_and_a_retried_sync_changes_nothing(ev):
    r = register(ev.event)
    token = tickets.ticket_token(r)
    session = ev.event.sessions.first()
    at = NOW + datetime.timedelta(days=9)
    one = services.check_in(actor=SYSTEM, event_id=ev.event.pk, session_id=session.pk, token=token, client_id="dev1-1",
                            device="dev1", scanned_at=at, offline=True)
    two = services.check_in(actor=SYSTEM, event_id=ev.event.pk, session_id=session.pk, token=token, client_id="dev2-1",
                            device="dev2", scanned_at=at + datetime.timedelta(minutes=2), offline=True)
    retry = services.check_in(actor=SYSTEM, event_id=ev.event.pk, session_id=session.pk, token=token, client_id="dev2-1",
                              device="dev2", scanned_at=at, offline=True)
    assert (one.result, two.result, two.conflict, retry.result, retry.conflict) == (
        "recorded", "duplicate", True, "duplicate", True)
    assert Attendance.objects.count() == 1 and Scan.objects.count() == 2
    second_day = ev.event.sessions.last()
    assert services.check_in(actor=SYSTEM, event_id=ev.event.pk, session_id=second_day.pk, token=token).ok


def test_cancelling_an_event_mails_every_registrant_after_commit(ev, mailoutbox, django_capture_on_commit_callbacks):
    register(ev.event, person("A", "0900000001", email="a@example.vn"))
    register(ev.event, person("B", "0900000002", email="b@example.vn"))
    register(ev.event, person("C", "0900000003", email="c@example.vn"))  # waiting list: told too
    mailoutbox.clear()
    with pytest.raises(ValidationError):
        services.cancel_event(actor=SYSTEM, event_id=ev.event.pk, reason=" ")
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_event(actor=ev.users["officer"], event_id=ev.event.pk, reason="Bão số 5")
    assert sorted(m.to[0] for m in mailoutbox) == ["a@example.vn", "b@example.vn", "c@example.vn"]
    assert all("Bão số 5" in m.body for m in mailoutbox)
    assert Event.objects.get(pk=ev.event.pk).status == "cancelled"
    with pytest.raises(PermissionDenied):
        services.publish_event(actor=ev.users["other_officer"], event_id=ev.event.pk)


def test_a_mail_server_failing_after_the_commit_never_fails_the_registration_or_the_cancellation(
        ev, mailoutbox, django_capture_on_commit_callbacks, caplog):
    """The change is saved before the mail is sent: the mails are tasks of the mail queue, queued
    with the change (decision 0027); a failing send fails the task (RQ retries it), never the
    registration (an error page would make the person register again)."""
    with mock.patch("django.core.mail.backends.locmem.EmailBackend.send_messages",
                    side_effect=smtplib.SMTPServerDisconnected("Connection unexpectedly closed")):
        with django_capture_on_commit_callbacks(execute=True):
            r = register(ev.event, person(email="an@example.vn"))
        with django_capture_on_commit_callbacks(execute=True):
            services.cancel_event(actor=ev.users["officer"], event_id=ev.event.pk, reason="Bão số 5")
    assert Registration.objects.get(pk=r.pk).status == Registration.Status.CONFIRMED
    assert Event.objects.get(pk=ev.event.pk).status == "cancelled"
    assert mailoutbox == []
    assert "task htxconnect.events.tasks.send_ticket failed" in caplog.text
    assert "task htxconnect.events.tasks.send_cancellation failed" in caplog.text


def test_erasing_a_registrant_keeps_the_count_and_voids_the_ticket(ev):
    r = register(ev.event, person(email="an@example.vn"))
    token = tickets.ticket_token(r)
    assert services.check_in(actor=SYSTEM, event_id=ev.event.pk, token=token).ok
    with pytest.raises(PermissionDenied):
        services.erase_registration(actor=ev.users["other_officer"], registration_id=r.pk)
    name = r.full_name
    services.erase_registration(actor=ev.users["officer"], registration_id=r.pk)
    assert not AuditEntry.objects.filter(object_repr__contains=name).exists()  # the log forgets them too
    r.refresh_from_db()
    assert (r.phone, r.email, r.phone_key, r.email_key) == ("", "", "", "") and "đã xóa" in r.full_name
    assert r.consent_withdrawn_at and r.attendances.count() == 1
    second = ev.event.sessions.last()
    refused = services.check_in(actor=SYSTEM, event_id=ev.event.pk, session_id=second.pk, token=token)
    assert refused.result == Scan.Result.REFUSED


def test_audit_entries_of_registrations_hold_no_personal_data(ev):
    from htxconnect.core.models import AuditEntry

    r = register(ev.event, person("Nguyễn Thị Riêng Tư", "0987 654 321", email="rieng@example.vn"))
    services.check_in(actor=ev.users["officer"], event_id=ev.event.pk, token=tickets.ticket_token(r))
    services.cancel_registration(actor=ev.users["officer"], registration_id=r.pk)
    entries = AuditEntry.objects.filter(action__startswith="events.")
    assert {e.action for e in entries} >= {"events.registration.created", "events.attendance.checked_in",
                                           "events.registration.cancelled"}
    text = " ".join(f"{e.object_repr} {e.changes}" for e in entries)
    assert "Riêng Tư" not in text and "654" not in text and "rieng@" not in text


def test_the_mails_are_tasks_of_the_mail_queue_queued_with_the_change(ev, database_task_queue, mailoutbox,
                                                                       django_capture_on_commit_callbacks):
    """With the database queue the ticket and cancellation mails are task rows written in the
    registration's and the cancellation's own transactions (decision 0027): nothing is sent in the
    request, and a worker of the mail queue sends them."""
    from django_tasks_db.models import DBTaskResult

    with django_capture_on_commit_callbacks(execute=False):
        r = register(ev.event, person(email="an@example.vn"))
        services.cancel_event(actor=ev.users["officer"], event_id=ev.event.pk, reason="Bão số 5")
    assert database_task_queue() == [("htxconnect.events.tasks.send_ticket", [r.pk]),
                                      ("htxconnect.events.tasks.send_cancellation", [ev.event.pk, ["an@example.vn"]])]
    assert set(DBTaskResult.objects.values_list("queue_name", flat=True)) == {"mail"}
    assert mailoutbox == []
