"""The market's items on a cooperative's timeline: offers posted and linkage contracts signed."""

from __future__ import annotations

from django.urls import reverse

from htxconnect.registry import queries as registry_queries

from .models import Deal, Offer


@registry_queries.timeline_provider
def market_timeline(organization, user) -> list:
    items = []
    for offer in Offer.objects.filter(organization=organization).select_related("product")[:20]:
        items.append(registry_queries.TimelineItem(offer.created_at.date(), "deal", f"Chào bán: {offer.name}",
                                                   reverse("market:offer_detail", args=[offer.pk])))
    for deal in Deal.objects.filter(connection__offer__organization=organization).select_related(
            "connection__demand__buyer")[:20]:
        items.append(registry_queries.TimelineItem(
            deal.signed_on, "deal", f"Hợp đồng liên kết với {deal.connection.demand.buyer}: {deal.product_name}"))
    return items
