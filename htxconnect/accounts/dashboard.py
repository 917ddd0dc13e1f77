"""The accounts app's cards on the home page (registered from AccountsConfig.ready()): the people
and agencies an administrator manages, and a leader's or officer's colleagues."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from htxconnect.core.queries import HomeCard
from htxconnect.core.roles import Role

from .models import Agency, User


def accounts_home_cards(user) -> list[HomeCard]:
    if user is None or not user.is_authenticated:
        return []
    if user.role == Role.ADMIN:
        return [
            HomeCard(_("Người dùng đang hoạt động"), User.objects.filter(is_active=True).count(),
                     "bi-people", reverse("accounts:user_list"), _("trên toàn hệ thống")),
            HomeCard(_("Cơ quan"), Agency.objects.count(), "bi-building", "",
                     _("Sở KH&CN, Liên minh HTX và các cơ quan khác")),
        ]
    if user.role in (Role.LEADER, Role.OFFICER) and user.agency_id:
        colleagues = User.objects.filter(is_active=True, agency_id=user.agency_id).count()
        url = reverse("accounts:user_list") if user.role == Role.LEADER else ""
        return [HomeCard(_("Người dùng của cơ quan"), colleagues, "bi-people", url, _("đang hoạt động"))]
    return []
