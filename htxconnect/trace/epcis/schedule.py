"""The query schedule of a scheduled EPCIS subscription (EPCIS 2.0 REST binding, `schedule`
object; semantics of EPCIS 1.2 §8.2.5.3 QuerySchedule).

Each field (second, minute, hour, dayOfMonth, month, dayOfWeek) is a string of comma-separated
elements, each a number or a range `[low-high]`, e.g. "0", "1,15", "[1-5]", "0,[30-35]". A time
matches when every field that is given matches; an omitted field matches any value (so
{"hour": "2"} means every second from 02:00:00 to 02:59:59, as the standard's example says).
dayOfWeek is 1 = Monday … 7 = Sunday. Times are taken in the service's time zone (TIME_ZONE,
Asia/Ho_Chi_Minh).

The worker looks at due subscriptions once a minute, so a schedule runs at most once per minute:
after a run, the next run is the first matching time from the next whole minute on. This is the
"general intent" latitude the standard gives an implementation.
"""

from __future__ import annotations

import datetime
import re

from django.utils import timezone

FIELDS = {  # name → (lowest, highest)
    "second": (0, 59), "minute": (0, 59), "hour": (0, 23),
    "dayOfMonth": (1, 31), "month": (1, 12), "dayOfWeek": (1, 7),
}
_ELEMENT = re.compile(r"^(?:(\d+)|\[(\d+)-(\d+)\])$")
SEARCH_DAYS = 366 * 8  # a schedule with no time in 8 years (e.g. 30 February) never runs


class ScheduleError(ValueError):
    """A schedule the standard's grammar or ranges refuse (message names the field)."""


def parse_field(name: str, text) -> frozenset[int]:
    low, high = FIELDS[name]
    if not isinstance(text, str) or not text.strip():
        raise ScheduleError(f"“schedule.{name}” phải là chuỗi như \"1\", \"1,15\" hoặc \"[1-5]\".")
    values: set[int] = set()
    for element in text.replace(" ", "").split(","):
        match = _ELEMENT.match(element)
        if not match:
            raise ScheduleError(f"“schedule.{name}”: “{element}” không phải số hay khoảng [a-b].")
        if match.group(1) is not None:
            first = last = int(match.group(1))
        else:
            first, last = int(match.group(2)), int(match.group(3))
            if first > last:
                raise ScheduleError(f"“schedule.{name}”: khoảng [{first}-{last}] có số đầu lớn hơn số cuối.")
        if first < low or last > high:
            raise ScheduleError(f"“schedule.{name}” phải trong khoảng {low}–{high} (giá trị {element}).")
        values.update(range(first, last + 1))
    return frozenset(values)


def parse(schedule) -> dict[str, frozenset[int]]:
    """The schedule's fields as sets of allowed values (omitted fields: every value)."""
    if not isinstance(schedule, dict) or not schedule:
        raise ScheduleError("“schedule” phải là đối tượng có ít nhất một trường "
                            "(second, minute, hour, dayOfMonth, month, dayOfWeek).")
    unknown = sorted(set(schedule) - set(FIELDS))
    if unknown:
        raise ScheduleError(f"“schedule” có trường không biết: {', '.join(unknown)}.")
    return {name: (parse_field(name, schedule[name]) if name in schedule else frozenset(range(low, high + 1)))
            for name, (low, high) in FIELDS.items()}


def matches(schedule: dict, when: datetime.datetime) -> bool:
    fields = parse(schedule)
    local = timezone.localtime(when)
    return (local.second in fields["second"] and local.minute in fields["minute"] and local.hour in fields["hour"]
            and local.day in fields["dayOfMonth"] and local.month in fields["month"]
            and local.isoweekday() in fields["dayOfWeek"])


def next_time(schedule: dict, after: datetime.datetime) -> datetime.datetime | None:
    """The first matching time at or after `after` (to the second), or None within 8 years."""
    fields = parse(schedule)
    local = timezone.localtime(after)
    if local.microsecond:
        local = local.replace(microsecond=0) + datetime.timedelta(seconds=1)
    tz = local.tzinfo
    day = local.date()
    start = (local.hour, local.minute, local.second)
    times = sorted((h, m, s) for h in fields["hour"] for m in fields["minute"] for s in fields["second"])
    for offset in range(SEARCH_DAYS):
        candidate = day + datetime.timedelta(days=offset)
        if (candidate.day not in fields["dayOfMonth"] or candidate.month not in fields["month"]
                or candidate.isoweekday() not in fields["dayOfWeek"]):
            continue
        for hms in times:
            if offset == 0 and hms < start:
                continue
            return datetime.datetime(candidate.year, candidate.month, candidate.day, *hms, tzinfo=tz)
    return None


def next_run(schedule: dict, now: datetime.datetime) -> datetime.datetime | None:
    """When to run next after a run at `now`: the first matching time from the next whole minute."""
    following_minute = timezone.localtime(now).replace(second=0, microsecond=0) + datetime.timedelta(minutes=1)
    return next_time(schedule, following_minute)
