"""Reads of users, scoped to the acting user: administrators see everyone, leaders their agency."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from htxconnect.core.roles import Role
from htxconnect.core.text import fold

from .models import User


def users_visible_to(actor) -> QuerySet:
    users = User.objects.select_related("agency")
    if actor.role == Role.ADMIN:
        return users
    if actor.role == Role.LEADER and actor.agency_id:
        return users.filter(agency_id=actor.agency_id)
    return users.none()


def search_users(actor, *, q: str = "", role: str = "", agency=None, active: str = "") -> QuerySet:
    users = users_visible_to(actor)
    words = fold(q).split()[:5]
    if words:
        # Folded matching ("tran thi" finds "Trần Thị"): users number in the hundreds or low
        # thousands, so folding their names here beats keeping a folded column in step.
        candidates = users.values_list("pk", "username", "full_name", "email", "phone")
        matching = [row[0] for row in candidates.iterator()
                    if all(word in fold(" ".join(str(v) for v in row[1:])) for word in words)]
        users = users.filter(pk__in=matching)
    if role:
        users = users.filter(role=role)
    if agency is not None:
        users = users.filter(agency=agency)
    if active in ("0", "1"):
        users = users.filter(is_active=active == "1")
    return users.order_by("-is_active", "agency__name", "full_name", "username")


def user_for_admin(actor, pk: int) -> User:
    """A user an administrator may edit (404 for anything else)."""
    return get_object_or_404(users_visible_to(actor), pk=pk)
