"""Answer formats the client asks for in headers: GS1-EPC-Format and GS1-Extensions.

GS1-EPC-Format (REST binding): `Always_GS1_Digital_Link` returns identifiers as GS1 Digital Link
URIs, `Always_EPC_URN` as EPC URNs, `Never_Translates` (and `No_Preference`) as they were
captured. Identifiers that have no form of the other kind (urn:uuid, a company's own URIs, GTIN-8
as a URN…) are returned unchanged. GS1-Extensions (`prefix=namespace, …`): collections use the
client's prefixes for values in those namespaces, and answers' @context carries the mappings.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from htxconnect.core import identifiers as gs1

EPC_FORMATS = ("No_Preference", "Always_GS1_Digital_Link", "Always_EPC_URN", "Never_Translates")
AS_CAPTURED = ("No_Preference", "Never_Translates")


class HeaderError(ValueError):
    """A GS1-* request header with a value the binding does not allow (406)."""


def epc_format_of(request) -> str:
    """The requested GS1-EPC-Format; absent: identifiers as captured (see docs/trace/epcis.md)."""
    value = request.headers.get("GS1-EPC-Format", "").strip()
    if not value:
        return "Never_Translates"
    if value not in EPC_FORMATS:
        raise HeaderError(_("GS1-EPC-Format = “%(value)s” phải là một trong %(allowed)s.")
                          % {"value": value[:100], "allowed": ", ".join(EPC_FORMATS)})
    return value


def convert_identifier(value, epc_format: str):
    """One identifier in the requested format. The one place the conversion is made, so it can
    move to the project's GS1 identifiers module without touching the callers."""
    if not isinstance(value, str) or epc_format in AS_CAPTURED:
        return value
    try:
        if epc_format == "Always_GS1_Digital_Link" and value[:8].lower() == "urn:epc:":
            return gs1.epc_to_digital_link(value)
        if epc_format == "Always_EPC_URN" and value[:4].lower() == "http":
            return gs1.digital_link_to_epc(value)
    except (gs1.GS1Error, ValueError, IndexError):
        pass
    return value


_EPC_LISTS = ("epcList", "childEPCs", "inputEPCList", "outputEPCList")
_QUANTITY_LISTS = ("quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList")


def event_in_format(event: dict, epc_format: str) -> dict:
    """A copy of `event` with its identifiers (EPCs, classes, parentID, readPoint, bizLocation,
    sources and destinations) in the requested format."""
    if epc_format in AS_CAPTURED:
        return event
    event = dict(event)
    for key in _EPC_LISTS:
        if isinstance(event.get(key), list):
            event[key] = [convert_identifier(v, epc_format) for v in event[key]]
    if "parentID" in event:
        event["parentID"] = convert_identifier(event["parentID"], epc_format)
    for key in _QUANTITY_LISTS:
        if isinstance(event.get(key), list):
            event[key] = [{**q, "epcClass": convert_identifier(q.get("epcClass"), epc_format)}
                          if isinstance(q, dict) and "epcClass" in q else q for q in event[key]]
    for key in ("readPoint", "bizLocation"):
        if isinstance(event.get(key), dict) and "id" in event[key]:
            event[key] = {**event[key], "id": convert_identifier(event[key]["id"], epc_format)}
    for key, member in (("sourceList", "source"), ("destinationList", "destination")):
        if isinstance(event.get(key), list):
            event[key] = [{**item, member: convert_identifier(item.get(member), epc_format)}
                          if isinstance(item, dict) and member in item else item for item in event[key]]
    return event


_PREFIX = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


def extensions_of(request) -> dict[str, str]:
    """The GS1-Extensions mappings `prefix=namespace, …` the client sent ({} when absent)."""
    raw = request.headers.get("GS1-Extensions", "").strip()
    mappings: dict[str, str] = {}
    if not raw:
        return mappings
    for item in raw.split(","):
        item = item.strip()
        if not item:
            continue
        prefix, sep, namespace = item.partition("=")
        prefix, namespace = prefix.strip(), namespace.strip()
        if not sep or not _PREFIX.match(prefix) or not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$", namespace):
            raise HeaderError(_("GS1-Extensions phải có dạng “tiền_tố=URI không gian tên, …”, ví dụ "
                                "example=https://ns.example.com/epcis/; nhận được “%(value)s”.") % {"value": item[:100]})
        mappings[prefix] = namespace
    return mappings


def compact(value: str, extensions: dict[str, str]) -> str:
    """`https://ns.example.com/epcis/step` → `ex:step` when the client mapped `ex` to that namespace."""
    if isinstance(value, str):
        for prefix, namespace in extensions.items():
            if value.startswith(namespace) and len(value) > len(namespace):
                return f"{prefix}:{value[len(namespace):]}"
    return value
