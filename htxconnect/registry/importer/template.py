"""The downloadable import template: one sheet per record type with Vietnamese headers (required
ones marked *), drop-down lists for coded columns, text format for codes (so Excel keeps the
leading zero of a tax code), an instructions sheet and a lists sheet."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from htxconnect.core.spreadsheet import set_text

from ..models import Sector
from . import columns as C

HEADER_FILL = PatternFill("solid", fgColor="1F6F43")
REQUIRED_FILL = PatternFill("solid", fgColor="B03A2E")
HEADER_FONT = Font(bold=True, color="FFFFFF")
TEXT_KINDS = (C.TAX, C.GTIN, C.TEXT)
TEMPLATE_ROWS = 2000  # rows prepared with formats and drop-downs


def style_header(ws, sheet: C.Sheet) -> None:
    for index, column in enumerate(sheet.columns, start=1):
        cell = ws.cell(row=1, column=index, value=column.title)
        cell.font = HEADER_FONT
        cell.fill = REQUIRED_FILL if column.required else HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        ws.column_dimensions[get_column_letter(index)].width = column.width
    ws.freeze_panes = "A2"
    ws.row_dimensions[1].height = 32


def _lists_sheet(wb) -> dict[str, str]:
    """The hidden-in-plain-sight sheet of allowed values; returns column key → range formula."""
    ws = wb.create_sheet(C.LISTS_TITLE)
    ranges = {}
    col = 1
    for sheet in C.SHEETS:
        for column in sheet.columns:
            if column.kind != C.CHOICE or column.key in ranges:
                continue
            ws.cell(row=1, column=col, value=column.header).font = Font(bold=True)
            for i, (_code, label) in enumerate(column.choices, start=2):
                set_text(ws, i, col, label)
            letter = get_column_letter(col)
            ranges[column.key] = f"{quote_sheetname(C.LISTS_TITLE)}!${letter}$2:${letter}${len(column.choices) + 1}"
            ws.column_dimensions[letter].width = 30
            col += 1
    ws.cell(row=1, column=col, value="Lĩnh vực (tên)").font = Font(bold=True)
    ws.cell(row=1, column=col + 1, value="Lĩnh vực (mã)").font = Font(bold=True)
    for i, sector in enumerate(Sector.objects.all(), start=2):
        set_text(ws, i, col, sector.name)
        set_text(ws, i, col + 1, sector.code)
    ws.column_dimensions[get_column_letter(col)].width = 30
    ws.column_dimensions[get_column_letter(col + 1)].width = 20
    return ranges


def _validations(ws, sheet: C.Sheet, ranges: dict) -> None:
    for index, column in enumerate(sheet.columns, start=1):
        letter = get_column_letter(index)
        area = f"{letter}2:{letter}{TEMPLATE_ROWS + 1}"
        dv = None
        if column.kind == C.CHOICE:
            dv = DataValidation(type="list", formula1=ranges[column.key], allow_blank=not column.required)
            dv.error = f"Chọn “{column.header}” trong danh sách."
        elif column.kind == C.DATE:
            dv = DataValidation(type="date", operator="between", formula1="DATE(1900,1,1)",
                                formula2="DATE(2100,12,31)", allow_blank=True)
            dv.error = "Ghi ngày theo dạng dd/mm/yyyy."
            for row in range(2, TEMPLATE_ROWS + 2):
                ws.cell(row=row, column=index).number_format = "DD/MM/YYYY"
        elif column.kind == C.INT:
            dv = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
            dv.error = "Ghi số nguyên không âm."
        elif column.kind in (C.TAX, C.GTIN) or column.key.endswith("_code"):
            for row in range(2, TEMPLATE_ROWS + 2):
                ws.cell(row=row, column=index).number_format = "@"
        if dv is not None:
            dv.errorTitle = "Giá trị không hợp lệ"
            dv.showErrorMessage = True
            dv.prompt = column.help or None
            ws.add_data_validation(dv)
            dv.add(area)


def _instructions(ws) -> None:
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = 12
    ws.column_dimensions["C"].width = 70
    ws.column_dimensions["D"].width = 36
    lines = [
        ("MẪU NHẬP SỔ ĐĂNG KÝ HTX CONNECT", "", "", ""),
        ("Cách dùng", "", "Điền mỗi tổ chức / sản phẩm / chứng nhận trên một dòng, từ dòng 2 của trang tương ứng. "
         "Không đổi tên trang, không đổi dòng tiêu đề; có thể xóa các cột không dùng (trừ cột có dấu *). "
         "Chỉ nhập giá trị, không dùng công thức; lưu dạng .xlsx (không macro), tối đa 10 MB.", ""),
        ("", "", "Hệ thống kiểm tra từng dòng và cho xem trước: lỗi theo dòng và cột, địa chỉ theo đơn vị cũ được "
         "chuyển sang xã/phường hiện hành, tổ chức trùng (cùng mã số thuế hoặc tên gần giống cùng địa bàn) được "
         "đề nghị cập nhật thay vì tạo mới. Chỉ khi bấm “Nhập” mới ghi vào sổ: nhập tất cả dòng hợp lệ hoặc không "
         "nhập gì. Nhập lại cùng một tệp không tạo bản ghi trùng.", ""),
        ("", "", "Sản phẩm và chứng nhận gắn với tổ chức qua mã số thuế (hoặc tên nếu chưa có mã số thuế) — tổ chức "
         "có thể ở trang “Tổ chức” của cùng tệp hoặc đã có trong sổ.", ""),
        ("", "", "", ""),
        ("Cột", "Bắt buộc", "Cách ghi", "Ví dụ"),
    ]
    for sheet in C.SHEETS:
        lines.append((f"Trang “{sheet.title}”", "", "", ""))
        for column in sheet.columns:
            help_text = column.help
            if column.kind == C.CHOICE:
                help_text = (help_text + " " if help_text else "") + "Giá trị: " + "; ".join(l for _c, l in column.choices)
            lines.append((column.header, "Có" if column.required else "", help_text, column.example))
    for r, values in enumerate(lines, start=1):
        for c, value in enumerate(values, start=1):
            cell = set_text(ws, r, c, value)  # an example such as "+84…" stays text
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        if values[0].startswith("Trang “") or values[0] in ("Cột", "Cách dùng") or r == 1:
            ws.cell(row=r, column=1).font = Font(bold=True, size=14 if r == 1 else 11)
            if values[0] == "Cột":
                for c in range(1, 5):
                    ws.cell(row=r, column=c).font = Font(bold=True)


def build_template() -> bytes:
    wb = Workbook()
    instructions = wb.active
    instructions.title = C.INSTRUCTIONS_TITLE
    _instructions(instructions)
    sheets = [wb.create_sheet(sheet.title) for sheet in C.SHEETS]
    ranges = _lists_sheet(wb)
    for ws, sheet in zip(sheets, C.SHEETS):
        style_header(ws, sheet)
        _validations(ws, sheet, ranges)
    wb.active = 1
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
