"""EPC pure-identity patterns (`urn:epc:idpat:…`, EPC Tag Data Standard §6.5) as conditions on
the canonical identifiers the repository stores (Digital Link URIs, see core.identifiers).

A `*` may stand for any field (`urn:epc:idpat:sgtin:0614141.*.*`, `…:*.812345.*`,
`…:0614141.*.400`). A pattern whose fields are all known is the identifier itself. Otherwise it
becomes a regular expression over the stored Digital Link, plus the literal start of that link
so that PostgreSQL can range-scan its `varchar_pattern_ops` index before testing the rest.
"""

from __future__ import annotations

import re
from urllib.parse import quote, unquote

from django.db.models import Q

from htxconnect.core.identifiers import DL_BASE, URI_SAFE, canonical_epc, check_digit

_PATTERN = re.compile(r"^urn:epc:idpat:(?P<scheme>[a-z0-9]+):(?P<rest>.+)$", re.IGNORECASE)
_FIELDS = {"sgtin": 3, "sscc": 2, "sgln": 3, "grai": 3, "giai": 2, "gsrn": 2, "gsrnp": 2, "gdti": 3, "sgcn": 3,
           "cpi": 3, "ginc": 2, "gsin": 2, "itip": 5, "upui": 3, "pgln": 2}
ANY_TEXT = r"[^/?]+"


class PatternError(ValueError):
    pass


def _enc(urn_field: str) -> str:
    """A URN field (TDS escapes) as it appears in the canonical Digital Link (percent-encoded)."""
    return re.escape(quote(unquote(urn_field), safe=URI_SAFE))


def _key(indicator: bool, cp: str | None, ref: str | None, total: int, *, then_text: bool = False) -> str:
    """Regex of a numeric key with check digit: [indicator] + company prefix + reference + check.

    `ref` includes the indicator digit first when `indicator` is set (as in the URN)."""
    if cp is not None and ref is not None:
        body = (ref[:1] + cp + ref[1:]) if indicator else (cp + ref)
        return re.escape(body + check_digit(body))
    head = re.escape(ref[:1]) if indicator and ref is not None else (r"\d" if indicator else "")
    middle = re.escape(cp) if cp is not None else r"\d*"
    tail = (re.escape(ref[1:] if indicator else ref) + r"\d") if ref is not None else r"\d*"
    # the key has `total` digits; a serial that follows it (GRAI, GDTI, GCN) may start with digits
    ahead = rf"(?=\d{{{total}}})" if then_text else rf"(?=\d{{{total}}}(?![0-9]))"
    return f"{ahead}{head}{middle}{tail}"


def _regex(scheme: str, f: list[str | None]) -> str:
    cp = f[0]
    text = lambda v: _enc(v) if v is not None else ANY_TEXT  # noqa: E731
    if scheme == "sgtin":
        serial = "/21/" + _enc(f[2]) if f[2] is not None else r"(?:/[^?]*)?"  # a class pattern: every lot/serial
        return "/01/" + _key(True, cp, f[1], 14) + serial
    if scheme == "upui":
        return "/01/" + _key(True, cp, f[1], 14) + "/235/" + text(f[2])
    if scheme == "itip":
        piece = lambda v: re.escape(v) if v is not None else r"\d\d"  # noqa: E731
        return "/8006/" + _key(True, cp, f[1], 14) + piece(f[2]) + piece(f[3]) + "/21/" + text(f[4])
    if scheme == "sscc":
        return "/00/" + _key(True, cp, f[1], 18)
    if scheme == "sgln":
        if f[2] is None:
            ext = r"(?:/254/[^/?]+)?"
        else:
            ext = "" if unquote(f[2]) in ("0", "") else "/254/" + _enc(f[2])
        return "/414/" + _key(False, cp, f[1], 13) + ext
    if scheme == "pgln":
        return "/417/" + _key(False, cp, f[1], 13)
    if scheme in ("gsrn", "gsrnp"):
        return ("/8018/" if scheme == "gsrn" else "/8017/") + _key(False, cp, f[1], 18)
    if scheme == "gsin":
        return "/402/" + _key(False, cp, f[1], 17)
    if scheme == "grai":
        return "/8003/0" + _key(False, cp, f[1], 13, then_text=True) + (_enc(f[2]) if f[2] is not None else r"[^/?]*")
    if scheme in ("gdti", "sgcn"):
        return ("/253/" if scheme == "gdti" else "/255/") + _key(False, cp, f[1], 13, then_text=True) + (
            _enc(f[2]) if f[2] is not None else r"[^/?]*")
    company = re.escape(cp) if cp is not None else r"\d{6,12}"
    if scheme == "cpi":
        return "/8010/" + company + text(f[1]) + "/8011/" + text(f[2])
    return ("/8004/" if scheme == "giai" else "/401/") + company + text(f[1])


def parse(value: str) -> tuple[str, list[str | None]] | None:
    """(scheme, fields with None for `*`) of an EPC pattern, None if `value` is not one."""
    match = _PATTERN.match((value or "").strip())
    if not match:
        return None
    scheme = match["scheme"].lower()
    n = _FIELDS.get(scheme)
    if n is None:
        raise PatternError(scheme)
    fields = match["rest"].split(".", n - 1)
    if len(fields) != n:
        raise PatternError(value)
    return scheme, [None if field == "*" else field for field in fields]


def epc_condition(value: str, field: str = "epc") -> Q:
    """A condition on a canonical-identifier column matching `value`: an identifier (URN or
    Digital Link, compared in canonical form) or an EPC pattern."""
    parsed = parse(value)
    if parsed is None:
        return Q(**{field: canonical_epc(value)})
    scheme, fields = parsed
    if scheme == "sgtin" and fields[0] is not None and fields[1] is not None and fields[2] is None:
        base = canonical_epc(value)  # the class: the GTIN itself and every lot and serial below it
        return Q(**{field: base}) | Q(**{f"{field}__startswith": base + "/"})
    regex = "^" + re.escape(DL_BASE) + _regex(scheme, fields) + "$"
    return Q(**{f"{field}__startswith": literal_prefix(regex)}) & Q(**{f"{field}__regex": regex})


def literal_prefix(regex: str) -> str:
    """The text every match of `regex` (anchored with ^) starts with."""
    out, i = [], 1
    while i < len(regex):
        c = regex[i]
        if c == "\\":
            nxt = regex[i + 1:i + 2]
            if not nxt or nxt.isalnum():
                break
            out.append(nxt)
            i += 2
            continue
        if c in ".^$*+?{}[]()|":
            break
        out.append(c)
        i += 1
    return "".join(out)
