"""Scan statistics: record a scan without blocking the answer, flush in bulk, flag the odd ones.

No raw IP is ever stored: the address is cut to its network (/24 for IPv4, /48 for IPv6) and
hashed with the secret key and the day, so one device's scans of one day can be told apart
from another's, but not traced back. The place is only what the request itself says
(a CDN's country header, else the region of Accept-Language): no online geolocation.
"""

from __future__ import annotations

import datetime
import hashlib
import ipaddress

from django.conf import settings
from django.db.models import Count
from django.utils import timezone
from django_tasks import task

from htxconnect.core.request_context import client_ip_from

from . import cache as buffer
from htxconnect.registry.models import Product

from .models import Lot, PrintRun, ScanEvent

FAR_APART_HOURS = 6


def ip_hash(request, day: datetime.date | None = None) -> str:
    raw = client_ip_from(request)
    try:
        address = ipaddress.ip_address(raw)
        prefix = 24 if address.version == 4 else 48
        network = str(ipaddress.ip_network(f"{raw}/{prefix}", strict=False).network_address)
    except ValueError:
        network = ""
    if not network:
        return ""
    day = day or timezone.localdate()
    return hashlib.sha256(f"{settings.SECRET_KEY}|{day.isoformat()}|{network}".encode()).hexdigest()[:16]


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
    country = (request.META.get("HTTP_CF_IPCOUNTRY") or request.META.get("HTTP_X_COUNTRY_CODE") or "").upper()[:2]
    if not country:
        first = (request.META.get("HTTP_ACCEPT_LANGUAGE") or "").split(",")[0].strip()
        if "-" in first:
            region = first.split(";")[0].split("-")[-1]
            if len(region) == 2 and region.isalpha():
                country = region.upper()
    province = (request.META.get("HTTP_X_REGION") or "")[:60]
    return (country if country.isalpha() else ""), province


def record_scan(request, *, product_id: int, lot_id: int | None, serial: str = "") -> None:
    """Buffer one scan (a cache write); every SCAN_FLUSH_EVERY scans enqueue the flush task."""
    now = timezone.now()
    country, province = place_from(request)
    data = {
        "product_id": product_id, "lot_id": lot_id, "serial": (serial or "")[:20], "at": now.isoformat(),
        "ip": ip_hash(request, timezone.localdate(now)), "country": country, "province": province,
        "language": (request.META.get("HTTP_ACCEPT_LANGUAGE") or "")[:2].lower(),
        "agent": agent_family(request.META.get("HTTP_USER_AGENT", "")),
    }
    try:
        seq = buffer.push_scan(data)
    except Exception:  # statistics never break a scan
        return
    if seq % buffer.flush_every() == 0:
        try:
            flush_scans_task.enqueue()
        except Exception:
            pass


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


def flush_scans() -> int:
    """Write the buffered scans to the database (bulk), with their suspicious flags."""
    items = buffer.take_buffered()
    if not items:
        return 0
    # A product or lot deleted between the scan and this flush: its scans go with it.
    products = set(Product.objects.filter(pk__in={i["product_id"] for i in items}).values_list("pk", flat=True))
    lots = set(Lot.objects.filter(pk__in={i["lot_id"] for i in items if i["lot_id"]}).values_list("pk", flat=True))
    rows = []
    for item in items:
        if item["product_id"] not in products:
            continue
        if item["lot_id"] and item["lot_id"] not in lots:
            item = {**item, "lot_id": None}
        at = datetime.datetime.fromisoformat(item["at"])
        rows.append(ScanEvent(product_id=item["product_id"], lot_id=item["lot_id"], serial=item["serial"],
                              scanned_at=at, day=timezone.localtime(at).date(), ip_hash=item["ip"],
                              country=item["country"], province=item["province"], language=item["language"],
                              agent_family=item["agent"]))
    serial_rows = [r for r in rows if r.serial]
    if serial_rows:
        products = {r.product_id for r in serial_rows}
        printed: dict = {}
        for pid, lo, hi in PrintRun.objects.filter(lot__product_id__in=products, serial_from__isnull=False) \
                .values_list("lot__product_id", "serial_from", "serial_to"):
            printed.setdefault(pid, []).append((lo, hi))
        earliest = min(r.scanned_at for r in serial_rows) - datetime.timedelta(hours=FAR_APART_HOURS)
        recent: dict = {}
        for pid, serial, at, country, province in ScanEvent.objects.filter(
                product_id__in=products, serial__in={r.serial for r in serial_rows}, scanned_at__gte=earliest) \
                .values_list("product_id", "serial", "scanned_at", "country", "province"):
            recent.setdefault((pid, serial), []).append((at, (country, province)))
        for row in sorted(serial_rows, key=lambda r: r.scanned_at):
            row.flags = _flags(row, printed, recent)
    ScanEvent.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def daily_counts(queryset, days: int = 30):
    """[(day, count)] for the last `days` days, zeros included (for the chart)."""
    today = timezone.localdate()
    start = today - datetime.timedelta(days=days - 1)
    counts = dict(queryset.filter(day__gte=start).values_list("day").annotate(n=Count("id")).values_list("day", "n"))
    return [(start + datetime.timedelta(days=i), counts.get(start + datetime.timedelta(days=i), 0)) for i in range(days)]


@task()
def flush_scans_task() -> int:
    """Defined beside flush_scans so that record_scan can queue it without an import cycle."""
    return flush_scans()

