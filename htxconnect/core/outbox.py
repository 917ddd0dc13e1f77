"""Side effects of a write that happen only if it commits, and never turn a saved write into an error.

Every service queues its background work with `enqueue_on_commit(task, *args)` and runs its other
after-commit work (mail, cache purges, signals) with `after_commit(func, what=…)`, never with a raw
`transaction.on_commit(lambda: task.enqueue(…))`: an enqueue after the commit is a second write,
to the database or to Redis, and when that store stops in the instant between the two the
exception reached the request — a saved change answered with 503 "try again" (the person sends it
again: a duplicate) and the task was lost (decision 0027).

How a task is queued depends on the task's backend:
- database queue (django-tasks-db): the task row is written now, in the caller's transaction. It
  commits with the change or not at all, and a worker cannot see it before the commit.
- a queue outside the database (RQ on Redis, anything else): an `OutboxTask` row is written now,
  in the transaction; after the commit it is claimed, handed to the queue and marked dispatched. A
  failure is logged, never raised; the minute job `redispatch` hands over the rows not marked
  dispatched REDISPATCH_AFTER after their last attempt (or their creation). Delivery is at least once (a row handed
  over just before the database stopped is handed over again): the tasks are written to be safe
  to run twice (decision 0024).
- the immediate backend (tests, `TASK_BACKEND=immediate`): run after the commit, as before.
"""

from __future__ import annotations

import datetime
import logging
from typing import Callable

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks.backends.immediate import ImmediateBackend
from django_tasks.base import Task
from django_tasks_db import DatabaseBackend

log = logging.getLogger(__name__)

# A row not marked dispatched this long after its last attempt is handed over again.
REDISPATCH_AFTER = datetime.timedelta(seconds=30)
# Dispatched rows are kept this long (what was handed over, when), then deleted by the day job.
KEEP_DISPATCHED = datetime.timedelta(days=7)
BATCH = 500


def enqueue_on_commit(task: Task, *args, **kwargs) -> None:
    """Queue `task(*args, **kwargs)` to run if and only if the current transaction commits."""
    backend = task.get_backend()
    if isinstance(backend, DatabaseBackend):
        task.enqueue(*args, **kwargs)  # the task table is the outbox: same transaction
    elif isinstance(backend, ImmediateBackend):
        transaction.on_commit(lambda: task.enqueue(*args, **kwargs))
    else:
        from .models import OutboxTask

        row = OutboxTask.objects.create(task_path=task.module_path, queue_name=task.queue_name, args=list(args),
                                        kwargs=kwargs)
        transaction.on_commit(lambda: _first_attempt(row.pk, task, row.args, row.kwargs))


def after_commit(func: Callable[[], object], *, what: str) -> None:
    """Run `func` once the transaction commits; an exception is logged with `what`, never raised
    (the change is saved: an error page would make the person send it again)."""
    def run():
        try:
            func()
        except Exception:  # noqa: BLE001 — the write is committed; the failure is in the log
            log.exception("after-commit %s failed", what)

    transaction.on_commit(run)


def _first_attempt(row_id: int, task: Task, args: list, kwargs: dict) -> None:
    """After the commit, in the writer: claim the row and hand it over. A long transaction may commit
    a row the minute job already finds old enough: whichever claims it first hands it over."""
    try:
        claimed = claim(row_id, 0, timezone.now())
    except Exception:  # noqa: BLE001 — the database stopped at the commit: the minute job will send it
        log.exception("outbox %s: could not claim %s after the commit", row_id, task.module_path)
        return
    if claimed:
        _hand_over(row_id, task, args, kwargs)


def _hand_over(row_id: int, task: Task, args: list, kwargs: dict) -> bool:
    """Enqueue the claimed row's task and mark it dispatched; False (logged) when either fails."""
    from .models import OutboxTask

    try:
        task.enqueue(*args, **kwargs)
    except Exception as error:  # noqa: BLE001 — the row stays; the minute job hands it over again
        log.exception("outbox %s: enqueue of %s failed", row_id, task.module_path)
        try:
            OutboxTask.objects.filter(pk=row_id).update(last_error=f"{type(error).__name__}: {error}"[:2000])
        except Exception:  # noqa: BLE001 — the database may be what failed
            log.warning("outbox %s: could not record the error", row_id)
        return False
    try:
        OutboxTask.objects.filter(pk=row_id).update(dispatched_at=timezone.now(), last_error="")
    except Exception:  # noqa: BLE001 — handed over but not marked: handed over again later (safe twice)
        log.exception("outbox %s: enqueued but not marked dispatched", row_id)
    return True


def claim(row_id: int, attempts: int, now: datetime.datetime) -> bool:
    """Take one more attempt at the row. Conditional on the attempts seen: of two dispatchers that
    read the same row, only the one whose UPDATE changed it hands it over."""
    from .models import OutboxTask

    return bool(OutboxTask.objects.filter(pk=row_id, dispatched_at__isnull=True, attempts=attempts)
                .update(attempts=F("attempts") + 1, attempted_at=now))


def redispatch(now: datetime.datetime | None = None) -> int:
    """Minute job: hand over again the rows not dispatched REDISPATCH_AFTER after their last
    attempt (the queue or the database failed after the commit). Returns how many were handed over."""
    from .models import OutboxTask

    now = now or timezone.now()
    stale = now - REDISPATCH_AFTER
    rows = (OutboxTask.objects.filter(dispatched_at__isnull=True)
            .filter(Q(attempted_at__lt=stale) | Q(attempted_at__isnull=True, created_at__lt=stale))
            .order_by("created_at").values_list("pk", "attempts", "task_path", "queue_name", "args", "kwargs")[:BATCH])
    sent = 0
    for pk, attempts, path, queue_name, args, kwargs in rows:
        if not claim(pk, attempts, now):
            continue
        try:
            task = import_string(path)
        except ImportError as error:
            log.error("outbox %s: task %s not found: %s", pk, path, error)
            OutboxTask.objects.filter(pk=pk).update(last_error=f"ImportError: {error}"[:2000])
            continue
        if task.queue_name != queue_name:
            task = task.using(queue_name=queue_name)
        if _hand_over(pk, task, args, kwargs):
            log.warning("outbox %s: %s handed over on attempt %s", pk, path, attempts + 1)
            sent += 1
    return sent


def prune(now: datetime.datetime | None = None) -> int:
    """Day job: forget rows dispatched more than KEEP_DISPATCHED ago."""
    from .models import OutboxTask

    now = now or timezone.now()
    deleted, _ = OutboxTask.objects.filter(dispatched_at__lt=now - KEEP_DISPATCHED).delete()
    return deleted
