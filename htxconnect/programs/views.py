"""Program pages: thin views over queries (reads) and services (writes)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from htxconnect.core.permissions import AGENCY_STAFF, COOPERATIVE, OFFICER_OR_ADMIN, requires
from htxconnect.registry.importer import filecheck, jobs
from htxconnect.registry.importer.rows import row_errors

from . import export, forms, loans, queries, services, supimport, workflow
from .models import Application, Plan, SupportKind

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx(request, kind: str | None, name: str, content: bytes) -> HttpResponse:
    """The workbook as a download; every export of data is audited (who, which list, which filters);
    `kind` None for a blank template."""
    filename = f"{name}-{timezone.localdate():%Y%m%d}.xlsx"
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    if kind is not None:
        services.record_export(actor=request.user, kind=kind, filename=filename, filters=request.GET.dict())
    return response


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --- Programs ---------------------------------------------------------------------------------------


@requires(AGENCY_STAFF)
def program_list(request):
    programs = queries.scope_programs(request.user).select_related("agency").prefetch_related("partner_agencies")
    return render(request, "programs/program_list.html", {"programs": programs})


@requires(AGENCY_STAFF)
def program_detail(request, pk):
    program = queries.access_program(request.user, pk)
    context = {"program": program, **queries.program_overview(program),
               "loans": queries.loan_summary(program),
               "can_change": queries.can_change_program(request.user, program)}
    return render(request, "programs/program_detail.html", context)


@requires(OFFICER_OR_ADMIN)
@require_POST
def plan_copy(request, pk):
    plan = Plan.objects.select_related("program").filter(
        pk=pk, program__in=queries.scope_programs(request.user).values("pk")).first()
    if plan is None:
        raise Http404(_("Không tìm thấy kế hoạch trong phạm vi của bạn."))
    try:
        new = services.copy_plan_to_next_year(actor=request.user, plan=plan)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Đã sao chép kế hoạch năm %(a)s sang năm %(b)s.") % {"a": plan.year, "b": new.year})
    return redirect("programs:program_detail", pk=plan.program_id)


@requires(AGENCY_STAFF)
def target_records(request, pk):
    target, indicator, records, actual = queries.target_with_records(request.user, pk)
    return render(request, "programs/target_records.html",
                  {"target": target, "indicator": indicator, "records": records, "actual": actual})


# --- Supports ---------------------------------------------------------------------------------------------


@requires(COOPERATIVE)
def support_list(request):
    program, kind = _int(request.GET.get("program")), request.GET.get("kind", "")
    if kind and kind not in SupportKind.values:
        kind = ""
    supports = queries.list_supports(request.user, program=program, kind=kind,
                                     organization=_int(request.GET.get("organization")))
    if request.GET.get("format") == "xlsx":
        return _xlsx(request, "supports", "ho-tro", export.workbook(
            _("Khoản hỗ trợ"), export.SUPPORT_HEADERS, export.supports_rows(supports.iterator(chunk_size=2000))))
    page = Paginator(supports, queries.PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "programs/support_list.html", {
        "page": page, "kinds": SupportKind.choices, "kind": kind, "querystring": params.urlencode(),
        "can_record": queries.can_record(request.user)})


@requires(OFFICER_OR_ADMIN)
def support_create(request):
    form = forms.SupportForm(request.POST or None, request.FILES or None, user=request.user,
                             initial={"given_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            support = services.record_support(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            forms.apply_service_errors(form, error)
        else:
            messages.success(request, _("Đã ghi nhận hỗ trợ cho %(o)s.") % {"o": support.organization.name})
            return redirect("programs:support_detail", pk=support.pk)
    return render(request, "programs/form.html", {"form": form, "title": _("Ghi nhận khoản hỗ trợ"),
                                                  "back_url": reverse("programs:support_list")})


@requires(COOPERATIVE)
def support_detail(request, pk):
    return render(request, "programs/support_detail.html", {"support": queries.access_support(request.user, pk)})


# --- Support import (Excel) ------------------------------------------------------------------------------


@requires(OFFICER_OR_ADMIN)
def support_import_template(request):
    return _xlsx(request, None, "mau-nhap-ho-tro", supimport.build_template(request.user))  # a blank template


@requires(OFFICER_OR_ADMIN)
def support_import(request):
    """Upload: the file is stored in an import job first, then checked (synchronously); a refused
    file is removed and the form says why."""
    form = forms.ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        uploaded = form.cleaned_data["file"]
        job = None
        try:
            filecheck.check_size(uploaded.size)
            job = jobs.create(user_id=request.user.pk, filename=uploaded.name, source=uploaded, kind=supimport.KIND)
            supimport.run_check(job, actor=request.user)
        except filecheck.FileRefused as refusal:
            if job is not None:
                jobs.delete(job["id"])
            form.add_error("file", refusal.message)
        else:
            return redirect("programs:support_import_job", job_id=job["id"])
    return render(request, "programs/support_import.html",
                  {"form": form, "max_mb": filecheck.max_bytes() // (1024 * 1024)},
                  status=400 if form.errors else 200)


def _import_job(request, job_id) -> dict:
    job = jobs.load_for(request.user, job_id, kind=supimport.KIND)
    if job is None:
        raise Http404(_("Không tìm thấy lượt nhập này."))
    return job


@requires(OFFICER_OR_ADMIN)
def support_import_job(request, job_id):
    job = _import_job(request, job_id)
    context = {"job": job}
    if job.get("preview") and job["status"] == jobs.READY:
        rows = supimport.rows_of(job["preview"])
        show = request.GET.get("show", "all")
        shown = [{**r, "all_errors": row_errors(r)} for r in rows
                 if show != "problems" or row_errors(r) or r["duplicate"]]
        context.update(rows=shown, show=show, counts=supimport.counts(job["preview"]))
    elif job["status"] == jobs.COMMITTED:
        context["result_line"] = supimport.result_line(job["result"])
    return render(request, "programs/support_import_job.html", context)


@requires(OFFICER_OR_ADMIN)
def support_import_errors(request, job_id):
    job = _import_job(request, job_id)
    if not job.get("preview"):
        raise Http404(_("Lượt nhập này chưa có kết quả kiểm tra."))
    if not supimport.counts(job["preview"])["errors"]:
        messages.info(request, _("Lượt nhập này không có dòng lỗi nào."))
        return redirect("programs:support_import_job", job_id=job["id"])
    return _xlsx(request, "import_errors", "ho-tro-dong-loi", supimport.errors_workbook(job["preview"]))


@requires(OFFICER_OR_ADMIN)
@require_POST
def support_import_commit(request, job_id):
    job = _import_job(request, job_id)
    if job["status"] != jobs.READY:
        messages.warning(request, _("Lượt nhập này không còn ở bước xem trước."))
        return redirect("programs:support_import_job", job_id=job["id"])
    done = supimport.run_commit(job["id"], actor=request.user)
    if done is None:
        messages.warning(request, _("Lượt nhập này đang được ghi hoặc đã ghi xong."))
    elif done["status"] == jobs.COMMITTED:
        messages.success(request, supimport.result_line(done["result"]))
    else:
        messages.error(request, done["message"])
    return redirect("programs:support_import_job", job_id=job["id"])


@requires(OFFICER_OR_ADMIN)
@require_POST
def support_import_discard(request, job_id):
    job = _import_job(request, job_id)
    if job["status"] == jobs.COMMITTING:
        messages.warning(request, _("Đang ghi, không hủy được."))
        return redirect("programs:support_import_job", job_id=job["id"])
    jobs.delete(job["id"])
    messages.info(request, _("Đã hủy lượt nhập; không có gì được ghi."))
    return redirect("programs:support_import")


# --- Policies ---------------------------------------------------------------------------------------------


@requires(COOPERATIVE)
def policy_list(request):
    return render(request, "programs/policy_list.html", {"policies": queries.list_policies(request.user)})


@requires(COOPERATIVE)
def policy_detail(request, pk):
    policy = queries.access_policy(request.user, pk)
    form = forms.EligibilityForm(request.GET or None, user=request.user)
    evaluation = None
    if request.GET and form.is_valid():
        from .eligibility import evaluate

        evaluation = evaluate(policy, form.cleaned_data["organization"])
    return render(request, "programs/policy_detail.html", {"policy": policy, "form": form, "evaluation": evaluation})


# --- Applications -----------------------------------------------------------------------------------------


@requires(COOPERATIVE)
def application_list(request):
    state = request.GET.get("state", "")
    if state not in Application.State.values:
        state = ""
    overdue = request.GET.get("overdue") == "1"
    applications = queries.list_applications(request.user, state=state, overdue=overdue)
    if request.GET.get("format") == "xlsx":
        return _xlsx(request, "applications", "ho-so", export.workbook(
            _("Hồ sơ đề nghị hỗ trợ"), export.APPLICATION_HEADERS, export.applications_rows(applications)))
    page = Paginator(applications, queries.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "programs/application_list.html", {
        "page": page, "states": Application.State.choices, "state": state, "overdue": overdue,
        "today": timezone.localdate(), "querystring": request.GET.urlencode()})


@requires(COOPERATIVE)
def application_create(request):
    item = queries.open_items(request.user).filter(pk=_int(request.GET.get("item"))).first()
    if item is None:
        messages.info(request, _("Chọn nội dung hỗ trợ của một chính sách để lập hồ sơ."))
        return redirect("programs:policy_list")
    if not queries.applicable_organizations(request.user).exists():
        raise PermissionDenied(_("Tài khoản của bạn chưa gắn với HTX nào để lập hồ sơ."))
    form = forms.ApplicationForm(request.POST or None, request.FILES or None, user=request.user, item=item)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if not k.startswith("doc_")}
        try:
            application = services.create_application(actor=request.user, item=item, documents=form.documents(),
                                                       **data)
        except ValidationError as error:
            forms.apply_service_errors(form, error)
        else:
            messages.success(request, _("Đã lưu hồ sơ “%(t)s”.") % {"t": application.title})
            if request.POST.get("submit_now"):
                try:
                    services.transition_application(actor=request.user, application_id=application.pk,
                                                    action="submit")
                except ValidationError as error:
                    # The draft (with what was uploaded) is kept; the page says what is still missing.
                    messages.error(request, _("Hồ sơ được lưu nháp nhưng chưa nộp được: %(e)s")
                                   % {"e": " ".join(error.messages)})
                else:
                    messages.success(request, _("Đã nộp hồ sơ."))
            return redirect("programs:application_detail", pk=application.pk)
    return render(request, "programs/application_form.html", {"form": form, "item": item})


@requires(COOPERATIVE)
def application_detail(request, pk):
    application = queries.access_application(request.user, pk)
    roles = queries.application_roles(request.user, application)
    reviewer = bool(roles & {workflow.OFFICER, workflow.LEADER})
    context = {
        "application": application,
        "transitions": workflow.available(application, roles),
        "evaluation": queries.evaluate(application),
        "missing": services.missing_documents(application),
        "can_add_document": bool(roles & {workflow.APPLICANT, workflow.OFFICER})
        and application.state in (Application.State.DRAFT, Application.State.INFO_REQUESTED),
        "reviewer": reviewer,
        "overdue": application.state in workflow.PENDING_STATES and application.due_on
        and application.due_on < timezone.localdate(),
        "document_form": forms.DocumentForm(),
        "groups": forms.group_choices(request.user) if reviewer and application.state == "under_review" else [],
        "support": getattr(application, "support", None) if application.state in ("approved", "completed") else None,
    }
    return render(request, "programs/application_detail.html", context)


@requires(COOPERATIVE)
@require_POST
def application_transition(request, pk):
    application = queries.access_application(request.user, pk)
    form = forms.TransitionForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, _("Thao tác không hợp lệ."))
        return redirect("programs:application_detail", pk=pk)
    try:
        services.transition_application(actor=request.user, application_id=application.pk,
                                        action=form.cleaned_data["action"], comment=form.cleaned_data["comment"],
                                        group=form.cleaned_data["group"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Đã cập nhật hồ sơ: %(a)s.") % {
            "a": workflow.TRANSITIONS[form.cleaned_data["action"]].label})
    return redirect("programs:application_detail", pk=pk)


@requires(COOPERATIVE)
@require_POST
def application_document(request, pk):
    application = queries.access_application(request.user, pk)
    form = forms.DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.add_application_document(actor=request.user, application=application, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Đã bổ sung “%(n)s”.") % {"n": form.cleaned_data["name"]})
    else:
        messages.error(request, " ".join(f"{form.fields[f].label}: {' '.join(e)}" for f, e in form.errors.items()))
    return redirect("programs:application_detail", pk=pk)


# --- Loans and S&T tasks ---------------------------------------------------------------------------------


@requires(COOPERATIVE)
def loan_list(request):
    today = timezone.localdate()
    rows = [(loan, loans.position(loan, today)) for loan in queries.list_loans(request.user)]
    return render(request, "programs/loan_list.html", {"rows": rows})


@requires(COOPERATIVE)
def loan_detail(request, pk, form=None):
    loan = queries.access_loan(request.user, pk)
    can_repay = queries.can_record(request.user) and (queries.is_admin(request.user)
                                                      or queries.agency_of(request.user) == loan.agency_id)
    return render(request, "programs/loan_detail.html", {
        "loan": loan, "position": loans.position(loan, timezone.localdate()), "can_repay": can_repay,
        "form": form or forms.RepaymentForm(initial={"on": timezone.localdate()})})


@requires(OFFICER_OR_ADMIN)
@require_POST
def loan_repay(request, pk):
    loan = queries.access_loan(request.user, pk)
    form = forms.RepaymentForm(request.POST)
    if form.is_valid():
        try:
            services.repay(actor=request.user, loan=loan, **form.cleaned_data)
        except ValidationError as error:
            forms.apply_service_errors(form, error)
        else:
            messages.success(request, _("Đã ghi nhận khoản trả nợ."))
            return redirect("programs:loan_detail", pk=pk)
    response = loan_detail.__wrapped__(request, pk, form=form)
    response.status_code = 400
    return response


@requires(COOPERATIVE)
def task_list(request):
    return render(request, "programs/task_list.html", {"tasks": queries.list_tasks(request.user)})


@requires(COOPERATIVE)
def task_detail(request, pk):
    return render(request, "programs/task_detail.html", {"task": queries.access_task(request.user, pk)})

