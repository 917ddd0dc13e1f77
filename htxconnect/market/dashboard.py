"""The market's card on the home page (one COUNT query)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from htxconnect.core.queries import HomeCard

from . import queries
from .models import Connection


def market_home_cards(user) -> list[HomeCard]:
    if user is None or not user.is_authenticated:
        return []
    open_stages = Connection.Stage.values[:-2]
    url = reverse("market:connection_list")
    if queries.is_market_staff(user) or queries.coop_ids(user) or queries.buyer_ids(user):
        count = queries.scope_connections(user).filter(stage__in=open_stages).count()
        return [HomeCard(_("Kết nối thị trường đang theo dõi"), count, "bi-shop", url, _("chưa kết thúc"))]
    return []
