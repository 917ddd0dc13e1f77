"""The iCalendar (RFC 5545) form of events, through the `icalendar` package."""

from __future__ import annotations

import datetime

from django.urls import reverse
from icalendar import Calendar
from icalendar import Event as VEvent

from .models import Event


def calendar(events, request) -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//HTX Connect//Su kien//VI")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "HTX Connect – Sự kiện")
    cal.add("x-wr-timezone", "Asia/Ho_Chi_Minh")
    host = request.get_host().split(":")[0]
    for event in events:
        item = VEvent()
        item.add("uid", f"event-{event.pk}@{host}")
        item.add("summary", event.title)
        # All-day events: DTEND is exclusive (the day after the last day).
        item.add("dtstart", event.starts_on)
        item.add("dtend", event.ends_on + datetime.timedelta(days=1))
        item.add("dtstamp", event.updated_at)
        item.add("location", event.place)
        item.add("url", request.build_absolute_uri(reverse("events:event_detail", args=[event.pk])))
        item.add("description", (event.description or "")[:2000])
        item.add("status", "CANCELLED" if event.status == Event.Status.CANCELLED else "CONFIRMED")
        cal.add_component(item)
    return cal.to_ical()
