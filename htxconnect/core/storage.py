"""File storage shared by every app: what is public, what is private, and a disk backend that
never leaves half a file.

Every upload and generated file (labels, reports, scans of certificates, photos, import jobs)
goes through Django's storage API, so `STORAGE_BACKEND=s3` moves them all to an S3-compatible
bucket (core.storage_s3) without a code change (settings.py, docs/admin/deploy.md).
"""

from __future__ import annotations

import errno
import os
import uuid

from django.core.files.storage import FileSystemStorage
from django.utils.translation import gettext as _

# Upload prefixes (FileField.upload_to) whose files are shown on public, cached pages: product
# photos on the scan page, news covers and the pictures inside articles (portal.images). nginx
# serves exactly these at /media/ (deploy/nginx/htxconnect.conf). Everything else is private: read
# through /files/ after the owning record's permission check (core.private_files, decision 0028).
PUBLIC_PREFIXES = ("registry/products/", "portal/articles/", "portal/images/")
# The import jobs' work area (registry.importer.jobs): job.json is rewritten in place there.
OVERWRITE_PREFIXES = ("imports/",)


def is_public(name: str) -> bool:
    return name.replace("\\", "/").lstrip("/").startswith(PUBLIC_PREFIXES)


def private_url(name: str) -> str:
    """/files/<name>: the view that checks the reader's permission first (core.private_files)."""
    from django.urls import reverse

    return reverse("core:private_file", kwargs={"name": name.replace("\\", "/").lstrip("/")})


def is_disk_full(error: BaseException) -> bool:
    """ENOSPC (no space left) or EDQUOT (over quota): the store refused the bytes, not the user."""
    return isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT)


def disk_full_message() -> str:
    return _("Không lưu được tệp: bộ nhớ lưu trữ của máy chủ đã đầy. Tệp chưa được lưu và không có gì bị "
             "thay đổi; vui lòng thử lại sau hoặc báo quản trị viên.")


class CleanFileSystemStorage(FileSystemStorage):
    """FileSystemStorage that never shows half a file: the bytes go to a hidden temporary file
    beside the target, which is linked to its final name only once complete (os.link fails
    when the name is taken, so two uploads never overwrite each other). When writing fails
    (disk full, quota, I/O error) the temporary file is removed and the error goes on, so the
    caller's transaction rolls back and no row points to a missing or truncated file.

    A public name's URL is /media/<name> (nginx serves it); a private name's is /files/<name>,
    the view that checks the reader's permission first (core.private_files)."""

    def url(self, name):
        if name is not None and not is_public(name):
            return private_url(name)
        return super().url(name)

    def _open_temporary(self, path):
        return open(path, "xb")  # noqa: SIM115 - closed by the caller's with

    def _save(self, name, content):
        full_path = self.path(name)
        directory = os.path.dirname(full_path)
        if self.directory_permissions_mode is not None:
            from django.utils._os import safe_makedirs

            safe_makedirs(directory, self.directory_permissions_mode, exist_ok=True)
        else:
            os.makedirs(directory, exist_ok=True)
        temporary = os.path.join(directory, f".{uuid.uuid4().hex}.part")
        try:
            with self._open_temporary(temporary) as out:
                for chunk in content.chunks():
                    out.write(chunk if isinstance(chunk, bytes) else chunk.encode())
                out.flush()
                os.fsync(out.fileno())  # ENOSPC on delayed allocation shows here, not after the rename
            while True:
                if self._allow_overwrite:
                    os.replace(temporary, full_path)
                    break
                try:
                    os.link(temporary, full_path)
                    break
                except FileExistsError:
                    name = self.get_available_name(name)
                    full_path = self.path(name)
        finally:
            try:
                os.remove(temporary)
            except FileNotFoundError:
                pass
        if self.file_permissions_mode is not None:
            os.chmod(full_path, self.file_permissions_mode)
        name = os.path.relpath(full_path, self.location)
        self._ensure_location_group_id(full_path)
        return str(name).replace("\\", "/")


class StorageFullMiddleware:
    """A file that does not fit (ENOSPC/EDQUOT from the disk or the object store) is a clear
    Vietnamese answer, 507 Insufficient Storage, not a server error. The exception went through
    the service's transaction, so nothing was saved, and CleanFileSystemStorage left no partial
    file behind."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_disk_full(exception):
            return None
        import logging

        from django.http import HttpResponse, JsonResponse
        from django.template import loader

        logging.getLogger("htxconnect.storage").error("storage full: %s %s: %s", request.method, request.path,
                                                      exception)
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": disk_full_message()}, status=507)
        # No context processors (they may touch the database): a plain page like the 500 page.
        from django.utils.http import url_has_allowed_host_and_scheme

        back = request.headers.get("Referer", "")
        if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
            back = ""
        html = loader.get_template("errors/storage_full.html").render({"message": disk_full_message(), "back": back})
        return HttpResponse(html, status=507)
