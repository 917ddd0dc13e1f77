"""Numbers and dates the way Vietnamese screens and official documents write them:
"2.500.000", "05 HTX", "05/03/2026", "ngày 05 tháng 3 năm 2026"."""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils import timezone


def to_int(value) -> int | None:
    """An integer from int, Decimal, float or a numeric string (rounded half up); None if not a number."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        number = Decimal(str(value).strip().replace(" ", ""))
    except (InvalidOperation, ValueError):
        return None
    if not number.is_finite():
        return None
    return int(number.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def format_number(value, separator: str = ".") -> str:
    """Whole number with thousands grouped by dots: 2500000 → "2.500.000", -1500 → "-1.500"; "" if not a number."""
    number = to_int(value)
    if number is None:
        return ""
    return f"{number:,}".replace(",", separator)


def two_digits(value) -> str:
    """Counts in reports padded to two digits: 5 → "05", 12 → "12", 150 → "150", -3 → "-03"."""
    number = to_int(value)
    if number is None:
        return ""
    sign = "-" if number < 0 else ""
    return f"{sign}{abs(number):02d}"


def _as_date(value) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.date()
    if isinstance(value, datetime.date):
        return value
    return None


def format_date(value) -> str:
    """dd/mm/yyyy (datetimes in the local time zone, Asia/Ho_Chi_Minh); "" for None."""
    day = _as_date(value)
    return day.strftime("%d/%m/%Y") if day else ""


def format_datetime(value) -> str:
    """dd/mm/yyyy HH:MM in the local time zone."""
    if not isinstance(value, datetime.datetime):
        return format_date(value)
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.strftime("%d/%m/%Y %H:%M")


def long_date(value, place: str = "") -> str:
    """The date line of an official document (Decree 30/2020/NĐ-CP): a day below 10 and a month
    below 3 get a leading zero — "ngày 05 tháng 01 năm 2026", "ngày 13 tháng 11 năm 2020";
    with a place: "An Giang, ngày 13 tháng 11 năm 2020"."""
    day = _as_date(value)
    if day is None:
        return ""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    text = f"ngày {day.day:02d} tháng {month} năm {day.year}"
    return f"{place}, {text}" if place else text
