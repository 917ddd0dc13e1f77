"""Tax code (MST) and GTIN validation: rules named in Vietnamese, property-based checks."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum import ean
from stdnum.vn import mst

from htxconnect.core.identifiers import display_gtin, is_gs1_vietnam
from htxconnect.registry.validators import normalize_gtin, normalize_tax_code


def message(exc_info):
    return " ".join(exc_info.value.messages)


# --- Tax code -----------------------------------------------------------------------------

def test_known_tax_codes():
    assert normalize_tax_code("0100233488") == "0100233488"
    assert normalize_tax_code("0314409058-002") == "0314409058-002"
    assert normalize_tax_code(" 0314409058 002 ") == "0314409058-002"


@pytest.mark.parametrize("value, rule", [
    ("12345", "10 chữ số"),
    ("01002334881", "10 chữ số"),
    ("01002A3488", "chỉ được gồm chữ số"),
    ("0100233480", "chữ số kiểm tra"),
    ("0100000000", "không được đều bằng 0"),
    ("0314409058-000", "mã chi nhánh phải từ 001"),
])
def test_bad_tax_codes_name_the_rule(value, rule):
    with pytest.raises(ValidationError) as exc_info:
        normalize_tax_code(value)
    assert rule in message(exc_info)
    assert value in message(exc_info)


def test_wrong_check_digit_names_the_expected_digit():
    with pytest.raises(ValidationError) as exc_info:
        normalize_tax_code("0100233480")
    assert "phải là 8" in message(exc_info)


def valid_mst_bodies():
    return st.text("0123456789", min_size=9, max_size=9).filter(
        lambda body: body[2:9] != "0000000" and len(mst.calc_check_digit(body)) == 1)


@given(body=valid_mst_bodies(), branch=st.one_of(st.none(), st.integers(1, 999)))
@settings(max_examples=200)
def test_generated_tax_codes_accepted(body, branch):
    code = body + mst.calc_check_digit(body)
    if branch is not None:
        code = f"{code}-{branch:03d}"
    assert normalize_tax_code(code) == code


@given(body=valid_mst_bodies(), position=st.integers(0, 9), delta=st.integers(1, 9))
@settings(max_examples=300)
def test_any_single_digit_change_rejected(body, position, delta):
    code = body + mst.calc_check_digit(body)
    changed = code[:position] + str((int(code[position]) + delta) % 10) + code[position + 1:]
    if changed[2:9] == "0000000":
        return
    # The MST check (weights mod 11) catches every single-digit change except a change that maps
    # the check sum onto the same digit; stdnum is the reference: both must agree.
    if mst.is_valid(changed):
        assert normalize_tax_code(changed) == changed
    else:
        with pytest.raises(ValidationError):
            normalize_tax_code(changed)


@given(st.text(max_size=20))
def test_tax_code_never_crashes(text):
    try:
        normalize_tax_code(text)
    except ValidationError as error:
        assert error.messages


# --- GTIN ---------------------------------------------------------------------------------

def test_gtin_wrong_check_digit_names_expected():
    expected = ean.calc_check_digit("893456789012")
    wrong = str((int(expected) + 3) % 10)
    with pytest.raises(ValidationError) as exc_info:
        normalize_gtin("893456789012" + wrong)
    assert f"Số kiểm tra sai: phải là {expected}" in message(exc_info)


@pytest.mark.parametrize("value, rule", [("89345670", "Số kiểm tra sai"), ("12345", "8, 12, 13 hoặc 14"),
                                         ("89345X789012", "chỉ được gồm chữ số"), ("", "trống")])
def test_bad_gtins(value, rule):
    with pytest.raises(ValidationError) as exc_info:
        normalize_gtin(value)
    assert rule in message(exc_info)


gtin_lengths = st.sampled_from([8, 12, 13, 14])


@st.composite
def gtins(draw):
    length = draw(gtin_lengths)
    body = draw(st.text("0123456789", min_size=length - 1, max_size=length - 1))
    return body + ean.calc_check_digit(body)


@given(gtins())
@settings(max_examples=300)
def test_valid_gtins_normalise_to_14_digits(gtin):
    normal = normalize_gtin(gtin)
    assert len(normal) == 14 and normal.isdigit()
    assert normal.lstrip("0") == gtin.lstrip("0")
    assert normalize_gtin(normal) == normal  # idempotent


@given(gtins(), st.data())
@settings(max_examples=300)
def test_any_single_digit_change_of_gtin_rejected(gtin, data):
    # GS1 mod-10 detects every single-digit error.
    position = data.draw(st.integers(0, len(gtin) - 1))
    delta = data.draw(st.integers(1, 9))
    changed = gtin[:position] + str((int(gtin[position]) + delta) % 10) + gtin[position + 1:]
    with pytest.raises(ValidationError) as exc_info:
        normalize_gtin(changed)
    assert "Số kiểm tra sai: phải là" in message(exc_info)


def test_display_gtin_as_printed():
    assert display_gtin("08934567890128") == "8934567890128"
    assert display_gtin("00000089345671") == "89345671"
    assert display_gtin("18934567890125") == "18934567890125"
    assert display_gtin(None) == ""
    assert is_gs1_vietnam(normalize_gtin("8934567890120"))
