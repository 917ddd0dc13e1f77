"""Root URL configuration: each app mounts its own urls.py; the API is assembled in api/."""

from django.urls import include, path

from htxconnect.api.urls import api
from htxconnect.core import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("", include("htxconnect.core.urls")),
    path("accounts/", include("htxconnect.accounts.urls")),
    path("registry/import/", include("htxconnect.registry.import_urls")),
    path("registry/", include("htxconnect.registry.urls")),
    path("", include("htxconnect.trace.urls")),
    path("api/v1/", api.urls),
    path("", include("htxconnect.resolver.urls")),  # GS1 Digital Link paths at the root: last
]

handler403 = "htxconnect.core.views.permission_denied"
handler404 = "htxconnect.core.views.page_not_found"
handler500 = "htxconnect.core.views.server_error"
