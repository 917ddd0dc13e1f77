"""Money: "2.500.000 đ", amounts in words ("6 tỷ 900 triệu đồng", "Sáu tỷ chín trăm triệu đồng")."""

import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from htxconnect.core.money import amount_in_words, format_vnd, spell_number, spell_vnd
from htxconnect.core.numbers import format_number, two_digits

amounts = st.integers(min_value=0, max_value=10**15 - 1)
# Shrinks towards numbers with zero groups, where the reading rules are subtle.
tricky = st.builds(
    lambda groups: int("".join(f"{g:03d}" for g in groups)),
    st.lists(st.sampled_from([0, 1, 4, 5, 10, 11, 14, 15, 20, 21, 24, 25, 100, 101, 105, 110, 115, 999]),
             min_size=1, max_size=5),
)


# ----- formatting -----------------------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    (2_500_000, "2.500.000 đ"), (0, "0 đ"), (999, "999 đ"), (1000, "1.000 đ"),
    (-2_500_000, "-2.500.000 đ"), (6_900_000_000, "6.900.000.000 đ"),
    (Decimal("2500000.00"), "2.500.000 đ"), ("2500000", "2.500.000 đ"), (1999.5, "2.000 đ"),
    (None, ""), ("abc", ""), (float("nan"), ""), (True, ""),
])
def test_format_vnd(value, expected):
    assert format_vnd(value) == expected


@pytest.mark.parametrize("value, expected", [(5, "05"), (0, "00"), (12, "12"), (150, "150"), (-3, "-03"), (None, ""), ("7", "07")])
def test_two_digits(value, expected):
    assert two_digits(value) == expected


@given(st.integers(min_value=-(10**18), max_value=10**18))
def test_format_number_round_trip(n):
    text = format_number(n)
    assert int(text.replace(".", "")) == n
    assert re.fullmatch(r"-?\d{1,3}(\.\d{3})*", text)


# ----- amounts with digits and scale words -------------------------------------------------------

@pytest.mark.parametrize("value, pad, expected", [
    (6_900_000_000, False, "6 tỷ 900 triệu đồng"),
    (6_900_000_000, True, "06 tỷ 900 triệu đồng"),  # as the Bình Dương article writes it
    (2_500_000, False, "2 triệu 500 nghìn đồng"),
    (5_000_000, True, "05 triệu đồng"),
    (12_000_000_000, True, "12 tỷ đồng"),
    (1_000_005, False, "1 triệu 5 đồng"),
    (1_200_000_000_000, False, "1.200 tỷ đồng"),
    (1_200_000_000_000, True, "1.200 tỷ đồng"),
    (750, False, "750 đồng"),
    (0, False, "0 đồng"),
    (0, True, "0 đồng"),
    (-6_900_000_000, False, "âm 6 tỷ 900 triệu đồng"),
    (None, False, ""),
])
def test_amount_in_words(value, pad, expected):
    assert amount_in_words(value, pad=pad) == expected


SCALES = {"tỷ": 10**9, "triệu": 10**6, "nghìn": 10**3, "đồng": 1}


def parse_amount_in_words(text: str) -> int:
    """Reads "06 tỷ 900 triệu 5 đồng" back into a number (the test's own parser)."""
    assert text.endswith(" đồng")
    total = 0
    for number, scale in re.findall(r"([\d.]+) (tỷ|triệu|nghìn|đồng)", text):
        total += int(number.replace(".", "")) * SCALES[scale]
    return total


@given(st.one_of(amounts, tricky), st.booleans())
def test_amount_in_words_round_trip(n, pad):
    assert parse_amount_in_words(amount_in_words(n, pad=pad)) == n


@given(st.one_of(amounts, tricky), st.booleans())
def test_amount_in_words_structure(n, pad):
    text = amount_in_words(n, pad=pad)
    assert text and "  " not in text and text == text.strip()
    scales = [SCALES[s] for s in re.findall(r"tỷ|triệu|nghìn|đồng", text)]
    assert scales == sorted(scales, reverse=True) and len(set(scales)) == len(scales)  # each once, large to small
    # Below a billion each group is 1..999; no zero group is written.
    for number, scale in re.findall(r"([\d.]+) (triệu|nghìn)", text):
        assert 1 <= int(number) <= 999
    if n:
        assert not re.search(r"(^|\s)0+ (tỷ|triệu|nghìn)", text)


# ----- fully spelled out -----------------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    (0, "Không đồng"),
    (1, "Một đồng"),
    (10, "Mười đồng"),
    (11, "Mười một đồng"),
    (14, "Mười bốn đồng"),
    (15, "Mười lăm đồng"),
    (20, "Hai mươi đồng"),
    (21, "Hai mươi mốt đồng"),
    (24, "Hai mươi tư đồng"),
    (25, "Hai mươi lăm đồng"),
    (55, "Năm mươi lăm đồng"),
    (100, "Một trăm đồng"),
    (101, "Một trăm linh một đồng"),
    (105, "Một trăm linh năm đồng"),
    (110, "Một trăm mười đồng"),
    (115, "Một trăm mười lăm đồng"),
    (1_005, "Một nghìn không trăm linh năm đồng"),
    (1_050, "Một nghìn không trăm năm mươi đồng"),
    (2_500_000, "Hai triệu năm trăm nghìn đồng"),
    (1_000_005, "Một triệu không trăm linh năm đồng"),
    (6_900_000_000, "Sáu tỷ chín trăm triệu đồng"),
    (1_050_000_000, "Một tỷ không trăm năm mươi triệu đồng"),
    (1_000_000_000_000, "Một nghìn tỷ đồng"),
    (-5, "Âm năm đồng"),
    (None, ""),
])
def test_spell_vnd(value, expected):
    assert spell_vnd(value) == expected


def test_spell_variants():
    assert spell_number(105, odd="lẻ") == "một trăm lẻ năm"
    assert spell_number(24, four="bốn") == "hai mươi bốn"
    assert spell_number(2000, thousand="ngàn") == "hai ngàn"
    assert spell_vnd(2_500_000, even=True) == "Hai triệu năm trăm nghìn đồng chẵn"
    assert spell_vnd(2_500_001, even=True) == "Hai triệu năm trăm nghìn không trăm linh một đồng"


DIGIT_WORDS = {"không": 0, "một": 1, "mốt": 1, "hai": 2, "ba": 3, "bốn": 4, "tư": 4, "năm": 5, "lăm": 5,
               "sáu": 6, "bảy": 7, "tám": 8, "chín": 9}


def parse_spelled(text: str) -> int:
    """The test's own reader of spelled-out numbers ("một nghìn không trăm linh hai tỷ …")."""
    big = mid = cur = 0
    pending = 0
    for word in text.split():
        if word in DIGIT_WORDS:
            pending = DIGIT_WORDS[word]
        elif word == "trăm":
            cur += pending * 100
            pending = 0
        elif word == "mươi":
            cur += pending * 10
            pending = 0
        elif word == "mười":
            cur += 10
        elif word in ("linh", "lẻ"):
            pass
        elif word == "nghìn":
            mid += (cur + pending) * 1000
            cur = pending = 0
        elif word == "triệu":
            mid += (cur + pending) * 10**6
            cur = pending = 0
        elif word == "tỷ":
            big = (big + mid + cur + pending) * 10**9
            mid = cur = pending = 0
        else:
            raise AssertionError(f"unexpected word {word!r} in {text!r}")
    return big + mid + cur + pending


@given(st.one_of(amounts, tricky))
def test_spelled_round_trip(n):
    assert parse_spelled(spell_number(n)) == n


@given(st.one_of(amounts, tricky))
def test_spelled_follows_reading_rules(n):
    text = spell_number(n)
    assert text and "  " not in text and text == text.strip() and text.islower()
    words = text.split()
    for before, word in zip(["^"] + words, words):
        if word == "mốt" or word == "tư":
            assert before == "mươi", text  # 21 "hai mươi mốt", 24 "hai mươi tư"; 11 is "mười một"
        if word == "lăm":
            assert before in ("mươi", "mười"), text  # 15, 25 … but 5 and 105 say "năm"
        if word == "linh":
            assert before == "trăm", text
        if word == "mươi":
            assert before in ("hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín"), text
    assert not re.search(r"mươi một\b|mươi năm\b|mười năm\b|một mươi|không mươi", text)
    assert not text.startswith("không") or n == 0  # the leading group never starts with zero hundreds
    for scale in ("nghìn", "triệu", "tỷ"):
        assert f"{scale} {scale}" not in text


@given(st.one_of(amounts, tricky))
def test_spell_vnd_capitalised_sentence(n):
    text = spell_vnd(n)
    assert text[0].isupper() and text.endswith(" đồng") and text[1:] == text[1:].lower()
