"""Pages of the Excel import (upload → progress → preview with choices → commit → result) and the
Excel export of filtered lists. Thin: the work is in importer/ (through tasks) and exporter.py."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from htxconnect.core.permissions import COOPERATIVE, OFFICER_OR_ADMIN, requires
from htxconnect.core.request_context import client_ip_from

from . import exporter, import_tasks, queries, services
from .importer import analysis, corrections, filecheck, jobs, pipeline
from .importer.template import build_template
from .models import Certification, Product

# Who may import: administrators, and officers (within their agency's province). Leaders read.
IMPORTERS = OFFICER_OR_ADMIN
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PREVIEW_ROW_LIMIT = 500  # beyond this, the preview lists only rows that need attention


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Tệp Excel (.xlsx)"), allow_empty_file=True,
                           widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ".xlsx"}))


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@requires(IMPORTERS)
def template_download(request):
    return _xlsx(build_template(), "mau-nhap-so-dang-ky.xlsx")


@requires(IMPORTERS)
def upload(request):
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        uploaded = form.cleaned_data["file"]
        try:
            filecheck.check_size(uploaded.size)
            job = jobs.create(user_id=request.user.pk, filename=uploaded.name, source=uploaded,
                              address=client_ip_from(request))
            try:
                filecheck.check_content(jobs.upload_path(job))
            except filecheck.FileRefused:
                jobs.delete(job["id"])
                raise
        except filecheck.FileRefused as refusal:
            form.add_error("file", refusal.message)
        else:
            import_tasks.check_import.enqueue(job["id"])
            return redirect("registry_import:job", job_id=job["id"])
    status = 400 if form.errors else 200
    return render(request, "registry/import/upload.html",
                  {"form": form, "max_mb": filecheck.max_bytes() // (1024 * 1024),
                   "officer_province": queries.staff_province(request.user)}, status=status)


def _rows_for_display(preview: dict, show: str) -> list[dict]:
    sheets = []
    for key, rows in preview["sheets"].items():
        shown = []
        for row in rows:
            status = analysis.row_status(row)
            needs_attention = status == "error" or row.get("duplicate") or (
                row.get("address") and row["address"]["status"] in ("ambiguous", "failed", "converted"))
            if show == "problems" and not needs_attention:
                continue
            shown.append({**row, "status": status, "all_errors": analysis.row_errors(row),
                          "option_labels": [(o, analysis.ACTION_LABELS[o]) for o in row["options"]]})
        sheets.append({"key": key, "title": preview["titles"].get(key, key), "rows": shown, "total": len(rows)})
    return sheets


@requires(IMPORTERS)
def job_page(request, job_id):
    job = queries.access_import_job(request.user, job_id)
    context = {"job": job}
    if job["status"] == jobs.READY:
        preview = job["preview"]
        total = sum(len(rows) for rows in preview["sheets"].values())
        show = request.GET.get("show") or ("problems" if total > PREVIEW_ROW_LIMIT else "all")
        counts = analysis.counts(preview)
        context.update(counts=counts, sheets=_rows_for_display(preview, show), show=show, total=total,
                       summary_rows=_summary_rows(preview, counts), error_rows=corrections.error_count(preview),
                       addresses=counts["addresses"] if "organizations" in preview["sheets"] else None)
    elif job["status"] == jobs.COMMITTED:
        context["result_line"] = pipeline.result_line(job["result"])
    return render(request, "registry/import/job.html", context)


def _summary_rows(preview: dict, counts: dict) -> list[dict]:
    return [{"key": key, "title": preview["titles"].get(key, key), **counts[key]} for key in preview["sheets"]]


@requires(IMPORTERS)
def job_errors(request, job_id):
    """The rows with errors as a workbook to fix and upload again."""
    job = queries.access_import_job(request.user, job_id)
    if not job.get("preview"):
        raise Http404(_("Lượt nhập này chưa có kết quả kiểm tra."))
    if not corrections.error_count(job["preview"]):
        messages.info(request, _("Lượt nhập này không có dòng lỗi nào."))
        return redirect("registry_import:job", job_id=job["id"])
    stem = job["filename"].rsplit(".", 1)[0][:80] or "nhap"
    filename = f"{stem}-dong-loi.xlsx"
    response = _xlsx(corrections.errors_workbook(job["preview"]), filename)
    services.record_export(actor=request.user, kind="import_errors", filename=filename,
                           filters={"job": str(job["id"])})
    return response


@requires(IMPORTERS)
def job_progress(request, job_id):
    job = queries.access_import_job(request.user, job_id)
    response = render(request, "registry/import/_progress.html", {"job": job})
    if job["status"] not in jobs.RUNNING:
        response["HX-Refresh"] = "true"  # finished: reload the page to show the preview or the result
    return response


def _choices_from_post(post) -> dict:
    choices: dict[str, dict] = {}
    for name, value in post.items():
        for prefix, field in (("action-", "action"), ("ward-", "ward")):
            if name.startswith(prefix):
                key = name[len(prefix):].replace("-", ":", 1)
                choices.setdefault(key, {})[field] = value
    return choices


@requires(IMPORTERS)
@require_POST
def job_commit(request, job_id):
    job = queries.access_import_job(request.user, job_id)
    if job["status"] != jobs.READY:
        messages.warning(request, _("Lượt nhập này không còn ở bước xem trước."))
        return redirect("registry_import:job", job_id=job["id"])
    pipeline.apply_choices(job, _choices_from_post(request.POST), actor=request.user)
    job["message"] = ""
    job["updated_at"] = timezone.now().isoformat()
    if request.POST.get("do") != "commit":
        jobs.save(job)
    if request.POST.get("do") == "commit":
        job["status"] = jobs.COMMIT_QUEUED  # the page polls until the worker has written it
        jobs.save(job)
        import_tasks.commit_import.enqueue(job["id"])
    else:
        messages.success(request, _("Đã lưu lựa chọn."))
    return redirect("registry_import:job", job_id=job["id"])


@requires(IMPORTERS)
@require_POST
def job_discard(request, job_id):
    job = queries.access_import_job(request.user, job_id)
    if job["status"] in (jobs.COMMIT_QUEUED, jobs.COMMITTING):
        messages.warning(request, _("Đang ghi vào sổ, không hủy được."))
        return redirect("registry_import:job", job_id=job["id"])
    jobs.delete(job["id"])
    messages.info(request, _("Đã hủy lượt nhập; không có gì được ghi vào sổ."))
    return redirect("registry_import:upload")


# --- export ---------------------------------------------------------------------------------


def _filtered_organizations(request):
    filters = queries.OrganizationFilters.from_params(request.GET)
    return queries.filter_organizations(queries.scope_organizations(request.user), filters)


@requires(COOPERATIVE)
def export_organizations(request):
    """The organisation list with the list page's GET filters; `?include=all` adds their products
    and certifications as the other two sheets."""
    organizations = _filtered_organizations(request)
    extra = {}
    if request.GET.get("include") == "all":
        ids = organizations.values("pk")
        extra = {"products": Product.objects.filter(producer__in=ids),
                 "certifications": Certification.objects.filter(organization__in=ids)}
    stamp = timezone.localdate().strftime("%Y%m%d")
    filename = f"to-chuc-{stamp}.xlsx"
    response = _xlsx(exporter.export_workbook(organizations=organizations, **extra), filename)
    services.record_export(actor=request.user, kind="organizations", filename=filename, filters=request.GET.dict())
    return response


@requires(COOPERATIVE)
def export_products(request):
    """Products of the organisations matching the list filters; `product_q`, `category` and
    `gtin` narrow the products themselves."""
    products = Product.objects.filter(producer__in=_filtered_organizations(request).values("pk"))
    q = (request.GET.get("product_q") or "").strip()[:200]
    if q:
        products = queries.search(products, q)
    category = (request.GET.get("category") or "").strip()
    if category:
        products = products.filter(category=category)
    gtin = (request.GET.get("gtin") or "").strip()
    if gtin.isdigit():
        products = products.filter(gtin=gtin.zfill(14))
    stamp = timezone.localdate().strftime("%Y%m%d")
    filename = f"san-pham-{stamp}.xlsx"
    response = _xlsx(exporter.export_workbook(products=products), filename)
    services.record_export(actor=request.user, kind="products", filename=filename, filters=request.GET.dict())
    return response
