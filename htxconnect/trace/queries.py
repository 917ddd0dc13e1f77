"""Reads of the trace app, scoped to the acting user."""

from __future__ import annotations

from django.db.models import Q

from htxconnect.core.roles import Role

from .models import CaptureJob, EPCISEvent, EPCISShare


def sees_all_events(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.role == Role.ADMIN)


def visible_events(user):
    """EPCIS events `user` may read: their own, those shared with them, public ones; admins all."""
    if sees_all_events(user):
        return EPCISEvent.objects.all()
    if user is None or not user.is_authenticated:
        return EPCISEvent.objects.filter(public=True)
    # The shares as a subquery, not a list read first: a page of events is then one query (one round
    # trip fewer on every request of the EPCIS API); PostgreSQL hashes the subquery once per query.
    sharing = EPCISShare.objects.filter(grantee=user).values("owner_id")
    return EPCISEvent.objects.filter(Q(owner_id=user.pk) | Q(owner_id__in=sharing) | Q(public=True))


def master_data_owners(user):
    """Senders whose master data (place hierarchy) `user`'s queries may follow: their own and
    that of accounts sharing their events with them; administrators everyone's."""
    if sees_all_events(user):
        from django.contrib.auth import get_user_model

        return get_user_model().objects.values("pk")
    if user is None or not user.is_authenticated:
        return None
    return [user.pk, *EPCISShare.objects.filter(grantee=user).values_list("owner_id", flat=True)]


def public_events():
    """Events their owner marked public (what the public scan page may show)."""
    return EPCISEvent.objects.filter(public=True)


def captures_of(user):
    """Capture jobs `user` sent (administrators see everyone's)."""
    if sees_all_events(user):
        return CaptureJob.objects.all()
    return CaptureJob.objects.filter(created_by=user)
