"""Scan-page cache keys and purge; the scan buffer (scans written after the response).

Scan pages are cached per product *version*: every change to the product, a lot, a recall, a
certificate, a rating or a new event bumps the product's version (`purge_product`, called
after commit), so every cached page of that product — all lots, both languages — is stale at
once without listing keys. nginx in front caches the same pages for at most
`SCAN_PAGE_S_MAXAGE` seconds (see docs/trace/scan-page-cache.md).

Scans: the resolver must answer at once, so a scan is appended to a buffer in the cache (one
cache write) and the buffer is flushed to the database in bulk by the `flush_scans` task,
enqueued every `SCAN_FLUSH_EVERY` scans (and run before the statistics page reads).
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache

VERSION_KEY = "resolver:pv:{}"
PAGE_KEY = "resolver:page:{}:{}:{}:{}"  # GTIN, version, lot code (or "-"), language
SEQ_KEY = "resolver:scan:seq"
DONE_KEY = "resolver:scan:done"
ITEM_KEY = "resolver:scan:item:{}"
LOCK_KEY = "resolver:scan:lock"
ITEM_TTL = 7 * 24 * 3600


def s_maxage() -> int:
    return settings.SCAN_PAGE_S_MAXAGE


def product_version(gtin: str) -> int:
    return cache.get(VERSION_KEY.format(gtin)) or 0


def page_key(gtin: str, version: int, lot_code: str | None, language: str) -> str:
    return PAGE_KEY.format(gtin, version, lot_code or "-", language)


def purge_product(product_id: int) -> None:
    """Make every cached scan page of the product stale (called after commit)."""
    from htxconnect.registry.models import Product

    gtin = Product.objects.filter(pk=product_id).values_list("gtin", flat=True).first()
    if gtin:
        purge_gtin(gtin)


def purge_gtin(gtin: str) -> None:
    key = VERSION_KEY.format(gtin)
    if not cache.add(key, 1, timeout=None):
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=None)


# --- Scan buffer ---------------------------------------------------------------------------


def flush_every() -> int:
    return settings.SCAN_FLUSH_EVERY


def push_scan(data: dict) -> int:
    """Append one scan to the buffer; returns its sequence number."""
    cache.add(SEQ_KEY, 0, timeout=None)
    seq = cache.incr(SEQ_KEY)
    cache.set(ITEM_KEY.format(seq), data, timeout=ITEM_TTL)
    return seq


def take_buffered(limit: int = 5000) -> list[dict]:
    """Claim the buffered scans not flushed yet (one flusher at a time)."""
    if not cache.add(LOCK_KEY, 1, timeout=60):
        return []
    try:
        done = cache.get(DONE_KEY) or 0
        last = min(cache.get(SEQ_KEY) or 0, done + limit)
        if last <= done:
            return []
        keys = [ITEM_KEY.format(n) for n in range(done + 1, last + 1)]
        found = cache.get_many(keys)
        cache.set(DONE_KEY, last, timeout=None)
        cache.delete_many(keys)
        return [found[k] for k in keys if k in found]
    finally:
        cache.delete(LOCK_KEY)


def page_seconds() -> int:
    """How long a rendered scan page stays in the Django cache (purges end it sooner)."""
    return settings.SCAN_PAGE_CACHE_SECONDS
