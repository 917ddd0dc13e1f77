"""Who may do what: the one place where roles and access rules live.

Every view is wrapped with `@requires(RULE)` (or `public` for pages open to all); the wrapper
records the rule on the view so the authorization-matrix test can check that no URL was
forgotten. Object-level rules (an officer sees only their agency's records) are the
`can_*` / `scope_*` helpers below, called by each app's queries.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from typing import Callable

from django.conf import settings
from django.core.exceptions import PermissionDenied

from .roles import AGENCY_ROLES, COOPERATIVE_ROLES, STAFF_ROLES, Role  # noqa: F401 - re-exported

security_log = logging.getLogger("htxconnect.security")


def is_staff_role(user) -> bool:
    return bool(user.is_authenticated and user.role in STAFF_ROLES)


def needs_otp(user) -> bool:
    """A staff user who has not passed two-factor authentication in this session."""
    return is_staff_role(user) and not user.is_verified()


@dataclass(frozen=True)
class Rule:
    """A named condition on the acting user. `roles=None` means any signed-in user."""

    name: str
    roles: frozenset | None = None
    login: bool = True

    def allows(self, user) -> bool:
        if not self.login:
            return True
        if not user.is_authenticated or not user.is_active:
            return False
        return self.roles is None or user.role in self.roles


PUBLIC = Rule("public", login=False)
SIGNED_IN = Rule("signed_in")
STAFF = Rule("staff", STAFF_ROLES)
AGENCY_STAFF = Rule("agency_staff", STAFF_ROLES)  # officers, leaders and admins (scoped by agency)
LEADER_OR_ADMIN = Rule("leader_or_admin", frozenset({Role.ADMIN, Role.LEADER}))
ADMIN = Rule("admin", frozenset({Role.ADMIN}))
# Those who enter data for an agency (leaders approve, they do not key in records).
OFFICER_OR_ADMIN = Rule("officer_or_admin", frozenset({Role.ADMIN, Role.OFFICER}))
COOPERATIVE = Rule("cooperative", COOPERATIVE_ROLES | STAFF_ROLES)


def requires(rule: Rule) -> Callable:
    """Decorate a view: anonymous → login page, wrong role → 403, staff without 2FA → verify."""

    def decorate(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            user = request.user
            if rule.login:
                from django.contrib.auth.views import redirect_to_login

                if not user.is_authenticated:
                    return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
                if needs_otp(user):
                    return redirect_to_login(request.get_full_path(), "accounts:otp_verify")
                require_rule(request, rule)
            return view(request, *args, **kwargs)

        wrapped.permission = rule
        return wrapped

    return decorate


public = requires(PUBLIC)


def require_rule(request, rule: Rule):
    """Return the acting user if `rule` allows them, else raise PermissionDenied (logged).

    For code that is not a page view: API endpoints (`<app>/api.py`, whose authentication has
    already set `request.user` from the API key or the session) call it first thing; the API
    answers PermissionDenied with its JSON 403, pages with the 403 page.
    """
    user = request.user
    if not rule.allows(user):
        security_log.warning(
            "permission denied: user=%s role=%s rule=%s path=%s",
            getattr(user, "pk", None), getattr(user, "role", None), rule.name, request.path,
        )
        raise PermissionDenied(rule.name)
    return user


def denied_unless(condition: bool, what: str = "") -> None:
    """Raise 403 when an object-level condition fails (for use inside views and services)."""
    if not condition:
        raise PermissionDenied(what)


# --- Agency (tenant) scope ---------------------------------------------------------------


def sees_all_agencies(user) -> bool:
    return bool(user.is_authenticated and user.role == Role.ADMIN)


def scope_to_agency(queryset, user, field: str = "agency"):
    """Limit program data to the acting user's agency; administrators see everything."""
    if sees_all_agencies(user):
        return queryset
    if user.is_authenticated and user.role in AGENCY_ROLES and user.agency_id:
        return queryset.filter(**{f"{field}_id": user.agency_id})
    return queryset.none()


def can_change_agency_record(user, agency_id) -> bool:
    if sees_all_agencies(user):
        return True
    return bool(user.is_authenticated and user.role in AGENCY_ROLES and user.agency_id == agency_id)
