"""The linkage contract as a DOCX (docxtpl on data/contract_template.docx), laid out with the parts
Decree 98/2018/NĐ-CP asks of a production–consumption linkage contract."""

from __future__ import annotations

import io
from pathlib import Path

from docxtpl import DocxTemplate

from htxconnect.core import adminunits
from htxconnect.core.money import amount_in_words, format_vnd
from htxconnect.core.numbers import long_date

from .matching import amount

TEMPLATE = Path(__file__).resolve().parent / "data" / "contract_template.docx"


def context(deal) -> dict:
    offer, demand = deal.connection.offer, deal.connection.demand
    org, buyer = offer.organization, demand.buyer
    province = adminunits.get_province(org.province_code)
    place = str(province.short_name if province else "")
    return {
        "place_date": long_date(deal.signed_on, place) if place else long_date(deal.signed_on),
        "number": deal.number or "…/HĐLK",
        "coop_name": org.name, "coop_address": adminunits.format_address(org.street, org.ward_code) or "…",
        "coop_tax": org.tax_code or "…", "coop_rep": org.legal_representative or "…",
        "buyer_name": buyer.name, "buyer_address": buyer.address or "…", "buyer_tax": buyer.tax_code or "…",
        "buyer_rep": buyer.contact_name or "…",
        "product": deal.product_name, "quantity": amount(deal.quantity, deal.unit), "quality": deal.quality,
        "unit_price": f"{format_vnd(deal.unit_price)}/{deal.get_unit_display()}", "price_method": deal.price_method,
        "value": format_vnd(deal.value), "value_words": amount_in_words(deal.value),
        "delivery_terms": deal.delivery_terms, "payment_terms": deal.payment_terms,
        "responsibilities": deal.responsibilities, "force_majeure": deal.force_majeure or "Theo quy định của pháp luật.",
        "dispute_resolution": deal.dispute_resolution,
        "starts_on": deal.starts_on.strftime("%d/%m/%Y"), "ends_on": deal.ends_on.strftime("%d/%m/%Y"),
    }


def render_docx(deal) -> bytes:
    doc = DocxTemplate(str(TEMPLATE))
    doc.render(context(deal), autoescape=True)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
