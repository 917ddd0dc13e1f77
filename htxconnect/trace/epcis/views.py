"""The EPCIS 2.0 REST binding at /epcis/ (paths, headers and answers of GS1's OpenAPI description).

Machine clients send `Authorization: Bearer <API key>`; a signed-in browser session works too
(staff after two-factor verification) and must then pass the CSRF check on POST. Errors are
RFC 7807 problem bodies (`application/problem+json`) with the EPCIS exception names as `type`.
"""

from __future__ import annotations

import functools
import json
import math
import re
import uuid
from urllib.parse import quote, urlencode

from django.conf import settings
from django.core import signing
from django.core.exceptions import RequestDataTooBig
from django.http import FileResponse, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from htxconnect.accounts.apikeys import KeyRateLimited, authenticate_bearer
from htxconnect.core import request_context
from htxconnect.core.permissions import SIGNED_IN, needs_otp, public
from htxconnect.core.identifiers import canonical_epc
from htxconnect.trace.models import CaptureJob, EPCISEventEPC
from htxconnect.trace.queries import captures_of, master_data_owners, visible_events

from . import CBV_VERSION, EPCIS_VERSION
from .capture import capture_limit, capture_max_bytes, event_list_of, format_time, receive_document
from .documents import capture_job_document, collection, query_document
from .documents import encode as encode_document
from .query import (QueryParameterError, QueryTooLargeError, apply_query, make_page_token, max_per_page, page,
                    parse_page_token)
from .vocab import EVENT_TYPES, is_known_event_type

JSON_TYPES = ("application/json", "application/ld+json")
CONTEXT_FILE = settings.BASE_DIR / "htxconnect" / "trace" / "data" / "epcis-context.jsonld"


# --- Responses ---------------------------------------------------------------------------------------


def _gs1_headers(response, *, discovery: bool = False):
    response["GS1-EPCIS-Version"] = EPCIS_VERSION
    response["GS1-CBV-Version"] = CBV_VERSION
    if discovery:
        for name, value in (("GS1-EPCIS-Min", EPCIS_VERSION), ("GS1-EPCIS-Max", EPCIS_VERSION),
                            ("GS1-CBV-Min", CBV_VERSION), ("GS1-CBV-Max", CBV_VERSION),
                            ("GS1-EPC-Format", "No_Preference"),
                            ("GS1-Vendor-Version", "htxconnect-1")):
            response[name] = value
    return response


def json_response(body, *, status: int = 200, content_type: str = "application/json", headers=None):
    response = HttpResponse(encode_document(body),
                            status=status, content_type=f"{content_type}; charset=utf-8" if content_type != "application/problem+json" else content_type)
    for name, value in (headers or {}).items():
        response[name] = value
    return _gs1_headers(response)


def problem_response(status: int, type_: str, title: str, detail: str, headers=None, **extra):
    body = {"type": type_, "title": title, "status": status, "detail": detail, **extra}
    return json_response(body, status=status, content_type="application/problem+json", headers=headers)


def _limit_headers():
    return {"GS1-EPCIS-Capture-Limit": str(capture_limit()),
            "GS1-EPCIS-Capture-File-Size-Limit": str(capture_max_bytes())}


def _negotiate(request) -> str | None:
    """The JSON media type to answer with, or None when the client accepts neither (→ 406)."""
    if not request.headers.get("Accept", "").strip():
        return "application/json"  # no Accept header: the client takes anything
    return request.get_preferred_type(JSON_TYPES)


# --- Authentication ----------------------------------------------------------------------------------


def authenticate_request(request):
    """(user, via) for a bearer API key ("key") or a signed-in session ("session"); else (None, reason)."""
    if request_context.bearer_token(request) is not None:
        user = authenticate_bearer(request)
        return (user, "key") if user is not None else (None, "invalid_key")
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.is_active:
        if needs_otp(user):
            return None, "otp"
        return user, "session"
    return None, "anonymous"


def _unauthorised(reason: str):
    details = {
        "invalid_key": _("Khóa API không hợp lệ, đã bị thu hồi hoặc tài khoản đã bị khóa. "
                         "The API key is invalid or revoked."),
        "otp": _("Tài khoản cán bộ cần xác thực hai bước trước khi dùng EPCIS. "
                 "Staff accounts must pass two-factor verification first."),
    }
    return problem_response(
        401, "epcisException:SecurityException", _("Chưa xác thực (Unauthorised request)"),
        details.get(reason, _("Cần khóa API (Authorization: Bearer …) hoặc đăng nhập. "
                              "An API key (Authorization: Bearer …) or a signed-in session is required.")),
        headers={"WWW-Authenticate": 'Bearer realm="epcis"'},
    )


def _rate_limited(exc: KeyRateLimited):
    """429 for an API key past settings.API_KEY_RATE_LIMIT (accounts.apikeys), with Retry-After."""
    return problem_response(
        429, "epcisException:SecurityException", _("Quá nhiều yêu cầu (too many requests)"),
        _("Khóa API này đã gửi quá nhiều yêu cầu; hãy thử lại sau %(seconds)s giây. "
          "This API key sent too many requests; retry after %(seconds)s seconds.") % {"seconds": exc.retry_after},
        headers={"Retry-After": str(exc.retry_after)})


def _csrf_failure(request):
    """The CSRF middleware's answer for a session request, or None when the check passes."""
    middleware = CsrfViewMiddleware(lambda req: None)
    middleware.process_request(request)
    return middleware.process_view(request, None, (), {})


_VERSION = re.compile(r"^\d+(\.\d+)*$")


def _version(text: str) -> tuple:
    parts = [int(p) for p in text.split(".")]
    return tuple(parts + [0] * (3 - len(parts)))


def _check_gs1_headers(request):
    """Version ranges the server cannot satisfy and malformed GS1-* headers (406); None if fine.

    Also reads GS1-EPC-Format and GS1-Extensions onto the request for the view.
    """
    for name, ours in (("GS1-EPCIS-Min", EPCIS_VERSION), ("GS1-EPCIS-Max", EPCIS_VERSION),
                       ("GS1-CBV-Min", CBV_VERSION), ("GS1-CBV-Max", CBV_VERSION)):
        value = request.headers.get(name)
        if value is None:
            continue
        value = value.strip()
        if not _VERSION.match(value) or len(value) > 40:
            return _header_refused(_("%(name)s = “%(value)s” phải là số phiên bản như 2.0.0.")
                                   % {"name": name, "value": value[:100]})
        wanted, have = _version(value), _version(ours)
        if (name.endswith("Min") and wanted > have) or (name.endswith("Max") and wanted < have):
            return problem_response(
                406, "epcisException:NotAcceptableException",
                _("Phiên bản không được hỗ trợ (conflicting request and response headers)"),
                _("Máy chủ dùng EPCIS %(epcis)s và CBV %(cbv)s; yêu cầu %(name)s = %(value)s không thể đáp ứng.")
                % {"epcis": EPCIS_VERSION, "cbv": CBV_VERSION, "name": name, "value": value})
    from .formats import HeaderError, epc_format_of, extensions_of

    try:
        request.epcis_epc_format = epc_format_of(request)
        request.epcis_extensions = extensions_of(request)
    except HeaderError as exc:
        return _header_refused(str(exc))
    return None


def _header_refused(detail: str):
    # A GS1-* header the server cannot read cannot be satisfied either: the binding's answer for
    # request headers the server cannot honour is 406 (every operation documents it; few document 400).
    return problem_response(406, "epcisException:NotAcceptableException",
                            _("Tiêu đề GS1 không hợp lệ (conflicting request and response headers)"), detail)


def epcis_endpoint(*methods: str):
    """Wrap a view of the binding: OPTIONS discovery, 405, authentication, CSRF, 406, 400 for queries.

    The view is called as view(request, user, media_type, *args). Marked with the SIGNED_IN rule
    for the authorization matrix (answers 401 problem+json instead of redirecting to a login page).
    """
    allowed = list(methods) + (["HEAD"] if "GET" in methods else []) + ["OPTIONS"]

    def decorate(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method == "OPTIONS":
                response = HttpResponse(status=204)
                response["Allow"] = ", ".join(allowed)
                if "POST" in methods:
                    for name, value in _limit_headers().items():
                        response[name] = value
                    response["GS1-Capture-Error-Behaviour"] = "rollback"  # the default; "proceed" on request
                return _gs1_headers(response, discovery=True)
            if request.method not in allowed:
                response = problem_response(405, "epcisException:ImplementationException",
                                            _("Phương thức không được hỗ trợ (method not allowed)"),
                                            _("Đường dẫn này nhận: %(methods)s.") % {"methods": ", ".join(allowed)})
                response["Allow"] = ", ".join(allowed)
                return response
            try:
                user, via = authenticate_request(request)
            except KeyRateLimited as exc:
                return _rate_limited(exc)
            if user is None:
                return _unauthorised(via)
            if via == "session" and request.method not in ("GET", "HEAD"):
                failure = _csrf_failure(request)
                if failure is not None:
                    return failure
            media = _negotiate(request)
            if media is None:
                return problem_response(406, "epcisException:NotAcceptableException",
                                        _("Không có định dạng phù hợp (not acceptable)"),
                                        _("Máy chủ trả về application/json hoặc application/ld+json."))
            refused = _check_gs1_headers(request)
            if refused is not None:
                return refused
            try:
                response = view(request, user, media, *args, **kwargs)
            except QueryTooLargeError as exc:
                return problem_response(413, "epcisException:QueryTooLargeException",
                                        _("Kết quả truy vấn quá lớn (query too large)"), str(exc))
            except QueryParameterError as exc:
                return problem_response(400, "epcisException:QueryParameterException",
                                        _("Tham số truy vấn không hợp lệ (invalid query parameter)"), str(exc))
            if response.status_code < 300:
                if request.headers.get("GS1-EPC-Format"):
                    response["GS1-EPC-Format"] = request.epcis_epc_format
                if request.epcis_extensions:
                    response["GS1-Extensions"] = ", ".join(f"{k}={v}" for k, v in request.epcis_extensions.items())
            return response

        wrapped.permission = SIGNED_IN
        return csrf_exempt(wrapped)

    return decorate


# --- Capture -----------------------------------------------------------------------------------------------


def _reject_nan(name):
    raise ValueError(f"{name} is not valid JSON")


def _finite_float(text):
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"number {text[:40]} is out of range")
    return value


class _Parsed:
    """A parsed JSON body (any JSON value, so it cannot be told from a response by type alone)."""

    def __init__(self, value):
        self.value = value


def _capture_post(request, user, media):
    document = _read_json_body(request)
    if isinstance(document, HttpResponse):
        return document
    return _capture_document(request, user, media, document)


def _read_json_body(request):
    """The parsed JSON body, or the problem response refusing it (type, size, syntax)."""
    content_type = (request.content_type or "").lower()
    if content_type not in JSON_TYPES:
        return problem_response(415, "epcisException:UnsupportedMediaTypeException",
                                _("Định dạng không được hỗ trợ (unsupported media type)"),
                                _("Gửi tài liệu EPCIS dạng JSON-LD với Content-Type application/json hoặc "
                                  "application/ld+json; nhận được “%(type)s”.") % {"type": content_type or "—"})
    limit = capture_max_bytes()
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = -1
    if length < 0:
        return problem_response(400, "epcisException:ValidationException", _("Content-Length không hợp lệ"),
                                _("Tiêu đề Content-Length phải là một số nguyên không âm."))
    too_large = problem_response(
        413, "epcisException:CaptureLimitExceededException", _("Tài liệu quá lớn (capture payload too large)"),
        _("Tài liệu %(size)s byte vượt giới hạn %(limit)s byte (GS1-EPCIS-Capture-File-Size-Limit); "
          "hãy chia thành nhiều lần gửi.") % {"size": length, "limit": limit}, headers=_limit_headers())
    if length > limit:
        return too_large  # refused before the body is read
    try:
        raw = request.body
    except RequestDataTooBig:
        return too_large
    if len(raw) > limit:
        return too_large
    try:
        return _Parsed(json.loads(raw.decode("utf-8"), parse_constant=_reject_nan, parse_float=_finite_float))
    except RecursionError:
        return problem_response(400, "epcisException:ValidationException", _("JSON không hợp lệ (malformed JSON)"),
                                _("JSON lồng nhau quá sâu (nesting too deep)."))
    except UnicodeDecodeError:
        return problem_response(400, "epcisException:ValidationException", _("JSON không hợp lệ (malformed JSON)"),
                                _("Nội dung phải được mã hóa UTF-8."))
    except ValueError as exc:
        where = (_(" (dòng %(line)d, cột %(col)d)") % {"line": exc.lineno, "col": exc.colno}) if hasattr(exc, "lineno") else ""
        return problem_response(400, "epcisException:ValidationException", _("JSON không hợp lệ (malformed JSON)"),
                                _("Không đọc được JSON%(where)s: %(error)s") % {"where": where, "error": getattr(exc, "msg", str(exc))})


def _capture_document(request, user, media, parsed):
    document = parsed.value
    events, _path = event_list_of(document)
    if events is not None and len(events) > capture_limit():
        return problem_response(
            413, "epcisException:CaptureLimitExceededException", _("Quá nhiều sự kiện (capture limit exceeded)"),
            _("Tài liệu có %(n)d sự kiện, vượt giới hạn %(limit)d sự kiện mỗi lần gửi (GS1-EPCIS-Capture-Limit).")
            % {"n": len(events), "limit": capture_limit()}, headers=_limit_headers())
    behaviour = request.headers.get("GS1-Capture-Error-Behaviour", "rollback").strip().lower() or "rollback"
    if behaviour == "all":  # the binding's enum lists "all" without defining it: all or nothing
        behaviour = "rollback"
    if behaviour not in CaptureJob.ErrorBehaviour.values:
        return problem_response(400, "epcisException:ValidationException",
                                _("GS1-Capture-Error-Behaviour không hợp lệ"),
                                _("Giá trị phải là rollback hoặc proceed, nhận được “%(value)s”.") % {"value": behaviour})
    job = receive_document(document, user=user, error_behaviour=behaviour)
    location = f"/epcis/capture/{job.pk}"
    body = capture_job_document(job)
    if job.status == CaptureJob.Status.FAILED and job.stored_count == 0:
        server_error = any(e.get("status") == 500 for e in job.errors)
        return problem_response(
            500 if server_error else 400,
            "epcisException:ImplementationException" if server_error else "epcisException:ValidationException",
            _("Tài liệu EPCIS bị từ chối, không sự kiện nào được lưu (document rejected, nothing stored)"),
            _("%(n)d lỗi; xem “errors”, mỗi lỗi có đường dẫn JSON (path).") % {"n": len(job.errors)},
            headers={"Location": location}, captureID=str(job.pk), errors=job.errors,
        )
    return json_response(body, status=202, headers={"Location": location})


def _capture_list(request, user, media):
    jobs = captures_of(user)
    for name in request.GET:
        if name not in ("perPage", "nextPageToken"):
            raise QueryParameterError(_("Tham số “%(name)s” không được hỗ trợ ở đây.") % {"name": name})
    per_page = request.GET.get("perPage", "30").strip()
    if not per_page.isdigit() or not 1 <= int(per_page) <= max_per_page():
        raise QueryParameterError(_("perPage phải là số nguyên từ 1 đến %(max)d.") % {"max": max_per_page()})
    per_page = int(per_page)
    jobs = jobs.order_by("created_at", "id")
    token = request.GET.get("nextPageToken")
    if token is not None:
        stamp, _pk = parse_page_token(token)
        jobs = jobs.filter(created_at__gt=stamp)
    rows = list(jobs[:per_page + 1])
    headers = {}
    if len(rows) > per_page:
        rows = rows[:per_page]
        headers["Link"] = _next_link(request, make_page_token(rows[-1].created_at, 0))
    return json_response([capture_job_document(j) for j in rows], content_type=media, headers=headers)


@epcis_endpoint("GET", "POST")
def capture(request, user, media):
    if request.method == "POST":
        return _capture_post(request, user, media)
    return _capture_list(request, user, media)


def _not_found(detail: str):
    return problem_response(404, "epcisException:NoSuchNameException", _("Không tìm thấy (resource not found)"), detail)


@epcis_endpoint("GET")
def capture_detail(request, user, media, capture_id):
    try:
        pk = uuid.UUID(capture_id)
    except ValueError:
        pk = None
    job = captures_of(user).filter(pk=pk).first() if pk else None
    if job is None:
        return _not_found(_("Không có lượt gửi (capture) “%(id)s” của bạn.") % {"id": capture_id})
    return json_response(capture_job_document(job), content_type=media)


# --- Queries ------------------------------------------------------------------------------------------------


def _next_link(request, token: str) -> str:
    params = request.GET.copy()
    params["nextPageToken"] = token
    path = quote(request.path, safe="/:@!$&'()*+,;=-._~")
    return f'<{request.build_absolute_uri(path)}?{urlencode(params, doseq=True)}>; rel="next"'


def _events_answer(request, media, queryset, user=None):
    # Whose master data WD_readPoint/WD_bizLocation may follow: asked only when the query has one.
    wants_owners = any(name.startswith("WD_") for name in request.GET)
    queryset, per_page, after = apply_query(queryset, request.GET,
                                            owners=master_data_owners(user) if wants_owners else None)
    rows, next_key = page(queryset, per_page, after, raw_events=True)
    headers = {}
    if next_key is not None:
        headers["Link"] = _next_link(request, make_page_token(*next_key))
    return json_response(_query_document(request, rows), content_type=media, headers=headers)


def _query_document(request, rows, **kwargs):
    return query_document(rows, epc_format=request.epcis_epc_format, extensions=request.epcis_extensions, **kwargs)


@epcis_endpoint("GET", "POST")
def events(request, user, media):
    if request.method == "POST":
        return _capture_single_event(request, user, media)
    return _events_answer(request, media, visible_events(user), user)


def _capture_single_event(request, user, media):
    """POST /events: the binding's synchronous capture of one event (201 + Location, 409 if known)."""
    parsed = _read_json_body(request)
    if isinstance(parsed, HttpResponse):
        return parsed
    if not isinstance(parsed.value, dict):
        return problem_response(400, "epcisException:ValidationException", _("Sự kiện không hợp lệ (invalid event)"),
                                _("Thân yêu cầu phải là một sự kiện EPCIS (JSON object)."))
    event = dict(parsed.value)
    if "@context" not in event:
        return problem_response(400, "epcisException:ValidationException", _("Sự kiện không hợp lệ (invalid event)"),
                                _("Sự kiện gửi riêng phải có “@context” (a standalone event needs @context)."),
                                errors=[{"type": "epcisException:ValidationException", "title": _("Thiếu @context"),
                                         "status": 400, "detail": "\"@context\" is a required property", "path": "$"}])
    context = event.pop("@context", None)
    document = {"@context": context if context is not None else [], "type": "EPCISDocument", "schemaVersion": "2.0",
                "creationDate": format_time(timezone.now()), "epcisBody": {"eventList": [event]}}
    job = receive_document(document, user=user)
    for error in job.errors:  # paths point into the event the client sent, not our wrapper
        if isinstance(error.get("path"), str):
            error["path"] = error["path"].replace("$.epcisBody.eventList[0]", "$", 1).replace(
                "$.@context", "$[\"@context\"]")
    conflicts = [e for e in job.errors if e.get("status") == 409]
    if conflicts:  # the user's own eventID with a different event (other accounts' IDs never conflict)
        return problem_response(409, "epcisException:ResourceAlreadyExistsException",
                                _("eventID trùng với sự kiện khác (eventID conflict)"), conflicts[0]["detail"],
                                errors=job.errors,
                                headers={"Location": "/epcis/events/" + quote(conflicts[0]["eventID"], safe="")})
    if job.status == CaptureJob.Status.FAILED:
        return problem_response(400, "epcisException:ValidationException",
                                _("Sự kiện EPCIS bị từ chối (event rejected)"),
                                _("%(n)d lỗi; xem “errors”.") % {"n": len(job.errors)}, errors=job.errors)
    stored = job.events.order_by("id").first()
    event_id = stored.event_id if stored is not None else (event.get("eventID") or "")
    location = "/epcis/events/" + quote(event_id, safe="")
    if job.duplicate_count:
        return problem_response(409, "epcisException:ResourceAlreadyExistsException",
                                _("Sự kiện đã có (event already exists)"),
                                _("eventID %(id)s đã được lưu trước đó.") % {"id": event_id},
                                headers={"Location": location})
    # The binding's description answers 201 with the EPCISEvent itself (found by `make conformance`);
    # the capture job stays reachable from the event's record, as any capture's.
    body = dict(stored.event) if stored is not None else dict(event)
    body.setdefault("eventID", event_id)
    return json_response(body, status=201, content_type=media, headers={"Location": location})


def _unmerge_slashes(value: str) -> str:
    """Proxies that merge slashes (nginx's default) turn `https://…` into `https:/…` in a path."""
    value = re.sub(r"^(https?):/(?!/)", r"\1://", value)
    return re.sub(r"^ni:/+", "ni:///", value)


@epcis_endpoint("GET")
def event_detail(request, user, media, event_id):
    event_id = _unmerge_slashes(event_id)
    # eventIDs are unique per owner: an account that sees several owners' events may get several.
    rows, _next = page(visible_events(user).filter(event_id=event_id), max_per_page())
    if not rows:
        return _not_found(_("Không có sự kiện eventID “%(id)s” mà bạn được xem.") % {"id": event_id})
    return json_response(_query_document(request, rows), content_type=media)


@epcis_endpoint("GET")
def event_types(request, user, media):
    for name in request.GET:
        if name not in ("perPage", "nextPageToken"):
            raise QueryParameterError(_("Tham số “%(name)s” không được hỗ trợ ở đây.") % {"name": name})
    extra = sorted(set(visible_events(user).exclude(event_type__in=EVENT_TYPES)
                       .values_list("event_type", flat=True).distinct()[:1000]))
    return json_response(collection([*EVENT_TYPES, *extra]), content_type=media)


def _check_event_type(event_type: str):
    if not is_known_event_type(event_type):
        return _not_found(_("“%(type)s” không phải là loại sự kiện EPCIS.") % {"type": event_type})
    return None


@epcis_endpoint("GET")
def event_type(request, user, media, event_type):
    return _check_event_type(event_type) or json_response(collection(["events"]), content_type=media)


@epcis_endpoint("GET")
def event_type_events(request, user, media, event_type):
    refused = _check_event_type(event_type)
    if refused:
        return refused
    return _events_answer(request, media, visible_events(user).filter(event_type=event_type), user)


def _events_naming(user, epc: str):
    matching = EPCISEventEPC.objects.filter(epc=canonical_epc(_unmerge_slashes(epc))).exclude(
        role=EPCISEventEPC.Role.CORRECTIVE)
    return visible_events(user).filter(id__in=matching.values("event_id"))


@epcis_endpoint("GET")
def epc_resource(request, user, media, epc):
    if not _events_naming(user, epc).exists():
        return _not_found(_("Không có sự kiện nào bạn được xem nêu mã “%(epc)s”.") % {"epc": epc})
    return json_response(collection(["events"]), content_type=media)


@epcis_endpoint("GET")
def epc_events(request, user, media, epc):
    return _events_answer(request, media, _events_naming(user, epc), user)


@csrf_exempt  # no session is used; a POST gets the 405 problem below, never the HTML CSRF page
@public
def context_file(request):
    """The EPCIS 2.0 JSON-LD context, served from a local copy (never fetched at run time)."""
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        response = problem_response(405, "epcisException:ImplementationException",
                                    _("Phương thức không được hỗ trợ (method not allowed)"),
                                    _("Đường dẫn này nhận: %(methods)s.") % {"methods": "GET, HEAD, OPTIONS"})
        response["Allow"] = "GET, HEAD, OPTIONS"
        return response
    response = FileResponse(open(CONTEXT_FILE, "rb"), content_type="application/ld+json")
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = "public, max-age=86400"
    return response


@csrf_exempt  # a POST with a Bearer key to an unknown path gets this problem body, not the CSRF page
@public
def not_found(request, rest=""):
    """Any other path under /epcis/: a problem body rather than the site's HTML 404 page."""
    return _not_found(_("Không có tài nguyên EPCIS “%(path)s”.") % {"path": request.path})


# --- Named queries and subscriptions -------------------------------------------------------------------------


def _query_of(user, query_name: str):
    from htxconnect.trace.models import EPCISQuery

    return EPCISQuery.objects.filter(owner=user, name=query_name).first()


def _no_query(query_name: str):
    return _not_found(_("Không có truy vấn có tên “%(name)s” của bạn.") % {"name": query_name})


def _subscription_refused(exc):
    return problem_response(400, "epcisException:ValidationException",
                            _("Yêu cầu không hợp lệ (invalid request)"), str(exc))


def _only_paging(request):
    for name in request.GET:
        if name not in ("perPage", "nextPageToken"):
            raise QueryParameterError(_("Tham số “%(name)s” không được hỗ trợ ở đây.") % {"name": name})


def _query_body(query) -> dict:
    return {"name": query.name, "query": query.query}


@epcis_endpoint("GET", "POST")
def queries(request, user, media):
    from htxconnect.trace.models import EPCISQuery

    from .subscriptions import QueryExists, SubscriptionError, create_query

    if request.method == "POST":
        parsed = _read_json_body(request)
        if isinstance(parsed, HttpResponse):
            return parsed
        body = parsed.value
        if not isinstance(body, dict) or "name" not in body or "query" not in body:
            return _subscription_refused(_("Thân yêu cầu phải là {\"name\": …, \"query\": {…}} (QueryDefinition)."))
        try:
            query = create_query(user=user, name=body["name"], definition=body["query"])
        except QueryExists:
            return problem_response(409, "epcisException:ResourceAlreadyExistsException",
                                    _("Truy vấn đã có (query already exists)"),
                                    _("Bạn đã có truy vấn tên “%(name)s”.") % {"name": body["name"]})
        except SubscriptionError as exc:
            return problem_response(400, "epcisException:QueryParameterException",
                                    _("Định nghĩa truy vấn không hợp lệ (invalid query definition)"), str(exc))
        response = HttpResponse(status=201)
        response["Location"] = f"/epcis/queries/{quote(query.name, safe='')}"
        return _gs1_headers(response)
    _only_paging(request)
    per_page = request.GET.get("perPage", "100").strip()
    if not per_page.isdigit() or not 1 <= int(per_page) <= max_per_page():
        raise QueryParameterError(_("perPage phải là số nguyên từ 1 đến %(max)d.") % {"max": max_per_page()})
    rows = EPCISQuery.objects.filter(owner=user).order_by("name")
    token = request.GET.get("nextPageToken")
    if token is not None:
        try:
            after = signing.loads(token, salt="htxconnect.trace.epcis.queries")
        except signing.BadSignature:
            raise QueryParameterError(_("nextPageToken không hợp lệ hoặc đã bị sửa (invalid nextPageToken).")) from None
        rows = rows.filter(name__gt=after)
    rows = list(rows[:int(per_page) + 1])
    headers = {}
    if len(rows) > int(per_page):
        rows = rows[:int(per_page)]
        headers["Link"] = _next_link(request, signing.dumps(rows[-1].name, salt="htxconnect.trace.epcis.queries"))
    return json_response([_query_body(q) for q in rows], content_type=media, headers=headers)


@epcis_endpoint("GET", "DELETE")
def query_detail(request, user, media, query_name):
    from .subscriptions import delete_query

    query = _query_of(user, query_name)
    if query is None:
        return _no_query(query_name)
    if request.method == "DELETE":
        delete_query(user=user, query=query)
        return _gs1_headers(HttpResponse(status=204))
    return json_response(_query_body(query), content_type=media)


@epcis_endpoint("GET")
def query_events(request, user, media, query_name):
    from .subscriptions import run_query

    query = _query_of(user, query_name)
    if query is None:
        return _no_query(query_name)
    _only_paging(request)
    queryset, per_page, after = run_query(query, request.GET, user=user)
    rows, next_key = page(queryset, per_page, after, raw_events=True)
    headers = {}
    if next_key is not None:
        headers["Link"] = _next_link(request, make_page_token(*next_key))
    return json_response(_query_document(request, rows, query_name=query.name), content_type=media, headers=headers)


def _subscription_body(subscription, *, full: bool = False) -> dict:
    body = {"subscriptionID": str(subscription.pk), "dest": subscription.dest,
            "createdAt": format_time(subscription.created_at)}
    if subscription.stream:
        body["stream"] = True
    else:
        body["schedule"] = subscription.schedule
        if subscription.min_record_time is not None:
            body["minRecordTime"] = format_time(subscription.min_record_time)
    if subscription.last_notified_at is not None:
        body["lastNotifiedAt"] = format_time(subscription.last_notified_at)
    if subscription.initial_record_time is not None:
        body["initialRecordTime"] = format_time(subscription.initial_record_time)
    if full:
        body["queryName"] = subscription.query.name
        body["reportIfEmpty"] = subscription.report_if_empty
    return body  # the signatureToken is never shown again


@epcis_endpoint("GET", "POST")
def subscriptions(request, user, media, query_name):
    from .subscriptions import SubscriptionError, create_subscription

    query = _query_of(user, query_name)
    if query is None:
        return _no_query(query_name)
    if request.method == "POST":
        parsed = _read_json_body(request)
        if isinstance(parsed, HttpResponse):
            return parsed
        try:
            subscription = create_subscription(user=user, query=query, body=parsed.value)
        except SubscriptionError as exc:
            return _subscription_refused(exc)
        location = f"/epcis/queries/{quote(query.name, safe='')}/subscriptions/{subscription.pk}"
        return json_response(_subscription_body(subscription), status=201, content_type=media,
                             headers={"Location": request.build_absolute_uri(location)})
    _only_paging(request)
    rows = query.subscriptions.order_by("created_at")[:max_per_page()]
    return json_response([_subscription_body(s) for s in rows], content_type=media)


@epcis_endpoint("GET", "DELETE")
def subscription_detail(request, user, media, query_name, subscription_id):
    from .subscriptions import delete_subscription

    query = _query_of(user, query_name)
    try:
        pk = uuid.UUID(subscription_id)
    except ValueError:
        pk = None
    subscription = query.subscriptions.filter(pk=pk).first() if query is not None and pk else None
    if subscription is None:
        return _not_found(_("Không có đăng ký “%(id)s” cho truy vấn “%(name)s”.")
                          % {"id": subscription_id, "name": query_name})
    if request.method == "DELETE":
        delete_subscription(user=user, subscription=subscription)
        return _gs1_headers(HttpResponse(status=204))
    return json_response(_subscription_body(subscription, full=True), content_type=media)


# --- Top-level resources (GET /, /epcs, /bizSteps, /bizLocations, /readPoints, /dispositions) ----------------

TOP_LEVEL = ["queries", "capture", "events", "eventTypes", "epcs", "readPoints", "bizLocations", "dispositions",
             "bizSteps"]
_MEMBERS_SALT = "htxconnect.trace.epcis.members"


@epcis_endpoint("GET")
def root(request, user, media):
    return json_response(collection(TOP_LEVEL), content_type=media)


def _members_page(request):
    """(per_page, last member of the previous page or None) of a collection request."""
    _only_paging(request)
    raw = request.GET.get("perPage", "100").strip()
    if not raw.isdigit() or not 1 <= int(raw) <= max_per_page():
        raise QueryParameterError(_("perPage phải là số nguyên từ 1 đến %(max)d.") % {"max": max_per_page()})
    after = None
    if request.GET.get("nextPageToken") is not None:
        try:
            after = signing.loads(request.GET["nextPageToken"], salt=_MEMBERS_SALT)
        except signing.BadSignature:
            raise QueryParameterError(_("nextPageToken không hợp lệ hoặc đã bị sửa (invalid nextPageToken).")) from None
    return int(raw), after


def _members_answer(request, media, members: list, per_page: int, *, translate: bool = False):
    """A Collection of one page of members (sorted, distinct); `Link: rel="next"` while more remain."""
    headers = {}
    if len(members) > per_page:
        members = members[:per_page]
        headers["Link"] = _next_link(request, signing.dumps(members[-1], salt=_MEMBERS_SALT))
    shown = members
    if translate:
        from .formats import convert_identifier

        shown = [convert_identifier(m, request.epcis_epc_format) for m in members]
    from .formats import compact

    shown = [compact(m, request.epcis_extensions) for m in shown]
    return json_response(collection(shown, extensions=request.epcis_extensions), content_type=media,
                         headers=headers)


def _distinct_members(request, media, values, column: str):
    """One page of the distinct non-empty values of `column` (a values_list query), in order."""
    per_page, after = _members_page(request)
    values = values.exclude(**{column: ""})
    if after is not None:
        values = values.filter(**{f"{column}__gt": after})
    members = list(values.distinct().order_by(column)[:per_page + 1])
    return _members_answer(request, media, members, per_page, translate=True)


@epcis_endpoint("GET")
def epcs(request, user, media):
    values = (EPCISEventEPC.objects.filter(event__in=visible_events(user))
              .exclude(role=EPCISEventEPC.Role.CORRECTIVE).values_list("epc", flat=True))
    return _distinct_members(request, media, values, "epc")


def _expanded(request, value: str) -> str:
    """A path value the client may have written with one of its GS1-Extensions prefixes."""
    value = _unmerge_slashes(value)
    prefix, sep, rest = value.partition(":")
    if sep and prefix in getattr(request, "epcis_extensions", {}):
        return request.epcis_extensions[prefix] + rest
    return value


# Each vocabulary resource: (the column, how a path value is normalised, the CBV names or None).
def _vocabularies():
    from .vocab import BIZ_STEPS, DISPOSITIONS, normalize_biz_step, normalize_disposition

    return {
        "bizSteps": ("biz_step", normalize_biz_step, BIZ_STEPS),
        "dispositions": ("disposition", normalize_disposition, DISPOSITIONS),
        "readPoints": ("read_point", canonical_epc, None),
        "bizLocations": ("biz_location", canonical_epc, None),
    }


def _vocabulary_list(resource):
    @epcis_endpoint("GET")
    def view(request, user, media):
        column, _normalise, known = _vocabularies()[resource]
        values = visible_events(user).values_list(column, flat=True)
        if known is None:
            return _distinct_members(request, media, values, column)
        per_page, after = _members_page(request)
        used = set(values.exclude(**{column: ""}).exclude(**{f"{column}__in": list(known)}).distinct()[:10000])
        members = sorted(set(known) | used)
        if after is not None:
            members = [m for m in members if m > after]
        return _members_answer(request, media, members[:per_page + 1], per_page)

    view.__name__ = f"epcis_{resource}"
    return view


def _vocabulary_events(resource, user, request, value):
    column, normalise, _known = _vocabularies()[resource]
    return visible_events(user).filter(**{column: normalise(_expanded(request, value))})


def _vocabulary_item(resource):
    @epcis_endpoint("GET")
    def view(request, user, media, value):
        _only_paging(request)
        _column, normalise, known = _vocabularies()[resource]
        if not (known is not None and normalise(_expanded(request, value)) in known) \
                and not _vocabulary_events(resource, user, request, value).exists():
            return _not_found(_("Không có “%(value)s” trong %(resource)s mà bạn được xem.")
                              % {"value": value, "resource": resource})
        return json_response(collection(["events"]), content_type=media)

    view.__name__ = f"epcis_{resource}_item"
    return view


def _vocabulary_item_events(resource):
    @epcis_endpoint("GET")
    def view(request, user, media, value):
        return _events_answer(request, media, _vocabulary_events(resource, user, request, value))

    view.__name__ = f"epcis_{resource}_events"
    return view


VOCABULARY_VIEWS = {resource: (_vocabulary_list(resource), _vocabulary_item(resource), _vocabulary_item_events(resource))
                    for resource in ("bizSteps", "dispositions", "readPoints", "bizLocations")}
