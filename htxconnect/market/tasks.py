"""Background work of the market: matching a new offer or demand and notifying the top matches,
re-matching every open demand, and giving concepts to listings after the vocabulary grew.

Each task is defined beside the service it runs (services.py), so the service can queue it
without importing this module (no cycle); they are listed here so the app's tasks are found in
one place.
"""

from htxconnect.market.services import (
    match_demand_task, match_offer_task, rematch_all, rematch_all_task, resolve_unknown_task,
)

__all__ = ["match_demand_task", "match_offer_task", "rematch_all", "rematch_all_task", "resolve_unknown_task"]
