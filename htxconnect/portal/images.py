"""Images of the portal's articles (the cover and pictures inside the body): only real images are
kept, and never as they came. The content is sniffed (the file's first bytes, whatever its name or
declared type), read and verified by Pillow, then re-encoded: EXIF (GPS position, camera, owner),
XMP and comments are dropped, the orientation is applied, and very large pictures are scaled down.
Stored through Django's storage API, so the same code serves disk and S3-compatible storage.
"""

from __future__ import annotations

import io
import uuid

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext as _

MAX_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a "decompression bomb" (a tiny file that opens as a huge picture) is refused
MAX_SIDE = 2000  # longest side once stored: enough for a news page, and light on a phone
# The first bytes of each accepted format (the file's own signature, not its name or Content-Type).
SIGNATURES = ((b"\xff\xd8\xff", "JPEG"), (b"\x89PNG\r\n\x1a\n", "PNG"))
SUFFIX = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


def _sniff(head: bytes) -> str | None:
    for signature, kind in SIGNATURES:
        if head.startswith(signature):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    return None


def clean_image(upload, *, field: str) -> ContentFile:
    """The upload re-encoded without metadata, or ValidationError naming the field and the rule.

    `field` is what the person sees ("Ảnh bìa", "Ảnh chèn vào bài"): the message starts with it.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    name = getattr(upload, "name", "") or ""
    size = getattr(upload, "size", None)
    if not size:
        raise ValidationError(_("%(field)s: tệp “%(name)s” rỗng, hãy chọn lại ảnh.") % {"field": field, "name": name},
                              code="empty")
    if size > MAX_BYTES:
        raise ValidationError(_("%(field)s: ảnh “%(name)s” nặng %(mb).1f MB, tối đa %(max)d MB.") % {
            "field": field, "name": name, "mb": size / 1024 / 1024, "max": MAX_BYTES // 1024 // 1024}, code="too_large")
    refused = ValidationError(
        _("%(field)s: tệp “%(name)s” không phải ảnh JPEG, PNG hay WebP (kiểm tra theo nội dung tệp, không theo tên "
          "tệp).") % {"field": field, "name": name}, code="not_an_image")
    upload.seek(0)
    data = upload.read()
    kind = _sniff(data[:16])
    if kind is None:
        raise refused
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format != kind:
                raise refused
            if probe.width * probe.height > MAX_PIXELS:
                raise ValidationError(_("%(field)s: ảnh “%(name)s” có %(w)d × %(h)d điểm ảnh, quá lớn (tối đa 40 "
                                        "triệu điểm ảnh).") % {"field": field, "name": name, "w": probe.width,
                                                               "h": probe.height}, code="too_many_pixels")
            probe.verify()
        # verify() leaves the image unusable: open again to decode every pixel and re-encode.
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            image = ImageOps.exif_transpose(image)
            if max(image.size) > MAX_SIDE:
                image.thumbnail((MAX_SIDE, MAX_SIDE))
            out = io.BytesIO()
            if kind == "JPEG":
                image.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
            elif kind == "PNG":
                if image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
                    image = image.convert("RGBA")
                image.save(out, "PNG", optimize=True)
            else:
                image.save(out, "WEBP", quality=85)
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise refused from None
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.{SUFFIX[kind]}")


def store_inline_image(upload, *, field: str) -> str:
    """Clean an image for an article's body, store it, and return the URL to insert."""
    content = clean_image(upload, field=field)
    path = default_storage.save(f"portal/images/{timezone.localdate():%Y}/{content.name}", content)
    return default_storage.url(path)
