"""Reads of market data, scoped to the acting user, and the access rules they rest on.

Scope: everyone (anonymous visitors included) sees open, unexpired offers and demands on the
public board, without contact details. Their owners (the cooperative's users, the buyer's users),
the officers and leaders of the province (the cooperative's province for an offer, the delivery
province for a demand) and administrators also see closed ones and the ranked matches.
Connections are seen by the two sides, by the officers of either side's province and by
administrators; anyone else signed in gets 403 (the issue asks for a refusal, not a 404). Contact
details show only once both sides have agreed.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from htxconnect.core.roles import Role
from htxconnect.registry import queries as registry_queries
from htxconnect.registry.models import Organization, OrganizationUser

from .models import Buyer, Connection, Deal, Demand, Offer, ProductConcept, Side

PAGE_SIZE = 30
COOPERATIVE_KINDS = (Organization.Kind.COOPERATIVE, Organization.Kind.COOPERATIVE_GROUP,
                     Organization.Kind.COOPERATIVE_UNION)


def _signed_in(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def is_admin(user) -> bool:
    return _signed_in(user) and user.role == Role.ADMIN


def province_of(user) -> str | None:
    """The province an officer or leader works for."""
    return registry_queries.staff_province(user) if _signed_in(user) else None


def is_market_staff(user) -> bool:
    return is_admin(user) or province_of(user) is not None


def coop_ids(user, managers_only: bool = False) -> list[int]:
    if not _signed_in(user) or user.role not in (Role.COOP_MANAGER, Role.COOP_MEMBER):
        return []
    roles = [OrganizationUser.Role.MANAGER] if managers_only else None
    return registry_queries.managed_organization_ids(user, roles)


def buyer_ids(user) -> list[int]:
    if not _signed_in(user):
        return []
    cached = getattr(user, "_market_buyer_ids", None)
    if cached is None:
        cached = list(Buyer.objects.filter(users=user).values_list("pk", flat=True))
        user._market_buyer_ids = cached
    return cached


def forget_buyers(user) -> None:
    if hasattr(user, "_market_buyer_ids"):
        del user._market_buyer_ids


# --- Who may post ---------------------------------------------------------------------------------------------


def offer_organizations(user):
    """Cooperatives the user may post offers for: their own (managers), their province's (officers)."""
    orgs = Organization.objects.filter(kind__in=COOPERATIVE_KINDS, status=Organization.Status.ACTIVE)
    if is_admin(user):
        return orgs
    province = province_of(user)
    if province and user.role == Role.OFFICER:
        return orgs.filter(province_code=province)
    if _signed_in(user) and user.role == Role.COOP_MANAGER:
        return orgs.filter(pk__in=coop_ids(user, managers_only=True))
    return orgs.none()


def can_post_offer(user) -> bool:
    return is_admin(user) or (_signed_in(user) and (
        (user.role == Role.OFFICER and province_of(user) is not None)
        or (user.role == Role.COOP_MANAGER and bool(coop_ids(user, managers_only=True)))))


def can_post_demand(user) -> bool:
    return is_admin(user) or (_signed_in(user) and user.role == Role.BUYER)


def demand_buyers(user):
    if is_admin(user):
        return Buyer.objects.all()
    return Buyer.objects.filter(pk__in=buyer_ids(user))


def can_manage_offer(user, offer: Offer) -> bool:
    if is_admin(user):
        return True
    if _signed_in(user) and user.role == Role.OFFICER and province_of(user) == offer.organization.province_code:
        return True
    return offer.organization_id in coop_ids(user, managers_only=True)


def can_see_offer_privately(user, offer: Offer) -> bool:
    if is_admin(user) or offer.organization_id in coop_ids(user):
        return True
    return bool(province_of(user)) and province_of(user) == offer.organization.province_code


def can_manage_demand(user, demand: Demand) -> bool:
    return is_admin(user) or demand.buyer_id in buyer_ids(user)


def can_see_demand_privately(user, demand: Demand) -> bool:
    if can_manage_demand(user, demand):
        return True
    return bool(province_of(user)) and province_of(user) == demand.province_code


def can_edit_vocabulary(user) -> bool:
    return is_admin(user) or (_signed_in(user) and user.role == Role.OFFICER and province_of(user) is not None)


# --- Offers and demands ---------------------------------------------------------------------------------------


def public_offers(today: datetime.date | None = None):
    today = today or timezone.localdate()
    return Offer.objects.filter(status=Offer.Status.OPEN, expires_on__gte=today,
                                organization__status=Organization.Status.ACTIVE)


def public_demands(today: datetime.date | None = None):
    today = today or timezone.localdate()
    return Demand.objects.filter(status=Demand.Status.OPEN, ends_on__gte=today)


def scope_offers(user):
    """Offers the user may know exist: the public ones plus the ones they own or oversee."""
    visible = Q(pk__in=public_offers().values("pk"))
    if is_admin(user):
        return Offer.objects.all()
    ids = coop_ids(user)
    if ids:
        visible |= Q(organization_id__in=ids)
    province = province_of(user)
    if province:
        visible |= Q(organization__province_code=province)
    return Offer.objects.filter(visible)


def scope_demands(user):
    visible = Q(pk__in=public_demands().values("pk"))
    if is_admin(user):
        return Demand.objects.all()
    ids = buyer_ids(user)
    if ids:
        visible |= Q(buyer_id__in=ids)
    province = province_of(user)
    if province:
        visible |= Q(province_code=province)
    return Demand.objects.filter(visible)


def access_offer(user, offer_id: int) -> Offer:
    """The offer, or 404 when the user may not know it exists (closed or expired, and not theirs)."""
    offer = (scope_offers(user).select_related("organization", "product", "concept")
             .prefetch_related("certifications").filter(pk=offer_id).first())
    if offer is None:
        raise Http404(_("Không tìm thấy chào bán."))
    return offer


def access_managed_offer(user, offer_id: int) -> Offer:
    offer = access_offer(user, offer_id)
    if not can_manage_offer(user, offer):
        raise PermissionDenied(_("Chỉ hợp tác xã chào bán (hoặc cán bộ của tỉnh) được làm việc này."))
    return offer


def access_demand(user, demand_id: int) -> Demand:
    demand = scope_demands(user).select_related("buyer", "concept").filter(pk=demand_id).first()
    if demand is None:
        raise Http404(_("Không tìm thấy nhu cầu mua."))
    return demand


def access_managed_demand(user, demand_id: int) -> Demand:
    demand = access_demand(user, demand_id)
    if not can_manage_demand(user, demand):
        raise PermissionDenied(_("Chỉ tổ chức mua đăng nhu cầu này được làm việc này."))
    return demand


def filter_board(queryset, *, q: str = "", province: str = "", certification: str = "", field: str = "product_folded"):
    from htxconnect.core.search import folded_search

    from .vocabulary import Vocabulary

    if q:
        concept = Vocabulary.load().concept_of(q)
        queryset = queryset.filter(concept_id=concept) if concept else folded_search(queryset, q, field)
    if province:
        queryset = queryset.filter(province_code=province)
    if certification:
        if queryset.model is Offer:
            queryset = queryset.filter(certifications__type=certification).distinct()
        else:
            # JSON containment is not on SQLite: the list is small, a text match on the stored JSON is exact
            # enough because the stored values are the fixed type codes.
            queryset = queryset.filter(required_certifications__icontains=f'"{certification}"')
    return queryset


def board_offers(*, q="", province="", certification=""):
    return filter_board(public_offers(), q=q, province=province, certification=certification).select_related(
        "organization", "product", "concept").prefetch_related("certifications").order_by("-created_at", "-id")


def board_demands(*, q="", province="", certification=""):
    return filter_board(public_demands(), q=q, province=province, certification=certification).select_related(
        "buyer", "concept").order_by("-created_at", "-id")


def my_offers(user):
    if is_admin(user):
        return Offer.objects.none()
    return (Offer.objects.filter(organization_id__in=coop_ids(user)).select_related("organization", "product")
            .order_by("-created_at"))


def my_demands(user):
    return Demand.objects.filter(buyer_id__in=buyer_ids(user)).select_related("buyer").order_by("-created_at")


# --- Connections ------------------------------------------------------------------------------------------------


def scope_connections(user):
    connections = Connection.objects.all()
    if is_admin(user):
        return connections
    visible = Q(pk__in=[])
    province = province_of(user)
    if province:
        visible |= Q(offer__organization__province_code=province) | Q(demand__province_code=province)
    ids = coop_ids(user)
    if ids:
        visible |= Q(offer__organization_id__in=ids)
    buyers = buyer_ids(user)
    if buyers:
        visible |= Q(demand__buyer_id__in=buyers)
    return connections.filter(visible)


def side_of(user, connection: Connection) -> str | None:
    """The side the user acts for in this connection (None for officers and outsiders)."""
    if connection.demand.buyer_id in buyer_ids(user):
        return Side.BUYER
    if connection.offer.organization_id in coop_ids(user, managers_only=True):
        return Side.COOPERATIVE
    return None


def access_connection(user, connection_id: int) -> Connection:
    """The connection, or 403 for whoever is not one of its sides or their officers; 404 if none."""
    connection = (Connection.objects.select_related("offer__organization", "offer__product", "demand__buyer")
                  .filter(pk=connection_id).first())
    if connection is None:
        raise Http404(_("Không tìm thấy kết nối."))
    if not scope_connections(user).filter(pk=connection_id).exists():
        raise PermissionDenied(_("Kết nối này không phải của bạn."))
    return connection


def access_deal(user, deal_id: int) -> Deal:
    deal = Deal.objects.select_related("connection").filter(pk=deal_id).first()
    if deal is None:
        raise Http404(_("Không tìm thấy hợp đồng."))
    access_connection(user, deal.connection_id)
    return Deal.objects.select_related("connection__offer__organization", "connection__offer__product",
                                       "connection__demand__buyer").prefetch_related("deliveries").get(pk=deal_id)


def connections_for(user):
    return (scope_connections(user).select_related("offer__organization", "offer__product", "demand__buyer")
            .order_by("-created_at", "-id"))


# --- Statistics -------------------------------------------------------------------------------------------------


def statistics(user) -> dict:
    """Offers, demands, connections by stage and contracts with their value — for the user's province
    (officers) or everywhere (administrators) — by province, by product and per supply–demand session."""
    province = None if is_admin(user) else province_of(user)
    offers, demands = Offer.objects.all(), Demand.objects.all()
    connections, deals = Connection.objects.all(), Deal.objects.all()
    if province:
        offers = offers.filter(organization__province_code=province)
        demands = demands.filter(province_code=province)
        mine = Q(offer__organization__province_code=province) | Q(demand__province_code=province)
        connections = connections.filter(mine)
        deals = deals.filter(pk__in=Deal.objects.filter(
            Q(connection__offer__organization__province_code=province) | Q(connection__demand__province_code=province)
        ).values("pk"))
    stages = dict(connections.values_list("stage").annotate(n=Count("id")).order_by())
    deal_rows = list(deals.values_list("quantity", "unit_price", "connection__session_event_id",
                                       "connection__offer__concept_id", "connection__offer__organization__province_code"))
    value = sum(int(q * p) for q, p, *_ in deal_rows)
    by_session: dict = {}
    for row in connections.exclude(session_event_id=None).values("session_event_id", "stage").annotate(n=Count("id")):
        entry = by_session.setdefault(row["session_event_id"], {"total": 0, "signed": 0, "dropped": 0, "value": 0})
        entry["total"] += row["n"]
        if row["stage"] in (Connection.Stage.SIGNED, Connection.Stage.DELIVERING, Connection.Stage.CLOSED):
            entry["signed"] += row["n"]
        if row["stage"] == Connection.Stage.DROPPED:
            entry["dropped"] += row["n"]
    for q, p, session, _concept, _prov in deal_rows:
        if session in by_session:
            by_session[session]["value"] += int(q * p)
    concepts = dict(ProductConcept.objects.values_list("pk", "name"))
    by_product = {}
    for row in offers.values("concept_id").annotate(n=Count("id")):
        by_product.setdefault(row["concept_id"], {"offers": 0, "demands": 0, "connections": 0})["offers"] = row["n"]
    for row in demands.values("concept_id").annotate(n=Count("id")):
        by_product.setdefault(row["concept_id"], {"offers": 0, "demands": 0, "connections": 0})["demands"] = row["n"]
    for row in connections.values("offer__concept_id").annotate(n=Count("id")):
        by_product.setdefault(row["offer__concept_id"], {"offers": 0, "demands": 0, "connections": 0})[
            "connections"] = row["n"]
    by_province = {}
    for row in offers.values("organization__province_code").annotate(n=Count("id")):
        by_province.setdefault(row["organization__province_code"], {"offers": 0, "demands": 0})["offers"] = row["n"]
    for row in demands.values("province_code").annotate(n=Count("id")):
        by_province.setdefault(row["province_code"], {"offers": 0, "demands": 0})["demands"] = row["n"]
    return {
        "province": province,
        "offers": offers.count(), "demands": demands.count(), "matches": offers.aggregate(n=Count("matches"))["n"],
        "connections": sum(stages.values()),
        "stages": [(label, stages.get(value_, 0)) for value_, label in Connection.Stage.choices],
        "deals": len(deal_rows), "deal_value": value,
        "by_session": sorted(by_session.items()),
        "by_product": sorted(((concepts.get(k, _("Chưa xếp vào từ điển")), v) for k, v in by_product.items()),
                             key=lambda kv: str(kv[0])),
        "by_province": sorted(by_province.items()),
    }


def deal_totals(deal: Deal) -> dict:
    delivered = deal.deliveries.aggregate(q=Sum("quantity"))["q"] or 0
    return {"delivered": delivered, "remaining": max(0, deal.quantity - delivered)}
