"""Audit trail for services: every create, update and delete calls `record`.

Typical service use:

    before = audit.snapshot(org)
    ... change org, org.full_clean(), org.save() ...
    audit.record("registry.organisation.updated", obj=org, changes=audit.diff(before, audit.snapshot(org)))
"""

from __future__ import annotations

import datetime
import decimal
import uuid

from django.db import models

from . import request_context
from .models import AuditEntry


def _plain(value):
    """A JSON-safe rendering of a field value."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (datetime.date, datetime.datetime, datetime.time)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if hasattr(value, "name"):  # FieldFile
        return value.name or None
    return str(value)


def snapshot(instance: models.Model, exclude: tuple[str, ...] = ()) -> dict:
    """Concrete field values of a model instance, by attribute name (FKs as ids)."""
    data = {}
    for field in instance._meta.concrete_fields:
        if field.name in exclude or field.attname in exclude:
            continue
        data[field.attname] = _plain(getattr(instance, field.attname))
    return data


def diff(before: dict, after: dict) -> dict:
    """{field: [before, after]} for the fields whose value changed."""
    keys = set(before) | set(after)
    return {k: [before.get(k), after.get(k)] for k in sorted(keys) if before.get(k) != after.get(k)}


def created(instance: models.Model, exclude: tuple[str, ...] = ()) -> dict:
    return {k: [None, v] for k, v in snapshot(instance, exclude).items() if v not in (None, "", [], {})}


def record(action: str, *, obj: models.Model | None = None, changes: dict | None = None,
           actor=None, agency_id: int | None = None, object_repr: str | None = None,
           province_code: str | None = None) -> AuditEntry:
    """Write one audit entry. Actor and client address default to the current request's."""
    if actor is None:
        actor = request_context.current_user()
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    if agency_id is None:
        agency_id = getattr(obj, "agency_id", None) if obj is not None else None
        if agency_id is None and actor is not None:
            agency_id = getattr(actor, "agency_id", None)
    if province_code is None:
        province_code = getattr(obj, "province_code", "") if obj is not None else ""
    return AuditEntry.objects.create(
        action=action,
        province_code=(province_code or "")[:2],
        actor=actor,
        actor_repr=(actor.get_username() if actor is not None else "hệ thống")[:200],
        agency_id=agency_id,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        object_repr=(object_repr if object_repr is not None else (str(obj) if obj is not None else ""))[:300],
        changes=_plain(changes or {}),
        ip=request_context.current_ip(),
    )
