"""core.outbox: a task runs if and only if the write that queued it commits, and nothing after the
commit can raise into the request (decision 0027).

- database queue: the task row is written in the caller's transaction (rolled back with it,
  invisible to a worker until the commit), nothing is left for after the commit;
- a queue outside the database (the dummy backend stands for RQ): an outbox row in the
  transaction, handed over after the commit; a failure then is logged, the row stays, and the
  minute job hands it over once;
- the immediate backend (tests) runs the task after the commit, as before.
"""

from __future__ import annotations

import datetime
import logging
import re
import threading
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.db import OperationalError, connection, connections, transaction
from django.test import override_settings
from django.utils import timezone
from django_tasks import task_backends
from django_tasks.backends.dummy import DummyBackend
from django_tasks_db.models import DBTaskResult

import htxconnect
from htxconnect.core import outbox, periodic
from htxconnect.core.models import OutboxTask
from tests.core import outbox_tasks
from tests.core.outbox_tasks import remember

DATABASE_QUEUE = override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend",
                                                      "QUEUES": settings.TASK_QUEUES}})
OTHER_QUEUE = override_settings(TASKS={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend",
                                                   "QUEUES": settings.TASK_QUEUES}})
LATER = outbox.REDISPATCH_AFTER + datetime.timedelta(seconds=1)


class Boom(Exception):
    pass


def handed_over() -> list:
    return [(result.task.module_path, list(result.args)) for result in task_backends["default"].results]


# --- Database queue ------------------------------------------------------------------------------------


@DATABASE_QUEUE
def test_database_queue_writes_the_task_in_the_callers_transaction(db, django_capture_on_commit_callbacks,
                                                                     django_assert_num_queries):
    with django_capture_on_commit_callbacks() as callbacks:
        with transaction.atomic():
            outbox.enqueue_on_commit(remember, "Lan")
            row = DBTaskResult.objects.get()  # before the commit, in the same transaction
    assert (row.task_path, row.args_kwargs) == ("tests.core.outbox_tasks.remember", {"args": ["Lan"], "kwargs": {}})
    # Nothing left to fail after the commit: what is left (the enqueue counter of core.metrics)
    # neither reads nor writes the database.
    with django_assert_num_queries(0):
        for callback in callbacks:
            callback()


@DATABASE_QUEUE
def test_database_queue_a_rolled_back_write_leaves_no_task(db):
    with pytest.raises(Boom), transaction.atomic():
        outbox.enqueue_on_commit(remember, "Lan")
        raise Boom
    with transaction.atomic():
        outbox.enqueue_on_commit(remember, "kept")
        with pytest.raises(Boom), transaction.atomic():  # a savepoint rolled back inside a kept write
            outbox.enqueue_on_commit(remember, "Minh")
            raise Boom
    assert [row.args_kwargs["args"] for row in DBTaskResult.objects.all()] == [["kept"]]


def _ready_seen_by_another_connection() -> int | str:
    """What a worker (another connection) finds to run, asked from a thread of its own."""
    seen = []

    def look():
        try:
            seen.append(DBTaskResult.objects.ready().count())
        except OperationalError as error:
            seen.append(str(error))
        finally:
            connections.close_all()

    thread = threading.Thread(target=look)
    thread.start()
    thread.join()
    return seen[0]


@DATABASE_QUEUE
@pytest.mark.django_db(transaction=True)
def test_database_queue_a_worker_sees_the_task_only_after_the_commit():
    with transaction.atomic():
        outbox.enqueue_on_commit(remember, "Lan")
        assert DBTaskResult.objects.ready().count() == 1  # the writer's own transaction sees it
        # PostgreSQL: another transaction does not see uncommitted rows. SQLite's shared in-memory
        # test database refuses the read while the writer holds the table (a WAL file database,
        # the demo's, gives the reader the last committed state): either way no worker takes it.
        unseen = 0 if connection.vendor == "postgresql" else "database table is locked: django_tasks_database_dbtaskresult"
        assert _ready_seen_by_another_connection() == unseen
    assert _ready_seen_by_another_connection() == 1


# --- A queue outside the database (RQ) ----------------------------------------------------------------


@OTHER_QUEUE
def test_other_queue_hands_the_task_over_after_the_commit_once(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            outbox.enqueue_on_commit(remember, "Lan")
            assert handed_over() == []  # not before the commit
            assert OutboxTask.objects.get().dispatched_at is None
    assert handed_over() == [("tests.core.outbox_tasks.remember", ["Lan"])]
    row = OutboxTask.objects.get()
    assert row.dispatched_at is not None and row.attempts == 1 and row.last_error == ""
    assert outbox.redispatch(now=timezone.now() + LATER) == 0  # dispatched: never handed over again
    assert len(handed_over()) == 1


@OTHER_QUEUE
def test_other_queue_a_rolled_back_write_leaves_nothing(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(Boom), transaction.atomic():
            outbox.enqueue_on_commit(remember, "Lan")
            raise Boom
    assert callbacks == [] and handed_over() == [] and not OutboxTask.objects.exists()
    assert outbox.redispatch(now=timezone.now() + LATER) == 0


@OTHER_QUEUE
def test_other_queue_failing_after_the_commit_is_logged_and_handed_over_by_the_minute_job(
        db, django_capture_on_commit_callbacks, caplog):
    with mock.patch.object(DummyBackend, "enqueue", side_effect=ConnectionError("Redis is down")), \
            caplog.at_level(logging.ERROR, logger="htxconnect.core.outbox"):
        with django_capture_on_commit_callbacks(execute=True):
            with transaction.atomic():
                outbox.enqueue_on_commit(remember, "Lan")
        # The same minute: not yet (the writer's attempt is recent).
        assert outbox.redispatch(now=timezone.now()) == 0
    assert "enqueue of tests.core.outbox_tasks.remember failed" in caplog.text
    row = OutboxTask.objects.get()
    assert row.dispatched_at is None and row.attempts == 1 and row.last_error == "ConnectionError: Redis is down"
    assert handed_over() == []

    now = timezone.now() + LATER
    assert outbox.redispatch(now=now) == 1
    assert handed_over() == [("tests.core.outbox_tasks.remember", ["Lan"])]
    row.refresh_from_db()
    assert row.dispatched_at is not None and row.attempts == 2 and row.last_error == ""
    assert outbox.redispatch(now=now + LATER) == 0  # exactly once
    assert len(handed_over()) == 1


@OTHER_QUEUE
def test_other_queue_still_down_at_the_minute_job_tries_again_later(db, django_capture_on_commit_callbacks):
    with mock.patch.object(DummyBackend, "enqueue", side_effect=ConnectionError("Redis is down")):
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            outbox.enqueue_on_commit(remember, "Lan")
        now = timezone.now() + LATER
        assert outbox.redispatch(now=now) == 0
        assert outbox.redispatch(now=now) == 0  # just tried: waits REDISPATCH_AFTER again
    assert OutboxTask.objects.get().attempts == 2
    assert outbox.redispatch(now=now + LATER) == 1
    assert handed_over() == [("tests.core.outbox_tasks.remember", ["Lan"])]


@OTHER_QUEUE
def test_a_long_transaction_whose_row_the_minute_job_took_first_is_handed_over_once(
        db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        with transaction.atomic():
            outbox.enqueue_on_commit(remember, "Lan")
    # The write took longer than REDISPATCH_AFTER: the minute job sees the row the moment it commits,
    # before the writer's own after-commit attempt runs.
    assert outbox.redispatch(now=timezone.now() + LATER) == 1
    for callback in callbacks:
        callback()
    assert handed_over() == [("tests.core.outbox_tasks.remember", ["Lan"])]
    assert OutboxTask.objects.get().attempts == 1


@OTHER_QUEUE
def test_the_database_stopping_at_the_commit_leaves_the_row_to_the_minute_job(db, django_capture_on_commit_callbacks):
    with mock.patch.object(outbox, "claim", side_effect=OperationalError("server closed the connection")):
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            outbox.enqueue_on_commit(remember, "Lan")  # nothing raised
    assert handed_over() == [] and OutboxTask.objects.get().attempts == 0
    assert outbox.redispatch(now=timezone.now() + LATER) == 1
    assert handed_over() == [("tests.core.outbox_tasks.remember", ["Lan"])]


@OTHER_QUEUE
def test_two_dispatchers_of_one_row_claim_one_attempt(db):
    past = timezone.now() - LATER
    row = OutboxTask.objects.create(task_path=remember.module_path, queue_name="default", args=["Lan"],
                                    attempts=1, attempted_at=past)
    now = timezone.now()
    assert outbox.claim(row.pk, 1, now) is True
    assert outbox.claim(row.pk, 1, now) is False  # read the same row: its UPDATE changes nothing
    # A minute job that read the row before another dispatcher took it hands nothing over.
    with mock.patch.object(outbox, "claim", side_effect=lambda pk, attempts, now: False):
        assert outbox.redispatch(now=now + LATER) == 0
    assert handed_over() == []


@OTHER_QUEUE
def test_a_row_naming_a_task_that_no_longer_exists_is_kept_with_the_error(db):
    row = OutboxTask.objects.create(task_path="tests.core.outbox_tasks.gone", queue_name="default",
                                    attempts=1, attempted_at=timezone.now() - LATER)
    assert outbox.redispatch() == 0
    row.refresh_from_db()
    assert row.dispatched_at is None and row.last_error.startswith("ImportError")


def test_dispatched_rows_are_forgotten_after_a_week_pending_ones_never(db):
    now = timezone.now()
    old = now - outbox.KEEP_DISPATCHED - datetime.timedelta(minutes=1)
    make = dict(task_path=remember.module_path, queue_name="default", attempts=1, attempted_at=old)
    OutboxTask.objects.create(dispatched_at=old, **make)
    recent = OutboxTask.objects.create(dispatched_at=now, **make)
    pending = OutboxTask.objects.create(**make)
    assert outbox.prune(now=now) == 1
    assert set(OutboxTask.objects.values_list("pk", flat=True)) == {recent.pk, pending.pk}


def test_the_minute_job_hands_over_and_the_day_job_prunes():
    assert "outbox_redispatch" in [job.name for job in periodic.jobs("minute")]
    assert "outbox_prune" in [job.name for job in periodic.jobs("day")]


# --- Immediate backend (tests) and other after-commit work -----------------------------------------------


def test_immediate_backend_runs_the_task_after_the_commit_only(db, django_capture_on_commit_callbacks):
    outbox_tasks.ran.clear()
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(Boom), transaction.atomic():
            outbox.enqueue_on_commit(remember, "rolled back")
            raise Boom
        with transaction.atomic():
            outbox.enqueue_on_commit(remember, "Lan")
            assert outbox_tasks.ran == []
    assert outbox_tasks.ran == ["Lan"]
    assert not OutboxTask.objects.exists() and not DBTaskResult.objects.exists()


def test_after_commit_work_that_fails_is_logged_never_raised(db, django_capture_on_commit_callbacks, caplog):
    done = []

    def fails():
        raise ConnectionRefusedError("SMTP server down")

    with caplog.at_level(logging.ERROR, logger="htxconnect.core.outbox"):
        with django_capture_on_commit_callbacks(execute=True):
            with transaction.atomic():
                outbox.after_commit(fails, what="ticket mail")
                outbox.after_commit(lambda: done.append("purge"), what="purge")
            with pytest.raises(Boom), transaction.atomic():
                outbox.after_commit(lambda: done.append("rolled back"), what="mail")
                raise Boom
    assert done == ["purge"]
    assert "after-commit ticket mail failed" in caplog.text and "SMTP server down" in caplog.text


def test_services_use_the_outbox_not_a_raw_on_commit():
    """One way to do it (decision 0008): a raw `transaction.on_commit` is left only where what runs
    can neither fail on the database nor raise (the counter of core.metrics, the robust page purge
    of resolver.cache, which reads nothing from the database)."""
    root = Path(htxconnect.__file__).parent
    allowed = {"core/outbox.py", "core/metrics.py", "resolver/cache.py"}
    raw = sorted(str(path.relative_to(root)) for path in root.rglob("*.py")
                 if re.search(r"(?<![\w.])on_commit\(|transaction\.on_commit\(", path.read_text(encoding="utf-8"))
                 and str(path.relative_to(root)) not in allowed)
    assert raw == []
