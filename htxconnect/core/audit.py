"""Audit trail for services: every create, update and delete calls `record`.

Action types come from one registry: each app declares its actions in `<app>/audit_actions.py`
with `audit.action("registry.organization.updated", _("Sửa tổ chức"))` (loaded at start-up by
CoreConfig.ready), and `record` accepts only a registered `Action`, never a string, so the log
can name every action in Vietnamese and filter by it.

Typical service use:

    before = audit.snapshot(org)
    ... change org, org.full_clean(), org.save() ...
    audit.record(actions.ORGANIZATION_UPDATED, actor=actor, obj=org,
                 changes=audit.diff(before, audit.snapshot(org)))

The actor is always given (a user, an anonymous visitor, or `actors.SYSTEM`); the audit never
reads the current request. The client address is the `address` argument, else the one the
authentication layer attached to the user (`audit_address`, see core.middleware).
"""

from __future__ import annotations

import datetime
import decimal
import re
import uuid
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from .actors import SYSTEM, SystemActor, check_actor, is_system, system_actor  # noqa: F401 - re-exported
from .models import AuditEntry

# --- The registry of action types -----------------------------------------------------------------

_ACTION_CODE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*){2,}$")


@dataclass(frozen=True)
class Action:
    """A kind of audited event: a dotted code (`app.object.verb`) and its Vietnamese name."""

    code: str
    label: str  # lazily translated

    def __str__(self):
        return self.code

    @property
    def app(self) -> str:
        return self.code.split(".", 1)[0]


_registry: dict[str, Action] = {}


def action(code: str, label) -> Action:
    """Declare an action type (once, in the app's audit_actions.py)."""
    if not _ACTION_CODE.match(code):
        raise ValueError(f"audit action code must look like app.object.verb: {code!r}")
    existing = _registry.get(code)
    if existing is not None and str(existing.label) != str(label):
        raise ValueError(f"audit action {code!r} declared twice with different names")
    _registry[code] = existing or Action(code, label)
    return _registry[code]


def registered_actions() -> list[Action]:
    return sorted(_registry.values(), key=lambda a: a.code)


def get_action(code: str) -> Action | None:
    return _registry.get(code)


def action_label(code: str) -> str:
    """The Vietnamese name of an action code; the code itself for one no longer declared."""
    found = _registry.get(code)
    return str(found.label) if found is not None else code


# --- Values ----------------------------------------------------------------------------------------

MASK = "…"  # stands for a personal value that the log must not hold


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


def plain(value):
    """Public name of `_plain` for services that build export documents."""
    return _plain(value)


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


def masked_fields(model) -> tuple[str, ...]:
    """Personal fields of a model whose values the log never holds (`AUDIT_MASKED_FIELDS`)."""
    return tuple(getattr(model, "AUDIT_MASKED_FIELDS", ()) or ()) if model is not None else ()


def _mask_value(value):
    if value in (None, "", [], {}):
        return None
    return MASK


def mask_changes(changes: dict, fields) -> dict:
    """Replace the values of personal fields by a mark, keeping the fact that they changed."""
    fields = set(fields)
    if not fields or not isinstance(changes, dict):
        return changes
    result = {}
    for key, value in changes.items():
        if key in fields:
            value = [_mask_value(v) for v in value] if isinstance(value, (list, tuple)) else _mask_value(value)
        result[key] = value
    return result


# --- Writing an entry ------------------------------------------------------------------------------


def actor_name(actor) -> str:
    if is_system(actor):
        return str(actor)
    if getattr(actor, "is_authenticated", False):
        return actor.get_username()
    return str(_("khách"))  # an anonymous visitor of a public page


def record(action: Action, *, actor, obj: models.Model | None = None, changes: dict | None = None,
           agency_id: int | None = None, object_repr: str | None = None, province_code: str | None = None,
           address: str | None = None) -> AuditEntry:
    """Write one audit entry for `action`, done by `actor` (a user, a visitor, or SYSTEM).

    The agency defaults to the object's, else the actor's; the address to the one attached to the
    actor by the authentication layer. Values of the object's personal fields are masked.
    """
    if not isinstance(action, Action) or _registry.get(action.code) is not action:
        raise TypeError(f"audit.record needs an Action from the registry, not {action!r}")
    check_actor(actor)
    user = actor if getattr(actor, "is_authenticated", False) and not is_system(actor) else None
    if agency_id is None:
        agency_id = getattr(obj, "agency_id", None) if obj is not None else None
        if agency_id is None and user is not None:
            agency_id = getattr(user, "agency_id", None)
    if province_code is None:
        province_code = getattr(obj, "province_code", "") if obj is not None else ""
    if address is None:
        address = getattr(actor, "audit_address", "") or ""
    changes = _plain(changes or {})
    if obj is not None:
        changes = mask_changes(changes, masked_fields(type(obj)))
    return AuditEntry.objects.create(
        action=action.code,
        province_code=(province_code or "")[:2],
        actor=user,
        actor_repr=actor_name(actor)[:200],
        agency_id=agency_id,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        object_repr=(object_repr if object_repr is not None else (str(obj) if obj is not None else ""))[:300],
        changes=changes,
        ip=(address or "")[:64],
    )


# --- Erasure -----------------------------------------------------------------------------------------

ERASED = "(đã xóa)"


def _erase_value(value):
    return None if value in (None, "", [], {}) else ERASED


def erase_from_entries(obj: models.Model, *, fields, object_repr: str, related=()) -> int:
    """Scrub a person's data from the entries already written about `obj` (a right to erasure):
    its name in `object_repr`, the values of `fields` in the changes. What happened, when, by
    whom, and which fields changed stay. `related`: other objects whose entries name it (e.g. its
    memberships), whose names are rewritten from their current (erased) `str()`.

    The only change the application ever makes to an entry; returns how many were rewritten.
    """
    fields = set(fields)
    targets = [(obj, object_repr)] + [(other, str(other)) for other in related]
    count = 0
    for target, new_repr in targets:
        entries = AuditEntry.objects.filter(object_type=target._meta.label_lower, object_id=str(target.pk))
        for entry_id, changes in entries.values_list("pk", "changes"):
            if isinstance(changes, dict):
                changes = {k: ([_erase_value(x) for x in v] if isinstance(v, list) else _erase_value(v))
                           if k in fields else v for k, v in changes.items()}
            # Entries are append-only (AuditEntryQuerySet.update refuses): erasure alone goes
            # around that, through the plain QuerySet.
            models.QuerySet.update(AuditEntry.objects.filter(pk=entry_id), object_repr=new_repr[:300],
                                   changes=changes)
            count += 1
    return count
