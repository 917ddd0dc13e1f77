"""Template filters for Vietnamese numbers, money and dates: `{% load vn %}`.

    {{ amount|vnd }}               2.500.000 đ
    {{ count|two_digits }} HTX     05 HTX
    {{ amount|vnd_words }}         6 tỷ 900 triệu đồng
    {{ amount|vnd_words:"pad" }}   06 tỷ 900 triệu đồng
    {{ amount|vnd_words:"spell" }} Sáu tỷ chín trăm triệu đồng
    {{ day|vn_date }}              05/03/2026
    {{ day|vn_date:"long" }}       ngày 05 tháng 3 năm 2026
    {{ moment|vn_date:"time" }}    05/03/2026 14:30
    {{ number|vn_number }}         1.234.567
    {{ ward_code|ward_name }}      Xã Phước Thành, Thành phố Hồ Chí Minh
"""

from django import template

from htxconnect.core import adminunits, money, numbers

register = template.Library()


@register.filter
def vnd(value):
    return money.format_vnd(value)


@register.filter
def vn_number(value):
    return numbers.format_number(value)


@register.filter
def two_digits(value):
    return numbers.two_digits(value)


@register.filter
def vnd_words(value, style=""):
    """style: "" (digits and scale words), "pad" (leading number on two digits), "spell" (all words)."""
    if style == "spell":
        return money.spell_vnd(value)
    return money.amount_in_words(value, pad=(style == "pad"))


@register.filter
def vn_date(value, style=""):
    """style: "" (dd/mm/yyyy), "time" (dd/mm/yyyy HH:MM), "long" (ngày dd tháng m năm yyyy)."""
    if style == "long":
        return numbers.long_date(value)
    if style == "time":
        return numbers.format_datetime(value)
    return numbers.format_date(value)


@register.filter
def ward_name(code):
    """A current ward code → "Xã Phước Thành, Thành phố Hồ Chí Minh" ("" for an unknown code)."""
    ward = adminunits.get_ward(code)
    return ward.full_name if ward else ""
