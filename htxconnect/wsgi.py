"""WSGI entry point for Granian/gunicorn."""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "htxconnect.settings")
application = get_wsgi_application()

from htxconnect.resolver.fastpath import wrap  # noqa: E402 - needs the settings configured above

# Anonymous scans of serialised goods answered before the middleware stack (resolver.fastpath).
application = wrap(application)
