"""folded_search: accent-insensitive search on a stored folded column."""

import pytest
from django.db.models import Q
from hypothesis import given
from hypothesis import strategies as st

from htxconnect.core.models import AuditEntry
from htxconnect.core.search import folded_q, folded_search, matches, query_words, search_key, with_search_rank
from htxconnect.core.text import fold

NAMES = ["HTX Hồng Đức", "HTX Ổi Thanh Kiên", "HTX Dứa Tân Phước", "Công ty Dưa hấu Long An", "HTX 100% Sạch_Xanh"]


@pytest.fixture
def rows(db):
    # The audit table stands in for a model with a folded column: object_repr holds the key.
    return {name: AuditEntry.objects.create(action="test.search", object_repr=search_key(name)) for name in NAMES}


def found(query):
    qs = folded_search(AuditEntry.objects.filter(action="test.search"), query, field="object_repr")
    return {e.object_repr for e in qs}


def key(name):
    return search_key(name)


@pytest.mark.parametrize("query, expected", [
    ("hong duc", ["HTX Hồng Đức"]),
    ("HỒNG ĐỨC", ["HTX Hồng Đức"]),
    ("Hong Đuc", ["HTX Hồng Đức"]),
    ("ong duc", ["HTX Hồng Đức"]),
    ("duc hong", ["HTX Hồng Đức"]),  # word order does not matter
    ("oi", ["HTX Ổi Thanh Kiên"]),
    ("oi thanh kien", ["HTX Ổi Thanh Kiên"]),
    ("dua", ["HTX Dứa Tân Phước", "Công ty Dưa hấu Long An"]),
    ("htx", ["HTX Hồng Đức", "HTX Ổi Thanh Kiên", "HTX Dứa Tân Phước", "HTX 100% Sạch_Xanh"]),
    ("hong xyz", []),
    ("100%", ["HTX 100% Sạch_Xanh"]),
    ("%", ["HTX 100% Sạch_Xanh"]),  # LIKE wildcards are matched literally
    ("_", ["HTX 100% Sạch_Xanh"]),
])
def test_folded_search(rows, query, expected):
    assert found(query) == {key(n) for n in expected}


@pytest.mark.parametrize("query", ["", "   ", None])
def test_empty_query_returns_everything(rows, query):
    assert len(found(query)) == len(NAMES)


def test_field_spanning_relation_builds_q():
    assert folded_q("Hồng Đức", field="organization__search_text") == (
        Q(organization__search_text__contains="hong") & Q(organization__search_text__contains="duc"))
    assert folded_q("") == Q()


def test_uses_contains_not_icontains(db):
    """contains compiles to col LIKE '%w%', which a trigram index on col serves (icontains does not on PG)."""
    sql = str(folded_search(AuditEntry.objects.all(), "hong", field="object_repr").query)
    assert "UPPER" not in sql.upper().replace("SELECT", "")


def test_search_key_joins_and_skips_empty():
    assert search_key("HTX Hồng Đức", None, "", ["Đức Hòa", ("0301234567",)], 2025) == "htx hong duc duc hoa 0301234567 2025"
    assert search_key() == ""


def test_query_words_distinct_and_folded():
    assert query_words("  Hồng  ĐỨC hong ") == ["hong", "duc"]


@given(st.text(max_size=40), st.text(max_size=40))
def test_matches_in_python_agrees_with_rule(name, query):
    result = matches(search_key(name), query)
    assert result == all(w in fold(name) for w in fold(query).split())


@given(st.text(max_size=40))
def test_every_name_finds_itself(name):
    assert matches(search_key(name), name)


def test_rank_orders_best_matches_first(db):
    for name in ["HTX Thới Lai", "Ổi Thanh Kiên", "HTX Ổi Thanh Kiên", "HTX Bổi"]:
        AuditEntry.objects.create(action="test.rank", object_repr=search_key(name))
    qs = with_search_rank(folded_search(AuditEntry.objects.filter(action="test.rank"), "oi", field="object_repr"),
                          "oi", field="object_repr").order_by("search_rank", "object_repr")
    assert [(e.object_repr, e.search_rank) for e in qs] == [
        ("oi thanh kien", 0), ("htx oi thanh kien", 1), ("htx boi", 3), ("htx thoi lai", 3)]
    assert {e.search_rank for e in with_search_rank(qs, "", field="object_repr")} == {0}
