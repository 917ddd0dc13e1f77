"""Report pages: list, new report (form → generation task), the report with its progress and
downloads, "what changed since", and the leaders' dashboard. Thin: reads in queries/figures,
writes in services."""

from __future__ import annotations

import io

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from htxconnect.core.db_router import use_replica
from htxconnect.core.permissions import AGENCY_STAFF, OFFICER_OR_ADMIN, requires
from htxconnect.programs import queries as program_queries

from htxconnect.core.adminunits import provinces
from htxconnect.core.spreadsheet import text_cell

from . import charts, diff, queries, services
from .forms import ReportForm
from .models import Report

FORMATS = {
    "docx": ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xlsx": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "pdf": ("pdf", "application/pdf"),
}


@requires(AGENCY_STAFF)
@use_replica
def report_list(request):
    return render(request, "reports/report_list.html", {"reports": queries.list_reports(request.user),
                                                         "can_create": program_queries.can_record(request.user)})


def _apply_errors(form, error: ValidationError):
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


@requires(OFFICER_OR_ADMIN)
def report_create(request):
    initial = {}
    program_id = request.GET.get("program")
    if program_id:
        try:
            program = program_queries.access_program(request.user, int(program_id))
        except ValueError:
            raise Http404(_("Không tìm thấy chương trình."))
        initial.update(program=program, subject=_("Kết quả thực hiện %(p)s") % {"p": program.name})
    form = ReportForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            report = services.create_report(actor=request.user, program=form.cleaned_data.get("program"),
                                            **form.service_fields())
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            if request.POST.get("do") == "generate":
                services.request_generation(actor=request.user, report_id=report.pk)
            return redirect("reports:report_detail", pk=report.pk)
    return render(request, "reports/report_form.html", {"form": form}, status=400 if form.errors else 200)


@requires(OFFICER_OR_ADMIN)
def report_edit(request, pk):
    report = queries.access_report(request.user, pk)
    if not queries.can_generate(request.user, report):
        raise PermissionDenied(_("Chỉ cán bộ của cơ quan ban hành được sửa báo cáo."))
    if report.status not in (Report.Status.DRAFT, Report.Status.FAILED):
        messages.warning(request, _("Báo cáo đã tạo không sửa được: lập báo cáo mới để thay thế."))
        return redirect("reports:report_detail", pk=report.pk)
    form = ReportForm(request.POST or None, user=request.user, instance=report, initial={"program": report.program})
    if request.method == "POST" and form.is_valid():
        fields = form.service_fields()
        try:
            services.update_report(actor=request.user, report_id=report.pk, **fields)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            if request.POST.get("do") == "generate":
                services.request_generation(actor=request.user, report_id=report.pk)
            return redirect("reports:report_detail", pk=report.pk)
    return render(request, "reports/report_form.html", {"form": form, "report": report},
                  status=400 if form.errors else 200)


@requires(AGENCY_STAFF)
def report_detail(request, pk):
    report = queries.access_report(request.user, pk)
    return render(request, "reports/report_detail.html",
                  {"report": report, "can_generate": queries.can_generate(request.user, report)})


@requires(AGENCY_STAFF)
def report_progress(request, pk):
    report = queries.access_report(request.user, pk)
    response = render(request, "reports/_progress.html", {"report": report})
    if report.status not in (Report.Status.QUEUED, Report.Status.RUNNING):
        response["HX-Refresh"] = "true"  # finished: reload to show the downloads
    return response


@requires(OFFICER_OR_ADMIN)
@require_POST
def report_generate(request, pk):
    report = queries.access_report(request.user, pk)
    if not queries.can_generate(request.user, report):
        raise PermissionDenied(_("Chỉ cán bộ của cơ quan ban hành được tạo báo cáo."))
    if report.status in (Report.Status.DONE, Report.Status.QUEUED, Report.Status.RUNNING):
        messages.info(request, _("Báo cáo đã được tạo hoặc đang tạo."))
    else:
        services.request_generation(actor=request.user, report_id=report.pk)
    return redirect("reports:report_detail", pk=report.pk)


@requires(AGENCY_STAFF)
def report_download(request, pk, fmt):
    report = queries.access_report(request.user, pk)
    if fmt not in FORMATS:
        raise Http404(_("Không có định dạng này."))
    stored = getattr(report, fmt)
    if report.status != Report.Status.DONE or not stored:
        raise Http404(_("Báo cáo chưa có tệp %(f)s.") % {"f": fmt.upper()})
    services.record_download(actor=request.user, report=report, fmt=fmt)
    extension, content_type = FORMATS[fmt]
    name = f"bao-cao-{report.pk}-{report.issued_on:%Y%m%d}.{extension}"
    if fmt == "xlsx":
        name = f"bao-cao-{report.pk}-phu-luc-{report.issued_on:%Y%m%d}.xlsx"
    return FileResponse(stored.open("rb"), as_attachment=True, filename=name, content_type=content_type)


@requires(AGENCY_STAFF)
def report_changes(request, pk):
    report = queries.access_report(request.user, pk)
    if report.status != Report.Status.DONE:
        raise Http404(_("Báo cáo chưa được tạo."))
    return render(request, "reports/report_changes.html", {"report": report, "changes": diff.changes_since(report)})


# --- Dashboard ------------------------------------------------------------------------------------------


@requires(AGENCY_STAFF)
@use_replica
def dashboard(request):
    filters = charts.Filters.from_params(request.user, request.GET)
    built = charts.build(request.user, filters)
    agencies = None
    if program_queries.is_admin(request.user):
        from htxconnect.accounts.models import Agency

        agencies = Agency.objects.order_by("province_name", "name")
    context = {"charts": built, "options": [c.option() for c in built], "filters": filters,
               "programs": program_queries.scope_programs(request.user).order_by("-start_year", "name"),
               "agencies": agencies, "provinces": provinces(), "query": request.GET.urlencode()}
    return render(request, "reports/dashboard.html", context, status=400 if filters.errors else 200)


@requires(AGENCY_STAFF)
@use_replica
def dashboard_xlsx(request, chart):
    if chart not in charts.CHARTS:
        raise Http404(_("Không có biểu đồ này."))
    from openpyxl import Workbook

    filters = charts.Filters.from_params(request.user, request.GET)
    built = charts.CHARTS[chart](request.user, filters)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(chart[:31])
    ws.append([text_cell(ws, str(h)) for h in built.headers])
    for row in built.rows:
        ws.append([text_cell(ws, v) if isinstance(v, str) else v for v in row])
    stream = io.BytesIO()
    wb.save(stream)
    stream.seek(0)
    services.record_export(actor=request.user, what=f"dashboard.{chart}")
    return FileResponse(stream, as_attachment=True, filename=f"bang-dieu-hanh-{chart}.xlsx",
                        content_type=FORMATS["xlsx"][1])
