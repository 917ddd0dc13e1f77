"""The registry's view of administrative units, as small `Unit` records for forms and services.

One source of truth: htxconnect.core.adminunits (offline data, never an online geocoder, never a
silent guess). This module only adapts its Province/Ward objects to one shape with a code, a
name and the province code.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from htxconnect.core import adminunits


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


def _ward_unit(w) -> Unit | None:
    return Unit(w.code, w.name, w.province_code) if w is not None else None


def _province_unit(p) -> Unit | None:
    return Unit(p.code, p.name, p.code) if p is not None else None


def province(code: str) -> Unit | None:
    return _province_unit(adminunits.get_province(code)) if code else None


def ward(code: str) -> Unit | None:
    return _ward_unit(adminunits.get_ward(code)) if code else None


def provinces() -> list[Unit]:
    return sorted((_province_unit(p) for p in adminunits.provinces()), key=lambda u: u.name)


def wards(province_code: str | None = None) -> list[Unit]:
    codes = [province_code] if province_code else [p.code for p in adminunits.provinces()]
    units = [_ward_unit(w) for code in codes for w in adminunits.wards(code)]
    return sorted(units, key=lambda u: (u.province_code, u.name))


def convert_legacy_address(text: str) -> Conversion:
    """A pre-1/7/2025 address → current ward and province (never guessing a ward)."""
    result = adminunits.convert_legacy_address(text)
    return Conversion(
        status=result.status,
        ward=_ward_unit(result.ward),
        province=_province_unit(result.province),
        candidates=[_ward_unit(c) for c in result.candidates],
        message=result.message,
    )
