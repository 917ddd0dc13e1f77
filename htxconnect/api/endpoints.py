"""Endpoints of the API itself (not of an app): who am I."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from ninja import Router, Schema

from htxconnect.core.permissions import SIGNED_IN, require_rule


router = Router(tags=["Tài khoản"])


class AgencyOut(Schema):
    id: int
    name: str
    short_name: str
    kind: str
    province_code: str
    province_name: str


class MeOut(Schema):
    username: str
    full_name: str
    email: str
    role: str
    role_label: str
    agency: AgencyOut | None
    auth_method: str
    two_factor_verified: bool


class ErrorOut(Schema):
    detail: str


@router.get("/me", response={200: MeOut, 401: ErrorOut}, summary=str(_("Người dùng hiện tại")),
            description="Tài khoản đang gọi API: tên đăng nhập, vai trò, cơ quan. / The calling account.")
def me(request):
    user = require_rule(request, SIGNED_IN)
    via_key = getattr(request, "api_key", None) is not None
    return {
        "username": user.get_username(),
        "full_name": user.get_full_name(),
        "email": user.email,
        "role": user.role,
        "role_label": str(user.get_role_display()),
        "agency": user.agency,
        "auth_method": "api_key" if via_key else "session",
        "two_factor_verified": bool(getattr(user, "is_verified", lambda: False)()),
    }
