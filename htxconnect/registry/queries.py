"""Reads of the registry, scoped to the acting user, and the access rules they rest on.

Scope: administrators see every organisation; officers and leaders the organisations of their
agency's province; a cooperative's own users their organisation; the public only the public
fields of active organisations listed in the directory.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Callable, Iterable

from django.db import connections, router
from django.http import Http404
from django.db.models import Count, Exists, Max, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from htxconnect.core.compiled import cached, compiled, stand_in_keys
from htxconnect.core.pagination import COUNT_CAP, CappedPaginator
from htxconnect.core.roles import AGENCY_ROLES, STAFF_ROLES, Role
from htxconnect.core.search import folded_search, query_words, with_search_rank

from .importer import jobs
from .models import (
    EXPIRY_WARNING_DAYS, OCOP_VALIDITY_MONTHS, Certification, IPRight, IPUsageGrant, Membership, OcopRating,
    SEARCH_WORDS_RUN, Organization, OrganizationSearchWord, OrganizationUser, Person, Product, Sector, add_months,
)

PAGE_SIZE = 25
SHORT_WORD = 3  # query words shorter than this match word starts only (see `search`)

# --- Access rules ---------------------------------------------------------------------------


def sees_everything(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.role == Role.ADMIN)


def is_registry_staff(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.role in STAFF_ROLES)


def staff_province(user) -> str | None:
    """The province an officer or leader works for (through their agency), else None."""
    if user is None or not user.is_authenticated or user.role not in AGENCY_ROLES or not user.agency_id:
        return None
    return user.agency.province_code


def managed_organization_ids(user, roles: Iterable[str] | None = None) -> list[int]:
    if user is None or not user.is_authenticated:
        return []
    cache_key = f"_registry_org_ids_{'-'.join(sorted(roles)) if roles else 'all'}"
    cached = getattr(user, cache_key, None)
    if cached is None:
        links = OrganizationUser.objects.filter(user=user)
        if roles:
            links = links.filter(role__in=list(roles))
        cached = list(links.values_list("organization_id", flat=True))
        setattr(user, cache_key, cached)
    return cached


def forget_managed_organizations(user) -> None:
    """Drop the per-user cache of managed organisation ids (after a link changes)."""
    for name in [n for n in vars(user) if n.startswith("_registry_org_ids_")]:
        delattr(user, name)


def scope_organizations(user, queryset=None):
    """The organisations `user` may see in the internal registry."""
    queryset = Organization.objects.all() if queryset is None else queryset
    if sees_everything(user):
        return queryset
    province = staff_province(user)
    if province:
        return queryset.filter(province_code=province)
    if user is not None and user.is_authenticated and user.role in (Role.COOP_MANAGER, Role.COOP_MEMBER):
        return queryset.filter(pk__in=managed_organization_ids(user))
    return queryset.none()


def organization_of(obj) -> Organization:
    """The organisation a registry record belongs to (the one whose scope decides who sees it)."""
    if isinstance(obj, Organization):
        return obj
    if isinstance(obj, Product):
        return obj.producer
    if isinstance(obj, Certification):
        return obj.organization
    if isinstance(obj, IPRight):
        return obj.owner
    if isinstance(obj, OcopRating):
        return obj.product.producer
    raise TypeError(obj)


def can_view_organization(user, organization: Organization) -> bool:
    if sees_everything(user):
        return True
    province = staff_province(user)
    if province:
        return organization.province_code == province
    return organization.pk in managed_organization_ids(user)


def can_edit_organization(user, organization: Organization) -> bool:
    """Officers and leaders of the organisation's province, administrators, and the
    organisation's own managers (whose changes stay self-declared until verified)."""
    if sees_everything(user):
        return True
    province = staff_province(user)
    if province:
        return organization.province_code == province
    if user is not None and user.is_authenticated and user.role == Role.COOP_MANAGER:
        return organization.pk in managed_organization_ids(user, [OrganizationUser.Role.MANAGER])
    return False


def can_verify(user, organization: Organization) -> bool:
    return is_registry_staff(user) and can_edit_organization(user, organization)


def can_create_organization(user, province_code: str = "") -> bool:
    if sees_everything(user):
        return True
    province = staff_province(user)
    return bool(province and (not province_code or province_code == province))


def can_see_personal_data(user, organization: Organization) -> bool:
    """Members' personal data: staff responsible for the organisation and its own managers only."""
    return can_edit_organization(user, organization)


# --- Search -----------------------------------------------------------------------------------


def search(queryset, text: str, field: str = "search_text"):
    """Accent-insensitive search on a folded column (core.search): every word of the query must
    occur; rows are annotated `search_rank` so "oi" lists "HTX Ổi Thanh Kiên" before "HTX Thới …"."""
    words = query_words(text)
    if not words:
        return queryset
    long_words = " ".join(w for w in words if len(w) >= SHORT_WORD)
    queryset = folded_search(queryset, long_words, field) if long_words else queryset
    # A word of one or two letters ("oi", "an") matches at the start of a word only: as a bare
    # substring it would match half the registry, and a trigram index cannot serve it anyway
    # (pg_trgm needs three characters; " oi" with the leading space it can use).
    for word in (w for w in words if len(w) < SHORT_WORD):
        queryset = queryset.filter(Q(**{f"{field}__startswith": word}) | Q(**{f"{field}__contains": f" {word}"}))
    return with_search_rank(queryset, text, field)


# --- Organisation list -------------------------------------------------------------------------

SORTS = {
    "name": ("name", _("Tên A–Z")),
    "-name": ("-name", _("Tên Z–A")),
    "-updated": ("-updated_at", _("Mới cập nhật")),
    "-members": ("-members_count", _("Nhiều thành viên nhất")),
    "-products": ("-products_total", _("Nhiều sản phẩm nhất")),
    "province": ("province_name", _("Tỉnh/thành phố")),
}


@dataclass
class OrganizationFilters:
    q: str = ""
    province: str = ""
    ward: str = ""
    sector: str = ""
    kind: str = ""
    certification: str = ""
    ocop: int | None = None
    status: str = ""
    verified: str = ""  # "yes" / "no" / ""
    sort: str = ""

    @classmethod
    def from_params(cls, params) -> "OrganizationFilters":
        def get(name):
            return (params.get(name) or "").strip()[:200]

        ocop = get("ocop")
        return cls(
            q=get("q"), province=get("province"), ward=get("ward"), sector=get("sector"), kind=get("kind"),
            certification=get("certification"), ocop=int(ocop) if ocop in ("3", "4", "5") else None,
            status=get("status"), verified=get("verified"), sort=get("sort"),
        )

    @property
    def active(self) -> bool:
        return any([self.q, self.province, self.ward, self.sector, self.kind, self.certification, self.ocop,
                    self.status, self.verified])


def _with_products_total(queryset):
    if "products_total" in queryset.query.annotations:  # already there to sort by
        return queryset
    products = Product.objects.filter(producer=OuterRef("pk")).order_by().values("producer")
    return queryset.annotate(products_total=Coalesce(Subquery(products.annotate(n=Count("pk")).values("n")), 0))


def _ocop_since() -> datetime.date:
    """The oldest decision date of an OCOP rating still valid today."""
    return add_months(timezone.localdate(), -OCOP_VALIDITY_MONTHS)


def _with_best_ocop(queryset, ocop_since: datetime.date | None = None):
    ocop_since = _ocop_since() if ocop_since is None else ocop_since
    best_ocop = (OcopRating.objects.filter(product__producer=OuterRef("pk"), decision_date__gte=ocop_since)
                 .order_by().values("product__producer").annotate(best=Max("stars")).values("best"))
    return queryset.annotate(best_ocop_stars=Subquery(best_ocop))


def _sector_list():
    # Prefetched into a plain list (`to_attr`): Django then skips building a related manager's
    # QuerySet for every row (about 40% of the prefetch's Python time). Built per call: a
    # prefetch writes hints (an instance) into its QuerySet.
    return Prefetch("sectors", queryset=Sector.objects.only("id", "code", "name"), to_attr="sector_list")


@dataclass(frozen=True)
class RowKind:
    """What a list's row carries beyond the order's columns: `fields` (its own columns, all when
    None), always the number of products and the best current OCOP rating (subqueries) and
    `sector_list`, and `certification_list` when `certifications`. One kind, two ways to read it:
    `rows_of` adds it to a QuerySet, `rows_by_key` reads it for keys with compiled statements."""

    name: str
    fields: tuple[str, ...] | None = None
    certifications: bool = True


LIST_ROW = RowKind("list")  # the internal registry's list
PUBLIC_ROW = RowKind("public", fields=(  # the public directory: public columns, no certifications
    "id", "name", "short_name", "kind", "province_code", "province_name", "ward_name", "verified_at", "status",
    "updated_at", "members_count",
), certifications=False)

_CERTIFICATION_LIST_FIELDS = ("id", "organization_id", "type", "type_other", "expiry_date", "issue_date", "number",
                              "verified_at")


def _row_columns(queryset, kind: RowKind, ocop_since: datetime.date | None = None):
    """The row's own columns and annotations (the prefetches aside)."""
    queryset = _with_best_ocop(_with_products_total(queryset), ocop_since)
    return queryset if kind.fields is None else queryset.only(*kind.fields)


def _certification_list_queryset():
    return Certification.objects.only(*_CERTIFICATION_LIST_FIELDS)


def rows_of(queryset, kind: RowKind = LIST_ROW):
    """`queryset`'s rows as a list of `kind` shows them (one prefetch for `sector_list`, one for
    `certification_list` when the kind has it)."""
    prefetches = [_sector_list()]
    if kind.certifications:
        prefetches.append(Prefetch("certifications", queryset=_certification_list_queryset(),
                                   to_attr="certification_list"))
    return _row_columns(queryset, kind).prefetch_related(*prefetches)


def with_list_details(queryset):
    """What a row of the lists shows beyond its own columns: the number of products and the best
    current OCOP rating (subqueries), `sector_list` and `certification_list` (one prefetch each)."""
    return rows_of(queryset, LIST_ROW)


def _public_row(queryset):
    """A row of the public directory: its public columns, products, OCOP and sectors."""
    return rows_of(queryset, PUBLIC_ROW)


def rows_by_key(keys: list[int], kind: RowKind = LIST_ROW) -> list[Organization]:
    """The rows of `rows_of(…, kind)` for `keys` (in no particular order; a key without a row is
    left out), as its QuerySet gives them: the same queries (rows, sectors, and certifications
    when the kind has them), the same instances and attributes. Each query is compiled once per
    kind and number of keys (core.compiled; the rows' also per day, for the OCOP ratings still
    valid), not per page."""
    if not keys:
        return []
    since = _ocop_since()
    n = len(keys)
    rows = compiled(Organization, ("registry list rows", kind, n, since), lambda: _row_columns(
        Organization.objects.filter(pk__in=stand_in_keys(n)).order_by(), kind, since), stand_in_keys(n))
    organizations = rows.instances(keys)
    if not organizations:
        return organizations
    found = [o.pk for o in organizations]
    m = len(found)

    def sectors():  # the QuerySet Django's prefetch of `sectors` runs (with the join column it adds)
        probes = [Organization(pk=key) for key in stand_in_keys(m)]
        return probes[0].sectors.get_prefetch_querysets(probes, [_sector_list().queryset])[0]

    sector_rows = compiled(Sector, ("registry list sectors", m), sectors, stand_in_keys(m)).instances(found)
    by_key = {o.pk: o for o in organizations}
    for organization in organizations:
        organization.sector_list = []
    for sector in sector_rows:
        by_key[sector._prefetch_related_val_organization_id].sector_list.append(sector)
    if kind.certifications:
        certification_rows = compiled(Certification, ("registry list certifications", m), lambda: (
            _certification_list_queryset().filter(organization__in=stand_in_keys(m))),
            stand_in_keys(m)).instances(found)
        for organization in organizations:
            organization.certification_list = []
        for certification in certification_rows:
            organization = by_key[certification.organization_id]
            certification.organization = organization  # as the prefetch of a reverse relation sets it
            organization.certification_list.append(certification)
    return organizations


def list_rows_by_key(keys: list[int]) -> list[Organization]:
    """`rows_by_key` for the internal registry's list (`with_list_details`)."""
    return rows_by_key(keys, LIST_ROW)


def public_rows_by_key(keys: list[int]) -> list[Organization]:
    """`rows_by_key` for the public directory (`_public_row`)."""
    return rows_by_key(keys, PUBLIC_ROW)


def filter_organizations(queryset, filters: OrganizationFilters):
    if filters.province:
        queryset = queryset.filter(province_code=filters.province)
    if filters.ward:
        queryset = queryset.filter(ward_code=filters.ward)
    if filters.sector:
        queryset = queryset.filter(Exists(Organization.sectors.through.objects.filter(
            organization_id=OuterRef("pk"), sector__code=filters.sector)))
    if filters.kind:
        queryset = queryset.filter(kind=filters.kind)
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.verified == "yes":
        queryset = queryset.filter(verified_at__isnull=False)
    elif filters.verified == "no":
        queryset = queryset.filter(verified_at__isnull=True)
    if filters.certification:
        today = timezone.localdate()
        queryset = queryset.filter(Exists(Certification.objects.filter(
            Q(expiry_date__isnull=True) | Q(expiry_date__gte=today),
            organization_id=OuterRef("pk"), type=filters.certification)))
    if filters.ocop:
        since = add_months(timezone.localdate(), -OCOP_VALIDITY_MONTHS)
        queryset = queryset.filter(Exists(OcopRating.objects.filter(
            product__producer_id=OuterRef("pk"), stars=filters.ocop, decision_date__gte=since)))
    if filters.q:
        queryset = search(queryset, filters.q)
    return queryset


def _ordered(queryset, filters: OrganizationFilters):
    sort = SORTS.get(filters.sort, SORTS["name"])[0]
    if filters.q and not filters.sort:
        return queryset.order_by("search_rank", "name", "pk")
    if sort == "-products_total":
        queryset = _with_products_total(queryset)
    return queryset.order_by(sort, "name", "pk")


def organization_keys(user, filters: OrganizationFilters):
    """The internal registry list, filtered and ordered, with only what the order needs: the
    paginator sorts these narrow rows and reads the rest (`with_list_details`) for one page."""
    return _ordered(filter_organizations(scope_organizations(user), filters), filters)


def list_organizations(user, filters: OrganizationFilters, page: int | str = 1, per_page: int = PAGE_SIZE,
                       exact_count: bool = False):
    """A page of the internal registry list: a fixed number of queries whatever its length
    (count, rows with annotations, sectors, certifications). The count stops 1,000 rows past
    the page (core.pagination) unless `exact_count` (the API, whose clients page through all)."""
    def object_list():
        return _ordered(filter_organizations(scope_organizations(user), filters), filters)

    if sees_everything(user) and _word_table_serves(filters):  # docs/decisions/0030: no QuerySet built or compiled
        return CappedPaginator(object_list, per_page, rows=with_list_details, rows_by_key=list_rows_by_key,
                               first_keys=search_first_keys(_every_organization, filters.q, unfiltered=True),
                               count_cap=None if exact_count else COUNT_CAP).get_page(page)
    return CappedPaginator(object_list(), per_page, rows=with_list_details,
                           count_cap=None if exact_count else COUNT_CAP).get_page(page)


def _every_organization():
    return Organization.objects.all()


def _word_table_serves(filters: OrganizationFilters) -> bool:
    """A search in the default order (by rank) and no other filter. With a filter, or in a narrow
    scope (an officer's province, 1/34 of the registry), a walk along a word would read most of the
    word's rows to fill a page, where the trigram path reads only the matches (docs/decisions/0030)."""
    return bool(query_words(filters.q)) and not filters.sort and not any([
        filters.province, filters.ward, filters.sector, filters.kind, filters.certification, filters.ocop,
        filters.status, filters.verified])


def search_first_keys(scope: Callable[[], QuerySet], text: str, *, unfiltered: bool = False
                      ) -> Callable[[int], list[int]]:
    """`first_keys` for CappedPaginator: the first n keys of `scope()` (a QuerySet of
    organisations) searched for `text` (`filter_organizations`), in the search's order (rank,
    name, id), in one query that reads the word table (models.OrganizationSearchWord) for the
    common case. By the rank's tiers (core.search.with_search_rank):

    0. the key starts with the phrase: the `search_text` B-tree (LIKE 'phrase%'); few rows, sorted;
    1. the phrase is whole words after a space: then each run of up to three of its words
       ("rau an toan"; for a longer phrase each run of three) is an entry of the word table
       (`search_words`). The entries of one run (the one with the fewest entries), walked in
       (name, id) order on the table's B-tree, are the candidates, in order; the walk stops after
       n. For a phrase of up to three words and no other condition (`unfiltered`: every
       organisation, no filter) an entry means exactly rank 1 or 0, so the walk reads the index
       alone and leaves out tier 0's rows; otherwise each candidate is checked against the full
       search (scope, match, rank 1) on its row;
    2. and 3. (the phrase at the start of a word, or inside one): as without the table (the
       trigram index, then a sort).

    Each tier's LIMIT is what the tiers before it left of n: a tier is not read at all once n keys
    are found (PostgreSQL runs no plan under a LIMIT of 0). For a common word or phrase ("xoai",
    "nong nghiep": 7,300 matches) tiers 0 and 1 give the first page and the capped count from
    about n index entries instead of a pass over every match.

    The statement's text depends only on the query's shape (how many words, which of them are
    short), `scope` and `unfiltered`: it is built once per shape and connection from stand-in
    words (`_FirstKeysStatement`), and a search puts its own words in the parameters (no QuerySet
    built or compiled per search). `scope` must give the same QuerySet at every call (it is part
    of the cache's key: a module-level function)."""
    words = query_words(text)
    shape = tuple(len(word) >= SHORT_WORD for word in words)

    def first_keys(limit: int) -> list[int]:
        using = router.db_for_read(Organization)
        connection = connections[using]
        if len(words) > len(_STAND_IN_SHORT):  # no stand-ins for so many words: built for this search alone
            rows = filter_organizations(scope().using(using), OrganizationFilters(q=text))
            sql, params = _first_keys_sql(rows, words, unfiltered, connection, limit)
        else:
            statement = cached(using, ("registry search first keys", scope, shape, unfiltered),
                               lambda: _FirstKeysStatement(scope, _stand_in_words(shape), unfiltered, using))
            sql, params = statement.sql, statement.params(words, limit)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return [row[0] for row in cursor.fetchall()]

    return first_keys


# Stand-in words for `_FirstKeysStatement`: fold() leaves them as they are, LIKE escaping too, no
# query word is both (they mark a place), and the short ones stay short (< SHORT_WORD letters).
_STAND_IN_SHORT = [f"{first}{second}" for first in "vwxy" for second in "0123456789abcdefghijklmnopqrstuvwxyz"]
_STAND_IN_LIMIT = -(10**15) + 7  # the LIMIT's place among the parameters


def _stand_in_words(shape: tuple[bool, ...]) -> list[str]:
    return [f"zq{i:04d}" if long else _STAND_IN_SHORT[i] for i, long in enumerate(shape)]


class _FirstKeysStatement:
    """The SQL of `search_first_keys` for a query of `words` (or stand-ins of them) and the
    place of each word in its parameters: a parameter that holds words is kept as its pieces
    (words, spaces, '%'), to be joined again with the words of a search, escaped for LIKE where
    the parameter is a LIKE pattern (it has a '%'; a stand-in word has none)."""

    def __init__(self, scope, words: list[str], unfiltered: bool, using: str):
        connection = connections[using]
        if query_words(" ".join(words)) != words:
            raise ValueError(f"stand-ins changed by the search's folding: {words}")
        rows = filter_organizations(scope().using(using), OrganizationFilters(q=" ".join(words)))
        self.sql, params = _first_keys_sql(rows, words, unfiltered, connection, _STAND_IN_LIMIT)
        self.prep_for_like = connection.ops.prep_for_like_query
        position = {word: i for i, word in enumerate(words)}
        self._params: list[tuple[str, object]] = []
        for value in params:
            if type(value) is int and value == _STAND_IN_LIMIT:
                self._params.append(("limit", None))
            elif isinstance(value, str) and any(piece in position for piece in _PIECES.split(value)):
                pieces = [position.get(piece, piece) for piece in _PIECES.split(value)]
                if any(isinstance(piece, str) and piece not in ("", "%", " ") for piece in pieces):
                    raise ValueError(f"a parameter mixes words and other text: {value!r}")
                self._params.append(("like" if "%" in value else "words", pieces))
            else:
                self._params.append(("constant", value))

    def params(self, words: list[str], limit: int) -> list:
        escaped = None
        result = []
        for kind, value in self._params:
            if kind == "constant":
                result.append(value)
            elif kind == "limit":
                result.append(limit)
            else:
                if kind == "like":
                    escaped = escaped or [self.prep_for_like(word) for word in words]
                    source = escaped
                else:
                    source = words
                result.append("".join(piece if isinstance(piece, str) else source[piece] for piece in value))
        return result


_PIECES = re.compile(r"([% ])")


def _first_keys_sql(rows, words: list[str], unfiltered: bool, connection, limit) -> tuple[str, list]:
    """The statement of `search_first_keys` (see there) for `rows` searched for `words`."""
    phrase = " ".join(words)
    run = min(len(words), SEARCH_WORDS_RUN)
    candidates = [" ".join(words[i:i + run]) for i in range(len(words) - run + 1)]
    probe = candidates[0]
    exact = unfiltered and len(candidates) == 1  # the phrase is an entry itself
    alias = connection.alias
    table = OrganizationSearchWord._meta.db_table
    starts = rows.filter(search_text__startswith=phrase).order_by("name", "pk").values_list("pk", "name")
    if exact:
        whole_sql, whole_params = (f"SELECT organization_id, name FROM {table} WHERE word = %s AND organization_id "
                                   f"NOT IN (SELECT id FROM starts_) ORDER BY name, organization_id"), (probe,)
    else:
        # Each candidate's row is checked; the walk follows the rarest of the phrase's runs
        # (their entries counted up to `limit` each, from the index alone).
        check_sql, check_params = (rows.filter(pk=RawSQL(f"{table}.organization_id", ()), search_rank=1).order_by()
                                   .values("pk")[:1].query.get_compiler(alias).as_sql())
        values = " UNION ALL ".join(["SELECT %s AS word"] * len(candidates))
        whole_sql = f"""
            SELECT organization_id, name FROM {table}
            WHERE word = (SELECT c.word FROM ({values}) AS c
                          ORDER BY (SELECT COUNT(*) FROM (SELECT 1 FROM {table} WHERE word = c.word LIMIT %s) AS n),
                                   length(c.word) DESC, c.word LIMIT 1)
              AND ({check_sql}) IS NOT NULL
            ORDER BY name, organization_id"""
        whole_params = (*candidates, limit, *check_params)
    rest = (rows.filter(search_rank__gte=2).order_by("search_rank", "name", "pk")
            .values_list("pk", "name", "search_rank"))
    (starts_sql, starts_params), (rest_sql, rest_params) = (
        queryset.query.get_compiler(alias).as_sql() for queryset in (starts, rest))
    greatest = "GREATEST" if connection.vendor == "postgresql" else "MAX"  # SQLite: max(a, b)
    sql = f"""
        WITH starts_(id, name) AS MATERIALIZED ({starts_sql} LIMIT %s),
        whole_(id, name) AS MATERIALIZED (
            {whole_sql} LIMIT {greatest}(0, %s - (SELECT COUNT(*) FROM starts_))),
        rest_(id, name, rank_) AS MATERIALIZED (
            {rest_sql} LIMIT {greatest}(0, %s - (SELECT COUNT(*) FROM starts_) - (SELECT COUNT(*) FROM whole_)))
        SELECT id FROM (SELECT id, name, 0 AS rank_ FROM starts_ UNION ALL SELECT id, name, 1 FROM whole_
                        UNION ALL SELECT id, name, rank_ FROM rest_) AS keys_
        ORDER BY rank_, name, id"""
    return sql, [*starts_params, limit, *whole_params, limit, *rest_params, limit]


def public_organizations():
    return Organization.objects.filter(is_public=True, status=Organization.Status.ACTIVE).exclude(
        kind=Organization.Kind.AGENCY)


def list_public_organizations(filters: OrganizationFilters, page: int | str = 1, per_page: int = PAGE_SIZE):
    """A page of the public directory: public, active organisations that are not agencies. A
    search the word table serves reads its first pages by key with compiled statements, as the
    administrator's list does (docs/decisions/0030): keys, rows, sectors; no QuerySet built."""
    filters.status = ""

    def object_list():
        return _ordered(filter_organizations(public_organizations(), filters), filters)

    if _word_table_serves(filters):  # the scope is checked on the rows by the key statement
        return CappedPaginator(object_list, per_page, rows=_public_row, rows_by_key=public_rows_by_key,
                               first_keys=search_first_keys(public_organizations, filters.q)).get_page(page)
    return CappedPaginator(object_list(), per_page, rows=_public_row).get_page(page)


# --- Detail ---------------------------------------------------------------------------------------


def access_organization(user, pk: int) -> Organization:
    """One organisation with everything its page shows. Http404 when it is out of the user's
    scope: who may not see it may not learn that it exists either. Whether they may edit it is
    `can_edit_organization`, checked by the service that writes."""
    organization = (
        scope_organizations(user)
        .select_related("verified_by", "created_by")
        .prefetch_related(
            "sectors",
            Prefetch("products", queryset=Product.objects.select_related("verified_by").prefetch_related(
                "photos", Prefetch("ocop_ratings", queryset=OcopRating.objects.select_related("verified_by")))),
            Prefetch("certifications", queryset=Certification.objects.select_related("product", "verified_by")),
            Prefetch("ip_rights", queryset=IPRight.objects.select_related("verified_by").prefetch_related(
                Prefetch("grants", queryset=IPUsageGrant.objects.select_related("grantee", "product")))),
            Prefetch("ip_grants", queryset=IPUsageGrant.objects.select_related("ip_right", "ip_right__owner", "product")),
            Prefetch("memberships", queryset=Membership.objects.select_related("person")),
            Prefetch("user_links", queryset=OrganizationUser.objects.select_related("user")),
        )
        .filter(pk=pk)
        .first()
    )
    if organization is None:
        raise Http404(_("Không tìm thấy tổ chức trong phạm vi của bạn."))
    return organization


def access_import_job(user, job_id) -> dict:
    """An import job of `user` (an upload is seen by the person who made it, nobody else)."""
    job = jobs.load_for(user, job_id)
    if job is None:
        raise Http404(_("Không tìm thấy lượt nhập này."))
    return job


def get_public_organization(pk: int) -> Organization | None:
    return (
        public_organizations()
        .prefetch_related(
            "sectors",
            Prefetch("products", queryset=Product.objects.filter(is_public=True).prefetch_related("photos", "ocop_ratings")),
            Prefetch("certifications", queryset=Certification.objects.select_related("product")),
            Prefetch("ip_rights", queryset=IPRight.objects.all()),
            Prefetch("ip_grants", queryset=IPUsageGrant.objects.select_related("ip_right", "ip_right__owner", "product")),
        )
        .filter(pk=pk)
        .first()
    )


def organization_ocop_ratings(organization: Organization) -> list[OcopRating]:
    """OCOP ratings of an organisation's products (from a prefetched organisation), newest first."""
    ratings = [r for p in organization.products.all() for r in p.ocop_ratings.all()]
    for rating in ratings:
        rating._product_cache = next(p for p in organization.products.all() if p.pk == rating.product_id)
    return sorted(ratings, key=lambda r: r.decision_date, reverse=True)


def people_of(organization: Organization) -> list[Membership]:
    return list(organization.memberships.all())


def editable_organizations(user):
    """Organisations the user may add products/certifications to (for form choices)."""
    if sees_everything(user):
        return Organization.objects.all()
    province = staff_province(user)
    if province:
        return Organization.objects.filter(province_code=province)
    return Organization.objects.filter(pk__in=managed_organization_ids(user, [OrganizationUser.Role.MANAGER]))


def scope_products(user, queryset=None):
    queryset = Product.objects.all() if queryset is None else queryset
    return queryset.filter(producer__in=scope_organizations(user))


def scope_persons(user):
    if sees_everything(user):
        return Person.objects.all()
    orgs = editable_organizations(user)
    return Person.objects.filter(memberships__organization__in=orgs).distinct()


# --- Timeline --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineItem:
    date: datetime.date
    kind: str  # short key: "certification", "ocop", "ip", "support", "event", "deal", …
    text: str
    url: str = ""

    @property
    def kind_label(self) -> str:
        return timeline_kind_label(self.kind)


# Labels of timeline kinds; apps adding a provider may add their kind here too.
TIMELINE_KINDS = {
    "registry": gettext_lazy("Đăng ký"), "certification": gettext_lazy("Chứng nhận"), "ocop": "OCOP",
    "ip": gettext_lazy("Sở hữu trí tuệ"),
    "support": gettext_lazy("Hỗ trợ"), "event": gettext_lazy("Sự kiện"), "deal": gettext_lazy("Kết nối thị trường"),
}


def timeline_kind_label(kind: str) -> str:
    return str(TIMELINE_KINDS.get(kind, kind))


TimelineProvider = Callable[[Organization, object], Iterable[TimelineItem]]
TIMELINE_PROVIDERS: list[TimelineProvider] = []


def timeline_provider(func: TimelineProvider) -> TimelineProvider:
    """Register a source of timeline items; other apps (programs, events, market) add theirs:

        @registry_queries.timeline_provider
        def supports(organization, user): return [TimelineItem(date, "support", "…"), …]
    """
    if func not in TIMELINE_PROVIDERS:
        TIMELINE_PROVIDERS.append(func)
    return func


def timeline(organization: Organization, user=None) -> list[TimelineItem]:
    items: list[TimelineItem] = []
    for provider in TIMELINE_PROVIDERS:
        items.extend(provider(organization, user))
    return sorted(items, key=lambda item: item.date, reverse=True)


@timeline_provider
def _registry_timeline(organization: Organization, user) -> list[TimelineItem]:
    items = []
    if organization.established_on:
        items.append(TimelineItem(organization.established_on, "registry", _("Thành lập")))
    if organization.registration_date:
        items.append(TimelineItem(organization.registration_date, "registry",
                                  _("Đăng ký kinh doanh số %(n)s") % {"n": organization.registration_number or "—"}))
    if organization.status_changed_on and organization.status != Organization.Status.ACTIVE:
        items.append(TimelineItem(organization.status_changed_on, "registry", str(organization.get_status_display())))
    for cert in organization.certifications.all():
        items.append(TimelineItem(cert.issue_date, "certification",
                                  _("Được cấp chứng nhận %(t)s %(n)s (%(issuer)s)") % {
                                      "t": cert.type_label, "n": cert.number, "issuer": cert.issuer or "—"}))
        if cert.expiry_date:
            items.append(TimelineItem(cert.expiry_date, "certification",
                                      _("Chứng nhận %(t)s %(n)s hết hạn") % {"t": cert.type_label, "n": cert.number}))
    for rating in organization_ocop_ratings(organization):
        items.append(TimelineItem(rating.decision_date, "ocop", _("Sản phẩm “%(p)s” đạt OCOP %(s)s sao (QĐ %(d)s)") % {
            "p": rating.product.name, "s": rating.stars, "d": rating.decision_number}))
        items.append(TimelineItem(rating.valid_until, "ocop", _("Hết hiệu lực xếp hạng OCOP của “%(p)s”") % {
            "p": rating.product.name}))
    for right in organization.ip_rights.all():
        if right.application_date:
            items.append(TimelineItem(right.application_date, "ip", _("Nộp đơn đăng ký %(r)s") % {"r": right}))
        if right.grant_date:
            items.append(TimelineItem(right.grant_date, "ip", _("Được cấp văn bằng %(r)s số %(n)s") % {
                "r": right, "n": right.number or "—"}))
    for grant in organization.ip_grants.all():
        if grant.granted_on:
            items.append(TimelineItem(grant.granted_on, "ip", _("Được trao quyền sử dụng %(r)s") % {"r": grant.ip_right}))
    return items


# --- Expiry warnings --------------------------------------------------------------------------------


def expiring_certifications(user, days: int = EXPIRY_WARNING_DAYS, today: datetime.date | None = None):
    """Certifications of the user's organisations that lapse within `days` (for the dashboard)."""
    today = today or timezone.localdate()
    return (
        Certification.objects.filter(organization__in=scope_organizations(user),
                                     expiry_date__gte=today, expiry_date__lte=today + datetime.timedelta(days=days))
        .select_related("organization", "product")
        .order_by("expiry_date", "pk")
    )


OCOP_REMINDER_MONTHS = 6  # a new OCOP dossier takes months: remind this long before the rating lapses


def _current_ocop_due(months: int, today: datetime.date):
    """Ratings still valid today that lapse within `months` and have no newer rating of the product."""
    oldest = add_months(today, -OCOP_VALIDITY_MONTHS)
    newest = add_months(today, months - OCOP_VALIDITY_MONTHS)
    newer = OcopRating.objects.filter(product_id=OuterRef("product_id"), decision_date__gt=OuterRef("decision_date"))
    return OcopRating.objects.filter(decision_date__gte=oldest, decision_date__lte=newest).exclude(Exists(newer))


def ocop_due_for_rerating(user, months: int = OCOP_REMINDER_MONTHS, today: datetime.date | None = None):
    """OCOP ratings that lapse within `months`: the cooperative should prepare the new dossier."""
    today = today or timezone.localdate()
    return (
        _current_ocop_due(months, today).filter(product__producer__in=scope_organizations(user))
        .select_related("product", "product__producer")
        .order_by("decision_date", "pk")
    )


def ocop_to_remind(months: int = OCOP_REMINDER_MONTHS, today: datetime.date | None = None):
    """All OCOP ratings due for re-rating whose producer has not been reminded yet."""
    today = today or timezone.localdate()
    return (
        _current_ocop_due(months, today).filter(reminder_sent_on__isnull=True)
        .select_related("product", "product__producer")
        .order_by("product__producer_id", "decision_date", "pk")
    )


def get_ocop_rating_for(user, pk: int) -> OcopRating | None:
    return (OcopRating.objects.select_related("product", "product__producer", "verified_by")
            .filter(pk=pk, product__producer__in=scope_organizations(user)).first())


@dataclass(frozen=True)
class ReusableDocument:
    """A document already in the registry that a new OCOP dossier can reuse."""

    kind: str
    title: str
    url: str
    date: datetime.date | None = None
    valid_until: datetime.date | None = None
    is_valid: bool = True
    verified: bool = False


def reusable_documents(organization: Organization, today: datetime.date | None = None) -> list[ReusableDocument]:
    """Scanned certificates, IP titles (owned or granted for use) and earlier OCOP decisions of an
    organisation, valid ones first: the papers an OCOP re-rating dossier asks for again (3 queries)."""
    today = today or timezone.localdate()
    docs: list[ReusableDocument] = []
    for cert in (Certification.objects.filter(organization=organization).exclude(document="")
                 .select_related("product").order_by("-issue_date", "pk")):
        docs.append(ReusableDocument(
            _("Chứng nhận"), f"{cert.type_label} {cert.number}".strip() + (f" – {cert.product.name}" if cert.product_id else ""),
            cert.document.url, cert.issue_date, cert.expiry_date,
            cert.expiry_date is None or cert.expiry_date >= today, cert.verified_at is not None))
    rights = (IPRight.objects.filter(Q(owner=organization) | Q(grants__grantee=organization)).exclude(document="")
              .distinct().order_by("-grant_date", "pk"))
    for right in rights:
        valid = (right.status not in (IPRight.Status.REFUSED, IPRight.Status.LAPSED)
                 and (right.expiry_date is None or right.expiry_date >= today))
        title = _("%(r)s số %(n)s") % {"r": right, "n": right.number} if right.number else str(right)
        docs.append(ReusableDocument(_("Sở hữu trí tuệ"), title, right.document.url,
                                     right.grant_date or right.application_date, right.expiry_date,
                                     valid, right.verified_at is not None))
    for rating in (OcopRating.objects.filter(product__producer=organization).exclude(document="")
                   .select_related("product").order_by("-decision_date", "pk")):
        docs.append(ReusableDocument(
            _("Quyết định OCOP"), _("QĐ %(n)s – %(p)s (%(s)s sao)") % {
                "n": rating.decision_number, "p": rating.product.name, "s": rating.stars},
            rating.document.url, rating.decision_date, rating.valid_until, not rating.is_expired_on(today),
            rating.verified_at is not None))
    return sorted(docs, key=lambda d: not d.is_valid)


def certifications_to_remind(days: int = EXPIRY_WARNING_DAYS, today: datetime.date | None = None):
    """All certifications lapsing within `days` whose holder has not been reminded yet."""
    today = today or timezone.localdate()
    return (
        Certification.objects.filter(expiry_date__gte=today, expiry_date__lte=today + datetime.timedelta(days=days),
                                     expiry_reminder_sent_on__isnull=True)
        .select_related("organization", "product")
        .order_by("organization_id", "expiry_date")
    )
