"""EPCIS capture jobs are counted in the Prometheus metrics by outcome, with the events they stored."""

import pytest
from prometheus_client import REGISTRY

from .conftest import make_document, object_event

pytestmark = pytest.mark.django_db


def sample(name, **labels):
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_capture_jobs_and_stored_events_are_counted(api, django_capture_on_commit_callbacks):
    """Counted once committed (a rolled-back capture counts nothing): the test runs the commit hooks."""
    ok_before, failed_before = sample("htx_epcis_capture_jobs_total", status="success"), \
        sample("htx_epcis_capture_jobs_total", status="failed")
    events_before = sample("htx_epcis_events_stored_total")
    with django_capture_on_commit_callbacks(execute=True):
        assert api.capture(make_document([object_event(1), object_event(2), object_event(3)])).status_code == 202
        # the same three again: a successful job that stores nothing new
        assert api.capture(make_document([object_event(1), object_event(2), object_event(3)])).status_code == 202
        bad = object_event(4)
        del bad["eventTime"]
        assert api.capture(make_document([bad])).status_code == 400
    assert sample("htx_epcis_capture_jobs_total", status="success") - ok_before == 2
    assert sample("htx_epcis_capture_jobs_total", status="failed") - failed_before == 1
    assert sample("htx_epcis_events_stored_total") - events_before == 3
