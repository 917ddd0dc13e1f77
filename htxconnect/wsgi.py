"""WSGI entry point for Granian/gunicorn."""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "htxconnect.settings")
application = get_wsgi_application()

from htxconnect.resolver.fastpath import wrap  # noqa: E402 - needs the settings configured above

# Anonymous scans of serialised goods answered before the middleware stack (resolver.fastpath).
application = wrap(application)

# Load the URL patterns (and with them every view module) now, then take what start-up allocated
# out of the garbage collector's way (core.machine.freeze_startup_objects).
from django.urls import get_resolver  # noqa: E402

from htxconnect.core.machine import freeze_startup_objects  # noqa: E402

get_resolver().url_patterns
freeze_startup_objects()
