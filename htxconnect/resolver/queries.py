"""Reads of the resolver app: the public scan page (at most 6 queries) and staff lists, scoped."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from htxconnect.registry import queries as registry_queries
from htxconnect.registry.models import Certification, IPRight, OcopRating, Product, ProductPhoto
from htxconnect.core import identifiers as gs1
from htxconnect.trace.models import EPCISEvent, EPCISEventEPC

from .models import Lot, PrintRun, ScanEvent

# --- Public scan page -------------------------------------------------------------------------


def public_product(gtin: str) -> Product | None:
    return Product.objects.select_related("producer").filter(gtin=gtin, is_public=True).first()


def public_lot(gtin: str, code: str) -> Lot | None:
    return (Lot.objects.select_related("product__producer", "origin")
            .filter(product__gtin=gtin, product__is_public=True, code=code, is_public=True).first())


@dataclass
class JourneyStep:
    when: datetime.datetime
    text: str
    step: str
    # Declared in error by its producer (EPCIS errorDeclaration): shown struck through with why.
    in_error: bool = False
    error_text: str = ""


def error_sentence(row: EPCISEvent) -> str:
    """Why a step no longer holds, in plain words (CBV 2.0 error reasons), or "" when it holds."""
    if row.error_declaration_time is None:
        return ""
    if row.error_reason == "did_not_occur":
        return _("Đã rút lại: bước này không xảy ra.")
    if row.error_reason == "incorrect_data":
        return _("Đã đính chính: thông tin của bước này ghi sai.")
    return _("Đã rút lại: bước này được đơn vị sản xuất khai báo là ghi sai.")


def _place(event: dict) -> str:
    name = event.get("htx:placeName") or ""
    if not name:
        place = (event.get("bizLocation") or event.get("readPoint") or {})
        key = gs1.gs1_key(place.get("id", "")) if isinstance(place, dict) else None
        name = f"GLN {key.value}" if key is not None and key.ai == "414" else ""
    return name


UNITS = {"KGM": pgettext_lazy("unit", "kg"), "TNE": pgettext_lazy("unit", "tấn"), "LTR": pgettext_lazy("unit", "lít"),
         "H87": pgettext_lazy("unit", "cái")}
# CBV steps whose sentence names a place ("… tại <place>"): without one the step says nothing.
PLACE_STEPS = ("commissioning", "inspecting", "packing", "receiving", "creating_class_instance", "transforming")


def _quantity(event: dict) -> dict | None:
    """The first quantity element with an amount and a unit of measure, or None."""
    for q in event.get("quantityList") or event.get("inputQuantityList") or []:
        if isinstance(q, dict) and isinstance(q.get("quantity"), (int, float)) and q.get("uom"):
            return q
    return None


def has_essentials(row: EPCISEvent) -> bool:
    """Whether a step carries what a reader needs to believe it: a harvest its place and its
    quantity with the unit, a shipment where it went, the other named steps their place. Steps
    without them (an integrator's bare event, an old record) stay off the journey."""
    event = row.event
    step = row.biz_step
    if step == "commissioning":
        return bool(_place(event)) and _quantity(event) is not None
    if step == "shipping":
        return bool(event.get("htx:destinationName") or _place(event))
    if step in PLACE_STEPS:
        return bool(_place(event))
    return True


def sentence(row: EPCISEvent) -> str:
    """One event as a plain sentence in the active language."""
    event = row.event
    place = _place(event)
    step = row.biz_step
    destination = event.get("htx:destinationName", "")
    if step == "commissioning":
        text = _("Thu hoạch tại %(p)s") % {"p": place} if place else _("Thu hoạch")
    elif step == "inspecting":
        text = _("Phân loại, kiểm tra chất lượng tại %(p)s") % {"p": place} if place else _("Phân loại, kiểm tra chất lượng")
    elif step == "packing":
        text = _("Đóng gói tại %(p)s") % {"p": place} if place else _("Đóng gói")
    elif step == "shipping":
        text = _("Xuất hàng đi %(d)s") % {"d": destination} if destination else _("Xuất hàng")
    elif step == "receiving":
        text = _("Nhận hàng tại %(p)s") % {"p": place} if place else _("Nhận hàng")
    elif step in ("creating_class_instance", "transforming"):
        text = _("Chế biến tại %(p)s") % {"p": place} if place else _("Chế biến")
    else:
        text = _("Sự kiện “%(s)s”") % {"s": step or row.event_type} + (f" – {place}" if place else "")
    q = _quantity(event)
    if q is not None:
        amount = f"{q['quantity']:,.2f}".rstrip("0").rstrip(".").replace(",", " ").replace(".", ",").replace(" ", ".")
        text += f" ({amount} {UNITS.get(q['uom'], q['uom'])})"
    return text


def scan_page_data(gtin: str, lot_code: str | None) -> dict | None:
    """Everything the scan page shows, in six queries at most:
    1 lot+product+producer (or product+producer), 2 certifications, 3 OCOP ratings,
    4 marks (owned or granted), 5 photos, 6 the lot's public EPCIS events."""
    lot = None
    if lot_code is not None:
        lot = public_lot(gtin, lot_code)
        product = lot.product if lot is not None else None
        if product is None:
            product = public_product(gtin)  # unknown lot: still show the product
    else:
        product = public_product(gtin)
    if product is None:
        return None
    org = product.producer
    today = timezone.localdate()
    certifications = list(Certification.objects.filter(
        Q(product=product) | Q(organization=org, product__isnull=True)).order_by("expiry_date"))
    ratings = list(OcopRating.objects.filter(product=product).order_by("-decision_date"))
    marks = list(IPRight.objects.filter(Q(owner=org) | Q(grants__grantee=org))
                 .filter(status__in=["granted", "applied"]).distinct().order_by("name"))
    photos = list(ProductPhoto.objects.filter(product=product).order_by("order", "id")[:4])
    journey = []
    if lot is not None:
        key = gs1.canonical_epc(gs1.GS1Key("01", gtin, lot=lot.code).digital_link())
        rows = EPCISEvent.objects.filter(public=True, id__in=EPCISEventEPC.objects.filter(epc=key).values("event_id")) \
            .order_by("event_time", "id")
        journey = [JourneyStep(timezone.localtime(r.event_time), sentence(r), r.biz_step,
                               in_error=r.error_declaration_time is not None, error_text=error_sentence(r))
                   for r in rows[:50] if has_essentials(r)]
    valid_ratings = [r for r in ratings if not r.is_expired_on(today)]
    return {
        "product": product, "org": org, "lot": lot, "lot_code": lot_code,
        "lot_expired": bool(lot is not None and lot.expiry_date and lot.expiry_date < today),
        # The public sees valid or expired; "expiring soon" is a reminder for officers only.
        "certifications": [(c, "expired" if c.status_on(today) == "expired" else "valid") for c in certifications],
        "ratings": ratings, "ocop": valid_ratings[0] if valid_ratings else None,
        "marks": marks, "photos": photos, "journey": journey, "gtin_display": gs1.display_gtin(gtin),
        "today": today,
    }


# --- Staff ----------------------------------------------------------------------------------------


def scope_lots(user):
    products = registry_queries.scope_products(user)
    return Lot.objects.filter(product__in=products).select_related("product__producer")


def access_lot(user, pk: int) -> Lot:
    """A lot of a product in the user's scope; Http404 otherwise (its existence is not revealed)."""
    lot = scope_lots(user).select_related("origin").filter(pk=pk).first()
    if lot is None:
        raise Http404(_("Không tìm thấy lô hàng trong phạm vi của bạn."))
    return lot


def access_print_run(user, pk: int) -> PrintRun:
    """A label print run of a lot in the user's scope; Http404 otherwise."""
    run = PrintRun.objects.filter(pk=pk, lot__product__in=registry_queries.scope_products(user)) \
        .select_related("lot__product").first()
    if run is None:
        raise Http404(_("Không tìm thấy lượt in nhãn này."))
    return run


def scope_scans(user):
    return ScanEvent.objects.filter(product__in=registry_queries.scope_products(user))


def scan_summary(user, days: int = 30):
    """Per product and lot: scans in the period and suspicious scans (one query)."""
    since = timezone.localdate() - datetime.timedelta(days=days - 1)
    return list(scope_scans(user).filter(day__gte=since)
                .values("product_id", "product__name", "lot_id", "lot__code")
                .annotate(n=Count("id"), odd=Count("id", filter=~Q(flags=[])))
                .order_by("-n")[:100])
