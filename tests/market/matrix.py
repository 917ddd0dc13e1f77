"""Authorization-matrix entries of the market's URLs (merged into tests/test_authorization_matrix.py).

Real objects: an open offer of `world.org` (province 79, the home agency's) for "khóm", an open
demand for "thơm" delivered in province 79 by the `buyer`'s organisation, the connection the buyer
requested and the cooperative accepted, and its linkage contract. Closing, accepting and declining
take a fresh object per person.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from tests.world import WHO, everyone, signed_in
from htxconnect.core.actors import SYSTEM


def _answers(**by_who):
    default = by_who.pop("default")
    return {who: by_who.get(who, default) for who in WHO}


def _buyer(world):
    from htxconnect.market import services
    from htxconnect.market.models import Buyer

    buyer = Buyer.objects.filter(name="Siêu thị Ma Trận").first()
    if buyer is None:
        buyer = services.create_buyer(actor=world.people["buyer"], name="Siêu thị Ma Trận", kind="supermarket",
                                      province_code="79", phone="0280000000", email="mua@example.vn")
    return buyer


def _product(world):
    from htxconnect.registry import services
    from htxconnect.registry.models import Product

    return Product.objects.filter(producer=world.org, name="Khóm Ma Trận").first() or services.create_product(
        actor=world.people["admin"], producer=world.org, name="Khóm Ma Trận", category="fruit")


def new_offer(world, title="khóm"):
    from django.utils import timezone

    from htxconnect.market import services

    return services.create_offer(actor=SYSTEM, organization=world.org, product=_product(world), title=title,
                                 quantity=Decimal(20000), unit="kg", months=list(range(1, 13)),
                                 expires_on=timezone.localdate() + datetime.timedelta(days=90))


def new_demand(world, name="thơm"):
    from django.utils import timezone

    from htxconnect.market import services

    today = timezone.localdate()
    return services.create_demand(actor=SYSTEM, buyer=_buyer(world), product_name=name, quantity=Decimal(2), unit="tan",
                                  frequency="weekly", starts_on=today, ends_on=today + datetime.timedelta(days=60),
                                  province_code="79")


def new_connection(world, offer=None, demand=None):
    from htxconnect.market import services

    return services.request_connection(actor=world.people["buyer"], offer_id=(offer or new_offer(world)).pk,
                                       demand_id=(demand or new_demand(world)).pk, message="Xin chào")


def market_samples(world, samples) -> dict:
    from django.utils import timezone

    from htxconnect.market import services
    from htxconnect.market.models import Connection

    connection = Connection.objects.filter(offer__title="khóm ma trận").first()
    if connection is None:
        offer, demand = new_offer(world, "khóm ma trận"), new_demand(world)
        connection = new_connection(world, offer, demand)
        services.accept_connection(actor=world.people["coop_manager"], connection_id=connection.pk)
        today = timezone.localdate()
        services.record_deal(actor=world.people["buyer"], connection_id=connection.pk, product_name="Khóm",
                             quantity=Decimal(10), unit="tan", quality="Loại 1", price_method="Giá cố định",
                             unit_price=12000, delivery_terms="Giao tại kho", payment_terms="Chuyển khoản",
                             responsibilities="Theo hợp đồng", starts_on=today, ends_on=today, signed_on=today)
    return {"offer": connection.offer_id, "demand": connection.demand_id, "connection": connection.pk,
            "deal": connection.deal.pk, "buyer": connection.demand.buyer_id}


def fresh_offer(world, samples):
    return samples.fresh(offer=new_offer(world).pk)


def fresh_demand(world, samples):
    return samples.fresh(demand=new_demand(world).pk)


def fresh_connection(world, samples):
    return samples.fresh(connection=new_connection(world).pk)


STAFF = _answers(default=403, anonymous="login", admin=200, leader=200, officer=200, officer_teammate=200,
                 other_officer=200, other_leader=200)
# The two sides, the home province's staff (both sides are in 79) and the administrator.
PARTIES_AND_OFFICERS = _answers(default=403, anonymous="login", admin=200, leader=200, officer=200,
                                officer_teammate=200, coop_manager=200, coop_member=200, buyer=200)
PARTIES_ACT = _answers(default=403, anonymous="login", coop_manager=302, buyer=302)
PARTIES_PAGE = _answers(default=403, anonymous="login", coop_manager=200, buyer=200)


def market_matrix() -> dict:
    from tests.test_authorization_matrix import Case

    conn = lambda tail: (lambda s: f"/market/connections/{s['connection']}/{tail}")  # noqa: E731
    deal = lambda tail: (lambda s: f"/market/deals/{s['deal']}/{tail}")  # noqa: E731
    return {
        "market:board": Case("/market/", everyone(200)),
        "market:mine": Case("/market/mine/", signed_in(200)),
        "market:buyer_create": Case("/market/buyers/new/", _answers(default=403, anonymous="login", admin=200, buyer=200)),
        # Officers post for their province's cooperatives, managers for their own; leaders approve, they do not post.
        "market:offer_create": Case("/market/offers/new/", _answers(
            default=403, anonymous="login", admin=200, officer=200, officer_teammate=200, other_officer=200,
            coop_manager=200, coop_outsider=200)),
        "market:offer_detail": Case(lambda s: f"/market/offers/{s['offer']}/", everyone(200)),
        "market:offer_close": Case(lambda s: f"/market/offers/{s['offer']}/close/", _answers(
            default=403, anonymous="login", admin=302, officer=302, officer_teammate=302, coop_manager=302),
            method="post", fresh=fresh_offer),
        # Without a buyer organisation yet (this case builds no samples), the form first asks for one: 302.
        "market:demand_create": Case("/market/demands/new/", _answers(default=403, anonymous="login", admin=302,
                                                                       buyer=302)),
        "market:demand_detail": Case(lambda s: f"/market/demands/{s['demand']}/", everyone(200)),
        "market:demand_close": Case(lambda s: f"/market/demands/{s['demand']}/close/", _answers(
            default=403, anonymous="login", admin=302, buyer=302), method="post", fresh=fresh_demand),
        "market:connection_list": Case("/market/connections/", signed_in(200)),
        "market:connection_request": Case("/market/connections/request/", PARTIES_ACT, method="post",
                                          data=lambda s: {"offer": s["offer"], "demand": s["demand"]}),
        "market:connection_detail": Case(conn(""), PARTIES_AND_OFFICERS),
        # Only the side that received the request accepts it (the cooperative, here).
        "market:connection_accept": Case(conn("accept/"), _answers(default=403, anonymous="login", coop_manager=302),
                                         method="post", fresh=fresh_connection),
        "market:connection_stage": Case(conn("stage/"), PARTIES_ACT, method="post", data={"stage": "samples"}),
        "market:connection_message": Case(conn("messages/"), PARTIES_ACT, method="post", data={"body": "Chào"}),
        "market:connection_reminder": Case(conn("reminder/"), PARTIES_ACT, method="post",
                                           data={"remind_on": "01/01/2030", "note": "Gọi lại"}),
        "market:deal_create": Case(conn("deal/"), PARTIES_PAGE),
        "market:deal_detail": Case(deal(""), PARTIES_AND_OFFICERS),
        "market:deal_docx": Case(deal("contract.docx"), PARTIES_AND_OFFICERS),
        "market:delivery_add": Case(deal("deliveries/"), PARTIES_ACT, method="post",
                                    data={"delivered_on": "01/01/2027", "quantity": "1"}),
        "api:list_offers": Case("/api/v1/market/offers", everyone(200)),
        "api:list_demands": Case("/api/v1/market/demands", everyone(200)),
        # The demand is delivered in 79: its buyer and the home province's staff see its matches; the board
        # shows the demand to everyone, so the others are refused (403), not told it does not exist.
        "api:demand_matches": Case(lambda s: f"/api/v1/market/demands/{s['demand']}/matches", _answers(
            default=403, anonymous=401, admin=200, leader=200, officer=200, officer_teammate=200, buyer=200)),
        "api:offer_matches": Case(lambda s: f"/api/v1/market/offers/{s['offer']}/matches", _answers(
            default=403, anonymous=401, admin=200, leader=200, officer=200, officer_teammate=200, coop_manager=200,
            coop_member=200)),
        # A real demand by the buyer for their organisation (administrators may post for any); nobody else (403).
        "api:create_demand": Case("/api/v1/market/demands", _answers(default=403, anonymous=401, admin=201, buyer=201),
                                  method="post", content_type="application/json", data=lambda s: {
                                      "buyer_id": s["buyer"], "product_name": "khóm", "quantity": "1", "unit": "tan",
                                      "province_code": "79", "starts_on": "2030-01-01", "ends_on": "2030-02-01"}),
        # Only the cooperative's manager turns the contract into a support application.
        "market:deal_apply": Case(deal("apply/"), _answers(default=403, anonymous="login", coop_manager=200)),
        "market:vocabulary": Case("/market/vocabulary/", STAFF),
        "market:stats": Case("/market/stats/", STAFF),
    }
