"""Forms of the certificate, feedback and contest pages (the public survey is bilingual)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .forms import Styled
from .models_followup import CertificatePolicy, Contest

RATING_CHOICES = [(i, str(i)) for i in range(1, 6)]


def rating_widget():
    """Bootstrap toggle buttons 1–5 (a fresh widget per field)."""
    return forms.RadioSelect(attrs={"class": "btn-check", "autocomplete": "off"})


class PolicyForm(Styled, forms.ModelForm):
    class Meta:
        model = CertificatePolicy
        fields = ["min_sessions", "superior_agency", "issuer_name", "place", "signer_title", "signer_name"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style()


class RevokeForm(Styled, forms.Form):
    reason = forms.CharField(label=_("Lý do thu hồi"), max_length=500)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style()


class FeedbackForm(forms.Form):
    content = forms.TypedChoiceField(label="Nội dung / Content", choices=RATING_CHOICES, coerce=int,
                                     widget=rating_widget())
    trainer = forms.TypedChoiceField(label="Giảng viên / Trainer", choices=RATING_CHOICES, coerce=int,
                                     widget=rating_widget())
    organisation = forms.TypedChoiceField(label="Công tác tổ chức / Organisation", choices=RATING_CHOICES,
                                          coerce=int, widget=rating_widget())
    comments = forms.CharField(label="Góp ý / Comments", required=False, max_length=2000,
                               widget=forms.Textarea(attrs={"rows": 4, "class": "form-control"}))


class CriteriaForm(Styled, forms.Form):
    track = forms.ChoiceField(label=_("Lĩnh vực"), choices=Contest.Track.choices)
    criteria = forms.CharField(
        label=_("Tiêu chí và trọng số"), widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Mỗi dòng một tiêu chí: tên | trọng số (%). Tổng trọng số phải bằng 100."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style()

    def clean_criteria(self):
        rows = []
        for number, line in enumerate(self.cleaned_data["criteria"].splitlines(), start=1):
            if not line.strip():
                continue
            name, sep, weight = line.rpartition("|")
            if not sep:
                raise forms.ValidationError(_("Dòng %(n)s: viết “tên | trọng số”.") % {"n": number})
            try:
                rows.append((name.strip(), int(weight.strip().rstrip("%"))))
            except ValueError:
                raise forms.ValidationError(_("Dòng %(n)s: trọng số “%(w)s” không phải số nguyên.") % {
                    "n": number, "w": weight.strip()}) from None
        return rows


class JudgeForm(Styled, forms.Form):
    username = forms.CharField(label=_("Tên đăng nhập của giám khảo"), max_length=150)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style()


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class SubmissionForm(Styled, forms.Form):
    organization = forms.ModelChoiceField(label=_("HTX dự thi"), queryset=None)
    title = forms.CharField(label=_("Tên giải pháp / dự án"), max_length=300)
    summary = forms.CharField(label=_("Tóm tắt"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5}))
    files = MultipleFileField(label=_("Hồ sơ (PDF, JPEG, PNG; tối đa 5 tệp, mỗi tệp ≤ 10 MB)"), required=False)

    def __init__(self, *args, organizations=(), **kwargs):
        super().__init__(*args, **kwargs)
        from htxconnect.registry.models import Organization

        self.fields["organization"].queryset = Organization.objects.filter(pk__in=[o.pk for o in organizations])
        self.style()
