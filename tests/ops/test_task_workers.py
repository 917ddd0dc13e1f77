"""Task queues: every task on its queue, and real worker processes (RQ on Redis, django-tasks-db)
running tasks enqueued through Django's task API — including after a worker was SIGKILLed mid-task.

The RQ tests use the local Redis (HTX_TEST_REDIS_URL, default redis://127.0.0.1:6379/11: a
database of its own, emptied before and after). A worker process sees the test's database: the
test database itself on PostgreSQL (transactional tests commit), a file copy on SQLite
(tests.workers.database_url_for_subprocess).
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django_tasks.base import Task, TaskResultStatus

import htxconnect
from htxconnect.core import taskqueue
from htxconnect.resolver import labels
from htxconnect.resolver.models import PrintRun
from tests.ops.test_production_settings import run_production
from tests.resolver.conftest import coop, lot, places, product  # noqa: F401 - fixtures
from tests.tools import require
from tests.workers import database_url_for_subprocess, worker_environment

ROOT = Path(__file__).resolve().parents[2]

# Decided by hand (docs/admin/deploy.md): what each task does decides its queue.
EXPECTED_QUEUES = {
    "htxconnect.trace.epcis.capture.capture_task": "capture",
    "htxconnect.trace.epcis.subscriptions.notify_task": "capture",
    "htxconnect.trace.epcis.subscriptions.deliver_task": "mail",
    "htxconnect.registry.tasks.send_expiry_reminders": "mail",
    "htxconnect.events.tasks.send_ticket": "mail",
    "htxconnect.events.tasks.send_cancellation": "mail",
    "htxconnect.events.tasks.send_prepared_mails": "mail",
    "htxconnect.programs.tasks.send_application_step": "mail",
    "htxconnect.resolver.labels.render_labels_task": "labels",
    "htxconnect.reports.tasks.generate_report": "reports",
    "htxconnect.registry.import_tasks.check_import": "default",
    "htxconnect.registry.import_tasks.commit_import": "default",
    "htxconnect.resolver.scans.check_new_scans_task": "default",
    "htxconnect.market.services.match_offer_task": "default",
    "htxconnect.market.services.match_demand_task": "default",
    "htxconnect.market.services.resolve_unknown_task": "default",
    "htxconnect.market.services.rematch_all_task": "default",
}


def all_tasks() -> dict[str, Task]:
    found = {}
    for module in pkgutil.walk_packages(htxconnect.__path__, "htxconnect."):
        if ".migrations" in module.name or module.name.endswith(("wsgi", "asgi")):
            continue
        for value in vars(importlib.import_module(module.name)).values():
            if isinstance(value, Task):
                found[value.module_path] = value
    return found


def test_every_task_is_on_its_queue():
    tasks = all_tasks()
    assert {path: task.queue_name for path, task in tasks.items()} == EXPECTED_QUEUES


def test_the_queues_are_the_documented_ones(settings):
    assert settings.TASK_QUEUES == ["default", "capture", "mail", "reports", "labels"]
    assert settings.TASKS["default"]["QUEUES"] == settings.TASK_QUEUES  # every backend accepts them
    doc = (ROOT / "docs" / "admin" / "deploy.md").read_text()
    for name in settings.TASK_QUEUES:
        assert f"`{name}`" in doc


def test_run_worker_names_an_unknown_queue_and_the_known_ones():
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend",
                                              "QUEUES": ["default", "capture"]}}):
        with pytest.raises(CommandError) as refused:
            call_command("run_worker", "captur", "--burst")
    assert "captur" in str(refused.value) and "capture" in str(refused.value)


def test_run_worker_refuses_the_immediate_backend():
    with pytest.raises(CommandError, match="immediate"):
        call_command("run_worker", "--burst")


def test_rq_backend_passes_the_deploy_check(tmp_path):
    result = run_production(["check", "--deploy", "--fail-level", "WARNING"], tmp_path, TASK_BACKEND="rq",
                            REDIS_URL="redis://127.0.0.1:6379/0")
    assert result.returncode == 0, result.stdout + result.stderr


def test_an_unknown_task_backend_is_refused_by_name(tmp_path):
    result = run_production(["check"], tmp_path, TASK_BACKEND="celery", REDIS_URL="redis://127.0.0.1:6379/0")
    assert result.returncode != 0 and "TASK_BACKEND='celery'" in result.stderr and "rq" in result.stderr


# --- Requeueing what a dead worker left -------------------------------------------------------------------


def dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


@pytest.mark.django_db
@override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "labels"]}})
def test_database_queue_requeues_only_the_tasks_of_dead_workers_of_this_machine():
    from django_tasks_db.models import DBTaskResult

    host = socket.gethostname()[:40]
    owners = {"dead": f"{host}:{dead_pid()}:0", "alive": taskqueue.worker_id(), "elsewhere": "other-host:1:1"}
    rows = {}
    for who, worker in owners.items():
        result = labels.render_labels_task.enqueue(1)
        DBTaskResult.objects.filter(pk=result.id).update(status=TaskResultStatus.RUNNING, worker_ids=[worker])
        rows[who] = str(result.id)
    assert taskqueue.requeue_abandoned(["labels"]) == [str(rows["dead"])]
    status = {str(pk): value for pk, value in DBTaskResult.objects.values_list("id", "status")}
    assert {who: status[pk] for who, pk in rows.items()} == {
        "dead": TaskResultStatus.READY, "alive": TaskResultStatus.RUNNING, "elsewhere": TaskResultStatus.RUNNING}
    assert taskqueue.requeue_abandoned(["labels"]) == []


# --- Real worker processes ----------------------------------------------------------------------------


@pytest.fixture
def redis_url():
    import redis

    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    url = os.environ.get("HTX_TEST_REDIS_URL", f"redis://127.0.0.1:6379/{11 + int(worker[2:] or 0) % 5}")
    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError:
        client = None
    require(client is not None, f"Redis answering at {url} (HTX_TEST_REDIS_URL)",
            "apt-get install redis-server && redis-server --daemonize yes --port 6379")
    client.flushdb()
    yield url
    client.flushdb()


def rq_tasks(url: str) -> dict:
    return {"TASKS": {"default": {"BACKEND": "htxconnect.core.task_backends.RQBackend",
                                  "QUEUES": ["default", "capture", "mail", "reports", "labels"],
                                  "OPTIONS": {"RETRY_INTERVALS": [0, 0]}}},
            "RQ_QUEUES": {name: {"URL": url} for name in ["default", "capture", "mail", "reports", "labels"]}}


class Workers:
    """Starts `manage.py run_worker … --burst` processes against the test's database."""

    def __init__(self, tmp_path: Path, backend: str, redis_url: str = ""):
        self.media = tmp_path / "media"
        self.database_url, self.bring_back = database_url_for_subprocess(tmp_path)
        self.env = worker_environment(self.database_url, TASK_BACKEND=backend, MEDIA_ROOT=str(self.media),
                                      TASK_LOCK_DIR=str(tmp_path / "locks"), TASK_RETRY_INTERVALS="0,0",
                                      **({"TASKS_REDIS_URL": redis_url} if redis_url else {}))

    def run(self, *queues: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "manage.py", "run_worker", *queues, "--burst"], cwd=ROOT, env=self.env,
                              capture_output=True, text=True, timeout=180)

    def pdfs(self, run: PrintRun) -> list[str]:
        return sorted(p.name for p in self.media.rglob(f"nhan-*-{run.pk}*.pdf"))


@pytest.fixture
def print_run(lot):  # noqa: F811 - the fixture imported above
    return PrintRun.objects.create(lot=lot, layout="a4_3x8", count=48)  # two pages: killed after the first


def done_once(run: PrintRun, workers: Workers) -> None:
    run.refresh_from_db()
    assert run.status == PrintRun.Status.DONE and run.progress == 100
    assert workers.pdfs(run) == [f"nhan-{run.lot.code}-{run.pk}.pdf"]
    assert (workers.media / run.pdf.name).read_bytes().startswith(b"%PDF")


@pytest.mark.django_db(transaction=True)
def test_rq_worker_process_runs_a_task_enqueued_through_django_on_its_queue(redis_url, print_run, tmp_path):
    with override_settings(**rq_tasks(redis_url), MEDIA_ROOT=tmp_path / "media"):
        result = labels.render_labels_task.enqueue(print_run.pk)
        workers = Workers(tmp_path, "rq", redis_url)
        other = workers.run("capture", "reports")  # workers of other queues leave it alone
        assert other.returncode == 0, other.stderr
        result.refresh()
        assert result.status == TaskResultStatus.READY
        ran = workers.run("labels")
        assert ran.returncode == 0, ran.stderr
        result.refresh()
        assert result.status == TaskResultStatus.SUCCESSFUL and result.return_value == "done"
    workers.bring_back()
    done_once(print_run, workers)


@pytest.mark.django_db(transaction=True)
def test_rq_down_at_the_commit_the_outbox_hands_the_task_over_later_and_it_runs_once(
        redis_url, lot, tmp_path):  # noqa: F811 - the fixture imported above
    """Decision 0027: the label run is saved and its task kept in the outbox while Redis refuses
    connections; the minute job hands it over once Redis is back, and a real RQ worker runs it."""
    from django.db import transaction
    from django.utils import timezone

    from htxconnect.core import outbox
    from htxconnect.core.models import OutboxTask

    down = rq_tasks("redis://127.0.0.1:1/0")  # nothing listens there: connection refused
    with override_settings(**down):
        with transaction.atomic():
            run = PrintRun.objects.create(lot=lot, layout="a4_3x8", count=labels.INLINE_LIMIT + 1)
            labels.start(run)  # queues after commit; the refused connection is logged, not raised
    pending = OutboxTask.objects.get()
    assert pending.dispatched_at is None and pending.args == [run.pk]
    assert pending.last_error.startswith("ConnectionError")
    later = timezone.now() + outbox.REDISPATCH_AFTER * 2
    with override_settings(**rq_tasks(redis_url)):
        assert outbox.redispatch(now=later) == 1
        assert outbox.redispatch(now=later + outbox.REDISPATCH_AFTER * 2) == 0  # handed over once
        workers = Workers(tmp_path, "rq", redis_url)
        ran = workers.run("labels")
        assert ran.returncode == 0, ran.stderr
    assert OutboxTask.objects.get().dispatched_at is not None
    workers.bring_back()
    done_once(run, workers)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kill", ["task", "worker"])
def test_rq_killed_mid_task_the_job_runs_again_and_renders_once(kill, redis_url, print_run, tmp_path):
    """"task": the work-horse dies, its worker retries the job. "worker": the worker dies with it, the
    job stays "started" until the next worker hands it back to RQ (taskqueue.requeue_abandoned)."""
    from tests.ops.worker_tasks import render_labels_killed_once

    marker = tmp_path / "first-attempt"
    with override_settings(**rq_tasks(redis_url)):
        result = render_labels_killed_once.enqueue(print_run.pk, str(marker), kill)
        workers = Workers(tmp_path, "rq", redis_url)
        if kill == "worker":
            killed = workers.run("labels")
            assert killed.returncode == -9, killed.stderr  # the worker itself died, its job still "started"
            result.refresh()
            assert result.status == TaskResultStatus.RUNNING
        ran = workers.run("labels")
        assert ran.returncode == 0, ran.stderr
        said = (["Work-horse terminated unexpectedly", "signal 9"] if kill == "task"
                else [f"requeued 1 task(s) of dead workers: {result.id}"])
        assert all(line in ran.stderr for line in said), ran.stderr
        result.refresh()
        assert result.status == TaskResultStatus.SUCCESSFUL
    assert marker.exists()  # the first attempt ran, and was killed mid-render
    workers.bring_back()
    done_once(print_run, workers)


@pytest.mark.django_db(transaction=True)
def test_database_worker_killed_mid_task_its_task_is_requeued_by_the_next_worker(print_run, tmp_path):
    from django_tasks_db.models import DBTaskResult

    from tests.ops.worker_tasks import render_labels_killed_once

    marker = tmp_path / "first-attempt"
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend",
                                              "QUEUES": ["default", "labels"]}}):
        result = render_labels_killed_once.enqueue(print_run.pk, str(marker), "task")
    workers = Workers(tmp_path, "database")
    killed = workers.run("labels")
    assert killed.returncode == -9, killed.stderr
    ran = workers.run("labels")
    assert ran.returncode == 0, ran.stderr
    assert f"requeued 1 task(s) of dead workers: {result.id}" in ran.stderr
    workers.bring_back()
    row = DBTaskResult.objects.get(pk=result.id)
    assert row.status == TaskResultStatus.SUCCESSFUL and len(row.worker_ids) == 2  # two attempts, one effect
    done_once(print_run, workers)
