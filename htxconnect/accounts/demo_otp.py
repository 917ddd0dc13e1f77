"""Two-factor devices for demo staff: a TOTP device and fixed backup codes a tester can type."""

from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

# Demo only: printed by `make demo`. Static tokens are single-use (django-otp deletes a token
# when it is accepted); every run of load_demo tops the set up again.
DEMO_BACKUP_CODES = ["111111", "222222", "333333", "444444", "555555", "666666", "777777", "888888"]
DEMO_TOTP_NAME = "Ứng dụng xác thực"
DEMO_STATIC_NAME = "Mã dự phòng (demo)"


def ensure_demo_devices(user):
    # Prefer the confirmed app: a tester may have opened the setup page, which adds an unconfirmed one.
    device = TOTPDevice.objects.filter(user=user, name=DEMO_TOTP_NAME).order_by("-confirmed", "id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEMO_TOTP_NAME, confirmed=True)
    static = StaticDevice.objects.filter(user=user, name=DEMO_STATIC_NAME).order_by("-confirmed", "id").first()
    if static is None:
        static = StaticDevice.objects.create(user=user, name=DEMO_STATIC_NAME, confirmed=True)
    for dev in (device, static):
        # A tester who mistyped codes should not find the demo in back-off after reloading it.
        if not dev.confirmed or dev.throttling_failure_count:
            dev.confirmed = True
            dev.throttle_reset(commit=False)
            dev.save()
    existing = set(static.token_set.values_list("token", flat=True))
    StaticToken.objects.bulk_create(
        StaticToken(device=static, token=code) for code in DEMO_BACKUP_CODES if code not in existing
    )
    return device


def current_code(device: TOTPDevice) -> str:
    """The code an authenticator app would show now for this device."""
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):0{device.digits}d}"
