"""Every write of the resolver app: prefixes and GTINs, places, lots, recalls, links, the
staff forms' EPCIS events, print runs and problem reports. Each write is audited and the cached
scan pages it changes are purged after commit, once: a write that saves or deletes a Product, Lot
or Link row leaves it to resolver.signals; what no signal sees (a staff EPCIS step) calls _purge."""

from __future__ import annotations

import datetime
import re
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from htxconnect.core import audit
from htxconnect.registry import queries as registry_queries
from htxconnect.registry import services as registry_services
from htxconnect.registry.models import Organization, Product
from htxconnect.core import identifiers as gs1

from . import audit_actions as actions
from . import cache as page_cache
from .models import CompanyPrefix, Link, Location, Lot, PrintRun, ProblemReport


# --- Access -----------------------------------------------------------------------------------


def can_manage(user, organization: Organization) -> bool:
    """Officers of the organisation's province, administrators, and its own managers."""
    return registry_queries.can_edit_organization(user, organization)


def can_record(user, organization: Organization) -> bool:
    """Recording lot events: managers and also the cooperative's members (staff on the farm)."""
    if can_manage(user, organization):
        return True
    return organization.pk in registry_queries.managed_organization_ids(user)


def _must_check(actor) -> bool:
    """Rights are checked for everyone but the system actor; a missing actor is an error."""
    audit.check_actor(actor)
    return not audit.is_system(actor)


def check_manage(actor, organization: Organization) -> None:
    if _must_check(actor) and not can_manage(actor, organization):
        raise PermissionDenied(_("Bạn không có quyền quản lý truy xuất của %(name)s.") % {"name": organization.name})


def check_record(actor, organization: Organization) -> None:
    if _must_check(actor) and not can_record(actor, organization):
        raise PermissionDenied(_("Bạn không có quyền ghi nhật ký của %(name)s.") % {"name": organization.name})


def _purge(product_id: int) -> None:
    """Purge the product's pages after commit, its GTIN read now (inside the transaction), for a change
    that saves no Product, Lot or Link row (their signals purge those)."""
    page_cache.purge_after_commit(Product.objects.filter(pk=product_id).values_list("gtin", flat=True))


# --- Company prefixes and GTINs ------------------------------------------------------------


@transaction.atomic
def register_company_prefix(*, actor, organization: Organization, prefix: str, is_demo: bool = False) -> CompanyPrefix:
    check_manage(actor, organization)
    prefix = (prefix or "").strip()
    if not prefix.isdigit() or not 6 <= len(prefix) <= 11:
        raise ValidationError({"prefix": _("Mã doanh nghiệp GS1 “%(value)s” phải gồm 6–11 chữ số.") % {"value": prefix}})
    row = CompanyPrefix(organization=organization, prefix=prefix, is_demo=is_demo)
    row.full_clean()
    row.save()
    audit.record(actions.PREFIX_REGISTERED, obj=row, changes=audit.created(row), actor=actor)
    return row


@transaction.atomic
def assign_gtin(*, actor, product: Product, prefix: CompanyPrefix | None = None) -> str:
    """Give `product` the next GTIN-13 of its producer's prefix (stored as GTIN-14)."""
    check_manage(actor, product.producer)
    if product.gtin:
        raise ValidationError({"gtin": _("Sản phẩm đã có mã GTIN %(gtin)s.") % {"gtin": gs1.display_gtin(product.gtin)}})
    if prefix is None:
        prefix = CompanyPrefix.objects.filter(organization=product.producer).order_by("id").first()
    if prefix is None or prefix.organization_id != product.producer_id:
        raise ValidationError({"prefix": _("%(name)s chưa có mã doanh nghiệp GS1.") % {"name": product.producer.name}})
    # Lock the prefix row: two assignments at once must not hand out the same item reference.
    prefix = CompanyPrefix.objects.select_for_update().get(pk=prefix.pk)
    taken = set(Product.objects.filter(gtin__startswith="0" + prefix.prefix).values_list("gtin", flat=True))
    ref = prefix.next_item_reference
    while True:
        if ref >= prefix.capacity:
            raise ValidationError({"prefix": _("Mã doanh nghiệp %(p)s đã hết số tham chiếu.") % {"p": prefix.prefix}})
        gtin14 = gs1.make_gtin13(prefix.prefix, ref).zfill(14)
        ref += 1
        if gtin14 not in taken:
            break
    prefix.next_item_reference = ref
    prefix.save(update_fields=["next_item_reference"])
    registry_services.update_product(actor=actor, product=product, gtin=gtin14)  # audited there
    return gtin14


# --- Places and lots -------------------------------------------------------------------------


@transaction.atomic
def create_location(*, actor, organization: Organization, name: str, gln: str = "", address: str = "") -> Location:
    check_manage(actor, organization)
    if gln:
        try:
            gln = gs1.validate_gln(gln)
        except gs1.GS1Error as exc:
            raise ValidationError({"gln": str(exc)}) from exc
    row = Location(organization=organization, name=name, gln=gln, address=address)
    row.full_clean()
    row.save()
    audit.record(actions.LOCATION_CREATED, obj=row, changes=audit.created(row), actor=actor)
    return row


@transaction.atomic
def create_lot(*, actor, product: Product, code: str, production_date: datetime.date,
               expiry_date: datetime.date | None = None, quantity=None, origin: Location | None = None,
               is_public: bool = True) -> Lot:
    check_record(actor, product.producer)
    code = (code or "").strip()
    lot = Lot(product=product, code=code, production_date=production_date, expiry_date=expiry_date,
              quantity=quantity, origin=origin, is_public=is_public)
    _check_lot_code(code)
    lot.full_clean()
    lot.save()
    audit.record(actions.LOT_CREATED, obj=lot, changes=audit.created(lot), actor=actor)
    return lot


def _check_lot_code(code: str) -> None:
    # AI 10 takes GS1 AI encodable set 82; we keep to the printable subset that needs no escaping.
    allowed = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._")
    if not code or len(code) > 20 or set(code) - allowed:
        raise ValidationError({"code": _("Mã lô “%(code)s” phải gồm 1–20 ký tự: chữ không dấu, số, “-”, “.”, “_”.")
                               % {"code": code}})


@transaction.atomic
def update_lot(*, actor, lot: Lot, **fields) -> Lot:
    """Correct a lot's dates, quantity, place or visibility; its product and code are printed on labels
    and stay. Dates shoppers read are the manager's to change, not every member's."""
    check_manage(actor, lot.product.producer)
    before = audit.snapshot(lot)
    for name in ("production_date", "expiry_date", "quantity", "origin", "is_public"):
        if name in fields:
            setattr(lot, name, fields.pop(name))
    if fields:
        raise TypeError(f"unknown fields {sorted(fields)}")
    lot.full_clean()
    lot.save()
    audit.record(actions.LOT_UPDATED, obj=lot, changes=audit.diff(before, audit.snapshot(lot)), actor=actor)
    return lot


@transaction.atomic
def recall_lot(*, actor, lot: Lot, reason: str, return_to: str = "", hotline: str = "") -> Lot:
    """Recall `lot`. The scan page tells consumers to stop using it, where to return it
    (`return_to`), the producer's phone and the `hotline` given here."""
    check_manage(actor, lot.product.producer)
    reason = (reason or "").strip()
    return_to = (return_to or "").strip()
    hotline = (hotline or "").strip()
    errors = {}
    if not reason:
        errors["reason"] = _("Hãy ghi lý do thu hồi lô.")
    if hotline and not re.fullmatch(r"\+?[0-9][0-9 .-]{2,28}", hotline):
        errors["hotline"] = _("Đường dây nóng “%(v)s” không phải số điện thoại (chỉ gồm chữ số, dấu cách, “.”, “-”).") \
            % {"v": hotline}
    if errors:
        raise ValidationError(errors)
    # Locked for the same reason as in cancel_recall: the transition is decided on the current row.
    lot = Lot.objects.select_for_update().get(pk=lot.pk)
    before = audit.snapshot(lot)
    lot.recalled_at = lot.recalled_at or timezone.now()
    lot.recall_reason = reason[:500]
    lot.recall_return_to = return_to[:300]
    lot.recall_hotline = hotline[:30]
    lot.save(update_fields=["recalled_at", "recall_reason", "recall_return_to", "recall_hotline", "updated_at"])
    audit.record(actions.LOT_RECALLED, obj=lot, changes=audit.diff(before, audit.snapshot(lot)), actor=actor)
    return lot


@transaction.atomic
def cancel_recall(*, actor, lot: Lot) -> Lot:
    check_manage(actor, lot.product.producer)
    # Lock the row and decide on its current state, not on the caller's copy: two officers
    # cancelling at once, or a cancel racing a new recall, must not both act on a stale
    # "recalled" and log a cancellation that did not happen (or undo a recall just made).
    lot = Lot.objects.select_for_update().select_related("product").get(pk=lot.pk)
    if lot.recalled_at is None:
        return lot  # already cancelled: nothing changes, nothing is logged
    before = audit.snapshot(lot)
    lot.recalled_at = None
    lot.recall_reason = lot.recall_return_to = lot.recall_hotline = ""
    lot.save(update_fields=["recalled_at", "recall_reason", "recall_return_to", "recall_hotline", "updated_at"])
    audit.record(actions.LOT_RECALL_CANCELLED, obj=lot, changes=audit.diff(before, audit.snapshot(lot)), actor=actor)
    return lot


# --- Links -------------------------------------------------------------------------------------


@transaction.atomic
def add_link(*, actor, product: Product, link_type: str, target_url: str, title: str, lot: Lot | None = None,
             language: str = "vi", media_type: str = "text/html", is_default: bool = False) -> Link:
    check_manage(actor, product.producer)
    if lot is not None and lot.product_id != product.pk:
        raise ValidationError({"lot": _("Lô không thuộc sản phẩm này.")})
    if is_default and Link.objects.filter(product=product, lot=lot, is_default=True).exists():
        # GS1-Conformant Resolver 1.2: exactly one default link for each identified item.
        raise ValidationError({"is_default": _("Đã có một liên kết mặc định cho %(what)s; hãy xóa liên kết đó trước.")
                               % {"what": _("lô này") if lot is not None else _("sản phẩm này")}})
    link = Link(product=product, lot=lot, link_type=link_type, target_url=target_url, title=title,
                language=language, media_type=media_type, is_default=is_default)
    link.full_clean()
    link.save()
    audit.record(actions.LINK_ADDED, obj=link, changes=audit.created(link), actor=actor)
    return link


@transaction.atomic
def delete_link(*, actor, link: Link) -> None:
    check_manage(actor, link.product.producer)
    snap, repr_ = audit.snapshot(link), str(link)
    link.delete()
    audit.record(actions.LINK_DELETED, changes={k: [v, None] for k, v in snap.items()}, actor=actor,
                 object_repr=repr_)


# --- Problem reports ----------------------------------------------------------------------------


@transaction.atomic
def report_problem(*, actor, product: Product, lot: Lot | None, message: str, contact: str = "",
                   ip_hash: str = "") -> ProblemReport:
    """A consumer's report from the public scan page (`actor` is the visitor, usually anonymous)."""
    message = (message or "").strip()
    if len(message) < 5:
        raise ValidationError({"message": _("Nội dung phản ánh cần ít nhất 5 ký tự.")})
    row = ProblemReport(product=product, lot=lot, message=message[:2000], contact=(contact or "").strip()[:150],
                        ip_hash=ip_hash)
    row.full_clean()
    row.save()
    audit.record(actions.PROBLEM_REPORTED, obj=row, changes={"lot": [None, lot.pk if lot else None]}, actor=actor,
                 object_repr=f"{product} / {lot.code if lot else '-'}")
    return row


# --- Exports -----------------------------------------------------------------------------------------


@transaction.atomic
def record_lot_export(*, actor, lot: Lot) -> None:
    """Audit the download of a lot's traceability record (JSON)."""
    audit.record(actions.LOT_EXPORTED, actor=actor, obj=lot,
                 province_code=lot.product.producer.province_code)


@transaction.atomic
def record_labels_download(*, actor, run: PrintRun) -> None:
    """Audit the download of a label sheet (PDF): labels carry codes that consumers will trust."""
    audit.record(actions.LABELS_EXPORTED, actor=actor, obj=run, changes={"count": run.count},
                 province_code=run.lot.product.producer.province_code)


# --- Print runs ------------------------------------------------------------------------------------


@transaction.atomic
def create_print_run(*, actor, lot: Lot, layout: str, count: int, with_serials: bool = False) -> PrintRun:
    check_record(actor, lot.product.producer)
    if not lot.product.gtin:
        raise ValidationError({"lot": _("Sản phẩm chưa có mã GTIN: hãy cấp mã trước khi in nhãn.")})
    if not 1 <= int(count) <= 10000:
        raise ValidationError({"count": _("Số nhãn phải từ 1 đến 10.000.")})
    serial_from = serial_to = None
    if with_serials:
        # Serials continue after the highest one printed for this product (locked: no overlap).
        last = (PrintRun.objects.select_for_update().filter(lot__product=lot.product, serial_to__isnull=False)
                .order_by("-serial_to").values_list("serial_to", flat=True).first()) or 0
        serial_from, serial_to = last + 1, last + int(count)
    run = PrintRun(lot=lot, layout=layout, count=int(count), with_serials=with_serials, serial_from=serial_from,
                   serial_to=serial_to, created_by=actor if getattr(actor, "is_authenticated", False) else None)
    run.full_clean(exclude=["pdf", "created_by"])
    run.save()
    audit.record(actions.PRINTRUN_CREATED, obj=run, changes=audit.created(run), actor=actor)
    return run


def new_event_id() -> str:
    return f"urn:uuid:{uuid.uuid4()}"
