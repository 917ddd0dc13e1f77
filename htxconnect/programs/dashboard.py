"""The programs' cards on the home page: applications waiting and overdue (staff), own applications
(cooperative managers). One COUNT query each."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from htxconnect.core.queries import HomeCard
from htxconnect.core.roles import Role

from . import queries, workflow


def programs_home_cards(user) -> list[HomeCard]:
    if user is None or not user.is_authenticated:
        return []
    url = reverse("programs:application_list")
    if queries.is_program_staff(user):
        pending = queries.scope_applications(user).filter(state__in=workflow.PENDING_STATES).count()
        return [
            HomeCard(_("Hồ sơ đề nghị hỗ trợ chờ xử lý"), pending, "bi-inbox", url, _("đã nộp hoặc đang xem xét")),
            HomeCard(_("Hồ sơ quá hạn xử lý"), queries.overdue_applications(user).count(), "bi-alarm",
                     f"{url}?overdue=1", _("quá hạn trả lời")),
        ]
    if user.role == Role.COOP_MANAGER and queries.managed_ids(user):
        return [HomeCard(_("Hồ sơ đề nghị hỗ trợ của HTX"), queries.scope_applications(user).count(),
                         "bi-inbox", url, _("theo dõi trạng thái"))]
    return []
