"""Every write on users and their two-factor devices: keyword-only, atomic, audited.

Password hashes and OTP secrets never reach the audit log: user snapshots exclude `password`,
and device entries name the device, not its key.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils.translation import gettext as _
from django_otp import devices_for_user, verify_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from htxconnect.core import audit
from htxconnect.core.roles import AGENCY_ROLES, STAFF_ROLES, Role

from . import audit_actions as actions
from .models import Agency, User

security_log = logging.getLogger("htxconnect.security")

# Never in an audit entry: the hash, and bookkeeping that changes on every sign-in.
AUDIT_EXCLUDE = ("password", "last_login")
EDITABLE_BY_ADMIN = ("full_name", "email", "phone", "job_title", "role", "agency")
PROFILE_FIELDS = ("full_name", "email", "phone", "job_title")
ACCESS_FIELDS = ("role", "agency_id")  # snapshot keys: what the user may see and do
BACKUP_CODE_COUNT = 10
TOTP_DEVICE_NAME = "Ứng dụng xác thực"
BACKUP_DEVICE_NAME = "Mã dự phòng"


# --- Users ------------------------------------------------------------------------------------


def check_role_agency(role: str, agency: Agency | None) -> None:
    """The rule behind the `agency_staff_have_agency` constraint, as a field error."""
    if role in AGENCY_ROLES and agency is None:
        raise ValidationError({"agency": _("Vai trò “%(role)s” bắt buộc chọn cơ quan.") % {"role": Role(role).label}})
    if agency is not None and role not in STAFF_ROLES:
        raise ValidationError({"agency": _("Vai trò “%(role)s” không thuộc cơ quan nào; hãy để trống ô Cơ quan.")
                               % {"role": Role(role).label}})


def check_email_free(email: str, *, exclude_pk: int | None = None) -> None:
    if not email:
        return
    others = User.objects.filter(email__iexact=email)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    if others.exists():
        raise ValidationError({"email": _("Địa chỉ e-mail “%(email)s” đã được dùng cho tài khoản khác.")
                               % {"email": email}})


def _save_checked(user: User) -> None:
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:  # a concurrent write slipped past full_clean()
        if "agency_staff_have_agency" in str(exc):
            raise ValidationError({"agency": _("Cán bộ và lãnh đạo cơ quan bắt buộc chọn cơ quan.")}) from exc
        if "username" in str(exc):
            raise ValidationError({"username": _("Tên đăng nhập này đã có người dùng.")}) from exc
        raise


@transaction.atomic
def create_user(*, username: str, password: str, role: str, agency: Agency | None = None, full_name: str = "",
                email: str = "", phone: str = "", job_title: str = "", actor) -> User:
    """`actor`: the administrator, or `SYSTEM` for a command (create_admin, demo loading)."""
    audit.check_actor(actor)
    check_role_agency(role, agency)
    check_email_free(email)
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("Tên đăng nhập “%(username)s” đã có người dùng.") % {"username": username}})
    user = User(username=username, role=role, agency=agency, full_name=full_name, email=email, phone=phone,
                job_title=job_title, is_superuser=False, is_staff=False)
    user.set_password(password)
    user.full_clean()
    _save_checked(user)
    audit.record(actions.USER_CREATED, obj=user, actor=actor,
                 changes=audit.created(user, exclude=AUDIT_EXCLUDE))
    return user


@transaction.atomic
def update_user(*, user: User, actor: User, **fields) -> User:
    """Administrator edits a user's details, role and agency."""
    unknown = set(fields) - set(EDITABLE_BY_ADMIN)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.pk == actor.pk and fields.get("role", user.role) != user.role:
        # Otherwise the last administrator could lock everyone out of user management.
        raise ValidationError({"role": _("Bạn không thể tự đổi vai trò của chính mình.")})
    before = audit.snapshot(user, exclude=AUDIT_EXCLUDE)
    for name, value in fields.items():
        setattr(user, name, value)
    check_role_agency(user.role, user.agency)
    check_email_free(user.email, exclude_pk=user.pk)
    user.full_clean()
    _save_checked(user)
    changes = audit.diff(before, audit.snapshot(user, exclude=AUDIT_EXCLUDE))
    # A change of role or agency changes what the person may see and do: its own entry, so the
    # log can be filtered for it.
    access = {k: v for k, v in changes.items() if k in ACCESS_FIELDS}
    details = {k: v for k, v in changes.items() if k not in ACCESS_FIELDS}
    if access:
        audit.record(actions.USER_ROLE_CHANGED, obj=user, actor=actor, changes=access)
    if details:
        audit.record(actions.USER_UPDATED, obj=user, actor=actor, changes=details)
    return user


@transaction.atomic
def set_user_active(*, user: User, actor: User, active: bool) -> User:
    """Deactivate (or reactivate) an account; users are never deleted, their history stays."""
    if user.pk == actor.pk and not active:
        raise PermissionDenied(_("Bạn không thể tự khóa tài khoản của chính mình."))
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_active == active:
        return user
    user.is_active = active
    user.save(update_fields=["is_active"])
    audit.record(actions.USER_REACTIVATED if active else actions.USER_DEACTIVATED, obj=user, actor=actor,
                 changes={"is_active": [not active, active]})
    security_log.info("account %s: user=%s by=%s", "reactivated" if active else "deactivated", user.pk, actor.pk)
    return user


@transaction.atomic
def update_profile(*, user: User, **fields) -> User:
    """A user edits their own contact details (not their role or agency)."""
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"not editable in a profile: {sorted(unknown)}")
    actor = user  # the person themself, as the request gave them (with their address)
    user = User.objects.select_for_update().get(pk=user.pk)
    before = audit.snapshot(user, exclude=AUDIT_EXCLUDE)
    for name, value in fields.items():
        setattr(user, name, value)
    check_email_free(user.email, exclude_pk=user.pk)
    user.full_clean()
    user.save()
    changes = audit.diff(before, audit.snapshot(user, exclude=AUDIT_EXCLUDE))
    if changes:
        audit.record(actions.PROFILE_UPDATED, obj=user, actor=actor, changes=changes)
    return user


@transaction.atomic
def set_password(*, user: User, password: str, reason: str = "changed") -> User:
    """Store a new password (already validated by the form). `reason`: changed or reset."""
    user.set_password(password)
    user.save(update_fields=["password"])
    # The entry says that the password changed, never what it is or was.
    audit.record(actions.PASSWORD_ACTIONS[reason], obj=user, actor=user, changes={})
    security_log.info("password %s: user=%s", reason, user.pk)
    return user


# --- Sign-in events ---------------------------------------------------------------------------


def find_account(username: str) -> User | None:
    """The account a sign-in attempt names (case-insensitive, as authentication matches it)."""
    username = (username or "").strip()
    return User.objects.filter(username__iexact=username).first() if username else None


def audit_sign_in(action, *, address: str, user: User | None = None, proven: bool = False,
                  changes: dict | None = None) -> None:
    """Record a sign-in event (login, failure, lockout, logout, second factor) for the account
    `user` (None: no such account), from `address`.

    `proven`: the person has shown they are `user` (right password at least), so they are the
    actor; otherwise the actor is an anonymous visitor trying that account. The entry belongs to
    the account's agency either way, so its leaders see attempts on their staff. The typed name of
    an account that does not exist is not kept: it may be a password typed in the wrong field.
    """
    from django.contrib.auth.models import AnonymousUser

    actor = user if proven and user is not None else AnonymousUser()
    with transaction.atomic():
        if user is None:
            audit.record(action, actor=actor, address=address, object_repr=_("(không có tài khoản này)"),
                         changes=changes)
        else:
            audit.record(action, actor=actor, obj=user, address=address, changes=changes)


# --- Two-factor devices ----------------------------------------------------------------------


def confirmed_devices(user: User) -> list:
    return list(devices_for_user(user, confirmed=True))


def has_confirmed_device(user: User) -> bool:
    return bool(confirmed_devices(user))


def has_confirmed_totp(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


@dataclass
class VerifyResult:
    device: object | None = None  # the device that accepted the code
    locked_until: datetime | None = None  # set when django-otp's throttling refuses to check


def _normalise_code(code: str) -> str:
    return "".join((code or "").split()).replace("-", "")


def verify_second_factor(*, user: User, code: str) -> VerifyResult:
    """Check a TOTP code or a backup code against the user's confirmed devices.

    django-otp throttles each device (exponential back-off after each wrong code); while any
    device is in back-off we refuse to check, so alternating device types buys nothing. Backup
    codes are deleted when used (single use).
    """
    code = _normalise_code(code)
    devices = confirmed_devices(user)
    # TOTP first: a backup code tried against TOTP fails cheaply; the reverse would burn nothing
    # either, but most people type the app's code.
    devices.sort(key=lambda d: 0 if isinstance(d, TOTPDevice) else 1)
    locked = [info.get("locked_until") for allowed, info in (d.verify_is_allowed() for d in devices)
              if not allowed and info]
    locked = [when for when in locked if when is not None]
    if locked:
        return VerifyResult(locked_until=max(locked))
    if not code or len(code) > 16:
        for device in devices:
            device.throttle_increment()
        return VerifyResult()
    for device in devices:
        if isinstance(device, TOTPDevice) and not code.isdigit():
            continue
        verified = verify_token(user, device.persistent_id, code)
        if verified is not None:
            # A right code proves the person: clear the back-off the other devices collected.
            for other in devices:
                if other.pk != verified.pk or type(other) is not type(verified):
                    other.refresh_from_db()
                    if other.throttling_failure_count:
                        other.throttle_reset()
            return VerifyResult(device=verified)
    # Devices skipped above (TOTP for a letter code) still count the failure.
    for device in devices:
        if isinstance(device, TOTPDevice) and not code.isdigit():
            device.throttle_increment()
    return VerifyResult()


def pending_totp_device(user: User) -> TOTPDevice:
    """The unconfirmed TOTP device a setup page shows (created once, reused on reload)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


@transaction.atomic
def confirm_totp_device(*, user: User, device: TOTPDevice, code: str) -> VerifyResult:
    """Confirm a new authenticator app with a code it shows (`.device` is set when right)."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=user, confirmed=False)
    allowed, info = device.verify_is_allowed()
    if not allowed:
        return VerifyResult(locked_until=(info or {}).get("locked_until"))
    code = _normalise_code(code)
    if not code.isdigit():
        device.throttle_increment()
        return VerifyResult()
    if not device.verify_token(code):
        return VerifyResult()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit.record(actions.OTP_DEVICE_CONFIRMED, obj=user, actor=user,
                 changes={"otp_device": [None, device.name]}, object_repr=str(user))
    return VerifyResult(device=device)


@transaction.atomic
def regenerate_backup_codes(*, user: User) -> list[str]:
    """Replace the user's backup codes with BACKUP_CODE_COUNT new single-use ones; returns them."""
    devices = list(StaticDevice.objects.filter(user=user).order_by("-confirmed", "id"))
    device = devices[0] if devices else StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME,
                                                                      confirmed=True)
    if not device.confirmed:
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    # Every old code stops working. The devices themselves are kept: the session may have been
    # verified with one of them.
    StaticToken.objects.filter(device__user=user).delete()
    codes = []
    while len(codes) < BACKUP_CODE_COUNT:
        code = StaticToken.random_token()
        if code not in codes:
            codes.append(code)
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    audit.record(actions.BACKUP_CODES_GENERATED, obj=user, actor=user,
                 changes={"backup_codes": [None, len(codes)]}, object_repr=str(user))
    return codes


def backup_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@transaction.atomic
def delete_totp_device(*, user: User, device_id: int) -> None:
    """Remove one of the user's authenticator apps. Staff keep at least one."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, pk=device_id).first()
    if device is None:
        raise Http404(_("Không tìm thấy thiết bị xác thực này."))
    others = TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk)
    if user.role in STAFF_ROLES and device.confirmed and not others.exists():
        raise ValidationError(_("Cán bộ bắt buộc dùng xác thực hai lớp: hãy thêm ứng dụng khác trước khi xóa "
                                "ứng dụng cuối cùng."))
    name = device.name
    device.delete()
    if not others.exists():
        StaticDevice.objects.filter(user=user).delete()  # backup codes alone are no second factor
    audit.record(actions.OTP_DEVICE_DELETED, obj=user, actor=user, changes={"otp_device": [name, None]},
                 object_repr=str(user))


@transaction.atomic
def reset_two_factor(*, user: User, actor: User) -> None:
    """Administrator removes every device of a user (lost phone); they enrol again at next sign-in."""
    removed = 0
    for model in (TOTPDevice, StaticDevice):
        removed += model.objects.filter(user=user).delete()[0]
    audit.record(actions.TWO_FACTOR_RESET, obj=user, actor=actor, changes={"otp_devices": [removed, 0]})
    security_log.info("two-factor reset: user=%s by=%s", user.pk, actor.pk)
