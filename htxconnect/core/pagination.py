"""Pages of large searched lists (100,000 rows and more) at a small, fixed cost.

Two things make Django's plain Paginator slow there:

- its `count` is an exact COUNT(*) of every match. On PostgreSQL that visits every matching row
  (a trigram index only narrows the rows; each is re-checked on the table). Here the count stops
  `count_cap` rows past the start of the requested page: a search with more matches shows
  "Hơn 1000 tổ chức" (`count_is_capped`), and every page stays reachable with "Sau", because
  each page counts from its own start;
- its page is `queryset[bottom:top]`, which carries whole rows (every column, the annotations)
  through the sort of every match.

Here one narrow query, `SELECT id … ORDER BY … LIMIT start + count_cap + 1`, sorts only the key
and the sort columns and returns the keys from the list's start to where the count stops: their
number is the count, and the page's keys are a slice of them. The full rows are then read for
those keys alone, with what `rows` adds (annotations, prefetches, deferred columns) that the
order does not need. Same rows, same order; the matches are read once, not once to count and
again to sort (bench/registry_search.py: the heavy searches went from ~28 to ~20 ms).

Past `KEYS_AT_ONCE` rows from the start (deep pages), and for an exact count (`count_cap=None`,
the API), the count is a query of its own; the page's keys then come from a narrow subquery past
`narrow_from` matches, and a shorter list keeps the plain slice, as sorting a few hundred whole
rows costs less than building and planning the subquery.

`first_keys(n)`, when given, returns the first n keys of `object_list` in its order by a quicker
way of its own (registry search: a word table, docs/decisions/0030); it must give the same keys
as `object_list.values_list("pk")[:n]`. It replaces that one query, and the page's rows are then
read by key alone (`rows(Model.objects.filter(pk__in=keys))`, put in the keys' order in Python):
the search's filters and rank, already answered, are neither compiled nor checked again. Deep
pages and exact counts still read `object_list`. `rows_by_key(keys)`, when given, reads those
rows instead (any order; a list of instances with what `rows` adds): a way that need not build
and compile a QuerySet per page (registry: core.compiled). With both, `object_list` may be given
as a function that builds the QuerySet: a first page then never builds it (deep pages and exact
counts do).

    CappedPaginator(keys, 25, rows=with_details).get_page(request.GET.get("page"))

`keys` is the filtered, ordered QuerySet with only what its order needs; `rows(queryset)` adds
the rest to the page's QuerySet. Keeping the two apart keeps the count and the sort queries
small, and the Python that builds them cheap.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.paginator import Page, PageNotAnInteger, Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property

COUNT_CAP = 1000
NARROW_FROM = 1000  # matches past which the page's rows are picked by a narrow subquery
KEYS_AT_ONCE = 5000  # rows from the start up to which the count and the page's keys are one query
MAX_PAGE = 10**9  # counting starts at most this far in: the LIMIT must fit in 64 bits


class CappedPaginator(Paginator):
    """A Paginator over an ordered QuerySet: capped count, narrow page query past `narrow_from`
    matches, `rows` added to the page's rows only.

    Use `get_page(number)`: the page number sets where counting starts. `count` is exact when
    the list ends within `count_cap` rows of the page's start; otherwise it is that start plus
    `count_cap + 1` and `count_is_capped` is true. `count_cap=None` counts exactly (for API
    clients that page through everything).
    """

    def __init__(self, object_list, per_page, *, count_cap: int | None = COUNT_CAP,
                 rows: Callable[[QuerySet], QuerySet] | None = None, narrow_from: int = NARROW_FROM,
                 first_keys: Callable[[int], list] | None = None,
                 rows_by_key: Callable[[list], list] | None = None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.rows = rows or (lambda queryset: queryset)
        self.first_keys = first_keys
        self.rows_by_key = rows_by_key
        self.narrow_from = narrow_from
        self.count_cap = None if count_cap is None else max(count_cap, self.per_page)
        self._count_from = 0

    @property
    def object_list(self):
        if self._build_object_list is not None:
            build, self._build_object_list = self._build_object_list, None
            self._object_list = build()
            super()._check_object_list_is_ordered()
        return self._object_list

    @object_list.setter
    def object_list(self, value):
        """A QuerySet, or a function that builds it when first needed (see the module)."""
        lazy = callable(value) and not isinstance(value, QuerySet)
        self._build_object_list, self._object_list = (value, None) if lazy else (None, value)

    def _check_object_list_is_ordered(self):
        if self._build_object_list is None:  # a list built later is checked then
            super()._check_object_list_is_ordered()

    def get_page(self, number):
        try:
            self._count_from = min(max(_page_number(number) - 1, 0), MAX_PAGE) * self.per_page
        except PageNotAnInteger:
            self._count_from = 0
        return super().get_page(number)

    @cached_property
    def _keys(self) -> list | None:
        """The list's keys in order, from its start to where the count stops, when that is at most
        `KEYS_AT_ONCE` rows: one narrow `SELECT id … ORDER BY … LIMIT n` gives both the count and
        the page's keys (the sort reads every match once, where a separate count read them again).
        None for deeper pages and exact counts, which count first."""
        if self.count_cap is None:
            return None
        limit = self._count_from + self.count_cap + 1
        if limit > KEYS_AT_ONCE:
            return None
        if self.first_keys is not None:
            return list(self.first_keys(limit))
        return list(self.object_list.prefetch_related(None).values_list("pk", flat=True)[:limit])

    @cached_property
    def count(self) -> int:
        if self._keys is not None:
            return len(self._keys)
        if self.count_cap is None:
            return self.object_list.count()
        # SELECT COUNT(*) FROM (SELECT id … LIMIT n): the scan stops after n matches.
        limit = self._count_from + self.count_cap + 1
        return self.object_list.order_by().values("pk")[:limit].count()

    @property
    def count_is_capped(self) -> bool:
        return self.count_cap is not None and self.count > self._count_from + self.count_cap

    def page(self, number) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        if self._keys is not None:
            keys = self._keys[bottom:top]
            if self.first_keys is not None:
                return self._get_page(self._rows_of(keys), number, self)
        elif self.count <= self.narrow_from:
            return self._get_page(self.rows(self.object_list)[bottom:top], number, self)
        else:
            keys = self.object_list.prefetch_related(None).values("pk")[bottom:top]
        return self._get_page(self.rows(self.object_list.filter(pk__in=keys)), number, self)


    def _rows_of(self, keys: list) -> list:
        """The page's rows for keys that `first_keys` found: read by key alone (`rows` added), without
        `object_list`'s filters and order, which the keys already answer, and put in the keys' order.
        A row deleted since its key was read is left out."""
        if self.rows_by_key is not None:
            found = self.rows_by_key(keys)
        else:
            found = self.rows(self.object_list.model._default_manager.filter(pk__in=keys).order_by())
        by_key = {row.pk: row for row in found}
        return [by_key[key] for key in keys if key in by_key]


def _page_number(number) -> int:
    """The page number as Paginator.validate_number reads it (PageNotAnInteger when there is none)."""
    try:
        if isinstance(number, float) and not number.is_integer():
            raise ValueError
        return int(number)
    except (TypeError, ValueError):
        raise PageNotAnInteger from None
