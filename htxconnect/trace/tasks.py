"""Background work of the trace app: capturing large EPCIS documents."""

from django_tasks import task


@task()
def capture_task(job_id: str) -> str:
    """Run a queued EPCIS capture job (safe to retry: a finished job is left alone)."""
    from htxconnect.trace.epcis.capture import run_queued_capture

    job = run_queued_capture(job_id)
    return job.status if job is not None else "missing"
