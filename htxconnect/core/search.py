"""Accent-insensitive search on a stored folded column.

Each searchable model keeps a column beside the original text holding `search_key(...)` of the
fields people search by (name, short name, tax code, ward …), kept up to date by its service.
A query is folded the same way and split into words; a row matches when its key contains every
word, so "hong duc", "HỒNG ĐỨC" and "Hong Đuc" all find "HTX Hồng Đức", and "oi" finds
"Ổi Thanh Kiên".

On PostgreSQL add a trigram GIN index on that column so the `LIKE '%word%'` filters use it —
in the app's migration:

    from htxconnect.core.migration_ops import CreateTrigramIndexIfPostgres

    operations = [
        CreateTrigramIndexIfPostgres("organization", "search_text", "registry_org_search_trgm"),
    ]

The operation creates the `pg_trgm` extension if missing and is a no-op on SQLite. It is a
database-only operation (not in `Meta.indexes`), because a GIN index cannot be declared in a
way SQLite accepts.

`with_search_rank(qs, query)` annotates a rank (key starts with the query, whole word, word
prefix, elsewhere) to order results by.

Why `contains` and not `icontains`: both sides are already folded to lower case, and on
PostgreSQL `icontains` compiles to `UPPER(col) LIKE UPPER(...)`, which the trigram index on
`col` cannot serve; `contains` compiles to `col LIKE '%…%'`, which it can.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from .text import fold

DEFAULT_FIELD = "search_text"


def search_key(*parts: object) -> str:
    """The folded key stored for a record: `search_key(org.name, org.short_name, org.tax_code)`.

    None and empty parts are skipped; nested lists/tuples are flattened; numbers are written out.
    """
    words: list[str] = []
    for part in _flatten(parts):
        folded = fold(str(part))
        if folded:
            words.append(folded)
    return " ".join(words)


def _flatten(parts: Iterable[object]):
    for part in parts:
        if part is None or part == "":
            continue
        if isinstance(part, (list, tuple, set, frozenset)):
            yield from _flatten(part)
        else:
            yield part


def query_words(query: str | None) -> list[str]:
    """The folded, distinct words of a query ("  Hồng  ĐỨC hong" → ["hong", "duc"])."""
    return list(dict.fromkeys(fold(query).split()))


def folded_q(query: str | None, field: str = DEFAULT_FIELD) -> Q:
    """A Q object requiring every word of `query` in the folded column `field` (empty query: Q())."""
    condition = Q()
    for word in query_words(query):
        condition &= Q(**{f"{field}__contains": word})
    return condition


def folded_search(queryset: QuerySet, query: str | None, field: str = DEFAULT_FIELD) -> QuerySet:
    """Filter `queryset` to rows whose folded column contains every word of `query`.

    An empty or blank query returns the queryset unchanged. `field` may span relations
    ("organization__search_text").
    """
    words = query_words(query)
    if not words:
        return queryset
    return queryset.filter(folded_q(query, field))


def with_search_rank(queryset: QuerySet, query: str | None, field: str = DEFAULT_FIELD,
                     name: str = "search_rank") -> QuerySet:
    """Annotate `name`: 0 when the key starts with the folded query, 1 when the query is a whole
    word or phrase in it, 2 when a word starts with it, 3 otherwise — order by it so that "oi"
    lists "HTX Ổi Thanh Kiên" before "HTX Thới Lai". Without a query every row ranks 0."""
    phrase = " ".join(query_words(query))
    if not phrase:
        return queryset.annotate(**{name: Value(0, output_field=IntegerField())})
    return queryset.annotate(**{name: Case(
        When(Q(**{f"{field}__startswith": phrase}), then=Value(0)),
        When(Q(**{f"{field}__contains": f" {phrase} "}) | Q(**{f"{field}__endswith": f" {phrase}"}), then=Value(1)),
        When(Q(**{f"{field}__contains": f" {phrase}"}), then=Value(2)),
        default=Value(3),
        output_field=IntegerField(),
    )})


def matches(key: str | None, query: str | None) -> bool:
    """The same rule in Python, for lists already in memory (candidates, choices)."""
    folded_key = fold(key)
    return all(word in folded_key for word in query_words(query))
