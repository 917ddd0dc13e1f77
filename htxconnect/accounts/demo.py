"""Demo agencies and one user of each role (idempotent)."""

from htxconnect.core.roles import STAFF_ROLES, Role

from .models import Agency, User

DEMO_PASSWORD = "htx-demo-2026"

AGENCIES = [
    # (key, name, short, kind, province_code, province_name)
    ("dost_hcm", "Sở Khoa học và Công nghệ Thành phố Hồ Chí Minh", "Sở KH&CN TP.HCM", Agency.Kind.DOST, "79", "Thành phố Hồ Chí Minh"),
    ("alliance_hcm", "Liên minh Hợp tác xã Thành phố Hồ Chí Minh", "LM HTX TP.HCM", Agency.Kind.ALLIANCE, "79", "Thành phố Hồ Chí Minh"),
    ("dost_ag", "Sở Khoa học và Công nghệ tỉnh An Giang", "Sở KH&CN An Giang", Agency.Kind.DOST, "91", "Tỉnh An Giang"),
    ("alliance_ag", "Liên minh Hợp tác xã tỉnh An Giang", "LM HTX An Giang", Agency.Kind.ALLIANCE, "91", "Tỉnh An Giang"),
]

# (username, full name, role, agency key)
USERS = [
    ("admin", "Quản trị hệ thống", Role.ADMIN, None),
    ("lanhdao.khcn", "Nguyễn Văn Hùng", Role.LEADER, "dost_hcm"),
    ("canbo.khcn", "Trần Thị Mai", Role.OFFICER, "dost_hcm"),
    ("canbo.lmhtx", "Lê Minh Tâm", Role.OFFICER, "alliance_hcm"),
    ("canbo.angiang", "Phạm Thị Thu", Role.OFFICER, "dost_ag"),
    ("lanhdao.lmhtx.ag", "Võ Thanh Sơn", Role.LEADER, "alliance_ag"),
    ("htx.oithanhkien", "Nguyễn Văn Kiên", Role.COOP_MANAGER, None),
    ("thanhvien.htx", "Đỗ Thị Lan", Role.COOP_MEMBER, None),
    ("doanhnghiep", "Công ty Thực phẩm Sạch Sài Gòn", Role.BUYER, None),
]


def load(stdout):
    agencies = {}
    for key, name, short, kind, code, province in AGENCIES:
        agencies[key], _ = Agency.objects.update_or_create(
            name=name, defaults={"short_name": short, "kind": kind, "province_code": code, "province_name": province}
        )
    for username, full_name, role, agency_key in USERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"full_name": full_name, "role": role, "agency": agencies.get(agency_key),
                      "email": f"{username}@demo.htxconnect.vn", "is_superuser": role == Role.ADMIN},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        if role in STAFF_ROLES:
            from .demo_otp import ensure_demo_devices

            ensure_demo_devices(user)
    stdout.write(f"  tài khoản: {User.objects.count()} người dùng, {Agency.objects.count()} cơ quan")
