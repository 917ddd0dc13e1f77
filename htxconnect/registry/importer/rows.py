"""The shapes of an import preview: JSON-safe typed dicts, because the preview is stored whole
in the job file between the check, the user's choices and the commit (importer/jobs.py).

    Preview = {"sheets": {sheet key: [Row, …]}, "columns": {sheet key: [[key, header], …]},
               "titles": {sheet key: title as written}}
"""

from __future__ import annotations

from typing import Literal, NotRequired, TypedDict

from django.utils.translation import gettext_lazy

CREATE, MERGE, SKIP = "create", "merge", "skip"
Action = Literal["create", "merge", "skip", ""]
ACTION_LABELS = {CREATE: gettext_lazy("Tạo mới"), MERGE: gettext_lazy("Cập nhật bản đã có"), SKIP: gettext_lazy("Bỏ qua")}

# [column header, message]: JSON has no tuples, so pairs are two-item lists.
Problem = list[str]


class Address(TypedDict):
    """Where an organisation is against the current units, and what was written."""

    written: str
    status: str  # "codes" | "converted" | "ambiguous" | "failed"
    ward_code: str
    ward_name: str
    province_code: str
    province_name: str
    candidates: list[dict]  # [{"code", "name"}] when the ward is ambiguous
    message: str
    street: str
    already_current: NotRequired[bool]


class Duplicate(TypedDict):
    """What a row duplicates: a row earlier in the file (kind "file", with `row`) or a record
    already in the registry (`target_id`), found by tax code, GTIN, number or a similar name."""

    kind: str  # "file" | "tax_code" | "name" | "gtin" | "number"
    label: str
    row: NotRequired[int]
    target_id: NotRequired[int]
    target_name: NotRequired[str]
    score: NotRequired[int]
    editable: NotRequired[bool]


class Ref(TypedDict, total=False):
    """A reference to another record: {"db": pk} already in the registry, {"row": n} created by
    this import, or {"new": name} that the commit creates (an OCOP product not yet registered)."""

    db: int
    row: int
    new: str
    name: str


class Row(TypedDict):
    row: int  # row number as Excel shows it
    cells: dict[str, str]  # what the user typed, as text
    values: dict[str, object]  # converted values (JSON: dates as ISO strings)
    errors: list[Problem]  # the row's own errors
    dep_errors: list[Problem]  # errors from the rows it refers to (recomputed by analyze())
    warnings: list[Problem]
    address: Address | None
    duplicate: Duplicate | None
    options: list[str]
    action: str
    ward_choice: str
    ref: dict[str, Ref | None]


class Preview(TypedDict):
    sheets: dict[str, list[Row]]
    columns: dict[str, list[list[str]]]
    titles: dict[str, str]


def new_row(number: int, cells: dict, values: dict, errors: list, warnings: list) -> Row:
    return Row(row=number, cells=cells, values=values, errors=errors, dep_errors=[], warnings=warnings, address=None,
               duplicate=None, options=[], action="", ward_choice="", ref={})


def row_errors(row: Row) -> list[Problem]:
    return row["errors"] + row.get("dep_errors", [])


def row_status(row: Row) -> str:
    """"error", or the action chosen for the row."""
    if row_errors(row):
        return "error"
    return row["action"] or "error"


def ref_key(ref: Ref) -> str:
    if "db" in ref:
        return f"db:{ref['db']}"
    if "row" in ref:
        return f"row:{ref['row']}"
    return f"new:{ref['new']}"
