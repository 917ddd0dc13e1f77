"""fold(): the one folding function for stored search keys and queries."""

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from htxconnect.core.text import fold

VIETNAMESE_LETTERS = (
    "aàảãáạăằẳẵắặâầẩẫấậbcdđeèẻẽéẹêềểễếệghiìỉĩíịklmnoòỏõóọôồổỗốộơờởỡớợpqrstuùủũúụưừửữứựvxyỳỷỹýỵ"
)
vietnamese_text = st.text(
    alphabet=st.sampled_from(VIETNAMESE_LETTERS + VIETNAMESE_LETTERS.upper() + " \t\n0123456789-,."), max_size=60
)


@pytest.mark.parametrize("text, expected", [
    ("HỒNG ĐỨC", "hong duc"),
    ("Hong Đuc", "hong duc"),
    ("hong duc", "hong duc"),
    ("Ổi Thanh Kiên", "oi thanh kien"),
    ("HTX  Ổi   Thanh\tKiên ", "htx oi thanh kien"),
    ("Dứa", "dua"),
    ("Thị trấn Óc Eo", "thi tran oc eo"),
    ("Ðồng Tháp", "dong thap"),  # U+00D0 typed for Đ by old keyboards
    ("", ""),
    (None, ""),
])
def test_examples(text, expected):
    assert fold(text) == expected


def test_nfd_input_folds_like_nfc():
    assert fold(unicodedata.normalize("NFD", "Hồng Đức Ổi")) == "hong duc oi"


@given(st.text())
def test_idempotent(text):
    assert fold(fold(text)) == fold(text)


@given(st.text())
def test_no_leading_trailing_or_double_whitespace(text):
    folded = fold(text)
    assert folded == folded.strip()
    assert "  " not in folded
    assert not any(ch.isspace() and ch != " " for ch in folded)


@given(st.text())
def test_no_combining_marks_left(text):
    assert not any(unicodedata.category(ch) == "Mn" for ch in fold(text))


@given(vietnamese_text)
def test_vietnamese_letters_fold_to_ascii(text):
    assert fold(text).isascii()


@given(vietnamese_text)
def test_case_insensitive(text):
    assert fold(text.upper()) == fold(text) == fold(text.lower()) == fold(text.title())


@given(vietnamese_text)
def test_normal_form_insensitive(text):
    assert fold(unicodedata.normalize("NFD", text)) == fold(unicodedata.normalize("NFC", text))


@given(vietnamese_text, vietnamese_text)
def test_folding_keeps_substrings(haystack_left, needle):
    """What search relies on: a word found in a text is found in the folded text."""
    assert fold(needle) in fold(haystack_left + " " + needle + " ")
