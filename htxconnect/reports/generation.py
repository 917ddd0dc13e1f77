"""Running a report's generation (the task's work): claim it, compute its figures, write the DOCX,
the XLSX annex and the PDF into storage, store the figures, audit. Progress is written to the row
as it goes, so the page can show it."""

from __future__ import annotations

import logging
import pathlib
import tempfile

from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from htxconnect.core import audit, joblock, storage

from . import annex, document, figures, pdf
from . import audit_actions as actions
from .models import Report

log = logging.getLogger(__name__)


def _progress(report_id: int, done: int, total: int, stage: str) -> None:
    Report.objects.filter(pk=report_id).update(progress={"done": done, "total": total, "stage": stage})


def run_generation(report_id: int) -> str:
    """Generate the report's figures and files, once however often the task runs.

    The task holds the report's lock while it works (core.joblock): a second run while the first
    lives finds the lock taken and does nothing; a run after the first was killed mid-task gets
    the lock, finds the report still "running" (its outcome was never committed) and does the
    work again. A report already done or failed is left alone."""
    with joblock.exclusive(f"reports.generate:{report_id}") as mine:
        if not mine:
            return "running-elsewhere"
        return _generate(report_id)


def _generate(report_id: int) -> str:
    # queued → running; "running" without a live owner (we hold the lock) is a killed worker's: ours now.
    if not Report.objects.filter(pk=report_id, status__in=[Report.Status.QUEUED, Report.Status.RUNNING]).update(
            status=Report.Status.RUNNING, progress={"done": 0, "total": 0, "stage": "starting"}):
        return "not-queued"
    report = Report.objects.select_related("agency", "program", "created_by").get(pk=report_id)
    try:
        programs = figures.programs_of(report)
        total = len(programs) + 3
        content = figures.collect(report, progress=lambda d, t, stage: _progress(report_id, d, total, stage))
        _progress(report_id, len(programs), total, "docx")
        docx = document.render(report, content)
        _progress(report_id, len(programs) + 1, total, "xlsx")
        stem = f"bao-cao-{report.pk}"
        with tempfile.TemporaryDirectory(prefix="htx-report-") as tmp:
            path = pathlib.Path(tmp) / "phu-luc.xlsx"
            annex.write(report, content, programs, path)
            with path.open("rb") as handle:
                joblock.save_replacing(report.xlsx, f"{stem}-phu-luc.xlsx", File(handle))
        _progress(report_id, len(programs) + 2, total, "pdf")
        joblock.save_replacing(report.docx, f"{stem}.docx", ContentFile(docx))
        note = ""
        try:
            joblock.save_replacing(report.pdf, f"{stem}.pdf", ContentFile(pdf.docx_to_pdf(docx)))
        except (pdf.ConversionError, OSError) as error:  # the DOCX and XLSX still stand
            log.warning("report %s: no PDF: %s", report_id, error)
            note = _("Chưa tạo được bản PDF (LibreOffice): %(e)s") % {"e": str(error)[:300]}
        report.figures = content
        report.status, report.generated_at, report.error = Report.Status.DONE, timezone.now(), note
        report.progress = {"done": total, "total": total, "stage": "done"}
        # The outcome and its audit entry commit together: a worker killed before this leaves the
        # report "running" for the retry, never "done" without its entry.
        with transaction.atomic():
            report.save()
            # The task acts for whoever asked; a report of the system (seeds) is the system's.
            actor = report.created_by or audit.system_actor("generate_report")
            audit.record(actions.REPORT_GENERATED, obj=report, actor=actor,
                         changes={"figures": [None, len(content["figures"])]})
        return "done"
    except Exception as error:  # recorded on the report, shown on its page; the task may be retried
        log.exception("report %s failed", report_id)
        reason = storage.disk_full_message() if storage.is_disk_full(error) else str(error)[:2000]
        Report.objects.filter(pk=report_id).update(status=Report.Status.FAILED, error=reason)
        return "failed"
