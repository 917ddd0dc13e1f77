"""Validation of identifiers in the registry: tax codes (MST) and GTINs (through core.identifiers).

Each function says which rule failed, in Vietnamese, so a person can fix the value:
length, digits only, check digit (naming the expected digit for a GTIN).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum.vn import mst

from htxconnect.core import identifiers


# --- Tax code (mã số thuế) ----------------------------------------------------------------


def normalize_tax_code(value: str) -> str:
    """A valid MST in its standard form ("0312687878" or "0312687878-001"), else ValidationError.

    Rules, checked in this order so the message names the first one broken: digits only
    (spaces, dots and one dash allowed as separators), 10 digits or 10 + 3 branch digits,
    a non-zero sequence, a non-zero branch number, and the check digit (10th digit).
    """
    raw = (value or "").strip()
    compact = identifiers.strip_separators(raw, " .-")
    if not compact:
        raise ValidationError(_("Mã số thuế trống."), code="required")
    if not compact.isdigit():
        raise ValidationError(
            _("Mã số thuế “%(value)s” chỉ được gồm chữ số (có thể thêm “-” trước mã chi nhánh 3 chữ số).")
            % {"value": raw},
            code="digits",
        )
    if len(compact) not in (10, 13):
        raise ValidationError(
            _("Mã số thuế “%(value)s” có %(n)d chữ số: phải có 10 chữ số, hoặc 10 chữ số và mã chi nhánh 3 chữ số "
              "(ví dụ 0312687878-001).") % {"value": raw, "n": len(compact)},
            code="length",
        )
    if compact[2:9] == "0000000":
        raise ValidationError(
            _("Mã số thuế “%(value)s” không hợp lệ: 7 chữ số thứ 3–9 không được đều bằng 0.") % {"value": raw},
            code="component",
        )
    if len(compact) == 13 and compact[10:] == "000":
        raise ValidationError(
            _("Mã số thuế “%(value)s” không hợp lệ: mã chi nhánh phải từ 001 đến 999.") % {"value": raw},
            code="branch",
        )
    expected = mst.calc_check_digit(compact[:9])
    if compact[9] != expected:
        if len(expected) == 1:
            message = _("Mã số thuế “%(value)s” sai chữ số kiểm tra (chữ số thứ 10): phải là %(digit)s.") % {
                "value": raw, "digit": expected}
        else:
            message = _("Mã số thuế “%(value)s” sai chữ số kiểm tra: 9 chữ số đầu không tạo được mã số thuế hợp lệ.") % {
                "value": raw}
        raise ValidationError(message, code="check_digit")
    return mst.format(compact)


def validate_tax_code(value: str) -> None:
    """Django field validator (empty values are left to `blank`)."""
    if value:
        normalize_tax_code(value)


# --- GTIN (mã số mã vạch): the rules live in core.identifiers; here they become form errors ---------


def normalize_gtin(value: str) -> str:
    """A valid GTIN-8/12/13/14 as 14 digits, else ValidationError naming the rule broken
    (see `core.identifiers.normalize_gtin`; a wrong check digit names the expected digit)."""
    try:
        return identifiers.normalize_gtin(value)
    except identifiers.GS1Error as exc:
        raise ValidationError(str(exc), code=exc.code) from None


def validate_gtin(value: str) -> None:
    """Django field validator (empty values are left to `blank`)."""
    if value:
        normalize_gtin(value)


# --- Uploaded documents -------------------------------------------------------------------------

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
_SIGNATURES = [(b"%PDF-", "PDF"), (b"\xff\xd8\xff", "JPEG"), (b"\x89PNG\r\n\x1a\n", "PNG")]


def validate_document_file(file) -> None:
    """A scanned document must be a PDF, JPEG or PNG by its content (not its name), ≤ 10 MB."""
    if not file:
        return
    size = getattr(file, "size", None)
    if size is not None and size > MAX_DOCUMENT_BYTES:
        raise ValidationError(
            _("Tệp “%(name)s” nặng %(mb).1f MB: tối đa 10 MB.") % {"name": file.name, "mb": size / 1024 / 1024},
            code="too_large")
    if getattr(file, "_committed", False):
        return  # already stored (checked when it was uploaded)
    try:
        position = file.tell()
    except (AttributeError, OSError, ValueError):
        position = None
    try:
        file.seek(0)
        head = file.read(8)
    except (OSError, ValueError):  # an already stored file that cannot be reopened: nothing to check
        return
    finally:
        if position is not None:
            try:
                file.seek(position)
            except (OSError, ValueError):
                pass
    if not any(head.startswith(signature) for signature, _kind in _SIGNATURES):
        raise ValidationError(
            _("Tệp “%(name)s” không phải PDF, JPEG hay PNG (kiểm tra theo nội dung tệp).") % {"name": file.name},
            code="file_type")


MAX_PHOTO_BYTES = 10 * 1024 * 1024
PHOTO_FORMATS = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP"}


def validate_photo_file(file) -> None:
    """A product photo must really be a JPEG, PNG or WebP image (read by Pillow), ≤ 10 MB: a text
    file renamed .png is refused whatever its name and declared content type."""
    if file is None:
        return
    name = getattr(file, "name", "") or ""
    size = getattr(file, "size", None)
    if size == 0:
        raise ValidationError(_("Tệp ảnh “%(name)s” rỗng: hãy chọn lại ảnh sản phẩm.") % {"name": name},
                              code="empty")
    if size is not None and size > MAX_PHOTO_BYTES:
        raise ValidationError(
            _("Ảnh “%(name)s” nặng %(mb).1f MB: tối đa 10 MB.") % {"name": name, "mb": size / 1024 / 1024},
            code="too_large")
    if getattr(file, "_committed", False):
        return  # already stored (checked when it was uploaded)
    from PIL import Image, UnidentifiedImageError

    refused = ValidationError(
        _("Tệp “%(name)s” không phải ảnh JPEG, PNG hay WebP (kiểm tra theo nội dung tệp, không theo tên tệp).")
        % {"name": name}, code="not_an_image")
    try:
        file.seek(0)
        with Image.open(file) as image:
            kind = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise refused from None
    finally:
        try:
            file.seek(0)
        except (AttributeError, OSError, ValueError):
            pass
    if kind not in PHOTO_FORMATS:
        raise refused
