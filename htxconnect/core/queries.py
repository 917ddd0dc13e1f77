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

from . import adminunits, audit, numbers
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
    """`action` is a registered code (exact), or an app's prefix ending in a dot (`accounts.`)."""
    actor, action, q = (actor or "").strip(), (action or "").strip(), (q or "").strip()
    if actor:
        entries = entries.filter(Q(actor_repr__icontains=actor) | Q(actor__full_name__icontains=actor))
    if action:
        entries = entries.filter(action__startswith=action) if action.endswith(".") else entries.filter(action=action)
    if object_type:
        entries = entries.filter(object_type=object_type)
    if date_from:
        entries = entries.filter(created_at__gte=local_day_bounds(date_from)[0])
    if date_to:
        entries = entries.filter(created_at__lt=local_day_bounds(date_to)[1])
    if q:
        entries = entries.filter(object_repr__icontains=q)
    return entries.select_related("actor").order_by("-created_at", "-id")


# The groups of the action filter, by the app that declares the actions.
_ACTION_GROUPS = {
    "accounts": _("Tài khoản, đăng nhập, khóa API"),
    "registry": _("Sổ đăng ký"),
    "resolver": _("Truy xuất: lô hàng, nhãn, trang quét mã"),
    "trace": _("Kho sự kiện EPCIS"),
    "programs": _("Chương trình, hỗ trợ, hồ sơ, khoản vay"),
    "events": _("Sự kiện, đăng ký, điểm danh"),
    "reports": _("Báo cáo"),
    "market": _("Kết nối cung cầu"),
}


def audit_action_choices() -> list:
    """The action filter's choices: every registered action by its Vietnamese name, grouped by app,
    each group led by "all of this group" (value `app.`). Built from the registry, not the table."""
    groups: dict[str, list] = {}
    for item in audit.registered_actions():
        groups.setdefault(item.app, []).append((item.code, str(item.label)))
    choices: list = [("", _("Tất cả"))]
    for app in sorted(groups, key=lambda a: (a not in _ACTION_GROUPS, str(_ACTION_GROUPS.get(a, a)))):
        name = str(_ACTION_GROUPS.get(app) or _app_name(app))
        options = sorted(groups[app], key=lambda c: c[1].lower())
        choices.append((name, [(f"{app}.", _("Tất cả: %(group)s") % {"group": name.lower()})] + options))
    return choices


def _app_name(app: str) -> str:
    try:
        return str(apps.get_app_config(app).verbose_name)
    except LookupError:
        return app


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
    return sorted(((v, object_type_label(v)) for v in values), key=lambda c: c[1].lower())


def agency_names(agency_ids: Iterable[int]) -> dict[int, str]:
    ids = {i for i in agency_ids if i is not None}
    if not ids:
        return {}
    return {pk: short or name for pk, short, name in
            _agency_model().objects.filter(pk__in=ids).values_list("pk", "short_name", "name")}


# Values that must never be shown, even if a service recorded them by mistake.
_SECRET_FIELD = re.compile(r"(^|_)(password|secret|digest|token|otp|key)(_|$)", re.IGNORECASE)
# Bookkeeping that says nothing to a reader: row ids, search copies, automatic time stamps.
_HIDDEN_FIELD = re.compile(r"^(id|search_text|created_at|updated_at|date_joined|last_login)$|_folded$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
_MAX_VALUE = 200
# Labels of keys that services record beside the model's fields.
_EXTRA_LABELS = {
    "filters": _("bộ lọc"), "scope": _("phạm vi chặn"), "second_factor": _("lớp xác thực thứ hai"),
    "throttled": _("bị tạm chặn vì sai nhiều lần"), "otp_device": _("ứng dụng xác thực"),
    "otp_devices": _("số thiết bị xác thực"), "backup_codes": _("số mã dự phòng"), "erased": _("đã xóa dữ liệu"),
    "reason": _("lý do"), "photo": _("ảnh"), "step": _("công đoạn"), "event_id": _("mã sự kiện"),
    "events": _("số sự kiện lưu"), "duplicates": _("số sự kiện trùng"), "rejected": _("số sự kiện bị từ chối"),
    "public": _("công khai"), "count": _("số lượng"), "user": _("người dùng"), "role": _("vai trò"),
    "prefix": _("tiền tố"), "name": _("tên"), "revoked_at": _("ngày thu hồi"), "rows": _("số dòng"),
    "created": _("số bản ghi thêm"), "updated": _("số bản ghi sửa"), "skipped": _("số dòng bỏ qua"),
    "document": _("giấy tờ"), "comment": _("ý kiến"), "disbursed": _("số tiền giải ngân"),
    "repaid": _("số tiền trả nợ"), "on": _("ngày"), "from_year": _("sao chép từ năm"), "targets": _("số chỉ tiêu"),
}


@dataclass(frozen=True)
class Change:
    label: str
    before: str
    after: str
    is_pair: bool = True  # False: a single value recorded without before/after


def _fields_by_key(model) -> dict:
    """A model's fields by the keys snapshots use: attribute names (`agency_id`) and names (`agency`)."""
    if model is None:
        return {}
    fields = {}
    for field in model._meta.get_fields():
        if getattr(field, "auto_created", False) and not getattr(field, "concrete", False):
            continue  # reverse relations
        fields[field.name] = field
        attname = getattr(field, "attname", None)
        if attname:
            fields[attname] = field
    return fields


def _related_model(field):
    if field is None or not getattr(field, "is_relation", False):
        return None
    if getattr(field, "many_to_one", False) or getattr(field, "one_to_one", False) or \
            getattr(field, "many_to_many", False):
        return field.related_model
    return None


def _ids_in(value) -> list:
    values = value if isinstance(value, (list, tuple)) else [value]
    found = []
    for v in values:
        if isinstance(v, (list, tuple)):
            found.extend(_ids_in(v))
        elif isinstance(v, int) and not isinstance(v, bool):
            found.append(v)
        elif isinstance(v, str) and v.isdigit():
            found.append(int(v))
    return found


def _is_empty(value) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _months(mask) -> str:
    months = [str(m) for m in range(1, 13) if int(mask) & (1 << (m - 1))]
    return _("tháng %(months)s") % {"months": ", ".join(months)} if months else _("(trống)")


def _unit_name(unit, code) -> str:
    return f"{unit.name} ({code})" if unit else str(code)


# Coded values that every app names the same way: a reader sees the name, the code beside it.
_SHOWN_BY_NAME = (
    (re.compile(r"(^|_)months_mask$"), _months),
    (re.compile(r"(^|_)province_code$"), lambda code: _unit_name(adminunits.get_province(code), code)),
    (re.compile(r"(^|_)ward_code$"), lambda code: _unit_name(adminunits.get_ward(code), code)),
)


def _shown_by_name(key: str, value):
    """The reader's form of a coded value (a month bitmask, an administrative-unit code), else None."""
    if _is_empty(value) or value == audit.MASK or isinstance(value, (list, dict, bool)):
        return None
    for pattern, show in _SHOWN_BY_NAME:
        if pattern.search(key):
            try:
                return show(value)
            except (TypeError, ValueError):
                return None
    return None


def _show(value, field=None, names: dict | None = None, key: str = "") -> str:
    if _is_empty(value):
        return _("(trống)")
    if value == audit.MASK:
        return _("(đã ẩn)")
    by_name = _shown_by_name(key, value) if key else None
    if by_name is not None:
        return by_name
    if isinstance(value, bool):
        return _("có") if value else _("không")
    related = _related_model(field)
    if related is not None and names is not None:
        ids = _ids_in(value)
        if ids and len(ids) == len(value if isinstance(value, (list, tuple)) else [value]):
            known = names.get(related, {})
            return ", ".join(known.get(i) or _("#%(id)s (không còn)") % {"id": i} for i in ids)
    choices = dict(field.flatchoices) if field is not None and getattr(field, "choices", None) else {}
    if choices and not isinstance(value, (list, dict)) and value in choices:
        return str(choices[value])
    if isinstance(value, (int, float)):
        return str(value)  # raw: ids and codes must not be grouped like money
    if isinstance(value, (list, tuple)):
        text = ", ".join(_show(v) for v in value)
    elif isinstance(value, dict):
        text = "; ".join(f"{k}: {_show(v)}" for k, v in sorted(value.items()))
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


def _label(key: str, field) -> str:
    if field is not None and getattr(field, "verbose_name", None):
        text = str(field.verbose_name)
    else:
        text = str(_EXTRA_LABELS.get(key, key.replace("_", " ")))
    return text[:1].upper() + text[1:]


def _masked_change(value) -> str:
    if isinstance(value, (list, tuple)) and len(value) == 2:
        before, after = (not _is_empty(v) for v in value)
        if before and not after:
            return _("đã xóa (giá trị được ẩn)")
        if after and not before:
            return _("đã thêm (giá trị được ẩn)")
    return _("đã thay đổi (giá trị được ẩn)")


def describe_changes(entry: AuditEntry, names: dict | None = None) -> list[Change]:
    """What the entry changed, for a reader: Vietnamese field labels, names instead of ids, masked
    personal values, only the fields whose value changed (no bookkeeping, no empty creations).

    `names`: {model: {id: name}} for the related objects of the page (see `audit_rows`).
    """
    changes = entry.changes
    if not isinstance(changes, dict):
        return [Change(_("Thay đổi"), "", _show(changes), is_pair=False)] if changes else []
    model = _model_for(entry.object_type)
    fields = _fields_by_key(model)
    masked = set(audit.masked_fields(model))
    result = []
    for key, value in changes.items():
        if _HIDDEN_FIELD.search(key):
            continue
        field = fields.get(key)
        label = _label(key, field)
        pair = isinstance(value, (list, tuple)) and len(value) == 2
        if _SECRET_FIELD.search(key) and key not in ("prefix",):
            hidden = "••••••"
            result.append(Change(label, hidden, hidden) if pair else Change(label, "", hidden, is_pair=False))
            continue
        if key in masked or (pair and audit.MASK in value) or value == audit.MASK:
            # A personal value: the log keeps that it changed, never the value (older entries too).
            result.append(Change(label, "", _masked_change(value), is_pair=False))
            continue
        if not pair:
            if not _is_empty(value):
                result.append(Change(label, "", _show(value, field, names, key), is_pair=False))
            continue
        before, after = value
        if before == after:
            continue
        shown_before, shown_after = _show(before, field, names, key), _show(after, field, names, key)
        if shown_before == shown_after and before != audit.MASK:
            continue
        if _is_empty(before):  # a value set (creation): just the value
            result.append(Change(label, "", shown_after, is_pair=False))
        else:
            result.append(Change(label, shown_before, shown_after))
    return result


def related_names(entries: Iterable[AuditEntry]) -> dict:
    """{related model: {id: name}} for every id the entries' changes point at: one query per model."""
    wanted: dict = {}
    for entry in entries:
        if not isinstance(entry.changes, dict):
            continue
        fields = _fields_by_key(_model_for(entry.object_type))
        for key, value in entry.changes.items():
            related = _related_model(fields.get(key))
            if related is not None:
                wanted.setdefault(related, set()).update(_ids_in(value))
    names = {}
    for model, ids in wanted.items():
        if not ids:
            continue
        # select_related(): names built from related rows (a lot's product) cost no extra query.
        rows = model._default_manager.select_related().filter(pk__in=ids)
        names[model] = {row.pk: str(row) for row in rows}
    return names


@dataclass(frozen=True)
class AuditRow:
    entry: AuditEntry
    action_label: str
    actor_name: str
    object_label: str
    agency_name: str
    changes: list[Change]

    @property
    def known_action(self) -> bool:
        return self.action_label != self.entry.action


def _actor_display(entry: AuditEntry) -> str:
    user = entry.actor
    if user is not None:
        full = (getattr(user, "full_name", "") or "").strip()
        return f"{full} ({entry.actor_repr})" if full and full != entry.actor_repr else entry.actor_repr
    return entry.actor_repr or "—"


def audit_rows(entries: Iterable[AuditEntry], *, with_agency: bool = True) -> list[AuditRow]:
    """Decorate one page of entries for display: a fixed number of queries (agency names, one per
    kind of related object), whatever the length."""
    entries = list(entries)
    names = agency_names(e.agency_id for e in entries) if with_agency else {}
    related = related_names(entries)
    return [AuditRow(entry=e, action_label=audit.action_label(e.action), actor_name=_actor_display(e),
                     object_label=object_type_label(e.object_type) if e.object_type else "",
                     agency_name=names.get(e.agency_id, ""), changes=describe_changes(e, related))
            for e in entries]


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
