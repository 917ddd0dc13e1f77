"""The roles a user can hold (kept apart from permissions so models can import them)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Quản trị hệ thống")
    LEADER = "leader", _("Lãnh đạo cơ quan")
    OFFICER = "officer", _("Cán bộ cơ quan")
    COOP_MANAGER = "coop_manager", _("Cán bộ quản lý HTX")
    COOP_MEMBER = "coop_member", _("Thành viên HTX")
    BUYER = "buyer", _("Doanh nghiệp / người mua")


# Staff act for an agency (or the whole system) and must pass two-factor authentication.
STAFF_ROLES = frozenset({Role.ADMIN, Role.LEADER, Role.OFFICER})
AGENCY_ROLES = frozenset({Role.LEADER, Role.OFFICER})
COOPERATIVE_ROLES = frozenset({Role.COOP_MANAGER, Role.COOP_MEMBER})
