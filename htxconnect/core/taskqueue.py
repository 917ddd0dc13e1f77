"""Task workers whatever the backend: which backend runs, who is a live worker, and giving the
tasks of a dead worker back to the queue.

`manage.py run_worker QUEUE…` starts the worker of the configured backend (django-tasks-db's
db_worker, or an RQ worker). Before it starts it requeues the tasks that a worker of this machine
left "running" when it was killed: the database queue would keep them running for ever, RQ only
notices after the job's heartbeat expires (about 90 s) and its next maintenance pass.
"""

from __future__ import annotations

import logging
import os
import socket

from django.conf import settings

from htxconnect.core.machine import process_alive, start_time

log = logging.getLogger(__name__)

DATABASE, RQ, IMMEDIATE = "database", "rq", "immediate"


def backend_kind() -> str:
    path = settings.TASKS.get("default", {}).get("BACKEND", "")
    if path.startswith("django_tasks_db."):
        return DATABASE
    if path.endswith("RQBackend"):
        return RQ
    return IMMEDIATE


def queue_names() -> list[str]:
    return list(settings.TASKS.get("default", {}).get("QUEUES") or settings.TASK_QUEUES)


def check_queue_names(names: list[str]) -> list[str]:
    """The queues asked for, "*" or none for all; an unknown name is refused with the list of known ones."""
    known = queue_names()
    if not names or names == ["*"]:
        return known
    unknown = [name for name in names if name not in known]
    if unknown:
        raise ValueError(f"Hàng đợi không có / unknown queue(s): {', '.join(unknown)}; có / known: {', '.join(known)}")
    return list(dict.fromkeys(names))


# --- Who is alive ---------------------------------------------------------------------------------------


def worker_id() -> str:
    """host:pid:start — enough for a worker of the same machine to tell whether this one still runs."""
    pid = os.getpid()
    return f"{socket.gethostname()[:40]}:{pid}:{start_time(pid) or 0}"


def _dead_here(identity: str) -> bool:
    """True when `identity` (from worker_id) names a process of this machine that is gone."""
    parts = identity.split(":")
    if len(parts) < 3 or not parts[-2].isdigit():
        return False
    host, pid, start = ":".join(parts[:-2]), int(parts[-2]), parts[-1]
    if host != socket.gethostname()[:40]:
        return False  # another machine's worker: its own restart requeues its tasks
    return not process_alive(pid, None if start == "0" else start)


# --- Requeue what dead workers left ---------------------------------------------------------------------


def requeue_abandoned_database(queues: list[str]) -> list[str]:
    """Database queue: tasks "running" under a worker of this machine that no longer runs → ready again."""
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    requeued = []
    for row in DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING, queue_name__in=queues).only(
            "id", "worker_ids", "started_at"):
        if not row.worker_ids or not _dead_here(row.worker_ids[-1]):
            continue
        # Conditional: two workers starting together must not both hand it back.
        if DBTaskResult.objects.filter(pk=row.pk, status=TaskResultStatus.RUNNING,
                                       started_at=row.started_at).update(status=TaskResultStatus.READY):
            log.warning("task %s of dead worker %s requeued", row.pk, row.worker_ids[-1])
            requeued.append(str(row.pk))
    return requeued


def requeue_abandoned_rq(queues: list[str]) -> list[str]:
    """RQ: jobs started by a worker that is gone (its key expired, or it was a process of this machine
    that no longer runs) are expired in the started registry at once, and RQ's own cleanup then
    retries them (the backend gives every job retries) or moves them to the failed registry."""
    import django_rq
    from django_tasks_rq.backend import Job
    from rq.worker import Worker

    requeued = []
    for name in queues:
        queue = django_rq.get_queue(name, job_class=Job)
        registry = queue.started_job_registry
        connection = queue.connection
        for job_id, execution_id in registry.get_job_and_execution_ids():
            job = queue.fetch_job(job_id)
            if job is None or not job.worker_name:
                continue
            worker = Worker.find_by_key(Worker.redis_worker_namespace_prefix + job.worker_name, connection=connection)
            dead = worker is None or (worker.hostname == socket.gethostname()
                                      and worker.pid is not None and not process_alive(int(worker.pid)))
            if dead:
                connection.zadd(registry.key, {f"{job_id}:{execution_id}": 0}, xx=True)
                log.warning("job %s of dead worker %s handed back to RQ", job_id, job.worker_name)
                requeued.append(job_id)
        if requeued:
            registry.cleanup()  # RQ: retry (retries left) or failed registry (AbandonedJobError)
    return requeued


def requeue_abandoned(queues: list[str] | None = None) -> list[str]:
    queues = queues or queue_names()
    kind = backend_kind()
    if kind == DATABASE:
        return requeue_abandoned_database(queues)
    if kind == RQ:
        return requeue_abandoned_rq(queues)
    return []
