"""Editor forms of the portal (agency staff). The body is a textarea of HTML with a small toolbar
(static/portal/editor.js: headings, bold, lists, links, and pictures uploaded through
portal:image_upload); the sanitiser (portal.sanitize, on save) is what makes it safe. Images are
re-encoded without metadata (portal.images)."""

from __future__ import annotations

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from htxconnect.registry.models import Organization
from htxconnect.registry.queries import public_organizations
from .images import clean_image
from .models import Article, Showcase

# What editor.js reads from the body's textarea: where to send pictures.
EDITOR_ATTRS = {"data-editor": "html", "data-upload-url": reverse_lazy("portal:image_upload")}


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
    # Checked by content and re-encoded without metadata in clean_cover (portal.images).
    cover = forms.FileField(label=_("Ảnh bìa"), required=False,
                            help_text=_("JPEG, PNG hoặc WebP, tối đa 8 MB; thông tin EXIF (vị trí, máy ảnh) được xóa."),
                            widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}))
    publish_at = forms.DateTimeField(label=_("Thời điểm xuất bản"), widget=DateTimeInput(format="%Y-%m-%dT%H:%M"),
                                     input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"],
                                     help_text=_("Bài đã xuất bản hiện ra từ thời điểm này (đặt lịch đăng)."))

    class Meta:
        model = Article
        fields = ["title", "slug", "summary", "body", "cover", "cover_alt", "status", "publish_at"]
        widgets = {"summary": forms.Textarea(attrs={"rows": 3}),
                   "body": forms.Textarea(attrs={"rows": 16, **EDITOR_ATTRS})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style()

    def clean_cover(self):
        cover = self.cleaned_data.get("cover")
        if not cover or getattr(cover, "_committed", False):
            return cover  # nothing new, cleared (False), or the stored one kept
        return clean_image(cover, field=_("Ảnh bìa"))


class ShowcaseForm(Styled, forms.ModelForm):
    class Meta:
        model = Showcase
        fields = ["organization", "title", "story", "is_published"]
        widgets = {"story": forms.Textarea(attrs={"rows": 14, **EDITOR_ATTRS})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = public_organizations().exclude(kind=Organization.Kind.ENTERPRISE)
        self.style()
