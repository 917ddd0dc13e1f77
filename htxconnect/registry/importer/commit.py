"""Writing a checked preview: every row the user chose to create or merge, through the registry
services (each validates and audits its record), all in ONE transaction — if any row fails,
nothing is written and the error names the row."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from htxconnect.core import audit
from htxconnect.core.text import fold

from .. import audit_actions as actions
from .. import services
from ..models import Certification, OcopRating, Organization, Product
from . import analysis
from . import columns as C
from .analysis import CREATE, MERGE


class CommitFailed(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


ORG_FIELDS = [c.key for c in C.ORGANIZATIONS.columns if c.key not in ("sectors", "address", "ward_code", "province_code")]
PRODUCT_FIELDS = ["name", "category", "unit", "season_months", "gtin", "origin_ward_code", "description"]
CERT_FIELDS = ["type", "type_other", "number", "issuer", "issue_date", "expiry_date"]
OCOP_FIELDS = ["stars", "total_score", "decision_number", "decision_date", "level"]
DATE_FIELDS = {"registration_date", "established_on", "issue_date", "expiry_date", "decision_date"}


def _typed(values: dict, keys) -> dict:
    result = {}
    for key in keys:
        if key in values and values[key] not in (None, "", []):
            value = values[key]
            result[key] = datetime.date.fromisoformat(value) if key in DATE_FIELDS else value
    return result


def _org_fields(row) -> dict:
    fields = _typed(row["values"], ORG_FIELDS)
    address = row.get("address") or {}
    ward = address.get("ward_code") or row.get("ward_choice") or ""
    if address.get("province_code"):
        fields["province_code"] = address["province_code"]
        fields["ward_code"] = ward
        fields["address_needs_review"] = not ward
    written = address.get("written", "")
    current = fold(", ".join(p for p in (address.get("ward_name"), address.get("province_name")) if p))
    if written and fold(written) != current:  # a current address is not an "address as written then"
        fields["address_as_written"] = written[:500]
    if "street" not in fields and address.get("street"):
        fields["street"] = address["street"][:255]
    return fields


def _changed(obj, fields: dict) -> dict:
    """Only what differs: a merge fills in and corrects, it never blanks a field."""
    return {k: v for k, v in fields.items() if getattr(obj, k) != v}


def _writable(rows, counts: dict):
    """The rows to create or merge, with their status; the others counted as errors or skipped."""
    for row in rows:
        status = analysis.row_status(row)
        if status in (CREATE, MERGE):
            yield row, status
        else:
            counts["errors" if status == "error" else "skipped"] += 1


def _merge(obj, fields: dict, counts: dict, update) -> None:
    """Update `obj` through its service with only what changed; an unchanged row writes nothing."""
    changes = _changed(obj, fields)
    if changes:
        update(**changes)
        counts["updated"] += 1
    else:
        counts["unchanged"] += 1


def _error(title, row, error) -> CommitFailed:
    if isinstance(error, ValidationError):
        parts = []
        if hasattr(error, "message_dict"):
            for field, messages in error.message_dict.items():
                parts.extend(messages)
        else:
            parts = error.messages
        text = "; ".join(parts)
    else:
        text = str(error) or _("không có quyền")
    return CommitFailed(_("Không nhập dòng nào. Trang “%(s)s”, dòng %(r)s: %(m)s") % {"s": title, "r": row["row"], "m": text})


def commit(preview: dict, *, actor, filename: str = "", progress=None) -> dict:
    """Write the preview; returns counts {sheet: {created, updated, unchanged, skipped}}. Raises
    CommitFailed (nothing written) when a row fails at this point."""
    analysis.analyze(preview, actor=actor)
    sheets = preview["sheets"]
    total = sum(1 for rows in sheets.values() for r in rows if analysis.row_status(r) in (CREATE, MERGE))
    done = 0
    result = {key: {"created": 0, "updated": 0, "unchanged": 0, "skipped": 0, "errors": 0} for key in sheets}

    def tick():
        nonlocal done
        done += 1
        if progress and (done % 50 == 0 or done == total):
            progress("writing", done, total)

    with transaction.atomic():
        orgs_by_row: dict[int, Organization] = {}
        title = preview["titles"].get("organizations", "")
        for row, status in _writable(sheets.get("organizations", []), result.get("organizations", {})):
            fields = _org_fields(row)
            sectors = row["values"].get("sectors")
            try:
                if status == CREATE:
                    org = services.create_organization(actor=actor, sectors=sectors, **fields)
                    result["organizations"]["created"] += 1
                else:
                    org = Organization.objects.select_for_update().get(pk=row["duplicate"]["target_id"])
                    if not fields.get("ward_code") and (org.ward_code or fields.get("province_code") == org.province_code):
                        # An unpicked ward never erases a known one nor flags a settled record.
                        for key in ("ward_code", "province_code", "address_needs_review"):
                            fields.pop(key, None)
                    if row["duplicate"]["kind"] == "name":
                        fields.pop("name", None)  # matched by a similar name: keep the registered spelling
                    changes = _changed(org, fields)
                    current = set(org.sectors.values_list("code", flat=True))
                    new_sectors = sorted(current | set(sectors)) if sectors and not set(sectors) <= current else None
                    if changes or new_sectors:
                        services.update_organization(actor=actor, organization=org, sectors=new_sectors, **changes)
                        result["organizations"]["updated"] += 1
                    else:
                        result["organizations"]["unchanged"] += 1
            except (ValidationError, PermissionDenied) as error:
                raise _error(title, row, error) from None
            orgs_by_row[row["row"]] = org
            tick()

        def organization(ref) -> Organization:
            return orgs_by_row[ref["row"]] if "row" in ref else Organization.objects.get(pk=ref["db"])

        products_by_row: dict[int, Product] = {}
        title, counts = preview["titles"].get("products", ""), result.get("products", {})
        for row, status in _writable(sheets.get("products", []), counts):
            fields = _typed(row["values"], PRODUCT_FIELDS)
            try:
                if status == CREATE:
                    product = services.create_product(actor=actor, producer=organization(row["ref"]["producer"]),
                                                      **fields)
                    counts["created"] += 1
                else:
                    product = Product.objects.select_for_update().select_related("producer").get(
                        pk=row["duplicate"]["target_id"])
                    if row["duplicate"]["kind"] == "name":
                        fields.pop("name", None)
                    _merge(product, fields, counts, lambda **changes: services.update_product(
                        actor=actor, product=product, **changes))
            except (ValidationError, PermissionDenied) as error:
                raise _error(title, row, error) from None
            products_by_row[row["row"]] = product
            tick()

        title, counts = preview["titles"].get("certifications", ""), result.get("certifications", {})
        for row, status in _writable(sheets.get("certifications", []), counts):
            fields = _typed(row["values"], CERT_FIELDS)
            product_ref = row["ref"].get("product")
            if product_ref:
                fields["product"] = products_by_row[product_ref["row"]] if "row" in product_ref else \
                    Product.objects.get(pk=product_ref["db"])
            try:
                if status == CREATE:
                    services.create_certification(actor=actor, organization=organization(row["ref"]["organization"]),
                                                  **fields)
                    counts["created"] += 1
                else:
                    cert = Certification.objects.select_for_update().select_related("organization").get(
                        pk=row["duplicate"]["target_id"])
                    _merge(cert, fields, counts, lambda **changes: services.update_certification(
                        actor=actor, certification=cert, **changes))
            except (ValidationError, PermissionDenied) as error:
                raise _error(title, row, error) from None
            tick()

        # OCOP lists name products the registry may not have yet: each is created once, however
        # many ratings (re-ratings over the years) name it.
        new_products: dict[tuple[str, str], Product] = {}

        def rated_product(producer_ref, ref) -> Product:
            if "row" in ref:
                return products_by_row[ref["row"]]
            if "db" in ref:
                return Product.objects.select_related("producer").get(pk=ref["db"])
            key = (str(producer_ref.get("row") or producer_ref.get("db")), ref["new"])
            if key not in new_products:
                new_products[key] = services.create_product(actor=actor, producer=organization(producer_ref),
                                                            name=ref["name"])
                result["ocop"]["products_created"] = result["ocop"].get("products_created", 0) + 1
            return new_products[key]

        title, counts = preview["titles"].get("ocop", ""), result.get("ocop", {})
        for row, status in _writable(sheets.get("ocop", []), counts):
            fields = _typed(row["values"], OCOP_FIELDS)
            try:
                if status == CREATE:
                    product = rated_product(row["ref"]["producer"], row["ref"]["product"])
                    services.create_ocop_rating(actor=actor, product=product, **fields)
                    counts["created"] += 1
                else:
                    rating = OcopRating.objects.select_for_update().select_related("product__producer").get(
                        pk=row["duplicate"]["target_id"])
                    _merge(rating, fields, counts, lambda **changes: services.update_ocop_rating(
                        actor=actor, rating=rating, **changes))
            except (ValidationError, PermissionDenied) as error:
                raise _error(title, row, error) from None
            tick()

        audit.record(actions.IMPORT_COMMITTED, actor=actor, object_repr=filename or "xlsx",
                     changes={"file": [None, filename], **{k: [None, v] for k, v in result.items()},
                              "addresses": [None, analysis.counts(preview)["addresses"]]})
    return result
