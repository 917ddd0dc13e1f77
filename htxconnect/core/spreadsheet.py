"""Cells of every spreadsheet the platform writes (xlsx, CSV): text a spreadsheet program would
read as a formula is written as text (OWASP "CSV injection").

A value that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is a formula to Excel,
LibreOffice and Google Sheets. In xlsx the cell is written as a string cell (never a formula cell)
with the "quote prefix" style, so the program shows the text and keeps it text when someone edits
the cell; the value itself is unchanged, so an export still imports back as it was. CSV has no
cell types: there the value gets a leading apostrophe, as OWASP recommends.
"""

from __future__ import annotations

from openpyxl.cell import WriteOnlyCell

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(value) -> bool:
    """True for text a spreadsheet program would evaluate (numbers are never formulas)."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def text_cell(ws, value, *, number_format: str | None = None):
    """A write-only xlsx cell holding `value`; text is always a string cell, never a formula."""
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        mark_text(cell)
    if number_format:
        cell.number_format = number_format
    return cell


def mark_text(cell) -> None:
    """Make a cell that holds text a string cell, quote-prefixed when it would read as a formula.

    openpyxl turns any string starting with "=" into a formula cell; forcing the data type back
    to "s" writes the text as text, and quotePrefix keeps Excel from re-reading it as a formula
    when the cell is edited."""
    if not isinstance(cell.value, str):
        return
    cell.data_type = "s"
    if looks_like_formula(cell.value):
        cell.quotePrefix = True


def set_text(ws, row: int, column: int, value):
    """`ws.cell(row, column, value)` for a normal (not write-only) worksheet, text kept as text."""
    cell = ws.cell(row=row, column=column)
    cell.value = value
    mark_text(cell)
    return cell


def csv_value(value):
    """A value for a CSV cell: formula-like text gets a leading apostrophe."""
    if looks_like_formula(value):
        return "'" + value
    return value
