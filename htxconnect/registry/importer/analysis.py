"""From raw rows to a preview: each row's values checked (errors named by row and column),
old addresses converted, duplicates found (in the database and within the file), references
between sheets resolved (a product's producer, a certification's holder and product).

The preview is a JSON-safe dict (kept in the import job between preview and commit):

    {"sheets": {"organizations": [row, …], "products": […], "certifications": […]},
     "columns": {sheet: [[key, header], …]}, "titles": {sheet: title}}

and each row:

    {"row": 7, "cells": {key: text shown}, "values": {key: JSON value}, "errors": [[header, message]],
     "warnings": [[header, message]], "address": {…} | None, "duplicate": {…} | None,
     "options": ["create", "skip"], "action": "create", "ward_choice": "", "ref": {…}}

`analyze()` recomputes what depends on the user's choices (actions, picked wards): references
and the duplicates of products and certifications. Call it after every change of choices.
"""

from __future__ import annotations

import datetime
import re
import threading
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl.utils.datetime import from_excel
from rapidfuzz import fuzz, process

from htxconnect.core import adminunits
from htxconnect.core.text import fold

from .. import queries
from ..models import Certification, Organization, Product, Sector
from ..validators import normalize_gtin, normalize_tax_code
from . import columns as C
from .parse import RawSheet, cell_text

# Two names in the same ward (or province, when the ward is not known) are taken for the same
# organisation from this rapidfuzz token_sort_ratio on; below it they are different.
FUZZY_THRESHOLD = 90
CREATE, MERGE, SKIP = "create", "merge", "skip"
ACTION_LABELS = {CREATE: gettext_lazy("Tạo mới"), MERGE: gettext_lazy("Cập nhật bản đã có"), SKIP: gettext_lazy("Bỏ qua")}

_ORG_PREFIXES = [
    ("lien hiep hop tac xa", "lhhtx"), ("hop tac xa", "htx"), ("to hop tac", "tht"),
    ("cong ty trach nhiem huu han", "cty tnhh"), ("cong ty co phan", "cty cp"), ("cong ty", "cty"),
]


def name_key(name: str) -> str:
    """A folded name for comparison: "Hợp tác xã Nông nghiệp Phú An" ~ "HTX nong nghiep Phu An"."""
    text = fold(name)
    text = re.sub(r"[^\w\s]", " ", text)
    text = re.sub(r"\s+", " ", text).strip()
    for long, short in _ORG_PREFIXES:
        text = re.sub(rf"\b{long}\b", short, text)
    return text


def _numbers(key: str) -> list[str]:
    return re.findall(r"\d+", key)


def similarity(a: str, b: str) -> int:
    """0–100; names whose numbers differ are never similar ("Tổ 1" ≠ "Tổ 2")."""
    ka, kb = name_key(a), name_key(b)
    if _numbers(ka) != _numbers(kb):
        return 0
    return int(round(fuzz.token_sort_ratio(ka, kb)))


# --- cell values --------------------------------------------------------------------------------


class CellError(Exception):
    def __init__(self, message, warning: str = ""):
        super().__init__(message)
        self.message = str(message)


def _text(value) -> str:
    return cell_text(value).strip()


def _int(value, column: C.Column) -> int:
    if isinstance(value, bool):
        raise CellError(_("“%(v)s” không phải số.") % {"v": value})
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not value.is_integer():
            raise CellError(_("“%(v)s” phải là số nguyên.") % {"v": cell_text(value)})
        number = int(value)
    else:
        text = re.sub(r"[\s.,đ]|dong|đồng", "", str(value).lower())
        if not text.lstrip("-").isdigit():
            raise CellError(_("“%(v)s” không phải số nguyên (ví dụ: 2500000).") % {"v": value})
        number = int(text)
    if number < 0:
        raise CellError(_("“%(v)s” không được là số âm.") % {"v": number})
    return number


_DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d", "%d/%m/%y")


def _date(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 1 <= value < 2958466:  # an Excel serial date in a cell not formatted as a date
            result = from_excel(value)
            return result.date() if isinstance(result, datetime.datetime) else result
    text = str(value).strip()
    for fmt in _DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise CellError(_("“%(v)s” không phải ngày hợp lệ: ghi theo dạng ngày/tháng/năm, ví dụ 15/03/2024.") % {"v": text})


def _choice(value, column: C.Column) -> str:
    key = fold(str(value))
    for code, label in column.choices:
        if key in (fold(label), fold(code)):
            return code
    allowed = ", ".join(f"“{label}”" for _code, label in column.choices)
    raise CellError(_("“%(v)s” không có trong danh sách. Chọn một trong: %(allowed)s.") % {"v": value, "allowed": allowed})


def _months(value) -> list[int]:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        parts = [str(int(value))]
    else:
        parts = [p for p in re.split(r"[,;\s]+", fold(str(value)).replace("thang", " ")) if p]
    months: set[int] = set()
    for part in parts:
        match = re.fullmatch(r"(\d{1,2})(?:-(\d{1,2}))?", part)
        if not match:
            raise CellError(_("“%(v)s” không đúng dạng tháng: ghi “1,2,3” hoặc “8-12”.") % {"v": value})
        start, end = int(match.group(1)), int(match.group(2) or match.group(1))
        if not (1 <= start <= 12 and 1 <= end <= 12):
            raise CellError(_("“%(v)s”: tháng phải từ 1 đến 12.") % {"v": value})
        months.update(range(start, end + 1) if start <= end else [*range(start, 13), *range(1, end + 1)])
    return sorted(months)


def _tax_code(value, warnings: list, column: C.Column) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        text = str(value)
        if len(text) == 9:
            # Excel stored the code as a number and dropped its leading zero (HCMC codes start 03…).
            warnings.append([column.header, _("Ô được nhập dạng số nên mất số 0 ở đầu; đã hiểu là %(code)s. Nên định "
                                              "dạng cột là Văn bản.") % {"code": "0" + text}])
            text = "0" + text
        value = text
    try:
        return normalize_tax_code(str(value))
    except ValidationError as error:
        raise CellError(error.messages[0]) from None


def _gtin(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    try:
        return normalize_gtin(str(value))
    except ValidationError as error:
        raise CellError(error.messages[0]) from None


@lru_cache(maxsize=1)
def _sector_index_cached(stamp) -> dict:
    index = {}
    for sector in Sector.objects.all():
        index[fold(sector.code)] = sector.code
        index[fold(sector.name)] = sector.code
    return index


def _sectors(value) -> list[str]:
    index = _sector_index_cached(tuple(Sector.objects.order_by("pk").values_list("pk", "code", "name")))
    codes, unknown = [], []
    for part in re.split(r"[;\n]+", str(value)):
        part = part.strip()
        if not part:
            continue
        code = index.get(fold(part))
        if code is None:
            unknown.append(part)
        elif code not in codes:
            codes.append(code)
    if unknown:
        raise CellError(_("Lĩnh vực %(names)s không có trong danh mục (xem trang “Danh mục” của mẫu; các lĩnh vực cách "
                          "nhau bằng dấu “;”).") % {"names": ", ".join(f"“{u}”" for u in unknown)})
    return codes


def convert_values(raw_sheet: RawSheet, raw_row) -> tuple[dict, dict, list, list]:
    """(cells shown, values, errors, warnings) of one row, each value converted by its column kind."""
    cells, values, errors, warnings = {}, {}, [], []
    for column in raw_sheet.sheet.columns:
        value = raw_row.cells.get(column.key)
        cells[column.key] = cell_text(value)
        if value is None or (isinstance(value, str) and not value.strip()):
            if column.required:
                errors.append([column.header, _("Bắt buộc phải điền.")])
            continue
        try:
            if column.kind == C.INT:
                values[column.key] = _int(value, column)
            elif column.kind == C.DATE:
                values[column.key] = _date(value).isoformat()
            elif column.kind == C.CHOICE:
                values[column.key] = _choice(value, column)
            elif column.kind == C.LIST:
                values[column.key] = _sectors(value)
            elif column.kind == C.MONTHS:
                values[column.key] = _months(value)
            elif column.kind == C.TAX:
                values[column.key] = _tax_code(value, warnings, column)
            elif column.kind == C.GTIN:
                values[column.key] = _gtin(value)
            else:
                values[column.key] = _text(value)
        except CellError as error:
            errors.append([column.header, error.message])
    return cells, values, errors, warnings


def _model_field_errors(model_cls, values: dict, sheet: C.Sheet, errors: list) -> None:
    """Lengths, e-mail and web address formats: the model's own field validators."""
    fields = {f.name: f for f in model_cls._meta.concrete_fields}
    instance = model_cls()
    checked = []
    for key, value in values.items():
        field = fields.get(key)
        if field is None or field.is_relation or key in ("tax_code", "gtin"):
            continue
        if field.get_internal_type() == "DateField":
            value = datetime.date.fromisoformat(value)
        setattr(instance, field.attname, value)
        checked.append(key)
    exclude = [f for f in fields if f not in checked]
    try:
        instance.clean_fields(exclude=exclude)
    except ValidationError as error:
        for key, messages in error.message_dict.items():
            header = next((c.header for c in sheet.columns if c.key == key), key)
            for message in messages:
                errors.append([header, message])


# --- addresses -------------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _convert(text: str):
    return adminunits.convert_legacy_address(text)


def _ward_dict(ward) -> dict:
    return {"code": ward.code, "name": ward.name}


def resolve_address(values: dict, errors: list, actor) -> dict | None:
    """Where the organisation is, against the current units: from the codes when given, else by
    converting the written address (what was written → what it became)."""
    written = values.get("address", "")
    ward_code, province_code = values.get("ward_code", ""), values.get("province_code", "")
    header = C.ORGANIZATIONS.column("address").header
    if ward_code:
        ward = adminunits.get_ward(ward_code)
        if ward is None:
            errors.append([C.ORGANIZATIONS.column("ward_code").header,
                           _("Mã xã/phường “%(code)s” không có trong danh mục hiện hành.") % {"code": ward_code}])
            return None
        if province_code and province_code != ward.province_code:
            errors.append([C.ORGANIZATIONS.column("ward_code").header,
                           _("Xã/phường “%(ward)s” không thuộc tỉnh/thành phố mã %(code)s.") % {
                               "ward": ward.name, "code": province_code}])
            return None
        return {"written": written, "status": "codes", "ward_code": ward.code, "ward_name": ward.name,
                "province_code": ward.province_code, "province_name": ward.province.name, "candidates": [],
                "message": "", "street": ""}
    if written:
        conv = _convert(written)
        if province_code and conv.province and conv.province.code != province_code:
            errors.append([header, _("Địa chỉ “%(a)s” thuộc %(p)s, khác với mã tỉnh/thành phố %(code)s.") % {
                "a": written, "p": conv.province.name, "code": province_code}])
            return None
        address = {
            "written": written, "status": conv.status, "already_current": conv.already_current,
            "ward_code": conv.ward.code if conv.ward else "", "ward_name": conv.ward.name if conv.ward else "",
            "province_code": conv.province.code if conv.province else "",
            "province_name": conv.province.name if conv.province else "",
            "candidates": [_ward_dict(w) for w in conv.candidates], "message": conv.message, "street": conv.street,
        }
        if conv.failed:
            errors.append([header, _("Không chuyển được địa chỉ “%(a)s” sang đơn vị hành chính hiện hành: %(why)s "
                                     "Hãy ghi rõ xã/phường và tỉnh, hoặc điền cột “Mã xã/phường”.") % {
                "a": written, "why": conv.message or _("không nhận ra xã/phường, tỉnh.")}])
        return address
    if province_code:
        province = adminunits.get_province(province_code)
        if province is None:
            errors.append([C.ORGANIZATIONS.column("province_code").header,
                           _("Mã tỉnh/thành phố “%(code)s” không có trong danh mục hiện hành.") % {"code": province_code}])
            return None
        return {"written": "", "status": "ambiguous", "ward_code": "", "ward_name": "", "province_code": province.code,
                "province_name": province.name, "candidates": [_ward_dict(w) for w in adminunits.wards(province.code)],
                "message": _("Chỉ có mã tỉnh/thành phố: chọn xã/phường hoặc để cán bộ xác định sau."), "street": ""}
    errors.append([header, _("Thiếu địa chỉ: ghi cột “%(a)s” hoặc “Mã xã/phường”.") % {"a": header}])
    return None


# --- building the preview --------------------------------------------------------------------------


def build(raw_sheets: list[RawSheet], *, actor, progress=None) -> dict:
    preview = {"sheets": {}, "columns": {}, "titles": {}}
    total = sum(len(r.rows) for r in raw_sheets)
    done = 0
    today = timezone.localdate()
    officer_province = queries.staff_province(actor)
    for raw in raw_sheets:
        key = raw.sheet.key
        preview["titles"][key] = raw.title
        preview["columns"][key] = [[c.key, c.header] for c in raw.columns]
        rows = []
        for raw_row in raw.rows:
            cells, values, errors, warnings = convert_values(raw, raw_row)
            row = {"row": raw_row.number, "cells": cells, "values": values, "errors": errors, "warnings": warnings,
                   "address": None, "duplicate": None, "options": [], "action": "", "ward_choice": "", "ref": {},
                   "dep_errors": []}
            if key == "organizations":
                _check_organization(row, actor, officer_province, today)
            elif key == "products":
                _model_field_errors(Product, {k: v for k, v in values.items() if k in ("name", "unit", "description")},
                                    raw.sheet, errors)
                if not values.get("producer_tax_code") and not values.get("producer_name"):
                    errors.append([C.PRODUCTS.column("producer_name").header,
                                   _("Ghi mã số thuế hoặc tên đơn vị sản xuất.")])
            elif key == "certifications":
                _check_certification(row)
            rows.append(row)
            done += 1
            if progress and done % 200 == 0:
                progress("checking", done, total)
        preview["sheets"][key] = rows
    _organization_duplicates(preview, actor)
    analyze(preview, actor=actor)
    return preview


def _check_organization(row, actor, officer_province, today):
    values, errors = row["values"], row["errors"]
    _model_field_errors(Organization, {k: v for k, v in values.items() if k not in (
        "sectors", "address", "ward_code", "province_code")}, C.ORGANIZATIONS, errors)
    for key in ("registration_date", "established_on"):
        if values.get(key) and datetime.date.fromisoformat(values[key]) > today:
            errors.append([C.ORGANIZATIONS.column(key).header, _("Ngày %(d)s ở tương lai.") % {
                "d": datetime.date.fromisoformat(values[key]).strftime("%d/%m/%Y")}])
    if values.get("registration_date") and values.get("established_on") and \
            values["registration_date"] < values["established_on"]:
        pass  # registration may precede the start of activity; not an error
    address = resolve_address(values, errors, actor)
    row["address"] = address
    if address and officer_province and address.get("province_code") and address["province_code"] != officer_province:
        errors.append([C.ORGANIZATIONS.column("address").header,
                       _("Địa chỉ thuộc %(p)s, ngoài địa bàn của cơ quan bạn: bạn chỉ nhập được tổ chức thuộc tỉnh/thành "
                         "phố của cơ quan mình.") % {"p": address["province_name"]}])


def _check_certification(row):
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
    _model_field_errors(Certification, {k: v for k, v in values.items() if k in ("number", "issuer", "type_other")},
                        C.CERTIFICATIONS, errors)


def _organization_duplicates(preview, actor) -> None:
    """Same tax code in the database or earlier in the file, or a name close to one in the same
    ward (or province when no ward is known). Fixed after the preview is built."""
    rows = [r for r in preview["sheets"].get("organizations", []) if not r["errors"]]
    tax_codes = [r["values"]["tax_code"] for r in rows if r["values"].get("tax_code")]
    by_tax = {}
    for start in range(0, len(tax_codes), 500):
        for org in Organization.objects.filter(tax_code__in=tax_codes[start:start + 500]).only(
                "id", "name", "tax_code", "province_code", "ward_code"):
            by_tax[org.tax_code] = org
    provinces = {r["address"]["province_code"] for r in rows if r["address"] and r["address"]["province_code"]}
    by_place: dict[str, tuple[list, list]] = {}
    for org in Organization.objects.filter(province_code__in=provinces).only(
            "id", "name", "tax_code", "province_code", "ward_code"):
        key = name_key(org.name)
        for place in (f"w:{org.ward_code}", f"p:{org.province_code}"):
            keys, orgs = by_place.setdefault(place, ([], []))
            keys.append(key)
            orgs.append(org)
    seen_tax, seen_name = {}, {}
    for row in rows:
        values, address = row["values"], row["address"] or {}
        tax = values.get("tax_code")
        place = f"w:{address['ward_code']}" if address.get("ward_code") else f"p:{address.get('province_code', '')}"
        key = (name_key(values["name"]), place)
        if tax and tax in seen_tax:
            row["duplicate"] = {"kind": "file", "row": seen_tax[tax], "label": _("Trùng mã số thuế %(t)s với dòng %(n)s "
                                                                                 "của tệp") % {"t": tax, "n": seen_tax[tax]}}
            continue
        if not tax and key in seen_name:
            row["duplicate"] = {"kind": "file", "row": seen_name[key],
                                "label": _("Trùng tên và địa bàn với dòng %(n)s của tệp") % {"n": seen_name[key]}}
            continue
        if tax:
            seen_tax[tax] = row["row"]
        seen_name.setdefault(key, row["row"])
        target, kind, score = None, "", 100
        if tax and tax in by_tax:
            target, kind = by_tax[tax], "tax_code"
        elif place in by_place:
            keys, orgs = by_place[place]
            # rapidfuzz compares in C against the precomputed keys; the best few are checked for a
            # conflicting tax code (two different codes are two different organisations).
            for _match, found, index in process.extract(key[0], keys, scorer=fuzz.token_sort_ratio,
                                                         score_cutoff=FUZZY_THRESHOLD, limit=10):
                candidate = orgs[index]
                if tax and candidate.tax_code and candidate.tax_code != tax:
                    continue
                if _numbers(key[0]) != _numbers(keys[index]):
                    continue  # "HTX Bình An 1" and "HTX Bình An 2" are two organisations
                target, kind, score = candidate, "name", int(round(found))
                break
        if target is not None:
            editable = actor is None or queries.can_edit_organization(actor, target)
            label = (_("Trùng mã số thuế với “%(name)s” đã có trong sổ") if kind == "tax_code"
                     else _("Tên gần giống “%(name)s” (giống %(score)s%%) cùng địa bàn, đã có trong sổ")) % {
                "name": target.name, "score": score}
            if not editable:
                label += " — " + _("thuộc địa bàn khác, bạn không cập nhật được")
            row["duplicate"] = {"kind": kind, "target_id": target.pk, "target_name": target.name, "score": score,
                                "editable": editable, "label": label}


def _org_options(row) -> tuple[list, str]:
    dup = row["duplicate"]
    if dup is None:
        return [CREATE, SKIP], CREATE
    if dup["kind"] == "file":
        return [SKIP], SKIP
    if not dup.get("editable", True):
        return [SKIP], SKIP
    if dup["kind"] == "name":
        return [MERGE, CREATE, SKIP], MERGE
    return [MERGE, SKIP], MERGE


def _keep_choice(row, options, default):
    row["options"] = options
    if row["action"] not in options:
        row["action"] = default


def analyze(preview: dict, *, actor) -> dict:
    """Options and actions of each row, references between sheets and the duplicates of products
    and certifications, given the current choices. Idempotent."""
    sheets = preview["sheets"]
    _cache().clear()
    orgs = sheets.get("organizations", [])
    for row in orgs:
        if row["errors"]:
            row["options"], row["action"] = [], ""
            continue
        options, default = _org_options(row)
        _keep_choice(row, options, default)
        address = row["address"] or {}
        if address.get("status") != "ambiguous":
            row["ward_choice"] = ""
        elif row["ward_choice"] and row["ward_choice"] not in {c["code"] for c in address["candidates"]}:
            row["ward_choice"] = ""
    org_index = _org_index(orgs)
    products = sheets.get("products", [])
    for row in products:
        row["dep_errors"] = []
        if row["errors"]:
            row["options"], row["action"], row["ref"] = [], "", {}
            continue
        row["ref"] = {"producer": _resolve_org(row, "producer_tax_code", "producer_name", org_index, actor,
                                               C.PRODUCTS)}
    _product_duplicates(products)
    product_index = _product_index(products)
    for row in sheets.get("certifications", []):
        row["dep_errors"] = []
        if row["errors"]:
            row["options"], row["action"], row["ref"] = [], "", {}
            continue
        holder = _resolve_org(row, "organization_tax_code", "organization_name", org_index, actor, C.CERTIFICATIONS)
        row["ref"] = {"organization": holder, "product": None}
        name = row["values"].get("product_name")
        if name and holder:
            row["ref"]["product"] = _resolve_product(row, holder, name, product_index)
    _certification_duplicates(sheets.get("certifications", []))
    return preview


def _org_index(orgs) -> dict:
    index = {}
    for row in orgs:
        index[("num", row["row"])] = row
        values = row["values"]
        for key in ([("tax", values["tax_code"])] if values.get("tax_code") else []) + \
                   ([("name", name_key(values["name"]))] if values.get("name") else []):
            index.setdefault(key, row)
    return index


def _row_by_number(orgs, number):
    return next((r for r in orgs if r["row"] == number), None)


def _resolve_org(row, tax_key, name_key_, org_index, actor, sheet: C.Sheet) -> dict | None:
    """{"db": pk} for an organisation already in the registry, {"row": n} for one created by this
    import; None (with a dependent error on the row) when it cannot be found or is not imported."""
    values = row["values"]
    tax, name = values.get(tax_key), values.get(name_key_)
    header = sheet.column(tax_key if tax else name_key_).header
    file_row = org_index.get(("tax", tax)) if tax else org_index.get(("name", name_key(name)))
    seen = set()
    while file_row is not None and file_row["row"] not in seen:
        seen.add(file_row["row"])
        if file_row["errors"]:
            row["dep_errors"].append([header, _("Đơn vị ở dòng %(n)s của trang Tổ chức có lỗi nên không được nhập.")
                                      % {"n": file_row["row"]}])
            return None
        dup = file_row["duplicate"] or {}
        if file_row["action"] == CREATE:
            return {"row": file_row["row"], "name": file_row["values"]["name"]}
        if dup.get("target_id") and file_row["action"] in (MERGE, SKIP):
            return {"db": dup["target_id"], "name": dup["target_name"]}
        if dup.get("kind") == "file":
            file_row = org_index.get(("num", dup["row"]))
            continue
        row["dep_errors"].append([header, _("Đơn vị ở dòng %(n)s của trang Tổ chức được chọn “Bỏ qua”.")
                                  % {"n": file_row["row"]}])
        return None
    cache_key = ("org", tax or name_key(name))
    lookups = _cache()
    if cache_key in lookups:
        found = lookups[cache_key]
        if found.get("error"):
            row["dep_errors"].append([header, found["error"]])
            return None
        return found
    result = _lookup_org(row, tax, name, header, actor)
    lookups[cache_key] = result or {"error": row["dep_errors"][-1][1]}
    return result


# Database look-ups of one analyze() pass, shared by the rows that name the same organisation
# (per thread: web requests and tasks may analyse at the same time).
_local = threading.local()


def _cache() -> dict:
    if not hasattr(_local, "lookups"):
        _local.lookups = {}
    return _local.lookups


def _lookup_org(row, tax, name, header, actor) -> dict | None:
    scope = queries.editable_organizations(actor) if actor is not None else Organization.objects.all()
    org = None
    if tax:
        org = Organization.objects.filter(tax_code=tax).only("id", "name").first()
    else:
        folded = name_key(name)
        candidates = [o for o in scope.filter(search_text__contains=fold(name)[:60]).only("id", "name")[:20]
                      if name_key(o.name) == folded]
        org = candidates[0] if len(candidates) == 1 else None
        if len(candidates) > 1:
            row["dep_errors"].append([header, _("Có %(n)s đơn vị tên “%(name)s”: hãy ghi mã số thuế.") % {
                "n": len(candidates), "name": name}])
            return None
    if org is None:
        what = _("mã số thuế %(t)s") % {"t": tax} if tax else f"“{name}”"
        row["dep_errors"].append([header, _("Không tìm thấy đơn vị có %(what)s trong trang Tổ chức của tệp hay trong sổ "
                                            "đăng ký.") % {"what": what}])
        return None
    if actor is not None and not queries.can_edit_organization(actor, org):
        row["dep_errors"].append([header, _("Bạn không có quyền cập nhật hồ sơ của “%(name)s”.") % {"name": org.name}])
        return None
    return {"db": org.pk, "name": org.name}


def _ref_key(ref) -> str:
    return f"db:{ref['db']}" if "db" in ref else f"row:{ref['row']}"


def _product_duplicates(products) -> None:
    live = [r for r in products if not r["errors"] and r["ref"].get("producer")]
    gtins = [r["values"]["gtin"] for r in live if r["values"].get("gtin")]
    by_gtin = {p.gtin: p for p in Product.objects.filter(gtin__in=gtins).select_related("producer").only(
        "id", "name", "gtin", "producer__id", "producer__name")} if gtins else {}
    producer_ids = {r["ref"]["producer"]["db"] for r in live if "db" in r["ref"]["producer"]}
    by_producer: dict[int, list] = {}
    for p in Product.objects.filter(producer_id__in=producer_ids).only("id", "name", "gtin", "producer_id"):
        by_producer.setdefault(p.producer_id, []).append(p)
    seen_gtin, seen_name = {}, {}
    for row in products:
        if row["errors"] or not row["ref"].get("producer"):
            row["options"], row["action"], row["duplicate"] = [], "", None
            continue
        values, producer = row["values"], row["ref"]["producer"]
        gtin, key = values.get("gtin"), (_ref_key(producer), name_key(values["name"]))
        dup = None
        if gtin and gtin in seen_gtin:
            dup = {"kind": "file", "row": seen_gtin[gtin], "label": _("Trùng mã GTIN với dòng %(n)s của tệp") % {
                "n": seen_gtin[gtin]}}
        elif key in seen_name:
            dup = {"kind": "file", "row": seen_name[key], "label": _("Trùng tên sản phẩm và đơn vị với dòng %(n)s của "
                                                                     "tệp") % {"n": seen_name[key]}}
        elif gtin and gtin in by_gtin:
            target = by_gtin[gtin]
            dup = {"kind": "gtin", "target_id": target.pk, "target_name": target.name,
                   "label": _("Mã GTIN đã gán cho sản phẩm “%(p)s” của “%(o)s”") % {
                       "p": target.name, "o": target.producer.name}}
            if "db" not in producer or target.producer_id != producer["db"]:
                dup["editable"] = False
                dup["label"] += " — " + _("của đơn vị khác, không cập nhật được")
        elif "db" in producer:
            best = None
            for p in by_producer.get(producer["db"], []):
                if gtin and p.gtin and p.gtin != gtin:
                    continue
                s = similarity(values["name"], p.name)
                if s >= FUZZY_THRESHOLD and (best is None or s > best[0]):
                    best = (s, p)
            if best:
                dup = {"kind": "name", "target_id": best[1].pk, "target_name": best[1].name, "score": best[0],
                       "label": _("Tên gần giống sản phẩm “%(p)s” (giống %(s)s%%) của cùng đơn vị") % {
                           "p": best[1].name, "s": best[0]}}
        if gtin:
            seen_gtin.setdefault(gtin, row["row"])
        seen_name.setdefault(key, row["row"])
        row["duplicate"] = dup
        _keep_choice(row, *_org_options(row))


def _product_index(products) -> dict:
    index = {}
    for row in products:
        if row["errors"] or not row["ref"].get("producer") or row["action"] == "":
            continue
        key = (_ref_key(row["ref"]["producer"]), name_key(row["values"]["name"]))
        index.setdefault(key, row)
    return index


def _resolve_product(row, holder, name, product_index) -> dict | None:
    header = C.CERTIFICATIONS.column("product_name").header
    file_row = product_index.get((_ref_key(holder), name_key(name)))
    if file_row is not None:
        dup = file_row["duplicate"] or {}
        if file_row["action"] == CREATE:
            return {"row": file_row["row"], "name": file_row["values"]["name"]}
        if dup.get("target_id") and file_row["action"] in (MERGE, SKIP):
            return {"db": dup["target_id"], "name": dup["target_name"]}
    if "db" in holder:
        key = ("products", holder["db"])
        lookups = _cache()
        if key not in lookups:
            lookups[key] = {name_key(p.name): {"db": p.pk, "name": p.name}
                             for p in Product.objects.filter(producer_id=holder["db"]).only("id", "name")}
        found = lookups[key].get(name_key(name))
        if found:
            return found
    row["dep_errors"].append([header, _("Không tìm thấy sản phẩm “%(p)s” của “%(o)s” (trong trang Sản phẩm của tệp hay "
                                        "trong sổ).") % {"p": name, "o": holder["name"]}])
    return None


def _certification_duplicates(certs) -> None:
    holders = set()
    for row in certs:
        holder = row["ref"].get("organization") if not row["errors"] else None
        if holder and "db" in holder:
            holders.add(holder["db"])
    existing: dict[int, list] = {}
    for cert in Certification.objects.filter(organization_id__in=holders).only(
            "id", "organization_id", "type", "number", "issue_date", "product_id"):
        existing.setdefault(cert.organization_id, []).append(cert)
    seen = {}
    for row in certs:
        if row["errors"] or not row["ref"].get("organization") or row["dep_errors"]:
            row["options"], row["action"], row["duplicate"] = [], "", None
            continue
        values, holder = row["values"], row["ref"]["organization"]
        number = fold(values.get("number", ""))
        key = (_ref_key(holder), values["type"], number or values["issue_date"])
        dup = None
        if key in seen:
            dup = {"kind": "file", "row": seen[key], "label": _("Trùng chứng nhận ở dòng %(n)s của tệp") % {"n": seen[key]}}
        elif "db" in holder:
            for cert in existing.get(holder["db"], []):
                same = fold(cert.number) == number if number else (
                    not cert.number and cert.issue_date.isoformat() == values["issue_date"])
                if cert.type == values["type"] and same:
                    dup = {"kind": "number", "target_id": cert.pk, "target_name": str(cert),
                           "label": _("Chứng nhận “%(c)s” của đơn vị này đã có trong sổ") % {"c": cert}}
                    break
        seen.setdefault(key, row["row"])
        row["duplicate"] = dup
        _keep_choice(row, *_org_options(row))


# --- status and counts ----------------------------------------------------------------------------


def row_errors(row) -> list:
    return row["errors"] + row.get("dep_errors", [])


def row_status(row) -> str:
    if row_errors(row):
        return "error"
    return row["action"] or "error"


def counts(preview: dict) -> dict:
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


def all_errors(preview: dict) -> list[str]:
    """Every error as one line: "Trang “Tổ chức”, dòng 7, cột “Mã số thuế”: …"."""
    lines = []
    for key, rows in preview["sheets"].items():
        title = preview["titles"].get(key, key)
        for row in rows:
            for header, message in row_errors(row):
                lines.append(_("Trang “%(s)s”, dòng %(r)s, cột “%(c)s”: %(m)s") % {
                    "s": title, "r": row["row"], "c": header, "m": message})
    return lines
