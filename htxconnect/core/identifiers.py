"""GS1 identifiers, in one place: check digits, GTINs, GLNs, SSCCs, GS1 Digital Link URIs and
EPC URNs (GS1 EPC Tag Data Standard 2.x), and the one canonical form the EPCIS repository matches.

Built on `biip`, which holds GS1's application identifier table and company prefix table,
computes check digits and parses Digital Link URIs (path qualifiers and query attributes).
This module adds only what biip lacks:

- messages in Vietnamese that name the broken rule (a person fixes the value from them);
- EPC URN <-> Digital Link for every key of the EPC URN scheme: SGTIN, SSCC, SGLN (with
  extension), GRAI, GIAI, GSRN, GSRNP, GDTI, SGCN, CPI, GINC, GSIN, ITIP, UPUI, PGLN, the
  class-level LGTIN and the GTIN pattern `urn:epc:idpat:sgtin:CP.IR.*`;
- the company prefix length an EPC URN needs (the key itself does not say where the prefix
  ends): an explicit length, else the prefixes recorded for the cooperatives, else
  `settings.GS1_COMPANY_PREFIXES`, else GS1's prefix-length table shipped with biip. A number
  found in none of these is refused rather than guessed (`GS1Error`);
- `canonical_epc`: one string per identified thing, whichever form names it.

Pure functions, no database.
"""

from __future__ import annotations

import functools
import re
from urllib.parse import quote, unquote, urlsplit

from biip import ParseError
from biip.checksums import gs1_standard_check_digit
from biip.gs1_application_identifiers import GS1ApplicationIdentifier
from biip.gs1_digital_link_uris import GS1DigitalLinkURI
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

DL_BASE = "https://id.gs1.org"
GTIN_LENGTHS = (8, 12, 13, 14)
GS1_VIETNAM_PREFIX = "893"
# Characters left as they are inside a Digital Link path segment: none but the unreserved ones
# (the same rule as biip's builder), so "/", "(", "*", "'" ... are always percent-encoded.
URI_SAFE = ""
_SAFE = URI_SAFE  # kept for callers of the former trace.gs1 module
# In an EPC URN (TDS §6.3, table "characters that must be escaped") only these are encoded.
_URN_ESCAPES = {'"': "%22", "%": "%25", "&": "%26", "/": "%2F", "<": "%3C", ">": "%3E", "?": "%3F"}


class GS1Error(ValueError):
    """An identifier that breaks a GS1 rule; the message (Vietnamese) names the rule."""

    def __init__(self, message: str, *, code: str = "invalid"):
        super().__init__(message)
        self.code = code


class CheckDigitError(GS1Error):
    def __init__(self, message: str, *, expected: str, found: str):
        super().__init__(message, code="check_digit")
        self.expected = expected
        self.found = found


# --- Check digits and keys -------------------------------------------------------------------


def check_digit(body: str) -> str:
    """The GS1 mod-10 check digit for `body` (all digits before the check digit)."""
    if not body or not body.isdigit() or not body.isascii():
        raise GS1Error(_("“%(value)s” chỉ được chứa chữ số.") % {"value": body}, code="digits")
    return str(gs1_standard_check_digit(body))


gtin_check_digit = check_digit


def strip_separators(value: str, separators: str) -> str:
    """The value without surrounding blanks and without the separators people type in codes."""
    value = (value or "").strip()
    for sep in separators:
        value = value.replace(sep, "")
    return value


def normalize_gtin(value: str) -> str:
    """A valid GTIN-8/12/13/14 as 14 digits (left-padded with zeros), else GS1Error.

    Spaces and dashes are ignored. A wrong check digit is a `CheckDigitError` naming the
    expected digit; it is never corrected silently.
    """
    raw = (value or "").strip()
    compact = strip_separators(raw, " -")
    if not compact:
        raise GS1Error(_("Mã GTIN trống."), code="required")
    if not (compact.isdigit() and compact.isascii()):
        raise GS1Error(_("Mã GTIN “%(value)s” chỉ được gồm chữ số.") % {"value": raw}, code="digits")
    if len(compact) not in GTIN_LENGTHS:
        raise GS1Error(
            _("Mã GTIN “%(value)s” có %(n)d chữ số: phải có 8, 12, 13 hoặc 14 chữ số.") % {"value": raw, "n": len(compact)},
            code="length",
        )
    expected = check_digit(compact[:-1])
    if compact[-1] != expected:
        raise CheckDigitError(
            _("Mã GTIN “%(value)s”: Số kiểm tra sai: phải là %(digit)s (chữ số cuối đang là %(given)s).")
            % {"value": raw, "digit": expected, "given": compact[-1]},
            expected=expected, found=compact[-1],
        )
    return compact.zfill(14)


validate_gtin = normalize_gtin


def is_valid_gtin(value: str) -> bool:
    try:
        normalize_gtin(value)
    except GS1Error:
        return False
    return True


def display_gtin(gtin14: str | None) -> str:
    """A stored GTIN-14 the way it is printed under the barcode: GTIN-13 for "0…" codes,
    GTIN-8 when padded so (a GTIN-12/UPC shows with its leading zero, as EAN-13 scanners read it)."""
    if not gtin14:
        return ""
    if gtin14.startswith("000000"):
        return gtin14[6:]
    if gtin14.startswith("0"):
        return gtin14[1:]
    return gtin14


def is_gs1_vietnam(gtin14: str) -> bool:
    """Whether a GTIN was allocated by GS1 Vietnam (prefix 893 on the GTIN-13)."""
    printed = display_gtin(gtin14)
    return len(printed) == 13 and printed.startswith(GS1_VIETNAM_PREFIX)


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


def _check(value: str, kind: str, lengths: tuple[int, ...]) -> str:
    value = (value or "").strip()
    if not (value.isdigit() and value.isascii()):
        raise GS1Error(_("%(kind)s “%(value)s” chỉ được chứa chữ số.") % {"kind": kind, "value": value}, code="digits")
    if len(value) not in lengths:
        raise GS1Error(
            _("%(kind)s “%(value)s” có %(n)d chữ số; độ dài hợp lệ: %(lengths)s.")
            % {"kind": kind, "value": value, "n": len(value), "lengths": ", ".join(map(str, lengths))},
            code="length",
        )
    expected = check_digit(value[:-1])
    if value[-1] != expected:
        raise CheckDigitError(
            _("%(kind)s “%(value)s” sai chữ số kiểm tra: chữ số cuối phải là %(expected)s, không phải %(found)s.")
            % {"kind": kind, "value": value, "expected": expected, "found": value[-1]},
            expected=expected, found=value[-1],
        )
    return value


def validate_gln(value: str) -> str:
    return _check(value, "GLN", (13,))


def validate_sscc(value: str) -> str:
    return _check(value, "SSCC", (18,))


# --- The application identifier table (biip's copy of GS1's) --------------------------------


def application_identifier(ai: str) -> GS1ApplicationIdentifier | None:
    """GS1's description of one AI ("01", "3103", …), or None when GS1 defines no such AI."""
    try:
        found = GS1ApplicationIdentifier.extract(ai)
    except ParseError:
        return None
    return found if found.ai == ai else None


def application_identifiers() -> list[str]:
    """Every AI in GS1's table (as shipped with biip)."""
    from biip.gs1_application_identifiers import _GS1_APPLICATION_IDENTIFIERS

    return list(_GS1_APPLICATION_IDENTIFIERS)


def ai_value_components(ai: str) -> list[str]:
    """The components of an AI's value as GS1 writes them, without the AI itself and without
    optional markers: "253" → ["N13", "X..17"], "8003" → ["N14", "X..16"]. Empty if unknown."""
    found = application_identifier(ai)
    if found is None:
        return []
    return [part.strip("[]") for part in found.format.replace("[+", "+").split("+")[1:] if part.strip("[]")]


# --- Company prefix length -------------------------------------------------------------------


def gcp_length(digits: str, known_prefixes=()) -> int:
    """Length of the GS1 company prefix at the start of `digits` (a key without indicator)."""
    from django.conf import settings

    candidates = [p for p in list(known_prefixes) + list(settings.GS1_COMPANY_PREFIXES)
                  if p and digits.startswith(p)]
    if candidates:
        return len(max(candidates, key=len))
    try:
        from biip.gs1_prefixes import GS1CompanyPrefix

        found = GS1CompanyPrefix.extract(digits)
    except Exception:  # biip's table is an aid, never a reason to crash
        found = None
    if found is not None:
        return len(found.value)
    raise GS1Error(
        _("Không xác định được độ dài mã doanh nghiệp GS1 của “%(value)s”: hãy khai báo mã doanh nghiệp.")
        % {"value": digits},
        code="gcp_length",
    )


def _gcp_length_for(digits: str, known_prefixes, given: int | None) -> int:
    length = given or gcp_length(digits, known_prefixes)
    if not 6 <= length <= 12:
        raise GS1Error(_("Độ dài mã doanh nghiệp GS1 không hợp lệ: %(n)d.") % {"n": length}, code="gcp_length")
    return length


# --- Keys --------------------------------------------------------------------------------------

# Primary keys a Digital Link URI may carry, with the key qualifiers allowed after each, in the
# order the GS1 Digital Link URI syntax requires (alternatives for GTIN: 22/10/21 or 235).
KEY_QUALIFIERS: dict[str, tuple[tuple[str, ...], ...]] = {
    "01": (("22", "10", "21"), ("235",)),
    "8006": (("22", "10", "21"),),
    "00": ((),), "253": ((),), "255": ((),), "401": ((),), "402": ((),), "417": ((),),
    "414": (("254",),), "415": (("8020",),), "8003": ((),), "8004": ((),),
    "8010": (("8011",),), "8013": ((),), "8017": (("8019",),), "8018": (("8019",),),
}
# Fixed-length numeric keys (with a check digit): AI → (name, length).
_NUMERIC_KEYS = {"01": ("GTIN", 14), "00": ("SSCC", 18), "414": ("GLN", 13), "417": ("GLN", 13),
                 "415": ("GLN", 13), "8017": ("GSRN", 18), "8018": ("GSRN", 18), "402": ("GSIN", 17)}


class GS1Key:
    """One identified thing: a primary key AI with its value, its key qualifiers (part of the
    identity: serial, lot, extension …) and data attributes (query parameters, not identity)."""

    __slots__ = ("ai", "value", "qualifiers", "attributes")

    def __init__(self, ai: str, value: str, *, serial: str | None = None, lot: str | None = None,
                 extension: str | None = None, cpv: str | None = None, qualifiers=None, attributes=None):
        self.ai = ai
        self.value = value
        found = dict(qualifiers or {})
        for q, v in (("22", cpv), ("10", lot), ("21", serial), ("254", extension)):
            if v is not None:
                found[q] = v
        self.qualifiers = _ordered(ai, found)
        self.attributes = tuple((attributes or {}).items()) if isinstance(attributes, dict) else tuple(attributes or ())

    def _get(self, ai: str) -> str | None:
        return dict(self.qualifiers).get(ai)

    serial = property(lambda self: self._get("21"))
    lot = property(lambda self: self._get("10"))
    extension = property(lambda self: self._get("254"))
    cpv = property(lambda self: self._get("22"))

    def __eq__(self, other):
        return isinstance(other, GS1Key) and (self.ai, self.value, self.qualifiers) == (other.ai, other.value, other.qualifiers)

    def __hash__(self):
        return hash((self.ai, self.value, self.qualifiers))

    def __repr__(self):
        return f"GS1Key({self.ai!r}, {self.value!r}, qualifiers={dict(self.qualifiers)!r})"

    def digital_link(self, base: str = DL_BASE) -> str:
        """The Digital Link URI (path only: the identity), on `base`."""
        path = f"/{self.ai}/{quote(self.value, safe=URI_SAFE)}"
        for q, v in self.qualifiers:
            if q == "254" and v in ("", "0"):
                continue  # SGLN extension 0 means "no extension" (TDS §6.3.3)
            path += f"/{q}/{quote(v, safe=URI_SAFE)}"
        return base.rstrip("/") + path

    def element_strings(self) -> str:
        """Human-readable element string: `(01)09506000134352(21)32a/b`."""
        return "".join(f"({ai}){v}" for ai, v in ((self.ai, self.value), *self.qualifiers))


def _ordered(ai: str, qualifiers: dict) -> tuple[tuple[str, str], ...]:
    order = [q for group in KEY_QUALIFIERS.get(ai, ((),)) for q in group]
    return tuple((q, qualifiers[q]) for q in order if q in qualifiers) + tuple(
        (q, v) for q, v in qualifiers.items() if q not in order)


# --- Digital Link URIs -----------------------------------------------------------------------


def parse_digital_link(uri: str) -> GS1Key:
    """The GS1Key named by a Digital Link URI (any host, any path prefix before the key), with
    its data attributes from the query string.

    The path structure (primary key, qualifiers in the allowed order) and the key's check digit
    are checked here with messages naming the rule; the values against GS1's AI table by biip.
    """
    parts = urlsplit((uri or "").strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise GS1Error(_("“%(value)s” không phải là GS1 Digital Link.") % {"value": uri}, code="not_dl")
    segments = [s for s in parts.path.split("/") if s != ""]
    for i in range(0, len(segments) - 1):
        ai = segments[i]
        if ai not in KEY_QUALIFIERS:
            continue
        value = unquote(segments[i + 1])
        rest = segments[i + 2:]
        if len(rest) % 2:
            raise GS1Error(_("Đường dẫn Digital Link “%(value)s” thiếu giá trị sau mã AI cuối.") % {"value": uri},
                           code="odd_path")
        qualifiers = _path_qualifiers(ai, rest)
        value = _check_key_value(ai, value)
        try:
            parsed = GS1DigitalLinkURI.parse(parts._replace(path="/".join([""] + segments[i:])).geturl())
        except ParseError as exc:
            raise GS1Error(_("Digital Link “%(value)s” không hợp lệ theo bảng AI của GS1: %(reason)s")
                           % {"value": uri, "reason": exc}, code="biip") from exc
        in_path = {ai, *qualifiers}
        attributes = {es.ai.ai: es.value for es in parsed.element_strings if es.ai.ai not in in_path}
        return GS1Key(ai, value, qualifiers=qualifiers, attributes=attributes)
    raise GS1Error(_("“%(value)s” không chứa mã GS1 chính (01, 00, 414…).") % {"value": uri}, code="no_key")


def _path_qualifiers(ai: str, rest: list[str]) -> dict[str, str]:
    groups = KEY_QUALIFIERS[ai]
    allowed = [q for group in groups for q in group]
    found: dict[str, str] = {}
    group, last = None, -1
    for j in range(0, len(rest), 2):
        q = rest[j]
        if q not in allowed:
            raise GS1Error(_("Mã AI “%(ai)s” không được dùng sau AI %(key)s trong Digital Link.") % {"ai": q, "key": ai},
                           code="qualifier")
        this = next(g for g in groups if q in g)
        if group is not None and this is not group or this.index(q) <= last:
            raise GS1Error(_("Các AI phụ trong Digital Link phải theo thứ tự %(order)s.") % {"order": ", ".join(this)},
                           code="qualifier_order")
        group, last = this, this.index(q)
        found[q] = unquote(rest[j + 1])
    return found


def _check_key_value(ai: str, value: str) -> str:
    if ai == "01":
        return normalize_gtin(value)
    if ai in _NUMERIC_KEYS:
        name, length = _NUMERIC_KEYS[ai]
        return _check(value, name, (length,))
    if ai in ("8003", "253", "255"):  # key with a check digit followed by a serial
        start, length = (1, 13) if ai == "8003" else (0, 13)
        _check(value[start:start + length], {"8003": "GRAI", "253": "GDTI", "255": "GCN"}[ai], (13,))
    if ai == "8006":
        _check(value[:14], "GTIN", (14,))
    return value


def epc_to_digital_link(urn: str, base: str = DL_BASE) -> str:
    """`urn:epc:id:sgtin:0614141.812345.6789` → `https://id.gs1.org/01/80614141123458/21/6789`."""
    return parse_epc_urn(urn).digital_link(base)


# --- EPC URNs (EPC Tag Data Standard 2.x, §6 and §7) ------------------------------------------

_URN = re.compile(r"^urn:epc:(?P<kind>id|class|idpat):(?P<scheme>[a-z0-9]+):(?P<rest>.+)$", re.IGNORECASE)
# Number of dot-separated fields of each scheme (the last one may itself contain dots).
_FIELDS = {"sgtin": 3, "sscc": 2, "sgln": 3, "grai": 3, "giai": 2, "gsrn": 2, "gsrnp": 2, "gdti": 3,
           "sgcn": 3, "cpi": 3, "ginc": 2, "gsin": 2, "itip": 5, "upui": 3, "pgln": 2, "lgtin": 3}


def _urn_escape(value: str) -> str:
    return "".join(_URN_ESCAPES.get(c, c) for c in value)


# Field names for messages, translated only when a message is built (capture parses thousands of
# valid EPCs per document; translating eagerly cost a fifth of its time).
_COMPANY_PREFIX = gettext_lazy("Mã doanh nghiệp")
_REFERENCE = gettext_lazy("Số tham chiếu")


def _digits(value: str, what) -> str:
    if not (value.isdigit() and value.isascii()):
        raise GS1Error(_("%(what)s “%(value)s” trong EPC chỉ được chứa chữ số.") % {"what": what, "value": value},
                       code="digits")
    return value


def _total(cp: str, ref: str, n: int, kind: str) -> None:
    """Company prefix + reference must make `n` digits; the reference may be empty when the
    prefix fills them all (a 12-digit prefix in a GLN, TDS §6.3)."""
    _digits(cp, _COMPANY_PREFIX)
    if ref:
        _digits(ref, _REFERENCE)
    if not 6 <= len(cp) <= 12 or len(cp) + len(ref) != n:
        raise GS1Error(_("%(kind)s trong EPC: mã doanh nghiệp (6–12 chữ số) và số tham chiếu phải đủ %(n)d chữ số.")
                       % {"kind": kind, "n": n}, code="length")


def _with_check(body: str) -> str:
    return body + check_digit(body)


def _gtin_from(cp: str, indicator_ref: str) -> str:
    _total(cp, indicator_ref, 13, "GTIN")
    return _with_check(indicator_ref[0] + cp + indicator_ref[1:])


def parse_epc_urn(urn: str) -> GS1Key:
    """An EPC pure-identity URN, LGTIN class or pattern naming a class
    (`urn:epc:idpat:sgtin:CP.IR.*`, also grai, gdti, sgcn, cpi, itip, upui) as a GS1Key.
    Schemes without a GS1 key (gid, usdod, adi, bic, imovn) are refused."""
    match = _URN.match((urn or "").strip())
    if not match:
        raise GS1Error(_("“%(value)s” không phải là URN EPC.") % {"value": urn}, code="not_urn")
    kind, scheme = match["kind"].lower(), match["scheme"].lower()
    n = _FIELDS.get(scheme)
    parts = match["rest"].split(".", n - 1) if n else []
    if n is None or len(parts) != n or (kind, scheme) not in _KINDS:
        raise GS1Error(_("Chưa hỗ trợ loại EPC “%(value)s”.") % {"value": urn}, code="scheme")
    if kind == "idpat":
        if parts[-1] != "*" or any("*" in p for p in parts[:-1]):
            raise GS1Error(_("Mẫu EPC “%(value)s” không chỉ một lớp sản phẩm (chỉ phần cuối là *).") % {"value": urn},
                           code="pattern")
        key = parse_epc_urn(f"urn:epc:id:{scheme}:{match['rest'][:-1]}0")
        class_level = {"01": "01", "8006": "8006", "8003": "8003", "253": "253", "255": "255", "8010": "8010"}
        value = key.value[:14] if key.ai == "8003" else key.value[:13] if key.ai in ("253", "255") else key.value
        if key.ai == "8010":
            value = key.value
        return GS1Key(class_level[key.ai], value)
    last = unquote(parts[-1])
    cp = parts[0]
    if scheme == "sgtin":
        return GS1Key("01", _gtin_from(cp, parts[1]), serial=last)
    if scheme == "lgtin":
        return GS1Key("01", _gtin_from(cp, parts[1]), lot=last)
    if scheme == "upui":
        return GS1Key("01", _gtin_from(cp, parts[1]), qualifiers={"235": last})
    if scheme == "itip":
        piece, total = parts[2], parts[3]
        if not (len(piece) == 2 and len(total) == 2 and piece.isdigit() and total.isdigit()):
            raise GS1Error(_("ITIP trong EPC: số thứ tự và tổng số phần phải có 2 chữ số."), code="length")
        return GS1Key("8006", _gtin_from(cp, parts[1]) + piece + total, serial=last)
    if scheme == "sscc":
        _total(cp, parts[1], 17, "SSCC")
        return GS1Key("00", _with_check(parts[1][:1] + cp + parts[1][1:]))
    if scheme == "pgln":
        _total(cp, last, 12, "GLN")
        return GS1Key("417", _with_check(cp + last))
    if scheme == "sgln":
        _total(cp, parts[1], 12, "GLN")
        return GS1Key("414", _with_check(cp + parts[1]), extension=last)
    if scheme in ("grai", "gdti", "sgcn"):
        _total(cp, parts[1], 12, scheme.upper())
        body = _with_check(cp + parts[1])
        if scheme == "sgcn" and not (last.isdigit() and len(last) <= 12):
            raise GS1Error(_("Số sê-ri của SGCN phải gồm tối đa 12 chữ số."), code="serial")
        return GS1Key({"grai": "8003", "gdti": "253", "sgcn": "255"}[scheme],
                      ("0" if scheme == "grai" else "") + body + last)
    if scheme in ("gsrn", "gsrnp"):
        _total(cp, last, 17, scheme.upper())
        return GS1Key("8018" if scheme == "gsrn" else "8017", _with_check(cp + last))
    if scheme == "gsin":
        _total(cp, last, 16, "GSIN")
        return GS1Key("402", _with_check(cp + last))
    _digits(cp, _COMPANY_PREFIX)
    if scheme == "giai":
        return GS1Key("8004", cp + last)
    if scheme == "ginc":
        return GS1Key("401", cp + last)
    # cpi: company prefix . component/part reference . serial
    return GS1Key("8010", cp + unquote(parts[1]), qualifiers={"8011": last})


_KINDS = {("id", s) for s in _FIELDS if s != "lgtin"} | {("class", "lgtin")} | {
    ("idpat", s) for s in ("sgtin", "grai", "gdti", "sgcn", "cpi", "itip", "upui")}


def digital_link_to_epc(uri: str, *, gcp_length: int | None = None, known_prefixes=()) -> str:
    """A Digital Link URI (or GS1Key) as an EPC URN: the pure identity of its key, the LGTIN
    class for GTIN + lot, the GTIN pattern for a GTIN alone."""
    key = uri if isinstance(uri, GS1Key) else parse_digital_link(uri)
    return key_to_epc(key, gcp_length=gcp_length, known_prefixes=known_prefixes)


def key_to_epc(key: GS1Key, *, gcp_length: int | None = None, known_prefixes=()) -> str:
    ai, v, esc = key.ai, key.value, _urn_escape

    def split(digits: str) -> tuple[str, str]:
        n = _gcp_length_for(digits, known_prefixes, gcp_length)
        return digits[:n], digits[n:]

    if ai in ("01", "8006"):
        gtin = v[:14]
        if gtin.startswith("000000"):
            raise GS1Error(_("GTIN-8 “%(value)s” không có dạng URN EPC.") % {"value": gtin}, code="gtin8")
        cp, ref = split(gtin[1:13])
        ref = gtin[0] + ref
        if ai == "8006":
            return f"urn:epc:id:itip:{cp}.{ref}.{v[14:16]}.{v[16:18]}.{esc(key.serial or '')}"
        q = dict(key.qualifiers)
        if "21" in q:
            return f"urn:epc:id:sgtin:{cp}.{ref}.{esc(q['21'])}"
        if "235" in q:
            return f"urn:epc:id:upui:{cp}.{ref}.{esc(q['235'])}"
        if "10" in q:
            return f"urn:epc:class:lgtin:{cp}.{ref}.{esc(q['10'])}"
        return f"urn:epc:idpat:sgtin:{cp}.{ref}.*"
    if ai == "00":
        cp, ref = split(v[1:17])
        return f"urn:epc:id:sscc:{cp}.{v[0]}{ref}"
    if ai in ("414", "417"):
        cp, ref = split(v[:12])
        if ai == "417":
            return f"urn:epc:id:pgln:{cp}.{ref}"
        ext = key.extension if key.extension not in (None, "") else "0"
        return f"urn:epc:id:sgln:{cp}.{ref}.{esc(ext)}"
    if ai == "8003":
        cp, ref = split(v[1:13])
        return f"urn:epc:id:grai:{cp}.{ref}.{esc(v[14:])}"
    if ai in ("253", "255"):
        cp, ref = split(v[:12])
        return f"urn:epc:id:{'gdti' if ai == '253' else 'sgcn'}:{cp}.{ref}.{esc(v[13:])}"
    if ai in ("8017", "8018"):
        cp, ref = split(v[:17])
        return f"urn:epc:id:{'gsrn' if ai == '8018' else 'gsrnp'}:{cp}.{ref}"
    if ai == "402":
        cp, ref = split(v[:16])
        return f"urn:epc:id:gsin:{cp}.{ref}"
    if ai in ("8004", "401", "8010"):
        digits = re.match(r"\d*", v).group()
        cp, _rest = split(digits[:12])
        scheme = {"8004": "giai", "401": "ginc", "8010": "cpi"}[ai]
        urn = f"urn:epc:id:{scheme}:{cp}.{esc(v[len(cp):])}"
        return urn + (f".{esc(dict(key.qualifiers).get('8011', ''))}" if ai == "8010" else "")
    raise GS1Error(_("Mã GS1 AI %(ai)s không có dạng URN EPC.") % {"ai": ai}, code="no_urn")


# --- One form for matching -------------------------------------------------------------------


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


# The two forms almost every captured EPC takes (a GTIN + serial or lot on a Digital Link without
# path prefix or query, an SGTIN URN), canonicalised without building a GS1Key or asking biip;
# anything else, or anything these patterns cannot vouch for, takes the full path below. Digits
# are ASCII ([0-9], not \d). tests/core/test_identifiers_fast.py checks both paths agree.
_FAST_DL = re.compile(r"https?://[^/?#\s]+/01/([0-9]{14})/(21|10)/([^/?#\s]+)")
_FAST_SGTIN = re.compile(r"urn:epc:id:sgtin:([0-9]{6,12})\.([0-9]{1,7})\.(\S+)")
# GS1 AI 21 and 10: 1–20 characters of the GS1 AI encodable character set 82.
_CSET82 = re.compile(r"[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]{1,20}")


# Characters that quote() never escapes: a serial made only of these is its own quoted form.
_UNRESERVED = re.compile(r"[0-9A-Za-z_.~-]*")


@functools.lru_cache(maxsize=4096)
def _check_digit(digits13: str) -> str:
    """Cached: a capture names the same few products (GTINs) in thousands of EPCs."""
    return str(gs1_standard_check_digit(digits13))


def _quoted(text: str) -> str:
    return text if _UNRESERVED.fullmatch(text) else quote(text, safe=URI_SAFE)


def _fast_canonical(value: str) -> str | None:
    match = _FAST_DL.fullmatch(value)
    if match:
        gtin, ai, raw = match.groups()
        text = unquote(raw) if "%" in raw else raw
        if _CSET82.fullmatch(text) and _check_digit(gtin[:13]) == gtin[13]:
            return f"{DL_BASE}/01/{gtin}/{ai}/{_quoted(text)}"
        return None
    match = _FAST_SGTIN.fullmatch(value)
    if match:
        cp, ref, serial = match.groups()
        if len(cp) + len(ref) == 13:
            body = ref[0] + cp + ref[1:]
            text = unquote(serial) if "%" in serial else serial
            return f"{DL_BASE}/01/{body}{_check_digit(body)}/21/{_quoted(text)}"
    return None


@functools.lru_cache(maxsize=65536)
def canonical_epc(value: str) -> str:
    """One string per identified thing, whichever form names it.

    GS1 keys become Digital Link URIs on id.gs1.org with only the qualifiers that identify
    (a GTIN instance: GTIN + serial, the lot and CPV dropped; a class: GTIN + lot; a pattern:
    the GTIN); data attributes are dropped (the rules of GS1's EPCIS event hash generator). Anything else (urn:uuid, a company's own URIs, a
    malformed GS1 value) is kept as given.

    Cached: a pure function of the string, and captures repeat the same read points, locations
    and classes across their events.
    """
    fast = _fast_canonical(value) if value else None
    if fast is not None:
        return fast
    return _canonical_epc_full(value)


def _canonical_epc_full(value: str) -> str:
    key = gs1_key(value)
    if key is None:
        return (value or "").strip()
    if key.ai in ("01", "8006"):
        # As GS1's EPCIS event hash rules: an instance is GTIN (or ITIP) + serial; a class is
        # GTIN + lot; the consumer product variant (22) never identifies.
        q = dict(key.qualifiers)
        keep = {"21": q["21"]} if "21" in q else {k: v for k, v in q.items() if k in ("10", "235")}
        key = GS1Key(key.ai, key.value, qualifiers=keep)
    return key.digital_link(DL_BASE)
