"""Prints the demo accounts and what a tester needs to pass two-factor authentication."""

from django.core.management.base import BaseCommand

from htxconnect.accounts.demo import DEMO_PASSWORD, USERS
from htxconnect.accounts.demo_otp import DEMO_BACKUP_CODES
from htxconnect.core.roles import STAFF_ROLES, Role


class Command(BaseCommand):
    help = "In danh sách tài khoản mẫu và cách vượt xác thực hai lớp."

    def handle(self, *args, **options):
        self.stdout.write("Tài khoản mẫu / demo logins (mật khẩu / password: %s)" % DEMO_PASSWORD)
        for username, full_name, role, agency in USERS:
            label = Role(role).label
            extra = "  [cần mã 2 lớp / needs 2FA]" if role in STAFF_ROLES else ""
            self.stdout.write(f"  {username:<20} {label}{extra}")
        self.stdout.write(
            "Xác thực hai lớp: nhập một mã dự phòng (mỗi mã dùng một lần): " + ", ".join(DEMO_BACKUP_CODES)
        )
