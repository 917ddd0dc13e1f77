"""Import jobs kept in file storage between upload, preview and commit: imports/<uuid>/ holds
the uploaded workbook (upload.xlsx) and the job state (job.json: owner, status, progress,
preview, result). A file rather than a table because the state is one JSON document read and
written whole, and progress must be visible while the commit's database transaction is still
open (see docs/decisions/0006-import-jobs-on-disk.md). Old jobs are removed by `purge_old()`.

Through Django's storage (core.storage), so the web servers and the workers share jobs on S3 as
they do on a shared MEDIA_ROOT. On disk job.json is replaced atomically (temporary file +
rename) and the commit is claimed with an O_EXCL lock file; on S3 a PUT replaces an object
whole and the claim is a conditional PUT (If-None-Match: *), the same "exactly once".

States: queued → checking → ready → commit_queued → committing → committed; or rejected (the file as a whole
was refused), failed (the commit was rolled back) or discarded.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
import uuid
from pathlib import Path

from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

QUEUED, CHECKING, READY, COMMIT_QUEUED, COMMITTING, COMMITTED, REJECTED, FAILED = (
    "queued", "checking", "ready", "commit_queued", "committing", "committed", "rejected", "failed")
RUNNING = {QUEUED, CHECKING, COMMIT_QUEUED, COMMITTING}
FINISHED = {COMMITTED, REJECTED, FAILED}
MAX_AGE_SECONDS = 7 * 24 * 3600


PREFIX = "imports"


def _name(job_id, part: str = "") -> str:
    return f"{PREFIX}/{uuid.UUID(str(job_id))}" + (f"/{part}" if part else "")


def _local(name: str) -> Path | None:
    """The file's path when the storage is a local disk, else None (S3)."""
    try:
        return Path(default_storage.path(name))
    except NotImplementedError:
        return None


def root() -> Path:
    """The jobs' folder on a local disk (filesystem storage only)."""
    return Path(default_storage.path(PREFIX))


def _cache_dir(job_id) -> Path:
    return Path(tempfile.gettempdir()) / "htx-imports" / str(uuid.UUID(str(job_id)))


def create(*, user_id, filename: str, source, kind: str = "registry", address: str = "") -> dict:
    """Store an uploaded file (a Django UploadedFile or a path) and a new job for it. `kind` names
    the importer that owns the job ("registry", or "supports" for the programs' support import)."""
    job_id = str(uuid.uuid4())
    name = _name(job_id, "upload.xlsx")
    if isinstance(source, (str, Path)):
        with open(source, "rb") as handle:
            stored = default_storage.save(name, File(handle))
    else:
        stored = default_storage.save(name, source)
    assert stored == name, (stored, name)  # a new uuid: the name is free
    # The client address goes with the job so the task's audit entries name it (see core.audit).
    job = {"id": job_id, "kind": kind, "user_id": user_id, "address": address[:64], "filename": filename[:200],
           "status": QUEUED,
           "created_at": timezone.now().isoformat(), "progress": {"stage": "queued", "done": 0, "total": 0},
           "message": "", "preview": None, "result": None}
    save(job)
    return job


def upload_path(job) -> Path:
    """A local path of the uploaded workbook (the parsers read files): the file itself on disk, a
    copy in the temporary directory when the storage is remote."""
    name = _name(job["id"], "upload.xlsx")
    local = _local(name)
    if local is not None:
        return local
    cached = _cache_dir(job["id"]) / "upload.xlsx"
    if not cached.exists():
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(f".{os.getpid()}.part")
        with default_storage.open(name, "rb") as source, open(partial, "wb") as out:
            shutil.copyfileobj(source, out)
        os.replace(partial, cached)
    return cached


def save(job: dict) -> None:
    """Write the whole document so a reader never sees half of it (rename on disk, PUT on S3)."""
    name = _name(job["id"], "job.json")
    data = json.dumps(job, ensure_ascii=False).encode("utf-8")
    local = _local(name)
    if local is None:
        default_storage.save(name, ContentFile(data))  # replaced in place (core.storage_s3)
        return
    local.parent.mkdir(parents=True, exist_ok=True)
    tmp = local.parent / f"job.{os.getpid()}.{time.monotonic_ns()}.tmp"
    tmp.write_bytes(data)
    os.replace(tmp, local)


def load(job_id) -> dict | None:
    try:
        with default_storage.open(_name(job_id, "job.json"), "rb") as handle:
            return json.loads(handle.read().decode("utf-8"))
    except (FileNotFoundError, ValueError):
        return None
    except OSError:  # a remote store's "no such key"
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


def _create_exclusive(name: str) -> bool:
    """Create an empty file `name` unless it exists; True when this call created it."""
    local = _local(name)
    if local is None:
        return default_storage.create_exclusive(name)  # core.storage_s3: a conditional PUT
    try:
        fd = os.open(local, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return False
    os.close(fd)
    return True


def claim_commit(job_id) -> dict | None:
    """Move a job from ready to committing exactly once (a lock created only if absent), so a
    double click or a retried task never writes the same import twice."""
    lock = _name(job_id, "commit.lock")
    if not _create_exclusive(lock):
        return None
    job = load(job_id)
    if job is None or job["status"] not in (READY, COMMIT_QUEUED):
        default_storage.delete(lock)
        return None
    job["status"] = COMMITTING
    job["progress"] = {"stage": "writing", "done": 0, "total": 0}
    save(job)
    return job


def release_commit(job_id) -> None:
    default_storage.delete(_name(job_id, "commit.lock"))


def delete(job_id) -> None:
    shutil.rmtree(_cache_dir(job_id), ignore_errors=True)
    folder = _name(job_id)
    local = _local(folder)
    if local is not None:
        shutil.rmtree(local, ignore_errors=True)
        return
    try:
        _, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in files:
        default_storage.delete(f"{folder}/{name}")


def purge_old(max_age: int = MAX_AGE_SECONDS) -> int:
    removed = 0
    limit = time.time() - max_age
    local = _local(PREFIX)
    if local is not None:
        if not local.exists():
            return 0
        for folder in local.iterdir():
            if folder.is_dir() and folder.stat().st_mtime < limit:
                shutil.rmtree(folder, ignore_errors=True)
                removed += 1
        return removed
    try:
        folders, _ = default_storage.listdir(PREFIX)
    except FileNotFoundError:
        return 0
    for folder in folders:
        try:
            modified = default_storage.get_modified_time(f"{PREFIX}/{folder}/job.json").timestamp()
        except (FileNotFoundError, OSError):
            continue
        if modified < limit:
            delete(folder)
            removed += 1
    return removed
