"""Create the first administrator of a new installation, with their agency and a TOTP device.

    manage.py create_admin USERNAME --agency "Sở Khoa học và Công nghệ tỉnh An Giang" --province 91

Prints the authenticator's otpauth:// URI and its QR code (scan it in the terminal) and ten
single-use backup codes. The password is asked twice (or read from HTX_ADMIN_PASSWORD for scripts).
Refuses when an active administrator already exists: further accounts are made on the users page.
"""

from __future__ import annotations

import getpass
import io
import os

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from htxconnect.accounts import services
from htxconnect.accounts.models import Agency, User
from htxconnect.core.adminunits import get_province
from htxconnect.core.actors import system_actor
from htxconnect.core.roles import Role


class Command(BaseCommand):
    help = ("Tạo quản trị viên đầu tiên cùng cơ quan và ứng dụng xác thực hai lớp. / "
            "Create the first administrator with an agency and a TOTP device.")

    def add_arguments(self, parser):
        parser.add_argument("username", help="tên đăng nhập / username")
        parser.add_argument("--agency", required=True, help="tên cơ quan / agency name (created if new)")
        parser.add_argument("--province", required=True, help="mã tỉnh/thành phố hiện hành, ví dụ 91 / province code")
        parser.add_argument("--kind", default=Agency.Kind.DOST, choices=Agency.Kind.values,
                            help="loại cơ quan / agency kind (mặc định dost)")
        parser.add_argument("--full-name", default="", help="họ và tên / full name")
        parser.add_argument("--email", default="", help="e-mail")

    def handle(self, *args, username, agency, province, kind, full_name, email, **options):
        if User.objects.filter(role=Role.ADMIN, is_active=True).exists():
            raise CommandError("Đã có quản trị viên: hãy tạo thêm tài khoản ở trang Người dùng. / "
                               "An administrator already exists: add accounts on the users page.")
        unit = get_province(province)
        if unit is None:
            raise CommandError(f"Không có tỉnh/thành phố mã “{province}” (34 đơn vị từ 01/7/2025). / "
                               f"No current province with code {province}.")
        password = self._password(username)
        try:
            with transaction.atomic():
                home, _created = Agency.objects.get_or_create(
                    name=agency.strip(), defaults={"kind": kind, "province_code": unit.code, "province_name": unit.name})
                user = services.create_user(username=username, password=password, role=Role.ADMIN, agency=home,
                                            full_name=full_name, email=email, actor=system_actor("create_admin"))
                device = TOTPDevice.objects.create(user=user, name=services.TOTP_DEVICE_NAME, confirmed=True)
                codes = services.regenerate_backup_codes(user=user)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self._report(user, home, device, codes)

    def _password(self, username) -> str:
        password = os.environ.get("HTX_ADMIN_PASSWORD")
        if password is None:
            password = getpass.getpass("Mật khẩu / password: ")
            if getpass.getpass("Nhập lại / again: ") != password:
                raise CommandError("Hai lần nhập mật khẩu không khớp. / The passwords differ.")
        try:
            validate_password(password, User(username=username))
        except ValidationError as exc:
            raise CommandError("Mật khẩu chưa đạt: " + " ".join(exc.messages)) from exc
        return password

    def _report(self, user, agency, device, codes) -> None:
        import segno

        uri = device.config_url
        out = self.stdout
        out.write(f"Đã tạo quản trị viên “{user.username}” của {agency.name} ({agency.province_name}).")
        out.write(f"Administrator “{user.username}” created for {agency.name}.")
        out.write("")
        out.write("Quét mã QR này bằng ứng dụng xác thực (Google Authenticator, Microsoft Authenticator, "
                  "FreeOTP…) / scan with an authenticator app:")
        qr = io.StringIO()
        segno.make(uri, error="m").terminal(out=qr, compact=True)
        out.write(qr.getvalue())
        out.write(f"Hoặc nhập / or enter: {uri}")
        out.write("")
        out.write("Mã dự phòng, mỗi mã dùng một lần — cất ở nơi an toàn / single-use backup codes, keep them safe:")
        out.write("  " + "  ".join(codes))
