"""Scan-page cache keys and purge.

Scan pages are cached per product *version*: every change to the product, a lot, a recall, a
certificate, a rating or a new event bumps the product's version (`purge_after_commit`, with
the GTINs read before the commit), so every cached page of that product — all lots, both languages — is stale at
once without listing keys. nginx in front serves the same pages as files
written by resolver.pagefiles and removed here (see docs/trace/scan-page-cache.md).

Only what can be recomputed lives here; scans go to the database (resolver.scans).
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

VERSION_KEY = "resolver:pv:{}"
PAGE_KEY = "resolver:page:{}:{}:{}:{}"  # GTIN, version, lot code (or "-"), language


def s_maxage() -> int:
    return settings.SCAN_PAGE_S_MAXAGE


def product_version(gtin: str) -> int:
    return cache.get(VERSION_KEY.format(gtin)) or 0


def page_key(gtin: str, version: int, lot_code: str | None, language: str) -> str:
    return PAGE_KEY.format(gtin, version, lot_code or "-", language)


def purge_after_commit(gtins) -> None:
    """Purge these products' pages once the transaction commits, without touching the database:
    callers read the GTINs now, inside the transaction. A database that stops right after the
    commit must not turn a saved write into an error page (the person would send it again), so the
    purge asks only the cache and the page files, and a failure of those is logged, not raised."""
    gtins = sorted({gtin for gtin in gtins if gtin})
    if gtins:
        transaction.on_commit(lambda: [purge_gtin(gtin) for gtin in gtins], robust=True)


def purge_product(product_id: int) -> None:
    """Make every cached scan page of the product stale (called after commit)."""
    from htxconnect.registry.models import Product

    gtin = Product.objects.filter(pk=product_id).values_list("gtin", flat=True).first()
    if gtin:
        purge_gtin(gtin)


def purge_gtin(gtin: str) -> None:
    """Bump the version (Django's cached pages and the fast path's answers go stale), then
    remove the page files nginx serves (resolver.pagefiles) — in that order, see pagefiles.write."""
    from . import pagefiles

    key = VERSION_KEY.format(gtin)
    if not cache.add(key, 1, timeout=None):
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=None)
    pagefiles.purge_gtin(gtin)


def page_seconds() -> int:
    """How long a rendered scan page stays in the Django cache (purges end it sooner)."""
    return settings.SCAN_PAGE_CACHE_SECONDS
