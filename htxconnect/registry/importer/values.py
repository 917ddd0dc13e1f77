"""Cell values of an import row: each typed by its column (numbers, dates, lists of months, tax
codes, GTINs, choices, sectors) and checked, errors named by column. No database writes; the
only reads are the sector catalogue (loaded once per file by `sector_index()`) and the model
field validators."""

from __future__ import annotations

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from openpyxl.utils.datetime import from_excel

from htxconnect.core.text import fold

from ..models import Sector
from ..validators import normalize_gtin, normalize_tax_code
from . import columns as C
from .parse import RawRow, RawSheet, cell_text

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


def sector_index() -> dict[str, str]:
    """Folded sector name or code → code, read once per file."""
    index = {}
    for code, name in Sector.objects.values_list("code", "name"):
        index[fold(code)] = code
        index[fold(name)] = code
    return index


def _sectors(value, index: dict[str, str]) -> list[str]:
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


def convert_values(raw_sheet: RawSheet, raw_row: RawRow, sectors: dict[str, str]) -> tuple[dict, dict, list, list]:
    """(cells shown, values, errors, warnings) of one row, each value converted by its column kind;
    `sectors` is `sector_index()`."""
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
                values[column.key] = _sectors(value, sectors)
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


def model_field_errors(model_cls, values: dict, sheet: C.Sheet, errors: list) -> None:
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
