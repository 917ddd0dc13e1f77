"""The EPCIS query language (EPCIS 2.0 §8.2.7.1) over the REST binding: query parameters →
filtered, ordered, paged events. Named queries and subscriptions run through `apply_query` too.

Every filter is an indexed lookup: simple fields are columns of `EPCISEvent`; identifiers are
in `EPCISEventEPC` (canonical Digital Link, so a URN and its Digital Link match, and EPC
patterns become a prefix range plus a regular expression, see `patterns`); values inside lists
and objects (quantities, ILMD, extension fields, sensor data, sources, destinations, business
transactions, persistent dispositions) are in `EPCISEventField` (see `fields`). The same SQL
runs on PostgreSQL and SQLite.

Pages are ordered by (record_time, id) unless `orderBy` says otherwise; `nextPageToken` is a
signed, opaque copy of the last row's key, so a page costs one index range scan however deep
it is, and events captured while a client pages through appear at the end instead of shifting
the pages. With `orderBy`, the token carries the position in that order.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from django.conf import settings
from django.core import signing
from django.db.models import Exists, F, OuterRef, Q, Subquery, TextField
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from htxconnect.core.identifiers import canonical_epc
from htxconnect.trace.models import EPCISEventEPC, EPCISEventField

from . import fields as fk
from . import masterdata, patterns, units
from .times import parse_time
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
COMPARISONS = {"EQ": "exact", "GT": "gt", "GE": "gte", "LT": "lt", "LE": "lte"}
# Sensor attributes compared as text (EQ_type, EQ_deviceID …), as times (GE_startTime …), and percRank.
SENSOR_EQ = {f"EQ_{name}": name for name in ("type", "deviceID", "deviceMetadata", "rawData", "dataProcessingMethod",
                                            "microorganism", "chemicalSubstance", "bizRules", "stringValue",
                                            "hexBinaryValue", "uriValue", "booleanValue")}
SENSOR_TIMES = {f"{op}_{name}": (name, COMPARISONS[op]) for op in COMPARISONS
                for name in ("startTime", "endTime", "time")}
PERC_RANK = {f"{op}_percRank": COMPARISONS[op] for op in ("GT", "GE", "LT", "LE")}
PAGING = {"perPage", "nextPageToken"}
# Error declarations (EPCIS 2.0 §8.2.7.1) over the columns capture fills (trace.epcis.capture).
ERROR_DECLARATION_PARAMS = ("EXISTS_errorDeclaration", "GE_errorDeclarationTime", "LT_errorDeclarationTime",
                            "EQ_errorReason", "EQ_correctiveEventID")
ORDERING = {"orderBy", "orderDirection", "eventCountLimit", "maxEventCount"}
FIXED = {"eventType", "EQ_action", "EQ_bizStep", "EQ_disposition", "EQ_readPoint", "EQ_bizLocation", "WD_readPoint",
         "WD_bizLocation", "EQ_eventID", "EQ_transformationID", *ERROR_DECLARATION_PARAMS,
         "EQ_persistentDisposition_set", "EQ_persistentDisposition_unset", "EXISTS_sensorElementList",
         *TIME_PARAMS, *MATCH_ROLES, *SENSOR_EQ, *SENSOR_TIMES, *PERC_RANK, *PAGING, *ORDERING,
         *(f"{op}_quantity" for op in COMPARISONS)}
# A UN/CEFACT Rec 20 common code is 2 or 3 capital letters and digits.
_MEASURE = re.compile(rf"^(?P<op>EQ|GT|GE|LT|LE)_(?P<measure>{'|'.join(fk.MEASURES)})_(?P<uom>[A-Z0-9]{{2,3}})$")
_FIELD = re.compile(r"^(?P<op>EQ|GT|GE|LT|LE|EXISTS)_(?P<inner>INNER_)?"
                    r"(?:(?P<ilmd>ILMD_)|(?P<sensor>SENSORELEMENT_|SENSORMETADATA_|SENSORREPORT_))?(?P<name>.+)$")
_FIELD_KINDS = {  # (prefix, INNER) → kind of field rows
    ("ILMD_", False): fk.ILMD, ("ILMD_", True): fk.ILMD_INNER, ("", False): fk.EXT, ("", True): fk.EXT_INNER,
    ("SENSORELEMENT_", False): fk.S_ELEMENT, ("SENSORELEMENT_", True): fk.S_ELEMENT_INNER,
    ("SENSORMETADATA_", False): fk.S_METADATA, ("SENSORMETADATA_", True): fk.S_METADATA_INNER,
    ("SENSORREPORT_", False): fk.S_REPORT, ("SENSORREPORT_", True): fk.S_REPORT_INNER,
}
_TYPED = re.compile(r"^EQ_(?P<what>bizTransaction|source|destination)_(?P<type>.+)$")
SUPPORTED = FIXED  # the fixed names; patterned ones (EQ_ILMD_…, GE_value_<uom> …) are recognised by check_names
DEFAULT_PER_PAGE = 30
TOKEN_SALT = "htxconnect.trace.epcis.page"
ORDER_MARK = "order"


class QueryParameterError(ValueError):
    """A query parameter the standard or this repository refuses (QueryParameterException)."""


class QueryTooLargeError(QueryParameterError):
    """More events than `maxEventCount` allows (QueryTooLargeException, EPCIS 2.0 §8.2.3)."""


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


def _number(name: str, raw: str) -> float:
    try:
        value = float(raw.strip())
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise QueryParameterError(_("Tham số %(name)s = “%(value)s” phải là một số.") % {"name": name, "value": raw})
    return value


def _positive(name: str, raw: str) -> int:
    raw = raw.strip()
    if not raw.isdigit() or int(raw) < 1:
        raise QueryParameterError(_("Tham số %(name)s = “%(value)s” phải là số nguyên dương.") % {"name": name, "value": raw})
    return int(raw)


def _epc_q(name: str, values: list[str]) -> Q:
    q = Q()
    for value in values:
        try:
            q |= patterns.epc_condition(value)
        except patterns.PatternError:
            raise QueryParameterError(_("%(name)s: “%(value)s” không phải là mẫu EPC hợp lệ (EPC pattern).")
                                      % {"name": name, "value": value}) from None
    return q


def _has_field(queryset, condition: Q):
    return queryset.filter(id__in=EPCISEventField.objects.filter(condition).values("event_id"))


def _same_sensor_report(queryset, conditions: list[Q]):
    """Events with one sensorReport that satisfies every condition (see `_sensor_conditions`)."""
    if not conditions:
        return queryset
    first, *others = conditions
    rows = EPCISEventField.objects.filter(first, report__isnull=False)
    for condition in others:
        rows = rows.filter(Exists(EPCISEventField.objects.filter(
            condition, event_id=OuterRef("event_id"), report=OuterRef("report"))))
    return queryset.filter(id__in=rows.values("event_id"))


def _exact(name: str, raw: str) -> Fraction:
    """A numeric parameter value as an exact fraction of the decimal text as written (so that
    278.15 K is exactly 5 °C); a text too long or with an exponent beyond floats' range is taken
    as the float it denotes (no giant powers of ten)."""
    number = _number(name, raw)
    try:
        decimal = Decimal(raw.strip())
    except InvalidOperation:
        return Fraction(number)
    if len(raw) > 64 or not -330 < decimal.adjusted() < 330:
        return Fraction(number)
    return Fraction(decimal)


def _measure_q(name: str, op: str, measure: str, uom: str, raw: str) -> Q:
    """A sensor measure compared in unit `uom`: readings in any unit of the same dimension are
    compared after converting the threshold into their unit (exactly; every conversion is
    increasing, so the comparison keeps its direction)."""
    values = _values(name, raw) if op == "EQ" else [raw]
    q = Q()
    for value in values:
        threshold = _exact(name, value)
        for unit in units.comparable(uom):
            exact = units.convert(threshold, uom, unit)
            try:
                converted = float(exact)
            except OverflowError:  # beyond any float: every reading in `unit` is below it, or above
                if (op in ("LT", "LE") and exact > 0) or (op in ("GT", "GE") and exact < 0):
                    q |= Q(kind=fk.MEASURE, name=measure, text=unit, number__isnull=False)
                continue
            q |= Q(kind=fk.MEASURE, name=measure, text=unit, **{f"number__{COMPARISONS[op]}": converted})
    return q or Q(pk__in=[])


def _sensor_time_q(name: str, attribute: str, lookup: str, raw: str) -> Q:
    if lookup == "exact":
        return Q(kind=fk.SENSOR, name=attribute, time__in=[_time(name, v) for v in _values(name, raw)])
    return Q(kind=fk.SENSOR, name=attribute, **{f"time__{lookup}": _time(name, raw)})


def _sensor_text_q(name: str, attribute: str, raw: str) -> Q:
    wanted = _values(name, raw)
    if attribute == "type":
        wanted = [fk.measurement_type(v) for v in wanted]
    elif attribute == "booleanValue":
        wanted = [v.lower() for v in wanted]
        if any(v not in ("true", "false") for v in wanted):
            raise QueryParameterError(_("Tham số %(name)s = “%(value)s” phải là true hoặc false.")
                                      % {"name": name, "value": raw})
    return Q(kind=fk.SENSOR, name=attribute, text__in=wanted)


def _sensor_conditions(params) -> list[Q]:
    """One condition (on field rows) per sensor parameter of the query.

    GS1's REST binding (REST-Bindings-openapi.json), describing the parameters of EPCIS 2.0
    §8.2.7.1, words each sensor parameter on its own. EQ_type: "the result will only include
    events that (a) accommodate one or more `sensorElement` fields; and where (b) the `type`
    attribute in one of these `sensorElement` fields is equal to one of the values specified in
    this parameter"; EQ_deviceID: "the result will only include events that (a) accommodate a
    `deviceID` attribute; and where (b) the `deviceID` attribute is equal to one of the URIs
    specified in this parameter". Neither it nor the query schema says how two sensor parameters
    combine. HTX Connect reads them as conditions on one reading: an event is returned when ONE
    sensorReport satisfies all the sensor parameters together (`EQ_type=Temperature&
    GE_value_CEL=2&LT_value_CEL=8` asks for a temperature reading from 2 to 8 °C, not for some
    value ≥ 2 and some other < 8). A report has its sensorElement's metadata (deviceID, time,
    startTime, endTime …, SENSORMETADATA_ fields) and SENSORELEMENT_ fields besides its own
    attributes. With a single sensor parameter this is exactly the text above.
    """
    get = params.get
    conditions = []
    for name, attribute in SENSOR_EQ.items():
        if get(name) is not None:
            conditions.append(_sensor_text_q(name, attribute, get(name)))
    for name, (attribute, lookup) in SENSOR_TIMES.items():
        if get(name) is not None:
            conditions.append(_sensor_time_q(name, attribute, lookup, get(name)))
    for name, lookup in PERC_RANK.items():
        if get(name) is not None:
            conditions.append(Q(kind=fk.MEASURE, name=fk.PERC_RANK,
                                **{f"number__{lookup}": _number(name, get(name))}))
    for name in params:
        if name in FIXED:
            continue
        if m := _MEASURE.match(name):  # GE_value_CEL: a sensor report's value, converted to °C
            conditions.append(_measure_q(name, m["op"], m["measure"], m["uom"], get(name)))
        elif (m := _FIELD.match(name)) and m["sensor"]:  # EQ_SENSORREPORT_ex:f, EXISTS_SENSORMETADATA_ex:f …
            kind = _FIELD_KINDS[(m["sensor"], bool(m["inner"]))]
            conditions.append(Q(kind=kind) & field_names(m["name"]) & _field_value_q(name, m["op"], get(name)))
    return conditions


def field_names(fieldname: str) -> Q:
    """Rows named `fieldname`: a full name (`http://ns.example.com/epcis/myField`), the standard's
    namespace#name form (`http://ns.example.com/epcis/#myField`), or a compact name as sent
    (`example:myField`)."""
    if "#" in fieldname:
        namespace, local = fieldname.rsplit("#", 1)
        names = {namespace + local, fieldname}
        if not namespace.endswith(("/", "#")):
            names.add(namespace + "/" + local)
        return Q(name__in=sorted(names))
    return Q(name=fieldname) | Q(alias=fieldname)


def _field_value_q(name: str, op: str, raw: str) -> Q:
    """Comparison of a field row's value: EQ against any of the |-separated values (text, or the
    number for numeric values); GT…LE against a number or, failing that, a time."""
    if op == "EXISTS":
        return Q()
    if op == "EQ":
        q = Q()
        for value in _values(name, raw):
            q |= Q(text=value)
            try:
                number = float(value)
            except ValueError:
                continue
            if math.isfinite(number):
                q |= Q(number=number)
        return q
    lookup = COMPARISONS[op]
    try:
        return Q(**{f"number__{lookup}": _number(name, raw)})
    except QueryParameterError:
        pass
    try:
        return Q(**{f"time__{lookup}": parse_time(raw.strip().replace(" ", "+"))})
    except ValueError:
        raise QueryParameterError(_("Tham số %(name)s = “%(value)s” phải là số hoặc thời điểm RFC 3339.")
                                  % {"name": name, "value": raw}) from None


def _is_field_name(name: str) -> bool:
    """A qualified extension field name: a URI (`http…`, `urn:…`) or a compact name (`prefix:field`)."""
    return ":" in name and " " not in name


def check_names(params) -> None:
    for name in params:
        if name not in FIXED and not _MEASURE.match(name) and not _TYPED.match(name) and not (
                (m := _FIELD.match(name)) and _is_field_name(m["name"])):
            raise QueryParameterError(
                _("Tham số truy vấn “%(name)s” không được hỗ trợ (unsupported query parameter).") % {"name": name}
            )
        if len(params.getlist(name)) > 1:
            raise QueryParameterError(_("Tham số %(name)s chỉ được có một lần; dùng “|” để nêu nhiều giá trị.")
                                      % {"name": name})


def _error_declaration_filters(queryset, get):
    """Filter by the error declarations events carry (columns and CORRECTIVE index rows capture fills)."""
    from .capture import short_error_reason

    if get("EXISTS_errorDeclaration") is not None:
        queryset = queryset.filter(error_declaration_time__isnull=False)
    for name, lookup in (("GE_errorDeclarationTime", "gte"), ("LT_errorDeclarationTime", "lt")):
        if get(name) is not None:
            queryset = queryset.filter(**{f"error_declaration_time__{lookup}": _time(name, get(name))})
    if get("EQ_errorReason") is not None:
        reasons = [short_error_reason(v) for v in _values("EQ_errorReason", get("EQ_errorReason"))]
        queryset = queryset.filter(error_reason__in=reasons)
    if get("EQ_correctiveEventID") is not None:
        ids = _values("EQ_correctiveEventID", get("EQ_correctiveEventID"))
        declaring = EPCISEventEPC.objects.filter(role=R.CORRECTIVE, epc__in=ids)
        queryset = queryset.filter(id__in=declaring.values("event_id"))
    return queryset


def _filters(queryset, params, *, owners):
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
    for column, vocabulary in (("read_point", masterdata.READ_POINT), ("biz_location", masterdata.BUSINESS_LOCATION)):
        param = "readPoint" if column == "read_point" else "bizLocation"
        if get(f"EQ_{param}") is not None:
            queryset = queryset.filter(**{f"{column}__in": [canonical_epc(v) for v in _values(f"EQ_{param}",
                                                                                              get(f"EQ_{param}"))]})
        if get(f"WD_{param}") is not None:
            places = masterdata.with_descendants(_values(f"WD_{param}", get(f"WD_{param}")), vocabulary, owners)
            queryset = queryset.filter(**{f"{column}__in": sorted(places)})
    if get("EQ_eventID") is not None:
        queryset = queryset.filter(event_id__in=_values("EQ_eventID", get("EQ_eventID")))
    # Rare filters read the stored JSON (no index): fine for the volumes they are used on.
    if get("EQ_transformationID") is not None:
        queryset = queryset.filter(event__transformationID__in=_values("EQ_transformationID", get("EQ_transformationID")))
    queryset = _error_declaration_filters(queryset, get)
    if get("EXISTS_sensorElementList") is not None:
        queryset = queryset.filter(event__has_key="sensorElementList")
    for name, roles in MATCH_ROLES.items():
        if get(name) is not None:
            matching = EPCISEventEPC.objects.filter(_epc_q(name, _values(name, get(name))), role__in=roles)
            queryset = queryset.filter(id__in=matching.values("event_id"))
    for which, kind in (("set", fk.PD_SET), ("unset", fk.PD_UNSET)):
        name = f"EQ_persistentDisposition_{which}"
        if get(name) is not None:
            wanted = [normalize_disposition(v) for v in _values(name, get(name))]
            queryset = _has_field(queryset, Q(kind=kind, text__in=wanted))
    for op, lookup in COMPARISONS.items():
        name = f"{op}_quantity"
        if get(name) is not None:
            queryset = _has_field(queryset, Q(kind=fk.QUANTITY, **{f"number__{lookup}": _number(name, get(name))}))
    queryset = _same_sensor_report(queryset, _sensor_conditions(params))
    for name in params:
        if name in FIXED or _MEASURE.match(name):
            continue
        if m := _TYPED.match(name):  # EQ_source_owning_party, EQ_bizTransaction_po
            what = m["what"]
            kind = {"bizTransaction": fk.BIZ_TX, "source": fk.SOURCE, "destination": fk.DESTINATION}[what]
            vocabulary = "btt" if what == "bizTransaction" else "sdt"
            values = _values(name, get(name))
            wanted = values if what == "bizTransaction" else [canonical_epc(v) for v in values]
            queryset = _has_field(queryset, Q(kind=kind, name=fk.short_cbv(m["type"], vocabulary), text__in=wanted))
        elif (m := _FIELD.match(name)) and not m["sensor"]:  # EQ_ILMD_…, GE_INNER_ILMD_…, EXISTS_…, LT_<ns>:<field> …
            kind = _FIELD_KINDS[(m["ilmd"] or "", bool(m["inner"]))]
            condition = Q(kind=kind) & field_names(m["name"]) & _field_value_q(name, m["op"], get(name))
            queryset = _has_field(queryset, condition)
    return queryset


@dataclass(frozen=True)
class Order:
    """A client-chosen order (orderBy/orderDirection, eventCountLimit) and the position in it."""

    field: str
    descending: bool
    offset: int = 0


def _ordering(queryset, params):
    """(queryset ordered as asked, Order) or (queryset, None) for the default (record_time, id)."""
    get = params.get
    order_by, direction = get("orderBy"), get("orderDirection")
    limit, maximum = get("eventCountLimit"), get("maxEventCount")
    if direction is not None and direction.strip() not in ("ASC", "DESC"):
        raise QueryParameterError(_("orderDirection = “%(value)s” phải là ASC hoặc DESC.") % {"value": direction})
    if limit is not None and maximum is not None:
        raise QueryParameterError(_("Không được dùng cùng lúc eventCountLimit và maxEventCount."))
    if limit is not None and order_by is None:
        raise QueryParameterError(_("eventCountLimit chỉ dùng được cùng orderBy."))
    if maximum is not None:
        _positive("maxEventCount", maximum)
    if order_by is None:
        return queryset, None
    field = order_by.strip()
    descending = (direction or "DESC").strip() == "DESC"
    if field in ("eventTime", "recordTime"):
        column = "event_time" if field == "eventTime" else "record_time"
        keys = [F(column), F("id")]
    elif _is_field_name(field):
        rows = EPCISEventField.objects.filter(Q(event=OuterRef("pk"), kind=fk.EXT) & field_names(field))
        queryset = queryset.annotate(
            _order_number=Subquery(rows.filter(number__isnull=False).order_by("number").values("number")[:1]),
            _order_time=Subquery(rows.filter(time__isnull=False).order_by("time").values("time")[:1]),
            _order_text=Subquery(rows.order_by("text").values("text")[:1]))
        keys = [F("_order_number"), F("_order_time"), F("_order_text"), F("id")]
    else:
        raise QueryParameterError(_("orderBy = “%(value)s” phải là eventTime, recordTime hoặc tên đầy đủ của một "
                                    "trường mở rộng.") % {"value": order_by})
    keys = [k.desc(nulls_last=True) if descending else k.asc(nulls_last=True) for k in keys]
    queryset = queryset.order_by(*keys)
    if limit is not None:
        first = queryset.values("pk")[:_positive("eventCountLimit", limit)]
        queryset = queryset.filter(pk__in=Subquery(first))
    return queryset, Order(field, descending)


def parse_page_token(token: str, *, ordered: bool = False):
    """(record_time, id) of the last row of a default-ordered page; with `ordered`, also
    (ORDER_MARK, offset) of a page in a client-chosen order."""
    try:
        first, second = signing.loads(token, salt=TOKEN_SALT)
        if first == ORDER_MARK and ordered:
            return ORDER_MARK, int(second)
        return datetime.fromisoformat(first), int(second)
    except (signing.BadSignature, ValueError, TypeError):
        raise QueryParameterError(_("nextPageToken không hợp lệ hoặc đã bị sửa (invalid nextPageToken).")) from None


def make_page_token(first, second: int) -> str:
    return signing.dumps([first if isinstance(first, str) else first.isoformat(), second], salt=TOKEN_SALT,
                         compress=True)


def apply_query(queryset, params, *, owners=None) -> tuple:
    """(filtered queryset, per_page, position) for a QueryDict of query parameters.

    `owners`: the senders whose master data WD_readPoint/WD_bizLocation may follow (see
    trace.queries.master_data_owners); None uses none. Raises QueryParameterError, and
    QueryTooLargeError when more events match than `maxEventCount`.
    """
    check_names(params)
    queryset = _filters(queryset, params, owners=owners)
    queryset, order = _ordering(queryset, params)
    per_page = DEFAULT_PER_PAGE
    if params.get("perPage") is not None:
        raw = params.get("perPage").strip()
        if not raw.isdigit() or not 1 <= int(raw) <= max_per_page():
            raise QueryParameterError(_("perPage = “%(value)s” phải là số nguyên từ 1 đến %(max)d.")
                                      % {"value": raw, "max": max_per_page()})
        per_page = int(raw)
    token = params.get("nextPageToken")
    after = parse_page_token(token, ordered=True) if token is not None else None
    if order is not None:
        if after is not None and after[0] != ORDER_MARK:
            raise QueryParameterError(_("nextPageToken không thuộc truy vấn có orderBy này."))
        after = Order(order.field, order.descending, after[1] if after is not None else 0)
    elif after is not None and after[0] == ORDER_MARK:
        raise QueryParameterError(_("nextPageToken chỉ dùng với truy vấn có orderBy."))
    if params.get("maxEventCount") is not None:
        maximum = _positive("maxEventCount", params.get("maxEventCount"))
        if queryset.order_by().values("pk")[:maximum + 1].count() > maximum:
            raise QueryTooLargeError(_("Truy vấn khớp hơn %(n)d sự kiện (maxEventCount): hãy thu hẹp điều kiện.")
                                     % {"n": maximum})
    return queryset, per_page, after


def _raw(rows):
    from .documents import RawJSON

    contexts = {}  # the events of one capture share its @context: read each distinct one once
    return [(pk, record_time, RawJSON(text), contexts[context] if context in contexts
             else contexts.setdefault(context, json.loads(context)))
            for pk, record_time, text, context in rows]


def page(queryset, per_page: int, after=None, *, raw_events: bool = False):
    """(rows, next key or None): rows are (id, record_time, event, context) in the query's order.

    `raw_events`: the event comes as its stored JSON text (documents.RawJSON), not parsed, so an
    answer can splice it in as it is (parsing and re-encoding a page of events cost more than
    the query itself)."""
    columns = ("id", "record_time", "event", "context")
    if raw_events:
        queryset = queryset.annotate(event_text=Cast("event", TextField()), context_text=Cast("context", TextField()))
        columns = ("id", "record_time", "event_text", "context_text")
    if isinstance(after, Order):  # client order: the queryset is ordered, the position is an offset
        rows = list(queryset.values_list(*columns)[after.offset:after.offset + per_page + 1])
        rows = _raw(rows) if raw_events else rows
        if len(rows) > per_page:
            return rows[:per_page], (ORDER_MARK, after.offset + per_page)
        return rows, None
    if after is not None:
        stamp, pk = after
        # (record_time, id) > (stamp, pk) as a row comparison is where the (record_time, id) index
        # starts its range, so the rows of the same record time already paged are not read and
        # thrown away (a capture gives hundreds of events one record time); the plain
        # `record_time >= stamp` lets PostgreSQL leave out the earlier monthly partitions at planning.
        # SQLite gets the same condition spelled with OR/AND (Django's fallback).
        queryset = queryset.filter(record_time__gte=stamp).filter(
            TupleGreaterThan(Tuple(F("record_time"), F("id")), (stamp, pk)))
    rows = list(queryset.order_by("record_time", "id").values_list(*columns)[:per_page + 1])
    rows = _raw(rows) if raw_events else rows
    if len(rows) > per_page:
        rows = rows[:per_page]
        return rows, (rows[-1][1], rows[-1][0])
    return rows, None
