"""Prometheus metrics (prometheus_client): requests, latency, tasks, scans and EPCIS capture jobs.

Granian runs several worker processes and the task worker is another process: with
PROMETHEUS_MULTIPROC_DIR set (deploy/systemd: a directory emptied when the web service starts)
each process writes its samples to files there and /metrics adds them up (the client library's
multiprocess mode). Without it (demo, tests) the process's own registry is served.

/metrics is not public: with METRICS_TOKEN set it needs `Authorization: Bearer <token>` (403
otherwise); without a token it answers 404 unless METRICS_ALLOW_LOOPBACK is on and the request
came straight from this machine (not through nginx, which also refuses /metrics to outsiders).
"""

from __future__ import annotations

import functools
import hmac
import logging
import os

from django.conf import settings
from django.http import HttpResponse, HttpResponseForbidden, HttpResponseNotFound
from django.utils.cache import add_never_cache_headers

from . import request_context
from .permissions import public

log = logging.getLogger(__name__)

if os.environ.get("PROMETHEUS_MULTIPROC_DIR") == "":
    del os.environ["PROMETHEUS_MULTIPROC_DIR"]  # set but empty (an env file): not the current directory
if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    # The directory is made by the service manager (deploy/systemd: the web unit's RuntimeDirectory).
    # A process started without it makes it, or keeps its metrics to itself rather than crash.
    try:
        os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)
    except OSError as exc:
        log.warning("metrics: cannot use PROMETHEUS_MULTIPROC_DIR (%r); this process counts alone", exc)
        del os.environ["PROMETHEUS_MULTIPROC_DIR"]

from prometheus_client import (  # noqa: E402  (after the directory exists)
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)

# Latency buckets in seconds: cached scan pages answer in a millisecond or two, reports in seconds.
BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}

REQUESTS = Counter("htx_http_requests", "HTTP requests answered by Django", ["method", "route", "status"])
REQUEST_SECONDS = Histogram("htx_http_request_duration_seconds", "Time Django took to answer, by route",
                            ["method", "route"], buckets=BUCKETS)
TASKS_ENQUEUED = Counter("htx_tasks_enqueued", "Tasks put on the queue", ["task"])
TASKS = Counter("htx_tasks", "Task runs finished, by outcome", ["task", "status"])
TASK_SECONDS = Histogram("htx_task_duration_seconds", "Time a task run took", ["task"],
                         buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 1800))
SCANS = Counter("htx_scans", "Scans of product labels recorded (scan page visits)", ["kind"])
CAPTURE_JOBS = Counter("htx_epcis_capture_jobs", "EPCIS capture jobs finished, by outcome", ["status"])
CAPTURED_EVENTS = Counter("htx_epcis_events_stored", "EPCIS events stored by capture jobs")


def never_fails(function):
    """Counting must never break a request or a task (a full disk, a removed directory): log once, go on."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except Exception as exc:
            if not getattr(wrapper, "warned", False):
                wrapper.warned = True
                log.warning("metrics: %s failed: %r", function.__name__, exc)
        return None

    return wrapper


@never_fails
def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    method = method if method in METHODS else "other"
    REQUESTS.labels(method=method, route=route, status=str(status)).inc()
    REQUEST_SECONDS.labels(method=method, route=route).observe(seconds)


@never_fails
def observe_task(task: str, status: str, seconds: float) -> None:
    TASKS.labels(task=task, status=status).inc()
    TASK_SECONDS.labels(task=task).observe(seconds)


# --- Scans and capture jobs, counted from their rows (models named by label: core imports no app) ---


@never_fails
def _scan_saved(sender, instance, created, **kwargs):
    if created:
        SCANS.labels(kind="serial" if instance.serial else ("lot" if instance.lot_id else "product")).inc()


def _capture_job_saved(sender, instance, created, update_fields=None, using=None, **kwargs):
    from django.db import transaction

    # A finished job is counted once: when its status is saved, or when it is first written already
    # finished (a synchronous capture's job, see trace.epcis.capture.receive_document).
    if instance.status == "running" or not (created or (update_fields and "status" in update_fields)):
        return
    status, stored = instance.status, instance.stored_count or 0

    @never_fails
    def count():
        CAPTURE_JOBS.labels(status=status).inc()
        if stored:
            CAPTURED_EVENTS.inc(stored)

    transaction.on_commit(count, using=using)  # a rolled-back capture counts nothing


def count_enqueued(task: str) -> None:
    """One task put on its queue, counted once the enqueue is part of committed work: with the
    database queue the task row is written in the caller's transaction (core.outbox), and a
    rolled-back write leaves no task, so it must leave no count either. Outside a transaction (RQ's
    hand-over after the commit, the immediate backend) it counts at once."""
    from django.db import transaction

    transaction.on_commit(lambda: TASKS_ENQUEUED.labels(task=task).inc())


def connect_model_signals() -> None:
    from django.db.models.signals import post_save

    post_save.connect(_scan_saved, sender="resolver.ScanEvent", dispatch_uid="htx.metrics.scan")
    post_save.connect(_capture_job_saved, sender="trace.CaptureJob", dispatch_uid="htx.metrics.capture")


# --- The endpoint -----------------------------------------------------------------------------

_LOOPBACK = {"127.0.0.1", "::1"}
_PROXY_HEADERS = ("HTTP_X_REAL_IP", "HTTP_X_FORWARDED_FOR", "HTTP_X_REQUEST_ID")


def _allowed(request) -> bool | None:
    """True to serve, False for 403 (a token is configured and was not given), None for 404."""
    token = settings.METRICS_TOKEN
    if token:
        given = request_context.bearer_token(request)
        return given is not None and hmac.compare_digest(given.encode(), token.encode())
    if settings.METRICS_ALLOW_LOOPBACK and request.META.get("REMOTE_ADDR") in _LOOPBACK \
            and not any(h in request.META for h in _PROXY_HEADERS):
        return True
    return None


def exposition() -> bytes:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest(REGISTRY)


def serve_metrics(request):
    """Answered by RequestObservabilityMiddleware before anything else: Prometheus asks Granian as
    http://127.0.0.1:8000/metrics, a host ALLOWED_HOSTS rightly refuses for pages, and a scrape
    needs no session, CSRF or language."""
    allowed = _allowed(request)
    if allowed is None:
        response = HttpResponseNotFound(b"", content_type="text/plain")
    elif not allowed:
        response = HttpResponseForbidden(b"", content_type="text/plain")
    else:
        response = HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
    add_never_cache_headers(response)
    return response


# The URL pattern (so the authorization matrix lists it); the middleware answers first.
metrics_view = public(serve_metrics)  # guarded by its own token / loopback rule, not by a user's role
