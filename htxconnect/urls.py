"""Root URL configuration: each app mounts its own urls.py; the API is assembled in api/."""

from django.conf import settings
from django.urls import include, path, re_path

from htxconnect.api.urls import api
from htxconnect.core import health, metrics
from htxconnect.core.permissions import public
from htxconnect.portal.sitemaps import SITEMAPS


@public
def _demo_media(request, path):
    """`make demo` has no nginx: the pictures of public pages (product photos on the scan page, news
    covers: core.storage.PUBLIC_PREFIXES) are served here, as deploy/nginx/htxconnect.conf serves
    them at /media/ in production, with the same sandboxing CSP. Every other name is a private file,
    read only through /files/ after its permission check (core.private_files): 404 here."""
    from django.http import Http404
    from django.views.static import serve

    from htxconnect.core.private_files import clean_name
    from htxconnect.core.storage import is_public

    if clean_name(path) is None or not is_public(path):
        raise Http404
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
    return response


@public
def _sitemap(request):
    from django.contrib.sitemaps.views import sitemap

    return sitemap(request, sitemaps=SITEMAPS)


urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics_view, name="metrics"),
    path("", include("htxconnect.core.urls")),
    path("accounts/", include("htxconnect.accounts.urls")),
    path("registry/import/", include("htxconnect.registry.import_urls")),
    path("registry/", include("htxconnect.registry.urls")),
    path("programs/", include("htxconnect.programs.urls")),
    path("events/", include("htxconnect.events.urls")),
    path("reports/", include("htxconnect.reports.urls")),
    path("market/", include("htxconnect.market.urls")),
    path("portal/", include("htxconnect.portal.urls")),
    path("sitemap.xml", _sitemap, name="sitemap"),
    path("", include("htxconnect.trace.urls")),
    path("api/v1/", api.urls),
    *([re_path(r"^media/(?P<path>.+)$", _demo_media)] if settings.DEMO_MODE else []),
    path("", include("htxconnect.resolver.urls")),  # GS1 Digital Link paths at the root: last
]

handler403 = "htxconnect.core.views.permission_denied"
handler404 = "htxconnect.core.views.page_not_found"
handler500 = "htxconnect.core.views.server_error"
