"""Scan statistics: record each scan with one INSERT, flag the odd ones afterwards in batches.

No raw IP is ever stored: the address is cut to its network (/24 for IPv4, /48 for IPv6) and
hashed with the secret key and the day, so one device's scans of one day can be told apart
from another's, but not traced back. The place is only what the request itself says
(a CDN's country header, else the region of Accept-Language): no online geolocation.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import ipaddress
import logging

from django.conf import settings
from django.db import DatabaseError
from django.db.models import Count
from django.utils import timezone
from django_tasks import task

from htxconnect.core.request_context import client_ip_from

from . import spool
from .models import PrintRun, ScanEvent

log = logging.getLogger(__name__)

FAR_APART_HOURS = 6


def _meta(request_or_meta):
    """request.META, or a WSGI environ given as it is (the resolver's fast path has no request)."""
    return getattr(request_or_meta, "META", request_or_meta)


def ip_hash(request, day: datetime.date | None = None) -> str:
    return _address_hash(client_ip_from(request), (day or timezone.localdate()).isoformat(), settings.SECRET_KEY)


@functools.lru_cache(maxsize=4096)
def _address_hash(raw: str, day: str, secret: str) -> str:
    """The address's network (/24 for IPv4, /48 for IPv6) hashed with the key and the day; "" for
    anything that is not an address. Kept per address and day: a carrier's NAT address scans many
    times a day, and parsing and hashing it cost more than the rest of a scan (bench/scan_page.py)."""
    try:
        address = ipaddress.ip_address(raw)
        prefix = 24 if address.version == 4 else 48
        network = str(ipaddress.ip_network(f"{raw}/{prefix}", strict=False).network_address)
    except ValueError:
        return ""
    return hashlib.sha256(f"{secret}|{day}|{network}".encode()).hexdigest()[:16]


def agent_family(user_agent: str) -> str:
    ua = (user_agent or "").lower()
    for needle, family in (("zalo", "Zalo"), ("fban", "Facebook"), ("fbav", "Facebook"), ("edg/", "Edge"),
                           ("samsungbrowser", "Samsung Internet"), ("crios", "Chrome"), ("chrome", "Chrome"),
                           ("firefox", "Firefox"), ("safari", "Safari"), ("curl", "curl"), ("python", "script"),
                           ("bot", "bot")):
        if needle in ua:
            return family
    return "other" if ua else ""


def place_from(request) -> tuple[str, str]:
    """(country code, province) as far as the headers tell; never an online lookup."""
    meta = _meta(request)
    country = (meta.get("HTTP_CF_IPCOUNTRY") or meta.get("HTTP_X_COUNTRY_CODE") or "").upper()[:2]
    if not country:
        first = (meta.get("HTTP_ACCEPT_LANGUAGE") or "").split(",")[0].strip()
        if "-" in first:
            region = first.split(";")[0].split("-")[-1]
            if len(region) == 2 and region.isalpha():
                country = region.upper()
    province = (meta.get("HTTP_X_REGION") or "")[:60]
    return (country if country.isalpha() else ""), province


def record_scan(request, *, product_id: int, lot_id: int | None, serial: str = "") -> None:
    """Count one scan, durably once the request ends (`request` may be a WSGI environ).

    Scans are data, so they never go to a cache (a local-memory cache is per process and Redis
    may evict). With SCAN_SPOOL_DIR set, the scan is one write() to this process's spool file
    (resolver.spool: it survives the process dying; the "minute" job stores the spool in
    batches); otherwise it is one INSERT. The suspicious-scan flags need reads of other scans
    and print runs, so they are left to `check_new_scans` (the periodic job and the statistics
    pages)."""
    meta = _meta(request)
    now = timezone.now()
    day = timezone.localtime(now, timezone.get_default_timezone()).date()  # the service's day, as stored
    country, province = place_from(meta)
    fields = dict(serial=(serial or "")[:20], ip_hash=ip_hash(meta, day), country=country, province=province,
                  language=(meta.get("HTTP_ACCEPT_LANGUAGE") or "")[:2].lower(),
                  agent_family=agent_family(meta.get("HTTP_USER_AGENT", "")))
    if spool.enabled():
        try:
            spool.spool().append({
                "p": product_id, "l": lot_id, "s": fields["serial"], "t": now.isoformat(), "d": day.isoformat(),
                "h": fields["ip_hash"], "c": country, "r": province, "g": fields["language"],
                "a": fields["agent_family"]})
            _count_spooled(fields["serial"], lot_id)
            return
        except OSError:  # the spool's disk is full or gone: the database takes this one
            log.exception("scan spool not writable; scan of product %s stored directly", product_id)
    try:
        ScanEvent.objects.create(product_id=product_id, lot_id=lot_id, scanned_at=now, day=day, **fields)
    except DatabaseError:  # the scan itself must still answer; the loss is logged, not silent
        log.exception("scan of product %s not recorded", product_id)


_counters: dict = {}  # kind → its child of metrics.SCANS (labels() takes a lock and a lookup per call)


def _count_spooled(serial: str, lot_id) -> None:
    """The scans metric counts saved ScanEvent rows; a spooled scan is stored later in bulk
    (no post_save), so it is counted here, once, when it is spooled."""
    kind = "serial" if serial else ("lot" if lot_id else "product")
    try:
        counter = _counters.get(kind)
        if counter is None:
            from htxconnect.core import metrics

            counter = _counters[kind] = metrics.SCANS.labels(kind=kind)
        counter.inc()
    except Exception:  # noqa: BLE001 - a metric never breaks a scan
        log.debug("scan metric not counted", exc_info=True)


def _flags(row: ScanEvent, printed: dict, recent: dict) -> list[str]:
    flags = []
    if row.serial:
        ranges = printed.get(row.product_id, [])
        if not row.serial.isdigit() or not any(lo <= int(row.serial) <= hi for lo, hi in ranges):
            flags.append("never_printed")
        place = (row.country, row.province)
        for at, other in recent.get((row.product_id, row.serial), []):
            if other != place and abs((row.scanned_at - at).total_seconds()) < FAR_APART_HOURS * 3600:
                flags.append("far_apart")
                break
        recent.setdefault((row.product_id, row.serial), []).append((row.scanned_at, place))
    return flags


def check_new_scans(limit: int = 5000) -> int:
    """Flag the scans recorded since the last check (never_printed, far_apart); returns how many.

    Safe to run from several places at once (the periodic job, a statistics page): each batch
    is decided on the rows as stored, and a row already checked is never checked again."""
    batch = list(ScanEvent.objects.filter(flags_checked=False).order_by("scanned_at", "id")[:limit])
    if not batch:
        return 0
    serial_rows = [r for r in batch if r.serial]
    if serial_rows:
        products = {r.product_id for r in serial_rows}
        printed: dict = {}
        for pid, lo, hi in PrintRun.objects.filter(lot__product_id__in=products, serial_from__isnull=False) \
                .values_list("lot__product_id", "serial_from", "serial_to"):
            printed.setdefault(pid, []).append((lo, hi))
        earliest = min(r.scanned_at for r in serial_rows) - datetime.timedelta(hours=FAR_APART_HOURS)
        recent: dict = {}
        # Scans already checked are the history; those of this batch are added in time order.
        for pid, serial, at, country, province in ScanEvent.objects.filter(
                product_id__in=products, serial__in={r.serial for r in serial_rows}, scanned_at__gte=earliest,
                flags_checked=True).values_list("product_id", "serial", "scanned_at", "country", "province"):
            recent.setdefault((pid, serial), []).append((at, (country, province)))
        for row in serial_rows:
            row.flags = _flags(row, printed, recent)
    for row in batch:
        row.flags_checked = True
    ScanEvent.objects.bulk_update(batch, ["flags", "flags_checked"], batch_size=1000)
    return len(batch)


def daily_counts(queryset, days: int = 30):
    """[(day, count)] for the last `days` days, zeros included (for the chart)."""
    today = timezone.localdate()
    start = today - datetime.timedelta(days=days - 1)
    counts = dict(queryset.filter(day__gte=start).values_list("day").annotate(n=Count("id")).values_list("day", "n"))
    return [(start + datetime.timedelta(days=i), counts.get(start + datetime.timedelta(days=i), 0)) for i in range(days)]


@task(queue_name="default")
def check_new_scans_task() -> int:
    """Defined beside check_new_scans (tasks are kept beside their services)."""
    return check_new_scans()

