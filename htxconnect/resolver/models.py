"""Product-facing traceability: company prefixes, lots, places, Digital Link links, print runs,
scans and problem reports. The EPCIS event repository itself lives in `htxconnect.trace`."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from htxconnect.registry.models import Organization, Product


class CompanyPrefix(models.Model):
    """A GS1 company prefix allocated (by GS1 Vietnam, 893…) to one organisation."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="gs1_prefixes",
                                     verbose_name=_("đơn vị"))
    prefix = models.CharField(_("mã doanh nghiệp GS1"), max_length=12, unique=True)
    # Demo prefixes are not real GS1 allocations; the UI and the labels say so.
    is_demo = models.BooleanField(_("mã mẫu (không phải cấp thật)"), default=False)
    next_item_reference = models.PositiveIntegerField(_("số tham chiếu tiếp theo"), default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("mã doanh nghiệp GS1")
        verbose_name_plural = _("mã doanh nghiệp GS1")
        constraints = [models.CheckConstraint(condition=Q(prefix__regex=r"^[0-9]{6,11}$"),
                                              name="resolver_prefix_digits")]

    def __str__(self):
        return f"{self.prefix}{' (demo)' if self.is_demo else ''}"

    @property
    def capacity(self) -> int:
        return 10 ** (12 - len(self.prefix))


class Location(models.Model):
    """A place (farm, packing house, warehouse) with its GLN when it has one."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="trace_locations",
                                     verbose_name=_("đơn vị"))
    name = models.CharField(_("tên địa điểm"), max_length=200)
    gln = models.CharField(_("mã địa điểm toàn cầu (GLN)"), max_length=13, blank=True)
    address = models.CharField(_("địa chỉ"), max_length=300, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("địa điểm")
        verbose_name_plural = _("địa điểm")
        constraints = [models.UniqueConstraint(fields=["gln"], condition=~Q(gln=""), name="resolver_location_gln_unique")]

    def __str__(self):
        return self.name


class Lot(models.Model):
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="lots", verbose_name=_("sản phẩm"))
    code = models.CharField(_("mã lô"), max_length=20)  # AI 10: up to 20 characters
    production_date = models.DateField(_("ngày sản xuất / thu hoạch"))
    expiry_date = models.DateField(_("hạn sử dụng"), null=True, blank=True)
    quantity = models.DecimalField(_("số lượng"), max_digits=12, decimal_places=2, null=True, blank=True)
    origin = models.ForeignKey(Location, null=True, blank=True, on_delete=models.SET_NULL, related_name="lots",
                               verbose_name=_("nơi sản xuất"))
    is_public = models.BooleanField(_("công khai trên trang quét mã"), default=True)
    recalled_at = models.DateTimeField(_("thời điểm thu hồi"), null=True, blank=True)
    recall_reason = models.CharField(_("lý do thu hồi"), max_length=500, blank=True)
    # What a consumer holding the lot must do: where to return it and whom to call.
    recall_return_to = models.CharField(_("nơi trả lại hàng"), max_length=300, blank=True)
    recall_hotline = models.CharField(_("đường dây nóng thu hồi"), max_length=30, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-production_date", "-id"]
        verbose_name = _("lô hàng")
        verbose_name_plural = _("lô hàng")
        constraints = [
            models.UniqueConstraint(fields=["product", "code"], name="resolver_lot_unique_code"),
            models.CheckConstraint(condition=Q(expiry_date__isnull=True) | Q(expiry_date__gte=models.F("production_date")),
                                   name="resolver_lot_expiry_after_production",
                                   violation_error_message=_("Hạn sử dụng phải từ ngày sản xuất trở đi.")),
        ]

    def __str__(self):
        return f"{self.product} – {self.code}"

    @property
    def is_recalled(self) -> bool:
        return self.recalled_at is not None


class Link(models.Model):
    """One link of the resolver: for a product (all its lots) or for one lot."""

    class LinkType(models.TextChoices):
        DEFAULT = "gs1:defaultLink", _("Liên kết mặc định")
        PIP = "gs1:pip", _("Trang thông tin sản phẩm")
        CERTIFICATION = "gs1:certificationInfo", _("Thông tin chứng nhận")
        TRACEABILITY = "gs1:traceability", _("Truy xuất nguồn gốc")
        RECALL = "gs1:recallStatus", _("Tình trạng thu hồi")
        # The GS1 Web Vocabulary has no `productImage`: its term for an image is `relatedImage`.
        RELATED_IMAGE = "gs1:relatedImage", _("Ảnh sản phẩm")
        INSTRUCTIONS = "gs1:instructions", _("Hướng dẫn sử dụng")
        NUTRITION = "gs1:nutritionalInfo", _("Thông tin dinh dưỡng")
        SUSTAINABILITY = "gs1:sustainabilityInfo", _("Thông tin bền vững")
        REVIEW = "gs1:review", _("Đánh giá")
        HAS_RETAILERS = "gs1:hasRetailers", _("Nơi bán")
        EPCIS = "gs1:epcis", _("Kho sự kiện EPCIS")

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="resolver_links",
                                verbose_name=_("sản phẩm"))
    lot = models.ForeignKey(Lot, null=True, blank=True, on_delete=models.CASCADE, related_name="links",
                            verbose_name=_("lô"))
    link_type = models.CharField(_("loại liên kết"), max_length=40, choices=LinkType.choices)
    target_url = models.URLField(_("địa chỉ đích"), max_length=500)
    title = models.CharField(_("tiêu đề"), max_length=200)
    language = models.CharField(_("ngôn ngữ (hreflang)"), max_length=10, blank=True, default="vi")
    media_type = models.CharField(_("kiểu nội dung"), max_length=60, blank=True, default="text/html")
    is_default = models.BooleanField(_("là liên kết mặc định"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["link_type", "id"]
        verbose_name = _("liên kết Digital Link")
        verbose_name_plural = _("liên kết Digital Link")

    def __str__(self):
        return f"{self.link_type} → {self.target_url}"


class PrintRun(models.Model):
    """One label sheet or roll: what was printed, the serial range, when and by whom."""

    class Layout(models.TextChoices):
        A4_3X8 = "a4_3x8", _("A4, 3 × 8 = 24 nhãn")
        A4_2X7 = "a4_2x7", _("A4, 2 × 7 = 14 nhãn")
        ROLL_50X30 = "roll_50x30", _("Cuộn nhãn 50 × 30 mm")

    class Status(models.TextChoices):
        PENDING = "pending", _("đang tạo")
        DONE = "done", _("xong")
        FAILED = "failed", _("lỗi")

    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="print_runs", verbose_name=_("lô"))
    layout = models.CharField(_("khổ nhãn"), max_length=20, choices=Layout.choices, default=Layout.A4_3X8)
    count = models.PositiveIntegerField(_("số nhãn"))
    with_serials = models.BooleanField(_("đánh số sê-ri từng nhãn"), default=False)
    serial_from = models.PositiveIntegerField(_("sê-ri từ"), null=True, blank=True)
    serial_to = models.PositiveIntegerField(_("sê-ri đến"), null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    pdf = models.FileField(upload_to="resolver/labels/%Y/", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="print_runs")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("lượt in nhãn")
        verbose_name_plural = _("lượt in nhãn")
        constraints = [
            models.CheckConstraint(condition=Q(serial_from__isnull=True) | Q(serial_to__gte=models.F("serial_from")),
                                   name="resolver_printrun_serial_range"),
        ]

    def __str__(self):
        return f"{self.lot} × {self.count}"


class ScanEvent(models.Model):
    """One scan of a Digital Link (no raw IP: a salted hash truncated to 16 hex digits).

    On PostgreSQL the table is partitioned by month of `scanned_at` (core.partitions;
    docs/decisions/0023-monthly-partitions.md); nothing may hold a foreign key to it."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="scans")
    lot = models.ForeignKey(Lot, null=True, blank=True, on_delete=models.CASCADE, related_name="scans")
    serial = models.CharField(max_length=20, blank=True)
    scanned_at = models.DateTimeField(db_index=True)
    day = models.DateField(db_index=True)
    ip_hash = models.CharField(max_length=16, blank=True)
    country = models.CharField(max_length=2, blank=True)
    province = models.CharField(max_length=60, blank=True)
    language = models.CharField(max_length=10, blank=True)
    agent_family = models.CharField(max_length=30, blank=True)
    # Why the scan looks wrong: "never_printed", "far_apart" (same serial, other place, short time).
    flags = models.JSONField(default=list, blank=True)
    # False until scans.check_new_scans has set the flags (the scan itself is one INSERT).
    flags_checked = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("lượt quét mã")
        verbose_name_plural = _("lượt quét mã")
        indexes = [
            models.Index(fields=["product", "day"], name="resolver_scan_product_day"),
            models.Index(fields=["lot", "day"], name="resolver_scan_lot_day"),
            models.Index(fields=["product", "serial", "scanned_at"], name="resolver_scan_serial"),
            models.Index(fields=["scanned_at"], condition=Q(flags_checked=False), name="resolver_scan_unchecked"),
        ]

    def __str__(self):
        return f"scan {self.product_id}/{self.lot_id} {self.scanned_at:%Y-%m-%d %H:%M}"


class ProblemReport(models.Model):
    """A consumer's "report a problem" from the scan page."""

    lot = models.ForeignKey(Lot, null=True, blank=True, on_delete=models.CASCADE, related_name="problem_reports")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="problem_reports")
    message = models.TextField(_("nội dung"), max_length=2000)
    contact = models.CharField(_("liên hệ (không bắt buộc)"), max_length=150, blank=True)
    ip_hash = models.CharField(max_length=16, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("phản ánh của người tiêu dùng")
        verbose_name_plural = _("phản ánh của người tiêu dùng")

    def __str__(self):
        return f"{self.product} – {self.created_at:%d/%m/%Y}"


class ScanSpoolFile(models.Model):
    """A scan spool file already stored in ScanEvent (resolver.spool): the flusher commits the
    rows and this name together, so a file is never stored twice."""

    name = models.CharField(max_length=200, unique=True)
    scans = models.PositiveIntegerField(default=0)
    flushed_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("tệp lượt quét đã lưu")
        verbose_name_plural = _("tệp lượt quét đã lưu")

    def __str__(self):
        return self.name
