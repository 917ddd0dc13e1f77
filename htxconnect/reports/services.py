"""Writes of reports: create a draft (the officer's header fields and text), request its
generation (a task, queued after commit), run it (claimed once, progress written as it goes), and
the audit entries of generation and downloads."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from htxconnect.core import audit, outbox
from htxconnect.programs import queries as program_queries

from . import audit_actions as actions
from . import tasks
from .generation import run_generation  # noqa: F401 - the task's work, re-exported for callers
from .models import Report

EDITABLE = ("kind", "period_start", "period_end", "superior_body", "issuing_body", "number", "place", "issued_on",
            "subject", "recipients", "signer_authority", "signer_title", "signer_name", "advantages", "difficulties",
            "next_plan")


def _check_writer(actor, agency_id: int) -> None:
    audit.check_actor(actor)  # None is no actor; the system actor (commands, seeds) passes
    if audit.is_system(actor):
        return
    if not program_queries.can_record(actor) or not (
            program_queries.is_admin(actor) or program_queries.agency_of(actor) == agency_id):
        raise PermissionDenied(_("Chỉ cán bộ của cơ quan ban hành được lập báo cáo."))


def create_report(*, actor, program=None, agency=None, **fields) -> Report:
    """A draft report of `program` (or of `agency` across its programs). The issuing agency is the
    officer's own; for an administrator, the program's (or the one given)."""
    audit.check_actor(actor)
    if program is not None and not audit.is_system(actor) and not program_queries.scope_programs(actor).filter(
            pk=program.pk).exists():
        raise PermissionDenied(_("Chương trình không thuộc phạm vi của bạn."))
    agency_id = program_queries.agency_of(actor) if not audit.is_system(actor) else None
    if agency_id is None:
        agency_id = agency.pk if agency is not None else (program.agency_id if program is not None else None)
    if agency_id is None:
        raise ValidationError({"agency": _("Cần chọn cơ quan ban hành báo cáo.")})
    _check_writer(actor, agency_id)
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    with transaction.atomic():
        report = Report(agency_id=agency_id, program=program, created_by=actor if getattr(actor, "is_authenticated", False) else None,
                        **fields)
        report.full_clean()
        report.save()
        audit.record(actions.REPORT_CREATED, obj=report, actor=actor, changes=audit.created(report))
    return report


def update_report(*, actor, report_id: int, **fields) -> Report:
    """Change a draft's header or text; a generated report is what was issued and stays as it is."""
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report_id)
        _check_writer(actor, report.agency_id)
        if report.status not in (Report.Status.DRAFT, Report.Status.FAILED):
            raise ValidationError(_("Báo cáo đã tạo không sửa được: lập báo cáo mới để thay thế."))
        before = audit.snapshot(report)
        for name, value in fields.items():
            if name not in EDITABLE:
                raise TypeError(f"unknown field: {name}")
            setattr(report, name, value)
        report.full_clean()
        report.save()
        audit.record(actions.REPORT_UPDATED, obj=report, actor=actor,
                     changes=audit.diff(before, audit.snapshot(report)))
    return report


def request_generation(*, actor, report_id: int) -> Report:
    """Queue the report's generation. Claimed by a conditional update (draft or failed → queued), so
    two clicks queue one task; the task is queued with the claim (core.outbox), so it runs once the
    claim is committed and never without it."""
    report = Report.objects.get(pk=report_id)
    _check_writer(actor, report.agency_id)
    with transaction.atomic():
        claimed = Report.objects.filter(pk=report_id, status__in=[Report.Status.DRAFT, Report.Status.FAILED]).update(
            status=Report.Status.QUEUED, progress={"done": 0, "total": 0, "stage": "queued"}, error="")
        if claimed:
            audit.record(actions.REPORT_GENERATION_REQUESTED, obj=report, actor=actor)
            outbox.enqueue_on_commit(tasks.generate_report, report_id)
        # Read in the transaction: nothing after the commit may fail (a database that stops then
        # would turn the queued report into an error page, and the officer would click again).
        report.refresh_from_db()
    return report


def record_download(*, actor, report: Report, fmt: str) -> None:
    """Exports are audited: who downloaded which report in which format."""
    audit.record(actions.REPORT_DOWNLOADED, obj=report, actor=actor, changes={"format": [None, fmt]})


def record_export(*, actor, what: str) -> None:
    """A dashboard table downloaded as XLSX (exports are audited)."""
    audit.record(actions.DASHBOARD_EXPORTED, actor=actor, object_repr=what, changes={"chart": [None, what]})
