#!/usr/bin/env python3
"""Django's command-line utility for HTX Connect."""
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "htxconnect.settings")
    from django.core.exceptions import ImproperlyConfigured

    try:
        from django.conf import settings

        settings.INSTALLED_APPS  # noqa: B018 - load the settings now, to report a bad setup plainly
    except ImproperlyConfigured as exc:
        # A configuration problem is the person's to fix, not a crash: say what to do, no traceback.
        sys.stderr.write(f"HTX Connect: {exc}\n")
        sys.exit(2)
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
