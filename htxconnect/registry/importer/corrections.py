"""The rows that could not be imported, as a workbook to fix and upload again: the template's
sheets and headers, each bad row as the user typed it, and a last column naming its errors
(which the importer reads past, columns.ERRORS_HEADER)."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from htxconnect.core.spreadsheet import set_text

from . import columns as C
from .rows import Preview, row_errors
from .template import style_header

ERROR_FILL = PatternFill("solid", fgColor="FDECEA")


def text_cell(ws, row: int, column: int, value: str):
    """A cell that is text whatever it starts with (=, +, -, @, tab, CR: core.spreadsheet)."""
    cell = set_text(ws, row, column, value)
    cell.number_format = "@"
    return cell


def error_count(preview: Preview) -> int:
    return sum(1 for rows in preview["sheets"].values() for row in rows if row_errors(row))


def errors_workbook(preview: Preview, sheets: tuple[C.Sheet, ...] = C.SHEETS) -> bytes:
    """`sheets`: the sheet definitions of the importer whose preview this is (the registry's by default)."""
    wb = Workbook()
    wb.remove(wb.active)
    for sheet in sheets:
        bad = [row for row in preview["sheets"].get(sheet.key, []) if row_errors(row)]
        if not bad:
            continue
        ws = wb.create_sheet(sheet.title)
        style_header(ws, sheet)
        notes = len(sheet.columns) + 1
        header = ws.cell(row=1, column=notes, value=C.ERRORS_HEADER)
        header.font = Font(bold=True, color="B03A2E")
        ws.column_dimensions[header.column_letter].width = 60
        for index, row in enumerate(bad, start=2):
            for position, column in enumerate(sheet.columns, start=1):
                text = row["cells"].get(column.key, "")
                if text:
                    text_cell(ws, index, position, text)
            lines = [f"Dòng {row['row']} — {column}: {message}" for column, message in row_errors(row)]
            note = text_cell(ws, index, notes, "\n".join(lines))
            note.alignment = Alignment(wrap_text=True, vertical="top")
            note.fill = ERROR_FILL
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
