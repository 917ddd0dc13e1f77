"""QuerySets compiled once and run again with other parameters (hot read paths).

Building a QuerySet (filter, annotate, prefetch) and compiling it to SQL is Python work the ORM
redoes on every call: for the registry's search page (docs/decisions/0030) about half of the
page's time, more than the database's. Where a query's SQL text depends only on its *shape*
(how many keys, which kind of words), `CompiledQuery` compiles it once from a QuerySet built
with stand-in values (`slots`) and keeps the SQL, the place of each stand-in among the
parameters, and what the ORM needs to turn rows into values or model instances; a call then only
puts the real values in and runs the SQL. The SQL is the ORM's own, so rows and order are those of
the QuerySet.

    template = compiled(Organization, ("org rows", n, since), lambda: Organization.objects.filter(
        pk__in=stand_in_keys(n)).annotate(…), slots=stand_in_keys(n))
    rows = template.instances(keys)

Rules for what may be compiled this way:
- every value that varies between calls is a slot, given as a stand-in equal to nothing else in
  the query (`stand_in_keys`: integers no row has); each stand-in must reach the parameters as it
  was given (not converted by a field, as a date would be on SQLite), else the template refuses
  to build;
- anything else the SQL depends on (number of keys, a date, the database) is part of the cache
  key;
- no select_related (instances are built from the model's own columns and its annotations).

Templates are kept on the database connection (a connection belongs to one thread or task; a
template refers to its connection through the ORM's value converters, so it goes with it) and
per key, at most `MAX_TEMPLATES` per connection.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence

from django.db import connections, router
from django.db.models import QuerySet

MAX_TEMPLATES = 512
_STAND_IN_BASE = -(2**31)  # within a 32-bit integer column's range: a lookup does not refuse it
_CACHE_ATTRIBUTE = "_htx_compiled"  # on the connection: gone with it (a thread's end), cycles and all


def stand_in_keys(n: int) -> list[int]:
    """n distinct integers no primary key has (a slot for each of n keys)."""
    return [_STAND_IN_BASE + i for i in range(n)]


class CompiledQuery:
    """The SQL of `queryset` with its parameters at `slots` left to fill (see the module)."""

    def __init__(self, queryset: QuerySet, slots: Sequence = ()):
        self.alias = queryset.db
        compiler = queryset.query.get_compiler(using=self.alias)
        self.sql, params = compiler.as_sql()
        slot_of = {(type(value), value): i for i, value in enumerate(slots)}
        if len(slot_of) != len(slots):
            raise ValueError("stand-ins must be distinct")
        self.params: list[tuple[int | None, object]] = []
        for value in params:
            try:
                slot = slot_of.get((type(value), value))
            except TypeError:  # unhashable (a list for an array): a constant
                slot = None
            self.params.append((slot, value))
        if {slot for slot, _ in self.params if slot is not None} != set(range(len(slots))):
            raise ValueError("a stand-in did not reach the SQL's parameters unchanged")
        self.compiler = compiler
        self.col_count = compiler.col_count if compiler.has_extra_select else None
        fields = [s[0] for s in compiler.select[0:compiler.col_count]]
        self.converters = compiler.get_converters(fields)
        klass_info = compiler.klass_info
        if klass_info is not None:
            if klass_info.get("related_klass_infos"):
                raise ValueError("select_related is not supported")
            self.model = klass_info["model"]
            start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
            self.model_slice = slice(start, end)
            self.init_list = [f[0].target.attname for f in compiler.select[start:end]]
            self.annotation_col_map = list(compiler.annotation_col_map.items())

    def rows(self, values: Sequence = ()) -> list[list]:
        """The rows (values converted as the ORM converts them) for `values` in the slots."""
        params = [value if slot is None else values[slot] for slot, value in self.params]
        with self.compiler.connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        if self.col_count is not None:
            rows = [row[:self.col_count] for row in rows]
        if self.converters:
            return list(self.compiler.apply_converters(rows, self.converters))
        return rows

    def instances(self, values: Sequence = ()) -> list:
        """Model instances, as iterating the QuerySet gives them (annotations set as attributes)."""
        model, alias, init_list, model_slice = self.model, self.alias, self.init_list, self.model_slice
        annotations = self.annotation_col_map
        result = []
        for row in self.rows(values):
            obj = model.from_db(alias, init_list, row[model_slice])
            for name, position in annotations:
                setattr(obj, name, row[position])
            result.append(obj)
        return result


def cached(using: str, key: Hashable, make: Callable[[], object]):
    """What `make()` returns, made once per connection of `using` and `key`."""
    connection = connections[using]
    cache = connection.__dict__.get(_CACHE_ATTRIBUTE)
    if cache is None:
        cache = connection.__dict__[_CACHE_ATTRIBUTE] = {}
    try:
        return cache[key]
    except KeyError:
        pass
    value = make()
    if len(cache) >= MAX_TEMPLATES:
        cache.clear()
    cache[key] = value
    return value


def compiled(model, key: Hashable, build: Callable[[], QuerySet], slots: Sequence = ()) -> CompiledQuery:
    """The template for `key`, built from `build()` once per connection of the database `model`
    is read from (the router's choice, as a QuerySet of `model` makes it). `key` must name
    everything the SQL text depends on beside the slots' values."""
    using = router.db_for_read(model)
    return cached(using, ("compiled", key),
                  lambda: CompiledQuery(build().using(using), slots))
