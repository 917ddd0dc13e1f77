"""Excel export of program lists (supports, applications, loans), one streamed sheet each.

Text that a spreadsheet would read as a formula ("=…", "+…", "-…", "@…", tab or carriage return
first) is written as text with a leading apostrophe, so an exported name cannot run in Excel.
"""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill

HEADER_FILL = PatternFill("solid", fgColor="1F6F43")
HEADER_FONT = Font(bold=True, color="FFFFFF")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe(value):
    """A cell value that a spreadsheet shows as written and never evaluates."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def workbook(title: str, headers: list[str], rows) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title[:31])
    header = []
    for text in headers:
        cell = WriteOnlyCell(ws, value=text)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        header.append(cell)
    ws.append(header)
    for row in rows:
        ws.append([safe(v) for v in row])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def supports_rows(supports):
    for s in supports:
        yield [s.given_on, s.organization.name, s.get_kind_display(), s.title, s.amount_state, s.amount_counterpart,
               s.participants, s.program.name if s.program_id else "", str(s.group) if s.group_id else "",
               s.agency.name, s.note]


SUPPORT_HEADERS = ["Ngày", "Đơn vị được hỗ trợ", "Loại hỗ trợ", "Nội dung", "Ngân sách nhà nước (đồng)",
                   "Đối ứng (đồng)", "Lượt người", "Chương trình", "Nhóm nội dung", "Cơ quan ghi nhận", "Ghi chú"]


def applications_rows(applications):
    for a in applications:
        yield [a.pk, a.organization.name, a.title, a.item.policy.number, a.item.name, a.amount_requested,
               a.get_state_display(), a.submitted_at.date() if a.submitted_at else None, a.due_on]


APPLICATION_HEADERS = ["Số hồ sơ", "HTX đề nghị", "Nội dung", "Chính sách", "Nội dung hỗ trợ",
                       "Số tiền đề nghị (đồng)", "Trạng thái", "Ngày nộp", "Hạn xử lý"]
