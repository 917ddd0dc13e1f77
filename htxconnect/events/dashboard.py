"""The events' card on the home page: upcoming events (one COUNT query)."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from htxconnect.core.queries import HomeCard
from htxconnect.core.roles import Role

from . import queries
from .models import Event


def events_home_cards(user) -> list[HomeCard]:
    if user is None or not user.is_authenticated:
        return []
    upcoming = queries.scope_events(user).filter(status=Event.Status.PUBLISHED, ends_on__gte=timezone.localdate())
    url = reverse("events:event_list")
    if queries.is_event_staff(user):
        agency = queries.agency_of(user)
        if agency is not None:
            upcoming = upcoming.filter(agency_id=agency)
        return [HomeCard(_("Sự kiện sắp diễn ra"), upcoming.count(), "bi-calendar-event", url,
                         _("đã công bố, chưa kết thúc"))]
    if user.role == Role.COOP_MANAGER and queries.managed_ids(user, managers_only=True):
        return [HomeCard(_("Sự kiện đang nhận đăng ký"), upcoming.count(), "bi-calendar-event", url,
                         _("đăng ký cho thành viên HTX"))]
    return []
