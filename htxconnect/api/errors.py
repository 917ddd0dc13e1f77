"""JSON error answers of the API, in Vietnamese: 401, 403, 404, 422, 429 and 500.

Every error body has `detail` (a sentence a person can act on); 422 adds `errors`, one entry
per field: {"field", "location", "message"}.
"""

from __future__ import annotations

import logging
import math

from django.core import signals
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError

from htxconnect.core import request_context, unavailable

from .auth import MSG_CSRF, MSG_FORBIDDEN, MSG_NO_CREDENTIALS, KeyThrottled

security_log = logging.getLogger("htxconnect.security")
request_log = logging.getLogger("django.request")


def _messages():
    # Built on call so gettext follows the active language.
    return {
        "missing": _("bắt buộc phải có"),
        "string_type": _("phải là chuỗi ký tự"),
        "int_parsing": _("phải là số nguyên"),
        "int_type": _("phải là số nguyên"),
        "int_from_float": _("phải là số nguyên"),
        "float_parsing": _("phải là số"),
        "float_type": _("phải là số"),
        "decimal_parsing": _("phải là số"),
        "bool_parsing": _("phải là true hoặc false"),
        "bool_type": _("phải là true hoặc false"),
        "date_parsing": _("phải là ngày hợp lệ (YYYY-MM-DD)"),
        "date_from_datetime_parsing": _("phải là ngày hợp lệ (YYYY-MM-DD)"),
        "date_type": _("phải là ngày hợp lệ (YYYY-MM-DD)"),
        "datetime_parsing": _("phải là thời điểm hợp lệ (ISO 8601)"),
        "datetime_from_date_parsing": _("phải là thời điểm hợp lệ (ISO 8601)"),
        "datetime_type": _("phải là thời điểm hợp lệ (ISO 8601)"),
        "uuid_parsing": _("phải là mã UUID hợp lệ"),
        "json_invalid": _("không phải JSON hợp lệ"),
        "model_attributes_type": _("phải là một đối tượng JSON"),
        "dict_type": _("phải là một đối tượng JSON"),
        "list_type": _("phải là một danh sách"),
        "extra_forbidden": _("không được phép có trường này"),
        "string_too_short": _("phải có ít nhất %(min_length)s ký tự"),
        "string_too_long": _("không được dài quá %(max_length)s ký tự"),
        "too_short": _("phải có ít nhất %(min_length)s phần tử"),
        "too_long": _("không được có quá %(max_length)s phần tử"),
        "greater_than": _("phải lớn hơn %(gt)s"),
        "greater_than_equal": _("phải lớn hơn hoặc bằng %(ge)s"),
        "less_than": _("phải nhỏ hơn %(lt)s"),
        "less_than_equal": _("phải nhỏ hơn hoặc bằng %(le)s"),
        "string_pattern_mismatch": _("không đúng định dạng %(pattern)s"),
        "enum": _("phải là một trong: %(expected)s"),
        "literal_error": _("phải là một trong: %(expected)s"),
    }


def _field_message(error: dict) -> str:
    kind = error.get("type", "")
    template = _messages().get(kind)
    ctx = {k: str(v) for k, v in (error.get("ctx") or {}).items()}
    if template:
        try:
            return template % ctx
        except (KeyError, TypeError, ValueError):
            pass
    message = str(error.get("msg", ""))
    # A validator's own (Vietnamese) message arrives as "Value error, <message>".
    for noise in ("Value error, ", "Assertion failed, "):
        if message.startswith(noise):
            message = message[len(noise):]
    return message


def _field_name(loc) -> tuple[str, str]:
    loc = [str(part) for part in (loc or [])]
    if not loc:
        return "", ""
    location, parts = loc[0], loc[1:]
    if location == "body" and len(parts) > 1:
        parts = parts[1:]  # ninja nests the body under the view's argument name
    return ".".join(parts) or location, location


def validation_body(errors: list[dict]) -> dict:
    items = []
    for error in errors:
        field, location = _field_name(error.get("loc"))
        items.append({"field": field, "location": location, "message": _field_message(error)})
    listed = "; ".join(f"{item['field']}: {item['message']}" for item in items)
    return {"detail": _("Dữ liệu không hợp lệ — %(fields)s.") % {"fields": listed}, "errors": items}


def install(api) -> None:
    """Replace ninja's default English handlers on `api`."""

    def respond(request, body, status, **headers):
        response = api.create_response(request, body, status=status)
        for name, value in headers.items():
            response[name.replace("_", "-")] = value
        return response

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, exc):
        message = str(exc) if getattr(exc, "reason", None) else str(MSG_NO_CREDENTIALS)
        security_log.warning(
            "api 401: reason=%s path=%s ip=%s", getattr(exc, "reason", "no_credentials"), request.path,
            request_context.client_ip_from(request),
        )
        return respond(request, {"detail": message}, 401, WWW_Authenticate='Bearer realm="htxconnect"')

    @api.exception_handler(PermissionDenied)
    def forbidden(request, exc):
        security_log.warning("api 403: path=%s user=%s", request.path, getattr(request.user, "pk", None))
        return respond(request, {"detail": str(MSG_FORBIDDEN)}, 403)

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return respond(request, {"detail": _("Không tìm thấy dữ liệu được yêu cầu.")}, 404)

    @api.exception_handler(ObjectDoesNotExist)
    def does_not_exist(request, exc):
        return not_found(request, exc)

    @api.exception_handler(NinjaValidationError)
    def invalid(request, exc):
        return respond(request, validation_body(exc.errors), 422)

    @api.exception_handler(DjangoValidationError)
    def invalid_model(request, exc):
        # A service's full_clean(): {field: [messages]} or plain messages.
        errors = []
        if hasattr(exc, "error_dict"):
            for field, field_errors in exc.message_dict.items():
                for message in field_errors:
                    name = "" if field == "__all__" else field
                    errors.append({"field": name, "location": "body", "message": message})
        else:
            errors = [{"field": "", "location": "body", "message": m} for m in exc.messages]
        listed = "; ".join(f"{e['field']}: {e['message']}" if e["field"] else e["message"] for e in errors)
        return respond(request, {"detail": _("Dữ liệu không hợp lệ — %(fields)s.") % {"fields": listed},
                                 "errors": errors}, 422)

    @api.exception_handler(Throttled)
    def throttled(request, exc):
        # An API key past settings.API_KEY_RATE_LIMIT (api.auth.KeyThrottled: accounts.apikeys logs the first
        # refusal of each window, not every one), or a throttle of ninja's.
        if not isinstance(exc, KeyThrottled):
            security_log.warning("api 429: path=%s", request.path)
        if exc.wait is None:
            return respond(request, {"detail": _("Quá nhiều yêu cầu. Vui lòng thử lại sau ít phút.")}, 429)
        seconds = max(1, math.ceil(exc.wait))
        return respond(request, {"detail": _("Quá nhiều yêu cầu. Vui lòng thử lại sau %(seconds)s giây.")
                                 % {"seconds": seconds}}, 429, Retry_After=str(seconds))

    @api.exception_handler(HttpError)
    def http_error(request, exc):
        status = exc.status_code
        message = str(exc)
        if status == 403:
            if message == "CSRF check Failed":
                message = str(MSG_CSRF)
            security_log.warning("api 403: reason=%s path=%s", getattr(exc, "reason", "-"), request.path)
        elif status == 404 and message in ("Not Found", ""):
            message = _("Không tìm thấy dữ liệu được yêu cầu.")
        return respond(request, {"detail": message}, status)

    def database_unavailable(request, exc):
        # PostgreSQL stopped or restarting: 503 "try again", nothing was saved (core.unavailable).
        response = respond(request, unavailable.problem(), 503)
        response["Content-Type"] = "application/problem+json"
        request_log.warning("API 503, database unavailable: %s %s (%s)", request.method, request.path,
                            type(exc).__name__)
        return unavailable.finish(response)

    for error in unavailable.DATABASE_ERRORS:
        api.add_exception_handler(error, database_unavailable)

    @api.exception_handler(Exception)
    def server_error(request, exc):
        # Let Django's test client and error reporting see the exception, answer in JSON.
        signals.got_request_exception.send(sender=None, request=request)
        request_log.error("API error: %s %s", request.method, request.path, exc_info=exc)
        return respond(request, {"detail": _("Đã xảy ra lỗi máy chủ. Lỗi đã được ghi lại; vui lòng thử lại sau.")}, 500)

