"""The staff forms' business steps as EPCIS 2.0 events, stored through the trace repository.

A cooperative member picks a step (harvest, sort, pack, ship, receive, process); `record_step`
turns it into an ObjectEvent or TransformationEvent with the CBV 2.0 business step and
disposition below, checks it against the official schema and the standard's rules (the trace
app's capture service `receive_document`, which validates and stores it), marked public when the lot is.
The lot is named by its GS1 Digital Link class URI (GTIN + lot) in a quantity list, which the
repository indexes the same as the `urn:epc:class:lgtin:` form.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from htxconnect.core import audit
from htxconnect.core import identifiers as gs1
from htxconnect.trace.epcis.capture import receive_document
from htxconnect.trace.models import CaptureJob

from . import audit_actions as actions
from . import services
from .models import Location, Lot

EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/epcis-context.jsonld"
HTX_NS = "https://htxconnect.vn/ns/epcis/"


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    event_type: str
    action: str
    biz_step: str  # CBV 2.0 short name
    disposition: str


STEPS = {
    "harvest": Step("harvest", pgettext_lazy("step", "Thu hoạch"), "ObjectEvent", "ADD", "commissioning", "active"),
    "sort": Step("sort", pgettext_lazy("step", "Phân loại, kiểm tra"), "ObjectEvent", "OBSERVE", "inspecting", "conformant"),
    "pack": Step("pack", pgettext_lazy("step", "Đóng gói"), "ObjectEvent", "OBSERVE", "packing", "in_progress"),
    "ship": Step("ship", pgettext_lazy("step", "Xuất hàng"), "ObjectEvent", "OBSERVE", "shipping", "in_transit"),
    "receive": Step("receive", pgettext_lazy("step", "Nhận hàng"), "ObjectEvent", "OBSERVE", "receiving", "in_progress"),
    "process": Step("process", pgettext_lazy("step", "Chế biến"), "TransformationEvent", "", "creating_class_instance", "active"),
}


# UN/CEFACT Rec. 20 codes (the EPCIS `uom`) offered on the form.
UNITS = {"KGM": _("kg"), "TNE": _("tấn"), "LTR": _("lít"), "H87": _("cái, quả")}

# The fields of each step on the staff form, and those the step cannot be recorded without
# (the scan page shows no step without its essentials: queries.has_essentials).
STEP_FIELDS = {
    "harvest": ("when", "location", "quantity", "uom", "note"),
    "sort": ("when", "location", "quantity", "uom", "note"),
    "pack": ("when", "location", "quantity", "uom", "note"),
    "ship": ("when", "location", "destination", "quantity", "uom", "note"),
    "receive": ("when", "location", "quantity", "uom", "note"),
    "process": ("when", "location", "output_lot", "quantity", "uom", "note"),
}
ESSENTIALS = {
    "harvest": ("location", "quantity"),
    "sort": ("location",),
    "pack": ("location",),
    "ship": ("destination",),
    "receive": ("location",),
    "process": ("location",),
}


def check_essentials(step: str, *, location, quantity, uom: str, destination) -> None:
    """Refuse a step without what makes it worth showing (ValidationError naming each field)."""
    errors = {}
    needed = ESSENTIALS.get(step, ())
    label = STEPS[step].label
    if "location" in needed and location is None:
        errors["location"] = _("Bước “%(s)s” cần ghi địa điểm (nơi thực hiện).") % {"s": label}
    if "destination" in needed and destination is None:
        errors["destination"] = _("Bước “%(s)s” cần ghi nơi nhận hàng.") % {"s": label}
    if "quantity" in needed and (quantity in (None, "") or Decimal(str(quantity)) <= 0):
        errors["quantity"] = _("Bước “%(s)s” cần ghi số lượng lớn hơn 0.") % {"s": label}
    if quantity not in (None, "") and uom not in UNITS:
        errors["uom"] = _("Đơn vị “%(u)s” không có trong danh sách (kg, tấn, lít, cái).") % {"u": uom}
    if errors:
        raise ValidationError(errors)


def lot_class_uri(lot: Lot) -> str:
    return gs1.GS1Key("01", lot.product.gtin, lot=lot.code).digital_link()


def location_uri(location: Location) -> str:
    if location.gln:
        return gs1.GS1Key("414", location.gln).digital_link()
    return f"{HTX_NS}location/{location.pk}"


def _offset(moment: datetime.datetime) -> str:
    text = moment.strftime("%z")  # +0700
    return f"{text[:3]}:{text[3:]}"


def build_event(*, step: Step, lot: Lot, when: datetime.datetime, location: Location | None, quantity=None,
                uom: str = "KGM", note: str = "", output_lot: Lot | None = None, destination: Location | None = None,
                event_id: str | None = None) -> dict:
    when = timezone.localtime(when) if timezone.is_aware(when) else timezone.make_aware(when)
    amount = {"quantity": float(Decimal(str(quantity))), "uom": uom} if quantity not in (None, "") else {}
    event = {
        "type": step.event_type,
        "eventID": event_id or services.new_event_id(),
        "eventTime": when.isoformat(timespec="seconds"),
        "eventTimeZoneOffset": _offset(when),
    }
    if step.event_type == "TransformationEvent":
        event["inputQuantityList"] = [{"epcClass": lot_class_uri(lot), **amount}]
        event["outputQuantityList"] = [{"epcClass": lot_class_uri(output_lot or lot)}]
    else:
        event["action"] = step.action
        event["epcList"] = []
        event["quantityList"] = [{"epcClass": lot_class_uri(lot), **amount}]
    event["bizStep"] = step.biz_step
    event["disposition"] = step.disposition
    if location is not None:
        event["readPoint"] = {"id": location_uri(location)}
        event["bizLocation"] = {"id": location_uri(location)}
        event["htx:placeName"] = location.name  # user extension: the place as people call it
    if destination is not None:
        event["htx:destinationName"] = destination.name
        if step.key == "ship":
            event["destinationList"] = [{"type": "location", "destination": location_uri(destination)}]
    if note:
        event["htx:note"] = note[:500]
    return event


def document_for(events: list[dict]) -> dict:
    return {
        "@context": [EPCIS_CONTEXT, {"htx": HTX_NS}],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": timezone.now().isoformat(timespec="seconds"),
        "epcisBody": {"eventList": events},
    }


@transaction.atomic
def record_step(*, actor, lot: Lot, step: str, when: datetime.datetime, location: Location | None = None,
                quantity=None, uom: str = "KGM", note: str = "", output_lot: Lot | None = None,
                destination: Location | None = None, owner=None):
    """Store one step of `lot` as an EPCIS event; returns the stored EPCISEvent row. `note` is
    internal (kept in the event, never shown on public pages)."""
    services.check_record(actor, lot.product.producer)
    if step not in STEPS:
        raise ValidationError({"step": _("Bước “%(s)s” không có trong danh sách.") % {"s": step}})
    uom = uom or "KGM"
    check_essentials(step, location=location, quantity=quantity, uom=uom, destination=destination)
    if not lot.product.gtin:
        raise ValidationError({"lot": _("Sản phẩm chưa có mã GTIN nên chưa ghi được sự kiện truy xuất.")})
    for place in (location, destination):
        if place is not None and place.organization_id != lot.product.producer_id:
            raise ValidationError({"location": _("Địa điểm không thuộc đơn vị sản xuất lô này.")})
    event = build_event(step=STEPS[step], lot=lot, when=when, location=location, quantity=quantity, uom=uom, note=note,
                        output_lot=output_lot, destination=destination)
    document = document_for([event])
    # The one capture service: validation, storage, the capture record and subscriptions' webhooks.
    job = receive_document(document, user=owner or (None if audit.is_system(actor) else actor), public=lot.is_public,
                           organization_id=lot.product.producer_id, synchronous=True)
    if job.status != CaptureJob.Status.SUCCESS:  # a bug here, not the user's input: say which rule failed
        raise ValidationError("; ".join(f"{e.get('path', '')}: {e.get('detail', e)}" for e in job.errors))
    row = job.events.get()
    audit.record(actions.STEP_RECORDED, obj=lot, actor=actor,
                 changes={"step": [None, step], "event_id": [None, event["eventID"]]})
    services._purge(lot.product_id)
    return row
