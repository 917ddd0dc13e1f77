"""/healthz says the process is up (no database); /readyz: database, cache, task queue and migrations
as JSON, 200 only when all are ok (what /healthz answered before the split)."""

from datetime import timedelta
from unittest import mock

import pytest
from django.db.utils import OperationalError
from django.test import Client, override_settings
from django.utils import timezone

pytestmark = pytest.mark.django_db

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def get():
    return Client().get("/readyz")


def test_healthz_is_up_without_touching_the_database(django_assert_num_queries):
    from htxconnect.core import health

    class BrokenConnection:
        vendor = "postgresql"

        def cursor(self):
            raise OperationalError("could not connect to server at 10.0.0.5")

    with mock.patch.object(health, "connection", BrokenConnection()), django_assert_num_queries(0):
        response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-store" in response["Cache-Control"]
    # while /readyz, asked the same, says the database is down
    with mock.patch.object(health, "connection", BrokenConnection()):
        assert get().status_code == 503


def test_readyz_ok_for_anonymous_and_never_cached():
    response = get()
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True and body["database"]["latency_ms"] >= 0
    assert body["cache"]["ok"] is True
    assert body["tasks"]["ok"] is True
    assert body["migrations"] == {"ok": True, "pending": 0}
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Type"] == "application/json"


def test_health_holds_no_secrets(settings):
    text = get().content.decode() + Client().get("/healthz").content.decode()
    assert settings.SECRET_KEY not in text
    for word in ("PASSWORD", "password", "postgres://", "redis://", "HOST"):
        assert word not in text


def test_cache_failure_is_degraded_503():
    from django.core.cache import caches

    with mock.patch.object(type(caches["default"]), "set", side_effect=ConnectionError("redis down")):
        response = get()
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert body["cache"] == {"ok": False, "backend": "LocMemCache", "error": "ConnectionError"}
    assert body["database"]["ok"] is True
    assert "redis down" not in response.content.decode()


def test_database_failure_is_error_503():
    from htxconnect.core import health

    class BrokenConnection:
        vendor = "postgresql"

        def cursor(self):
            raise OperationalError("could not connect to server at 10.0.0.5")

    with mock.patch.object(health, "connection", BrokenConnection()):
        response = get()
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["database"] == {"ok": False, "vendor": "postgresql", "error": "OperationalError"}
    assert "10.0.0.5" not in response.content.decode()


def _enqueue(age_seconds: int):
    from django_tasks_db.models import DBTaskResult, get_date_max

    row = DBTaskResult.objects.create(args_kwargs={"args": [], "kwargs": {}}, task_path="x.y", backend_name="default",
                                      run_after=get_date_max(), queue_name="default")
    DBTaskResult.objects.filter(pk=row.pk).update(enqueued_at=timezone.now() - timedelta(seconds=age_seconds))
    return row


@override_settings(TASKS=DB_TASKS)
def test_database_task_queue_reports_pending_and_oldest():
    body = get().json()
    assert body["tasks"] == {"ok": True, "backend": "DatabaseBackend", "pending": 0, "oldest_pending_seconds": None}
    _enqueue(30)
    _enqueue(5)
    response = get()
    assert response.status_code == 200
    tasks = response.json()["tasks"]
    assert tasks["pending"] == 2
    assert 29 <= tasks["oldest_pending_seconds"] <= 40


@override_settings(TASKS=DB_TASKS)
def test_stalled_task_queue_is_degraded():
    from htxconnect.core.health import TASK_MAX_WAIT_SECONDS

    _enqueue(TASK_MAX_WAIT_SECONDS + 60)
    response = get()
    assert response.status_code == 503
    assert response.json()["status"] == "degraded"
    assert response.json()["tasks"]["error"] == "QueueStalled"


RQ_TASKS = {"default": {"BACKEND": "htxconnect.core.task_backends.RQBackend", "QUEUES": ["default", "labels"]}}


def _outbox_row(age_seconds: int, dispatched: bool = False):
    from htxconnect.core.models import OutboxTask

    created = timezone.now() - timedelta(seconds=age_seconds)
    return OutboxTask.objects.create(task_path="htxconnect.resolver.labels.render_labels_task", queue_name="labels",
                                     args=[1], kwargs={}, created_at=created,
                                     dispatched_at=created if dispatched else None)


@override_settings(TASKS=RQ_TASKS)
def test_with_rq_the_outbox_tasks_not_yet_handed_over_are_reported():
    _outbox_row(3 * 3600, dispatched=True)  # handed over long ago: not waiting
    assert get().json()["tasks"] == {"ok": True, "backend": "RQBackend", "pending": 0,
                                     "oldest_pending_seconds": None}
    _outbox_row(40)
    tasks = get().json()["tasks"]
    assert tasks["ok"] is True and tasks["pending"] == 1 and 39 <= tasks["oldest_pending_seconds"] <= 60


@override_settings(TASKS=RQ_TASKS)
def test_with_rq_an_outbox_task_waiting_too_long_is_degraded():
    from htxconnect.core.health import TASK_MAX_WAIT_SECONDS

    _outbox_row(TASK_MAX_WAIT_SECONDS + 60)
    response = get()
    assert response.status_code == 503
    assert response.json()["status"] == "degraded"
    assert response.json()["tasks"]["error"] == "OutboxStalled"


@override_settings(TASKS=DB_TASKS)
def test_scheduled_task_waits_from_its_run_after():
    from django_tasks_db.models import DBTaskResult

    row = _enqueue(3600)  # enqueued an hour ago, but only due 10 s ago
    DBTaskResult.objects.filter(pk=row.pk).update(run_after=timezone.now() - timedelta(seconds=10))
    tasks = get().json()["tasks"]
    assert tasks["ok"] is True
    assert tasks["oldest_pending_seconds"] < 60


def test_pending_migrations_are_not_ready(monkeypatch):
    from django.db.migrations.executor import MigrationExecutor

    from htxconnect.core import health

    monkeypatch.setattr(health, "_migrations_applied", False)
    monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda self, targets: [("trace", "9999_new"), ("x", "0002")])
    response = get()
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["migrations"] == {"ok": False, "pending": 2, "error": "MigrationsPending"}


def test_applied_migrations_are_checked_once_per_process(monkeypatch):
    from django.db.migrations.executor import MigrationExecutor

    from htxconnect.core import health

    monkeypatch.setattr(health, "_migrations_applied", False)
    calls = []
    real = MigrationExecutor.migration_plan
    monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda self, targets: calls.append(1) or real(self, targets))
    assert get().json()["migrations"] == {"ok": True, "pending": 0}
    assert get().json()["migrations"] == {"ok": True, "pending": 0}
    assert len(calls) == 1


def test_health_endpoints_are_public():
    from django.urls import resolve

    from htxconnect.core.permissions import PUBLIC

    assert resolve("/healthz").func.permission is PUBLIC
    assert resolve("/readyz").func.permission is PUBLIC
