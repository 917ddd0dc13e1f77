"""A report queued just before its task queue stops (the database drill, decision 0027): the officer
is told it is queued — never "try again", which would queue it twice — and the task is not lost.

Transactional tests: the request commits for real, so what runs after the commit runs inside it."""

from __future__ import annotations

import datetime
from unittest import mock

import pytest
from django.conf import settings
from django.db import OperationalError, connection
from django.test import override_settings
from django.utils import timezone
from django_tasks import task_backends
from django_tasks.backends.dummy import DummyBackend
from django_tasks_db import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from htxconnect.core import outbox
from htxconnect.core.models import OutboxTask
from htxconnect.reports import services
from htxconnect.reports.models import Report
from tests.reports.test_reports import fields, program  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db(transaction=True)
GENERATE = "htxconnect.reports.tasks.generate_report"


def stopped_after_the_commit(enqueue):
    """The database answers inside the request's transaction and stops the instant it commits."""
    def enqueue_unless_committed(self, task, args, kwargs):
        if not connection.in_atomic_block:
            raise OperationalError("server closed the connection unexpectedly")
        return enqueue(self, task, args, kwargs)
    return enqueue_unless_committed


@override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": settings.TASK_QUEUES}})
def test_database_queue_stopping_after_the_commit_still_queues_the_report(world, program):
    report = services.create_report(actor=world.people["officer"], program=program, **fields())
    with mock.patch.object(DatabaseBackend, "enqueue", stopped_after_the_commit(DatabaseBackend.enqueue)):
        answer = world.client("officer").post(f"/reports/{report.pk}/generate/")
    assert answer.status_code == 302 and answer["Location"] == f"/reports/{report.pk}/"
    assert Report.objects.get(pk=report.pk).status == Report.Status.QUEUED
    assert list(DBTaskResult.objects.values_list("task_path", "args_kwargs")) == [
        (GENERATE, {"args": [report.pk], "kwargs": {}})]


@override_settings(TASKS={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend",
                                      "QUEUES": settings.TASK_QUEUES}})
def test_redis_queue_down_after_the_commit_the_report_is_handed_over_by_the_minute_job(world, program):
    report = services.create_report(actor=world.people["officer"], program=program, **fields())
    with mock.patch.object(DummyBackend, "enqueue", side_effect=ConnectionError("Error 111 connecting to Redis")):
        answer = world.client("officer").post(f"/reports/{report.pk}/generate/")
    assert answer.status_code == 302
    assert Report.objects.get(pk=report.pk).status == Report.Status.QUEUED
    assert task_backends["default"].results == []
    pending = OutboxTask.objects.get()
    assert (pending.task_path, pending.args, pending.dispatched_at) == (GENERATE, [report.pk], None)

    later = timezone.now() + outbox.REDISPATCH_AFTER + datetime.timedelta(seconds=1)
    assert outbox.redispatch(now=later) == 1
    assert outbox.redispatch(now=later + outbox.REDISPATCH_AFTER * 2) == 0
    assert [(r.task.module_path, r.args) for r in task_backends["default"].results] == [(GENERATE, [report.pk])]


@override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": settings.TASK_QUEUES}})
def test_a_second_click_queues_nothing_more(world, program):
    report = services.create_report(actor=world.people["officer"], program=program, **fields())
    client = world.client("officer")
    assert client.post(f"/reports/{report.pk}/generate/").status_code == 302
    assert client.post(f"/reports/{report.pk}/generate/").status_code == 302
    assert DBTaskResult.objects.filter(task_path=GENERATE).count() == 1
