"""The unit table the query language converts with (trace.epcis.units): one test per unit, each
expected number worked out by hand from the unit's definition (UN/CEFACT Rec 20, SI)."""

from fractions import Fraction

import pytest

from htxconnect.trace.epcis import units

# (value, unit, value in the reference unit of its dimension, reference unit) — by hand:
BY_HAND = [
    ("278.15", "KEL", "5", "CEL"),  # 278.15 K − 273.15 = 5 °C
    ("5", "CEL", "5", "CEL"),
    ("41", "FAH", "5", "CEL"),  # (41 − 32) × 5/9 = 5 °C
    ("-40", "FAH", "-40", "CEL"),  # (−40 − 32) × 5/9 = −40 °C
    ("2", "KGM", "2000", "GRM"),
    ("750", "GRM", "750", "GRM"),
    ("2500", "MGM", "2.5", "GRM"),  # 2500 mg / 1000
    ("1.2", "TNE", "1200000", "GRM"),  # 1.2 t = 1200 kg
    ("3", "DTN", "300000", "GRM"),  # 3 tạ = 300 kg
    ("1", "LBR", "453.59237", "GRM"),  # the international pound is 0.45359237 kg exactly
    ("16", "ONZ", "453.59237", "GRM"),  # 16 ounces make a pound: 16 × 28.349523125 g
    ("2", "MTR", "200", "CMT"),
    ("0.5", "KMT", "50000", "CMT"),
    ("7", "CMT", "7", "CMT"),
    ("25", "MMT", "2.5", "CMT"),
    ("1", "INH", "2.54", "CMT"),
    ("1", "FOT", "30.48", "CMT"),  # 12 inches × 2.54 cm
    ("0.002", "MTQ", "2", "LTR"),
    ("1.5", "LTR", "1.5", "LTR"),
    ("250", "MLT", "0.25", "LTR"),
]


def test_every_unit_of_the_table_has_a_hand_computed_case():
    assert {unit for _, unit, _, _ in BY_HAND} == set(units.UNITS)


@pytest.mark.parametrize(("value", "unit", "expected", "reference"), BY_HAND)
def test_conversion(value, unit, expected, reference):
    assert units.convert(value, unit, reference) == Fraction(expected)
    assert units.convert(expected, reference, unit) == Fraction(value)  # and back, exactly


def test_comparable_units_share_a_dimension():
    assert sorted(units.comparable("CEL")) == ["CEL", "FAH", "KEL"]
    assert "GRM" in units.comparable("KGM") and "MTR" not in units.comparable("KGM")
    assert units.comparable("A93") == ["A93"]  # not in the table: compared only with itself


def test_units_of_different_dimensions_are_not_converted():
    with pytest.raises(ValueError):
        units.convert(1, "KGM", "MTR")
    with pytest.raises(ValueError):
        units.convert(1, "A93", "CEL")
