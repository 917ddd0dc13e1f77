"""Forms of the program pages. They only parse input; the rules live in models and services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from htxconnect.registry.forms import BootstrapMixin, apply_service_errors  # noqa: F401 - re-exported
from htxconnect.registry.validators import validate_document_file

from . import queries, workflow
from .models import ContentGroup, SupportKind

DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


class MoneyField(forms.IntegerField):
    """Whole đồng; accepts "2.500.000" or "2500000" (dots and spaces as thousands separators).
    A text box (not type=number, which refuses the dots people write)."""

    widget = forms.TextInput

    def to_python(self, value):
        if isinstance(value, str):
            value = value.replace(".", "").replace(" ", "").replace("đ", "").strip()
        return super().to_python(value)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.update({"inputmode": "numeric"})
        return attrs


class StyledForm(BootstrapMixin, forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class SupportForm(StyledForm):
    organization = forms.ModelChoiceField(label=_("Đơn vị được hỗ trợ"), queryset=None)
    program = forms.ModelChoiceField(label=_("Chương trình"), queryset=None, required=False)
    group = forms.ModelChoiceField(label=_("Nhóm nội dung"), queryset=None, required=False)
    kind = forms.ChoiceField(label=_("Loại hỗ trợ"), choices=SupportKind.choices)
    title = forms.CharField(label=_("Nội dung"), max_length=400)
    given_on = forms.DateField(label=_("Ngày hỗ trợ"), widget=DATE)
    amount_state = MoneyField(label=_("Ngân sách nhà nước (đồng)"), min_value=0, initial=0)
    amount_counterpart = MoneyField(label=_("Đối ứng (đồng)"), min_value=0, initial=0)
    participants = forms.IntegerField(label=_("Số lượt người (tập huấn)"), min_value=0, required=False)
    document = forms.FileField(label=_("Tài liệu"), required=False, validators=[validate_document_file])
    note = forms.CharField(label=_("Ghi chú"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = queries.applicable_organizations(user).order_by("name")
        programs = queries.scope_programs(user)
        self.fields["program"].queryset = programs
        self.fields["group"].queryset = group_choices(user)
        self.fields["group"].label_from_instance = _group_label

    def clean(self):
        data = super().clean()
        group, program = data.get("group"), data.get("program")
        if group and program and group.program_id != program.pk:
            self.add_error("group", _("Nhóm nội dung “%(g)s” không thuộc chương trình đã chọn.") % {"g": group})
        return data


class ApplicationForm(StyledForm):
    organization = forms.ModelChoiceField(label=_("HTX đề nghị"), queryset=None)
    title = forms.CharField(label=_("Tên dự án / nội dung đề nghị"), max_length=500)
    description = forms.CharField(label=_("Thuyết minh"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    amount_requested = MoneyField(label=_("Số tiền đề nghị hỗ trợ (đồng)"), min_value=1)
    total_cost = MoneyField(label=_("Tổng chi phí (đồng)"), min_value=1, required=False)

    def __init__(self, *args, user, item, **kwargs):
        super().__init__(*args, **kwargs)
        self.item = item
        orgs = queries.applicable_organizations(user).order_by("name")
        self.fields["organization"].queryset = orgs
        only = list(orgs[:2])
        if len(only) == 1:  # a cooperative manager with one cooperative: nothing to choose
            self.fields["organization"].initial = only[0].pk
        for index, name in enumerate(item.required_documents):
            self.fields[f"doc_{index}"] = forms.FileField(label=name, required=False,
                                                          validators=[validate_document_file],
                                                          help_text=_("Giấy tờ bắt buộc khi nộp hồ sơ."))
        self._style()

    def documents(self) -> dict:
        return {name: self.cleaned_data.get(f"doc_{i}") for i, name in enumerate(self.item.required_documents)}


class TransitionForm(StyledForm):
    action = forms.ChoiceField(choices=[(a, t.label) for a, t in workflow.TRANSITIONS.items()],
                               widget=forms.HiddenInput)
    comment = forms.CharField(label=_("Ý kiến"), required=False, max_length=4000,
                              widget=forms.Textarea(attrs={"rows": 2}))
    group = forms.ModelChoiceField(label=_("Ghi khoản hỗ trợ vào nhóm nội dung"), queryset=None, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = group_choices(user)
        self.fields["group"].label_from_instance = _group_label


def _group_label(group) -> str:
    return f"{group.program.start_year}–{group.program.end_year} · {group}"


def group_choices(user):
    return (ContentGroup.objects.filter(program__in=queries.scope_programs(user).values("pk"))
            .select_related("program").order_by("-program__start_year", "program_id", "number"))


class DocumentForm(StyledForm):
    name = forms.CharField(label=_("Tên giấy tờ"), max_length=200)
    file = forms.FileField(label=_("Tệp"), validators=[validate_document_file])


class RepaymentForm(StyledForm):
    on = forms.DateField(label=_("Ngày trả"), widget=DATE)
    amount = MoneyField(label=_("Số tiền (đồng)"), min_value=1)
    note = forms.CharField(label=_("Ghi chú"), required=False, max_length=300)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Tệp Excel (.xlsx)"), allow_empty_file=True,
                           widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ".xlsx"}))


class EligibilityForm(StyledForm):
    organization = forms.ModelChoiceField(label=_("Kiểm tra điều kiện cho"), queryset=None)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = queries.applicable_organizations(user).order_by("name")

