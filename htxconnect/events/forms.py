"""Forms of the events pages. The public registration form is bilingual (Vietnamese / English)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from htxconnect.core import adminunits
from htxconnect.programs.models import ContentGroup, Program

from .models import Event, EventKind, Meeting


class Styled:
    """Bootstrap classes on every widget (the pages render fields one by one)."""

    def style(self):
        for field in self.fields.values():
            widget = field.widget
            kind = getattr(widget, "input_type", "")
            css = ("form-check-input" if kind == "checkbox" else "form-select" if kind == "select"
                   else "form-control")
            widget.attrs.setdefault("class", css)
        return self


class DateInput(forms.DateInput):
    input_type = "date"


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"


class EventForm(Styled, forms.ModelForm):
    online_url = forms.URLField(label=_("Đường dẫn trực tuyến"), required=False, assume_scheme="https")

    class Meta:
        model = Event
        fields = ["kind", "title", "description", "program", "group", "starts_on", "ends_on", "province_code",
                  "ward_code", "venue", "online_url", "capacity", "audience", "registration_opens_at",
                  "registration_closes_at", "note"]
        widgets = {"starts_on": DateInput(), "ends_on": DateInput(), "description": forms.Textarea(attrs={"rows": 4}),
                   "note": forms.Textarea(attrs={"rows": 2}),
                   "registration_opens_at": DateTimeInput(), "registration_closes_at": DateTimeInput()}

    def __init__(self, *args, programs=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = programs if programs is not None else Program.objects.none()
        self.fields["group"].queryset = ContentGroup.objects.filter(program__in=self.fields["program"].queryset)
        self.fields["province_code"] = forms.ChoiceField(
            label=_("Tỉnh/thành phố"), required=False,
            choices=[("", "—")] + [(p.code, p.name) for p in adminunits.provinces()])
        self.fields["ward_code"].help_text = _("Mã xã/phường hiện hành (sau 01/7/2025), ví dụ 25813.")
        for name in ("registration_opens_at", "registration_closes_at"):
            self.fields[name].input_formats = ["%Y-%m-%dT%H:%M"]
        self.style()


class RegistrationForm(Styled, forms.Form):
    full_name = forms.CharField(label=_("Họ và tên / Full name"), max_length=150)
    phone = forms.CharField(label=_("Điện thoại / Phone"), max_length=30, required=False)
    email = forms.EmailField(label=_("Thư điện tử / E-mail"), required=False,
                             help_text=_("Vé được gửi đến địa chỉ này. Your ticket is sent here."))
    organization_name = forms.CharField(label=_("Đơn vị (HTX, doanh nghiệp) / Organisation"), max_length=300,
                                        required=False)
    consent = forms.BooleanField(label=_("Tôi đồng ý để ban tổ chức dùng họ tên, điện thoại, thư điện tử của tôi "
                                         "cho việc đăng ký, điểm danh và thống kê tham dự sự kiện này. / I agree to "
                                         "my name, phone and e-mail being used to register, check in and count "
                                         "attendance at this event."), required=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style()

    def clean(self):
        data = super().clean()
        if not (data.get("phone") or data.get("email")):
            raise forms.ValidationError(_("Nhập số điện thoại hoặc thư điện tử. Enter a phone number or an e-mail."))
        return data


class MembersForm(Styled, forms.Form):
    organization = forms.ModelChoiceField(label=_("Hợp tác xã"), queryset=None)
    members = forms.CharField(
        label=_("Thành viên (mỗi dòng một người: Họ và tên; điện thoại; thư điện tử)"),
        widget=forms.Textarea(attrs={"rows": 6, "placeholder": "Nguyễn Văn An; 0912 345 678; an@example.vn"}))
    consent = forms.BooleanField(label=_("Các thành viên trên đã đồng ý cho ban tổ chức dùng họ tên, điện thoại, thư "
                                         "điện tử để đăng ký, điểm danh và thống kê tham dự."))

    def __init__(self, *args, organizations=(), **kwargs):
        super().__init__(*args, **kwargs)
        from htxconnect.registry.models import Organization

        self.fields["organization"].queryset = Organization.objects.filter(pk__in=[o.pk for o in organizations])
        if len(organizations) == 1:
            self.fields["organization"].initial = organizations[0].pk
        self.style()

    def clean_members(self):
        people = []
        for number, line in enumerate(self.cleaned_data["members"].splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.replace("\t", ";").split(";")] + ["", ""]
            if not parts[0]:
                raise forms.ValidationError(_("Dòng %(n)s: thiếu họ và tên.") % {"n": number})
            people.append((parts[0], parts[1], parts[2]))
        if not people:
            raise forms.ValidationError(_("Nhập ít nhất một thành viên."))
        return people


class ImportForm(Styled, forms.Form):
    file = forms.FileField(label=_("Tệp Excel (.xlsx): cột Họ và tên, Điện thoại, Thư điện tử, Đơn vị"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style()


class SessionForm(Styled, forms.Form):
    starts_at = forms.DateTimeField(label=_("Bắt đầu"), widget=DateTimeInput(), input_formats=["%Y-%m-%dT%H:%M"])
    ends_at = forms.DateTimeField(label=_("Kết thúc"), widget=DateTimeInput(), input_formats=["%Y-%m-%dT%H:%M"])
    title = forms.CharField(label=_("Nội dung buổi"), max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style()


class CancelForm(Styled, forms.Form):
    cancel_reason = forms.CharField(label=_("Lý do hủy (gửi cho người đã đăng ký)"), max_length=500)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style()


class MaterialForm(Styled, forms.Form):
    title = forms.CharField(label=_("Tên tài liệu"), max_length=300)
    file = forms.FileField(label=_("Tệp (PDF, Word, Excel, ảnh)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style()


class MeetingForm(Styled, forms.ModelForm):
    class Meta:
        model = Meeting
        fields = ["cooperative", "buyer", "buyer_name", "products", "outcome", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from htxconnect.registry.models import Organization

        self.fields["cooperative"].queryset = Organization.objects.filter(
            kind__in=["cooperative", "cooperative_group", "cooperative_union"]).order_by("name")
        self.fields["buyer"].queryset = Organization.objects.filter(kind="enterprise").order_by("name")
        self.style()


KIND_CHOICES = [("", _("Mọi loại"))] + list(EventKind.choices)
