"""Vietnam's administrative units after 1 July 2025 (34 provinces and their communes/wards) and
the conversion of addresses written with the old units (63 provinces, districts, communes).

Data comes from the `vietnamadminunits` package and is read offline: its dataset.db for the
current units and its converter table (old commune → new ward) for conversions. We never call
`vietnamadminunits.convert_address`, which geocodes street addresses online (ArcGIS) to pick
one ward when an old commune was split; a split is reported as `ambiguous` with its candidates
instead (DOMAIN.md: never guess silently). See docs/decisions/0002-admin-units.md.

Loading is lazy: the unit lists (~10 ms) on first use of `provinces()`/`wards()`, the
library's address parser (~0.7 s: JSON tables, regexes, shapely/geopy) on the first
conversion only.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import re
import sqlite3
import threading
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from django.utils.translation import gettext as _

from .text import fold

logger = logging.getLogger(__name__)

CONVERTED = "converted"
AMBIGUOUS = "ambiguous"
FAILED = "failed"


@dataclass(frozen=True)
class Province:
    code: str  # "79"
    name: str  # "Thành phố Hồ Chí Minh"
    short_name: str  # "Hồ Chí Minh"

    def __str__(self):
        return self.name


@dataclass(frozen=True)
class Ward:
    """A commune-level unit: xã, phường or đặc khu."""

    code: str  # "25864"
    name: str  # "Xã Phước Thành"
    province_code: str  # "79"
    short_name: str = ""  # "Phước Thành"
    kind: str = ""  # "Xã" | "Phường" | "Đặc khu"

    @property
    def province(self) -> Province:
        return get_province(self.province_code)

    @property
    def full_name(self) -> str:
        """ "Xã Phước Thành, Thành phố Hồ Chí Minh"."""
        return f"{self.name}, {self.province.name}"

    def __str__(self):
        return self.name


@dataclass
class Conversion:
    """The result of reading an address written with pre-2025 (or current) units.

    status: "converted" (ward and province known), "ambiguous" (the user must pick one of
    `candidates`; `province` is known) or "failed" (nothing recognised; `province` may still
    be set when only the province was recognised but it has no current ward candidates).
    """

    written: str
    status: str
    ward: Ward | None = None
    province: Province | None = None
    candidates: list[Ward] = field(default_factory=list)
    street: str = ""
    message: str = ""
    # The old units recognised in the text (names as the old lists spell them), for display.
    legacy_province: str = ""
    legacy_district: str = ""
    legacy_ward: str = ""
    # True when the text already named a current (post-2025) ward.
    already_current: bool = False

    @property
    def converted(self) -> bool:
        return self.status == CONVERTED

    @property
    def ambiguous(self) -> bool:
        return self.status == AMBIGUOUS

    @property
    def failed(self) -> bool:
        return self.status == FAILED

    @property
    def legacy_repr(self) -> str:
        return ", ".join(p for p in (self.legacy_ward, self.legacy_district, self.legacy_province) if p)

    def to_dict(self) -> dict:
        """JSON-safe form (for import previews stored by tasks)."""
        return {
            "written": self.written,
            "status": self.status,
            "ward_code": self.ward.code if self.ward else None,
            "province_code": self.province.code if self.province else None,
            "candidate_codes": [w.code for w in self.candidates],
            "street": self.street,
            "message": self.message,
            "legacy": self.legacy_repr,
            "already_current": self.already_current,
        }


# ---------------------------------------------------------------------------------------------
# Data loading


def _data_dir() -> Path:
    # find_spec locates the package without importing it (importing loads the parser: ~0.7 s).
    spec = importlib.util.find_spec("vietnamadminunits")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("The vietnamadminunits package is not installed.")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


@dataclass
class _Units:
    provinces: dict[str, Province]  # by code, ordered by code
    wards: dict[str, Ward]  # by code
    wards_by_province: dict[str, list[Ward]]
    province_by_key: dict[str, str]  # "thanhphohochiminh" → "79"
    ward_by_key: dict[tuple[str, str], str]  # ("thanhphohochiminh", "xaphuocthanh") → "25864"
    typed_names: dict[str, list[str]]  # folded "xa phuoc thanh" → ward codes


_lock = threading.Lock()


@cache
def _units() -> _Units:
    with sqlite3.connect(f"file:{_data_dir() / 'dataset.db'}?mode=ro", uri=True) as conn:
        rows = conn.execute(
            "SELECT provinceCode, province, provinceShort, provinceKey, wardCode, ward, wardShort, wardType, wardKey"
            " FROM admin_units"
        ).fetchall()
    provinces: dict[str, Province] = {}
    wards: dict[str, Ward] = {}
    province_by_key: dict[str, str] = {}
    ward_by_key: dict[tuple[str, str], str] = {}
    typed_names: dict[str, list[str]] = {}
    for p_code, p_name, p_short, p_key, w_code, w_name, w_short, w_type, w_key in rows:
        if p_code not in provinces:
            provinces[p_code] = Province(code=p_code, name=p_name, short_name=p_short)
            province_by_key[p_key] = p_code
        wards[w_code] = Ward(code=w_code, name=w_name, province_code=p_code, short_name=w_short, kind=w_type)
        ward_by_key[(p_key, w_key)] = w_code
        typed_names.setdefault(fold(w_name), []).append(w_code)
    provinces = dict(sorted(provinces.items()))
    by_province: dict[str, list[Ward]] = {code: [] for code in provinces}
    for ward in wards.values():
        by_province[ward.province_code].append(ward)
    for items in by_province.values():
        items.sort(key=lambda w: (fold(w.short_name), w.kind, w.code))
    return _Units(provinces, wards, by_province, province_by_key, ward_by_key, typed_names)


@dataclass
class _LegacyIndex:
    province_to_current: dict[str, str]  # old province key → current province code
    by_ward: dict[tuple[str, str, str], list[str]]  # (old prov, old district, old ward) → codes
    by_district: dict[tuple[str, str], list[str]]
    by_province: dict[str, list[str]]


def _add(target: dict, key, code: str, first: bool = False):
    codes = target.setdefault(key, [])
    if code in codes:
        if first:
            codes.remove(code)
            codes.insert(0, code)
        return
    if first:
        codes.insert(0, code)
    else:
        codes.append(code)


@cache
def _legacy_index() -> _LegacyIndex:
    units = _units()
    data = json.loads((_data_dir() / "converter_2025.json").read_text(encoding="utf-8"))
    province_to_current = {}
    for new_key, old_keys in data["DICT_PROVINCE"].items():
        for old_key in old_keys:
            province_to_current[old_key] = units.province_by_key[new_key]
    by_ward: dict = {}
    by_district: dict = {}
    by_province: dict = {}

    def register(old: str, code: str, default: bool):
        old_p, old_d, old_w = (old.split("_") + ["", ""])[:3]
        _add(by_ward, (old_p, old_d, old_w), code, first=default)
        _add(by_district, (old_p, old_d), code)
        _add(by_province, old_p, code)

    for new_p, mapping in data["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for new_w, olds in mapping.items():
            code = units.ward_by_key[(new_p, new_w)]
            for old in olds:
                register(old, code, False)
    for new_p, mapping in data["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old, news in mapping.items():
            for item in news:
                register(old, units.ward_by_key[(new_p, item["newWardKey"])], bool(item.get("isDefaultNewWard")))
    return _LegacyIndex(province_to_current, by_ward, by_district, by_province)


def _no_online_geocoding(*args, **kwargs):
    """Stands in for vietnamadminunits' ArcGIS lookup: this platform never geocodes online."""
    return None


@cache
def _legacy_parser():
    """The library's pre-2025 address parser, imported on first use (slow import)."""
    with _lock:
        from vietnamadminunits.parser import parse_address
        from vietnamadminunits.parser import utils as parser_utils

        # Belt and braces: if anything in the process calls the library's converter, it must not
        # reach the network. The converter then falls back to its default ward.
        # Both names exist in the versions pyproject.toml allows (a test checks them).
        from vietnamadminunits.converter import converter_2025

        parser_utils.get_geo_location = _no_online_geocoding
        converter_2025.get_geo_location = _no_online_geocoding
    return parse_address


def warm_up() -> None:
    """Load everything now (≈0.7 s) — for a task worker or an import that is about to convert
    many addresses; web requests simply pay it on their first conversion."""
    _units()
    _legacy_index()
    _legacy_communes()
    _legacy_parser()


# ---------------------------------------------------------------------------------------------
# Public lookups


def provinces() -> list[Province]:
    """The 34 province-level units, by code."""
    return list(_units().provinces.values())


def get_province(code: str | None) -> Province | None:
    if not code:
        return None
    return _units().provinces.get(str(code).strip().zfill(2))


def wards(province_code: str) -> list[Ward]:
    """Communes, wards and special zones of a province, sorted by name; [] for an unknown code."""
    code = str(province_code or "").strip().zfill(2)
    return list(_units().wards_by_province.get(code, []))


def get_ward(code: str | None) -> Ward | None:
    if not code:
        return None
    return _units().wards.get(str(code).strip().zfill(5))


def format_address(street: str | None, ward_code: str | None) -> str:
    """ "12 Lê Lợi, Phường Thủ Dầu Một, Thành phố Hồ Chí Minh"; the street alone if the code is unknown."""
    ward = get_ward(ward_code)
    parts = [(street or "").strip(" ,")]
    if ward is not None:
        parts += [ward.name, ward.province.name]
    return ", ".join(p for p in parts if p)


def current_province_for_legacy(name: str | None) -> Province | None:
    """The current province an old (or current) province name now belongs to:
    "Bình Dương" → Thành phố Hồ Chí Minh, "tỉnh Kiên Giang" → Tỉnh An Giang; None if unknown."""
    if not name or not name.strip():
        return None
    try:
        unit = _legacy_parser()(name, mode="LEGACY", keep_street=False, level=1)
    except Exception:  # noqa: BLE001 - third-party parser: bad input must not break a page
        logger.exception("vietnamadminunits failed to parse %r", name)
        return None
    if unit.province_key:
        code = _legacy_index().province_to_current.get(unit.province_key)
        if code:
            return get_province(code)
    folded = fold(name)
    for province in provinces():
        if folded in (fold(province.name), fold(province.short_name)):
            return province
    return None


# ---------------------------------------------------------------------------------------------
# Conversion of written addresses

# A comma-separated part that names an administrative unit (folded text).
_UNIT_WORDS = r"(?:xa|phuong|thi tran|huyen|quan|thi xa|thanh pho|tinh|dac khu)"
_UNIT_PART = re.compile(rf"(?:^|[\s\-–(])(?:{_UNIT_WORDS}\s+\S|(?:tp|tx|tt|p|q|h|x)\s*\.\s*\S|tp\s+\S)")


@cache
def _province_names_folded() -> frozenset[str]:
    names = set()
    for province in provinces():
        names.update({fold(province.name), fold(province.short_name)})
    with sqlite3.connect(f"file:{_data_dir() / 'dataset.db'}?mode=ro", uri=True) as conn:
        for name, short in conn.execute("SELECT DISTINCT province, provinceShort FROM admin_units_legacy"):
            names.update({fold(name), fold(short)})
    return frozenset(names | {"hcm", "tp hcm", "tphcm", "ha noi", "viet nam", "vietnam"})


def _street_of(text: str) -> str:
    """Leading comma-separated parts that name no administrative unit: "ấp 3, xã Tam Lập, …" → "ấp 3"."""
    parts = [p.strip() for p in text.split(",")]
    street = []
    names = _province_names_folded()
    for part in parts:
        folded = fold(part)
        if _UNIT_PART.search(folded) or folded in names:
            break
        street.append(part)
    if len(street) == len(parts):  # no unit recognised in any part: nothing to call a street
        return ""
    return ", ".join(p for p in street if p)


def _typed_current_wards(folded_text: str, province_code: str | None) -> list[str]:
    """Current wards named with their type in the text ("xa phuoc thanh", "phuong ben cat")."""
    units = _units()
    found = []
    for name, codes in units.typed_names.items():
        if name not in folded_text:
            continue
        # "thị xã Bến Cát" contains "xã Bến Cát": an old town, not a commune.
        pattern = rf"(?<![\w])(?<!thi ){re.escape(name)}(?![\w])"
        if not re.search(pattern, folded_text):
            continue
        for code in codes:
            if province_code is None or units.wards[code].province_code == province_code:
                found.append(code)
    return found


def _ward_list(codes) -> list[Ward]:
    units = _units()
    return [units.wards[c] for c in codes]


def _names(wards_: list[Ward], limit: int = 8) -> str:
    shown = ", ".join(w.name for w in wards_[:limit])
    if len(wards_) > limit:
        shown += _(" và %(n)d đơn vị khác") % {"n": len(wards_) - limit}
    return shown


def convert_legacy_address(text: str | None) -> Conversion:
    """Read an address as written (pre-2025 units, or current ones) and find its current ward.

    Never raises and never guesses: an old commune split among several new wards, an old
    district without a commune, or a province alone give status "ambiguous" with the current
    wards to choose from; nothing recognised gives "failed". `message` says, in Vietnamese,
    what was converted into what, or why not.
    """
    written = text if isinstance(text, str) else ""
    try:
        return _convert(written)
    except Exception:  # noqa: BLE001 - bad input must not break an import or a page
        logger.exception("Address conversion failed for %r", written)
        return Conversion(written=written, status=FAILED,
                          message=_("Không đọc được địa chỉ «%(text)s».") % {"text": written.strip()})


_ABBREVIATIONS = [(re.compile(rf"(?<![\w.]){abbr}\.\s*(?=\w)", re.IGNORECASE), full) for abbr, full in (
    ("TP", "Thành phố "), ("TX", "Thị xã "), ("TT", "Thị trấn "), ("P", "Phường "), ("Q", "Quận "),
    ("H", "Huyện "), ("X", "Xã "),
)]


def _expand_abbreviations(text: str) -> str:
    """ "P. Bến Cát, TP.HCM" → "Phường Bến Cát, Thành phố HCM"."""
    for pattern, full in _ABBREVIATIONS:
        text = pattern.sub(full, text)
    return text


def _convert(written: str) -> Conversion:
    original = unicodedata.normalize("NFC", written).strip()
    text = _expand_abbreviations(original)
    if not fold(text):
        return Conversion(written=written, status=FAILED, message=_("Địa chỉ trống."))
    units = _units()
    index = _legacy_index()
    folded = fold(text)
    street = _street_of(original)

    old = _legacy_parser()(text, mode="LEGACY", keep_street=False, level=3)
    old_p, old_d, old_w = old.province_key or "", old.district_key or "", old.ward_key or ""
    result = Conversion(written=written, status=FAILED, street=street,
                        legacy_province=_tidy(old.province), legacy_district=_tidy(old.district),
                        legacy_ward=_tidy(old.ward))
    current_province_code = index.province_to_current.get(old_p) if old_p else None

    def finish(codes: list[str], *, what: str) -> Conversion:
        candidates = _ward_list(codes)
        if current_province_code:
            result.province = units.provinces[current_province_code]
        elif candidates:
            result.province = candidates[0].province
        if len(candidates) == 1:
            result.status = CONVERTED
            result.ward = candidates[0]
            result.province = candidates[0].province
            result.message = _("Đã chuyển «%(old)s» thành «%(new)s».") % {
                "old": result.legacy_repr, "new": candidates[0].full_name}
        elif candidates:
            result.status = AMBIGUOUS
            result.candidates = candidates
            result.message = what % {
                "old": result.legacy_repr, "province": result.province.name,
                "n": len(candidates), "names": _names(candidates)}
        return result

    # 1. An old commune: one new ward, or several when it was split.
    if old_w and (old_p, old_d, old_w) in index.by_ward:
        codes = index.by_ward[(old_p, old_d, old_w)]
        # Unaccented text cannot tell "Xã Nga Thanh" from "Xã Nga Thành" of the same district;
        # the parser then picks one. Offer both unless the accents in the text decide it.
        same_name = [k for k in _legacy_communes()[0].get(fold(_legacy_names((old_p, old_d, old_w))[2]), [])
                     if k[:2] == (old_p, old_d)]
        if len(same_name) > 1:
            exact_text = _exact(text)
            written = [k for k in same_name if _exact(_legacy_names(k)[2]) in exact_text]
            if len(written) != 1:
                codes = list(dict.fromkeys(c for k in same_name for c in index.by_ward.get(k, [])))
                if len(codes) > 1:
                    result.legacy_ward = " / ".join(_legacy_names(k)[2] for k in same_name)
                    return finish(codes, what=_(
                        "Địa chỉ không dấu nên không phân biệt được «%(old)s»; các xã/phường này nay thuộc "
                        "%(n)d xã/phường của %(province)s: %(names)s. Cần chọn một."))
        return finish(codes,
                      what=_("«%(old)s» đã được chia cho %(n)d xã/phường của %(province)s: %(names)s. "
                             "Cần chọn một."))

    # 2. A commune named with its type but without (or with a misread) district: current wards
    # of that name ("xã Phước Thành, TP. Hồ Chí Minh") and old communes of that name.
    province_hint = current_province_code
    if not province_hint and not old_p:
        try:
            new = _legacy_parser()(text, mode="FROM_2025", keep_street=False, level=1)
            province_hint = units.province_by_key.get(new.province_key or "")
        except Exception:  # noqa: BLE001
            province_hint = None
        # The parser also infers a province from a ward name alone; only a written province counts.
        if province_hint and not _province_written(folded, units.provinces[province_hint]):
            province_hint = None
    district_written = bool(old_d) and not _district_not_named(folded, old)
    # A province that no longer exists (Bình Dương) marks the whole address as pre-2025.
    province_gone = bool(old_p) and old_p not in units.province_by_key
    current = [] if (district_written or province_gone) else _typed_current_wards(folded, province_hint)
    old_matches = _typed_legacy_communes(folded, old_p, old_d if district_written else "")
    # Folding merges "Phước Thành" and "Phước Thạnh": when the text carries diacritics, names
    # written exactly (accents and all) win over names that only match once folded.
    exact_text = _exact(text)
    exact_current = [c for c in current if _exact(units.wards[c].name) in exact_text]
    exact_old = [k for k in old_matches if _exact(_legacy_names(k)[2]) in exact_text]
    if exact_current or exact_old:
        current, old_matches = exact_current, exact_old
    from_old = [c for key in old_matches for c in index.by_ward.get(key, [])]
    codes = list(dict.fromkeys(current + from_old))
    if len(codes) == 1 and current:
        ward = units.wards[codes[0]]
        result.status = CONVERTED
        result.ward = ward
        result.province = ward.province
        result.already_current = True
        result.legacy_province = result.legacy_district = result.legacy_ward = ""
        result.message = _("Địa chỉ đã theo đơn vị hành chính hiện hành: %(new)s.") % {"new": ward.full_name}
        return result
    if old_matches and not current and (len(old_matches) == 1 or len(codes) == 1):
        result.legacy_province, result.legacy_district, result.legacy_ward = _legacy_names(old_matches[0])
        if len(old_matches) > 1:
            result.legacy_district = ""
        current_province_code = index.province_to_current.get(old_matches[0][0])
        return finish(codes, what=_("«%(old)s» đã được chia cho %(n)d xã/phường của %(province)s: %(names)s. "
                                    "Cần chọn một."))
    if codes:
        candidates = _ward_list(codes)
        result.status = AMBIGUOUS
        result.candidates = candidates
        provinces_seen = {w.province_code for w in candidates}
        if len(provinces_seen) == 1:
            result.province = units.provinces[provinces_seen.pop()]
        shown = "; ".join(w.full_name for w in candidates[:8])
        if len(candidates) > 8:
            shown += _(" và %(n)d đơn vị khác") % {"n": len(candidates) - 8}
        result.message = _("Tên xã/phường trong địa chỉ có thể ứng với %(n)d xã/phường hiện nay: %(names)s. "
                           "Cần chọn một.") % {"n": len(candidates), "names": shown}
        return result

    # 3. An old district without a commune (or with a commune the lists do not know).
    if old_d and (old_p, old_d) in index.by_district:
        if old_w:  # pragma: no cover - every old commune is in the converter table
            result.legacy_ward = ""
        return finish(index.by_district[(old_p, old_d)],
                      what=_("Địa chỉ chỉ ghi «%(old)s», không ghi xã/phường; địa bàn này nay thuộc "
                             "%(n)d xã/phường của %(province)s: %(names)s. Cần chọn một."))

    # 4. A province alone.
    if old_p and old_p in index.by_province and old_p not in units.province_by_key:
        return finish(index.by_province[old_p],
                      what=_("Địa chỉ chỉ ghi tỉnh/thành phố «%(old)s», không ghi xã/phường; địa bàn này nay "
                             "thuộc %(province)s (%(n)d xã/phường). Cần chọn xã/phường."))
    if province_hint:
        province = units.provinces[province_hint]
        candidates = wards(province_hint)
        result.status = AMBIGUOUS
        result.province = province
        result.candidates = candidates
        result.message = _("Địa chỉ chỉ ghi %(province)s, không ghi xã/phường. Cần chọn xã/phường.") % {
            "province": province.name}
        return result

    result.message = _("Không nhận ra tỉnh/thành phố hay xã/phường nào trong «%(text)s».") % {"text": written.strip()}
    return result


@cache
def _legacy_communes() -> tuple[dict[str, list[tuple[str, str, str]]], dict[tuple[str, str, str], tuple[str, str, str]]]:
    """Old communes by folded typed name ("xa tan hiep" → keys), and their display names by key."""
    by_name: dict[str, list[tuple[str, str, str]]] = {}
    names: dict[tuple[str, str, str], tuple[str, str, str]] = {}
    with sqlite3.connect(f"file:{_data_dir() / 'dataset.db'}?mode=ro", uri=True) as conn:
        rows = conn.execute("SELECT provinceKey, districtKey, wardKey, province, district, ward FROM admin_units_legacy"
                            " WHERE wardKey IS NOT NULL AND wardKey != ''").fetchall()
    for p_key, d_key, w_key, p_name, d_name, w_name in rows:
        key = (p_key, d_key, w_key)
        by_name.setdefault(fold(w_name), []).append(key)
        names[key] = (_tidy(p_name), _tidy(d_name), _tidy(w_name))
    return by_name, names


def _legacy_names(key: tuple[str, str, str]) -> tuple[str, str, str]:
    return _legacy_communes()[1].get(key, ("", "", ""))


def _typed_legacy_communes(folded_text: str, old_p: str, old_d: str) -> list[tuple[str, str, str]]:
    """Old communes named with their type in the text, within the old province/district if known."""
    found = []
    for name, keys in _legacy_communes()[0].items():
        if name not in folded_text:
            continue
        if not re.search(rf"(?<![\w])(?<!thi ){re.escape(name)}(?![\w])", folded_text):
            continue
        found += [k for k in keys if (not old_p or k[0] == old_p) and (not old_d or k[1] == old_d)]
    return found


_TYPE_CASE = re.compile(r"\b(Thị|Thành|Đặc) (Trấn|Xã|Phố|Khu)\b")


def _tidy(name: str | None) -> str:
    """ "Thị Trấn Óc Eo" → "Thị trấn Óc Eo" (the old lists are not consistent)."""
    return _TYPE_CASE.sub(lambda m: f"{m.group(1)} {m.group(2).lower()}", name or "")


def _province_written(folded_text: str, province: Province) -> bool:
    if re.search(rf"(?<![\w]){re.escape(fold(province.short_name))}(?![\w])", folded_text):
        return True
    return province.code == "79" and re.search(r"(?<![\w])(tp ?hcm|hcm|sai gon)(?![\w])", folded_text) is not None


def _exact(text: str) -> str:
    """Case-folded NFC text with single spaces, accents kept."""
    return " ".join(_tidy(unicodedata.normalize("NFC", text)).casefold().split())


def _district_not_named(folded_text: str, old) -> bool:
    """True when the old district the parser found is not written with its type in the text:
    the parser also matches bare names ("Củ Chi" in "xã Củ Chi"), which are new ward names."""
    if not old.district:
        return True
    pattern = rf"(?<![\w]){re.escape(fold(old.district))}(?![\w])"
    return re.search(pattern, folded_text) is None
