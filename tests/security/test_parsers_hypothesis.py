"""Hypothesis on the parsers that had no property test yet (Digital Link, money, addresses, identifiers
and validators have theirs: tests/resolver/test_conformance.py, tests/resolver/test_compression.py,
tests/core/test_money.py, tests/core/test_adminunits.py, tests/core/test_identifiers.py,
tests/registry/test_validators.py). Property: any input gets an answer (errors listed, or the documented
refusal), never an unexpected exception.
"""

from __future__ import annotations

import copy
import datetime
import tempfile
import zipfile
from pathlib import Path

from hypothesis import given, settings as hsettings, strategies as st

from htxconnect.registry.importer import filecheck, parse
from htxconnect.trace.epcis.capture import check_document
from tests.trace.conftest import make_document, object_event

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)
EVENT_FIELDS = ["type", "eventID", "eventTime", "eventTimeZoneOffset", "action", "bizStep", "disposition", "epcList",
                "readPoint", "bizLocation", "quantityList", "bizTransactionList", "sourceList", "destinationList",
                "sensorElementList", "errorDeclaration", "certificationInfo", "ilmd", "parentID", "childEPCs"]


@given(JSON)
def test_any_json_value_gets_a_list_of_errors(document):
    checked = check_document(document)
    assert isinstance(checked.errors, list)
    if not isinstance(document, dict):
        assert checked.errors


@given(st.sampled_from(EVENT_FIELDS), JSON, st.sampled_from(["EPCISDocument", "EPCISQueryDocument"]))
def test_a_valid_document_with_any_field_replaced_gets_an_answer(field, value, kind):
    document = make_document([object_event(1, epcList=["urn:epc:id:sgtin:893777001.0001.MT-1"])])
    document["type"] = kind
    if kind == "EPCISQueryDocument":
        events = document["epcisBody"].pop("eventList")
        document["epcisBody"]["queryResults"] = {"queryName": "q", "resultsBody": {"eventList": events}}
        target = events[0]
    else:
        target = document["epcisBody"]["eventList"][0]
    target[field] = copy.deepcopy(value)
    checked = check_document(document)
    assert all(isinstance(error, dict) and error.get("title") for error in checked.errors)


@hsettings(max_examples=60)
@given(st.binary(max_size=2048), st.sampled_from([b"", b"PK\x03\x04", b"PK\x05\x06", filecheck.OLE2_MAGIC]))
def test_any_bytes_uploaded_as_xlsx_are_refused_with_a_reason_or_read(content, prefix):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "tep.xlsx"
        path.write_bytes(prefix + content)
        try:
            filecheck.check_content(path)
            parse.read_workbook(path)
        except filecheck.FileRefused as refused:
            assert refused.message and refused.code


@hsettings(max_examples=40)
@given(st.dictionaries(st.sampled_from(["[Content_Types].xml", "xl/workbook.xml", "xl/worksheets/sheet1.xml",
                                        "xl/_rels/workbook.xml.rels", "_rels/.rels", "xl/sharedStrings.xml"]),
                       st.binary(max_size=300), min_size=1))
def test_any_zip_of_workbook_parts_is_refused_with_a_reason_or_read(parts):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "tep.xlsx"
        with zipfile.ZipFile(path, "w") as archive:
            for name, data in parts.items():
                archive.writestr(name, data)
        try:
            filecheck.check_content(path)
            parse.read_workbook(path)
        except filecheck.FileRefused as refused:
            assert refused.message and refused.code


CELLS = (st.none() | st.booleans() | st.integers() | st.floats() | st.text() | st.decimals(allow_nan=False)
         | st.datetimes() | st.dates() | st.times() | st.timedeltas())


@given(CELLS)
def test_any_cell_value_reads_as_text(value):
    text = parse.cell_text(value)
    assert isinstance(text, str)


@given(st.integers(min_value=0, max_value=10**15))
def test_whole_numbers_in_cells_read_without_a_decimal_point(number):
    # Excel stores every number as a float; a tax code or a count typed as a number is read as typed.
    assert parse.cell_text(float(number)) == str(number) or number > 2**53
    assert parse.cell_text(datetime.date(2026, 11, 28)) != ""
