"""Units of measure (UN/CEFACT Recommendation 20 common codes) that the query language converts
between: `GE_value_CEL=5` also finds a reading of 41 FAH, `LT_value_KGM=1` one of 800 GRM.

A unit is (dimension, factor, offset): value in the SI base unit = value × factor + offset. The
arithmetic is exact (fractions), so a reading equal to the threshold in another unit stays equal.
Units not in the table are compared only with themselves.
"""

from __future__ import annotations

from fractions import Fraction

TEMPERATURE, MASS, LENGTH, VOLUME = "temperature", "mass", "length", "volume"

# Rec 20 code: (dimension, factor to the SI base unit, offset). Bases: kelvin, kilogram, metre, cubic metre.
UNITS: dict[str, tuple[str, Fraction, Fraction]] = {
    "KEL": (TEMPERATURE, Fraction(1), Fraction(0)),  # kelvin
    "CEL": (TEMPERATURE, Fraction(1), Fraction("273.15")),  # degree Celsius: K = °C + 273.15
    "FAH": (TEMPERATURE, Fraction(5, 9), Fraction("459.67") * Fraction(5, 9)),  # degree Fahrenheit: K = (°F + 459.67) × 5/9
    "KGM": (MASS, Fraction(1), Fraction(0)),  # kilogram
    "GRM": (MASS, Fraction(1, 1000), Fraction(0)),  # gram
    "MGM": (MASS, Fraction(1, 1_000_000), Fraction(0)),  # milligram
    "TNE": (MASS, Fraction(1000), Fraction(0)),  # tonne (metric ton)
    "DTN": (MASS, Fraction(100), Fraction(0)),  # decitonne (quintal, "tạ")
    "LBR": (MASS, Fraction("0.45359237"), Fraction(0)),  # pound (avoirdupois)
    "ONZ": (MASS, Fraction("0.028349523125"), Fraction(0)),  # ounce (avoirdupois)
    "MTR": (LENGTH, Fraction(1), Fraction(0)),  # metre
    "KMT": (LENGTH, Fraction(1000), Fraction(0)),  # kilometre
    "CMT": (LENGTH, Fraction(1, 100), Fraction(0)),  # centimetre
    "MMT": (LENGTH, Fraction(1, 1000), Fraction(0)),  # millimetre
    "INH": (LENGTH, Fraction("0.0254"), Fraction(0)),  # inch
    "FOT": (LENGTH, Fraction("0.3048"), Fraction(0)),  # foot
    "MTQ": (VOLUME, Fraction(1), Fraction(0)),  # cubic metre
    "LTR": (VOLUME, Fraction(1, 1000), Fraction(0)),  # litre
    "MLT": (VOLUME, Fraction(1, 1_000_000), Fraction(0)),  # millilitre
}


def comparable(uom: str) -> list[str]:
    """The units a value given in `uom` can be compared with: those of its dimension, or itself alone."""
    if uom not in UNITS:
        return [uom]
    dimension = UNITS[uom][0]
    return [code for code, (dim, _, _) in UNITS.items() if dim == dimension]


def convert(value, source: str, target: str) -> Fraction:
    """`value` (a number or decimal text) in unit `source`, expressed in unit `target` (exactly)."""
    value = Fraction(value)
    if source == target:
        return value
    if source not in UNITS or target not in UNITS or UNITS[source][0] != UNITS[target][0]:
        raise ValueError(f"{source} and {target} are not units of the same dimension")
    _, factor, offset = UNITS[source]
    base = value * factor + offset
    _, factor, offset = UNITS[target]
    return (base - offset) / factor
