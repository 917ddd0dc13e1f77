"""Tasks of the Excel import (registry/tasks.py holds the other registry tasks): each takes a job
id and runs one step of importer.pipeline; progress is written to the job as it goes. Safe to
retry: checking a job that is no longer queued does nothing, and a commit is claimed once."""

from __future__ import annotations

from django_tasks import task

from .importer import pipeline


@task(queue_name="default")
def check_import(job_id: str) -> str:
    job = pipeline.run_check(job_id)
    return job["status"] if job else "missing"


@task(queue_name="default")
def commit_import(job_id: str) -> str:
    job = pipeline.run_commit(job_id)
    return job["status"] if job else "missing"
