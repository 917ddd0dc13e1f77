"""Excel import of support records, with the registry import's rules (registry/importer/):

- the upload is checked by its content (filecheck: size, real .xlsx, no macros) and read with the
  registry's parser (header matching whatever the accents, formulas refused, the "Lỗi cần sửa"
  column of a corrections workbook read past);
- cells are typed by the registry's value parsers (amounts in whole đồng, "2.500.000" accepted;
  dates dd/mm/yyyy; kinds by label or code);
- the organisation is found as the registry import finds it (matching.find_organization: tax
  code first, else exactly the same name among the organisations of the officer's province);
- a row is "create", a duplicate (same organisation, kind, program and date as a support already
  recorded, or as an earlier row of the file: never created, the preview says which) or an error
  naming the column and the rule in Vietnamese; the rows with errors download as a workbook;
- the commit re-reads the stored file against the data as it is now, inside one transaction: if
  a row that the officer confirmed would no longer be created, nothing is written and the new
  preview says why; otherwise every confirmed row goes through services.record_support (audited)
  and the import as a whole is audited once.

The upload is kept in an import job on disk (registry/importer/jobs.py, kind "supports") from
upload to commit; it is checked synchronously (support sheets are hundreds of rows).
"""

from __future__ import annotations

import datetime
import io
import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from htxconnect.core import audit
from htxconnect.core.money import format_vnd
from htxconnect.core.text import fold
from htxconnect.registry.importer import columns as C
from htxconnect.registry.importer import corrections, filecheck, jobs, matching
from htxconnect.registry.importer.parse import read_sheet
from htxconnect.registry.importer.rows import CREATE, SKIP, Duplicate, new_row, row_errors
from htxconnect.registry.importer.template import style_header
from htxconnect.registry.importer.values import convert_values
from htxconnect.registry.models import Organization

from . import audit_actions as actions
from . import queries, services
from .models import ContentGroup, Support, SupportKind

logger = logging.getLogger(__name__)

KIND = "supports"  # the import job's kind (jobs.create / jobs.load_for)
IMPORTED = actions.SUPPORTS_IMPORTED  # an import as a whole (each support: support.created)
EXAMPLE_MARK = "DÒNG VÍ DỤ – xóa dòng này trước khi nhập"
TEMPLATE_ROWS = 500

SUPPORTS = C.Sheet("supports", "Hỗ trợ", (
    C.Column("organization_tax_code", "Mã số thuế đơn vị", C.TAX,
             help="Mã số thuế của đơn vị được hỗ trợ (đã có trong sổ đăng ký). Dùng để nhận ra đơn vị.",
             example="0312687878", width=18),
    C.Column("organization_name", "Tên đơn vị",
             help="Dùng khi đơn vị chưa có mã số thuế: ghi đúng tên như trong sổ đăng ký của tỉnh/thành phố.",
             example="HTX Nông nghiệp Phước Hòa", width=30),
    C.Column("kind", "Loại hỗ trợ", C.CHOICE, required=True,
             choices=tuple((value, str(label)) for value, label in SupportKind.choices),
             example=str(SupportKind.BARCODE.label), width=28),
    C.Column("title", "Nội dung", required=True, example="Hỗ trợ đăng ký mã số mã vạch", width=36),
    C.Column("given_on", "Ngày hỗ trợ", C.DATE, required=True, help="dd/mm/yyyy", example="15/03/2025", width=14),
    C.Column("program", "Chương trình",
             help="Tên chương trình như trong trang “Hướng dẫn”; bỏ trống nếu không thuộc chương trình nào.",
             width=36),
    C.Column("group", "Nhóm nội dung", C.INT,
             help="Số thứ tự nhóm nội dung của chương trình (xem trang “Hướng dẫn”).", example="2", width=10),
    C.Column("amount_state", "Ngân sách nhà nước (đồng)", C.INT,
             help="Số nguyên đồng; ghi 2500000 hoặc 2.500.000. Bỏ trống = 0.", example="2.500.000", width=18),
    C.Column("amount_counterpart", "Đối ứng (đồng)", C.INT, help="Phần đơn vị tự chi; bỏ trống = 0.",
             example="0", width=14),
    C.Column("participants", "Số lượt người", C.INT,
             help="Với tập huấn: số lượt người (một người dự ba lớp tính ba lượt).", width=12),
    C.Column("note", "Ghi chú", width=30),
))
SHEETS = (SUPPORTS,)
# The support's model field → the column that names it in the workbook (errors of full_clean).
FIELD_COLUMNS = {"organization": "organization_name", "kind": "kind", "title": "title", "given_on": "given_on",
                 "program": "program", "group": "group", "amount_state": "amount_state",
                 "amount_counterpart": "amount_counterpart", "participants": "participants", "note": "note"}


class CommitRefused(Exception):
    """Nothing was written; `message` says why (Vietnamese), `preview` is the preview as the data is now."""

    def __init__(self, message: str, preview: dict | None = None):
        super().__init__(message)
        self.message = message
        self.preview = preview


# --- template ----------------------------------------------------------------------------------------


def build_template(user) -> bytes:
    """The workbook to fill: the "Hỗ trợ" sheet (headers, one example row), a "Hướng dẫn" sheet
    (how to fill each column, the allowed kinds, the user's programs and their content groups)
    and a "Danh mục" sheet behind the kinds' drop-down."""
    wb = Workbook()
    ws = wb.active
    ws.title = SUPPORTS.title
    style_header(ws, SUPPORTS)
    grey = Font(italic=True, color="6C757D")
    for index, column in enumerate(SUPPORTS.columns, start=1):
        value = EXAMPLE_MARK if column.key == "note" else column.example
        cell = corrections.text_cell(ws, 2, index, value) if value else ws.cell(row=2, column=index)
        cell.font = grey
        letter = get_column_letter(index)
        if column.kind == C.DATE:
            for row in range(3, TEMPLATE_ROWS + 2):
                ws.cell(row=row, column=index).number_format = "DD/MM/YYYY"
        elif column.kind == C.TAX:
            for row in range(3, TEMPLATE_ROWS + 2):
                ws.cell(row=row, column=index).number_format = "@"
        elif column.kind == C.CHOICE:
            dv = DataValidation(type="list", allow_blank=False,
                                formula1=f"{quote_sheetname(C.LISTS_TITLE)}!$A$2:$A${len(column.choices) + 1}")
            dv.error, dv.errorTitle, dv.showErrorMessage = f"Chọn “{column.header}” trong danh sách.", \
                "Giá trị không hợp lệ", True
            ws.add_data_validation(dv)
            dv.add(f"{letter}2:{letter}{TEMPLATE_ROWS + 1}")
    _notes(wb.create_sheet(C.INSTRUCTIONS_TITLE), user)
    lists = wb.create_sheet(C.LISTS_TITLE)
    lists.cell(row=1, column=1, value="Loại hỗ trợ").font = Font(bold=True)
    for i, (_code, label) in enumerate(SUPPORTS.column("kind").choices, start=2):
        corrections.text_cell(lists, i, 1, label)
    lists.column_dimensions["A"].width = 40
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _notes(ws, user) -> None:
    for letter, width in (("A", 34), ("B", 10), ("C", 70), ("D", 30)):
        ws.column_dimensions[letter].width = width
    lines = [
        ("MẪU NHẬP KHOẢN HỖ TRỢ – HTX CONNECT", "", "", ""),
        ("Cách dùng", "", "Mỗi khoản hỗ trợ một dòng trên trang “Hỗ trợ”, từ dòng 2 (xóa dòng ví dụ màu xám). Không đổi "
         "dòng tiêu đề; cột có dấu * là bắt buộc. Chỉ nhập giá trị, không dùng công thức; lưu dạng .xlsx.", ""),
        ("", "", "Hệ thống cho xem trước từng dòng: sẽ tạo mới, trùng với khoản hỗ trợ đã có (cùng đơn vị, loại, "
         "chương trình và ngày — không tạo lại) hoặc lỗi (ghi rõ cột và quy tắc). Chỉ khi bấm “Nhập” mới ghi: tất "
         "cả dòng hợp lệ hoặc không dòng nào. Nhập lại cùng một tệp không tạo bản ghi trùng.", ""),
        ("", "", "Đơn vị được nhận ra theo mã số thuế, hoặc theo đúng tên trong sổ đăng ký của tỉnh/thành phố của "
         "cơ quan bạn khi chưa có mã số thuế.", ""),
        ("", "", "", ""),
        ("Cột", "Bắt buộc", "Cách ghi", "Ví dụ"),
    ]
    for column in SUPPORTS.columns:
        lines.append((column.header, "Có" if column.required else "", column.help, column.example))
    lines += [("", "", "", ""), ("Loại hỗ trợ (giá trị được phép)", "", "", "")]
    lines += [(label, "", "", "") for _code, label in SUPPORTS.column("kind").choices]
    lines += [("", "", "", ""), ("Chương trình của cơ quan bạn", "Nhóm", "Nhóm nội dung", "")]
    groups = (ContentGroup.objects.filter(program__in=queries.scope_programs(user).values("pk"))
              .select_related("program").order_by("-program__start_year", "program__name", "number"))
    current = None
    for group in groups:
        if group.program_id != current:
            current = group.program_id
            lines.append((group.program.name, "", f"{group.program.start_year}–{group.program.end_year}", ""))
        lines.append(("", str(group.number), group.title, ""))
    bold = {"Cách dùng", "Cột", "Loại hỗ trợ (giá trị được phép)", "Chương trình của cơ quan bạn"}
    for r, values in enumerate(lines, start=1):
        for c, value in enumerate(values, start=1):
            if value:
                corrections.text_cell(ws, r, c, value).alignment = Alignment(wrap_text=True, vertical="top")
        if r == 1 or values[0] in bold:
            for c in range(1, 5):
                ws.cell(row=r, column=c).font = Font(bold=True, size=14 if r == 1 else 11)


# --- preview -----------------------------------------------------------------------------------------


def check_file(path, *, actor) -> dict:
    """The preview of a stored upload; filecheck.FileRefused when the file as a whole is refused."""
    filecheck.check_size(path.stat().st_size)
    filecheck.check_content(path)
    return analyze(read_sheet(path, SUPPORTS), actor=actor)


def _header(key: str) -> str:
    return SUPPORTS.column(key).header


class _Lookups:
    """The database look-ups of one pass: programs and groups in the actor's scope, organisations
    by tax code or name (one query per distinct organisation)."""

    def __init__(self, actor):
        self.actor = actor
        programs = list(queries.scope_programs(actor).select_related("agency")) if not audit.is_system(actor) else []
        self.programs: dict[str, list] = {}
        for program in programs:
            self.programs.setdefault(fold(program.name).strip(), []).append(program)
        self.groups = {(g.program_id, g.number): g for g in ContentGroup.objects.filter(
            program__in=[p.pk for p in programs])}
        self.scope = queries.applicable_organizations(actor)
        self._orgs: dict[tuple, tuple] = {}

    def organization(self, tax: str | None, name: str | None) -> tuple[Organization | None, str]:
        key = ("tax", tax) if tax else ("name", matching.name_key(name or ""))
        if key not in self._orgs:
            org, message = matching.find_organization(tax, name, scope=self.scope)
            if org is not None and not self.scope.filter(pk=org.pk).exists():
                org, message = None, _("“%(name)s” không thuộc phạm vi của bạn (các đơn vị thuộc tỉnh/thành phố của "
                                       "cơ quan bạn).") % {"name": org.name}
            self._orgs[key] = (org, message)
        return self._orgs[key]

    def program(self, name: str):
        found = self.programs.get(fold(name).strip(), [])
        if len(found) == 1:
            return found[0], ""
        if found:
            return None, _("Có %(n)s chương trình tên “%(p)s”: hãy liên hệ quản trị viên để đặt tên phân biệt.") % {
                "n": len(found), "p": name}
        return None, _("Không có chương trình “%(p)s” trong phạm vi của bạn (xem danh sách ở trang “Hướng dẫn” của "
                       "mẫu).") % {"p": name}


def analyze(raw, *, actor) -> dict:
    """The preview of the rows of a read sheet: each row's values, errors by column, duplicate and
    action (create / skip)."""
    look = _Lookups(actor)
    rows = []
    for raw_row in raw.rows:
        cells, values, errors, warnings = convert_values(raw, raw_row, {})
        row = new_row(raw_row.number, cells, values, errors, warnings)
        rows.append(row)
        if values.get("note") == EXAMPLE_MARK:
            row["errors"], row["action"], row["options"] = [], SKIP, [SKIP]
            row["warnings"] = [[_header("note"), _("Dòng ví dụ của mẫu: không nhập.")]]
            row["example"] = True
            continue
        _resolve(row, look, actor)
    _duplicates(rows, actor)
    return {"sheets": {SUPPORTS.key: rows}, "columns": {SUPPORTS.key: [[c.key, c.header] for c in SUPPORTS.columns]},
            "titles": {SUPPORTS.key: raw.title}}


def _resolve(row: dict, look: _Lookups, actor) -> None:
    values, errors = row["values"], row["errors"]
    tax, name = values.get("organization_tax_code"), values.get("organization_name")
    org = None
    if not tax and not name:
        if not any(h == _header("organization_tax_code") for h, _m in errors):
            errors.append([_header("organization_name"), _("Ghi mã số thuế hoặc tên của đơn vị được hỗ trợ.")])
    elif not any(h == _header("organization_tax_code") for h, _m in errors):
        org, message = look.organization(tax, name)
        if org is None:
            errors.append([_header("organization_tax_code" if tax else "organization_name"), message])
    program = group = None
    if values.get("program"):
        program, message = look.program(values["program"])
        if program is None:
            errors.append([_header("program"), message])
    if values.get("group") is not None:
        if not values.get("program"):
            errors.append([_header("group"), _("Ghi chương trình của nhóm nội dung ở cột “%(c)s”.") % {
                "c": _header("program")}])
        elif program is not None:
            group = look.groups.get((program.pk, values["group"]))
            if group is None:
                errors.append([_header("group"), _("Chương trình “%(p)s” không có nhóm nội dung số %(n)s.") % {
                    "p": program.name, "n": values["group"]}])
    agency_id = program.agency_id if program is not None else getattr(actor, "agency_id", None)
    if agency_id is None and not errors:
        errors.append([_header("program"), _("Tài khoản của bạn không thuộc cơ quan nào: ghi chương trình để biết "
                                             "cơ quan ghi nhận.")])
    if "given_on" in values and values.get("kind") and org is not None:
        _model_errors(row, org, program, group, agency_id)
    if errors:
        row["action"], row["options"] = "", []
        return
    row["ref"] = {"organization": {"db": org.pk, "name": org.name}, "program": program.pk if program else None,
                  "group": group.pk if group else None, "agency": agency_id}
    row["display"] = {"organization": org.name, "program": program.name if program else "",
                      "group": str(group) if group else "", "kind": str(SupportKind(values["kind"]).label)}


def _model_errors(row, org, program, group, agency_id) -> None:
    """The model's own rules (lengths, non-negative amounts, the date within the program's period,
    the group within the program), by column."""
    values = row["values"]
    support = Support(organization=org, program=program, group=group, agency_id=agency_id, kind=values["kind"],
                      title=values.get("title", ""), given_on=datetime.date.fromisoformat(values["given_on"]),
                      amount_state=values.get("amount_state") or 0,
                      amount_counterpart=values.get("amount_counterpart") or 0,
                      participants=values.get("participants"), note=values.get("note", ""))
    try:
        support.full_clean(exclude=["document", "agency", "created_by", "application", "item", "science_task"])
    except ValidationError as error:
        already = {h for h, _m in row["errors"]}  # a column already in error ("Bắt buộc phải điền") says enough
        for field, messages in error.message_dict.items():
            header = _header(FIELD_COLUMNS[field]) if field in FIELD_COLUMNS else _("Dòng")
            if header not in already:
                row["errors"].extend([header, message] for message in messages)


def _dup_key(row) -> tuple:
    ref = row["ref"]
    return (ref["organization"]["db"], row["values"]["kind"], ref["program"], row["values"]["given_on"])


def _duplicates(rows: list, actor) -> None:
    """Same organisation, kind, program and date as a support the user can see, or as an earlier
    row of the file: skipped, and the label says which."""
    live = [r for r in rows if not row_errors(r) and r["ref"]]
    existing: dict[tuple, Support] = {}
    orgs = {r["ref"]["organization"]["db"] for r in live}
    if orgs:
        scope = queries.scope_supports(actor) if not audit.is_system(actor) else Support.objects.all()
        for s in scope.filter(organization_id__in=orgs, given_on__in={r["values"]["given_on"] for r in live}).only(
                "id", "organization_id", "kind", "program_id", "given_on", "title", "amount_state").order_by("id"):
            existing.setdefault((s.organization_id, s.kind, s.program_id, s.given_on.isoformat()), s)
    seen: dict[tuple, int] = {}
    for row in live:
        key = _dup_key(row)
        dup = None
        if key in existing:
            s = existing[key]
            amount = f", {format_vnd(s.amount_state)}" if s.amount_state else ""
            dup = Duplicate(kind="support", target_id=s.pk, target_name=s.title, editable=False, label=_(
                "Trùng khoản hỗ trợ đã có số %(id)s “%(t)s” (%(d)s%(a)s): cùng đơn vị, loại, chương trình và ngày") % {
                "id": s.pk, "t": s.title, "d": s.given_on.strftime("%d/%m/%Y"), "a": amount})
        elif key in seen:
            dup = Duplicate(kind="file", row=seen[key], label=_(
                "Trùng đơn vị, loại, chương trình và ngày với dòng %(n)s của tệp") % {"n": seen[key]})
        seen.setdefault(key, row["row"])
        row["duplicate"] = dup
        row["options"], row["action"] = ([SKIP], SKIP) if dup else ([CREATE], CREATE)


def rows_of(preview: dict) -> list:
    return preview["sheets"][SUPPORTS.key]


def counts(preview: dict) -> dict:
    rows = rows_of(preview)
    return {"rows": len(rows), "create": sum(1 for r in rows if r["action"] == CREATE and not row_errors(r)),
            "duplicates": sum(1 for r in rows if r["duplicate"]), "errors": sum(1 for r in rows if row_errors(r)),
            "examples": sum(1 for r in rows if r.get("example"))}


def errors_workbook(preview: dict) -> bytes:
    return corrections.errors_workbook(preview, sheets=SHEETS)


# --- commit ------------------------------------------------------------------------------------------


def _planned(preview: dict) -> dict[int, tuple]:
    return {r["row"]: (r["ref"]["organization"]["db"], r["ref"]["program"], r["ref"]["group"], r["values"]["kind"],
                       r["values"]["given_on"])
            for r in rows_of(preview) if r["action"] == CREATE and not row_errors(r)}


def _why(row: dict | None) -> str:
    if row is None:
        return _("không còn trong tệp")
    if row_errors(row):
        return "; ".join(f"{h}: {m}" for h, m in row_errors(row))
    if row["duplicate"]:
        return row["duplicate"]["label"]
    return _("đơn vị, chương trình hoặc nhóm nội dung đã khác lúc xem trước")


def commit(job: dict, *, actor) -> dict:
    """Create the rows the officer confirmed, all or none. The stored file is read again against
    the data as it is now; CommitRefused (nothing written) when a confirmed row would no longer be
    created the same way."""
    confirmed = _planned(job["preview"])
    if not confirmed:
        raise CommitRefused(_("Không có dòng hợp lệ nào để nhập."))
    with transaction.atomic():
        # Two imports naming the same organisations are serialised: the second sees the first's supports.
        org_ids = sorted({key[0] for key in confirmed.values()})
        list(Organization.objects.select_for_update().filter(pk__in=org_ids).values_list("pk", flat=True))
        fresh = analyze(read_sheet(jobs.upload_path(job), SUPPORTS), actor=actor)
        now = _planned(fresh)
        by_number = {r["row"]: r for r in rows_of(fresh)}
        lost = [n for n, key in confirmed.items() if now.get(n) != key]
        if lost:
            details = "; ".join(_("dòng %(n)s: %(why)s") % {"n": n, "why": _why(by_number.get(n))} for n in lost[:10])
            raise CommitRefused(_("Dữ liệu đã thay đổi từ lúc xem trước nên không nhập dòng nào: %(d)s. Xem lại "
                                  "bảng bên dưới rồi bấm “Nhập” lần nữa.") % {"d": details}, fresh)
        programs = {p.pk: p for p in queries.scope_programs(actor)} if not audit.is_system(actor) else {}
        groups = {g.pk: g for g in ContentGroup.objects.filter(pk__in={k[2] for k in confirmed.values() if k[2]})}
        organizations = Organization.objects.in_bulk(org_ids)
        created = []
        for number in sorted(confirmed):
            row = by_number[number]
            values, ref = row["values"], row["ref"]
            try:
                support = services.record_support(
                    actor=actor, organization=organizations[ref["organization"]["db"]], kind=values["kind"],
                    title=values["title"], given_on=datetime.date.fromisoformat(values["given_on"]),
                    program=programs.get(ref["program"]), group=groups.get(ref["group"]),
                    amount_state=values.get("amount_state") or 0,
                    amount_counterpart=values.get("amount_counterpart") or 0,
                    participants=values.get("participants"), note=values.get("note", ""))
            except ValidationError as error:
                raise CommitRefused(_("Không nhập dòng nào: dòng %(n)s bị từ chối (%(e)s).") % {
                    "n": number, "e": " ".join(error.messages)}, fresh) from None
            created.append(support.pk)
        c = counts(fresh)
        audit.record(IMPORTED, actor=actor, object_repr=job["filename"][:300],
                     changes={"file": [None, job["filename"]], "created": [None, len(created)],
                              "duplicates": [None, c["duplicates"]], "errors": [None, c["errors"]],
                              "support_ids": [None, created]})
    return {"created": len(created), "duplicates": c["duplicates"], "errors": c["errors"], "ids": created}


def result_line(result: dict) -> str:
    return _("Đã nhập %(c)s khoản hỗ trợ; %(d)s dòng trùng không nhập lại, %(e)s dòng lỗi không nhập.") % {
        "c": result["created"], "d": result["duplicates"], "e": result["errors"]}


# --- the job's steps (the pages call these) -----------------------------------------------------------


def run_check(job: dict, *, actor) -> dict:
    """Check a stored upload into a preview. A refused file: FileRefused (the caller removes the
    job and shows the message); an unexpected failure leaves the job rejected with a plain message,
    the upload kept for the administrator."""
    try:
        job["preview"] = check_file(jobs.upload_path(job), actor=actor)
    except filecheck.FileRefused:
        raise
    except Exception:
        logger.exception("support import check failed: job %s", job["id"])
        job.update(status=jobs.REJECTED, code="error", message=_(
            "Không đọc được tệp do lỗi hệ thống; tệp đã được giữ lại. Hãy thử lại; nếu vẫn lỗi, báo quản trị viên."))
    else:
        job.update(status=jobs.READY, message="")
    jobs.save(job)
    return job


def run_commit(job_id, *, actor) -> dict | None:
    """Commit a job once (jobs.claim_commit: a double click writes nothing twice)."""
    job = jobs.claim_commit(job_id)
    if job is None:
        return None
    try:
        job["result"] = commit(job, actor=actor)
    except CommitRefused as refusal:
        job.update(status=jobs.READY, message=refusal.message)
        if refusal.preview is not None:
            job["preview"] = refusal.preview
    except Exception:
        logger.exception("support import commit failed: job %s", job_id)
        job.update(status=jobs.READY, message=_("Không nhập dòng nào do lỗi hệ thống. Hãy thử lại."))
    else:
        job.update(status=jobs.COMMITTED, message="")
    finally:
        jobs.release_commit(job_id)
    jobs.save(job)
    return job
