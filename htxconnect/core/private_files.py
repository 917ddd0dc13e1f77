"""Private uploads, served only after the owner's permission check (decision 0028).

Every stored file outside core.storage.PUBLIC_PREFIXES is private: its URL is /files/<name>
(CleanFileSystemStorage.url, HtxS3Storage.url) and the view below finds the record that owns
the name, asks that app's own access rule, and answers 404 to whoever may not read it (anonymous
visitors too), so a guessed name learns nothing. nginx never serves private names at /media/.

Each app declares its upload prefixes in `<app>/file_access.py` (loaded at start-up by
CoreConfig.ready, as audit_actions.py is):

    private_files.register("programs/supports/", Support, "document",
                           may_read=lambda user, s: private_files.granted(queries.access_support, user, s.pk))

A name under no registered prefix is never served here.
"""

from __future__ import annotations

import logging
import mimetypes
import posixpath
from dataclasses import dataclass
from typing import Callable
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.db import models
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect

from .permissions import needs_otp, public
from .storage import is_public

security_log = logging.getLogger("htxconnect.security")

# The internal nginx location whose alias is MEDIA_ROOT (deploy/nginx/htxconnect.conf).
ACCEL_PREFIX = "/_protected/"
# Served to the browser with every private file: never run as a page, never sniffed, never cached
# by a shared cache (the same CSP as nginx gives /media/).
SANDBOX_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"


@dataclass(frozen=True)
class Owner:
    """Records of `model` own the files whose names `field` holds, all under `prefix`; `may_read`
    is the app's own rule. `audited`: a download leaves an audit entry (exports are audited;
    documents any visitor of a public page may read are not). `filename(obj)`: the name offered
    for saving, when the stored one is random."""

    prefix: str
    model: type[models.Model]
    field: str
    may_read: Callable[[object, models.Model], bool]
    audited: bool = True
    filename: Callable[[models.Model], str] | None = None


_owners: list[Owner] = []


def register(prefix: str, model: type[models.Model], field: str, *, may_read, audited: bool = True,
             filename=None) -> Owner:
    if not prefix.endswith("/") or prefix.startswith("/") or is_public(prefix):
        raise ValueError(f"a private upload prefix is relative, ends with '/' and is not public: {prefix!r}")
    model._meta.get_field(field)  # FieldDoesNotExist at start-up rather than at the first download
    owner = Owner(prefix, model, field, may_read, audited, filename)
    for i, known in enumerate(_owners):
        if (known.prefix, known.model, known.field) == (prefix, model, field):
            _owners[i] = owner  # a module imported twice (tests, autoreload) declares the same again
            return owner
    _owners.append(owner)
    return owner


def owners() -> list[Owner]:
    return list(_owners)


def owners_of(name: str) -> list[Owner]:
    return [owner for owner in _owners if name.startswith(owner.prefix)]


def granted(access: Callable, user, *args) -> bool:
    """An app's `access_<thing>(user, id)` (which raises 404 or 403) as a yes/no."""
    try:
        access(user, *args)
    except (Http404, PermissionDenied):
        return False
    return True


def clean_name(name: str) -> str | None:
    """The stored name asked for, or None when it is not a plain relative path (absolute, `..`,
    `.`, empty parts, backslashes, NUL): such a name is refused, never normalised."""
    if not name or "\\" in name or "\x00" in name or name.startswith("/") or ":" in name.split("/", 1)[0]:
        return None
    parts = name.split("/")
    if any(part in ("", ".", "..") for part in parts):
        return None
    return name


def find_readable(user, name: str) -> tuple[Owner, models.Model] | None:
    """The owner declaration and the record through which `user` may read the file `name`."""
    for owner in owners_of(name):
        for obj in owner.model._default_manager.filter(**{owner.field: name})[:10]:
            if owner.may_read(user, obj):
                return owner, obj
    return None


def _as_attachment(name: str) -> tuple[str, bool]:
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    inline = content_type.startswith("image/") and content_type != "image/svg+xml"
    return content_type, not inline


def _disposition(filename: str, attachment: bool) -> str:
    from django.utils.http import content_disposition_header

    return content_disposition_header(attachment, filename)


@public
def serve_private_file(request, name):
    """/files/<name>: the file to whoever the owning record's rule lets read it; 404 to everyone
    else. Behind nginx (FILES_X_ACCEL_REDIRECT) nginx sends the bytes from its internal
    /_protected/ location; in an S3 bucket, a short signed link after the check; else Django."""
    name = clean_name(name)
    if name is None or is_public(name):
        raise Http404
    user = request.user
    # Staff who have not passed two-factor authentication read only what a visitor may.
    reader = AnonymousUser() if needs_otp(user) else user
    found = find_readable(reader, name)
    if found is None:
        security_log.info("private file refused: user=%s path=%s", getattr(user, "pk", None), request.path)
        raise Http404
    owner, obj = found
    content_type, attachment = _as_attachment(name)
    filename = (owner.filename(obj) if owner.filename else "") or posixpath.basename(name)
    if hasattr(default_storage, "signed_url"):  # S3: the bucket sends the bytes, for 300 s
        response = HttpResponseRedirect(default_storage.signed_url(
            name, content_type=content_type, disposition=_disposition(filename, attachment)))
    elif settings.FILES_X_ACCEL_REDIRECT:
        if not default_storage.exists(name):
            raise Http404
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = ACCEL_PREFIX + quote(name)
        response["Content-Disposition"] = _disposition(filename, attachment)
    else:
        try:
            handle = default_storage.open(name, "rb")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise Http404 from None
        response = FileResponse(handle, as_attachment=attachment, filename=filename, content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = SANDBOX_CSP
    response["X-Content-Type-Options"] = "nosniff"
    if owner.audited and reader.is_authenticated:  # a file that is gone was not downloaded
        from . import audit
        from .audit_actions import FILE_DOWNLOADED

        audit.record(FILE_DOWNLOADED, actor=reader, obj=obj, changes={"file": [None, name]})
    return response
