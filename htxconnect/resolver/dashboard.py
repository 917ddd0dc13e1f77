"""The resolver's card on the home page (registered from ResolverConfig.ready()): scans of the
products in the user's scope over the last 30 days, with the suspicious ones, linking to the
statistics page. Officers and leaders see their agency's province, administrators everything,
a cooperative manager or member their own organisations (registry scope). One query; the
suspicious flags of the newest scans are set by the every-minute job (run_periodic)."""

from __future__ import annotations

import datetime

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from htxconnect.core.queries import HomeCard
from htxconnect.core.roles import COOPERATIVE_ROLES, STAFF_ROLES

from . import queries

CARD_DAYS = 30


def resolver_home_cards(user) -> list[HomeCard]:
    if user is None or not user.is_authenticated or user.role not in (STAFF_ROLES | COOPERATIVE_ROLES):
        return []
    since = timezone.localdate() - datetime.timedelta(days=CARD_DAYS - 1)
    figures = queries.scope_scans(user).filter(day__gte=since).aggregate(
        n=Count("id"), odd=Count("id", filter=~Q(flags=[])))
    if user.role in COOPERATIVE_ROLES and not figures["n"] and not queries.scope_lots(user).exists():
        return []  # a member of no organisation with products: nothing to show
    note = _("%(days)s ngày qua, sản phẩm trong phạm vi của bạn") % {"days": CARD_DAYS}
    if figures["odd"]:
        note += " · " + _("%(n)s lượt đáng ngờ") % {"n": figures["odd"]}
    return [HomeCard(_("Lượt quét mã truy xuất"), figures["n"], "bi-qr-code-scan", reverse("resolver:stats"), note)]
