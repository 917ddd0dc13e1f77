"""{% load vn %}: money, counts, amounts in words, dates and ward names in templates."""

import datetime
import zoneinfo

import pytest
from django.template import Context, Template

from htxconnect.core.numbers import format_date, format_datetime, long_date


def render(source, **context):
    return Template("{% load vn %}" + source).render(Context(context))


@pytest.mark.parametrize("source, context, expected", [
    ("{{ x|vnd }}", {"x": 2_500_000}, "2.500.000 đ"),
    ("{{ x|vnd }}", {"x": -2_500_000}, "-2.500.000 đ"),
    ("{{ x|vnd }}", {"x": None}, ""),
    ("{{ x|vnd }}", {"x": "abc"}, ""),
    ("{{ x|vn_number }}", {"x": 1_234_567}, "1.234.567"),
    ("{{ x|two_digits }} HTX", {"x": 5}, "05 HTX"),
    ("{{ x|two_digits }} HTX", {"x": 12}, "12 HTX"),
    ("{{ x|vnd_words }}", {"x": 6_900_000_000}, "6 tỷ 900 triệu đồng"),
    ('{{ x|vnd_words:"pad" }}', {"x": 6_900_000_000}, "06 tỷ 900 triệu đồng"),
    ('{{ x|vnd_words:"spell" }}', {"x": 6_900_000_000}, "Sáu tỷ chín trăm triệu đồng"),
    ("{{ x|vn_date }}", {"x": datetime.date(2026, 3, 5)}, "05/03/2026"),
    ('{{ x|vn_date:"long" }}', {"x": datetime.date(2026, 3, 5)}, "ngày 05 tháng 3 năm 2026"),
    ('{{ x|vn_date:"long" }}', {"x": datetime.date(2020, 11, 13)}, "ngày 13 tháng 11 năm 2020"),
    ('{{ x|vn_date:"long" }}', {"x": datetime.date(2026, 1, 9)}, "ngày 09 tháng 01 năm 2026"),
    ("{{ x|vn_date }}", {"x": None}, ""),
    ("{{ x|vn_date }}", {"x": "not a date"}, ""),
    ("{{ x|ward_name }}", {"x": "25864"}, "Xã Phước Thành, Thành phố Hồ Chí Minh"),
    ("{{ x|ward_name }}", {"x": "bogus"}, ""),
])
def test_filters(source, context, expected):
    assert render(source, **context) == expected


def test_datetime_in_local_time_zone(settings):
    settings.TIME_ZONE = "Asia/Ho_Chi_Minh"
    moment = datetime.datetime(2026, 3, 4, 20, 30, tzinfo=datetime.UTC)  # 03:30 on the 5th in Vietnam
    assert render("{{ x|vn_date }}", x=moment) == "05/03/2026"
    assert render('{{ x|vn_date:"time" }}', x=moment) == "05/03/2026 03:30"
    assert format_datetime(moment.astimezone(zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh"))) == "05/03/2026 03:30"


def test_long_date_with_place():
    assert long_date(datetime.date(2020, 11, 13), place="An Giang") == "An Giang, ngày 13 tháng 11 năm 2020"
    assert long_date(datetime.date(2026, 2, 28)) == "ngày 28 tháng 02 năm 2026"
    assert format_date(datetime.date(2026, 12, 31)) == "31/12/2026"


def test_output_is_escaped():
    assert render("{{ x|vnd }}", x="<b>") == ""
