"""Prints the demo accounts and what a tester needs to pass two-factor authentication."""

from django.core.management.base import BaseCommand

from htxconnect.accounts.demo import DEMO_PASSWORD, USERS
from htxconnect.accounts.demo_otp import DEMO_BACKUP_CODES, DEMO_STATIC_NAME, DEMO_TOTP_NAME, current_code
from htxconnect.core.roles import STAFF_ROLES, Role


class Command(BaseCommand):
    help = "In danh sách tài khoản mẫu và cách vượt xác thực hai lớp."

    def add_arguments(self, parser):
        parser.add_argument("--totp", action="store_true",
                            help="In thêm mã TOTP hiện tại (30 giây) và URL otpauth:// của từng tài khoản cán bộ.")

    def handle(self, *args, **options):
        from django_otp.plugins.otp_static.models import StaticToken
        from django_otp.plugins.otp_totp.models import TOTPDevice

        self.stdout.write("Tài khoản mẫu / demo logins (mật khẩu / password: %s)" % DEMO_PASSWORD)
        for username, full_name, role, agency in USERS:
            label = Role(role).label
            extra = "  [cần mã 2 lớp / needs 2FA]" if role in STAFF_ROLES else ""
            self.stdout.write(f"  {username:<20} {label}{extra}")
        self.stdout.write(
            "Xác thực hai lớp / two-factor: nhập một mã dự phòng (mỗi mã dùng một lần / single use): "
            + ", ".join(DEMO_BACKUP_CODES)
        )
        staff = [u for u, _n, role, _a in USERS if role in STAFF_ROLES]
        left = {
            username: StaticToken.objects.filter(device__user__username=username, device__name=DEMO_STATIC_NAME).count()
            for username in staff
        }
        used_up = [u for u, n in left.items() if n < len(DEMO_BACKUP_CODES)]
        if used_up:
            self.stdout.write("  (đã dùng bớt mã ở / codes used by: %s — `make demo-data` nạp lại đủ mã)"
                              % ", ".join(f"{u}: còn {left[u]}" for u in used_up))
        if options["totp"]:
            self.stdout.write("Mã TOTP lúc này (đổi sau 30 giây) / current TOTP codes:")
            for device in TOTPDevice.objects.filter(user__username__in=staff, name=DEMO_TOTP_NAME, confirmed=True) \
                    .select_related("user").order_by("user__username"):
                self.stdout.write(f"  {device.user.username:<20} {current_code(device)}  {device.config_url}")
        else:
            self.stdout.write('Hoặc thêm vào ứng dụng xác thực / or add to an authenticator: make manage ARGS="demo_logins --totp"')
