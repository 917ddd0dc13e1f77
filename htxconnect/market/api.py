"""Market endpoints of the REST API: the open offers and demands of the public board (no contact
details), the ranked matches with their reasons for those who may see them, and posting a demand.
Scoped exactly like the pages (same queries), writes through the same services."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from ninja import Query, Router, Schema
from ninja.responses import Status

from htxconnect.core.permissions import SIGNED_IN, require_rule

from . import matching, queries, services

router = Router(tags=["market"])
MAX_PAGE_SIZE = 200


class BoardParams(Schema):
    q: str = ""
    province: str = ""
    certification: str = ""
    page: int = 1
    page_size: int = 50


def _page(queryset, params: BoardParams):
    return Paginator(queryset, max(1, min(params.page_size, MAX_PAGE_SIZE))).get_page(params.page).object_list


class OfferOut(Schema):
    id: int
    name: str
    product: str
    concept: str | None
    producer: str
    province_code: str
    quantity: Decimal
    unit: str
    months: list[int]
    price_min: int | None
    price_max: int | None
    certifications: list[dict]
    expires_on: date


class DemandOut(Schema):
    id: int
    product_name: str
    concept: str | None
    buyer_kind: str
    quantity: Decimal
    unit: str
    frequency: str
    required_certifications: list[str]
    province_code: str
    price_min: int | None
    price_max: int | None
    starts_on: date
    ends_on: date


class MatchOut(Schema):
    offer_id: int
    demand_id: int
    score: int
    reasons: list[dict]


class DemandIn(Schema):
    buyer_id: int
    product_name: str
    quantity: Decimal
    unit: str
    frequency: str = "once"
    required_certifications: list[str] = []
    province_code: str
    ward_code: str = ""
    delivery_place: str = ""
    price_min: int | None = None
    price_max: int | None = None
    starts_on: date
    ends_on: date


def _offer(o) -> dict:
    return {"id": o.pk, "name": o.name, "product": o.product.name, "concept": o.concept.name if o.concept else None,
            "producer": o.organization.name, "province_code": o.province_code, "quantity": o.quantity, "unit": o.unit,
            "months": o.months, "price_min": o.price_min, "price_max": o.price_max, "expires_on": o.expires_on,
            "certifications": [{"type": c.type, "expiry_date": c.expiry_date} for c in o.certifications.all()]}


def _demand(d) -> dict:
    return {"id": d.pk, "product_name": d.product_name, "concept": d.concept.name if d.concept else None,
            "buyer_kind": d.buyer.kind, "quantity": d.quantity, "unit": d.unit, "frequency": d.frequency,
            "required_certifications": list(d.required_certifications), "province_code": d.province_code,
            "price_min": d.price_min, "price_max": d.price_max, "starts_on": d.starts_on, "ends_on": d.ends_on}


def _matches(results) -> list[dict]:
    return [{"offer_id": r.offer.pk, "demand_id": r.demand.pk, "score": r.score, "reasons": r.reasons}
            for r in results]


@router.get("/market/offers", response=list[OfferOut], auth=None, summary="Chào bán đang mở (bảng công khai)")
def list_offers(request, params: Query[BoardParams]):
    rows = queries.board_offers(q=params.q, province=params.province, certification=params.certification)
    return [_offer(o) for o in _page(rows, params)]


@router.get("/market/demands", response=list[DemandOut], auth=None, summary="Nhu cầu mua đang mở (bảng công khai)")
def list_demands(request, params: Query[BoardParams]):
    rows = queries.board_demands(q=params.q, province=params.province, certification=params.certification)
    return [_demand(d) for d in _page(rows, params)]


@router.get("/market/demands/{demand_id}/matches", response=list[MatchOut],
            summary="Chào bán phù hợp với một nhu cầu, có giải thích")
def demand_matches(request, demand_id: int):
    user = require_rule(request, SIGNED_IN)
    demand = queries.access_demand(user, demand_id)
    if not queries.can_see_demand_privately(user, demand):
        raise PermissionDenied("Chỉ bên mua và cán bộ của tỉnh nơi giao hàng xem kết quả ghép nối.")
    return _matches(matching.matches_for_demand(demand))


@router.get("/market/offers/{offer_id}/matches", response=list[MatchOut],
            summary="Nhu cầu mua phù hợp với một chào bán, có giải thích")
def offer_matches(request, offer_id: int):
    user = require_rule(request, SIGNED_IN)
    offer = queries.access_offer(user, offer_id)
    if not queries.can_see_offer_privately(user, offer):
        raise PermissionDenied("Chỉ hợp tác xã chào bán và cán bộ của tỉnh xem kết quả ghép nối.")
    return _matches(matching.matches_for_offer(offer))


@router.post("/market/demands", response={201: DemandOut}, summary="Đăng nhu cầu mua")
def create_demand(request, payload: DemandIn):
    user = require_rule(request, SIGNED_IN)
    data = payload.dict()
    buyer = queries.demand_buyers(user).filter(pk=data.pop("buyer_id")).first()
    if buyer is None:
        raise PermissionDenied("Bạn không đăng nhu cầu thay cho tổ chức mua này được.")
    demand = services.create_demand(actor=user, buyer=buyer, **data)
    demand.buyer = buyer
    demand.concept = demand.concept  # loaded for the response
    return Status(201, _demand(demand))
