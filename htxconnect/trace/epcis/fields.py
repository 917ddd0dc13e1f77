"""The parts of an event the query language filters on but that sit inside lists and objects:
quantities, ILMD and extension fields (expanded to full names), sensor data, sources and
destinations, business transactions, persistent dispositions.

They are copied at capture into `EPCISEventField` rows (one per value) so that each filter is an
indexed lookup on any database, instead of a walk through JSON that PostgreSQL and SQLite
spell differently and neither can index for ranges.
"""

from __future__ import annotations

import math
from datetime import datetime

from htxconnect.core.identifiers import canonical_epc

from .times import parse_time
from .vocab import normalize_disposition

# Kinds of field rows.
QUANTITY = "quantity"
ILMD, ILMD_INNER = "ilmd", "ilmd_inner"
EXT, EXT_INNER = "ext", "ext_inner"
SENSOR, MEASURE = "sensor", "measure"  # sensor attributes (deviceID, time …); measured values per uom, percRank
# Extension fields of a sensorElement, its sensorMetadata, its sensorReports (top level / nested).
S_ELEMENT, S_ELEMENT_INNER = "s_element", "s_element_inner"
S_METADATA, S_METADATA_INNER = "s_meta", "s_meta_inner"
S_REPORT, S_REPORT_INNER = "s_report", "s_report_inner"
# Rows of these kinds carry `report`, the number of the sensorReport they describe within the event
# (a sensorElement's metadata and extension fields are repeated for each of its reports).
SENSOR_KINDS = (SENSOR, MEASURE, S_ELEMENT, S_ELEMENT_INNER, S_METADATA, S_METADATA_INNER, S_REPORT, S_REPORT_INNER)
SOURCE, DESTINATION, BIZ_TX = "source", "destination", "biz_tx"
PD_SET, PD_UNSET = "pd_set", "pd_unset"

MAX_TEXT = 512
# Fields the EPCIS 2.0 event types define; any other top-level key is an extension field.
STANDARD_FIELDS = {
    "@context", "@type", "type", "eventID", "eventTime", "eventTimeZoneOffset", "recordTime", "errorDeclaration",
    "certificationInfo", "action", "bizStep", "disposition", "persistentDisposition", "readPoint", "bizLocation",
    "bizTransactionList", "sourceList", "destinationList", "sensorElementList", "ilmd", "epcList", "quantityList",
    "parentID", "childEPCs", "childQuantityList", "inputEPCList", "inputQuantityList", "outputEPCList",
    "outputQuantityList", "transformationID", "epcClass", "quantity",
}
QUANTITY_LISTS = ("quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList")
MEASURES = ("value", "minValue", "maxValue", "meanValue", "sDev", "percValue")
PERC_RANK = "percRank"  # a measure without unit
SENSOR_TEXT = ("type", "deviceID", "deviceMetadata", "rawData", "dataProcessingMethod", "bizRules", "microorganism",
               "chemicalSubstance", "stringValue", "booleanValue", "hexBinaryValue", "uriValue", "component", "exception")
SENSOR_TIMES = ("time", "startTime", "endTime")
# The standard's fields of sensorMetadata and sensorReport (EPCIS 2.0 §7.3.8); any other key is an extension field.
METADATA_FIELDS = {"time", "deviceID", "deviceMetadata", "rawData", "startTime", "endTime", "dataProcessingMethod",
                   "bizRules"}
REPORT_FIELDS = {"type", "exception", "deviceID", "deviceMetadata", "rawData", "dataProcessingMethod", "bizRules", "time",
                 "microorganism", "chemicalSubstance", "coordinateReferenceSystem", "value", "component", "stringValue",
                 "booleanValue", "hexBinaryValue", "uriValue", "minValue", "maxValue", "meanValue", "sDev", "percRank",
                 "percValue", "uom"}
_GS1_VOC = ("https://gs1.org/voc/", "http://gs1.org/voc/", "https://ref.gs1.org/voc/", "gs1:")
_CBV_PREFIXES = {
    "sdt": ("urn:epcglobal:cbv:sdt:", "https://ref.gs1.org/cbv/SDT-", "http://ref.gs1.org/cbv/SDT-", "cbv:SDT-"),
    "btt": ("urn:epcglobal:cbv:btt:", "https://ref.gs1.org/cbv/BTT-", "http://ref.gs1.org/cbv/BTT-", "cbv:BTT-"),
}


def short_cbv(value: str, vocabulary: str) -> str:
    """`urn:epcglobal:cbv:sdt:owning_party`, `https://ref.gs1.org/cbv/SDT-owning_party` → `owning_party`."""
    value = (value or "").strip()
    for prefix in _CBV_PREFIXES[vocabulary]:
        if value.startswith(prefix):
            return value[len(prefix):]
    return value


def measurement_type(value: str) -> str:
    """`gs1:Temperature`, `https://gs1.org/voc/Temperature` → `Temperature` (the binding's bare word)."""
    value = (value or "").strip()
    for prefix in _GS1_VOC:
        if value.startswith(prefix):
            value = value[len(prefix):]
            return value.removeprefix("MeasurementType-")
    return value


def prefixes(context) -> dict[str, str]:
    """Namespace prefixes a document's @context declares (`{"example": "http://ns.example.com/epcis/"}`)."""
    found: dict[str, str] = {}
    for item in context if isinstance(context, list) else [context]:
        if isinstance(item, dict):
            for key, value in item.items():
                if isinstance(value, str) and not key.startswith("@"):
                    found[key] = value
                elif isinstance(value, dict) and isinstance(value.get("@id"), str):
                    found[key] = value["@id"]
    return found


def expand(name: str, known: dict[str, str]) -> str:
    """A compact name (`example:myField`) as its full IRI (`http://ns.example.com/epcis/myField`)."""
    prefix, sep, local = name.partition(":")
    if sep and prefix in known and not local.startswith("//"):
        return known[prefix] + local
    return name


def _time(value: str) -> datetime | None:
    if len(value) < 10 or value[4:5] != "-":
        return None
    try:
        return parse_time(value)
    except (ValueError, TypeError):
        return None


def _scalar(value) -> tuple[str, float | None, datetime | None]:
    if isinstance(value, bool):
        return ("true" if value else "false"), None, None
    if isinstance(value, (int, float)):
        number = float(value)
        return _num_text(number), (number if math.isfinite(number) else None), None
    text = str(value)
    try:
        number = float(text) if text.strip() else None
    except ValueError:
        number = None
    if number is not None and not math.isfinite(number):
        number = None
    return text[:MAX_TEXT], number, _time(text)


def _num_text(number: float) -> str:
    return str(int(number)) if number.is_integer() else repr(number)


def _walk(obj, known, kind_top, kind_inner, out, *, depth=0):
    """Rows for each key of `obj`: top-level keys as `kind_top`, nested ones as `kind_inner`."""
    if isinstance(obj, list):
        for item in obj:
            _walk(item, known, kind_top, kind_inner, out, depth=depth)
        return
    if not isinstance(obj, dict):
        return
    for key, value in obj.items():
        if key.startswith("@"):
            continue
        kind = kind_top if depth == 0 else kind_inner
        name = expand(key, known)
        alias = key if name != key else ""
        values = value if isinstance(value, list) else [value]
        for item in values:
            if isinstance(item, dict):
                if "#text" in item or "@value" in item:  # a value with XML attributes kept
                    text, number, time = _scalar(item.get("#text", item.get("@value")))
                    out.append((kind, name, alias, text, number, time))
                else:
                    out.append((kind, name, alias, "", None, None))
                _walk(item, known, kind_top, kind_inner, out, depth=depth + 1)
            elif item is not None:
                text, number, time = _scalar(item)
                out.append((kind, name, alias, text, number, time))


def _sensor_part(part: dict, known, ext_top, ext_inner, out) -> None:
    """Rows of one sensorMetadata or sensorReport: its attributes, measures and extension fields."""
    for attr in SENSOR_TEXT:
        if isinstance(part.get(attr), (str, bool)):
            value = part[attr]
            text = measurement_type(value) if attr == "type" else _scalar(value)[0]
            out.append((SENSOR, attr, "", text[:MAX_TEXT], None, None))
    for attr in SENSOR_TIMES:
        if isinstance(part.get(attr), str) and (when := _time(part[attr])) is not None:
            out.append((SENSOR, attr, "", "", None, when))
    uom = part.get("uom") if isinstance(part.get("uom"), str) else ""
    for attr in (*MEASURES, PERC_RANK):
        value = part.get(attr)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            out.append((MEASURE, attr, "", "" if attr == PERC_RANK else uom.strip(), float(value), None))
    standard = METADATA_FIELDS if ext_top == S_METADATA else REPORT_FIELDS
    _walk({k: v for k, v in part.items() if k not in standard}, known, ext_top, ext_inner, out)


def _sensor_rows(elements, known) -> list[tuple]:
    """Rows of a sensorElementList, each with the number of the sensorReport it belongs to: a
    report's own rows plus its element's metadata and extension fields (an element without
    reports counts as one)."""
    out: list[tuple] = []
    report_no = 0
    for element in elements if isinstance(elements, list) else []:
        if not isinstance(element, dict):
            continue
        shared: list[tuple] = []
        if isinstance(element.get("sensorMetadata"), dict):
            _sensor_part(element["sensorMetadata"], known, S_METADATA, S_METADATA_INNER, shared)
        _walk({k: v for k, v in element.items() if k not in ("sensorMetadata", "sensorReport")}, known,
              S_ELEMENT, S_ELEMENT_INNER, shared)
        reports = element.get("sensorReport")
        reports = [r for r in (reports if isinstance(reports, list) else [reports]) if isinstance(r, dict)]
        for report in reports or [None]:
            report_no += 1
            rows = list(shared)
            if report is not None:
                _sensor_part(report, known, S_REPORT, S_REPORT_INNER, rows)
            out.extend((*row, report_no) for row in rows)
    return out


def grouped_field_rows(event: dict, context) -> list[tuple]:
    """(kind, name, alias, text, number, time, report) for every filterable value of one event;
    `report` numbers the sensorReport of sensor rows, None for the others."""
    known = prefixes(context)
    if isinstance(event.get("@context"), (list, dict)):
        known.update(prefixes(event["@context"]))
    out: list[tuple] = []
    for key in QUANTITY_LISTS:
        for element in event.get(key) or []:
            if isinstance(element, dict) and isinstance(element.get("quantity"), (int, float)) \
                    and not isinstance(element.get("quantity"), bool):
                uom = element.get("uom") if isinstance(element.get("uom"), str) else ""
                out.append((QUANTITY, key, "", uom, float(element["quantity"]), None))
    if isinstance(event.get("ilmd"), dict):
        _walk(event["ilmd"], known, ILMD, ILMD_INNER, out)
    extensions = {k: v for k, v in event.items() if k not in STANDARD_FIELDS}
    _walk(extensions, known, EXT, EXT_INNER, out)
    for key, kind, field in (("sourceList", SOURCE, "source"), ("destinationList", DESTINATION, "destination")):
        for element in event.get(key) or []:
            if isinstance(element, dict) and isinstance(element.get(field), str):
                out.append((kind, short_cbv(str(element.get("type") or ""), "sdt"), "",
                            canonical_epc(element[field])[:MAX_TEXT], None, None))
    for element in event.get("bizTransactionList") or []:
        if isinstance(element, dict) and isinstance(element.get("bizTransaction"), str):
            out.append((BIZ_TX, short_cbv(str(element.get("type") or ""), "btt"), "",
                        element["bizTransaction"].strip()[:MAX_TEXT], None, None))
    persistent = event.get("persistentDisposition")
    if isinstance(persistent, dict):
        for key, kind in (("set", PD_SET), ("unset", PD_UNSET)):
            for value in persistent.get(key) or []:
                if isinstance(value, str):
                    out.append((kind, "", "", normalize_disposition(value)[:MAX_TEXT], None, None))
    rows = [(*row, None) for row in out] + _sensor_rows(event.get("sensorElementList"), known)
    return [(kind, name[:MAX_TEXT], alias[:255], text, number, time, report)
            for kind, name, alias, text, number, time, report in rows]


def field_rows(event: dict, context) -> list[tuple]:
    """(kind, name, alias, text, number, time): `grouped_field_rows` without the report number
    (migration 0003 stores these)."""
    return [row[:6] for row in grouped_field_rows(event, context)]


def store_fields(rows) -> None:
    """Insert the field rows of stored EPCISEvent instances (pk set), inside the caller's transaction."""
    from django.db import connection

    from htxconnect.trace.models import EPCISEventField

    entries = [(row.pk, *fields) for row in rows for fields in grouped_field_rows(row.event, row.context)]
    if not entries:
        return
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            raw = cursor.cursor
            with raw.copy(f"COPY {EPCISEventField._meta.db_table} "
                          "(event_id, kind, name, alias, text, number, time, report) FROM STDIN") as copy:
                for entry in entries:
                    copy.write_row(entry)
        return
    EPCISEventField.objects.bulk_create(
        [EPCISEventField(event_id=pk, kind=kind, name=name, alias=alias, text=text, number=number, time=time,
                         report=report)
         for pk, kind, name, alias, text, number, time, report in entries], batch_size=2000)
