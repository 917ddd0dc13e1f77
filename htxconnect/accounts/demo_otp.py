"""Two-factor devices for demo staff: a TOTP device and fixed backup codes a tester can type."""

from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

# Demo only: printed by `make demo`. Static tokens are single-use; the loader tops them up.
DEMO_BACKUP_CODES = ["111111", "222222", "333333", "444444", "555555", "666666", "777777", "888888"]


def ensure_demo_devices(user):
    TOTPDevice.objects.get_or_create(user=user, name="Ứng dụng xác thực", defaults={"confirmed": True})
    static, _ = StaticDevice.objects.get_or_create(user=user, name="Mã dự phòng (demo)", defaults={"confirmed": True})
    existing = set(static.token_set.values_list("token", flat=True))
    for code in DEMO_BACKUP_CODES:
        if code not in existing:
            StaticToken.objects.create(device=static, token=code)
