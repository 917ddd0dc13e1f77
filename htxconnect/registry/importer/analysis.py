"""From raw rows to a preview (see rows.py for its shape): each row's values checked (values.py),
old addresses converted (addresses.py), duplicates found and references between sheets resolved
(matching.py). `analyze()` recomputes what depends on the user's choices (actions, picked wards):
references and the duplicates of products, certifications and OCOP ratings. Call it after every
change of choices."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from .. import queries
from ..models import Certification, Organization, Product
from . import columns as C
from .addresses import resolve_address
from .matching import (FUZZY_THRESHOLD, Matcher, certification_duplicates, clear, default_options, keep_choice,
                       name_key, ocop_duplicates, organization_duplicates, product_duplicates, similarity)
from .parse import RawSheet
from .rows import ACTION_LABELS, CREATE, MERGE, SKIP, Preview, Row, new_row, row_errors, row_status
from .values import convert_values, model_field_errors, sector_index

__all__ = ["ACTION_LABELS", "CREATE", "FUZZY_THRESHOLD", "MERGE", "SKIP", "all_errors", "analyze", "build", "counts",
           "name_key", "row_errors", "row_status", "similarity"]

# OCOP stars by total score (Decision 148/QĐ-TTg of 2023): 50–69 → 3, 70–89 → 4, 90–100 → 5;
# under 50 points a product is not rated.
OCOP_BANDS = ((90, 5), (70, 4), (50, 3))


def build(raw_sheets: list[RawSheet], *, actor, progress=None) -> Preview:
    preview = Preview(sheets={}, columns={}, titles={})
    total = sum(len(r.rows) for r in raw_sheets)
    done = 0
    today = timezone.localdate()
    officer_province = queries.staff_province(actor)
    sectors = sector_index()
    checks = {"organizations": lambda row: _check_organization(row, officer_province, today),
              "products": _check_product, "certifications": _check_certification,
              "ocop": lambda row: _check_ocop(row, today)}
    if progress:
        progress("checking", 0, total)
    for raw in raw_sheets:
        key = raw.sheet.key
        preview["titles"][key] = raw.title
        preview["columns"][key] = [[c.key, c.header] for c in raw.columns]
        rows = []
        for raw_row in raw.rows:
            row = new_row(raw_row.number, *convert_values(raw, raw_row, sectors))
            checks[key](row)
            rows.append(row)
            done += 1
            if progress and done % 100 == 0:
                progress("checking", done, total)
        preview["sheets"][key] = rows
    organization_duplicates(preview, actor)
    analyze(preview, actor=actor)
    return preview


def _check_organization(row: Row, officer_province: str | None, today: datetime.date) -> None:
    values, errors = row["values"], row["errors"]
    model_field_errors(Organization, {k: v for k, v in values.items() if k not in (
        "sectors", "address", "ward_code", "province_code")}, C.ORGANIZATIONS, errors)
    for key in ("registration_date", "established_on"):
        if values.get(key) and datetime.date.fromisoformat(values[key]) > today:
            errors.append([C.ORGANIZATIONS.column(key).header, _("Ngày %(d)s ở tương lai.") % {
                "d": datetime.date.fromisoformat(values[key]).strftime("%d/%m/%Y")}])
    # A registration date before the start of activity is not an error: registration may come first.
    address = resolve_address(values, errors)
    row["address"] = address
    if address and officer_province and address.get("province_code") and address["province_code"] != officer_province:
        errors.append([C.ORGANIZATIONS.column("address").header,
                       _("Địa chỉ thuộc %(p)s, ngoài địa bàn của cơ quan bạn: bạn chỉ nhập được tổ chức thuộc tỉnh/thành "
                         "phố của cơ quan mình.") % {"p": address["province_name"]}])


def _check_product(row: Row) -> None:
    values, errors = row["values"], row["errors"]
    model_field_errors(Product, {k: v for k, v in values.items() if k in ("name", "unit", "description")},
                       C.PRODUCTS, errors)
    if not values.get("producer_tax_code") and not values.get("producer_name"):
        errors.append([C.PRODUCTS.column("producer_name").header, _("Ghi mã số thuế hoặc tên đơn vị sản xuất.")])


def _check_certification(row: Row) -> None:
    values, errors = row["values"], row["errors"]
    if not values.get("organization_tax_code") and not values.get("organization_name"):
        errors.append([C.CERTIFICATIONS.column("organization_name").header, _("Ghi mã số thuế hoặc tên đơn vị.")])
    if values.get("type") == Certification.Type.OTHER and not values.get("type_other"):
        errors.append([C.CERTIFICATIONS.column("type_other").header,
                       _("Loại chứng nhận là “Khác” thì phải ghi tên chứng nhận.")])
    issue, expiry = values.get("issue_date"), values.get("expiry_date")
    if issue and expiry and expiry <= issue:
        errors.append([C.CERTIFICATIONS.column("expiry_date").header,
                       _("Ngày hết hạn (%(e)s) phải sau ngày cấp (%(i)s).") % {
                           "e": datetime.date.fromisoformat(expiry).strftime("%d/%m/%Y"),
                           "i": datetime.date.fromisoformat(issue).strftime("%d/%m/%Y")}])
    model_field_errors(Certification, {k: v for k, v in values.items() if k in ("number", "issuer", "type_other")},
                       C.CERTIFICATIONS, errors)


def stars_for_score(score: int) -> int | None:
    return next((stars for floor, stars in OCOP_BANDS if score >= floor), None)


def _check_ocop(row: Row, today: datetime.date) -> None:
    values, errors = row["values"], row["errors"]
    column = C.OCOP.column
    if not values.get("producer_tax_code") and not values.get("producer_name"):
        errors.append([column("producer_name").header, _("Ghi mã số thuế hoặc tên chủ thể OCOP.")])
    stars, score = values.get("stars"), values.get("total_score")
    if stars is not None and not 3 <= stars <= 5:
        errors.append([column("stars").header, _("Số sao OCOP phải là 3, 4 hoặc 5 (ô ghi %(v)s).") % {"v": stars}])
        stars = None
    if score is not None:
        if score > 100:
            errors.append([column("total_score").header, _("Tổng điểm OCOP tối đa là 100 (ô ghi %(v)s).") % {"v": score}])
        elif stars_for_score(score) is None:
            errors.append([column("total_score").header, _("Sản phẩm dưới 50 điểm (%(v)s) không được xếp hạng OCOP.")
                           % {"v": score}])
        elif stars is not None and stars_for_score(score) != stars:
            errors.append([column("stars").header, _("%(s)s sao không khớp tổng điểm %(v)s: 50–69 điểm là 3 sao, 70–89 "
                                                     "là 4 sao, 90–100 là 5 sao.") % {"s": stars, "v": score}])
    if stars == 5:
        if values.get("level", "national") != "national":
            errors.append([column("level").header, _("Sản phẩm OCOP 5 sao do Hội đồng cấp quốc gia đánh giá: ghi “Cấp "
                                                     "quốc gia” hoặc để trống.")])
        values["level"] = "national"
    date = values.get("decision_date")
    if date and datetime.date.fromisoformat(date) > today:
        errors.append([column("decision_date").header, _("Ngày %(d)s ở tương lai.") % {
            "d": datetime.date.fromisoformat(date).strftime("%d/%m/%Y")}])
    model_field_errors(Product, {"name": values["product_name"]} if values.get("product_name") else {}, C.OCOP, errors)


def analyze(preview: Preview, *, actor) -> Preview:
    """Options and actions of each row, references between sheets and the duplicates of products,
    certifications and OCOP ratings, given the current choices. Idempotent."""
    sheets = preview["sheets"]
    matcher = Matcher(preview, actor=actor)
    for row in sheets.get("organizations", []):
        if row["errors"]:
            row["options"], row["action"] = [], ""
            continue
        keep_choice(row, *default_options(row))
        address = row["address"] or {}
        if address.get("status") != "ambiguous":
            row["ward_choice"] = ""
        elif row["ward_choice"] and row["ward_choice"] not in {c["code"] for c in address["candidates"]}:
            row["ward_choice"] = ""
    products = sheets.get("products", [])
    for row in products:
        row["dep_errors"] = []
        if row["errors"]:
            row["options"], row["action"], row["ref"] = [], "", {}
            continue
        row["ref"] = {"producer": matcher.organization(row, "producer_tax_code", "producer_name", C.PRODUCTS)}
    product_duplicates(products)
    matcher.index_product_rows(products)
    for row in sheets.get("certifications", []):
        row["dep_errors"] = []
        if row["errors"]:
            row["options"], row["action"], row["ref"] = [], "", {}
            continue
        holder = matcher.organization(row, "organization_tax_code", "organization_name", C.CERTIFICATIONS)
        row["ref"] = {"organization": holder, "product": None}
        name = row["values"].get("product_name")
        if name and holder:
            row["ref"]["product"] = matcher.product(row, holder, name, C.CERTIFICATIONS.column("product_name").header)
    certification_duplicates(sheets.get("certifications", []))
    for row in sheets.get("ocop", []):
        row["dep_errors"] = []
        if row["errors"]:
            clear(row)
            row["ref"] = {}
            continue
        producer = matcher.organization(row, "producer_tax_code", "producer_name", C.OCOP)
        row["ref"] = {"producer": producer, "product": None}
        if producer:
            row["ref"]["product"] = matcher.product(row, producer, row["values"]["product_name"],
                                                    C.OCOP.column("product_name").header, create_missing=True)
    ocop_duplicates(sheets.get("ocop", []))
    return preview


# --- status and counts ----------------------------------------------------------------------------


def counts(preview: Preview) -> dict:
    """Per sheet: rows, ok (will be written), errors, duplicates, created/merged/skipped; and the
    address conversions of the organisations sheet."""
    result = {}
    for key, rows in preview["sheets"].items():
        c = {"rows": len(rows), "errors": 0, "duplicates": 0, CREATE: 0, MERGE: 0, SKIP: 0}
        for row in rows:
            status = row_status(row)
            if status == "error":
                c["errors"] += 1
            else:
                c[status] += 1
            if row.get("duplicate") and not row_errors(row):
                c["duplicates"] += 1
        c["ok"] = c[CREATE] + c[MERGE]
        result[key] = c
    addresses = {"converted": 0, "current": 0, "ambiguous": 0, "picked": 0, "failed": 0, "codes": 0}
    for row in preview["sheets"].get("organizations", []):
        address = row.get("address")
        if not address:
            continue
        status = address["status"]
        if status == "converted":
            addresses["current" if address.get("already_current") else "converted"] += 1
        elif status == "ambiguous":
            addresses["picked" if row.get("ward_choice") else "ambiguous"] += 1
        elif status in addresses:
            addresses[status] += 1
    result["addresses"] = addresses
    return result


def all_errors(preview: Preview) -> list[str]:
    """Every error as one line: "Trang “Tổ chức”, dòng 7, cột “Mã số thuế”: …"."""
    lines = []
    for key, rows in preview["sheets"].items():
        title = preview["titles"].get(key, key)
        for row in rows:
            for header, message in row_errors(row):
                lines.append(_("Trang “%(s)s”, dòng %(r)s, cột “%(c)s”: %(m)s") % {
                    "s": title, "r": row["row"], "c": header, "m": message})
    return lines
