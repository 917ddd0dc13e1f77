"""/healthz: is this app server able to serve? Database, cache and task queue, as JSON.

For load balancers, systemd watchdogs and monitoring: 200 when everything is ok, 503 when
something is degraded (cache down, task queue stuck) or broken (database down). Public, holds
no secrets (no hosts, no error texts beyond the exception class), never cached.
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
        log.error("healthz: database check failed: %r", exc)
        return {"ok": False, "vendor": connection.vendor, "error": type(exc).__name__}
    return {"ok": True, "vendor": connection.vendor, "latency_ms": _ms(start)}


def check_cache() -> dict:
    cache = caches["default"]
    backend = type(cache).__name__
    key = f"healthz:{uuid.uuid4().hex}"
    start = time.perf_counter()
    try:
        cache.set(key, "ok", timeout=10)
        ok = cache.get(key) == "ok"
        cache.delete(key)
    except Exception as exc:
        log.error("healthz: cache check failed: %r", exc)
        return {"ok": False, "backend": backend, "error": type(exc).__name__}
    result = {"ok": ok, "backend": backend, "latency_ms": _ms(start)}
    if not ok:
        result["error"] = "ReadBackMismatch"
    return result


def check_tasks(database_ok: bool = True) -> dict:
    backend_path = settings.TASKS.get("default", {}).get("BACKEND", "")
    result = {"ok": True, "backend": backend_path.rsplit(".", 1)[-1], "pending": None, "oldest_pending_seconds": None}
    if backend_path != DATABASE_BACKEND:
        return result  # immediate/dummy backends have no queue to watch
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
        log.error("healthz: task queue check failed: %r", exc)
        return {**result, "ok": False, "error": type(exc).__name__}
    oldest = stats["oldest"]
    waited = round((timezone.now() - oldest).total_seconds()) if oldest else 0
    result.update(pending=pending, oldest_pending_seconds=waited if oldest else None)
    if waited > TASK_MAX_WAIT_SECONDS:
        result.update(ok=False, error="QueueStalled")
    return result


@public
@never_cache
def healthz(request):
    database = check_database()
    cache = check_cache()
    tasks = check_tasks(database_ok=database["ok"])
    if not database["ok"]:
        status = "error"
    elif cache["ok"] and tasks["ok"]:
        status = "ok"
    else:
        status = "degraded"
    body = {"status": status, "database": database, "cache": cache, "tasks": tasks}
    return JsonResponse(body, status=200 if status == "ok" else 503)
