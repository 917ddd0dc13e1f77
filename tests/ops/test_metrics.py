"""/metrics (Prometheus): protected from the public, counts requests, latency and task runs, and adds
up the samples of every Granian worker process (multiprocess mode)."""

import os
import secrets
import subprocess
import sys
import threading
import http.client
from pathlib import Path

from unittest import mock

import pytest
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from tests.tools import free_port, stop_process_group, wait_listening

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "metrics-token-" + "x" * 30


def scrape(client=None, token=TOKEN) -> dict:
    """{(sample name, frozenset(labels)): value} from an authorised GET /metrics."""
    response = (client or Client()).get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/plain; version=")  # the exposition format
    return parse(response.content.decode())


def parse(text: str) -> dict:
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_metrics_are_off_without_a_token(settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOW_LOOPBACK = False
    assert Client().get("/metrics").status_code == 404


def test_metrics_need_the_bearer_token(settings):
    settings.METRICS_TOKEN = TOKEN
    assert Client().get("/metrics").status_code == 403
    assert Client().get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 403
    assert Client().get("/metrics", headers={"Authorization": TOKEN}).status_code == 403  # not "Bearer …"
    ok = Client().get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert ok.status_code == 200
    assert "no-store" in ok["Cache-Control"]
    assert b"htx_http_requests_total" in ok.content


def test_loopback_only_when_allowed_and_never_through_the_proxy(settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOW_LOOPBACK = True
    assert Client(REMOTE_ADDR="127.0.0.1").get("/metrics").status_code == 200
    assert Client(REMOTE_ADDR="::1").get("/metrics").status_code == 200
    assert Client(REMOTE_ADDR="10.1.2.3").get("/metrics").status_code == 404
    # nginx (on the same machine, so from 127.0.0.1) always adds these: a proxied request is not local
    for header in ("X-Real-IP", "X-Forwarded-For", "X-Request-ID"):
        assert Client(REMOTE_ADDR="127.0.0.1").get("/metrics", headers={header: "203.0.113.9"}).status_code == 404


def test_requests_are_counted_and_timed_by_route(settings):
    settings.METRICS_TOKEN = TOKEN
    before = scrape()
    client = Client()
    for _ in range(3):
        assert client.get("/healthz").status_code == 200
    assert client.get("/khong/co/trang.nay").status_code == 404
    after = scrape()
    assert value(after, "htx_http_requests_total", method="GET", route="healthz", status="200") \
        - value(before, "htx_http_requests_total", method="GET", route="healthz", status="200") == 3
    assert value(after, "htx_http_request_duration_seconds_count", method="GET", route="healthz") \
        - value(before, "htx_http_request_duration_seconds_count", method="GET", route="healthz") == 3
    # the upper bucket holds every observation; the raw path is never a label (bounded cardinality)
    assert value(after, "htx_http_request_duration_seconds_bucket", method="GET", route="healthz", le="+Inf") \
        == value(after, "htx_http_request_duration_seconds_count", method="GET", route="healthz")
    text = Client().get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).content.decode()
    assert "trang.nay" not in text
    assert value(after, "htx_http_requests_total", method="GET", route="unmatched", status="404") >= 1


def test_unknown_methods_share_one_label(settings):
    settings.METRICS_TOKEN = TOKEN
    Client().generic("BREW", "/healthz")
    assert value(scrape(), "htx_http_requests_total", method="other", route="healthz", status="405") + \
        value(scrape(), "htx_http_requests_total", method="other", route="healthz", status="200") >= 1


def test_task_runs_are_counted(settings, django_capture_on_commit_callbacks):
    """The test settings run tasks at once (ImmediateBackend), through the same signals as a worker.
    An enqueue is counted when the work around it commits (the test's own transaction never does)."""
    from tests.ops.tasks_for_tests import fails, says_hello

    settings.METRICS_TOKEN = TOKEN
    before = scrape()
    with django_capture_on_commit_callbacks(execute=True):
        says_hello.enqueue("Lan")
        says_hello.enqueue("Minh")
        fails.enqueue()
    after = scrape()
    name = "tests.ops.tasks_for_tests.says_hello"
    assert value(after, "htx_tasks_total", task=name, status="successful") \
        - value(before, "htx_tasks_total", task=name, status="successful") == 2
    assert value(after, "htx_tasks_enqueued_total", task=name) - value(before, "htx_tasks_enqueued_total", task=name) == 2
    assert value(after, "htx_task_duration_seconds_count", task=name) \
        - value(before, "htx_task_duration_seconds_count", task=name) == 2
    failed = "tests.ops.tasks_for_tests.fails"
    assert value(after, "htx_tasks_total", task=failed, status="failed") \
        - value(before, "htx_tasks_total", task=failed, status="failed") == 1


def test_an_enqueue_rolled_back_with_its_write_is_not_counted(settings, django_capture_on_commit_callbacks):
    """With the database queue the task row is part of the caller's transaction (core.outbox): a
    write rolled back leaves no task, and no count of one."""
    from django.db import transaction
    from django.test import override_settings

    from tests.ops.tasks_for_tests import says_hello

    class Boom(Exception):
        pass

    settings.METRICS_TOKEN = TOKEN
    name = "tests.ops.tasks_for_tests.says_hello"
    before = scrape()
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend",
                                              "QUEUES": settings.TASK_QUEUES}}):
        with django_capture_on_commit_callbacks(execute=True):
            with pytest.raises(Boom), transaction.atomic():
                says_hello.enqueue("rolled back")
                raise Boom
            with transaction.atomic():
                says_hello.enqueue("kept")
    assert value(scrape(), "htx_tasks_enqueued_total", task=name) - value(before, "htx_tasks_enqueued_total",
                                                                           task=name) == 1


def test_several_granian_workers_are_added_up(tmp_path):
    """Two worker processes, 8 keep-alive connections: /metrics (whichever worker answers) counts
    every request of both. Without the multiprocess mode each worker would count only its own."""
    granian = Path(sys.executable).parent / "granian"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "PROMETHEUS_"))}
    env.update(DJANGO_ENV="test", DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",  # /healthz reads no table
               METRICS_TOKEN=TOKEN, PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"))
    server = subprocess.Popen([str(granian), "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port),
                               "--workers", "2", "--no-ws", "--log-level", "warning", "htxconnect.wsgi:application"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=open(tmp_path / "granian.log", "w"),
                              start_new_session=True)  # its own process group: the workers are stopped with it
    try:
        wait_listening(port, server)
        answered = []

        def client():
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            for _ in range(10):
                conn.request("GET", "/healthz")
                response = conn.getresponse()
                response.read()
                answered.append(response.status)
            conn.close()

        threads = [threading.Thread(target=client) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert answered == [200] * 80
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", "/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        response = conn.getresponse()
        samples = parse(response.read().decode())
        assert response.status == 200
        assert value(samples, "htx_http_requests_total", method="GET", route="healthz", status="200") == 80
        assert value(samples, "htx_http_request_duration_seconds_count", method="GET", route="healthz") == 80
        assert list((tmp_path / "metrics").glob("counter_*.db")), "samples are written to the shared directory"
    finally:
        stop_process_group(server)


def test_counting_never_breaks_a_request(settings, caplog):
    """A metrics failure (disk full, directory removed) is logged, and the page is still served."""
    from htxconnect.core import metrics

    with mock.patch.object(metrics.REQUESTS, "labels", side_effect=OSError(28, "No space left on device")):
        assert Client().get("/healthz").status_code == 200
        assert Client().get("/healthz").status_code == 200


def test_prometheus_may_ask_granian_by_its_address(settings):
    """http://127.0.0.1:8000/metrics: a Host that ALLOWED_HOSTS refuses for pages (400) is fine here."""
    settings.METRICS_TOKEN = TOKEN
    settings.ALLOWED_HOSTS = ["htx.example.vn"]
    client = Client(HTTP_HOST="127.0.0.1:8000")
    assert client.get("/healthz").status_code == 400
    assert client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    assert client.get("/metrics").status_code == 403
