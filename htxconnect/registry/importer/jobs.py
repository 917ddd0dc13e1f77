"""Import jobs kept on disk between upload, preview and commit: MEDIA_ROOT/imports/<uuid>/ holds
the uploaded workbook (upload.xlsx) and the job state (job.json: owner, status, progress,
preview, result). A file rather than a table because the state is one JSON document read and
written whole, and progress must be visible while the commit's database transaction is still
open (see docs/decisions/0006-import-jobs-on-disk.md). Old jobs are removed by `purge_old()`.

States: queued → checking → ready → commit_queued → committing → committed; or rejected (the file as a whole
was refused), failed (the commit was rolled back) or discarded.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.utils import timezone

QUEUED, CHECKING, READY, COMMIT_QUEUED, COMMITTING, COMMITTED, REJECTED, FAILED = (
    "queued", "checking", "ready", "commit_queued", "committing", "committed", "rejected", "failed")
RUNNING = {QUEUED, CHECKING, COMMIT_QUEUED, COMMITTING}
FINISHED = {COMMITTED, REJECTED, FAILED}
MAX_AGE_SECONDS = 7 * 24 * 3600


def root() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def _dir(job_id) -> Path:
    return root() / str(uuid.UUID(str(job_id)))


def create(*, user_id, filename: str, source, kind: str = "registry", address: str = "") -> dict:
    """Store an uploaded file (a Django UploadedFile or a path) and a new job for it. `kind` names
    the importer that owns the job ("registry", or "supports" for the programs' support import)."""
    job_id = str(uuid.uuid4())
    folder = _dir(job_id)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "upload.xlsx"
    if isinstance(source, (str, Path)):
        shutil.copyfile(source, target)
    else:
        with open(target, "wb") as out:
            for chunk in source.chunks():
                out.write(chunk)
    # The client address goes with the job so the task's audit entries name it (see core.audit).
    job = {"id": job_id, "kind": kind, "user_id": user_id, "address": address[:64], "filename": filename[:200],
           "status": QUEUED,
           "created_at": timezone.now().isoformat(), "progress": {"stage": "queued", "done": 0, "total": 0},
           "message": "", "preview": None, "result": None}
    save(job)
    return job


def upload_path(job) -> Path:
    return _dir(job["id"]) / "upload.xlsx"


def save(job: dict) -> None:
    """Write atomically (temp file + rename) so a reader never sees half a document."""
    folder = _dir(job["id"])
    tmp = folder / f"job.{os.getpid()}.{time.monotonic_ns()}.tmp"
    tmp.write_text(json.dumps(job, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, folder / "job.json")


def load(job_id) -> dict | None:
    try:
        return json.loads((_dir(job_id) / "job.json").read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None


def load_for(user, job_id, kind: str = "registry") -> dict | None:
    """The job if it belongs to `user` (nobody else may see an upload) and to importer `kind`, else None."""
    job = load(job_id)
    if job is None or job.get("user_id") != getattr(user, "pk", None) or job.get("kind", "registry") != kind:
        return None
    return job


def set_progress(job: dict, stage: str, done: int, total: int) -> None:
    job["progress"] = {"stage": stage, "done": done, "total": total}
    save(job)


def claim_commit(job_id) -> dict | None:
    """Move a job from ready to committing exactly once (a lock file created with O_EXCL), so a
    double click or a retried task never writes the same import twice."""
    lock = _dir(job_id) / "commit.lock"
    try:
        fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return None
    os.close(fd)
    job = load(job_id)
    if job is None or job["status"] not in (READY, COMMIT_QUEUED):
        lock.unlink(missing_ok=True)
        return None
    job["status"] = COMMITTING
    job["progress"] = {"stage": "writing", "done": 0, "total": 0}
    save(job)
    return job


def release_commit(job_id) -> None:
    (_dir(job_id) / "commit.lock").unlink(missing_ok=True)


def delete(job_id) -> None:
    shutil.rmtree(_dir(job_id), ignore_errors=True)


def purge_old(max_age: int = MAX_AGE_SECONDS) -> int:
    removed = 0
    if not root().exists():
        return 0
    limit = time.time() - max_age
    for folder in root().iterdir():
        if folder.is_dir() and folder.stat().st_mtime < limit:
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed
