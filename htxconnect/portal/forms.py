"""Editor forms of the portal (agency staff). The body is a plain textarea of HTML: the sanitiser
(portal.sanitize, on save) is what makes it safe."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from htxconnect.registry.models import Organization
from htxconnect.registry.queries import public_organizations
from htxconnect.registry.validators import validate_photo_file

from .models import Article, Showcase


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"


class Styled:
    def style(self):
        for field in self.fields.values():
            kind = getattr(field.widget, "input_type", "")
            field.widget.attrs.setdefault("class", "form-check-input" if kind == "checkbox" else
                                          "form-select" if kind == "select" else "form-control")
        return self


class ArticleForm(Styled, forms.ModelForm):
    # The registry's photo rule (Pillow reads the content: JPEG, PNG or WebP, at most 10 MB), with its message.
    cover = forms.FileField(label=_("Ảnh bìa"), required=False, validators=[validate_photo_file],
                            widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}))
    publish_at = forms.DateTimeField(label=_("Thời điểm xuất bản"), widget=DateTimeInput(format="%Y-%m-%dT%H:%M"),
                                     input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"],
                                     help_text=_("Bài đã xuất bản hiện ra từ thời điểm này (đặt lịch đăng)."))

    class Meta:
        model = Article
        fields = ["title", "slug", "summary", "body", "cover", "cover_alt", "status", "publish_at"]
        widgets = {"summary": forms.Textarea(attrs={"rows": 3}), "body": forms.Textarea(attrs={"rows": 16})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style()


class ShowcaseForm(Styled, forms.ModelForm):
    class Meta:
        model = Showcase
        fields = ["organization", "title", "story", "is_published"]
        widgets = {"story": forms.Textarea(attrs={"rows": 14})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = public_organizations().exclude(kind=Organization.Kind.ENTERPRISE)
        self.style()
