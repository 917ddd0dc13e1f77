"""Export of a product and lot for the national traceability portal (Circular 02/2024/TT-BKHCN).

Format `htx-trace-export/1` (JSON, UTF-8), documented in docs/trace/circular-02-2024.md: the
product (name, GTIN, category), the producer (name, tax code, address), the lot (code, dates,
quantity, origin, recall), the certificates with validity and the lot's tracking events
(what, when, where, business step), each with its GS1 identifier.
"""

from __future__ import annotations

from django.utils import timezone

from htxconnect.registry.models import Certification
from htxconnect.core import identifiers as gs1

from . import queries
from .models import Lot

FORMAT = "htx-trace-export/1"


def lot_record(lot: Lot, *, site: str) -> dict:
    product, org = lot.product, lot.product.producer
    today = timezone.localdate()
    data = queries.scan_page_data(product.gtin, lot.code) if product.gtin else None
    certs = list(Certification.objects.filter(organization=org))
    certs = [c for c in certs if c.product_id in (None, product.pk)]
    return {
        "format": FORMAT,
        "generated_at": timezone.now().isoformat(timespec="seconds"),
        "product": {
            "name": product.name, "gtin": product.gtin, "gtin_printed": gs1.display_gtin(product.gtin or ""),
            "category": product.category, "unit": product.unit,
            "origin_province_code": product.origin_province_code, "origin_ward_code": product.origin_ward_code,
            "digital_link": f"{site}/01/{product.gtin}" if product.gtin else "",
        },
        "producer": {
            "name": org.name, "tax_code": org.tax_code, "kind": org.kind, "address": org.address,
            "province_code": org.province_code, "ward_code": org.ward_code, "phone": org.phone if org.public_contact else "",
            "gs1_company_prefixes": [p.prefix for p in org.gs1_prefixes.all()],
        },
        "lot": {
            "code": lot.code, "production_date": lot.production_date.isoformat(),
            "expiry_date": lot.expiry_date.isoformat() if lot.expiry_date else None,
            "quantity": float(lot.quantity) if lot.quantity is not None else None, "unit": product.unit,
            "origin": ({"name": lot.origin.name, "gln": lot.origin.gln, "address": lot.origin.address}
                       if lot.origin else None),
            "digital_link": f"{site}/01/{product.gtin}/10/{lot.code}" if product.gtin else "",
            "recalled": lot.recalled_at is not None,
            "recalled_at": lot.recalled_at.isoformat() if lot.recalled_at else None,
            "recall_reason": lot.recall_reason,
        },
        "certifications": [
            {"type": c.type, "name": c.type_label, "number": c.number, "issuer": c.issuer,
             "issue_date": c.issue_date.isoformat(), "expiry_date": c.expiry_date.isoformat() if c.expiry_date else None,
             "status": c.status_on(today)} for c in certs
        ],
        "events": [
            {"time": s.when.isoformat(timespec="seconds"), "business_step": s.step, "description": s.text,
             **({"declared_in_error": s.error_text} if s.in_error else {})}
            for s in (data or {}).get("journey", [])
        ],
    }
