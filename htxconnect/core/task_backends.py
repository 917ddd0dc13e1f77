"""The RQ task backend (TASK_BACKEND=rq): django-tasks-rq's, with RQ retries.

django-tasks-rq enqueues a job without retries, so a job whose worker died mid-task (a killed
work-horse, or an abandoned job that `run_worker` or RQ's maintenance finds) would only land in
the failed registry. Here every job carries `Retry(max=len(intervals), interval=intervals)`:
RQ runs it again, and the tasks are written to be safe to run twice (core.joblock).
"""

from __future__ import annotations

import django_rq
from django_tasks.base import TASK_MAX_PRIORITY, TaskResult, TaskResultStatus
from django_tasks.signals import task_enqueued
from django_tasks.utils import get_random_id
from django_tasks_rq import backend as rq_backend
from rq import Retry
from rq.job import Callback, JobStatus

DEFAULT_RETRY_INTERVALS = [10, 60, 300]


class RQBackend(rq_backend.RQBackend):
    def __init__(self, alias: str, params: dict) -> None:
        super().__init__(alias, params)
        intervals = self.options.get("RETRY_INTERVALS", DEFAULT_RETRY_INTERVALS)
        self.retry_intervals = [int(seconds) for seconds in intervals]

    def retry(self) -> Retry | None:
        if not self.retry_intervals:
            return None
        return Retry(max=len(self.retry_intervals), interval=self.retry_intervals)

    def enqueue(self, task, args, kwargs) -> TaskResult:
        # django_tasks_rq.RQBackend.enqueue (0.12.0) with one addition: retry=self.retry().
        self.validate_task(task)
        task_result = TaskResult(
            task=task, id=get_random_id(), status=TaskResultStatus.READY, enqueued_at=None, started_at=None,
            last_attempted_at=None, finished_at=None, args=args, kwargs=kwargs, backend=self.alias,
            errors=[], worker_ids=[])
        queue = django_rq.get_queue(task.queue_name, job_class=rq_backend.Job)
        job = queue.create_job(
            task.module_path, args=args, kwargs=kwargs, job_id=task_result.id,
            status=JobStatus.SCHEDULED if task.run_after else JobStatus.QUEUED,
            on_failure=Callback(rq_backend.failed_callback), on_success=Callback(rq_backend.success_callback),
            meta={"backend_name": self.alias}, retry=self.retry())
        if task.run_after is None:
            job = queue.enqueue_job(job, at_front=task.priority == TASK_MAX_PRIORITY)
        else:
            job = queue.schedule_job(job, task.run_after)
        object.__setattr__(task_result, "enqueued_at", job.enqueued_at)
        task_enqueued.send(type(self), task_result=task_result)
        return task_result
