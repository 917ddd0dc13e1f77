"""Excel export of any filtered list of organisations or products, with the columns of the import
template (importer/columns.py) so an export can be edited and imported again. Fixed number of
queries whatever the length (rows streamed with openpyxl's write-only mode)."""

from __future__ import annotations

import datetime
import io

from django.db.models import Prefetch
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from htxconnect.core.spreadsheet import text_cell

from .importer import columns as C
from .models import Certification, Organization, Product, Sector
from htxconnect.core.identifiers import display_gtin

HEADER_FILL = PatternFill("solid", fgColor="1F6F43")
HEADER_FONT = Font(bold=True, color="FFFFFF")


def _labels(column: C.Column) -> dict:
    return dict(column.choices)


def _header(ws, sheet: C.Sheet) -> None:
    cells = []
    for index, column in enumerate(sheet.columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = column.width
        cell = text_cell(ws, column.title)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cells.append(cell)
    ws.append(cells)
    ws.freeze_panes = "A2"


def _cells(ws, sheet: C.Sheet, values: dict) -> list:
    row = []
    for column in sheet.columns:
        value = values.get(column.key)
        if value in (None, "", []):
            row.append(None)
            continue
        if column.kind == C.CHOICE:
            value = _labels(column).get(value, value)
        elif column.kind == C.LIST:
            value = "; ".join(value)
        elif column.kind == C.MONTHS:
            value = ",".join(str(m) for m in value)
        # Text is written as text, never as a formula (core.spreadsheet: formula injection).
        if isinstance(value, datetime.date):
            cell = text_cell(ws, value, number_format="DD/MM/YYYY")
        elif isinstance(value, str):
            cell = text_cell(ws, value, number_format="@")
        else:
            cell = text_cell(ws, value)
        row.append(cell)
    return row


def organization_values(org: Organization) -> dict:
    values = {c.key: getattr(org, c.key, None) for c in C.ORGANIZATIONS.columns if hasattr(org, c.key)}
    values["sectors"] = [s.name for s in org.sectors.all()]
    # The address as written then when there is one; else the current units (codes are authoritative).
    values["address"] = org.address_as_written or ", ".join(p for p in (org.ward_name, org.province_name) if p)
    return values


def product_values(product: Product) -> dict:
    producer = product.producer
    return {
        "producer_tax_code": producer.tax_code, "producer_name": producer.name, "name": product.name,
        "category": product.category, "unit": product.unit, "season_months": product.season_months or [],
        "gtin": display_gtin(product.gtin), "origin_ward_code": product.origin_ward_code,
        "description": product.description,
    }


def certification_values(cert: Certification) -> dict:
    return {
        "organization_tax_code": cert.organization.tax_code, "organization_name": cert.organization.name,
        "product_name": cert.product.name if cert.product_id else "", "type": cert.type, "type_other": cert.type_other,
        "number": cert.number, "issuer": cert.issuer, "issue_date": cert.issue_date, "expiry_date": cert.expiry_date,
    }


def export_workbook(*, organizations=None, products=None, certifications=None) -> bytes:
    """A workbook with a sheet for each queryset given (same sheets and columns as the template)."""
    wb = Workbook(write_only=True)
    if organizations is not None:
        ws = wb.create_sheet(C.ORGANIZATIONS.title)
        _header(ws, C.ORGANIZATIONS)
        for org in organizations.order_by("name", "pk").prefetch_related(
                Prefetch("sectors", queryset=Sector.objects.only("id", "code", "name"))):
            ws.append(_cells(ws, C.ORGANIZATIONS, organization_values(org)))
    if products is not None:
        ws = wb.create_sheet(C.PRODUCTS.title)
        _header(ws, C.PRODUCTS)
        for product in products.select_related("producer").order_by("producer__name", "name", "pk"):
            ws.append(_cells(ws, C.PRODUCTS, product_values(product)))
    if certifications is not None:
        ws = wb.create_sheet(C.CERTIFICATIONS.title)
        _header(ws, C.CERTIFICATIONS)
        for cert in certifications.select_related("organization", "product").order_by("organization__name", "pk"):
            ws.append(_cells(ws, C.CERTIFICATIONS, certification_values(cert)))
    return _save(wb)


def _save(wb) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
