"""Reads of the shared pages, scoped to the acting user: the audit log and the home dashboard.

`core` sits below every other app (the import contract in .importlinter): it knows users and
their agencies only through `get_user_model()`, never by importing or naming `accounts`. Other
apps add their own home-page cards with `register_home_cards` (called from their AppConfig.ready()).
"""

from __future__ import annotations

import datetime
import json
import re
from dataclasses import dataclass
from typing import Callable, Iterable

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from . import numbers
from .models import AuditEntry
from .permissions import sees_all_agencies
from .roles import Role

AUDIT_PAGE_SIZE = 50

# --- Audit log -----------------------------------------------------------------------------------


def _agency_model():
    """The model of `user.agency`: core knows agencies only as what the user model points to."""
    return get_user_model()._meta.get_field("agency").related_model


def audit_entries_visible_to(user) -> QuerySet:
    """Administrators see every entry; a leader sees their agency's entries and the changes made in
    their province by those who act for no agency (cooperatives, the system); nobody else any."""
    entries = AuditEntry.objects.all()
    if not user.is_authenticated or not user.is_active:
        return entries.none()
    if sees_all_agencies(user):
        return entries
    if user.role == Role.LEADER and user.agency_id:
        # The agency's province as a subquery: no extra round trip.
        province = _agency_model().objects.filter(pk=user.agency_id).values("province_code")
        return entries.filter(Q(agency_id=user.agency_id) | Q(agency_id__isnull=True, province_code__in=province))
    return entries.none()


def local_day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """[start, end) of a calendar day in the site's time zone (Asia/Ho_Chi_Minh), as aware datetimes.

    Comparing `created_at` with bounds (instead of `created_at__date`) keeps the index usable.
    """
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    return start, timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min))


def filter_audit_entries(entries: QuerySet, *, actor: str = "", action: str = "", object_type: str = "",
                         date_from: datetime.date | None = None, date_to: datetime.date | None = None,
                         q: str = "") -> QuerySet:
    actor, action, q = (actor or "").strip(), (action or "").strip(), (q or "").strip()
    if actor:
        entries = entries.filter(actor_repr__icontains=actor)
    if action:
        entries = entries.filter(action__startswith=action)
    if object_type:
        entries = entries.filter(object_type=object_type)
    if date_from:
        entries = entries.filter(created_at__gte=local_day_bounds(date_from)[0])
    if date_to:
        entries = entries.filter(created_at__lt=local_day_bounds(date_to)[1])
    if q:
        entries = entries.filter(object_repr__icontains=q)
    return entries.order_by("-created_at", "-id")


def _model_for(object_type: str):
    try:
        return apps.get_model(object_type) if "." in object_type else None
    except (LookupError, ValueError):
        return None


def object_type_label(object_type: str) -> str:
    model = _model_for(object_type)
    return str(model._meta.verbose_name).capitalize() if model else object_type


def audit_object_types(entries: QuerySet) -> list[tuple[str, str]]:
    """(value, label) of the object types present in the entries the user may see (one query)."""
    values = entries.exclude(object_type="").order_by().values_list("object_type", flat=True).distinct()
    return sorted(((v, f"{object_type_label(v)} ({v})") for v in values), key=lambda c: c[1].lower())


def agency_names(agency_ids: Iterable[int]) -> dict[int, str]:
    ids = {i for i in agency_ids if i is not None}
    if not ids:
        return {}
    return {pk: short or name for pk, short, name in
            _agency_model().objects.filter(pk__in=ids).values_list("pk", "short_name", "name")}


# Values that must never be shown, even if a service recorded them by mistake.
_SECRET_FIELD = re.compile(r"(^|_)(password|secret|digest|token|otp|key)(_|$)", re.IGNORECASE)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
_MAX_VALUE = 200


@dataclass(frozen=True)
class Change:
    label: str
    before: str
    after: str
    is_pair: bool = True  # False: a single value recorded without before/after


def _field_of(model, name):
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _show(value, field=None) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return _("(trống)")
    if isinstance(value, bool):
        return _("có") if value else _("không")
    choices = dict(field.flatchoices) if field is not None and getattr(field, "choices", None) else {}
    if choices and not isinstance(value, (list, dict)) and value in choices:
        return str(choices[value])
    if isinstance(value, (int, float)):
        return str(value)  # raw: ids and codes must not be grouped like money
    if isinstance(value, (list, tuple)):
        text = ", ".join(_show(v) for v in value)
    elif isinstance(value, dict):
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    else:
        text = str(value)
        if _ISO_DATE.match(text):
            try:
                text = datetime.date.fromisoformat(text).strftime("%d/%m/%Y")
            except ValueError:
                pass
        elif _ISO_DATETIME.match(text):
            try:
                text = numbers.format_datetime(datetime.datetime.fromisoformat(text))
            except ValueError:
                pass
    return text if len(text) <= _MAX_VALUE else text[:_MAX_VALUE - 1] + "…"


def describe_changes(entry: AuditEntry) -> list[Change]:
    """The entry's changes as "field: before → after", with field names from the model when known."""
    changes = entry.changes
    if not isinstance(changes, dict):
        return [Change(_("thay đổi"), "", _show(changes), is_pair=False)] if changes else []
    model = _model_for(entry.object_type)
    result = []
    for key, value in changes.items():
        field = _field_of(model, key)
        label = str(field.verbose_name) if field is not None and getattr(field, "verbose_name", None) else key
        if _SECRET_FIELD.search(key):
            hidden = "••••••"
            result.append(Change(label, hidden, hidden) if isinstance(value, (list, tuple)) and len(value) == 2
                          else Change(label, "", hidden, is_pair=False))
        elif isinstance(value, (list, tuple)) and len(value) == 2:
            result.append(Change(label, _show(value[0], field), _show(value[1], field)))
        else:
            result.append(Change(label, "", _show(value, field), is_pair=False))
    return result


@dataclass(frozen=True)
class AuditRow:
    entry: AuditEntry
    object_label: str
    agency_name: str
    changes: list[Change]

    # Dotted names split so the page can break lines after a dot and nowhere else.
    @property
    def action_parts(self) -> list[str]:
        return self.entry.action.split(".")

    @property
    def actor_parts(self) -> list[str]:
        return self.entry.actor_repr.split(".") if self.entry.actor_repr else []


def audit_rows(entries: Iterable[AuditEntry], *, with_agency: bool = True) -> list[AuditRow]:
    """Decorate one page of entries for display: one query for agency names, whatever the length."""
    entries = list(entries)
    names = agency_names(e.agency_id for e in entries) if with_agency else {}
    return [AuditRow(entry=e, object_label=object_type_label(e.object_type) if e.object_type else "",
                     agency_name=names.get(e.agency_id, ""), changes=describe_changes(e)) for e in entries]


# --- Home dashboard ------------------------------------------------------------------------------


@dataclass(frozen=True)
class HomeCard:
    """A figure on the home page: a real count with what it counts, and where to see the records."""

    title: str
    value: int
    icon: str = "bi-bar-chart"
    url: str = ""
    note: str = ""


HomeCardProvider = Callable[[object], Iterable[HomeCard]]
_home_card_providers: list[HomeCardProvider] = []


def register_home_cards(provider: HomeCardProvider) -> HomeCardProvider:
    """Let an app add cards to the home page: provider(user) → cards (a few queries at most)."""
    if provider not in _home_card_providers:
        _home_card_providers.append(provider)
    return provider


def _core_cards(user) -> list[HomeCard]:
    if user.role not in (Role.ADMIN, Role.LEADER):
        return []
    week_ago = timezone.now() - datetime.timedelta(days=7)
    recent = audit_entries_visible_to(user).filter(created_at__gte=week_ago).count()
    return [HomeCard(_("Thay đổi trong 7 ngày qua"), recent, "bi-clock-history",
                     reverse("core:audit_log"), _("theo nhật ký thay đổi"))]


def home_cards(user) -> list[HomeCard]:
    """core's own card, then each app's in the order their AppConfig.ready() registered them."""
    cards = _core_cards(user)
    for provider in _home_card_providers:
        cards.extend(provider(user))
    return cards
