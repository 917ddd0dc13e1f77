"""System checks of the deployment: what must be shared between processes really is.

Login throttling (accounts.throttle) and scan-page purges (resolver.cache) keep their counters
in the default cache. With the local-memory cache every app-server process has its own copy:
an attacker gets LOGIN_MAX_FAILURES tries per process, and a purge made by one process leaves
the others serving the stale page. That is fine for `make demo` (one process) and the tests,
not for production, so `manage.py check --deploy` fails there (docs/admin/deploy.md, step 3).
"""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, register

PER_PROCESS_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
}


@register(Tags.caches, deploy=True)
def check_shared_cache(app_configs=None, **kwargs):
    if settings.DJANGO_ENV in ("demo", "test"):
        return []
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if backend not in PER_PROCESS_CACHES:
        return []
    return [Error(
        "The default cache is per-process (%s): login throttling and scan-page purges would not be "
        "shared between app-server processes." % backend.rsplit(".", 1)[-1],
        hint="Set REDIS_URL (deploy/htxconnect.env.example) so every process shares one cache.",
        id="htx.E001",
    )]
