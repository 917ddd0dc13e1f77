"""Background work of the trace app: capturing large EPCIS documents."""

from django_tasks import task


@task()
def capture_task(job_id: str) -> str:
    """Run a queued EPCIS capture job (safe to retry: a finished job is left alone)."""
    from htxconnect.trace.epcis.capture import run_queued_capture

    job = run_queued_capture(job_id)
    return job.status if job is not None else "missing"


@task()
def notify_task(capture_id: str) -> int:
    """After a capture committed: queue one webhook delivery per streaming subscription it matches."""
    from htxconnect.trace.epcis.subscriptions import matching_deliveries

    deliveries = matching_deliveries(capture_id)
    for subscription_id, event_ids in deliveries:
        deliver_task.enqueue(subscription_id, event_ids, 0)
    return len(deliveries)


@task()
def deliver_task(subscription_id: str, event_ids: list, attempt: int = 0) -> str:
    """POST matching events to a subscription's webhook (signed, retried with backoff)."""
    from htxconnect.trace.epcis.subscriptions import deliver_with_retries

    return deliver_with_retries(subscription_id, event_ids, attempt)
