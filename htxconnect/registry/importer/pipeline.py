"""The steps of an import, shared by the web pages (through tasks) and the command:
check a stored upload into a preview, change choices, commit; and the summary both print."""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from htxconnect.core.actors import system_actor

from . import analysis, jobs
from .analysis import CREATE, MERGE, SKIP
from .commit import CommitFailed, commit
from .filecheck import FileRefused, check_content, check_size
from .parse import read_workbook

logger = logging.getLogger(__name__)


def preview_file(path, *, actor, progress=None) -> dict:
    """Check a workbook on disk and build its preview; FileRefused when the file is refused."""
    check_size(path.stat().st_size if hasattr(path, "stat") else 0)
    check_content(path)
    raw = read_workbook(path, progress=progress)
    return analysis.build(raw, actor=actor, progress=progress)


def _actor(job):
    """Who started the job: its user (found again by id), or the system for a job without one."""
    if not job.get("user_id"):
        return system_actor("registry_import")
    user = get_user_model().objects.filter(pk=job["user_id"]).first()
    if user is None:
        raise PermissionDenied("import job of an unknown user")
    user.audit_address = job.get("address", "")
    return user


def run_check(job_id) -> dict | None:
    jobs.purge_old()  # uploads are kept a week at most
    job = jobs.load(job_id)
    if job is None or job["status"] not in (jobs.QUEUED, jobs.CHECKING):
        return job
    job["status"] = jobs.CHECKING
    job["progress"] = {"stage": "reading", "done": 0, "total": 0}
    jobs.save(job)

    def progress(stage, done, total):
        jobs.set_progress(job, stage, done, total)

    try:
        job["preview"] = preview_file(jobs.upload_path(job), actor=_actor(job), progress=progress)
    except FileRefused as refusal:
        job.update(status=jobs.REJECTED, message=refusal.message, code=refusal.code)
    except Exception:  # never leave a job "checking" forever; the page shows a plain message
        logger.exception("import check failed: job %s", job_id)
        job.update(status=jobs.REJECTED, code="error",
                   message=_("Không đọc được tệp do lỗi hệ thống. Hãy thử lại; nếu vẫn lỗi, báo quản trị viên."))
    else:
        job["status"] = jobs.READY
        total = sum(len(r) for r in job["preview"]["sheets"].values())
        job["progress"] = {"stage": "ready", "done": total, "total": total}
    jobs.save(job)
    return job


def apply_choices(job: dict, choices: dict, *, actor) -> dict:
    """Choices from the preview form: {"<sheet>:<row>": {"action": …, "ward": …}}."""
    preview = job["preview"]
    for key, rows in preview["sheets"].items():
        for row in rows:
            choice = choices.get(f"{key}:{row['row']}")
            if not choice:
                continue
            action = choice.get("action")
            if action in (CREATE, MERGE, SKIP) and action in row["options"]:
                row["action"] = action
            ward = choice.get("ward")
            if ward is not None and row.get("address") and row["address"]["status"] == "ambiguous":
                codes = {c["code"] for c in row["address"]["candidates"]}
                row["ward_choice"] = ward if ward in codes else ""
    analysis.analyze(preview, actor=actor)
    return job


def run_commit(job_id) -> dict | None:
    job = jobs.claim_commit(job_id)
    if job is None:
        return jobs.load(job_id)

    def progress(stage, done, total):
        jobs.set_progress(job, stage, done, total)

    try:
        job["result"] = commit(job["preview"], actor=_actor(job), filename=job["filename"], progress=progress)
    except CommitFailed as failure:
        job.update(status=jobs.READY, message=failure.message)  # nothing written: fix choices or discard
    except Exception:
        logger.exception("import commit failed: job %s", job_id)
        job.update(status=jobs.READY, message=_("Không nhập dòng nào do lỗi hệ thống. Hãy thử lại."))
    else:
        job.update(status=jobs.COMMITTED, message="")
    finally:
        jobs.release_commit(job_id)
    jobs.save(job)
    return job


def summary_lines(preview: dict, filename: str = "") -> list[str]:
    """The same summary on the page and in the command: rows ok / errors / duplicates per sheet,
    address conversions, then every error by row and column."""
    c = analysis.counts(preview)
    lines = []
    if filename:
        lines.append(_("Tệp: %(f)s") % {"f": filename})
    for key, rows in preview["sheets"].items():
        n = c[key]
        lines.append(_("Trang “%(s)s”: %(rows)s dòng — %(ok)s hợp lệ sẽ nhập (%(new)s tạo mới, %(merge)s cập nhật hồ sơ "
                       "đã có), %(dup)s trùng, %(skip)s bỏ qua, %(err)s có lỗi.") % {
            "s": preview["titles"].get(key, key), "rows": n["rows"], "ok": n["ok"], "new": n[CREATE],
            "merge": n[MERGE], "dup": n["duplicates"], "skip": n[SKIP], "err": n["errors"]})
    a = c["addresses"]
    if "organizations" in preview["sheets"]:
        lines.append(_("Địa chỉ: %(conv)s chuyển từ đơn vị cũ sang đơn vị hiện hành, %(cur)s đã theo đơn vị hiện hành, "
                       "%(codes)s theo mã, %(amb)s cần chọn xã/phường (%(picked)s đã chọn), %(failed)s không chuyển "
                       "được.") % {"conv": a["converted"], "cur": a["current"], "codes": a["codes"],
                                   "amb": a["ambiguous"] + a["picked"], "picked": a["picked"], "failed": a["failed"]})
    errors = analysis.all_errors(preview)
    if errors:
        lines.append(_("Lỗi (%(n)s):") % {"n": len(errors)})
        lines.extend(f"  - {e}" for e in errors)
    return lines


def result_line(result: dict) -> str:
    labels = {"organizations": _("tổ chức"), "products": _("sản phẩm"), "certifications": _("chứng nhận"),
              "ocop": _("xếp hạng OCOP")}
    parts = []
    for key, r in result.items():
        parts.append(_("%(label)s: %(c)s tạo mới, %(u)s cập nhật, %(same)s không đổi, %(s)s bỏ qua, %(e)s lỗi không nhập")
                     % {"label": labels.get(key, key), "c": r["created"], "u": r["updated"], "same": r["unchanged"],
                        "s": r["skipped"], "e": r["errors"]})
    return _("Đã nhập — ") + "; ".join(parts) + "."
