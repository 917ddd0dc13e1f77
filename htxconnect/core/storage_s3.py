"""The S3-compatible backend (STORAGE_BACKEND=s3): AWS S3, MinIO, Ceph or a provider's object store.

The bucket stays private: a private file's URL is the app's /files/<name>, which checks the
reader's permission (core.private_files, decision 0028) and then redirects to a link signed for
AWS_QUERYSTRING_EXPIRE seconds (default 300), so a page, a mail or a cached copy never holds a
link that works for someone else. The pictures of public pages (core.storage.PUBLIC_PREFIXES)
are uploaded public-read and linked without a signature, because those pages are cached (nginx,
Django) for longer than a signature lives.
"""

from __future__ import annotations

from storages.backends.s3 import S3Storage
from storages.utils import clean_name, get_available_overwrite_name

from .storage import OVERWRITE_PREFIXES, is_public, private_url


class HtxS3Storage(S3Storage):
    def get_object_parameters(self, name):
        params = super().get_object_parameters(name)
        params.setdefault("ACL", "public-read" if is_public(name) else "private")
        return params

    def get_available_name(self, name, max_length=None):
        if clean_name(name).startswith(OVERWRITE_PREFIXES):  # one object rewritten whole: a PUT is atomic
            return get_available_overwrite_name(clean_name(name), max_length)
        return super().get_available_name(name, max_length)

    def url(self, name, parameters=None, expire=None, http_method=None):
        if is_public(name) and not self.custom_domain and not parameters:
            key = self._normalize_name(clean_name(name))
            return self.unsigned_connection.meta.client.generate_presigned_url(
                "get_object", Params={"Bucket": self.bucket.name, "Key": key})
        if not is_public(name):
            return private_url(name)
        return super().url(name, parameters=parameters, expire=expire, http_method=http_method)

    def signed_url(self, name, *, content_type: str, disposition: str) -> str:
        """A link to a private object signed for AWS_QUERYSTRING_EXPIRE seconds, with the type and
        Content-Disposition the bucket must answer with: given only after the permission check."""
        return super().url(name, parameters={"ResponseContentType": content_type,
                                             "ResponseContentDisposition": disposition})

    def create_exclusive(self, name) -> bool:
        """Create an empty object unless one exists (a conditional PUT, If-None-Match: *): True when
        this call created it. The import jobs' commit claim (registry.importer.jobs)."""
        client = self.connection.meta.client
        key = self._normalize_name(clean_name(name))
        try:
            client.put_object(Bucket=self.bucket_name, Key=key, Body=b"", IfNoneMatch="*",
                                                   **self._get_write_parameters(key))
        except client.exceptions.ClientError as error:  # botocore's, reached through boto3
            if error.response.get("Error", {}).get("Code") in ("PreconditionFailed", "ConditionalRequestConflict"):
                return False
            raise
        return True
