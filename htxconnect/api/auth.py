"""Who is calling the API: an API key (machine clients) or the browser's session.

Every router uses `API_AUTH` (the API's default, so an endpoint is authenticated unless it
says `auth=None`) and checks what the caller may do with `require_rule(request, RULE)`, the
same rules from htxconnect.core.permissions that guard the web pages. An app's api.py imports
only from its own layer and below, never from htxconnect.api (.importlinter):

    from htxconnect.core.permissions import AGENCY_STAFF, require_rule

    @router.get("/organisations")
    def list_organisations(request):
        user = require_rule(request, AGENCY_STAFF)
        ...
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.security import HttpBearer
from ninja.security.apikey import APIKeyCookie
from ninja.utils import check_csrf

from htxconnect.accounts.apikeys import KeyRateLimited, authenticate_bearer
from htxconnect.core.permissions import needs_otp

MSG_NO_CREDENTIALS = _("Bạn cần đăng nhập hoặc gửi khóa API hợp lệ (tiêu đề Authorization: Bearer <khóa>).")
MSG_INVALID_KEY = _("Khóa API không hợp lệ hoặc đã bị thu hồi.")
MSG_OTP_REQUIRED = _("Tài khoản cán bộ cần xác thực hai lớp (mã OTP) trước khi dùng API.")
MSG_FORBIDDEN = _("Bạn không có quyền thực hiện thao tác này.")
MSG_CSRF = _("Yêu cầu bị từ chối vì thiếu hoặc sai mã CSRF. Hãy tải lại trang rồi thử lại.")


class ApiAuthenticationError(AuthenticationError):
    """401 with a Vietnamese message; the handler adds `WWW-Authenticate: Bearer`."""

    def __init__(self, message=MSG_NO_CREDENTIALS, reason: str = "no_credentials"):
        super().__init__(status_code=401, message=str(message))
        self.reason = reason


class ApiPermissionDenied(HttpError):
    def __init__(self, message=MSG_FORBIDDEN, reason: str = "forbidden"):
        super().__init__(status_code=403, message=str(message))
        self.reason = reason


class KeyThrottled(Throttled):
    """429 for an API key past its rate limit (logged once per window by accounts.apikeys)."""


class ApiKeyAuth(HttpBearer):
    """`Authorization: Bearer htx_<prefix>_<secret>`. A bad key is refused outright (no fallback); a
    key past its rate limit gets 429 with Retry-After (errors.install)."""

    def authenticate(self, request, token):
        try:
            user = authenticate_bearer(request)
        except KeyRateLimited as exc:
            raise KeyThrottled(wait=exc.retry_after) from None
        if user is None:
            raise ApiAuthenticationError(MSG_INVALID_KEY, reason="invalid_api_key")
        return user


class SessionAuth(APIKeyCookie):
    """The browser's Django session. Unsafe methods need the CSRF token; staff need 2FA."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self):
        super().__init__(csrf=True)

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        # Checked only once a session is in play, so an anonymous call gets 401, not 403.
        if not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request) is not None:
            raise ApiPermissionDenied(MSG_CSRF, reason="csrf")
        if needs_otp(user):
            raise ApiAuthenticationError(MSG_OTP_REQUIRED, reason="otp_required")
        return user

    def authenticate(self, request, key):  # pragma: no cover - __call__ does the work
        return None


API_AUTH = [ApiKeyAuth(), SessionAuth()]
