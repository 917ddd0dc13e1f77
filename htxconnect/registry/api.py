"""Registry endpoints of the REST API: organisations and products, filtered and paginated,
scoped to the caller exactly like the web pages (same queries)."""

from __future__ import annotations

from datetime import date

from django.db.models import Prefetch
from ninja import Query, Router, Schema

from htxconnect.core.permissions import COOPERATIVE, require_rule

from . import queries
from .models import Product, Sector
from htxconnect.core.identifiers import display_gtin

router = Router(tags=["registry"])

MAX_PAGE_SIZE = 200


class PageParams(Schema):
    page: int = 1
    page_size: int = 50


class OrganisationFilters(PageParams):
    q: str = ""
    province: str = ""
    ward: str = ""
    sector: str = ""
    kind: str = ""
    certification: str = ""
    ocop: int | None = None
    status: str = ""
    verified: str = ""
    sort: str = ""


class OrganisationOut(Schema):
    id: int
    kind: str
    name: str
    short_name: str
    tax_code: str
    registration_number: str
    registration_date: date | None
    members_count: int | None
    charter_capital: int | None
    sectors: list[str]
    province_code: str
    province_name: str
    ward_code: str
    ward_name: str
    street: str
    address_as_written: str
    address_needs_review: bool
    status: str
    verified: bool
    verified_at: str | None
    products_count: int
    best_ocop_stars: int | None


class OrganisationPage(Schema):
    count: int
    page: int
    pages: int
    results: list[OrganisationOut]


class ProductFilters(PageParams):
    q: str = ""
    producer: int | None = None
    category: str = ""
    gtin: str = ""
    province: str = ""


class ProductOut(Schema):
    id: int
    name: str
    category: str
    unit: str
    season_months: list[int]
    gtin: str | None
    gtin_display: str
    producer_id: int
    producer_name: str
    origin_ward_code: str
    origin_province_code: str
    verified: bool


class ProductPage(Schema):
    count: int
    page: int
    pages: int
    results: list[ProductOut]


def _page_size(value: int) -> int:
    return max(1, min(value, MAX_PAGE_SIZE))


@router.get("/organisations", response=OrganisationPage, summary="Danh sách tổ chức (theo phạm vi của người gọi)")
def list_organisations(request, filters: Query[OrganisationFilters]):
    user = require_rule(request, COOPERATIVE)
    params = filters.dict()
    page = queries.list_organizations(user, queries.OrganizationFilters(
        q=params["q"], province=params["province"], ward=params["ward"], sector=params["sector"],
        kind=params["kind"], certification=params["certification"],
        ocop=params["ocop"] if params["ocop"] in (3, 4, 5) else None, status=params["status"],
        verified=params["verified"], sort=params["sort"],
    ), page=filters.page, per_page=_page_size(filters.page_size), exact_count=True)
    results = [
        {
            "id": o.pk, "kind": o.kind, "name": o.name, "short_name": o.short_name, "tax_code": o.tax_code,
            "registration_number": o.registration_number, "registration_date": o.registration_date,
            "members_count": o.members_count, "charter_capital": o.charter_capital,
            "sectors": [s.code for s in o.sector_list], "province_code": o.province_code,
            "province_name": o.province_name, "ward_code": o.ward_code, "ward_name": o.ward_name,
            "street": o.street, "address_as_written": o.address_as_written,
            "address_needs_review": o.address_needs_review, "status": o.status, "verified": o.is_verified,
            "verified_at": o.verified_at.isoformat() if o.verified_at else None,
            "products_count": o.products_total, "best_ocop_stars": o.best_ocop_stars,
        }
        for o in page.object_list
    ]
    return {"count": page.paginator.count, "page": page.number, "pages": page.paginator.num_pages, "results": results}


@router.get("/products", response=ProductPage, summary="Danh sách sản phẩm, kèm mã GTIN")
def list_products(request, filters: Query[ProductFilters]):
    user = require_rule(request, COOPERATIVE)
    queryset = queries.scope_products(user).select_related("producer")
    if filters.q:
        queryset = queries.search(queryset, filters.q)
    if filters.producer:
        queryset = queryset.filter(producer_id=filters.producer)
    if filters.category:
        queryset = queryset.filter(category=filters.category)
    if filters.province:
        queryset = queryset.filter(producer__province_code=filters.province)
    if filters.gtin:
        from django.core.exceptions import ValidationError

        from .validators import normalize_gtin

        try:
            queryset = queryset.filter(gtin=normalize_gtin(filters.gtin))
        except ValidationError:
            queryset = queryset.none()
    from django.core.paginator import Paginator

    page = Paginator(queryset.order_by("name", "pk"), _page_size(filters.page_size)).get_page(filters.page)
    results = [
        {
            "id": p.pk, "name": p.name, "category": p.category, "unit": p.unit, "season_months": p.season_months or [],
            "gtin": p.gtin, "gtin_display": display_gtin(p.gtin), "producer_id": p.producer_id,
            "producer_name": p.producer.name, "origin_ward_code": p.origin_ward_code,
            "origin_province_code": p.origin_province_code, "verified": p.is_verified,
        }
        for p in page.object_list
    ]
    return {"count": page.paginator.count, "page": page.number, "pages": page.paginator.num_pages, "results": results}
