"""Addresses of imported organisations against the current administrative units: from the
codes when given, else by converting the written (possibly pre-2025) address, keeping both."""

from __future__ import annotations

from functools import lru_cache

from django.utils.translation import gettext as _

from htxconnect.core import adminunits

from . import columns as C
from .rows import Address

# The unit data is fixed for the life of the process, so a conversion can be remembered.
@lru_cache(maxsize=4096)
def _convert(text: str):
    return adminunits.convert_legacy_address(text)


def _ward_dict(ward) -> dict:
    return {"code": ward.code, "name": ward.name}


def resolve_address(values: dict, errors: list) -> Address | None:
    """Where the organisation is, against the current units: from the codes when given, else by
    converting the written address (what was written → what it became)."""
    written = values.get("address", "")
    ward_code, province_code = values.get("ward_code", ""), values.get("province_code", "")
    header = C.ORGANIZATIONS.column("address").header
    if ward_code:
        ward = adminunits.get_ward(ward_code)
        if ward is None:
            errors.append([C.ORGANIZATIONS.column("ward_code").header,
                           _("Mã xã/phường “%(code)s” không có trong danh mục hiện hành.") % {"code": ward_code}])
            return None
        if province_code and province_code != ward.province_code:
            errors.append([C.ORGANIZATIONS.column("ward_code").header,
                           _("Xã/phường “%(ward)s” không thuộc tỉnh/thành phố mã %(code)s.") % {
                               "ward": ward.name, "code": province_code}])
            return None
        return {"written": written, "status": "codes", "ward_code": ward.code, "ward_name": ward.name,
                "province_code": ward.province_code, "province_name": ward.province.name, "candidates": [],
                "message": "", "street": ""}
    if written:
        conv = _convert(written)
        if province_code and conv.province and conv.province.code != province_code:
            errors.append([header, _("Địa chỉ “%(a)s” thuộc %(p)s, khác với mã tỉnh/thành phố %(code)s.") % {
                "a": written, "p": conv.province.name, "code": province_code}])
            return None
        address = {
            "written": written, "status": conv.status, "already_current": conv.already_current,
            "ward_code": conv.ward.code if conv.ward else "", "ward_name": conv.ward.name if conv.ward else "",
            "province_code": conv.province.code if conv.province else "",
            "province_name": conv.province.name if conv.province else "",
            "candidates": [_ward_dict(w) for w in conv.candidates], "message": conv.message, "street": conv.street,
        }
        if conv.failed:
            errors.append([header, _("Không chuyển được địa chỉ “%(a)s” sang đơn vị hành chính hiện hành: %(why)s "
                                     "Hãy ghi rõ xã/phường và tỉnh, hoặc điền cột “Mã xã/phường”.") % {
                "a": written, "why": conv.message or _("không nhận ra xã/phường, tỉnh.")}])
        return address
    if province_code:
        province = adminunits.get_province(province_code)
        if province is None:
            errors.append([C.ORGANIZATIONS.column("province_code").header,
                           _("Mã tỉnh/thành phố “%(code)s” không có trong danh mục hiện hành.") % {"code": province_code}])
            return None
        return {"written": "", "status": "ambiguous", "ward_code": "", "ward_name": "", "province_code": province.code,
                "province_name": province.name, "candidates": [_ward_dict(w) for w in adminunits.wards(province.code)],
                "message": _("Chỉ có mã tỉnh/thành phố: chọn xã/phường hoặc để cán bộ xác định sau."), "street": ""}
    errors.append([header, _("Thiếu địa chỉ: ghi cột “%(a)s” hoặc “Mã xã/phường”.") % {"a": header}])
    return None
