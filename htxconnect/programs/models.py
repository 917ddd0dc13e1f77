"""Programs: policies and their eligibility rules, coordination programs with content groups,
annual plans and targets, supports delivered, support applications, loans and S&T tasks.

Program data belongs to an agency (the tenant); every write goes through services.py.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from htxconnect.registry.models import Organization

from .eligibility import check_params
from htxconnect.registry.validators import validate_document_file


class SupportKind(models.TextChoices):
    """What a support consists of (the list the articles and Decision 1804/QĐ-TTg use)."""

    ISO = "iso", _("Hệ thống quản lý chất lượng ISO")
    VIETGAP = "vietgap", _("Chứng nhận VietGAP")
    BARCODE = "barcode", _("Mã số mã vạch, mã QR")
    TRADEMARK_GUIDANCE = "trademark_guidance", _("Hướng dẫn đăng ký nhãn hiệu")
    COLLECTIVE_MARK_FEE = "collective_mark_fee", _("Chi phí đăng ký nhãn hiệu tập thể")
    CERTIFICATION_MARK_USE = "certification_mark_use", _("Trao quyền sử dụng nhãn hiệu chứng nhận")
    TECHNOLOGY_TRANSFER = "technology_transfer", _("Ứng dụng, chuyển giao công nghệ")
    SOLAR_POWER = "solar_power", _("Điện năng lượng mặt trời")
    TRAINING = "training", _("Tập huấn")
    SUPPLY_DEMAND = "supply_demand", _("Kết nối cung cầu")
    ECOMMERCE = "ecommerce", _("Thương mại điện tử")
    CONSULTING = "consulting", _("Tư vấn, hướng dẫn")
    OTHER = "other", _("Khác")


# --- Policies ---------------------------------------------------------------------------------


class Policy(models.Model):
    """A legal basis for support (decree, decision) as an agency administers it on the platform."""

    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="policies",
                               verbose_name=_("cơ quan quản lý"))
    number = models.CharField(_("số hiệu văn bản"), max_length=60)
    title = models.CharField(_("trích yếu"), max_length=500)
    issuer = models.CharField(_("cơ quan ban hành"), max_length=200)
    issued_on = models.DateField(_("ngày ban hành"))
    document = models.FileField(_("tệp văn bản"), upload_to="programs/policies/%Y/", blank=True,
                                validators=[validate_document_file])
    summary = models.TextField(_("tóm tắt"), blank=True)
    is_active = models.BooleanField(_("đang áp dụng"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-issued_on", "number"]
        verbose_name = _("chính sách")
        verbose_name_plural = _("chính sách")
        constraints = [models.UniqueConstraint(fields=["agency", "number"], name="programs_policy_number_unique",
                                               violation_error_message=_("Cơ quan đã nhập văn bản số hiệu này."))]

    def __str__(self):
        return f"{self.number} – {self.title}"


class SupportItem(models.Model):
    """One support a policy offers, capped by an amount, a share of the cost, or both."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="items", verbose_name=_("chính sách"))
    code = models.CharField(_("mã nội dung"), max_length=30)
    name = models.CharField(_("nội dung hỗ trợ"), max_length=300)
    kind = models.CharField(_("loại hỗ trợ"), max_length=30, choices=SupportKind.choices, default=SupportKind.OTHER)
    max_amount = models.PositiveBigIntegerField(_("mức hỗ trợ tối đa (đồng)"), null=True, blank=True)
    max_share_percent = models.PositiveSmallIntegerField(_("tỷ lệ hỗ trợ tối đa (%)"), null=True, blank=True)
    # Names of the documents an application under this item must carry.
    required_documents = models.JSONField(_("hồ sơ bắt buộc"), default=list, blank=True)
    review_days = models.PositiveSmallIntegerField(_("thời hạn xem xét (ngày)"), default=15)
    note = models.CharField(_("ghi chú"), max_length=500, blank=True)

    class Meta:
        ordering = ["policy", "code"]
        verbose_name = _("nội dung hỗ trợ")
        verbose_name_plural = _("nội dung hỗ trợ")
        constraints = [
            models.UniqueConstraint(fields=["policy", "code"], name="programs_item_code_unique"),
            models.CheckConstraint(condition=Q(max_share_percent__isnull=True) | Q(max_share_percent__gte=1,
                                                                                     max_share_percent__lte=100),
                                   name="programs_item_share_1_100",
                                   violation_error_message=_("Tỷ lệ hỗ trợ tối đa phải từ 1 đến 100%.")),
        ]

    def __str__(self):
        return f"{self.code}. {self.name}"

    def clean(self):
        docs = self.required_documents
        if not isinstance(docs, list) or any(not isinstance(d, str) or not d.strip() for d in docs):
            raise ValidationError({"required_documents": _("Hồ sơ bắt buộc phải là danh sách tên giấy tờ.")})


class Condition(models.Model):
    """One eligibility rule of a policy over registry data (see eligibility.py for each kind)."""

    class Kind(models.TextChoices):
        ORG_KIND = "org_kind", _("Loại hình tổ chức")
        PROVINCE = "province", _("Địa bàn tỉnh/thành phố")
        WARD = "ward", _("Địa bàn xã/phường")
        YEARS_ACTIVE = "years_active", _("Số năm hoạt động")
        MEMBERS = "members", _("Số thành viên")
        CERTIFICATION = "certification", _("Chứng nhận còn hiệu lực")
        SECTOR = "sector", _("Lĩnh vực")
        NO_PRIOR_SUPPORT = "no_prior_support", _("Chưa được hỗ trợ cùng nội dung")

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="conditions",
                               verbose_name=_("chính sách"))
    kind = models.CharField(_("loại điều kiện"), max_length=30, choices=Kind.choices)
    params = models.JSONField(_("tham số"), default=dict, blank=True)
    label = models.CharField(_("diễn giải"), max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["policy", "order", "id"]
        verbose_name = _("điều kiện")
        verbose_name_plural = _("điều kiện")

    def __str__(self):
        return self.label or str(self.get_kind_display())

    def clean(self):
        check_params(self.kind, self.params)


# --- Programs, plans, targets -------------------------------------------------------------------


class Program(models.Model):
    """A coordination program between agencies over a period of years."""

    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="programs",
                               verbose_name=_("cơ quan chủ trì"))
    partner_agencies = models.ManyToManyField("accounts.Agency", blank=True, related_name="partner_programs",
                                              verbose_name=_("cơ quan phối hợp"))
    # The bodies as named when the program was signed (e.g. "Sở KH&CN tỉnh Bình Dương", before 2025).
    responsible_bodies = models.ManyToManyField(Organization, blank=True, related_name="programs",
                                                verbose_name=_("cơ quan thực hiện (tên khi ký kết)"))
    name = models.CharField(_("tên chương trình"), max_length=400)
    start_year = models.PositiveSmallIntegerField(_("từ năm"))
    end_year = models.PositiveSmallIntegerField(_("đến năm"))
    description = models.TextField(_("mục tiêu, nội dung"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-start_year", "name"]
        verbose_name = _("chương trình")
        verbose_name_plural = _("chương trình")
        constraints = [models.CheckConstraint(condition=Q(end_year__gte=models.F("start_year")),
                                              name="programs_program_period_ordered",
                                              violation_error_message=_("Năm kết thúc phải từ năm bắt đầu trở đi."))]

    def __str__(self):
        return self.name

    @property
    def years(self) -> list[int]:
        return list(range(self.start_year, self.end_year + 1))

    def clean(self):
        if self.start_year and self.end_year and self.end_year < self.start_year:
            raise ValidationError({"end_year": _("Năm kết thúc (%(end)s) phải từ năm bắt đầu (%(start)s) trở đi.")
                                   % {"end": self.end_year, "start": self.start_year}})


class ContentGroup(models.Model):
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="groups",
                                verbose_name=_("chương trình"))
    number = models.PositiveSmallIntegerField(_("số thứ tự"))
    title = models.CharField(_("nhóm nội dung"), max_length=400)
    description = models.TextField(_("mô tả"), blank=True)

    class Meta:
        ordering = ["program", "number"]
        verbose_name = _("nhóm nội dung")
        verbose_name_plural = _("nhóm nội dung")
        constraints = [models.UniqueConstraint(fields=["program", "number"], name="programs_group_number_unique")]

    def __str__(self):
        return f"{self.number}. {self.title}"


class Plan(models.Model):
    """The annual plan of a program: its targets for one year."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="plans",
                                verbose_name=_("chương trình"))
    year = models.PositiveSmallIntegerField(_("năm"))
    note = models.TextField(_("ghi chú"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["program", "year"]
        verbose_name = _("kế hoạch năm")
        verbose_name_plural = _("kế hoạch năm")
        constraints = [models.UniqueConstraint(fields=["program", "year"], name="programs_plan_year_unique",
                                               violation_error_message=_("Chương trình đã có kế hoạch năm này."))]

    def __str__(self):
        return f"{self.program} – {self.year}"

    @property
    def next_year(self) -> int:
        return self.year + 1

    def clean(self):
        if self.program_id and self.year is not None and not (
                self.program.start_year <= self.year <= self.program.end_year):
            raise ValidationError({"year": _("Năm %(year)s nằm ngoài giai đoạn của chương trình (%(start)s–%(end)s).")
                                   % {"year": self.year, "start": self.program.start_year,
                                      "end": self.program.end_year}})


class Target(models.Model):
    """A target of an annual plan; its progress is counted by a named indicator (indicators.py)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="targets", verbose_name=_("kế hoạch"))
    group = models.ForeignKey(ContentGroup, on_delete=models.PROTECT, related_name="targets",
                              verbose_name=_("nhóm nội dung"))
    title = models.CharField(_("chỉ tiêu"), max_length=300)
    indicator = models.CharField(_("chỉ số đo"), max_length=60)
    params = models.JSONField(_("tham số chỉ số"), default=dict, blank=True)
    unit = models.CharField(_("đơn vị tính"), max_length=40)
    value = models.PositiveBigIntegerField(_("giá trị chỉ tiêu"))
    note = models.CharField(_("ghi chú"), max_length=500, blank=True)

    class Meta:
        ordering = ["plan", "group__number", "id"]
        verbose_name = _("chỉ tiêu")
        verbose_name_plural = _("chỉ tiêu")

    def __str__(self):
        return self.title

    def clean(self):
        # Whether the indicator exists and takes these parameters is checked by indicators.check_target,
        # which the services call: the indicator registry reads these models, so they cannot import it.
        if self.plan_id and self.group_id and self.group.program_id != self.plan.program_id:
            raise ValidationError({"group": _("Nhóm nội dung phải thuộc cùng chương trình với kế hoạch.")})


# --- S&T tasks -----------------------------------------------------------------------------------


class ScienceTask(models.Model):
    """An S&T task (nhiệm vụ KH&CN) hosted by an organisation, often with cooperating cooperatives."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Đề xuất")
        APPROVED = "approved", _("Đã phê duyệt")
        CONTRACTED = "contracted", _("Đã ký hợp đồng")
        MIDTERM = "midterm", _("Đã kiểm tra giữa kỳ")
        ACCEPTED = "accepted", _("Đã nghiệm thu")
        EVALUATED = "evaluated", _("Đã đánh giá hiệu quả")

    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="science_tasks",
                               verbose_name=_("cơ quan quản lý"))
    program = models.ForeignKey(Program, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="science_tasks", verbose_name=_("chương trình"))
    title = models.CharField(_("tên nhiệm vụ"), max_length=500)
    host = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="hosted_tasks",
                             verbose_name=_("tổ chức chủ trì"))
    cooperating = models.ManyToManyField(Organization, blank=True, related_name="cooperating_tasks",
                                         verbose_name=_("HTX phối hợp"))
    status = models.CharField(_("tình trạng"), max_length=20, choices=Status.choices, default=Status.PROPOSED)
    budget_state = models.PositiveBigIntegerField(_("kinh phí ngân sách (đồng)"), default=0)
    budget_counterpart = models.PositiveBigIntegerField(_("kinh phí đối ứng (đồng)"), default=0)
    budget_loan = models.PositiveBigIntegerField(_("vốn vay (đồng)"), default=0)
    start_date = models.DateField(_("ngày bắt đầu"), null=True, blank=True)
    end_date = models.DateField(_("ngày kết thúc"), null=True, blank=True)
    results = models.TextField(_("kết quả"), blank=True)
    document = models.FileField(_("tài liệu"), upload_to="programs/tasks/%Y/", blank=True,
                                validators=[validate_document_file])
    note = models.TextField(_("ghi chú"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("nhiệm vụ KH&CN")
        verbose_name_plural = _("nhiệm vụ KH&CN")
        constraints = [models.CheckConstraint(
            condition=Q(end_date__isnull=True) | Q(start_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
            name="programs_task_dates_ordered", violation_error_message=_("Ngày kết thúc phải sau ngày bắt đầu."))]

    def __str__(self):
        return self.title

    @property
    def budget_total(self) -> int:
        return self.budget_state + self.budget_counterpart + self.budget_loan


class ScienceTaskStep(models.Model):
    """One status change of an S&T task, with its comment (the task's timeline)."""

    task = models.ForeignKey(ScienceTask, on_delete=models.CASCADE, related_name="steps")
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, choices=ScienceTask.Status.choices)
    on = models.DateField(_("ngày"))
    comment = models.TextField(_("nội dung"), blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["task", "created_at", "id"]
        verbose_name = _("bước xử lý nhiệm vụ KH&CN")
        verbose_name_plural = _("bước xử lý nhiệm vụ KH&CN")


# --- Applications ---------------------------------------------------------------------------------


class Application(models.Model):
    """A cooperative's application for support under a policy item (states: workflow.py)."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Nháp")
        SUBMITTED = "submitted", _("Đã nộp")
        UNDER_REVIEW = "under_review", _("Đang xem xét")
        INFO_REQUESTED = "info_requested", _("Yêu cầu bổ sung")
        APPROVED = "approved", _("Đã phê duyệt")
        REJECTED = "rejected", _("Không phê duyệt")
        COMPLETED = "completed", _("Đã hoàn thành")

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="applications",
                                     verbose_name=_("HTX đề nghị"))
    item = models.ForeignKey(SupportItem, on_delete=models.PROTECT, related_name="applications",
                             verbose_name=_("nội dung hỗ trợ"))
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="applications",
                               verbose_name=_("cơ quan xem xét"))
    program = models.ForeignKey(Program, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="applications", verbose_name=_("chương trình"))
    group = models.ForeignKey(ContentGroup, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="applications", verbose_name=_("nhóm nội dung"))
    title = models.CharField(_("tên dự án / nội dung đề nghị"), max_length=500)
    description = models.TextField(_("thuyết minh"), blank=True)
    # May stay empty while the support level is being worked out; approval needs it.
    amount_requested = models.PositiveBigIntegerField(_("số tiền đề nghị hỗ trợ (đồng)"), null=True, blank=True)
    total_cost = models.PositiveBigIntegerField(_("tổng chi phí (đồng)"), null=True, blank=True)
    state = models.CharField(_("trạng thái"), max_length=20, choices=State.choices, default=State.DRAFT,
                             db_index=True)
    submitted_at = models.DateTimeField(_("ngày nộp"), null=True, blank=True)
    due_on = models.DateField(_("hạn xử lý"), null=True, blank=True, db_index=True)
    decided_at = models.DateTimeField(_("ngày quyết định"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("hồ sơ đề nghị hỗ trợ")
        verbose_name_plural = _("hồ sơ đề nghị hỗ trợ")

    def __str__(self):
        return f"{self.title} – {self.organization}"


class ApplicationDocument(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="documents")
    name = models.CharField(_("tên giấy tờ"), max_length=200)
    file = models.FileField(_("tệp"), upload_to="programs/applications/%Y/", validators=[validate_document_file])
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["application", "name", "id"]
        verbose_name = _("hồ sơ kèm theo đơn")
        verbose_name_plural = _("hồ sơ kèm theo đơn")

    def __str__(self):
        return self.name


class ApplicationStep(models.Model):
    """One transition of an application: who moved it, from where to where, and why."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="steps")
    action = models.CharField(max_length=30)
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20, choices=Application.State.choices)
    comment = models.TextField(_("ý kiến"), blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    actor_repr = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["application", "created_at", "id"]
        verbose_name = _("bước xử lý đơn")
        verbose_name_plural = _("bước xử lý đơn")


# --- Supports ------------------------------------------------------------------------------------


class Support(models.Model):
    """A support delivered to an organisation: what, under which program and content group, how much."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="supports",
                                     verbose_name=_("đơn vị được hỗ trợ"))
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="supports",
                               verbose_name=_("cơ quan ghi nhận"))
    program = models.ForeignKey(Program, null=True, blank=True, on_delete=models.PROTECT, related_name="supports",
                                verbose_name=_("chương trình"))
    group = models.ForeignKey(ContentGroup, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="supports", verbose_name=_("nhóm nội dung"))
    item = models.ForeignKey(SupportItem, null=True, blank=True, on_delete=models.PROTECT, related_name="supports",
                             verbose_name=_("theo nội dung chính sách"))
    application = models.OneToOneField(Application, null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="support", verbose_name=_("hồ sơ đề nghị"))
    science_task = models.ForeignKey(ScienceTask, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="supports", verbose_name=_("nhiệm vụ KH&CN"))
    kind = models.CharField(_("loại hỗ trợ"), max_length=30, choices=SupportKind.choices)
    title = models.CharField(_("nội dung"), max_length=400)
    amount_state = models.PositiveBigIntegerField(_("ngân sách nhà nước (đồng)"), default=0)
    amount_counterpart = models.PositiveBigIntegerField(_("đối ứng (đồng)"), default=0)
    participants = models.PositiveIntegerField(_("số lượt người tham gia"), null=True, blank=True,
                                               help_text=_("Với tập huấn: lượt người (một người dự ba lớp tính ba lượt)."))
    given_on = models.DateField(_("ngày hỗ trợ"), db_index=True)
    document = models.FileField(_("tài liệu"), upload_to="programs/supports/%Y/", blank=True,
                                validators=[validate_document_file])
    note = models.TextField(_("ghi chú"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-given_on", "-id"]
        verbose_name = _("khoản hỗ trợ")
        verbose_name_plural = _("khoản hỗ trợ")
        indexes = [models.Index(fields=["program", "given_on", "kind"], name="programs_support_prog_date")]

    def __str__(self):
        return f"{self.get_kind_display()} – {self.organization}"

    @property
    def amount_total(self) -> int:
        return self.amount_state + self.amount_counterpart

    def clean(self):
        errors = {}
        if self.group_id and (not self.program_id or self.group.program_id != self.program_id):
            errors["group"] = _("Nhóm nội dung phải thuộc chương trình đã chọn.")
        if self.program_id and self.given_on and not (
                self.program.start_year <= self.given_on.year <= self.program.end_year):
            errors["given_on"] = _("Ngày hỗ trợ %(d)s nằm ngoài giai đoạn của chương trình (%(s)s–%(e)s).") % {
                "d": self.given_on.strftime("%d/%m/%Y"), "s": self.program.start_year, "e": self.program.end_year}
        if errors:
            raise ValidationError(errors)


# --- Loans -------------------------------------------------------------------------------------------


class Loan(models.Model):
    """A preferential loan from a support fund (e.g. the province's S&T Development Fund).

    Usually one borrower; a loan reported only as a total for several borrowers keeps them all
    (and says so in its note) rather than inventing a split.
    """

    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="loans",
                               verbose_name=_("cơ quan quản lý"))
    fund = models.CharField(_("quỹ cho vay"), max_length=300)
    borrowers = models.ManyToManyField(Organization, related_name="loans", verbose_name=_("bên vay"))
    program = models.ForeignKey(Program, null=True, blank=True, on_delete=models.SET_NULL, related_name="loans",
                                verbose_name=_("chương trình"))
    group = models.ForeignKey(ContentGroup, null=True, blank=True, on_delete=models.SET_NULL, related_name="loans",
                              verbose_name=_("nhóm nội dung"))
    science_task = models.ForeignKey(ScienceTask, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="loans", verbose_name=_("nhiệm vụ KH&CN"))
    purpose = models.CharField(_("mục đích vay"), max_length=500)
    principal = models.PositiveBigIntegerField(_("số tiền vay (đồng)"))
    annual_rate = models.DecimalField(_("lãi suất (%/năm)"), max_digits=5, decimal_places=2, null=True, blank=True)
    term_months = models.PositiveSmallIntegerField(_("thời hạn (tháng)"), null=True, blank=True)
    approved_on = models.DateField(_("ngày phê duyệt"))
    note = models.TextField(_("ghi chú"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-approved_on", "-id"]
        verbose_name = _("khoản vay")
        verbose_name_plural = _("khoản vay")
        constraints = [
            models.CheckConstraint(condition=Q(principal__gt=0), name="programs_loan_principal_positive",
                                   violation_error_message=_("Số tiền vay phải lớn hơn 0.")),
            models.CheckConstraint(condition=Q(annual_rate__isnull=True) | Q(annual_rate__gte=0, annual_rate__lte=100),
                                   name="programs_loan_rate_range",
                                   violation_error_message=_("Lãi suất phải từ 0 đến 100%/năm.")),
            models.CheckConstraint(condition=Q(term_months__isnull=True) | Q(term_months__gte=1),
                                   name="programs_loan_term_positive",
                                   violation_error_message=_("Thời hạn vay phải ít nhất 1 tháng.")),
        ]

    def __str__(self):
        return f"{self.fund} – {self.purpose}"


class Disbursement(models.Model):
    loan = models.ForeignKey(Loan, on_delete=models.CASCADE, related_name="disbursements")
    on = models.DateField(_("ngày giải ngân"))
    amount = models.PositiveBigIntegerField(_("số tiền (đồng)"))

    class Meta:
        ordering = ["loan", "on", "id"]
        verbose_name = _("lần giải ngân")
        verbose_name_plural = _("lần giải ngân")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="programs_disbursement_positive")]


class Repayment(models.Model):
    loan = models.ForeignKey(Loan, on_delete=models.CASCADE, related_name="repayments")
    on = models.DateField(_("ngày trả"))
    amount = models.PositiveBigIntegerField(_("số tiền (đồng)"))
    note = models.CharField(_("ghi chú"), max_length=300, blank=True)

    class Meta:
        ordering = ["loan", "on", "id"]
        verbose_name = _("lần trả nợ")
        verbose_name_plural = _("lần trả nợ")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="programs_repayment_positive")]


class LoanReminder(models.Model):
    """A reminder mailed for one instalment of a loan (reminders.py): one per instalment, so a
    re-run of `remind_loans` never mails twice."""

    loan = models.ForeignKey(Loan, on_delete=models.CASCADE, related_name="reminders")
    instalment = models.PositiveSmallIntegerField(_("kỳ trả nợ số"))
    due_on = models.DateField(_("hạn trả"))
    amount_due = models.PositiveBigIntegerField(_("số còn phải trả của kỳ (đồng)"))
    overdue = models.BooleanField(_("đã quá hạn khi nhắc"), default=False)
    recipients = models.PositiveSmallIntegerField(_("số người nhận"), default=0)
    sent_at = models.DateTimeField(_("gửi lúc"), auto_now_add=True)

    class Meta:
        ordering = ["loan", "instalment"]
        verbose_name = _("nhắc hạn trả nợ")
        verbose_name_plural = _("nhắc hạn trả nợ")
        constraints = [models.UniqueConstraint(fields=["loan", "instalment"], name="programs_loan_reminder_once")]

    def __str__(self):
        return f"{self.loan} – kỳ {self.instalment}"
