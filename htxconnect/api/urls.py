"""The REST API at /api/v1/: one NinjaAPI assembled from every app's `api.py`.

An app exposes endpoints by defining `router = ninja.Router(...)` in `htxconnect/<app>/api.py`;
it is mounted at "/" (the router's own paths say where, e.g. "/organisations") unless the
module sets `API_PREFIX`. Endpoints are authenticated by default (API_AUTH); a public one says
`auth=None`. Docs: /api/v1/docs (Swagger UI served from our static files), /api/v1/openapi.json.
"""

from __future__ import annotations

import importlib

from django.apps import apps
from django.http import JsonResponse
from django.urls import re_path
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Swagger
from ninja.renderers import JSONRenderer

from htxconnect.core.permissions import public

from . import endpoints, errors
from .auth import API_AUTH

DESCRIPTION = """
API của HTX Connect. Xác thực bằng khóa API (`Authorization: Bearer htx_…`, cấp bằng
`python manage.py issue_api_key <tên đăng nhập>`) hoặc phiên đăng nhập của trình duyệt
(cán bộ phải qua xác thực hai lớp). Lỗi trả về JSON `{"detail": "…"}` bằng tiếng Việt.

HTX Connect API. Authenticate with an API key (`Authorization: Bearer htx_…`) or the browser
session. Errors are JSON `{"detail": "…"}`; validation errors (422) also list `errors` by field.
"""

def docs_view(view):
    """Docs and schema are public: they describe the API and hold no data.

    The Swagger UI page needs no exception to the site's strict CSP: ninja ships its script,
    styles and an external init script (no inline code), all served from /static/ninja/.
    """
    return public(view)


class Utf8JSONRenderer(JSONRenderer):
    # Vietnamese stays readable in responses and logs instead of \u-escapes.
    json_dumps_params = {"ensure_ascii": False}


@public
def api_index(request, **kwargs):
    """GET /api/v1/: where the docs are."""
    return JsonResponse({"name": "HTX Connect API", "version": "1", "docs": request.path + "docs",
                         "openapi": request.path + "openapi.json"}, json_dumps_params={"ensure_ascii": False})


@public
def api_not_found(request, **kwargs):
    """Any other path under /api/v1/: a JSON 404, not the HTML error page."""
    return JsonResponse({"detail": _("Không có địa chỉ API này: %(path)s") % {"path": request.path}}, status=404,
                        json_dumps_params={"ensure_ascii": False})


class HtxNinjaAPI(NinjaAPI):
    """NinjaAPI whose URL list ends in a JSON index and a JSON 404 for unknown paths."""

    def _get_urls(self):
        patterns = []
        for pattern in super()._get_urls():
            if getattr(pattern, "name", None) == "api-root":
                pattern = re_path(r"^$", api_index, name="api-root")
            patterns.append(pattern)
        return patterns + [re_path(r"^.+$", api_not_found, name="not-found")]


api = HtxNinjaAPI(
    renderer=Utf8JSONRenderer(),
    title="HTX Connect API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    auth=API_AUTH,
    docs=Swagger(settings={"validatorUrl": None, "persistAuthorization": False, "tryItOutEnabled": False}),
    docs_decorator=docs_view,
)
errors.install(api)
api.add_router("/", endpoints.router)


def discover_routers(target: NinjaAPI) -> list[str]:
    """Mount `router` from each project app's api.py; returns the modules mounted."""
    mounted = []
    for config in apps.get_app_configs():
        if not config.name.startswith("htxconnect.") or config.name == "htxconnect.api":
            continue
        module_name = f"{config.name}.api"
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue  # the app has no API (yet)
            raise
        router = getattr(module, "router", None)
        if router is None:
            continue
        target.add_router(getattr(module, "API_PREFIX", "/"), router)
        mounted.append(module_name)
    return mounted


MOUNTED = discover_routers(api)


def iter_operations():
    """(path, method, authenticated) for every API operation, for the authorization matrix.

    Read from the OpenAPI schema, which is what clients see: `path` starts at /api/v1/ and
    keeps `{param}` placeholders; `authenticated` is False only for endpoints with auth=None.
    """
    schema = api.get_openapi_schema()
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield path, method.upper(), bool(operation.get("security"))
