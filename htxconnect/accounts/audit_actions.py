"""Audit action types of accounts: users, sign-in, second factor, API keys (see core.audit)."""

from django.utils.translation import gettext_lazy as _

from htxconnect.core.audit import action

USER_CREATED = action("accounts.user.created", _("Tạo tài khoản"))
USER_UPDATED = action("accounts.user.updated", _("Sửa tài khoản"))
USER_ROLE_CHANGED = action("accounts.user.role_changed", _("Đổi vai trò hoặc cơ quan của tài khoản"))
USER_DEACTIVATED = action("accounts.user.deactivated", _("Khóa tài khoản"))
USER_REACTIVATED = action("accounts.user.reactivated", _("Mở lại tài khoản"))
PROFILE_UPDATED = action("accounts.user.profile_updated", _("Sửa thông tin cá nhân"))
PASSWORD_CHANGED = action("accounts.user.password_changed", _("Đổi mật khẩu"))
PASSWORD_RESET = action("accounts.user.password_reset", _("Đặt lại mật khẩu qua e-mail"))
TWO_FACTOR_RESET = action("accounts.user.two_factor_reset", _("Xóa xác thực hai lớp của tài khoản"))

LOGIN_SUCCEEDED = action("accounts.login.succeeded", _("Đăng nhập"))
LOGIN_FAILED = action("accounts.login.failed", _("Đăng nhập sai"))
LOGIN_LOCKED_OUT = action("accounts.login.locked_out", _("Tạm chặn đăng nhập do sai nhiều lần"))
LOGIN_UNLOCK_REQUESTED = action("accounts.login.unlock_requested", _("Yêu cầu liên kết mở khóa đăng nhập"))
LOGIN_UNLOCKED = action("accounts.login.unlocked", _("Mở khóa đăng nhập bằng liên kết e-mail"))
LOGOUT = action("accounts.login.logged_out", _("Đăng xuất"))
SECOND_FACTOR_SUCCEEDED = action("accounts.second_factor.succeeded", _("Xác thực hai lớp thành công"))
SECOND_FACTOR_FAILED = action("accounts.second_factor.failed", _("Xác thực hai lớp sai mã"))

OTP_DEVICE_CONFIRMED = action("accounts.otp_device.confirmed", _("Bật ứng dụng xác thực"))
OTP_DEVICE_DELETED = action("accounts.otp_device.deleted", _("Xóa ứng dụng xác thực"))
BACKUP_CODES_GENERATED = action("accounts.backup_codes.generated", _("Tạo mã dự phòng"))

API_KEY_ISSUED = action("accounts.api_key.issued", _("Cấp khóa API"))
API_KEY_REVOKED = action("accounts.api_key.revoked", _("Thu hồi khóa API"))
API_KEY_RATE_LIMIT_CHANGED = action("accounts.api_key.rate_limit_changed", _("Đổi giới hạn yêu cầu của khóa API"))
API_KEY_USED = action("accounts.api_key.used", _("Dùng khóa API (lần đầu trong ngày)"))

PASSWORD_ACTIONS = {"changed": PASSWORD_CHANGED, "reset": PASSWORD_RESET}
