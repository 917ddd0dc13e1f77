"""Reading a registry workbook into plain rows: sheet and header matching, formula refusal,
cell values converted to Python (text, numbers, dates). No validation of the values here."""

from __future__ import annotations

import datetime
import warnings
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from .columns import IGNORED_HEADERS, IGNORED_SHEETS, ORGANIZATIONS, SHEETS, Column, Sheet, header_key
from .filecheck import FileRefused

MAX_ROWS_PER_SHEET = 20000


@dataclass
class RawRow:
    number: int  # row number as Excel shows it (header = 1)
    cells: dict[str, object]  # column key → cell value (str/int/float/date/datetime/None)


@dataclass
class RawSheet:
    sheet: Sheet
    title: str  # as written in the workbook
    columns: list[Column] = field(default_factory=list)
    rows: list[RawRow] = field(default_factory=list)


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)


def _match_sheet(title: str) -> Sheet | None:
    key = header_key(title)
    return next((s for s in SHEETS if header_key(s.title) == key or s.key == key), None)


def _open(path):
    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about unsupported extensions (data validation…)
            return load_workbook(path, read_only=True, data_only=False)
    except Exception:  # openpyxl raises many kinds of errors on a damaged file
        raise FileRefused(_("Không đọc được tệp .xlsx (tệp bị hỏng hoặc không phải bảng tính Excel). Hãy mở tệp "
                            "trong Excel và lưu lại thành .xlsx."), "corrupt") from None


def read_sheet(path, sheet: Sheet, ignored_sheets=IGNORED_SHEETS) -> RawSheet:
    """One sheet of another importer's workbook (e.g. the programs' supports), read with the same
    rules as the registry's: the sheet named `sheet.title`, else the first sheet that is not an
    instructions/lists sheet; headers matched whatever their case or accents; formulas refused."""
    workbook = _open(path)
    try:
        worksheet = next((ws for ws in workbook.worksheets if header_key(ws.title) == header_key(sheet.title)), None)
        if worksheet is None:
            worksheet = next((ws for ws in workbook.worksheets if header_key(ws.title) not in ignored_sheets), None)
        if worksheet is None:
            raise FileRefused(_("Không thấy trang dữ liệu “%(name)s”. Hãy dùng mẫu nhập liệu của hệ thống.")
                              % {"name": sheet.title}, "no_sheet")
        raw = _read_sheet(sheet, worksheet, None)
    finally:
        workbook.close()
    if not raw.rows:
        raise FileRefused(_("Tệp không có dòng dữ liệu nào (chỉ có dòng tiêu đề). Hãy điền dữ liệu từ dòng 2."),
                          "no_rows")
    return raw


def read_workbook(path, progress=None) -> list[RawSheet]:
    """The known sheets of the workbook with their rows; FileRefused when the workbook as a
    whole cannot be imported (formulas, wrong columns, no data)."""
    workbook = _open(path)
    try:
        found: list[tuple[Sheet, object]] = []
        for worksheet in workbook.worksheets:
            sheet = _match_sheet(worksheet.title)
            if sheet is not None and all(s is not sheet for s, _ws in found):
                found.append((sheet, worksheet))
        if not found:
            # A single-sheet file with the organisation headers but another sheet name is accepted.
            first = workbook.worksheets[0] if workbook.worksheets else None
            if first is not None and header_key(first.title) not in IGNORED_SHEETS:
                header = next(first.iter_rows(min_row=1, max_row=1, values_only=True), ())
                if any(header_key(v) == header_key("Tên tổ chức") for v in header):
                    found.append((ORGANIZATIONS, first))
        if not found:
            raise FileRefused(
                _("Không thấy trang dữ liệu nào: tệp phải có ít nhất một trang tên “%(names)s”. Hãy dùng mẫu nhập liệu "
                  "của hệ thống.") % {"names": "”, “".join(s.title for s in SHEETS)},
                "no_sheet",
            )
        result = [_read_sheet(sheet, worksheet, progress) for sheet, worksheet in found]
    finally:
        workbook.close()
    if not any(raw.rows for raw in result):
        raise FileRefused(_("Tệp không có dòng dữ liệu nào (chỉ có dòng tiêu đề). Hãy điền dữ liệu từ dòng 2."),
                          "no_rows")
    return result


def _read_sheet(sheet: Sheet, worksheet, progress) -> RawSheet:
    raw = RawSheet(sheet=sheet, title=worksheet.title)
    rows = worksheet.iter_rows()
    header_cells = next(rows, ())
    known = sheet.by_header()
    positions: dict[int, Column] = {}
    unknown, seen = [], {}
    for index, cell in enumerate(header_cells, start=1):
        if getattr(cell, "data_type", None) == "f":
            raise _formula(worksheet.title, cell)
        value = cell.value
        if value is None or str(value).strip() == "" or header_key(value) in IGNORED_HEADERS:
            continue
        column = known.get(header_key(value))
        if column is None:
            unknown.append(f"“{str(value).strip()}” ({_('cột')} {_column_letter(index)})")
            continue
        if column.key in seen:
            raise FileRefused(_("Trang “%(sheet)s” có hai cột cùng tên “%(header)s” (cột %(a)s và %(b)s). Hãy xóa "
                                "một cột.") % {"sheet": worksheet.title, "header": column.header,
                                               "a": _column_letter(seen[column.key]), "b": _column_letter(index)},
                              "columns")
        seen[column.key] = index
        positions[index] = column
    missing = [c for c in sheet.columns if c.required and c.key not in seen]
    if missing or unknown:
        parts = []
        if missing:
            parts.append(_("thiếu cột bắt buộc %(cols)s") % {"cols": ", ".join(f"“{c.header}”" for c in missing)})
        if unknown:
            parts.append(_("có cột không thuộc mẫu %(cols)s") % {"cols": ", ".join(unknown)})
        raise FileRefused(
            _("Trang “%(sheet)s” không đúng mẫu: %(problems)s. Dòng 1 phải là tiêu đề cột như trong mẫu nhập liệu "
              "(tải mẫu ở trang nhập).") % {"sheet": worksheet.title, "problems": "; ".join(parts)},
            "columns",
        )
    raw.columns = [positions[i] for i in sorted(positions)]
    for number, cells in enumerate(rows, start=2):
        values = {}
        for index, cell in enumerate(cells, start=1):
            if getattr(cell, "data_type", None) == "f":
                raise _formula(worksheet.title, cell)
            column = positions.get(index)
            if column is None:
                continue
            value = cell.value
            if isinstance(value, str):
                value = value.strip()
                if value == "":
                    value = None
            values[column.key] = value
        if all(v is None for v in values.values()):
            continue
        if len(raw.rows) >= MAX_ROWS_PER_SHEET:
            raise FileRefused(_("Trang “%(sheet)s” có hơn %(n)s dòng dữ liệu: hãy chia thành nhiều tệp.")
                              % {"sheet": worksheet.title, "n": f"{MAX_ROWS_PER_SHEET:,}".replace(",", ".")}, "too_big")
        raw.rows.append(RawRow(number, values))
        if progress and len(raw.rows) % 200 == 0:
            progress("reading", len(raw.rows), 0)
    return raw


def _formula(title: str, cell) -> FileRefused:
    formula = str(getattr(cell.value, "text", None) or cell.value or "")
    return FileRefused(
        _("Trang “%(sheet)s”, ô %(cell)s chứa công thức (%(formula)s). Hệ thống chỉ nhận giá trị, không nhận công thức: "
          "hãy chọn các ô, Sao chép rồi Dán đặc biệt → Giá trị (Paste Special → Values), lưu và tải lên lại.")
        % {"sheet": title, "cell": cell.coordinate, "formula": formula[:60]},
        "formula",
    )


def cell_text(value) -> str:
    """A cell value as a person would read it in the preview."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = value.date() if value.time() == datetime.time(0) else value
        return value.strftime("%d/%m/%Y") if isinstance(value, datetime.date) and not isinstance(
            value, datetime.datetime) else value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
