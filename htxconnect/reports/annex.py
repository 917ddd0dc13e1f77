"""The XLSX annex of a report: one sheet per table behind its figures (targets, supports, loans,
mark grants, events, and every figure stated), streamed with openpyxl's write-only mode from
chunked queries, so a province with thousands of cooperatives never sits in memory at once.

Text cells go through core.spreadsheet (text that a spreadsheet would read as a formula stays text).
"""

from __future__ import annotations

from django.apps import apps
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from htxconnect.core.spreadsheet import looks_like_formula, text_cell
from htxconnect.programs.models import Loan, Support, SupportKind
from htxconnect.registry.models import IPUsageGrant

from . import figures

CHUNK = figures.CHUNK
BOLD = Font(bold=True)


def _sheet(wb, title: str, headers: list[str], rows):
    ws = wb.create_sheet(title[:31])
    header = []
    for text in headers:
        cell = WriteOnlyCell(ws, value=text)
        cell.font = BOLD
        header.append(cell)
    ws.append(header)
    for row in rows:
        # Only text a spreadsheet would read as a formula needs a cell of its own (openpyxl writes any
        # other string as a string cell); 50,000 rows stay cheap.
        ws.append([text_cell(ws, v) if looks_like_formula(v) else v for v in row])


def _targets(content):
    for program in content["programs"]:
        for t in program["targets"]:
            yield [program["name"], t["year"], t["group"], t["title"], t["indicator"], t["unit"], t["value"],
                   t.get("from", ""), t.get("to", ""), t["actual"], t.get("cumulative", t["actual"]), t["percent"]]


def _supports(report, programs):
    labels = dict(SupportKind.choices)
    for program in programs:
        rows = (Support.objects.filter(program=program, given_on__gte=report.period_start,
                                       given_on__lte=report.period_end)
                .values_list("given_on", "group__number", "group__title", "kind", "organization__name",
                             "organization__ward_name", "organization__province_name",
                             "organization__address_as_written", "title", "amount_state", "amount_counterpart",
                             "participants")
                .order_by("group__number", "kind", "given_on", "id").iterator(chunk_size=CHUNK))
        for given, gnum, gtitle, kind, org, ward, province, written, title, state, counterpart, people in rows:
            yield [program.name, given, f"{gnum}. {gtitle}" if gnum else "", str(labels.get(kind, kind)), org, ward,
                   province, written, title, state, counterpart, people]


def _loans(report, programs):
    for program in programs:
        loans = (Loan.objects.filter(program=program, approved_on__gte=report.period_start,
                                     approved_on__lte=report.period_end).prefetch_related("borrowers")
                 .order_by("approved_on", "id"))
        for loan in loans:
            yield [program.name, loan.approved_on, loan.fund, "; ".join(o.name for o in loan.borrowers.all()),
                   loan.purpose, loan.principal, loan.annual_rate, loan.term_months, loan.note]


def _grants(report, programs):
    for program in programs:
        for mark in figures._marks(program):
            rows = (IPUsageGrant.objects.filter(ip_right__name=mark, granted_on__gte=report.period_start,
                                                granted_on__lte=report.period_end)
                    .values_list("granted_on", "ip_right__name", "grantee__name", "grantee__ward_name",
                                 "grantee__province_name", "product__name", "product_description", "decision_number")
                    .order_by("granted_on", "id").iterator(chunk_size=CHUNK))
            for day, name, org, ward, province, product, described, decision in rows:
                yield [program.name, day, name, org, ward, province, product or described, decision]


def _events(report, programs):
    if not apps.is_installed("htxconnect.events"):
        return
    Event = apps.get_model("events", "Event")
    for program in programs:
        for e in (Event.objects.filter(program=program, starts_on__gte=report.period_start,
                                       starts_on__lte=report.period_end).exclude(status="cancelled")
                  .order_by("starts_on", "id")):
            yield [program.name, e.starts_on, e.get_kind_display(), e.title, e.venue]


def write(report, content: dict, programs, path) -> None:
    wb = Workbook(write_only=True)
    _sheet(wb, "Chỉ tiêu", ["Chương trình", "Năm", "Nhóm nội dung", "Chỉ tiêu", "Chỉ số", "Đơn vị", "Chỉ tiêu cả năm",
                            "Từ ngày", "Đến ngày", "Thực hiện trong kỳ", "Lũy kế từ đầu năm",
                            "Tỷ lệ lũy kế / chỉ tiêu năm (%)"], _targets(content))
    _sheet(wb, "Hỗ trợ", ["Chương trình", "Ngày", "Nhóm nội dung", "Loại hỗ trợ", "Đơn vị được hỗ trợ", "Xã/phường",
                          "Tỉnh/thành phố", "Địa chỉ cũ", "Nội dung", "Ngân sách (đồng)", "Đối ứng (đồng)",
                          "Lượt người"], _supports(report, programs))
    _sheet(wb, "Vốn vay", ["Chương trình", "Ngày phê duyệt", "Quỹ", "Bên vay", "Mục đích", "Số tiền (đồng)",
                           "Lãi suất (%/năm)", "Thời hạn (tháng)", "Ghi chú"], _loans(report, programs))
    _sheet(wb, "Nhãn hiệu chứng nhận", ["Chương trình", "Ngày trao quyền", "Nhãn hiệu", "Đơn vị", "Xã/phường",
                                        "Tỉnh/thành phố", "Sản phẩm", "Số quyết định"], _grants(report, programs))
    if apps.is_installed("htxconnect.events"):
        _sheet(wb, "Sự kiện", ["Chương trình", "Ngày", "Loại", "Tên sự kiện", "Địa điểm"], _events(report, programs))
    _sheet(wb, "Số liệu", ["Mã", "Số liệu", "Giá trị"],
           ([key, f["label"], "; ".join(map(str, f["value"])) if isinstance(f["value"], list) else f["value"]]
            for key, f in content["figures"].items()))
    wb.save(path)
