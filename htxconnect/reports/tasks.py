"""Report generation as a task: takes the report's id and runs generation.run_generation (which
claims the report, so a retried or duplicated task does nothing twice)."""

from __future__ import annotations

from django_tasks import task

from .generation import run_generation


@task(queue_name="reports")
def generate_report(report_id: int) -> str:
    return run_generation(report_id)
