"""Sessions in the database (never only in Redis), surviving a database outage mid-request.

Django refreshes the session row at the end of every request (SESSION_SAVE_EVERY_REQUEST). When
the database stops between the view's commit and that refresh, Django's own store raises
UpdateError and the person gets "400 Bad Request" for a form whose data *was* saved — and may
send it again. This store lets that refresh go (the session keeps its previous expiry) when the
database is unreachable, so the answer is the view's own. Any other failure is still raised.
"""

from __future__ import annotations

import logging

from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore

from .unavailable import is_database_unavailable

log = logging.getLogger("htxconnect.unavailable")


class SessionStore(DatabaseSessionStore):
    def save(self, must_create=False):
        try:
            return super().save(must_create=must_create)
        except UpdateError as exc:
            if must_create or not is_database_unavailable(exc):
                raise
            log.warning("session not refreshed: the database is unavailable")
