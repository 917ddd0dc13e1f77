"""Every write to program data. Keyword-only, one transaction each, validated with full_clean and
audited; the pages, the API and the demo loader all call these. Mail goes out after commit.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from htxconnect.core import audit, outbox
from htxconnect.registry.models import Organization

from . import audit_actions as actions
from . import indicators, queries, tasks, workflow
from .loans import position
from .models import (
    Application, ApplicationDocument, ApplicationStep, Condition, ContentGroup, Disbursement, Loan, Plan, Policy,
    Program, Repayment, ScienceTask, ScienceTaskStep, Support, SupportItem, Target,
)

def _must_check(actor) -> bool:
    """Whether `actor`'s rights are checked: always, except for the system actor (commands, the
    demo loader). A missing actor is an error, never a pass."""
    audit.check_actor(actor)
    return not audit.is_system(actor)


def _record(action: audit.Action, obj, *, actor, changes=None, agency_id=None):
    audit.record(action, obj=obj, changes=changes or audit.created(obj), actor=actor,
                 agency_id=agency_id if agency_id is not None else getattr(obj, "agency_id", None))


def _require_staff_of(actor, agency_id: int | None, what: str) -> None:
    """Officers of the owning agency (or administrators); the system actor (commands, demo) passes."""
    if not _must_check(actor):
        return
    if queries.is_admin(actor):
        return
    if not (queries.can_record(actor) and (agency_id is None or queries.agency_of(actor) == agency_id)):
        raise PermissionDenied(what)


def _agency_for(actor, agency):
    if agency is not None:
        return agency
    if not audit.is_system(actor) and getattr(actor, "agency_id", None):
        return actor.agency
    raise ValidationError({"agency": _("Chọn cơ quan ghi nhận.")})


def _save(obj):
    obj.full_clean()
    obj.save()
    return obj


# --- Exports -------------------------------------------------------------------------------------------------

EXPORTS = {"supports": actions.EXPORT_SUPPORTS, "applications": actions.EXPORT_APPLICATIONS,
           "import_errors": actions.EXPORT_SUPPORT_IMPORT_ERRORS}


@transaction.atomic
def record_export(*, actor, kind: str, filename: str, filters: dict) -> None:
    """Audit an Excel export: who took which list, with which filters (the data itself is not copied)."""
    audit.record(EXPORTS[kind], actor=actor, object_repr=filename,
                 changes={"filters": {k: v for k, v in sorted(filters.items()) if v and k != "format"}})


# --- Policies ----------------------------------------------------------------------------------------


@transaction.atomic
def create_policy(*, actor, agency=None, **fields) -> Policy:
    agency = _agency_for(actor, agency)
    _require_staff_of(actor, agency.pk, _("Chỉ cán bộ của cơ quan được nhập chính sách."))
    policy = _save(Policy(agency=agency, **fields))
    _record(actions.POLICY_CREATED, policy, actor=actor)
    return policy


@transaction.atomic
def add_support_item(*, actor, policy: Policy, **fields) -> SupportItem:
    _require_staff_of(actor, policy.agency_id, _("Chỉ cán bộ của cơ quan được sửa chính sách."))
    item = _save(SupportItem(policy=policy, **fields))
    _record(actions.SUPPORT_ITEM_CREATED, item, actor=actor, agency_id=policy.agency_id)
    return item


@transaction.atomic
def add_condition(*, actor, policy: Policy, kind: str, params: dict, label: str = "", order: int = 0) -> Condition:
    _require_staff_of(actor, policy.agency_id, _("Chỉ cán bộ của cơ quan được sửa chính sách."))
    condition = _save(Condition(policy=policy, kind=kind, params=params, label=label, order=order))
    _record(actions.CONDITION_CREATED, condition, actor=actor, agency_id=policy.agency_id)
    return condition


# --- Programs, plans, targets --------------------------------------------------------------------------


@transaction.atomic
def create_program(*, actor, agency=None, partner_agencies=(), responsible_bodies=(), **fields) -> Program:
    agency = _agency_for(actor, agency)
    _require_staff_of(actor, agency.pk, _("Chỉ cán bộ của cơ quan được tạo chương trình."))
    program = _save(Program(agency=agency, **fields))
    program.partner_agencies.set(partner_agencies)
    program.responsible_bodies.set(responsible_bodies)
    _record(actions.PROGRAM_CREATED, program, actor=actor)
    return program


def _check_program(actor, program: Program):
    if _must_check(actor) and not queries.can_change_program(actor, program):
        raise PermissionDenied(_("Bạn không có quyền sửa chương trình này."))


@transaction.atomic
def add_content_group(*, actor, program: Program, number: int, title: str, description: str = "") -> ContentGroup:
    _check_program(actor, program)
    group = _save(ContentGroup(program=program, number=number, title=title, description=description))
    _record(actions.CONTENT_GROUP_CREATED, group, actor=actor, agency_id=program.agency_id)
    return group


@transaction.atomic
def create_plan(*, actor, program: Program, year: int, note: str = "") -> Plan:
    _check_program(actor, program)
    plan = _save(Plan(program=program, year=year, note=note))
    _record(actions.PLAN_CREATED, plan, actor=actor, agency_id=program.agency_id)
    return plan


@transaction.atomic
def add_target(*, actor, plan: Plan, group: ContentGroup, title: str, indicator: str, value: int, unit: str,
               params: dict | None = None, note: str = "") -> Target:
    _check_program(actor, plan.program)
    target = Target(plan=plan, group=group, title=title, indicator=indicator, value=value, unit=unit,
                    params=params or {}, note=note)
    indicators.check_target(target)
    target = _save(target)
    _record(actions.TARGET_CREATED, target, actor=actor, agency_id=plan.program.agency_id)
    return target


@transaction.atomic
def copy_plan_to_next_year(*, actor, plan: Plan) -> Plan:
    """A new plan for the following year with the same targets (values kept, to be adjusted)."""
    program = plan.program
    _check_program(actor, program)
    year = plan.year + 1
    if year > program.end_year:
        raise ValidationError({"year": _("Năm %(y)s nằm ngoài giai đoạn của chương trình (%(s)s–%(e)s).")
                               % {"y": year, "s": program.start_year, "e": program.end_year}})
    if Plan.objects.filter(program=program, year=year).exists():
        raise ValidationError({"year": _("Chương trình đã có kế hoạch năm %(y)s.") % {"y": year}})
    new = _save(Plan(program=program, year=year, note=_("Sao chép từ kế hoạch năm %(y)s.") % {"y": plan.year}))
    copied = [Target(plan=new, group_id=t.group_id, title=t.title, indicator=t.indicator, params=t.params,
                     unit=t.unit, value=t.value, note=t.note) for t in plan.targets.all()]
    for target in copied:
        target.full_clean()
    Target.objects.bulk_create(copied)
    _record(actions.PLAN_COPIED, new, actor=actor, agency_id=program.agency_id,
            changes={"from_year": [None, plan.year], "year": [None, year], "targets": [None, len(copied)]})
    return new


# --- Supports ---------------------------------------------------------------------------------------------


def _check_amount(item: SupportItem | None, amount: int | None, total_cost: int | None, field: str) -> None:
    if item is None or amount is None:
        return
    if item.max_amount is not None and amount > item.max_amount:
        raise ValidationError({field: _("Số tiền %(a)s đ vượt mức tối đa %(m)s đ của nội dung “%(i)s”.") % {
            "a": f"{amount:,}".replace(",", "."), "m": f"{item.max_amount:,}".replace(",", "."), "i": item.name}})
    if item.max_share_percent is not None:
        if not total_cost:
            raise ValidationError({"total_cost": _("Nội dung “%(i)s” hỗ trợ tối đa %(p)s%% chi phí: cần nhập tổng chi phí.")
                                   % {"i": item.name, "p": item.max_share_percent}})
        if amount * 100 > total_cost * item.max_share_percent:
            raise ValidationError({field: _("Số tiền %(a)s đ vượt %(p)s%% tổng chi phí %(t)s đ (tối đa %(m)s đ).") % {
                "a": f"{amount:,}".replace(",", "."), "p": item.max_share_percent,
                "t": f"{total_cost:,}".replace(",", "."),
                "m": f"{total_cost * item.max_share_percent // 100:,}".replace(",", ".")}})


@transaction.atomic
def record_support(*, actor, organization: Organization, kind: str, title: str, given_on: datetime.date,
                   agency=None, program: Program | None = None, group: ContentGroup | None = None,
                   item: SupportItem | None = None, amount_state: int = 0, amount_counterpart: int = 0,
                   participants: int | None = None, science_task: ScienceTask | None = None, note: str = "",
                   document=None, application: Application | None = None) -> Support:
    agency = _agency_for(actor, agency if agency is not None else (program.agency if program else None))
    if _must_check(actor) and not queries.is_admin(actor):
        allowed = queries.can_record(actor) and (
            queries.agency_of(actor) == agency.pk or (program is not None and queries.can_change_program(actor, program)))
        if not allowed:
            raise PermissionDenied(_("Chỉ cán bộ của cơ quan được ghi nhận khoản hỗ trợ."))
    if application is None:
        _check_amount(item, amount_state, amount_state + amount_counterpart, "amount_state")
    support = Support(organization=organization, agency=agency, program=program, group=group, item=item,
                      kind=kind, title=title, given_on=given_on, amount_state=amount_state,
                      amount_counterpart=amount_counterpart, participants=participants, science_task=science_task,
                      note=note, application=application,
                      created_by=actor if getattr(actor, "is_authenticated", False) else None)
    if document:
        support.document = document
    _save(support)
    _record(actions.SUPPORT_CREATED, support, actor=actor)
    return support


# --- Applications ---------------------------------------------------------------------------------------------


def _check_can_apply(actor, organization: Organization, item: SupportItem) -> None:
    if not _must_check(actor) or queries.is_admin(actor):
        return
    own = actor.role == "coop_manager" and organization.pk in queries.managed_ids(actor, True)
    on_behalf = queries.agency_of(actor) == item.policy.agency_id and queries.applicable_organizations(actor).filter(
        pk=organization.pk).exists()
    if not (own or on_behalf):
        raise PermissionDenied(_("Bạn không được lập hồ sơ cho %(o)s.") % {"o": organization.name})


@transaction.atomic
def create_application(*, actor, organization: Organization, item: SupportItem, title: str,
                       amount_requested: int | None,
                       total_cost: int | None = None, description: str = "", documents: dict | None = None,
                       program: Program | None = None, group: ContentGroup | None = None) -> Application:
    """A draft application; documents is {requirement name: uploaded file}."""
    _check_can_apply(actor, organization, item)
    if not item.policy.is_active:
        raise ValidationError({"item": _("Chính sách “%(p)s” không còn áp dụng.") % {"p": item.policy.number}})
    _check_amount(item, amount_requested, total_cost, "amount_requested")
    application = _save(Application(
        organization=organization, item=item, agency_id=item.policy.agency_id, program=program, group=group,
        title=title, amount_requested=amount_requested, total_cost=total_cost, description=description,
        created_by=actor if getattr(actor, "is_authenticated", False) else None))
    for name, file in (documents or {}).items():
        if file:
            _add_document(application, name, file)
    _record(actions.APPLICATION_CREATED, application, actor=actor)
    return application


def _add_document(application: Application, name: str, file) -> ApplicationDocument:
    doc = ApplicationDocument(application=application, name=name, file=file)
    doc.full_clean()
    doc.save()
    return doc


@transaction.atomic
def add_application_document(*, actor, application: Application, name: str, file) -> ApplicationDocument:
    audit.check_actor(actor)
    locked = Application.objects.select_for_update().get(pk=application.pk)
    if workflow.APPLICANT not in queries.application_roles(actor, locked) and \
            workflow.OFFICER not in queries.application_roles(actor, locked):
        raise PermissionDenied(_("Bạn không được bổ sung giấy tờ cho hồ sơ này."))
    if locked.state not in (Application.State.DRAFT, Application.State.INFO_REQUESTED):
        raise ValidationError({"file": _("Chỉ bổ sung giấy tờ khi hồ sơ đang nháp hoặc được yêu cầu bổ sung.")})
    doc = _add_document(locked, name, file)
    _record(actions.APPLICATION_DOCUMENT_ADDED, locked, actor=actor, changes={"document": [None, name]})
    return doc


def missing_documents(application: Application) -> list[str]:
    present = {d.name for d in application.documents.all()}
    return [name for name in application.item.required_documents if name not in present]


@transaction.atomic
def transition_application(*, actor, application_id: int, action: str, comment: str = "",
                           group: ContentGroup | None = None, today: datetime.date | None = None) -> Application:
    """Move an application along the workflow table, or refuse with a message naming the rule.

    The row is locked (SELECT … FOR UPDATE) before the state is checked: two officers approving
    at once are serialised, the second sees "approved" and is refused, so one support is created.
    """
    transition = workflow.TRANSITIONS.get(action)
    if transition is None:
        raise ValidationError({"action": _("Thao tác “%(a)s” không có.") % {"a": action}})
    application = (Application.objects.select_for_update(of=("self",))
                   .select_related("item", "item__policy", "organization").get(pk=application_id))
    roles = queries.application_roles(actor, application) if _must_check(actor) else {workflow.OFFICER}
    if application.state not in transition.sources:
        raise ValidationError({"action": _("Không thể “%(a)s” khi hồ sơ đang ở trạng thái “%(s)s”.") % {
            "a": transition.label, "s": application.get_state_display()}})
    if not transition.actors & roles:
        raise PermissionDenied(_("Vai trò của bạn không được “%(a)s” hồ sơ này.") % {"a": transition.label})
    comment = (comment or "").strip()
    if transition.comment_required and not comment:
        raise ValidationError({"comment": _("Cần ghi ý kiến khi “%(a)s”.") % {"a": transition.label}})
    today = today or timezone.localdate()
    if action == "submit":
        missing = missing_documents(application)
        if missing:
            raise ValidationError({"documents": _("Thiếu giấy tờ bắt buộc: %(d)s.") % {"d": ", ".join(missing)}})
        _check_amount(application.item, application.amount_requested, application.total_cost, "amount_requested")
        application.submitted_at = timezone.now()
        application.due_on = today + datetime.timedelta(days=application.item.review_days)
    if action == "approve" and not application.amount_requested:
        raise ValidationError({"amount_requested": _("Hồ sơ chưa có số tiền đề nghị hỗ trợ: chưa phê duyệt được.")})
    fields = ["state", "submitted_at", "due_on", "decided_at", "updated_at"]
    if action == "approve" and group is not None:
        # The approver files the support under a content group of one of the agency's programs.
        if _must_check(actor) and not queries.scope_programs(actor).filter(pk=group.program_id).exists():
            raise ValidationError({"group": _("Nhóm nội dung không thuộc chương trình của cơ quan bạn.")})
        application.program_id, application.group = group.program_id, group
        fields += ["program", "group"]
    before = application.state
    application.state = transition.target
    if transition.target in (Application.State.APPROVED, Application.State.REJECTED):
        application.decided_at = timezone.now()
    application.save(update_fields=fields)
    step = ApplicationStep.objects.create(
        application=application, action=action, from_state=before, to_state=transition.target, comment=comment,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_repr=(str(actor) if audit.is_system(actor) else actor.get_full_name())[:200])
    if action == "approve":
        _support_from(application, actor=actor, today=today, comment=comment)
    _record(actions.APPLICATION_BY_STATE[transition.target], application, actor=actor,
            changes={"state": [before, transition.target], "comment": [None, comment]})
    outbox.enqueue_on_commit(tasks.send_application_step, application.pk, step.pk)
    return application


def _support_from(application: Application, *, actor, today: datetime.date, comment: str) -> Support:
    item = application.item
    counterpart = max((application.total_cost or 0) - application.amount_requested, 0) if application.total_cost else 0
    # The approver's permission was checked by the workflow table; the support is the decision's record.
    support = _save(Support(
        organization=application.organization, agency=application.agency, program=application.program,
        group=application.group, item=item, kind=item.kind, title=application.title, given_on=today,
        amount_state=application.amount_requested, amount_counterpart=counterpart, application=application,
        note=_("Tạo khi phê duyệt hồ sơ. %(c)s") % {"c": comment},
        created_by=actor if getattr(actor, "is_authenticated", False) else None))
    _record(actions.SUPPORT_CREATED, support, actor=actor)
    return support


# --- Loans ------------------------------------------------------------------------------------------------------


@transaction.atomic
def create_loan(*, actor, borrowers, fund: str, purpose: str, principal: int, approved_on: datetime.date,
                agency=None, annual_rate=None, term_months=None, program=None, group=None, science_task=None,
                note: str = "") -> Loan:
    agency = _agency_for(actor, agency)
    _require_staff_of(actor, agency.pk, _("Chỉ cán bộ của cơ quan được ghi nhận khoản vay."))
    borrowers = list(borrowers)
    if not borrowers:
        raise ValidationError({"borrowers": _("Chọn ít nhất một bên vay.")})
    loan = _save(Loan(agency=agency, fund=fund, purpose=purpose, principal=principal, approved_on=approved_on,
                      annual_rate=annual_rate, term_months=term_months, program=program, group=group,
                      science_task=science_task, note=note))
    loan.borrowers.set(borrowers)
    _record(actions.LOAN_CREATED, loan, actor=actor)
    return loan


@transaction.atomic
def disburse(*, actor, loan: Loan, on: datetime.date, amount: int) -> Disbursement:
    locked = Loan.objects.select_for_update().get(pk=loan.pk)
    _require_staff_of(actor, locked.agency_id, _("Chỉ cán bộ của cơ quan được ghi giải ngân."))
    done = sum(locked.disbursements.values_list("amount", flat=True))
    if amount <= 0 or done + amount > locked.principal:
        raise ValidationError({"amount": _("Giải ngân %(a)s đ vượt số còn được giải ngân %(r)s đ.") % {
            "a": f"{amount:,}".replace(",", "."), "r": f"{locked.principal - done:,}".replace(",", ".")}})
    d = Disbursement(loan=locked, on=on, amount=amount)
    d.full_clean()
    d.save()
    _record(actions.LOAN_DISBURSED, locked, actor=actor, changes={"disbursed": [None, amount], "on": [None, on]})
    return d


@transaction.atomic
def repay(*, actor, loan: Loan, on: datetime.date, amount: int, note: str = "") -> Repayment:
    """Record a repayment; one larger than what is still owed is refused (row locked while checking)."""
    locked = Loan.objects.select_for_update().get(pk=loan.pk)
    _require_staff_of(actor, locked.agency_id, _("Chỉ cán bộ của cơ quan được ghi khoản trả nợ."))
    loaded = Loan.objects.prefetch_related("disbursements", "repayments").get(pk=locked.pk)
    owed = position(loaded, on).owed
    if amount <= 0:
        raise ValidationError({"amount": _("Số tiền trả phải lớn hơn 0.")})
    if amount > owed:
        raise ValidationError({"amount": _("Số tiền trả %(a)s đ lớn hơn số còn nợ %(o)s đ.") % {
            "a": f"{amount:,}".replace(",", "."), "o": f"{owed:,}".replace(",", ".")}})
    r = Repayment(loan=locked, on=on, amount=amount, note=note)
    r.full_clean()
    r.save()
    _record(actions.LOAN_REPAID, locked, actor=actor, changes={"repaid": [None, amount], "on": [None, on]})
    return r


# --- S&T tasks ------------------------------------------------------------------------------------------------

TASK_ORDER = [s for s, _label in ScienceTask.Status.choices]


@transaction.atomic
def create_science_task(*, actor, host: Organization, title: str, agency=None, cooperating=(), **fields) -> ScienceTask:
    agency = _agency_for(actor, agency)
    _require_staff_of(actor, agency.pk, _("Chỉ cán bộ của cơ quan được ghi nhận nhiệm vụ KH&CN."))
    task = _save(ScienceTask(agency=agency, host=host, title=title, **fields))
    task.cooperating.set(cooperating)
    _record(actions.SCIENCE_TASK_CREATED, task, actor=actor)
    return task


@transaction.atomic
def advance_science_task(*, actor, task: ScienceTask, to_status: str, on: datetime.date, comment: str = "",
                         results: str | None = None) -> ScienceTask:
    """Move a task to the next status only (approval → contract → mid-term → acceptance → evaluation)."""
    locked = ScienceTask.objects.select_for_update().get(pk=task.pk)
    _require_staff_of(actor, locked.agency_id, _("Chỉ cán bộ của cơ quan được cập nhật nhiệm vụ."))
    current = TASK_ORDER.index(locked.status)
    if to_status not in TASK_ORDER or TASK_ORDER.index(to_status) != current + 1:
        raise ValidationError({"to_status": _("Từ “%(a)s” chỉ chuyển sang bước kế tiếp “%(b)s”.") % {
            "a": locked.get_status_display(),
            "b": ScienceTask.Status(TASK_ORDER[current + 1]).label if current + 1 < len(TASK_ORDER) else "—"}})
    before = locked.status
    locked.status = to_status
    if results is not None:
        locked.results = results
    locked.save(update_fields=["status", "results"])
    ScienceTaskStep.objects.create(task=locked, from_status=before, to_status=to_status, on=on, comment=comment,
                                   actor=actor if getattr(actor, "is_authenticated", False) else None)
    _record(actions.SCIENCE_TASK_ADVANCED, locked, actor=actor, changes={"status": [before, to_status], "comment": [None, comment]})
    return locked
