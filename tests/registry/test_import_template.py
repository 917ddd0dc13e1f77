"""The import template explains itself with an example for each column: every example must be a
value its own column accepts, and one row of examples per sheet must import as a whole (the
product's producer is the example organisation, and so on)."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from htxconnect.registry.importer import analysis, columns as C, pipeline
from htxconnect.registry.importer.parse import RawRow, RawSheet
from htxconnect.registry.importer.template import build_template
from htxconnect.registry.importer.values import convert_values, sector_index
from tests.registry.fixtures.workbooks import workbook

pytestmark = pytest.mark.django_db

COLUMNS = [(sheet, column) for sheet in C.SHEETS for column in sheet.columns if column.example]


@pytest.mark.parametrize("sheet, column", COLUMNS, ids=[f"{s.key}.{c.key}" for s, c in COLUMNS])
def test_each_example_is_accepted_by_its_column(sheet, column):
    raw = RawSheet(sheet=sheet, title=sheet.title, columns=list(sheet.columns))
    _cells, values, errors, _warnings = convert_values(raw, RawRow(2, {column.key: column.example}), sector_index())
    assert [e for e in errors if e[0] == column.header] == []
    assert column.key in values


def test_examples_of_coded_columns_are_in_their_lists():
    for sheet in C.SHEETS:
        for column in sheet.columns:
            if column.kind == C.CHOICE and column.example:
                assert column.example in [label for _code, label in column.choices], (sheet.key, column.key)


def test_a_row_of_examples_on_every_sheet_imports_without_errors(tmp_path, users):
    rows = {sheet.key: [{c.key: c.example for c in sheet.columns if c.example}] for sheet in C.SHEETS}
    path = tmp_path / "examples.xlsx"
    path.write_bytes(workbook(rows))
    preview = pipeline.preview_file(path, actor=users["admin"])
    assert analysis.all_errors(preview) == []
    assert {key: counts["ok"] for key, counts in analysis.counts(preview).items() if key != "addresses"} == {
        "organizations": 1, "products": 1, "certifications": 1, "ocop": 1}


def test_instructions_list_each_column_with_its_example():
    wb = load_workbook(io.BytesIO(build_template()))
    lines = {(row[0], row[3]) for row in wb["Hướng dẫn"].iter_rows(values_only=True)}
    for sheet in C.SHEETS:
        for column in sheet.columns:
            assert (column.header, column.example or None) in lines, (sheet.key, column.key)
