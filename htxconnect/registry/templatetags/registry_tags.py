"""Small display helpers of the registry templates: badges, money, GTIN as printed."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from ..models import CertificationStatus
from htxconnect.core.identifiers import display_gtin

register = template.Library()


@register.filter
def gtin(value):
    return display_gtin(value)


@register.filter
def dong(value):
    """2500000 → "2.500.000 đ"."""
    if value in (None, ""):
        return "—"
    return f"{int(value):,} đ".replace(",", ".")


@register.simple_tag
def verification_badge(obj):
    if getattr(obj, "verified_at", None):
        who = obj.verified_by.get_full_name() if getattr(obj, "verified_by", None) else ""
        title = _("Xác minh %(when)s %(who)s theo: %(doc)s") % {
            "when": obj.verified_at.strftime("%d/%m/%Y"), "who": who, "doc": obj.verified_against}
        return format_html('<span class="badge text-bg-success" title="{}"><i class="bi bi-patch-check"></i> {}</span>',
                           title, _("Đã xác minh"))
    return format_html('<span class="badge text-bg-light border" title="{}">{}</span>',
                       _("Do tổ chức tự khai báo, chưa được cán bộ xác minh"), _("Tự khai báo"))


_STATUS_CLASS = {CertificationStatus.VALID: "text-bg-success", CertificationStatus.EXPIRING: "text-bg-warning",
                 CertificationStatus.EXPIRED: "text-bg-secondary"}


@register.simple_tag
def certification_badge(cert):
    status = cert.status
    return format_html('<span class="badge {}">{}</span>', _STATUS_CLASS[status], CertificationStatus(status).label)


@register.simple_tag
def ocop_badge(rating):
    if rating.is_expired:
        return format_html('<span class="badge text-bg-secondary">OCOP {}★ · {}</span>', rating.stars, _("hết hiệu lực"))
    return format_html('<span class="badge text-bg-warning">OCOP {}★</span>', rating.stars)


@register.filter
def months(values):
    return ", ".join(str(m) for m in values or []) or "—"
