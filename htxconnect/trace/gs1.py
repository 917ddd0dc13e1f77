"""GS1 identifiers: GTIN/GLN/SSCC check digits, EPC URNs and GS1 Digital Link URIs.

Pure functions (no database). EPC URNs (`urn:epc:id:sgtin:0614141.812345.6789`) and Digital
Link URIs (`https://id.gs1.org/01/80614141123458/21/6789`) name the same things; `canonical_epc`
maps both to one string so the EPCIS repository can match either form.

Company prefix length: an EPC URN splits the key into company prefix and reference, and the
key itself does not say where. `digital_link_to_epc` therefore takes `gcp_length`, else looks
the prefix up in `known_prefixes` (the prefixes recorded for the cooperatives, longest match
first), then `settings.GS1_COMPANY_PREFIXES`, then GS1's published prefix-length table as
shipped by biip. GS1 Vietnam (893) assigns prefixes of several lengths; for an 893 number
found in none of these we refuse rather than guess (`GS1Error`). Matching never needs the
length: the canonical form is the Digital Link form, built from the whole key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit

from django.utils.translation import gettext as _

DL_BASE = "https://id.gs1.org"
GTIN_LENGTHS = (8, 12, 13, 14)
# Characters left as they are in a serial or lot inside a URI path segment; everything else of
# GS1's AI encodable set 82 (" % & / < > ? and so on) is percent-encoded.
_SAFE = "!'()*+,-.:;=_"


class GS1Error(ValueError):
    """An identifier that breaks a GS1 rule; the message (Vietnamese) names the rule."""


class CheckDigitError(GS1Error):
    def __init__(self, message: str, *, expected: str, found: str):
        super().__init__(message)
        self.expected = expected
        self.found = found


# --- Check digits and keys ----------------------------------------------------------------


def check_digit(body: str) -> str:
    """The GS1 mod-10 check digit for `body` (all digits before the check digit)."""
    if not body.isdigit():
        raise GS1Error(_("“%(value)s” chỉ được chứa chữ số.") % {"value": body})
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return str((10 - total % 10) % 10)


gtin_check_digit = check_digit


def _check(value: str, kind: str, lengths: tuple[int, ...]) -> str:
    value = (value or "").strip()
    if not value.isdigit():
        raise GS1Error(_("%(kind)s “%(value)s” chỉ được chứa chữ số.") % {"kind": kind, "value": value})
    if len(value) not in lengths:
        raise GS1Error(
            _("%(kind)s “%(value)s” có %(n)d chữ số; độ dài hợp lệ: %(lengths)s.")
            % {"kind": kind, "value": value, "n": len(value), "lengths": ", ".join(map(str, lengths))}
        )
    expected = check_digit(value[:-1])
    if value[-1] != expected:
        raise CheckDigitError(
            _("%(kind)s “%(value)s” sai chữ số kiểm tra: chữ số cuối phải là %(expected)s, không phải %(found)s.")
            % {"kind": kind, "value": value, "expected": expected, "found": value[-1]},
            expected=expected, found=value[-1],
        )
    return value


def validate_gtin(value: str) -> str:
    """A GTIN-8/12/13/14 checked and returned as GTIN-14 (zero-padded); raises GS1Error."""
    return _check(value, "GTIN", GTIN_LENGTHS).zfill(14)


normalize_gtin = validate_gtin


def is_valid_gtin(value: str) -> bool:
    try:
        validate_gtin(value)
    except GS1Error:
        return False
    return True


def display_gtin(gtin14: str) -> str:
    """A stored GTIN-14 as usually printed: GTIN-13 when it starts with 0, GTIN-8 when padded so."""
    if gtin14.startswith("000000"):
        return gtin14[6:]
    if gtin14.startswith("0"):
        return gtin14[1:]
    return gtin14


def make_gtin13(company_prefix: str, item_reference: int | str) -> str:
    """Assign a GTIN-13: company prefix + item reference (zero-padded) + computed check digit."""
    company_prefix = (company_prefix or "").strip()
    if not company_prefix.isdigit() or not 6 <= len(company_prefix) <= 11:
        raise GS1Error(_("Mã doanh nghiệp GS1 “%(value)s” phải gồm 6–11 chữ số.") % {"value": company_prefix})
    width = 12 - len(company_prefix)
    ref = str(item_reference)
    if not ref.isdigit() or len(ref) > width:
        raise GS1Error(
            _("Số tham chiếu sản phẩm “%(ref)s” phải gồm tối đa %(width)d chữ số với mã doanh nghiệp %(prefix)s.")
            % {"ref": ref, "width": width, "prefix": company_prefix}
        )
    body = company_prefix + ref.zfill(width)
    return body + check_digit(body)


def validate_gln(value: str) -> str:
    return _check(value, "GLN", (13,))


def validate_sscc(value: str) -> str:
    return _check(value, "SSCC", (18,))


# --- Company prefix length ----------------------------------------------------------------


def gcp_length(digits: str, known_prefixes=()) -> int:
    """Length of the GS1 company prefix at the start of `digits` (a key without indicator)."""
    from django.conf import settings

    candidates = [p for p in list(known_prefixes) + list(getattr(settings, "GS1_COMPANY_PREFIXES", []) or [])
                  if p and digits.startswith(p)]
    if candidates:
        return len(max(candidates, key=len))
    try:
        from biip.gs1_prefixes import GS1CompanyPrefix

        found = GS1CompanyPrefix.extract(digits)
    except Exception:  # biip's table is an optimisation, never a reason to crash
        found = None
    if found is not None:
        return len(found.value)
    raise GS1Error(
        _("Không xác định được độ dài mã doanh nghiệp GS1 của “%(value)s”: hãy khai báo mã doanh nghiệp.")
        % {"value": digits}
    )


# --- EPC URN <-> Digital Link ----------------------------------------------------------------


@dataclass(frozen=True)
class GS1Key:
    """One identified thing: a primary key AI with its value and key qualifiers."""

    ai: str  # "01" GTIN, "00" SSCC, "414" GLN
    value: str
    serial: str | None = None  # AI 21 (with 01)
    lot: str | None = None  # AI 10 (with 01)
    extension: str | None = None  # AI 254 (with 414)
    cpv: str | None = None  # AI 22 (with 01)

    def digital_link(self, base: str = DL_BASE) -> str:
        path = f"/{self.ai}/{self.value}"
        if self.ai == "01":
            if self.cpv:
                path += f"/22/{quote(self.cpv, safe=_SAFE)}"
            if self.lot is not None:
                path += f"/10/{quote(self.lot, safe=_SAFE)}"
            if self.serial is not None:
                path += f"/21/{quote(self.serial, safe=_SAFE)}"
        elif self.ai == "414" and self.extension not in (None, "", "0"):
            path += f"/254/{quote(self.extension, safe=_SAFE)}"
        return base.rstrip("/") + path


_URN = re.compile(r"^urn:epc:(?P<kind>id|class|idpat):(?P<scheme>[a-z0-9]+):(?P<rest>.+)$", re.IGNORECASE)


def _gtin_from(company_prefix: str, item_ref: str) -> str:
    if not (company_prefix.isdigit() and item_ref.isdigit()) or len(company_prefix) + len(item_ref) != 13:
        raise GS1Error(_("Mã doanh nghiệp và số tham chiếu trong EPC phải đủ 13 chữ số."))
    body = item_ref[0] + company_prefix + item_ref[1:]
    return body + check_digit(body)


def parse_epc_urn(urn: str) -> GS1Key:
    """An EPC pure-identity URN (sgtin, sscc, sgln), lgtin class or sgtin pattern as a GS1Key.

    A pattern `urn:epc:idpat:sgtin:CP.IR.*` gives the GTIN alone (the class of all its serials).
    """
    match = _URN.match((urn or "").strip())
    if not match:
        raise GS1Error(_("“%(value)s” không phải là URN EPC.") % {"value": urn})
    kind, scheme = match["kind"].lower(), match["scheme"].lower()
    # The last component (serial, lot, extension) may itself contain dots.
    parts = match["rest"].split(".", 1 if scheme == "sscc" else 2)
    if kind == "id" and scheme == "sgtin" and len(parts) == 3:
        return GS1Key("01", _gtin_from(parts[0], parts[1]), serial=unquote(parts[2]))
    if kind == "class" and scheme == "lgtin" and len(parts) == 3:
        return GS1Key("01", _gtin_from(parts[0], parts[1]), lot=unquote(parts[2]))
    if kind == "idpat" and scheme == "sgtin" and len(parts) == 3 and parts[2] == "*" and parts[1] != "*":
        return GS1Key("01", _gtin_from(parts[0], parts[1]))
    if kind == "id" and scheme == "sscc" and len(parts) == 2:
        cp, ref = parts
        if not (cp.isdigit() and ref.isdigit()) or len(cp) + len(ref) != 17:
            raise GS1Error(_("SSCC trong EPC phải đủ 17 chữ số trước chữ số kiểm tra."))
        body = ref[0] + cp + ref[1:]
        return GS1Key("00", body + check_digit(body))
    if kind == "id" and scheme == "sgln" and len(parts) == 3:
        cp, ref, ext = parts
        if not (cp.isdigit() and ref.isdigit()) or len(cp) + len(ref) != 12:
            raise GS1Error(_("GLN trong EPC phải đủ 12 chữ số trước chữ số kiểm tra."))
        return GS1Key("414", cp + ref + check_digit(cp + ref), extension=unquote(ext))
    raise GS1Error(_("Chưa hỗ trợ loại EPC “%(value)s”.") % {"value": urn})


_KEY_AIS = {"01": 14, "00": 18, "414": 13}
_QUALIFIERS = {"01": ("22", "10", "21"), "414": ("254",), "00": ()}


def parse_digital_link(uri: str) -> GS1Key:
    """The GS1Key named by a Digital Link URI (any host, any path prefix before the key).

    Raises GS1Error for a URI that is not a Digital Link of a supported key or whose key
    fails its check digit (the message names the expected digit).
    """
    parts = urlsplit((uri or "").strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise GS1Error(_("“%(value)s” không phải là GS1 Digital Link.") % {"value": uri})
    segments = [s for s in parts.path.split("/") if s != ""]
    for i in range(0, len(segments) - 1):
        ai = segments[i]
        if ai not in _KEY_AIS:
            continue
        value = unquote(segments[i + 1])
        if ai == "01":
            value = validate_gtin(value)
        elif ai == "00":
            value = validate_sscc(value)
        else:
            value = validate_gln(value)
        rest = segments[i + 2:]
        if len(rest) % 2:
            raise GS1Error(_("Đường dẫn Digital Link “%(value)s” thiếu giá trị sau mã AI cuối.") % {"value": uri})
        qualifiers: dict[str, str] = {}
        allowed = _QUALIFIERS[ai]
        last = -1
        for j in range(0, len(rest), 2):
            q = rest[j]
            if q not in allowed:
                raise GS1Error(_("Mã AI “%(ai)s” không được dùng sau AI %(key)s trong Digital Link.") % {"ai": q, "key": ai})
            if allowed.index(q) <= last:
                raise GS1Error(_("Các AI phụ trong Digital Link phải theo thứ tự %(order)s.") % {"order": ", ".join(allowed)})
            last = allowed.index(q)
            qualifiers[q] = unquote(rest[j + 1])
        return GS1Key(ai, value, serial=qualifiers.get("21"), lot=qualifiers.get("10"),
                      extension=qualifiers.get("254"), cpv=qualifiers.get("22"))
    raise GS1Error(_("“%(value)s” không chứa mã GS1 chính (01, 00 hoặc 414).") % {"value": uri})


def epc_to_digital_link(urn: str, base: str = DL_BASE) -> str:
    """`urn:epc:id:sgtin:0614141.812345.6789` → `https://id.gs1.org/01/80614141123458/21/6789`."""
    return parse_epc_urn(urn).digital_link(base)


def digital_link_to_epc(uri: str, *, gcp_length: int | None = None, known_prefixes=()) -> str:
    """A Digital Link URI as an EPC URN (sgtin, lgtin class, sgtin pattern, sscc, sgln)."""
    key = parse_digital_link(uri)
    if key.ai == "01":
        gtin = key.value
        if gtin.startswith("000000"):
            raise GS1Error(_("GTIN-8 “%(value)s” không có dạng URN EPC.") % {"value": gtin})
        length = gcp_length or _gcp_length_for(gtin[1:13], known_prefixes)
        cp, ref = gtin[1:1 + length], gtin[0] + gtin[1 + length:13]
        if key.serial is not None:
            return f"urn:epc:id:sgtin:{cp}.{ref}.{quote(key.serial, safe=_SAFE)}"
        if key.lot is not None:
            return f"urn:epc:class:lgtin:{cp}.{ref}.{quote(key.lot, safe=_SAFE)}"
        return f"urn:epc:idpat:sgtin:{cp}.{ref}.*"
    if key.ai == "00":
        sscc = key.value
        length = gcp_length or _gcp_length_for(sscc[1:17], known_prefixes)
        return f"urn:epc:id:sscc:{sscc[1:1 + length]}.{sscc[0]}{sscc[1 + length:17]}"
    gln = key.value
    length = gcp_length or _gcp_length_for(gln[:12], known_prefixes)
    ext = key.extension if key.extension not in (None, "") else "0"
    return f"urn:epc:id:sgln:{gln[:length]}.{gln[length:12]}.{quote(ext, safe=_SAFE)}"


def _gcp_length_for(digits: str, known_prefixes) -> int:
    length = gcp_length(digits, known_prefixes)
    if not 6 <= length <= 12:
        raise GS1Error(_("Độ dài mã doanh nghiệp GS1 không hợp lệ: %(n)d.") % {"n": length})
    return length


def gs1_key(value: str) -> GS1Key | None:
    """The GS1Key of an EPC URN or Digital Link URI, or None when it is neither (or invalid)."""
    value = (value or "").strip()
    try:
        if value[:8].lower() == "urn:epc:":
            return parse_epc_urn(value)
        if value[:4].lower() == "http":
            return parse_digital_link(value)
    except GS1Error:
        return None
    return None


def canonical_epc(value: str) -> str:
    """One string per identified thing, whichever form names it.

    GS1 keys become Digital Link URIs on id.gs1.org with only the qualifiers that identify
    (an instance: GTIN + serial, the lot dropped; a class: GTIN + lot; a pattern: the GTIN);
    anything else (urn:uuid, a company's own URIs, a malformed GS1 value) is kept as given.
    """
    key = gs1_key(value)
    if key is None:
        return (value or "").strip()
    if key.ai == "01" and key.serial is not None:
        key = GS1Key("01", key.value, serial=key.serial)
    return key.digital_link(DL_BASE)
