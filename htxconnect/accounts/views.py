"""Sign-in (password, then a second factor), sign-out, passwords, profile and user management.

Sign-in happens in two steps. After the password, a user who needs a second factor (every
staff role, and anyone who enabled an authenticator app) is only *pending*: the session holds
their id, not a login, so no page treats them as signed in until the code is right. Staff
without a device are taken to the enrolment page first.
"""

from __future__ import annotations

import base64
import logging
import time
from datetime import datetime
from datetime import timezone as dt_timezone

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from htxconnect.core.permissions import ADMIN, LEADER_OR_ADMIN, SIGNED_IN, is_staff_role, public, requires
from htxconnect.core.ratelimit import limit_public_posts
from htxconnect.core.redirects import safe_next
from htxconnect.core.request_context import client_ip_from

from . import audit_actions as actions
from . import apikeys, forms, queries, services, throttle
from .models import ApiKey, User

security_log = logging.getLogger("htxconnect.security")

PENDING_KEY = "accounts_pending_login"
PENDING_MAX_AGE = 10 * 60  # seconds between the password and the second factor
NEW_CODES_KEY = "accounts_new_backup_codes"
# Set at sign-in, removed at sign-out: an anonymous visitor who still carries it lost their
# session to the idle timeout, and is told so on the login page.
MARKER_COOKIE = "htx_signed_in"  # sent as cookie_name(MARKER_COOKIE)
MARKER_MAX_AGE = 30 * 24 * 3600


# --- helpers ------------------------------------------------------------------------------


def cookie_name(name: str) -> str:
    """A cookie of ours as the browser gets it: __Host-<name> with Secure cookies (settings.SECURE_COOKIES)."""
    return settings.COOKIE_NAME_PREFIX + name


def _safe_next(request, default: str = "") -> str:
    return safe_next(request, default or reverse(settings.LOGIN_REDIRECT_URL))


def _with_next(url_name: str, next_url: str) -> str:
    url = reverse(url_name)
    home = reverse(settings.LOGIN_REDIRECT_URL)
    return f"{url}?{urlencode({'next': next_url})}" if next_url and next_url != home else url


def _needs_second_factor(user) -> bool:
    return is_staff_role(user) or services.has_confirmed_device(user)


def _set_pending(request, user, next_url: str) -> None:
    request.session.cycle_key()  # a fresh session id for the half-signed-in state
    request.session[PENDING_KEY] = {"user_id": user.pk, "backend": user.backend, "at": time.time(),
                                    "next": next_url}


def _pending_user(request):
    data = request.session.get(PENDING_KEY)
    if not data:
        return None
    if time.time() - data.get("at", 0) > PENDING_MAX_AGE:
        request.session.pop(PENDING_KEY, None)
        return None
    user = User.objects.filter(pk=data.get("user_id"), is_active=True).first()
    if user is not None:
        user.backend = data.get("backend")
    return user


def _otp_subject(request):
    """(user, pending): whoever is passing the second factor, or (None, False)."""
    if request.user.is_authenticated:
        return request.user, False
    user = _pending_user(request)
    return user, user is not None


def _finish_login(request, user, device=None, pending: bool = True):
    """Turn a pending sign-in into a session (or mark an existing one as verified)."""
    if pending:
        request.session.pop(PENDING_KEY, None)
        login(request, user, backend=user.backend)
    if device is not None:
        otp_login(request, device)
    if pending:
        services.audit_sign_in(actions.LOGIN_SUCCEEDED, user=user, proven=True, address=client_ip_from(request),
                               changes={"second_factor": [None, _device_kind(device)]})
    security_log.info("login succeeded: user=%s second_factor=%s ip=%s", user.pk,
                      type(device).__name__ if device is not None else "none", client_ip_from(request))


def _device_kind(device) -> str:
    if device is None:
        return str(_("không"))
    return str(_("mã dự phòng")) if isinstance(device, StaticDevice) else str(_("ứng dụng xác thực"))


def _set_marker(response, request):
    response.set_cookie(cookie_name(MARKER_COOKIE), "1", max_age=MARKER_MAX_AGE, httponly=True, samesite="Lax",
                        secure=settings.SECURE_COOKIES)
    return response


def _retry_message(locked_until) -> str:
    local = timezone.localtime(locked_until)
    seconds = max(1, int((locked_until - timezone.now()).total_seconds() + 0.999))
    if seconds < 90:
        wait = _("%(n)s giây") % {"n": seconds}
    else:
        wait = _("%(n)s phút") % {"n": (seconds + 59) // 60}
    return _("Vui lòng thử lại sau %(wait)s (lúc %(time)s).") % {"wait": wait,
                                                                  "time": date_format(local, "H:i")}


# --- sign-in and sign-out -------------------------------------------------------------------------


@public
@sensitive_post_parameters("password")
def login_view(request):
    """Username and password. `/` renders this too for anonymous visitors."""
    next_url = _safe_next(request, "")
    if request.user.is_authenticated and request.method != "POST":
        return redirect(next_url or settings.LOGIN_REDIRECT_URL)
    context = {"next": next_url}
    status = 200
    if request.method == "POST":
        form = forms.LoginForm(request.POST)
        if form.is_valid():
            username = form.cleaned_data["username"].strip()
            address = client_ip_from(request)
            # Locked per address, or per account; but an account lock set off by failures from
            # other addresses does not shut out the real user from an address that has not
            # failed: they pass with their second factor, or with an e-mailed unlock link (a
            # cookie for this browser). See docs/security.md.
            lockout = throttle.check("", address)
            account_lock = throttle.check(username, "") if lockout is None else None
            if account_lock is not None:
                context["account_locked"] = True
                user = authenticate(request, username=username, password=form.cleaned_data["password"])
                if user is not None and _unlocked_here(request, user):
                    return _after_password(request, user, next_url)
                device = _second_factor_with_password(user, form.cleaned_data.get("code", ""))
                if device is not None:
                    throttle.clear_username(username)
                    services.audit_sign_in(actions.SECOND_FACTOR_SUCCEEDED, user=user, proven=True, address=address,
                                           changes={"second_factor": [None, _device_kind(device)],
                                                    "account_locked": [None, True]})
                    _set_pending(request, user, next_url)
                    _finish_login(request, user, device, pending=True)
                    return _set_marker(redirect(next_url or settings.LOGIN_REDIRECT_URL), request)
                # Wrong password, wrong code or no code: one answer for all, so the form tells a
                # guesser nothing about the password; the failure counts against this address.
                account = services.find_account(username)
                services.audit_sign_in(actions.LOGIN_FAILED, user=account, address=address,
                                       changes={"account_locked": [None, True]})
                if throttle.register_failure("", address) is not None:
                    services.audit_sign_in(actions.LOGIN_LOCKED_OUT, user=account, address=address,
                                           changes={"scope": [None, str(_("địa chỉ máy"))]})
                security_log.warning("login refused (throttled): username=%s ip=%s scope=username",
                                     throttle.safe_for_log(username), address)
                retry = datetime.fromtimestamp(account_lock.retry_at, tz=dt_timezone.utc)
                context["locked_message"] = _(
                    "Đăng nhập sai quá nhiều lần nên tài khoản này tạm thời bị chặn.") + " " + _retry_message(retry) + \
                    " " + _("Nếu bạn là chủ tài khoản: nhập mật khẩu cùng mã xác thực hai lớp, hoặc nhận liên kết mở "
                            "khóa qua e-mail.")
                context["unlock_username"] = username
                form = forms.LoginForm(initial={"username": username})
                return render(request, "accounts/login.html", {**context, "form": form}, status=429)
            if lockout is None:
                user = authenticate(request, username=username, password=form.cleaned_data["password"])
                if user is not None:
                    throttle.clear_username(username)
                    return _after_password(request, user, next_url)
                security_log.warning("login failed: username=%s ip=%s", throttle.safe_for_log(username), address)
                account = services.find_account(username)
                services.audit_sign_in(actions.LOGIN_FAILED, user=account, address=address)
                lockout = throttle.register_failure(username, address)
                if lockout is not None:
                    services.audit_sign_in(actions.LOGIN_LOCKED_OUT, user=account, address=address,
                                           changes={"scope": [None, _lockout_scope(lockout)]})
                form.add_error(None, forms.LoginForm.error_messages["invalid_login"])
                status = 401
            if lockout is not None:
                security_log.warning("login refused (throttled): username=%s ip=%s scope=%s",
                                     throttle.safe_for_log(username), address, lockout.scope)
                retry = datetime.fromtimestamp(lockout.retry_at, tz=dt_timezone.utc)
                context["locked_message"] = _("Đăng nhập sai quá nhiều lần nên tạm thời bị chặn.") + " " + \
                    _retry_message(retry)
                form = forms.LoginForm(initial={"username": username})
                status = 429
        else:
            status = 400
    else:
        form = forms.LoginForm()
        if request.COOKIES.get(cookie_name(MARKER_COOKIE)):
            context["expired"] = True
    context["form"] = form
    response = render(request, "accounts/login.html", context, status=status)
    if context.get("expired"):
        response.delete_cookie(cookie_name(MARKER_COOKIE), samesite="Lax")
    return response


def _second_factor_with_password(user, code: str):
    """The device that accepts `code` for `user` (password already checked), else None."""
    if user is None or not (code or "").strip() or not services.has_confirmed_device(user):
        return None
    return services.verify_second_factor(user=user, code=code).device


UNLOCK_COOKIE = "htx_unlock"  # sent as cookie_name(UNLOCK_COOKIE)
UNLOCK_LINK_MAX_AGE = 30 * 60


def _unlocked_here(request, user) -> bool:
    """Whether this browser opened an e-mailed unlock link for `user` (a signed cookie)."""
    from django.core import signing

    try:
        value = request.get_signed_cookie(cookie_name(UNLOCK_COOKIE), salt="htx.login-unlock.cookie",
                                          max_age=settings.LOGIN_LOCKOUT_SECONDS)
    except (KeyError, signing.BadSignature):
        return False
    return value == str(user.pk)


def _after_password(request, user, next_url: str):
    if _needs_second_factor(user):
        _set_pending(request, user, next_url)
        if services.has_confirmed_device(user):
            return redirect(_with_next("accounts:otp_verify", next_url))
        return redirect(_with_next("accounts:otp_setup", next_url))
    _finish_login(request, user, pending=True)
    return _set_marker(redirect(next_url or settings.LOGIN_REDIRECT_URL), request)


def _lockout_scope(lockout) -> str:
    return str(_("tài khoản")) if lockout.scope == "username" else str(_("địa chỉ máy"))


@public
@limit_public_posts("unlock-request")
@require_POST
def unlock_request(request):
    """Mail an unlock link to the owner of a locked account. The same answer whatever the name,
    so the page tells nobody which accounts exist; bounded per address like password resets."""
    from django.core import signing
    from django.core.mail import send_mail

    address = client_ip_from(request)
    username = (request.POST.get("username") or "").strip()[:150]
    limited = throttle.count_request("login-unlock", address, limit=settings.LOGIN_MAX_FAILURES,
                                     window=settings.LOGIN_LOCKOUT_SECONDS)
    user = services.find_account(username) if limited is None else None
    if user is not None and user.is_active and user.email:
        token = signing.dumps({"u": user.pk}, salt="htx.login-unlock.link")
        link = request.build_absolute_uri(reverse("accounts:unlock_confirm", args=[token]))
        send_mail(_("Mở khóa đăng nhập HTX Connect"),
                  _("Có nhiều lần đăng nhập sai vào tài khoản %(u)s nên tài khoản tạm bị khóa. Nếu bạn đang cố đăng "
                    "nhập, mở liên kết sau trong %(m)s phút để mở khóa cho trình duyệt của bạn:\n\n%(link)s\n\n"
                    "Nếu không phải bạn, hãy bỏ qua thư này; mật khẩu của bạn vẫn an toàn.")
                  % {"u": user.username, "m": UNLOCK_LINK_MAX_AGE // 60, "link": link},
                  None, [user.email])
        services.audit_sign_in(actions.LOGIN_UNLOCK_REQUESTED, user=user, address=address)
    messages.info(request, _("Nếu tài khoản có địa chỉ e-mail, một liên kết mở khóa vừa được gửi tới đó. Liên kết "
                             "dùng được trong %(m)s phút.") % {"m": UNLOCK_LINK_MAX_AGE // 60})
    return redirect("accounts:login")


@public
@limit_public_posts("unlock-confirm")
def unlock_confirm(request, token: str):
    """The e-mailed link: a button (a mail scanner that follows the link unlocks nothing), then a
    signed cookie that lets this browser sign in to the locked account."""
    from django.core import signing

    try:
        data = signing.loads(token, salt="htx.login-unlock.link", max_age=UNLOCK_LINK_MAX_AGE)
        user = User.objects.filter(pk=data.get("u"), is_active=True).first()
    except (signing.BadSignature, AttributeError):
        user = None
    if user is None:
        messages.error(request, _("Liên kết mở khóa không hợp lệ hoặc đã quá hạn. Hãy yêu cầu liên kết mới."))
        return redirect("accounts:login")
    if request.method == "POST":
        services.audit_sign_in(actions.LOGIN_UNLOCKED, user=user, address=client_ip_from(request))
        messages.success(request, _("Đã mở khóa đăng nhập trên trình duyệt này. Hãy đăng nhập."))
        response = redirect("accounts:login")
        response.set_signed_cookie(cookie_name(UNLOCK_COOKIE), str(user.pk), salt="htx.login-unlock.cookie",
                                   max_age=settings.LOGIN_LOCKOUT_SECONDS, httponly=True, samesite="Lax",
                                   secure=settings.SECURE_COOKIES)
        return response
    return render(request, "accounts/unlock_confirm.html", {"subject": user})


@public
@require_POST
def logout_view(request):
    if request.user.is_authenticated:
        security_log.info("logout: user=%s", request.user.pk)
        services.audit_sign_in(actions.LOGOUT, user=request.user, proven=True, address=client_ip_from(request))
    logout(request)
    response = redirect("accounts:login")
    response.delete_cookie(cookie_name(MARKER_COOKIE), samesite="Lax")
    return response


# --- second factor --------------------------------------------------------------------------------


@public
@limit_public_posts("otp-verify")
@sensitive_post_parameters("code")
def otp_verify(request):
    user, pending = _otp_subject(request)
    next_url = _safe_next(request, (request.session.get(PENDING_KEY) or {}).get("next", ""))
    if user is None:
        if request.method == "POST" or request.GET.get("next"):
            messages.warning(request, _("Phiên xác thực đã hết hạn. Vui lòng đăng nhập lại."))
        return redirect(_with_next("accounts:login", next_url if request.GET.get("next") else ""))
    if not pending and (user.is_verified() or not _needs_second_factor(user)):
        return redirect(next_url)
    if not services.has_confirmed_device(user):
        if is_staff_role(user):
            return redirect(_with_next("accounts:otp_setup", next_url))
        _finish_login(request, user, pending=pending)
        return redirect(next_url)

    status = 200
    context = {"next": next_url, "subject": user}
    if request.method == "POST":
        form = forms.OTPCodeForm(request.POST)
        if form.is_valid():
            result = services.verify_second_factor(user=user, code=form.cleaned_data["code"])
            address = client_ip_from(request)
            if result.device is not None:
                services.audit_sign_in(actions.SECOND_FACTOR_SUCCEEDED, user=user, proven=True, address=address,
                                       changes={"second_factor": [None, _device_kind(result.device)]})
                _finish_login(request, user, result.device, pending=pending)
                if isinstance(result.device, StaticDevice):
                    left = services.backup_codes_left(user)
                    messages.warning(request, _("Bạn vừa dùng một mã dự phòng; còn lại %(n)s mã. Mỗi mã chỉ dùng "
                                                "được một lần.") % {"n": left})
                return _set_marker(redirect(next_url), request)
            services.audit_sign_in(actions.SECOND_FACTOR_FAILED, user=user, proven=True, address=address,
                                   changes={"throttled": [None, True]} if result.locked_until is not None else None)
            if result.locked_until is not None:
                security_log.warning("second factor throttled: user=%s ip=%s", user.pk, client_ip_from(request))
                context["locked_message"] = _("Bạn đã nhập sai mã nhiều lần.") + " " + \
                    _retry_message(result.locked_until)
                status = 429
            else:
                security_log.warning("second factor failed: user=%s ip=%s", user.pk, client_ip_from(request))
                form.add_error("code", _("Mã xác thực không đúng hoặc đã hết hạn. Hãy nhập mã mới nhất trong "
                                         "ứng dụng, hoặc một mã dự phòng chưa dùng."))
                status = 401
            if status == 429:
                form = forms.OTPCodeForm()
        else:
            status = 400
    else:
        form = forms.OTPCodeForm()
    context["form"] = form
    return render(request, "accounts/otp_verify.html", context, status=status)


def _qr_data_uri(text: str) -> str:
    return segno.make(text, error="m").svg_data_uri(scale=5, border=2, dark="#000", light="#fff")


def _grouped_secret(device: TOTPDevice) -> str:
    secret = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


@public
@limit_public_posts("otp-setup")
@sensitive_post_parameters("code")
def otp_setup(request):
    """Enrol an authenticator app: first sign-in of staff, or from the profile page."""
    user, pending = _otp_subject(request)
    next_url = _safe_next(request, (request.session.get(PENDING_KEY) or {}).get("next", ""))
    if user is None:
        return redirect(_with_next("accounts:login", next_url if request.GET.get("next") else ""))
    # Adding an app to an account that already has a second factor needs that factor first.
    if services.has_confirmed_device(user) and (pending or not user.is_verified()):
        return redirect(_with_next("accounts:otp_verify", next_url))
    device = services.pending_totp_device(user)
    status = 200
    if request.method == "POST":
        form = forms.OTPSetupForm(request.POST)
        if form.is_valid():
            result = services.confirm_totp_device(user=user, device=device, code=form.cleaned_data["code"])
            if result.device is not None:
                device.refresh_from_db()
                first = not user.is_authenticated or pending
                if pending:
                    _finish_login(request, user, device, pending=True)
                elif not user.is_verified():
                    _finish_login(request, user, device, pending=False)
                messages.success(request, _("Đã bật xác thực hai lớp với ứng dụng xác thực."))
                if services.backup_codes_left(user) == 0:
                    request.session[NEW_CODES_KEY] = services.regenerate_backup_codes(user=user)
                    response = redirect(_with_next("accounts:otp_backup_codes", next_url))
                else:
                    response = redirect(next_url if first else reverse("accounts:profile"))
                return _set_marker(response, request)
            if result.locked_until is not None:
                form.add_error("code", _("Bạn đã nhập sai mã nhiều lần.") + " " + _retry_message(result.locked_until))
                status = 429
            else:
                form.add_error("code", _("Mã không đúng. Kiểm tra giờ trên điện thoại và nhập mã 6 chữ số mới "
                                         "nhất."))
                status = 400
        else:
            status = 400
    else:
        form = forms.OTPSetupForm()
    context = {"form": form, "next": next_url, "subject": user, "qr": _qr_data_uri(device.config_url),
               "secret": _grouped_secret(device), "required": is_staff_role(user)}
    return render(request, "accounts/otp_setup.html", context, status=status)


@requires(SIGNED_IN)
def otp_backup_codes(request):
    """Show freshly made backup codes once (GET), or make a new set (POST)."""
    if request.method == "POST":
        if not services.has_confirmed_totp(request.user):
            messages.error(request, _("Hãy bật ứng dụng xác thực trước khi tạo mã dự phòng."))
            return redirect("accounts:profile")
        request.session[NEW_CODES_KEY] = services.regenerate_backup_codes(user=request.user)
        return redirect("accounts:otp_backup_codes")
    codes = request.session.pop(NEW_CODES_KEY, None)
    return render(request, "accounts/otp_backup_codes.html", {
        "codes": codes, "left": services.backup_codes_left(request.user),
        "next": _safe_next(request, reverse("accounts:profile")),
    })


@requires(SIGNED_IN)
@require_POST
def otp_device_delete(request, pk: int):
    try:
        services.delete_totp_device(user=request.user, device_id=pk)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Đã xóa ứng dụng xác thực."))
    return redirect("accounts:profile")


# --- profile and passwords ------------------------------------------------------------------------


@requires(SIGNED_IN)
def profile(request):
    user = request.user
    status = 200
    if request.method == "POST":
        form = forms.ProfileForm(request.POST, instance=user)
        if form.is_valid():
            try:
                services.update_profile(user=user, **{f: form.cleaned_data[f] for f in forms.ProfileForm.Meta.fields})
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Đã lưu thông tin cá nhân."))
                return redirect("accounts:profile")
        status = 400
    else:
        form = forms.ProfileForm(instance=user)
    totp_devices = list(TOTPDevice.objects.filter(user=user, confirmed=True).order_by("created_at", "id"))
    context = {
        "form": form,
        "totp_devices": totp_devices,
        # Staff must keep one app; the button is not offered for the last one.
        "can_delete_totp": not is_staff_role(user) or len(totp_devices) > 1,
        "backup_left": services.backup_codes_left(user),
        "two_factor_required": is_staff_role(user),
        "api_keys": ApiKey.objects.filter(user=user).order_by("-created_at")[:20],
        # Shown with each key; only an administrator changes a key's limit (user page).
        "default_rate_limit": settings.API_KEY_RATE_LIMIT, "rate_window": settings.API_KEY_RATE_WINDOW,
    }
    return render(request, "accounts/profile.html", context, status=status)


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = forms.HtxPasswordChangeForm
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:profile")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("Đã đổi mật khẩu."))
        return response


password_change = requires(SIGNED_IN)(PasswordChangeView.as_view())


class PasswordResetView(auth_views.PasswordResetView):
    """Always answers the same way, whether or not the e-mail belongs to an account."""

    form_class = forms.HtxPasswordResetForm
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        address = client_ip_from(self.request)
        # Each request sends a mail: bound how many one address may trigger (mail flooding).
        lockout = throttle.count_request("password-reset", address, limit=settings.LOGIN_MAX_FAILURES,
                                         window=settings.LOGIN_LOCKOUT_SECONDS)
        if lockout is not None:
            security_log.warning("password reset refused (throttled): ip=%s", address)
            retry = datetime.fromtimestamp(lockout.retry_at, tz=dt_timezone.utc)
            form.add_error(None, _("Bạn đã yêu cầu đặt lại mật khẩu quá nhiều lần.") + " " + _retry_message(retry))
            return self.render_to_response(self.get_context_data(form=form), status=429)
        security_log.info("password reset requested: ip=%s", address)
        return super().form_valid(form)


password_reset = public(limit_public_posts("password-reset")(PasswordResetView.as_view()))
password_reset_done = public(auth_views.PasswordResetDoneView.as_view(
    template_name="accounts/password_reset_done.html"))
password_reset_confirm = public(limit_public_posts("password-reset-confirm")(auth_views.PasswordResetConfirmView.as_view(
    form_class=forms.HtxSetPasswordForm, template_name="accounts/password_reset_confirm.html",
    success_url=reverse_lazy("accounts:password_reset_complete"))))
password_reset_complete = public(auth_views.PasswordResetCompleteView.as_view(
    template_name="accounts/password_reset_complete.html"))


# --- user management (administrators; leaders read their agency) --------------------------


@requires(LEADER_OR_ADMIN)
def user_list(request):
    filters = forms.UserFilterForm(request.GET or None)
    if request.user.role != "admin":
        filters.fields["agency"].queryset = filters.fields["agency"].queryset.filter(pk=request.user.agency_id)
    data = filters.cleaned_data if filters.is_valid() else {}
    users = queries.search_users(request.user, q=data.get("q", ""), role=data.get("role", ""),
                                 agency=data.get("agency"), active=data.get("active", ""))
    page = Paginator(users, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "accounts/user_list.html", {
        "filters": filters, "page": page, "query": query.urlencode(), "can_edit": request.user.role == "admin",
    })


@requires(ADMIN)
@sensitive_post_parameters("password1", "password2")
def user_create(request):
    status = 200
    if request.method == "POST":
        form = forms.UserForm(request.POST, creating=True)
        if form.is_valid():
            data = form.cleaned_data
            try:
                user = services.create_user(
                    actor=request.user, username=data["username"], password=data["password1"], role=data["role"],
                    agency=data.get("agency"), full_name=data["full_name"], email=data.get("email", ""),
                    phone=data.get("phone", ""), job_title=data.get("job_title", ""))
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Đã tạo tài khoản “%(username)s”.") % {"username": user.username})
                return redirect("accounts:user_list")
        status = 400
    else:
        form = forms.UserForm(creating=True, initial={"role": "officer"})
    return render(request, "accounts/user_form.html", {"form": form, "creating": True}, status=status)


@requires(ADMIN)
def user_edit(request, pk: int):
    target = queries.user_for_admin(request.user, pk)
    status = 200
    if request.method == "POST":
        form = forms.UserForm(request.POST, instance=target, creating=False)
        if form.is_valid():
            fields = {name: form.cleaned_data.get(name) for name in services.EDITABLE_BY_ADMIN}
            fields = {k: ("" if v is None and k != "agency" else v) for k, v in fields.items()}
            try:
                services.update_user(user=target, actor=request.user, **fields)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Đã lưu tài khoản “%(username)s”.") % {"username": target.username})
                return redirect("accounts:user_list")
        status = 400
    else:
        form = forms.UserForm(instance=target, creating=False)
    return _render_user_edit(request, target, form, status=status)


def _render_user_edit(request, target, form, *, status=200, key_form=None):
    """The administrator's page of one user: their details (`form`), and their API keys, each active
    key with its rate-limit form (`key_form`, bound with the errors, for the key it was posted for)."""
    keys = []
    for key in ApiKey.objects.filter(user=target).order_by("-created_at", "-pk")[:20]:
        if key.revoked_at is not None:
            keys.append((key, None))
        elif key_form is not None and key_form.prefix == f"key-{key.pk}":
            keys.append((key, key_form))
        else:
            keys.append((key, forms.ApiKeyRateLimitForm(key=key)))
    context = {"form": form, "creating": False, "target": target,
               "has_two_factor": services.has_confirmed_device(target), "api_keys": keys}
    return render(request, "accounts/user_form.html", context, status=status)


@requires(ADMIN)
@require_POST
def api_key_rate_limit(request, pk: int, key_pk: int):
    """An administrator sets one active key's own rate limit (blank: the site's; 0: none)."""
    target = queries.user_for_admin(request.user, pk)
    key = get_object_or_404(ApiKey, pk=key_pk, user=target, revoked_at__isnull=True)
    key_form = forms.ApiKeyRateLimitForm(request.POST, key=key)
    if key_form.is_valid():
        try:
            apikeys.set_rate_limit(key, key_form.cleaned_data["rate_limit"], by=request.user)
        except ValidationError as exc:
            key_form.add_error("rate_limit", exc.message_dict.get("rate_limit", exc.messages))
        else:
            messages.success(request, _("Đã lưu giới hạn yêu cầu của khóa htx_%(prefix)s_….") % {"prefix": key.prefix})
            return HttpResponseRedirect(reverse("accounts:user_edit", args=[target.pk]) + "#api-keys")
    return _render_user_edit(request, target, forms.UserForm(instance=target, creating=False), status=400,
                             key_form=key_form)


@requires(ADMIN)
@require_POST
def user_set_active(request, pk: int, active: bool):
    target = queries.user_for_admin(request.user, pk)
    try:
        services.set_user_active(user=target, actor=request.user, active=active)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        if active:
            messages.success(request, _("Đã mở khóa tài khoản “%(u)s”.") % {"u": target.username})
        else:
            messages.success(request, _("Đã khóa tài khoản “%(u)s”; người này không đăng nhập được nữa.")
                             % {"u": target.username})
    return HttpResponseRedirect(reverse("accounts:user_edit", args=[target.pk]))


@requires(ADMIN)
@require_POST
def user_reset_two_factor(request, pk: int):
    target = queries.user_for_admin(request.user, pk)
    services.reset_two_factor(user=target, actor=request.user)
    messages.success(request, _("Đã xóa xác thực hai lớp của “%(u)s”; lần đăng nhập tới người này sẽ cài lại.")
                     % {"u": target.username})
    return redirect("accounts:user_edit", pk=target.pk)
