"""GS1 identifiers: check digits, GTIN normalisation, EPC URN <-> Digital Link, canonical forms."""

import pytest
from hypothesis import given, settings as hsettings, strategies as st

from htxconnect.trace import gs1
from htxconnect.trace.gs1 import CheckDigitError, GS1Error


@pytest.mark.parametrize("body, digit", [
    ("893000000001", "9"),  # GS1 Vietnam demo code 8930000000019
    ("629104150021", "3"),  # GS1's own example 6291041500213
    ("0061414199999", "6"),
    ("1234567", "0"),  # GTIN-8 12345670
])
def test_check_digit(body, digit):
    assert gs1.check_digit(body) == digit


@pytest.mark.parametrize("value, gtin14", [
    ("8930000000019", "08930000000019"),
    ("12345670", "00000012345670"),
    ("614141000036", "00614141000036"),
    ("10614141000033", "10614141000033"),
    (" 8930000000019 ", "08930000000019"),
])
def test_gtin_normalised_to_14(value, gtin14):
    assert gs1.validate_gtin(value) == gtin14
    assert gs1.normalize_gtin(value) == gtin14
    assert gs1.is_valid_gtin(value)


def test_wrong_check_digit_names_the_right_one():
    with pytest.raises(CheckDigitError) as info:
        gs1.validate_gtin("8930000000018")
    assert info.value.expected == "9" and info.value.found == "8"
    assert "phải là 9" in str(info.value)


@pytest.mark.parametrize("value, rule", [
    ("893000000001A", "chỉ được chứa chữ số"),
    ("89300000019", "độ dài hợp lệ"),
    ("", "chỉ được chứa chữ số"),
])
def test_bad_gtins_are_refused_with_the_rule(value, rule):
    with pytest.raises(GS1Error, match=rule):
        gs1.validate_gtin(value)
    assert not gs1.is_valid_gtin(value)


def test_make_gtin13_and_display():
    assert gs1.make_gtin13("893000000", 1) == "8930000000019"
    assert gs1.display_gtin("08930000000019") == "8930000000019"
    assert gs1.display_gtin("00000012345670") == "12345670"
    with pytest.raises(GS1Error):
        gs1.make_gtin13("893000000", 12345)


def test_gln_and_sscc():
    assert gs1.validate_gln("0614141123452") == "0614141123452"
    with pytest.raises(CheckDigitError, match="phải là 2"):
        gs1.validate_gln("0614141123451")
    assert gs1.validate_sscc("106141412345678908") == "106141412345678908"
    with pytest.raises(GS1Error):
        gs1.validate_sscc("10614141234567890")


# Vectors from GS1's EPC Tag Data Standard and the EPCIS 2.0 examples.
URN_DL = [
    ("urn:epc:id:sgtin:0614141.812345.6789", "https://id.gs1.org/01/80614141123458/21/6789"),
    ("urn:epc:id:sgtin:0614141.712345.2017", "https://id.gs1.org/01/70614141123451/21/2017"),
    ("urn:epc:id:sscc:0614141.1234567890", "https://id.gs1.org/00/106141412345678908"),
    ("urn:epc:id:sgln:0614141.12345.400", "https://id.gs1.org/414/0614141123452/254/400"),
    ("urn:epc:id:sgln:0614141.12345.0", "https://id.gs1.org/414/0614141123452"),
    ("urn:epc:class:lgtin:0614141.077777.987", "https://id.gs1.org/01/00614141777778/10/987"),
    ("urn:epc:idpat:sgtin:4012345.066666.*", "https://id.gs1.org/01/04012345666663"),
    ("urn:epc:id:sgtin:0614141.812345.A%2FB", "https://id.gs1.org/01/80614141123458/21/A%2FB"),
]


@pytest.mark.parametrize("urn, dl", URN_DL)
def test_urn_to_digital_link_and_back(urn, dl):
    assert gs1.epc_to_digital_link(urn) == dl
    assert gs1.digital_link_to_epc(dl) == urn  # prefix length from GS1's table (biip)
    assert gs1.canonical_epc(urn) == gs1.canonical_epc(dl)


def test_digital_link_on_any_host_with_lot_and_serial_is_the_same_item():
    a = gs1.canonical_epc("https://shop.example.vn/p/01/80614141123458/10/L1/21/6789?17=261231")
    b = gs1.canonical_epc("urn:epc:id:sgtin:0614141.812345.6789")
    assert a == b == "https://id.gs1.org/01/80614141123458/21/6789"
    # a GTIN-13 in the link is padded to 14 digits
    assert gs1.canonical_epc("https://id.gs1.org/01/8930000000019/21/X") == "https://id.gs1.org/01/08930000000019/21/X"


def test_non_gs1_and_invalid_values_are_kept_as_given():
    assert gs1.canonical_epc("urn:uuid:1b7c6c6e-0000-4000-8000-000000000001") == "urn:uuid:1b7c6c6e-0000-4000-8000-000000000001"
    assert gs1.canonical_epc("https://id.gs1.org/01/8930000000018/21/X") == "https://id.gs1.org/01/8930000000018/21/X"
    assert gs1.gs1_key("https://example.com/about") is None


def test_digital_link_errors():
    with pytest.raises(CheckDigitError, match="phải là 9"):
        gs1.parse_digital_link("https://id.gs1.org/01/8930000000018")
    with pytest.raises(GS1Error, match="thứ tự"):
        gs1.parse_digital_link("https://id.gs1.org/01/08930000000019/21/S/10/L")
    with pytest.raises(GS1Error, match="không được dùng"):
        gs1.parse_digital_link("https://id.gs1.org/01/08930000000019/99/S")
    with pytest.raises(GS1Error):
        gs1.parse_epc_urn("urn:epc:id:giai:0614141.12345")


def test_company_prefix_length_for_vietnam():
    dl = "https://id.gs1.org/01/08930000000019/21/7"
    # 893 numbers absent from GS1's published table are not guessed ...
    with pytest.raises(GS1Error, match="mã doanh nghiệp"):
        gs1.digital_link_to_epc(dl)
    # ... the cooperative's recorded prefix (or an explicit length) decides.
    assert gs1.digital_link_to_epc(dl, known_prefixes=["893000000"]) == "urn:epc:id:sgtin:893000000.0001.7"
    assert gs1.digital_link_to_epc(dl, gcp_length=7) == "urn:epc:id:sgtin:8930000.000001.7"


def test_company_prefix_from_settings(settings):
    settings.GS1_COMPANY_PREFIXES = ["8930000"]
    assert gs1.gcp_length("893000000001") == 7


@hsettings(max_examples=200, deadline=None)
@given(
    prefix_len=st.integers(min_value=6, max_value=12),
    digits=st.text(alphabet="0123456789", min_size=13, max_size=13),
    serial=st.text(alphabet="ABCxyz0123456789-._!%&/<>?\"'()*+,:;=", min_size=1, max_size=20),
)
def test_round_trip_property(prefix_len, digits, serial):
    """Any GTIN and serial: DL → URN → DL gives back the same canonical item."""
    body = digits
    gtin = body + gs1.check_digit(body)
    if gtin.startswith("000000"):
        return
    dl = gs1.GS1Key("01", gtin, serial=serial).digital_link()
    urn = gs1.digital_link_to_epc(dl, gcp_length=prefix_len)
    assert gs1.epc_to_digital_link(urn) == dl
    assert gs1.canonical_epc(urn) == gs1.canonical_epc(dl)
