"""A queued capture is claimed once: a second delivery of the task (retry, second worker) does nothing
while the first worker lives, and stores it once when the first worker died mid-task."""

import pytest

from htxconnect.core.models import AuditEntry
from htxconnect.trace.epcis.capture import capture_lock, claim_queued_capture, run_queued_capture
from htxconnect.trace.models import CaptureJob, EPCISEvent

from tests.workers import held_by_another_worker

from .conftest import make_document, object_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(api, settings, django_capture_on_commit_callbacks):
    """A job accepted and waiting for the worker (the task is not run)."""
    settings.EPCIS_SYNC_CAPTURE_LIMIT = 2
    with django_capture_on_commit_callbacks(execute=False):
        response = api.capture(make_document([object_event(i) for i in range(3)]))
    assert response.status_code == 202
    job = CaptureJob.objects.get(pk=response.json()["captureID"])
    assert job.status == CaptureJob.Status.RUNNING and job.document is not None and job.claimed_at is None
    return job


def test_only_the_first_claim_wins(queued):
    assert claim_queued_capture(str(queued.pk)) is True
    assert claim_queued_capture(str(queued.pk)) is False
    queued.refresh_from_db()
    assert queued.claimed_at is not None


def test_a_job_claimed_by_another_worker_is_left_alone(queued):
    assert claim_queued_capture(str(queued.pk))  # another worker has it and is still storing
    with held_by_another_worker(capture_lock(str(queued.pk))):
        job = run_queued_capture(str(queued.pk))
    assert job.status == CaptureJob.Status.RUNNING and job.stored_count == 0
    assert EPCISEvent.objects.count() == 0
    assert not AuditEntry.objects.filter(action="trace.epcis.captured").exists()


def test_a_job_whose_worker_died_after_claiming_is_stored_once_by_the_retry(queued):
    # The first worker claimed it and was killed before its storing transaction committed: the job
    # is still "running" with its document, and nobody holds its lock.
    assert claim_queued_capture(str(queued.pk))
    job = run_queued_capture(str(queued.pk))
    assert job.status == CaptureJob.Status.SUCCESS and job.stored_count == 3
    assert run_queued_capture(str(queued.pk)).stored_count == 3  # and a further delivery does nothing
    assert EPCISEvent.objects.count() == 3
    assert AuditEntry.objects.filter(action="trace.epcis.captured").count() == 1


def test_a_second_delivery_after_the_run_does_nothing(queued):
    first = run_queued_capture(str(queued.pk))
    assert first.status == CaptureJob.Status.SUCCESS and first.stored_count == 3
    second = run_queued_capture(str(queued.pk))
    assert second.status == CaptureJob.Status.SUCCESS and second.stored_count == 3 and second.duplicate_count == 0
    assert EPCISEvent.objects.count() == 3
    assert AuditEntry.objects.filter(action="trace.epcis.captured").count() == 1


def test_unknown_job_is_none():
    assert run_queued_capture("00000000-0000-0000-0000-000000000000") is None


def test_the_database_queue_gets_the_capture_task_in_the_jobs_transaction(api, settings, database_task_queue,
                                                                        django_capture_on_commit_callbacks):
    """The task row commits with the job or not at all: a database stopping after the commit can no
    longer lose it, nor answer 503 for a capture it accepted (decision 0027)."""
    settings.EPCIS_SYNC_CAPTURE_LIMIT = 2
    with django_capture_on_commit_callbacks(execute=False):
        response = api.capture(make_document([object_event(i) for i in range(3)]))
    assert response.status_code == 202
    assert database_task_queue() == [("htxconnect.trace.epcis.capture.capture_task", [response.json()["captureID"]])]
