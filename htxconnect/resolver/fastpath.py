"""Anonymous scans answered before Django's middleware stack (docs/decisions/0022-scan-pages-as-files-and-scan-spool.md).

nginx serves the scan pages as files, but every serialised item has its own Digital Link
(`/01/<GTIN>/10/<lot>/21/<serial>`), so those requests always reach the app. For anonymous
GETs in the plain form a phone sends, the answer of one serial is the answer of every serial
of the lot, but for the path in the `Link` header; this WSGI wrapper keeps the complete answer
Django gave (status and every header its middleware added) in the cache, keyed by what it
depends on, and replays it for the next serial with the path put back, counting the scan
(resolver.scans.record_scan, to the durable spool). The same goes for a scan page Django has
already rendered, when nginx cannot serve its file (an Accept-Language it cannot read).

What may be replayed is decided by the view (the `X-Htx-Fast` header, removed here); the
product's version is part of the entry, so a purge (resolver.cache.purge_gtin) ends every
replay (a process re-checks an entry with the cache after SCAN_FAST_PATH_LOCAL_SECONDS, 0.5 s:
most replays then cost no round trip at all). Anything else — a session cookie, a query string, a JSON client, another
method, a cache that does not answer — goes to Django as before. Active only with the spool
(SCAN_SPOOL_DIR): a replay never touches the database.
"""

from __future__ import annotations

import logging
import re
import time

from django.conf import settings

log = logging.getLogger(__name__)

DL_PATH = re.compile(r"^/01/(\d{14})(?:/10/([A-Za-z0-9_.-]{1,20}))?(?:/21/([A-Za-z0-9_.-]{1,20}))?$")
PAGE_PATH = re.compile(r"^/scan/01/(\d{14})/(?:10/([A-Za-z0-9_-][A-Za-z0-9._-]{0,19})/)?$")
MARKER = "X-Htx-Fast"
PATH_SLOT = "\x00path\x00"
# Per request, never replayed (a request id added by a logging middleware, the server's Date).
NOT_REPLAYED = {"content-length", "date", "x-request-id", MARKER.lower()}
KEY = "resolver:fast:{}"
# What this process checked against the shared cache less than SCAN_FAST_PATH_LOCAL_SECONDS ago
# is replayed without asking again: a purge reaches replays within that bound.
LOCAL_ENTRIES = 10000
_local: dict[str, tuple[float, dict]] = {}
_clock = time.monotonic


class _Shim:
    """What django.utils.translation.get_language_from_request reads of a request."""

    def __init__(self, environ, cookies):
        self.META = environ
        self.COOKIES = cookies


def _html_accept(accept: str) -> bool:
    """The Accept of a browser or a QR scanner app: the resolver answers it with the page."""
    accept = accept.strip()
    if accept in ("", "*/*"):
        return True
    first = accept.split(",", 1)[0]
    return first.strip() == "text/html" and "json" not in accept


class ScanFastPath:
    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        try:
            route = self._route(environ)
        except Exception:  # noqa: BLE001 - never let the shortcut break a request
            log.exception("scan fast path: request not classified")
            route = None
        if route is None:
            return self.app(environ, start_response)
        key, gtin, serial = route
        now = _clock()
        held = _local.get(key)
        if held is not None and now - held[0] < settings.SCAN_FAST_PATH_LOCAL_SECONDS:
            return self._replay(environ, start_response, held[1], serial)
        from django.core.cache import cache

        from . import cache as page_cache

        version_key = page_cache.VERSION_KEY.format(gtin)
        try:
            found = cache.get_many([version_key, key])
        except Exception:  # noqa: BLE001 - the cache is down: Django answers (more slowly)
            return self.app(environ, start_response)
        version = found.get(version_key) or 0
        entry = found.get(key)
        if entry is not None and entry["version"] == version:
            if len(_local) >= LOCAL_ENTRIES:
                _local.clear()
            _local[key] = (now, entry)
            return self._replay(environ, start_response, entry, serial)
        return self._capture(environ, start_response, key, version)

    # --- which requests -----------------------------------------------------------------------

    def _route(self, environ):
        if not (settings.SCAN_FAST_PATH and settings.SCAN_SPOOL_DIR):
            return None
        if environ.get("REQUEST_METHOD") != "GET" or environ.get("QUERY_STRING"):
            return None
        path = environ.get("PATH_INFO", "")
        if not (path.startswith("/01/") or path.startswith("/scan/01/")):
            return None
        cookies = {}
        if environ.get("HTTP_COOKIE"):
            from django.http.cookie import parse_cookie

            cookies = parse_cookie(environ["HTTP_COOKIE"])
        if settings.SESSION_COOKIE_NAME in cookies:
            return None  # signed in (or was): Django, with the session
        where = "|".join((environ.get("HTTP_HOST", ""), environ.get("wsgi.url_scheme", ""),
                          environ.get("HTTP_X_FORWARDED_PROTO", ""),
                          cookies.get(settings.LANGUAGE_COOKIE_NAME, "")))
        if path.startswith("/01/"):
            match = DL_PATH.match(path)
            if match is None or not _html_accept(environ.get("HTTP_ACCEPT", "")):
                return None
            gtin, lot, serial = match.groups()
            # One entry for every serial of the lot (the serial is only in the Link header).
            return KEY.format(f"dl|{where}|{gtin}|{lot or ''}|{'s' if serial else ''}"), gtin, serial or ""
        match = PAGE_PATH.match(path)
        if match is None or environ.get("HTTP_IF_NONE_MATCH"):
            return None
        from django.utils import timezone
        from django.utils.translation import get_language_from_request

        found = get_language_from_request(_Shim(environ, cookies))
        lang = "en" if found and found.startswith("en") else "vi"
        day = timezone.localdate().strftime("%Y%m%d")
        return KEY.format(f"page|{where}|{path}|{lang}|{day}"), match.group(1), None

    # --- answering ----------------------------------------------------------------------------

    def _replay(self, environ, start_response, entry, serial):
        template, with_path = entry.get("split") or _split(entry)
        path = environ["PATH_INFO"]
        headers = template.copy()
        for i in with_path:
            name, value = headers[i]
            headers[i] = (name, value.replace(PATH_SLOT, path))
        if entry["scan"] is not None:
            product_id, lot_id = entry["scan"]
            _scans().record_scan(environ, product_id=product_id, lot_id=lot_id, serial=serial or "")
        start_response(entry["status"], headers)
        return [entry["body"]]

    def _capture(self, environ, start_response, key, version):
        """Django answers; the answer is kept when the view marked it replayable."""
        environ["htx.fastpath"] = True
        seen = {}

        def capture(status, headers, exc_info=None):
            seen["status"], seen["headers"] = status, headers
            return start_response(status, [(k, v) for k, v in headers if k != MARKER], exc_info)

        # start_response is called lazily by some servers: wrap before anything is sent.
        result = self.app(environ, capture)
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        marker = next((v for k, v in seen.get("headers", []) if k == MARKER), None)
        if marker is not None and not any(k.lower() == "set-cookie" for k, _v in seen["headers"]):
            path = environ["PATH_INFO"]
            headers = [(k, v.replace(path, PATH_SLOT) if k.lower() == "link" else v)
                       for k, v in seen["headers"] if k.lower() not in NOT_REPLAYED]
            scan = None
            if marker.startswith("scan:"):
                product_id, _sep, lot_id = marker[5:].partition(":")
                scan = (int(product_id), int(lot_id) if lot_id else None)
            from django.core.cache import cache

            from . import cache as page_cache

            try:
                cache.set(key, {"version": version, "status": seen["status"], "headers": headers, "body": body,
                                "scan": scan}, timeout=page_cache.page_seconds())
            except Exception:  # noqa: BLE001 - not kept: the next request asks Django again
                log.warning("scan fast path: answer not cached", exc_info=True)
        return [body]


def _split(entry):
    """Once per entry this process holds, not per replay: the headers to send, Content-Length
    included, and the places of those that need the request's path put back."""
    template = [*entry["headers"], ("Content-Length", str(len(entry["body"])))]
    entry["split"] = split = (template, [i for i, (_k, v) in enumerate(template) if PATH_SLOT in v])
    return split


def _scans():
    """resolver.scans, imported on the first replay (this module is imported by the WSGI entry point
    before the apps are ready)."""
    global _scans_module
    if _scans_module is None:
        from . import scans

        _scans_module = scans
    return _scans_module


_scans_module = None


def wrap(app):
    return ScanFastPath(app)
