"""The database is unreachable (stopped, restarting, failing over): answer 503 "try again".

A request that needs the database while PostgreSQL is down raises django.db.OperationalError
(or InterfaceError, for a connection that died under it). Instead of a 500 "something broke",
people get a Vietnamese page saying the request did not complete (nothing is half-saved) and to
try again in a moment, machines a
JSON problem; both with `Retry-After`, so nginx (proxy_cache_use_stale http_503) and clients
know it is temporary. Nothing is half-applied: each write runs in a transaction that PostgreSQL
rolls back when the connection goes, and CONN_HEALTH_CHECKS makes the next request open a new
connection once the server is back, without restarting the app servers.

Used by core.views.server_error (handler500: exceptions from views and middleware alike) and
by the API's exception handlers (api.errors).
"""

from __future__ import annotations

import json
import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse

log = logging.getLogger("htxconnect.unavailable")

DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 15
TITLE = "Service Unavailable"
DETAIL = ("Cơ sở dữ liệu tạm thời không trả lời nên yêu cầu chưa hoàn tất; không có dữ liệu nào bị ghi dở. "
          "Vui lòng thử lại sau ít phút. (The database is temporarily unavailable: the request did not "
          "complete and nothing was half-saved; please try again in a moment.)")
JSON_PREFIXES = ("/api/", "/epcis/", "/healthz")


def is_database_unavailable(exc: BaseException | None) -> bool:
    """The exception (or one it was raised from) says the database cannot be reached or used now."""
    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, DATABASE_ERRORS):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def problem() -> dict:
    return {"type": "about:blank", "title": TITLE, "status": 503, "detail": DETAIL,
            "retry_after": RETRY_AFTER_SECONDS}


def wants_json(request) -> bool:
    if request is None:
        return False
    if request.path.startswith(JSON_PREFIXES):
        return True
    accept = request.META.get("HTTP_ACCEPT", "")
    return "json" in accept and "text/html" not in accept


def finish(response: HttpResponse) -> HttpResponse:
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def response_for(request) -> HttpResponse:
    """The 503 answer: JSON problem for the API and machines, the "try again" page for people."""
    log.warning("database unavailable: %s %s answered 503", getattr(request, "method", "-"),
                getattr(request, "path", "-"))
    if wants_json(request):
        return finish(HttpResponse(json.dumps(problem(), ensure_ascii=False), status=503,
                                   content_type="application/problem+json"))
    # No context processors: they may query the database that is down.
    from django.template import loader

    return finish(HttpResponse(loader.get_template("errors/503.html").render({}), status=503,
                               content_type="text/html; charset=utf-8"))
