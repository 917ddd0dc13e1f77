"""Request ids and structured logs: one log line per request, every line tagged with its request or task.

The request id comes from nginx (`proxy_set_header X-Request-ID $request_id`, also written in
nginx's access log) when TRUST_X_REQUEST_ID is on, else it is made here; it is sent back in the
response's X-Request-ID header, so a user's complaint, nginx's log and the app's log meet on it.
Task runs (any django-tasks backend: they all send task_started / task_finished) carry their
task id the same way. In production the console handler writes JSON (python-json-logger, decision
record 0021); the demo keeps plain lines.
"""

from __future__ import annotations

import contextvars
import logging
import re
import time
import uuid

from django.conf import settings
from django.utils.functional import LazyObject, empty

from . import metrics
from .logcontext import REQUEST_ID, TASK_ID

request_log = logging.getLogger("htxconnect.request")
task_log = logging.getLogger("htxconnect.task")

# What a trusted proxy may hand us: nginx's $request_id is 32 hex digits; allow the usual id shapes.
_REQUEST_ID_SHAPE = re.compile(r"[A-Za-z0-9._:-]{8,128}")


def new_request_id() -> str:
    return uuid.uuid4().hex


def request_id_from(request) -> str:
    """nginx's id when we sit behind our own proxy (it overwrites whatever a client sent), else a new one."""
    if settings.TRUST_X_REQUEST_ID:
        given = request.META.get("HTTP_X_REQUEST_ID", "")
        if _REQUEST_ID_SHAPE.fullmatch(given):
            return given
    return new_request_id()


def _user_id(request):
    """The acting user's id, without loading a session the view never looked at (the public scan
    page stays free of session reads); API keys bind a plain user object to the request."""
    user = request.__dict__.get("user")
    if isinstance(user, LazyObject):
        if user._wrapped is empty:
            return None
        user = user._wrapped
        while isinstance(user, LazyObject):
            if user._wrapped is empty:
                return None
            user = user._wrapped
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user.pk


def _route(request) -> str:
    """A bounded label for metrics: the URL pattern's name, never the raw path."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unmatched"
    return match.view_name or match.route or "unnamed"


class RequestObservabilityMiddleware:
    """First in MIDDLEWARE: sets the request id, logs one line per request, counts and times it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == "/metrics":
            return metrics.serve_metrics(request)  # not a user's request: no id, no log line, not counted
        request_id = request_id_from(request)
        request.request_id = request_id
        token = REQUEST_ID.set(request_id)
        start = time.perf_counter()
        status = 500
        try:
            response = self.get_response(request)
            status = response.status_code
            response["X-Request-ID"] = request_id
            return response
        finally:
            duration = time.perf_counter() - start
            route = _route(request)
            metrics.observe_request(request.method, route, status, duration)
            level = logging.ERROR if status >= 500 else logging.INFO
            request_log.log(
                level, "%s %s %s %.1fms", request.method, request.path, status, duration * 1000,
                extra={"method": request.method, "path": request.path, "route": route, "status": status,
                       "duration_ms": round(duration * 1000, 1), "user_id": _user_id(request)},
            )
            REQUEST_ID.reset(token)


# --- Task runs ------------------------------------------------------------------------------
# task_started and task_finished come as two signals around the run, in the same thread.
_running: dict[str, tuple[contextvars.Token, float]] = {}


def _task_name(task_result) -> str:
    return getattr(task_result.task, "module_path", "") or getattr(task_result.task, "name", "task")


def task_started(sender, task_result, **kwargs):
    _running[str(task_result.id)] = (TASK_ID.set(str(task_result.id)), time.perf_counter())


def task_finished(sender, task_result, **kwargs):
    token, start = _running.pop(str(task_result.id), (None, None))
    duration = time.perf_counter() - start if start is not None else 0.0
    status = str(getattr(task_result.status, "value", task_result.status)).lower()
    name = _task_name(task_result)
    metrics.observe_task(name, status, duration)
    task_log.info("task %s %s %.1fms", name, status, duration * 1000,
                  extra={"task": name, "task_status": status, "duration_ms": round(duration * 1000, 1),
                         "task_id": str(task_result.id)})
    if token is not None:
        try:
            TASK_ID.reset(token)
        except ValueError:  # finished in another context than it started: leave it to that context
            TASK_ID.set(None)


@metrics.never_fails
def task_enqueued(sender, task_result, **kwargs):
    metrics.count_enqueued(_task_name(task_result))


def connect_task_signals() -> None:
    from django_tasks import signals

    signals.task_enqueued.connect(task_enqueued, dispatch_uid="htx.observability.enqueued")
    signals.task_started.connect(task_started, dispatch_uid="htx.observability.started")
    signals.task_finished.connect(task_finished, dispatch_uid="htx.observability.finished")
