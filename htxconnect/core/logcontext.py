"""What every log line is tagged with: the current request id and task id (contextvars), and the
two console formats (JSON in production, plain lines for the demo). Imported by the logging
configuration, so it imports nothing of Django's."""

from __future__ import annotations

import contextvars
import logging

REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("htx_request_id", default=None)
TASK_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("htx_task_id", default=None)


class ContextFilter(logging.Filter):
    """Puts the current request id and task id on every record (None outside a request or task)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = REQUEST_ID.get()
        if getattr(record, "task_id", None) is None:
            record.task_id = TASK_ID.get()
        return True


class PlainFormatter(logging.Formatter):
    """Human-readable lines (the demo): the request or task id, when there is one, at the end."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        tags = [f"{name}={value}" for name, value in (("request_id", getattr(record, "request_id", None)),
                                                       ("task_id", getattr(record, "task_id", None))) if value]
        return f"{line} [{' '.join(tags)}]" if tags else line
