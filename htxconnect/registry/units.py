"""The registry's view of administrative units: names by code, wards of a province, and the
conversion of pre-2025 addresses. Prefers htxconnect.core.adminunits (the shared helper);
falls back to vietnamadminunits' offline dataset so the registry works on its own.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    province_code: str = ""


@dataclass
class Conversion:
    status: str  # "converted" / "ambiguous" / "failed"
    ward: Unit | None = None
    province: Unit | None = None
    candidates: list = field(default_factory=list)
    message: str = ""


@functools.lru_cache(maxsize=1)
def _dataset() -> tuple[dict, dict]:
    from vietnamadminunits.database import get_data

    rows = get_data(fields=["province", "provinceCode", "ward", "wardCode"])
    provinces, wards = {}, {}
    for row in rows:
        provinces.setdefault(row["provinceCode"], Unit(row["provinceCode"], row["province"]))
        wards[row["wardCode"]] = Unit(row["wardCode"], row["ward"], row["provinceCode"])
    return provinces, wards


def _core():
    try:
        from htxconnect.core import adminunits
    except ImportError:
        return None
    return adminunits


def _as_unit(obj, province_code: str = "") -> Unit | None:
    if obj is None:
        return None
    if isinstance(obj, Unit):
        return obj
    code = getattr(obj, "code", None) or (obj.get("code") if isinstance(obj, dict) else None)
    name = (getattr(obj, "full_name", None) or getattr(obj, "name", None)
            or (obj.get("name") if isinstance(obj, dict) else None))
    prov = getattr(obj, "province_code", None) or (obj.get("province_code") if isinstance(obj, dict) else None)
    if not code:
        return None
    return Unit(str(code), str(name or code), str(prov or province_code))


def province(code: str) -> Unit | None:
    return _dataset()[0].get(code)


def ward(code: str) -> Unit | None:
    return _dataset()[1].get(code)


def provinces() -> list[Unit]:
    return sorted(_dataset()[0].values(), key=lambda u: u.name)


def wards(province_code: str | None = None) -> list[Unit]:
    units = _dataset()[1].values()
    if province_code:
        units = [u for u in units if u.province_code == province_code]
    return sorted(units, key=lambda u: (u.province_code, u.name))


def convert_legacy_address(text: str) -> Conversion:
    """A pre-1/7/2025 address → current ward and province (never guessing a ward)."""
    core = _core()
    if core is not None and hasattr(core, "convert_legacy_address"):
        result = core.convert_legacy_address(text)
        prov = _as_unit(getattr(result, "province", None))
        wd = _as_unit(getattr(result, "ward", None), prov.code if prov else "")
        if prov is None and wd is not None:
            prov = province(wd.province_code)
        if prov is not None and prov.code and province(prov.code):
            prov = province(prov.code)
        return Conversion(
            status=str(getattr(result, "status", "failed")), ward=wd, province=prov,
            candidates=[c for c in (_as_unit(c) for c in getattr(result, "candidates", []) or []) if c],
            message=str(getattr(result, "message", "") or ""),
        )
    from vietnamadminunits import convert_address

    try:
        result = convert_address(text)
    except Exception as error:  # the library raises plain exceptions on unknown names
        return Conversion(status="failed", message=str(error))
    prov = province(result.province_code) if result.province_code else None
    if result.ward_code:
        return Conversion(status="converted", ward=ward(result.ward_code), province=prov)
    if prov is not None:
        return Conversion(status="ambiguous", province=prov, candidates=wards(prov.code))
    return Conversion(status="failed")
