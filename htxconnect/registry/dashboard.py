"""The registry's cards on the home page (registered from RegistryConfig.ready()).

Officers, leaders and administrators see the organisations in their scope and what needs attention
there; a cooperative manager sees their own organisation's certificates and OCOP ratings that need
renewing. Each card is one COUNT query (plus, for a manager, the cached list of their organisations).
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from htxconnect.core.queries import HomeCard
from htxconnect.core.roles import STAFF_ROLES, Role

from . import queries
from .models import EXPIRY_WARNING_DAYS

OCOP_REMINDER_MONTHS = queries.OCOP_REMINDER_MONTHS


def registry_home_cards(user) -> list[HomeCard]:
    if user is None or not user.is_authenticated:
        return []
    expiring_url = reverse("registry:expiring")
    if user.role in STAFF_ROLES:
        note = _("trên toàn hệ thống") if queries.sees_everything(user) else _("trong tỉnh/thành phố của cơ quan")
        return [
            HomeCard(_("HTX và tổ chức trong phạm vi quản lý"), queries.scope_organizations(user).count(),
                     "bi-journal-text", reverse("registry:organization_list"), note),
            _expiring_card(user, expiring_url),
            _ocop_card(user, expiring_url),
        ]
    if user.role == Role.COOP_MANAGER and queries.managed_organization_ids(user):
        return [_expiring_card(user, expiring_url), _ocop_card(user, expiring_url)]
    return []


def _expiring_card(user, url) -> HomeCard:
    return HomeCard(_("Chứng nhận sắp hết hạn"), queries.expiring_certifications(user).count(),
                    "bi-patch-exclamation", url,
                    _("trong %(days)s ngày tới") % {"days": EXPIRY_WARNING_DAYS})


def _ocop_card(user, url) -> HomeCard:
    return HomeCard(_("Sản phẩm OCOP cần đánh giá lại"), queries.ocop_due_for_rerating(user).count(), "bi-star",
                    f"{url}#ocop", _("hết hiệu lực trong %(months)s tháng tới") % {"months": OCOP_REMINDER_MONTHS})
