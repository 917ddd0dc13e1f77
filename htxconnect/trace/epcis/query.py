"""The EPCIS query language over the REST binding: query string → filtered, keyset-paged events.

Pages are ordered by (record_time, id); `nextPageToken` is a signed, opaque copy of the last
row's key, so a page costs one index range scan however deep it is, and events captured while
a client pages through appear at the end instead of shifting the pages.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core import signing
from django.db.models import Q
from django.utils.translation import gettext as _

from htxconnect.core.identifiers import canonical_epc
from htxconnect.trace.models import EPCISEventEPC

from .capture import parse_time
from .vocab import is_known_event_type, normalize_biz_step, normalize_disposition

R = EPCISEventEPC.Role
MATCH_ROLES = {
    "MATCH_epc": (R.EPC, R.CHILD),
    "MATCH_parentID": (R.PARENT,),
    "MATCH_inputEPC": (R.INPUT,),
    "MATCH_outputEPC": (R.OUTPUT,),
    "MATCH_anyEPC": (R.EPC, R.CHILD, R.PARENT, R.INPUT, R.OUTPUT),
    "MATCH_epcClass": (R.QUANTITY,),
    "MATCH_inputEPCClass": (R.INPUT_QUANTITY,),
    "MATCH_outputEPCClass": (R.OUTPUT_QUANTITY,),
    "MATCH_anyEPCClass": (R.QUANTITY, R.INPUT_QUANTITY, R.OUTPUT_QUANTITY),
}
TIME_PARAMS = {"GE_eventTime": "event_time__gte", "LT_eventTime": "event_time__lt",
               "GE_recordTime": "record_time__gte", "LT_recordTime": "record_time__lt"}
SUPPORTED = {"eventType", "EQ_action", "EQ_bizStep", "EQ_disposition", "EQ_readPoint", "EQ_bizLocation",
             "EQ_eventID", "EQ_transformationID", "EXISTS_errorDeclaration", "EQ_errorReason",
             "perPage", "nextPageToken", *TIME_PARAMS, *MATCH_ROLES}
DEFAULT_PER_PAGE = 30
TOKEN_SALT = "htxconnect.trace.epcis.page"


class QueryParameterError(ValueError):
    """A query parameter the standard or this repository refuses (QueryParameterException)."""


def max_per_page() -> int:
    return settings.EPCIS_MAX_PER_PAGE


def _values(name: str, raw: str) -> list[str]:
    values = [v.strip() for v in raw.split("|")]
    if not raw.strip() or any(v == "" for v in values):
        raise QueryParameterError(_("Tham số %(name)s không được có giá trị rỗng (empty value).") % {"name": name})
    return values


def _time(name: str, raw: str) -> datetime:
    # An unencoded "+" in a query string arrives as a space: "…T10:00:00 07:00".
    text = raw.strip().replace(" ", "+")
    try:
        return parse_time(text)
    except ValueError:
        raise QueryParameterError(
            _("Tham số %(name)s = “%(value)s” phải là thời điểm RFC 3339 có múi giờ, ví dụ 2026-03-01T08:30:00+07:00.")
            % {"name": name, "value": raw}
        ) from None


def _epc_q(values: list[str]) -> Q:
    q = Q()
    for value in values:
        if value.startswith("urn:epc:idpat:") and value.endswith(".*"):
            base = canonical_epc(value)  # a GTIN-level Digital Link: every serial and lot below it
            q |= Q(epc=base) | Q(epc__startswith=base + "/")
        else:
            q |= Q(epc=canonical_epc(value))
    return q


def parse_page_token(token: str) -> tuple[datetime, int]:
    try:
        stamp, pk = signing.loads(token, salt=TOKEN_SALT)
        return datetime.fromisoformat(stamp), int(pk)
    except (signing.BadSignature, ValueError, TypeError):
        raise QueryParameterError(_("nextPageToken không hợp lệ hoặc đã bị sửa (invalid nextPageToken).")) from None


def make_page_token(record_time: datetime, pk: int) -> str:
    return signing.dumps([record_time.isoformat(), pk], salt=TOKEN_SALT, compress=True)


def apply_query(queryset, params) -> tuple:
    """(filtered queryset, per_page, after-key or None) for a QueryDict of query parameters."""
    for name in params:
        if name not in SUPPORTED:
            raise QueryParameterError(
                _("Tham số truy vấn “%(name)s” không được hỗ trợ (unsupported query parameter).") % {"name": name}
            )
        if len(params.getlist(name)) > 1:
            raise QueryParameterError(_("Tham số %(name)s chỉ được có một lần; dùng “|” để nêu nhiều giá trị.")
                                      % {"name": name})
    get = params.get
    if get("eventType") is not None:
        types = _values("eventType", get("eventType"))
        bad = [t for t in types if not is_known_event_type(t)]
        if bad:
            raise QueryParameterError(_("eventType “%(value)s” không phải là loại sự kiện EPCIS.") % {"value": bad[0]})
        queryset = queryset.filter(event_type__in=types)
    for name, lookup in TIME_PARAMS.items():
        if get(name) is not None:
            queryset = queryset.filter(**{lookup: _time(name, get(name))})
    if get("EQ_action") is not None:
        actions = _values("EQ_action", get("EQ_action"))
        bad = [a for a in actions if a not in ("ADD", "OBSERVE", "DELETE")]
        if bad:
            raise QueryParameterError(_("EQ_action “%(value)s” phải là ADD, OBSERVE hoặc DELETE.") % {"value": bad[0]})
        queryset = queryset.filter(action__in=actions)
    if get("EQ_bizStep") is not None:
        queryset = queryset.filter(biz_step__in=[normalize_biz_step(v) for v in _values("EQ_bizStep", get("EQ_bizStep"))])
    if get("EQ_disposition") is not None:
        queryset = queryset.filter(
            disposition__in=[normalize_disposition(v) for v in _values("EQ_disposition", get("EQ_disposition"))])
    if get("EQ_readPoint") is not None:
        queryset = queryset.filter(read_point__in=[canonical_epc(v) for v in _values("EQ_readPoint", get("EQ_readPoint"))])
    if get("EQ_bizLocation") is not None:
        queryset = queryset.filter(
            biz_location__in=[canonical_epc(v) for v in _values("EQ_bizLocation", get("EQ_bizLocation"))])
    if get("EQ_eventID") is not None:
        queryset = queryset.filter(event_id__in=_values("EQ_eventID", get("EQ_eventID")))
    # Rare filters read the stored JSON (no index): fine for the volumes they are used on.
    if get("EQ_transformationID") is not None:
        queryset = queryset.filter(event__transformationID__in=_values("EQ_transformationID", get("EQ_transformationID")))
    if get("EXISTS_errorDeclaration") is not None:
        queryset = queryset.filter(event__has_key="errorDeclaration")
    if get("EQ_errorReason") is not None:
        reasons = []
        for value in _values("EQ_errorReason", get("EQ_errorReason")):
            short = value.rsplit("ER-", 1)[-1] if value.startswith(("https://ref.gs1.org/cbv/ER-", "cbv:ER-")) else value
            short = short.removeprefix("urn:epcglobal:cbv:er:")
            reasons += [short, f"urn:epcglobal:cbv:er:{short}", f"https://ref.gs1.org/cbv/ER-{short}"]
        queryset = queryset.filter(event__errorDeclaration__reason__in=reasons)
    for name, roles in MATCH_ROLES.items():
        if get(name) is not None:
            matching = EPCISEventEPC.objects.filter(_epc_q(_values(name, get(name))), role__in=roles)
            queryset = queryset.filter(id__in=matching.values("event_id"))
    per_page = DEFAULT_PER_PAGE
    if get("perPage") is not None:
        raw = get("perPage").strip()
        if not raw.isdigit() or not 1 <= int(raw) <= max_per_page():
            raise QueryParameterError(_("perPage = “%(value)s” phải là số nguyên từ 1 đến %(max)d.")
                                      % {"value": raw, "max": max_per_page()})
        per_page = int(raw)
    after = parse_page_token(get("nextPageToken")) if get("nextPageToken") is not None else None
    return queryset, per_page, after


def page(queryset, per_page: int, after=None):
    """(rows, next key or None): rows are (id, record_time, event, context) in (record_time, id) order."""
    if after is not None:
        stamp, pk = after
        # The first condition gives the index a range start; the second breaks ties on id.
        queryset = queryset.filter(record_time__gte=stamp).filter(Q(record_time__gt=stamp) | Q(id__gt=pk))
    rows = list(queryset.order_by("record_time", "id").values_list("id", "record_time", "event", "context")[:per_page + 1])
    if len(rows) > per_page:
        rows = rows[:per_page]
        return rows, (rows[-1][1], rows[-1][0])
    return rows, None
