"""Scheduled (cron-like) subscriptions: the binding's `schedule` object with the semantics of
EPCIS 1.2 §8.2.5.3; the periodic job delivers each due run once. Times are moved with
time-machine (no sleeping). Expected times are worked out by hand from the standard's examples."""

import datetime
import io
import json
import zoneinfo

import pytest
import time_machine
from django.core.management import call_command

from htxconnect.trace.epcis import schedule as qs
from htxconnect.trace.models import EPCISSubscription

from .conftest import make_document, object_event
from .test_epcis_subscriptions import create_query, hook  # noqa: F401

pytestmark = pytest.mark.django_db
VN = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")


def at(*args):
    return datetime.datetime(*args, tzinfo=VN)


# --- The schedule itself ------------------------------------------------------------------------------------


@pytest.mark.parametrize("schedule, after, expected", [
    # The binding's example: 1.05am (second omitted: any second of that minute, the first is :00).
    ({"hour": "1", "minute": "5"}, at(2026, 3, 2, 10, 0), at(2026, 3, 3, 1, 5, 0)),
    # EPCIS 1.2 example 1: every hour on the hour.
    ({"second": "0", "minute": "0"}, at(2026, 3, 2, 10, 0, 1), at(2026, 3, 2, 11, 0, 0)),
    # Example 2: 2:30 am daily.
    ({"second": "0", "minute": "30", "hour": "2"}, at(2026, 3, 2, 2, 30, 1), at(2026, 3, 3, 2, 30, 0)),
    # Example 3: on the hour, weekdays only (2026-03-06 is a Friday; next is Monday 00:00).
    ({"second": "0", "minute": "0", "dayOfWeek": "[1-5]"}, at(2026, 3, 6, 23, 30), at(2026, 3, 9, 0, 0, 0)),
    # Example 4: hour 2 only: every second from 02:00:00 to 02:59:59.
    ({"hour": "2"}, at(2026, 3, 2, 1, 59, 30), at(2026, 3, 2, 2, 0, 0)),
    ({"hour": "2"}, at(2026, 3, 2, 2, 17, 42), at(2026, 3, 2, 2, 17, 42)),
    # Lists and ranges; month and day of month.
    ({"second": "0", "minute": "0,[30-31]", "hour": "8"}, at(2026, 3, 2, 8, 1), at(2026, 3, 2, 8, 30, 0)),
    ({"second": "0", "minute": "0", "hour": "0", "dayOfMonth": "29", "month": "2"}, at(2026, 3, 1),
     at(2028, 2, 29, 0, 0, 0)),
])
def test_next_time_follows_the_standard(schedule, after, expected):
    assert qs.next_time(schedule, after) == expected


def test_a_run_moves_on_to_the_next_whole_minute():
    # Example 4 is checked once a minute, not sixty times in the same minute.
    assert qs.next_run({"hour": "2"}, at(2026, 3, 2, 2, 0, 10)) == at(2026, 3, 2, 2, 1, 0)
    assert qs.next_run({"hour": "2"}, at(2026, 3, 2, 2, 59, 5)) == at(2026, 3, 3, 2, 0, 0)
    assert qs.next_run({"hour": "1", "minute": "5"}, at(2026, 3, 3, 1, 5, 3)) == at(2026, 3, 4, 1, 5, 0)


@pytest.mark.parametrize("schedule, words", [
    ({"minute": "60"}, "0–59"), ({"hour": "[5-1]"}, "lớn hơn"), ({"dayOfWeek": "0"}, "1–7"),
    ({"minute": "five"}, "five"), ({"minute": 5}, "chuỗi"), ({"hours": "1"}, "hours"), ({}, "ít nhất"),
    ({"dayOfMonth": "", "hour": "1"}, "chuỗi"),
])
def test_bad_schedules_are_refused_naming_the_field(schedule, words):
    with pytest.raises(qs.ScheduleError) as error:
        qs.parse(schedule)
    assert words in str(error.value)


def test_a_schedule_that_never_comes_has_no_next_time():
    assert qs.next_time({"dayOfMonth": "30", "month": "2"}, at(2026, 1, 1)) is None


# --- Through the API and the periodic job ------------------------------------------------------------------------


def subscribe_scheduled(api, dest, schedule, **fields):
    body = {"dest": dest, "schedule": schedule, **fields}
    return api.client.post("/epcis/queries/shipping/subscriptions", data=json.dumps(body),
                           content_type="application/json", headers=api.headers())


def tick():
    out = io.StringIO()
    call_command("run_periodic", "--once", "--period", "minute", stdout=out)
    return out.getvalue()


def delivered_ids(hook):
    return [[e["eventID"] for e in json.loads(body)["epcisBody"]["queryResults"]["resultsBody"]["eventList"]]
            for _headers, body in hook.requests]


def test_scheduled_subscription_delivers_new_events_at_its_time(api, hook):
    from htxconnect.trace.epcis.capture import receive_document

    with time_machine.travel(at(2026, 3, 2, 10, 0), tick=True):
        create_query(api)
        response = subscribe_scheduled(api, hook.url, {"hour": "1", "minute": "5"}, signatureToken="t0k3n")
        assert response.status_code == 201, response.content
        body = response.json()
        assert "stream" not in body and body["schedule"] == {"hour": "1", "minute": "5"}
        subscription = EPCISSubscription.objects.get()
        assert subscription.stream is False and subscription.next_run_at == at(2026, 3, 3, 1, 5)
        receive_document(make_document([object_event(1)]), user=api.user, synchronous=True)
        receive_document(make_document([object_event(2, bizStep="receiving")]), user=api.user, synchronous=True)
    with time_machine.travel(at(2026, 3, 3, 1, 4, 0), tick=True):
        tick()
        assert hook.requests == []  # not due yet
    with time_machine.travel(at(2026, 3, 3, 1, 5, 20), tick=True):
        assert "scheduled_subscriptions: 1" in tick()
        assert delivered_ids(hook) == [[object_event(1)["eventID"]]]  # only what the query matches
        assert "GS1-Signature" in hook.requests[0][0]
        tick()  # the same minute again: claimed, not sent twice
        assert len(hook.requests) == 1
        receive_document(make_document([object_event(3)]), user=api.user, synchronous=True)
    with time_machine.travel(at(2026, 3, 4, 1, 5, 5), tick=True):
        tick()
        assert delivered_ids(hook)[1:] == [[object_event(3)["eventID"]]]  # only events since the last run
    with time_machine.travel(at(2026, 3, 5, 1, 5, 5), tick=True):
        tick()
        assert len(hook.requests) == 2  # nothing new and reportIfEmpty false: no call
    subscription.refresh_from_db()
    assert subscription.next_run_at == at(2026, 3, 6, 1, 5) and subscription.last_notified_at is not None


def test_report_if_empty_sends_an_empty_document(api, hook):
    with time_machine.travel(at(2026, 3, 2, 10, 0, 30), tick=True):
        create_query(api)
        assert subscribe_scheduled(api, hook.url, {"second": "0"}, reportIfEmpty=True).status_code == 201
    with time_machine.travel(at(2026, 3, 2, 10, 1, 2), tick=True):
        tick()
    assert delivered_ids(hook) == [[]]


def test_a_deactivated_accounts_scheduled_subscription_stops(api, hook):
    with time_machine.travel(at(2026, 3, 2, 10, 0, 30), tick=True):
        create_query(api)
        assert subscribe_scheduled(api, hook.url, {"second": "0"}, reportIfEmpty=True).status_code == 201
        api.user.is_active = False
        api.user.save(update_fields=["is_active"])
    with time_machine.travel(at(2026, 3, 2, 10, 1, 2), tick=True):
        tick()
    assert hook.requests == []


def test_a_second_runner_does_nothing(api, hook):
    from htxconnect.trace.epcis.subscriptions import claim_due

    with time_machine.travel(at(2026, 3, 2, 10, 0, 30), tick=True):
        create_query(api)
        subscribe_scheduled(api, hook.url, {"second": "0"}, reportIfEmpty=True)
    seen = EPCISSubscription.objects.get()  # what both runners read
    now = at(2026, 3, 2, 10, 1, 2)
    assert claim_due(seen, now) is True
    assert claim_due(seen, now) is False


@pytest.mark.parametrize("body, words", [
    ({"schedule": {"hour": "1"}, "stream": True}, "không cả hai"),
    ({"schedule": {"minute": "61"}}, "0–59"),
    ({"schedule": {"dayOfMonth": "31", "month": "2"}}, "không có thời điểm"),
    ({"schedule": "daily"}, "đối tượng"),
])
def test_invalid_schedules_are_refused(api, body, words):
    create_query(api)
    response = api.client.post("/epcis/queries/shipping/subscriptions",
                               data=json.dumps({"dest": "https://client.example.com/hook", **body}),
                               content_type="application/json", headers=api.headers())
    assert response.status_code == 400 and words in response.json()["detail"]
    assert not EPCISSubscription.objects.exists()
