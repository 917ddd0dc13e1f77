"""Health: /healthz says the process is up, /readyz whether it is ready to serve, as JSON.

- /healthz ("up", liveness): the process answers; touches nothing else (no database), so a
  database outage does not make a supervisor restart healthy app servers. Always 200.
- /readyz ("ready", readiness: load balancers, monitoring, the deploy script): database, cache,
  task queue (the database queue's oldest waiting task; with RQ, the outbox's oldest task not
  yet handed over) and migrations. 200 when everything is ok, 503 when something is degraded (cache
  down, task queue stuck) or broken (database down, migrations not applied). This is what
  /healthz answered before the split (same body, plus "migrations").

Both public, hold no secrets (no hosts, no error texts beyond the exception class), never cached.
"""

from __future__ import annotations

import logging
import time
import uuid

from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from .permissions import public

log = logging.getLogger("htxconnect.health")

DATABASE_BACKEND = "django_tasks_db.DatabaseBackend"
# A task still waiting after this long means no worker is taking work: degraded.
TASK_MAX_WAIT_SECONDS = 15 * 60


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 1)


def check_database() -> dict:
    start = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure is a failed check, reported by class only
        log.error("readyz: database check failed: %r", exc)
        return {"ok": False, "vendor": connection.vendor, "error": type(exc).__name__}
    return {"ok": True, "vendor": connection.vendor, "latency_ms": _ms(start)}


def check_cache() -> dict:
    cache = caches["default"]
    backend = type(cache).__name__
    key = f"healthz:{uuid.uuid4().hex}"
    start = time.perf_counter()
    try:
        # The Redis cache answers from process memory while Redis is down: ask Redis itself.
        getattr(cache, "raise_if_down", lambda: None)()
        cache.set(key, "ok", timeout=10)
        ok = cache.get(key) == "ok"
        cache.delete(key)
    except Exception as exc:
        log.error("readyz: cache check failed: %r", exc)
        return {"ok": False, "backend": backend, "error": type(exc).__name__}
    result = {"ok": ok, "backend": backend, "latency_ms": _ms(start)}
    if not ok:
        result["error"] = "ReadBackMismatch"
    return result


def check_tasks(database_ok: bool = True) -> dict:
    backend_path = settings.TASKS.get("default", {}).get("BACKEND", "")
    result = {"ok": True, "backend": backend_path.rsplit(".", 1)[-1], "pending": None, "oldest_pending_seconds": None}
    if backend_path != DATABASE_BACKEND:
        return _check_outbox(result, database_ok)
    if not database_ok:
        return {**result, "ok": False, "error": "DatabaseUnavailable"}
    try:
        from django.db.models import Case, F, Min, When
        from django_tasks_db.models import DBTaskResult, get_date_max

        ready = DBTaskResult.objects.ready()
        # A task waits from when it may run: its run_after, or its enqueueing when unscheduled.
        waiting_since = Case(When(run_after=get_date_max(), then=F("enqueued_at")), default=F("run_after"))
        stats = ready.aggregate(oldest=Min(waiting_since))
        pending = ready.count()
    except Exception as exc:
        log.error("readyz: task queue check failed: %r", exc)
        return {**result, "ok": False, "error": type(exc).__name__}
    oldest = stats["oldest"]
    waited = round((timezone.now() - oldest).total_seconds()) if oldest else 0
    result.update(pending=pending, oldest_pending_seconds=waited if oldest else None)
    if waited > TASK_MAX_WAIT_SECONDS:
        result.update(ok=False, error="QueueStalled")
    return result


def _check_outbox(result: dict, database_ok: bool) -> dict:
    """A queue outside the database (RQ): its tasks wait in the outbox table until handed over
    (core.outbox, decision 0027). A row still there after TASK_MAX_WAIT_SECONDS means Redis has
    refused it that long, or the minute job does not run: degraded. The immediate backend has
    no outbox and nothing to watch."""
    if "Immediate" in result["backend"] or "Dummy" in result["backend"]:
        return result
    if not database_ok:
        return {**result, "ok": False, "error": "DatabaseUnavailable"}
    try:
        from django.db.models import Count, Min

        from .models import OutboxTask

        stats = OutboxTask.objects.filter(dispatched_at__isnull=True).aggregate(oldest=Min("created_at"),
                                                                                pending=Count("pk"))
        pending = stats["pending"]
    except Exception as exc:
        log.error("readyz: outbox check failed: %r", exc)
        return {**result, "ok": False, "error": type(exc).__name__}
    oldest = stats["oldest"]
    waited = round((timezone.now() - oldest).total_seconds()) if oldest else None
    result.update(pending=pending, oldest_pending_seconds=waited)
    if waited is not None and waited > TASK_MAX_WAIT_SECONDS:
        result.update(ok=False, error="OutboxStalled")
    return result


# Once every migration is seen applied, it stays so for this process's code: checked once.
_migrations_applied = False


def check_migrations(database_ok: bool = True) -> dict:
    global _migrations_applied
    if _migrations_applied:
        return {"ok": True, "pending": 0}
    if not database_ok:
        return {"ok": False, "pending": None, "error": "DatabaseUnavailable"}
    try:
        from django.db.migrations.executor import MigrationExecutor

        executor = MigrationExecutor(connection)
        pending = len(executor.migration_plan(executor.loader.graph.leaf_nodes()))
    except Exception as exc:
        log.error("readyz: migration check failed: %r", exc)
        return {"ok": False, "pending": None, "error": type(exc).__name__}
    if pending:
        return {"ok": False, "pending": pending, "error": "MigrationsPending"}
    _migrations_applied = True
    return {"ok": True, "pending": 0}


@public
@never_cache
def healthz(request):
    """Up: the process answers. No database, no cache: nothing that could be slow or down."""
    return JsonResponse({"status": "ok"})


@public
@never_cache
def readyz(request):
    database = check_database()
    cache = check_cache()
    tasks = check_tasks(database_ok=database["ok"])
    migrations = check_migrations(database_ok=database["ok"])
    if not database["ok"] or not migrations["ok"]:
        status = "error"
    elif cache["ok"] and tasks["ok"]:
        status = "ok"
    else:
        status = "degraded"
    body = {"status": status, "database": database, "cache": cache, "tasks": tasks, "migrations": migrations}
    return JsonResponse(body, status=200 if status == "ok" else 503)
