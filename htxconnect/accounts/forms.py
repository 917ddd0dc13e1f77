"""Forms of the accounts pages; every message names the field and the rule, in Vietnamese."""

from __future__ import annotations

import re

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import PasswordChangeForm, PasswordResetForm, SetPasswordForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from htxconnect.core.roles import Role

from . import services
from .apikeys import MAX_RATE_LIMIT
from .models import Agency, User

PHONE_PATTERN = re.compile(r"^(\+84|0)\d{9,10}$")


# Django's validators speak English in some locales; people here read Vietnamese.
PASSWORD_MESSAGES = {
    "password_too_short": _("Mật khẩu quá ngắn: cần ít nhất %(min_length)d ký tự."),
    "password_too_similar": _("Mật khẩu quá giống thông tin cá nhân (tên đăng nhập, họ tên hoặc e-mail)."),
    "password_too_common": _("Mật khẩu này quá phổ biến, dễ bị đoán; hãy chọn mật khẩu khác."),
    "password_entirely_numeric": _("Mật khẩu không được chỉ gồm chữ số."),
}
PASSWORD_HELP = _("Ít nhất 10 ký tự; không chỉ gồm chữ số; không quá giống tên đăng nhập, họ tên hay e-mail; "
                  "không phải mật khẩu phổ biến.")


def vietnamese_password_errors(form, field_names) -> None:
    """Replace the password validators' messages on `field_names` by their Vietnamese wording."""
    from django.forms.utils import ErrorList

    for name in field_names:
        errors = form._errors.get(name)
        if not errors:
            continue
        translated = []
        for error in errors.as_data():
            if error.code in PASSWORD_MESSAGES:
                params = error.params if isinstance(error.params, dict) else {}
                error = ValidationError(PASSWORD_MESSAGES[error.code], code=error.code, params=params)
            translated.append(error)
        form._errors[name] = ErrorList(translated, field_id=errors.field_id, renderer=errors.renderer)


class BootstrapMixin:
    """Adds Bootstrap 5 classes (and is-invalid on fields with errors) to every widget."""

    def _style(self):
        for name, field in self.fields.items():
            widget = field.widget
            css = "form-select" if isinstance(widget, forms.Select) else (
                "form-check-input" if isinstance(widget, forms.CheckboxInput) else "form-control")
            if self.is_bound and name in self.errors:
                css += " is-invalid"
            widget.attrs["class"] = css

    def full_clean(self):
        super().full_clean()
        self._style()

    def add_error(self, field, error):
        super().add_error(field, error)
        if hasattr(self, "cleaned_data"):
            self._style()


def clean_phone(value: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    compact = re.sub(r"[\s.\-()]", "", value)
    if not PHONE_PATTERN.match(compact):
        raise ValidationError(
            _("Số điện thoại “%(value)s” không hợp lệ: cần 10–11 chữ số, bắt đầu bằng 0 hoặc +84."),
            params={"value": value}, code="phone")
    return compact


class LoginForm(BootstrapMixin, forms.Form):
    username = forms.CharField(label=_("Tên đăng nhập"), max_length=150,
                               widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True,
                                                             "autocapitalize": "none"}))
    password = forms.CharField(label=_("Mật khẩu"), max_length=4096, strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))

    # Asked only while the account is locked by failures from elsewhere (see views.login_view).
    code = forms.CharField(
        label=_("Mã xác thực hai lớp"), max_length=32, required=False,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autocapitalize": "none",
                                      "spellcheck": "false"}),
        help_text=_("6 chữ số trong ứng dụng xác thực, hoặc một mã dự phòng."),
    )

    error_messages = {"invalid_login": _("Tên đăng nhập hoặc mật khẩu không đúng.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].error_messages["required"] = _("Vui lòng nhập tên đăng nhập.")
        self.fields["password"].error_messages["required"] = _("Vui lòng nhập mật khẩu.")
        self._style()


class OTPCodeForm(BootstrapMixin, forms.Form):
    code = forms.CharField(
        label=_("Mã xác thực"), max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True,
                                      "autocapitalize": "none", "spellcheck": "false"}),
        help_text=_("6 chữ số trong ứng dụng xác thực, hoặc một mã dự phòng."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].error_messages["required"] = _("Vui lòng nhập mã xác thực.")
        self._style()


class OTPSetupForm(OTPCodeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].help_text = _("Nhập mã 6 chữ số mà ứng dụng đang hiển thị để xác nhận.")
        self.fields["code"].widget.attrs["inputmode"] = "numeric"


class ProfileForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = User
        fields = ["full_name", "job_title", "email", "phone"]
        labels = {"full_name": _("Họ và tên"), "job_title": _("Chức vụ"), "email": _("E-mail"),
                  "phone": _("Số điện thoại")}
        widgets = {"email": forms.EmailInput(attrs={"autocomplete": "email"}),
                   "phone": forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["full_name"].required = True
        self.fields["full_name"].error_messages["required"] = _("Vui lòng nhập họ và tên.")
        self.fields["email"].error_messages["invalid"] = _("E-mail không hợp lệ (ví dụ: ten@coquan.gov.vn).")
        self._style()

    def clean_phone(self):
        return clean_phone(self.cleaned_data.get("phone"))

    def _post_clean(self):
        # The service validates the model; the form only checks what a person typed.
        pass


class UserForm(BootstrapMixin, forms.ModelForm):
    """Administrator's create/edit form. Role and agency are checked together (model constraint)."""

    password1 = forms.CharField(label=_("Mật khẩu ban đầu"), strip=False, required=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(label=_("Nhập lại mật khẩu"), strip=False, required=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    class Meta:
        model = User
        fields = ["username", "full_name", "job_title", "email", "phone", "role", "agency"]
        labels = {"username": _("Tên đăng nhập"), "full_name": _("Họ và tên"), "job_title": _("Chức vụ"),
                  "email": _("E-mail"), "phone": _("Số điện thoại"), "role": _("Vai trò"), "agency": _("Cơ quan")}
        help_texts = {"username": _("Chữ, số và các ký tự @ . + - _ ; tối đa 150 ký tự."),
                      "agency": _("Bắt buộc với cán bộ và lãnh đạo cơ quan.")}

    def __init__(self, *args, creating: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.creating = creating
        self.fields["agency"].queryset = Agency.objects.order_by("province_name", "name")
        self.fields["agency"].empty_label = _("— Không thuộc cơ quan —")
        self.fields["full_name"].required = True
        self.fields["full_name"].error_messages["required"] = _("Vui lòng nhập họ và tên.")
        self.fields["username"].error_messages["required"] = _("Vui lòng nhập tên đăng nhập.")
        self.fields["email"].error_messages["invalid"] = _("E-mail không hợp lệ (ví dụ: ten@coquan.gov.vn).")
        if creating:
            self.fields["password1"].required = True
            self.fields["password2"].required = True
            self.fields["password1"].help_text = PASSWORD_HELP
            self.fields["password1"].error_messages["required"] = _("Vui lòng đặt mật khẩu ban đầu.")
            self.fields["password2"].error_messages["required"] = _("Vui lòng nhập lại mật khẩu.")
        else:
            del self.fields["password1"], self.fields["password2"]
            self.fields["username"].disabled = True
        self._style()

    def clean_username(self):
        username = self.cleaned_data["username"]
        if self.creating and User.objects.filter(username__iexact=username).exists():
            raise ValidationError(_("Tên đăng nhập “%(username)s” đã có người dùng."), params={"username": username})
        return username

    def clean_phone(self):
        return clean_phone(self.cleaned_data.get("phone"))

    def clean(self):
        data = super().clean()
        role, agency = data.get("role"), data.get("agency")
        if role:
            try:
                services.check_role_agency(role, agency)
            except ValidationError as exc:
                self.add_error(None, exc)
        if self.creating:
            p1, p2 = data.get("password1"), data.get("password2")
            if p1 and p2 and p1 != p2:
                self.add_error("password2", _("Hai mật khẩu không khớp nhau."))
            elif p1:
                probe = User(username=data.get("username", ""), email=data.get("email", ""),
                             full_name=data.get("full_name", ""))
                try:
                    password_validation.validate_password(p1, probe)
                except ValidationError as exc:
                    self.add_error("password1", exc)
        return data

    def _post_clean(self):
        # Model validation (including the role/agency constraint) runs in the service.
        vietnamese_password_errors(self, ("password1", "password2"))


class ApiKeyRateLimitForm(BootstrapMixin, forms.Form):
    """An administrator gives one API key its own rate limit (apikeys.set_rate_limit). Each key's
    form on the user page has the key's own prefix (`key-<pk>`), so fields and ids do not clash."""

    rate_limit = forms.IntegerField(
        required=False, min_value=0, max_value=MAX_RATE_LIMIT,
        error_messages={
            "invalid": _("Giới hạn yêu cầu phải là một số nguyên (ví dụ 5000), hoặc để trống để theo mức chung."),
            "min_value": _("Giới hạn yêu cầu không được âm; nhập 0 để không giới hạn khóa này."),
            "max_value": _("Giới hạn yêu cầu tối đa là %(limit_value)s."),
        },
    )

    def __init__(self, *args, key=None, **kwargs):
        from django.conf import settings

        if key is not None:
            kwargs.setdefault("prefix", f"key-{key.pk}")
            kwargs.setdefault("initial", {"rate_limit": key.rate_limit})
        super().__init__(*args, **kwargs)
        window, default = settings.API_KEY_RATE_WINDOW, settings.API_KEY_RATE_LIMIT
        field = self.fields["rate_limit"]
        field.label = _("Giới hạn yêu cầu mỗi %(window)s giây") % {"window": window}
        field.help_text = (_("Để trống: theo mức chung của hệ thống (%(default)s yêu cầu mỗi %(window)s giây). "
                             "0: không giới hạn khóa này.") % {"default": default, "window": window}
                           if default > 0 else
                           _("Để trống: theo mức chung của hệ thống (hiện không giới hạn). "
                             "0: không giới hạn khóa này."))
        field.widget.attrs["inputmode"] = "numeric"
        self._style()


class UserFilterForm(forms.Form):
    q = forms.CharField(label=_("Tìm"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={"class": "form-control", "type": "search",
                                                      "placeholder": _("Tên, tên đăng nhập, e-mail…")}))
    role = forms.ChoiceField(label=_("Vai trò"), required=False,
                             choices=[("", _("Mọi vai trò"))] + list(Role.choices),
                             widget=forms.Select(attrs={"class": "form-select"}))
    agency = forms.ModelChoiceField(label=_("Cơ quan"), required=False, queryset=Agency.objects.all(),
                                    empty_label=_("Mọi cơ quan"), widget=forms.Select(attrs={"class": "form-select"}))
    active = forms.ChoiceField(label=_("Trạng thái"), required=False,
                               choices=[("", _("Mọi trạng thái")), ("1", _("Đang hoạt động")), ("0", _("Đã khóa"))],
                               widget=forms.Select(attrs={"class": "form-select"}))


# --- Django's password forms, in Vietnamese and routed through services ---------------------


class VietnamesePasswordMixin:
    def _post_clean(self):
        super()._post_clean()
        vietnamese_password_errors(self, ("new_password1", "new_password2"))

    def _vietnamese(self):
        messages = {"password_mismatch": _("Hai mật khẩu mới không khớp nhau."),
                    "password_incorrect": _("Mật khẩu hiện tại không đúng. Vui lòng nhập lại.")}
        self.error_messages = {**self.error_messages, **messages}
        for field in self.fields.values():
            field.error_messages["required"] = _("Vui lòng nhập ô này.")


class HtxSetPasswordForm(VietnamesePasswordMixin, BootstrapMixin, SetPasswordForm):
    reason = "reset"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = _("Mật khẩu mới")
        self.fields["new_password2"].label = _("Nhập lại mật khẩu mới")
        self.fields["new_password1"].help_text = PASSWORD_HELP
        self.fields["new_password2"].help_text = ""
        self._vietnamese()
        self._style()

    def save(self, commit=True):
        from . import throttle

        user = services.set_password(user=self.user, password=self.cleaned_data["new_password1"], reason=self.reason)
        # Whoever proved they own the mailbox should not stay locked out by someone else's guesses.
        throttle.clear_username(user.get_username())
        return user


class HtxPasswordChangeForm(VietnamesePasswordMixin, BootstrapMixin, PasswordChangeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = _("Mật khẩu hiện tại")
        self.fields["new_password1"].label = _("Mật khẩu mới")
        self.fields["new_password2"].label = _("Nhập lại mật khẩu mới")
        self.fields["new_password1"].help_text = PASSWORD_HELP
        self.fields["new_password2"].help_text = ""
        self._vietnamese()
        self._style()

    def save(self, commit=True):
        return services.set_password(user=self.user, password=self.cleaned_data["new_password1"], reason="changed")


class HtxPasswordResetForm(BootstrapMixin, PasswordResetForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].label = _("E-mail của tài khoản")
        self.fields["email"].error_messages["required"] = _("Vui lòng nhập e-mail.")
        self.fields["email"].error_messages["invalid"] = _("E-mail không hợp lệ (ví dụ: ten@coquan.gov.vn).")
        self._style()

    def save(self, **kwargs):
        # Links in mail use the configured public address, not whatever Host the request carried.
        from urllib.parse import urlsplit

        from django.conf import settings

        if settings.SITE_URL:
            site = urlsplit(settings.SITE_URL)
            kwargs["domain_override"] = site.netloc
            kwargs["use_https"] = site.scheme == "https"
        return super().save(**kwargs)
