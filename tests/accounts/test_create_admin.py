"""`manage.py create_admin`: the first administrator, their agency, a working TOTP device and
backup codes; `manage.py` without DJANGO_ENV says how to reach the demo instead of crashing."""

import base64
import hashlib
import hmac
import io
import os
import re
import struct
from datetime import datetime
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from django.core.management import CommandError, call_command

from htxconnect.accounts import services
from htxconnect.accounts.models import Agency, User

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Quan-tri-vien-dau-tien-2026"


def rfc6238(secret_b32: str, at: int, digits: int = 6, step: int = 30) -> str:
    """TOTP written from RFC 6238 / RFC 4226 (HMAC-SHA1, dynamic truncation), not from django-otp."""
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    mac = hmac.new(key, struct.pack(">Q", at // step), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    number = struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10 ** digits).zfill(digits)


def test_rfc6238_helper_matches_the_rfc_test_vector():
    # RFC 6238 appendix B: SHA-1 key "12345678901234567890", T = 59 s → 94287082 (8 digits).
    secret = base64.b32encode(b"12345678901234567890").decode()
    assert rfc6238(secret, 59, digits=8) == "94287082"
    assert rfc6238(secret, 1111111109, digits=8) == "07081804"


def run(monkeypatch, *args, password=PASSWORD):
    monkeypatch.setenv("HTX_ADMIN_PASSWORD", password)
    out = io.StringIO()
    call_command("create_admin", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_creates_the_first_administrator_with_agency_totp_and_backup_codes(monkeypatch, time_machine):
    time_machine.move_to("2026-11-27 09:00:00+07:00", tick=False)
    out = run(monkeypatch, "quantri", "--agency", "Sở Khoa học và Công nghệ tỉnh An Giang", "--province", "91",
              "--full-name", "Trần Văn Quản", "--email", "quantri@angiang.gov.vn")
    user = User.objects.get(username="quantri")
    assert user.role == "admin" and user.is_active and user.check_password(PASSWORD)
    assert (user.full_name, user.email) == ("Trần Văn Quản", "quantri@angiang.gov.vn")
    agency = Agency.objects.get()
    assert user.agency == agency
    assert (agency.name, agency.kind, agency.province_code, agency.province_name) == (
        "Sở Khoa học và Công nghệ tỉnh An Giang", "dost", "91", "Tỉnh An Giang")

    # The printed otpauth URI is the device's: a code computed from it by RFC 6238 signs in.
    uri = re.search(r"otpauth://totp/\S+", out).group(0)
    secret = parse_qs(urlsplit(uri).query)["secret"][0]
    assert "quantri" in unquote(urlsplit(uri).path)
    assert "▀" in out or "█" in out  # the QR code, drawn in the terminal
    code = rfc6238(secret, int(datetime.fromisoformat("2026-11-27T09:00:00+07:00").timestamp()))
    assert services.verify_second_factor(user=user, code=code).device is not None

    # Ten single-use backup codes, printed once, each accepted once.
    codes = re.search(r"backup codes.*\n\s+(.+)", out).group(1).split()
    assert len(codes) == services.BACKUP_CODE_COUNT == services.backup_codes_left(user)
    assert services.verify_second_factor(user=user, code=codes[0]).device is not None
    assert services.backup_codes_left(user) == services.BACKUP_CODE_COUNT - 1


@pytest.mark.django_db
def test_an_existing_agency_is_reused(monkeypatch):
    Agency.objects.create(name="Liên minh HTX TP. Hồ Chí Minh", kind="alliance", province_code="79",
                          province_name="Thành phố Hồ Chí Minh")
    run(monkeypatch, "admin1", "--agency", "Liên minh HTX TP. Hồ Chí Minh", "--province", "79")
    assert Agency.objects.count() == 1 and User.objects.get().agency.kind == "alliance"


@pytest.mark.django_db
@pytest.mark.parametrize("args, password, message", [
    (["--province", "74"], PASSWORD, "Không có tỉnh/thành phố mã “74”"),  # Bình Dương, merged in 2025
    (["--province", "91"], "123", "Mật khẩu chưa đạt"),
])
def test_bad_input_is_refused_plainly_and_creates_nothing(monkeypatch, args, password, message):
    with pytest.raises(CommandError, match=message):
        run(monkeypatch, "quantri", "--agency", "Sở KH&CN", *args, password=password)
    assert not User.objects.exists() and not Agency.objects.exists()


@pytest.mark.django_db
def test_refuses_when_an_administrator_exists(monkeypatch, users):
    with pytest.raises(CommandError, match="Đã có quản trị viên"):
        run(monkeypatch, "quantri2", "--agency", "Sở KH&CN", "--province", "79")
    assert not User.objects.filter(username="quantri2").exists()


def test_manage_py_without_django_env_says_how_to_reach_the_demo(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SECRET_KEY", "DATABASE_URL"))}
    result = subprocess.run([sys.executable, str(ROOT / "manage.py"), "issue_api_key", "admin"], cwd=tmp_path,
                            env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "TypeError" not in result.stderr
    assert 'make manage ARGS="issue_api_key admin"' in result.stderr
    assert "DJANGO_ENV=demo" in result.stderr and "SECRET_KEY" in result.stderr


def test_make_manage_runs_commands_against_the_demo_and_readme_says_so():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^manage: install\n\tDJANGO_ENV=demo \$\(PY\) manage.py \$\(ARGS\)$", makefile, re.M)
    readme = (ROOT / "README.md").read_text()
    assert 'make manage ARGS="issue_api_key admin"' in readme and "create_admin" in readme
