"""Events: trainings, workshops, supply–demand sessions, fairs, study tours, conferences and
contests; their sessions and materials; registrations with a waiting list and a QR ticket;
attendance per session; the scans that recorded it (offline devices included); and the
cooperative–buyer meetings of supply–demand sessions.

An event belongs to its organiser agency (the tenant); every write goes through services.py.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from htxconnect.core import adminunits
from htxconnect.core.text import fold
from htxconnect.registry.models import Organization
from htxconnect.registry.validators import validate_document_file


class EventKind(models.TextChoices):
    COURSE = "course", _("Lớp tập huấn")
    WORKSHOP = "workshop", _("Hội thảo")
    SUPPLY_DEMAND = "supply_demand", _("Kết nối cung cầu")
    FAIR = "fair", _("Hội chợ")
    STUDY_TOUR = "study_tour", _("Tham quan học tập")
    CONFERENCE = "conference", _("Hội nghị")
    CONTEST = "contest", _("Hội thi")


class Event(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Nháp")
        PUBLISHED = "published", _("Đã công bố")
        CLOSED = "closed", _("Đã kết thúc")
        CANCELLED = "cancelled", _("Đã hủy")

    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="events",
                               verbose_name=_("cơ quan tổ chức"))
    # The unit that actually ran it when it is not the agency itself (e.g. a DOST centre).
    host = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="hosted_events",
                             verbose_name=_("đơn vị thực hiện"))
    kind = models.CharField(_("loại sự kiện"), max_length=20, choices=EventKind.choices, db_index=True)
    title = models.CharField(_("tên sự kiện"), max_length=400)
    title_folded = models.CharField(max_length=400, editable=False, db_index=True)
    description = models.TextField(_("nội dung"), blank=True)
    program = models.ForeignKey("programs.Program", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="events", verbose_name=_("chương trình"))
    group = models.ForeignKey("programs.ContentGroup", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="events", verbose_name=_("nhóm nội dung"))
    starts_on = models.DateField(_("ngày bắt đầu"), db_index=True)
    ends_on = models.DateField(_("ngày kết thúc"))
    province_code = models.CharField(_("mã tỉnh/thành phố"), max_length=2, blank=True)
    ward_code = models.CharField(_("mã xã/phường"), max_length=10, blank=True)
    venue = models.CharField(_("địa điểm"), max_length=300, blank=True)
    online_url = models.URLField(_("đường dẫn trực tuyến"), blank=True)
    capacity = models.PositiveIntegerField(_("số chỗ"), null=True, blank=True,
                                           help_text=_("Để trống nếu không giới hạn."))
    audience = models.CharField(_("đối tượng tham dự"), max_length=300, blank=True)
    registration_opens_at = models.DateTimeField(_("mở đăng ký từ"), null=True, blank=True)
    registration_closes_at = models.DateTimeField(_("hạn đăng ký"), null=True, blank=True)
    status = models.CharField(_("trạng thái"), max_length=12, choices=Status.choices, default=Status.DRAFT,
                              db_index=True)
    cancel_reason = models.CharField(_("lý do hủy"), max_length=500, blank=True)
    note = models.TextField(_("ghi chú"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("sự kiện")
        verbose_name_plural = _("sự kiện")
        indexes = [models.Index(fields=["program", "starts_on"], name="events_event_program_date")]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="events_event_dates_ordered",
                                   violation_error_message=_("Ngày kết thúc phải từ ngày bắt đầu trở đi.")),
            models.CheckConstraint(condition=Q(capacity__isnull=True) | Q(capacity__gte=1),
                                   name="events_event_capacity_positive",
                                   violation_error_message=_("Số chỗ phải ít nhất 1 (để trống nếu không giới hạn).")),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.title_folded = fold(self.title)[:400]
        super().save(*args, **kwargs)

    def clean(self):
        errors = {}
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = _("Ngày kết thúc (%(e)s) phải từ ngày bắt đầu (%(s)s) trở đi.") % {
                "e": self.ends_on.strftime("%d/%m/%Y"), "s": self.starts_on.strftime("%d/%m/%Y")}
        if self.group_id and (not self.program_id or self.group.program_id != self.program_id):
            errors["group"] = _("Nhóm nội dung phải thuộc chương trình đã chọn.")
        if self.ward_code and not self.province_code:
            errors["province_code"] = _("Có mã xã/phường thì phải có mã tỉnh/thành phố.")
        if self.ward_code:
            ward = adminunits.get_ward(self.ward_code)
            if ward is None:
                errors["ward_code"] = _("Mã xã/phường “%(code)s” không có trong danh mục hiện hành.") % {
                    "code": self.ward_code}
            elif self.province_code and ward.province_code != self.province_code:
                errors["ward_code"] = _("Xã/phường “%(w)s” không thuộc tỉnh/thành phố đã chọn.") % {"w": ward.name}
        if not (self.venue or self.online_url or self.ward_code):
            errors["venue"] = _("Nhập địa điểm (xã/phường và nơi tổ chức) hoặc đường dẫn trực tuyến.")
        if (self.registration_opens_at and self.registration_closes_at
                and self.registration_closes_at < self.registration_opens_at):
            errors["registration_closes_at"] = _("Hạn đăng ký phải sau thời điểm mở đăng ký.")
        if errors:
            raise ValidationError(errors)

    @property
    def place(self) -> str:
        return adminunits.format_address(self.venue, self.ward_code) or self.online_url

    @property
    def is_public(self) -> bool:
        return self.status in (self.Status.PUBLISHED, self.Status.CLOSED, self.Status.CANCELLED)


class Session(models.Model):
    """One sitting of an event (a day of a course); attendance is recorded per session."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="sessions")
    number = models.PositiveSmallIntegerField(_("buổi số"))
    title = models.CharField(_("nội dung buổi"), max_length=300, blank=True)
    starts_at = models.DateTimeField(_("bắt đầu"))
    ends_at = models.DateTimeField(_("kết thúc"))

    class Meta:
        ordering = ["event", "number"]
        verbose_name = _("buổi")
        verbose_name_plural = _("buổi")
        constraints = [
            models.UniqueConstraint(fields=["event", "number"], name="events_session_number_unique"),
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="events_session_times_ordered",
                                   violation_error_message=_("Giờ kết thúc phải sau giờ bắt đầu.")),
        ]

    def __str__(self):
        return self.title or f"Buổi {self.number}"


class Material(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="materials")
    title = models.CharField(_("tên tài liệu"), max_length=300)
    file = models.FileField(_("tệp"), upload_to="events/materials/%Y/", validators=[validate_document_file])
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["event", "title", "id"]
        verbose_name = _("tài liệu")
        verbose_name_plural = _("tài liệu")

    def __str__(self):
        return self.title


def phone_key(phone: str) -> str:
    """A phone number folded for matching: digits only, +84/84 → 0 (0912 345 678 = +84912345678)."""
    digits = "".join(ch for ch in (phone or "") if ch.isdigit())
    if digits.startswith("84") and len(digits) >= 11:
        digits = "0" + digits[2:]
    return digits


def email_key(email: str) -> str:
    return (email or "").strip().lower()


class Registration(models.Model):
    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("Đã xác nhận")
        WAITLISTED = "waitlisted", _("Danh sách chờ")
        CANCELLED = "cancelled", _("Đã hủy")

    class Source(models.TextChoices):
        PUBLIC = "public", _("Tự đăng ký trên mạng")
        MANAGER = "manager", _("HTX đăng ký cho thành viên")
        IMPORT = "import", _("Cán bộ nhập danh sách")
        OFFICER = "officer", _("Cán bộ ghi nhận")

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="registrations")
    full_name = models.CharField(_("họ và tên"), max_length=150)
    name_folded = models.CharField(max_length=150, editable=False, db_index=True)
    phone = models.CharField(_("điện thoại"), max_length=30, blank=True)
    email = models.EmailField(_("thư điện tử"), blank=True)
    phone_key = models.CharField(max_length=20, editable=False, blank=True)
    email_key = models.CharField(max_length=254, editable=False, blank=True)
    # Who the person is across events (unique-people counts): phone, else e-mail, else this registration.
    person_key = models.CharField(max_length=260, editable=False, db_index=True)
    organization = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="event_registrations", verbose_name=_("đơn vị"))
    organization_name = models.CharField(_("đơn vị (tự ghi)"), max_length=300, blank=True)
    person = models.ForeignKey("registry.Person", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="event_registrations")
    status = models.CharField(_("trạng thái"), max_length=12, choices=Status.choices, default=Status.CONFIRMED,
                              db_index=True)
    source = models.CharField(_("nguồn"), max_length=10, choices=Source.choices, default=Source.PUBLIC)
    consent_purpose = models.CharField(_("mục đích xử lý dữ liệu"), max_length=300)
    consent_given_at = models.DateTimeField(_("thời điểm đồng ý"))
    consent_withdrawn_at = models.DateTimeField(_("thời điểm rút đồng ý"), null=True, blank=True)
    # The ticket is "<id>.<nonce>" signed with the site's key (services.ticket_token); a new nonce
    # reissues it and makes the old ticket worthless.
    ticket_nonce = models.CharField(max_length=32, editable=False)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    promoted_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["event", "created_at", "id"]
        verbose_name = _("đăng ký tham dự")
        verbose_name_plural = _("đăng ký tham dự")
        constraints = [
            # The database refuses the same person twice (two requests racing included).
            models.UniqueConstraint(fields=["event", "phone_key"], condition=~Q(phone_key="") & ~Q(status="cancelled"),
                                    name="events_registration_phone_once"),
            models.UniqueConstraint(fields=["event", "email_key"], condition=~Q(email_key="") & ~Q(status="cancelled"),
                                    name="events_registration_email_once"),
        ]

    # Personal data: the audit log keeps that these changed, never their values (core.audit).
    AUDIT_MASKED_FIELDS = ("full_name", "phone", "email", "phone_key", "email_key", "person_key")

    def __str__(self):
        return f"{self.full_name} – {self.event}"

    def save(self, *args, **kwargs):
        self.name_folded = fold(self.full_name)[:150]
        self.phone_key = phone_key(self.phone)
        self.email_key = email_key(self.email)
        self.person_key = (f"p:{self.phone_key}" if self.phone_key else f"e:{self.email_key}" if self.email_key
                           else f"r:{self.ticket_nonce}")
        super().save(*args, **kwargs)

    def clean(self):
        if not (self.phone or self.email) and self.source == self.Source.PUBLIC:
            raise ValidationError({"phone": _("Nhập số điện thoại hoặc thư điện tử để nhận vé.")})

    @property
    def organization_label(self) -> str:
        return self.organization.name if self.organization_id else self.organization_name

    @property
    def roster_key(self) -> str:
        """What a check-in device matches a scanned ticket against: it never holds the tickets."""
        from .tickets import ticket_token

        return hashlib.sha256(ticket_token(self).encode()).hexdigest()[:32]


class Attendance(models.Model):
    """A person present at one session: one row per registration and session, whoever scanned."""

    class Method(models.TextChoices):
        QR = "qr", _("Quét mã QR")
        SEARCH = "search", _("Tìm theo tên")
        LIST = "list", _("Cán bộ ghi nhận")

    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="attendances")
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendances")
    checked_in_at = models.DateTimeField(_("thời điểm điểm danh"))
    method = models.CharField(max_length=10, choices=Method.choices, default=Method.QR)
    device = models.CharField(max_length=64, blank=True)
    checked_in_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["session", "checked_in_at", "id"]
        verbose_name = _("điểm danh")
        verbose_name_plural = _("điểm danh")
        constraints = [models.UniqueConstraint(fields=["registration", "session"], name="events_attendance_once")]

    def __str__(self):
        return f"{self.registration.full_name} – {self.session}"


class Scan(models.Model):
    """Every check-in attempt a device sent, kept so that a retried sync is answered the same and a
    second device's check-in of someone already present is shown as a conflict, never lost."""

    class Result(models.TextChoices):
        RECORDED = "recorded", _("Đã ghi nhận")
        DUPLICATE = "duplicate", _("Đã điểm danh trước đó")
        REFUSED = "refused", _("Bị từ chối")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="scans")
    session = models.ForeignKey(Session, null=True, on_delete=models.CASCADE, related_name="scans")
    registration = models.ForeignKey(Registration, null=True, blank=True, on_delete=models.CASCADE,
                                     related_name="scans")
    attendance = models.ForeignKey(Attendance, null=True, blank=True, on_delete=models.SET_NULL, related_name="scans")
    client_id = models.CharField(max_length=64, unique=True)
    device = models.CharField(max_length=64, blank=True)
    scanned_at = models.DateTimeField()
    received_at = models.DateTimeField(auto_now_add=True)
    offline = models.BooleanField(default=False)
    result = models.CharField(max_length=10, choices=Result.choices)
    message = models.CharField(max_length=300, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("lượt quét vé")
        verbose_name_plural = _("lượt quét vé")

    @property
    def is_conflict(self) -> bool:
        """Another device (or another moment offline) checked the same person in for this session."""
        return self.result == self.Result.DUPLICATE and self.attendance_id is not None and (
            self.attendance.device != self.device or self.offline)


class Meeting(models.Model):
    """At a supply–demand session: which cooperative met which buyer, and what came of it."""

    class Outcome(models.TextChoices):
        MET = "met", _("Đã gặp, trao đổi")
        SAMPLES = "samples", _("Gửi mẫu, tìm hiểu thêm")
        NEGOTIATING = "negotiating", _("Đang đàm phán")
        AGREED = "agreed", _("Đã thỏa thuận / ký hợp đồng")
        NO_DEAL = "no_deal", _("Không đi đến thỏa thuận")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="meetings")
    cooperative = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="supply_meetings",
                                    verbose_name=_("HTX"))
    buyer = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="demand_meetings", verbose_name=_("bên mua"))
    buyer_name = models.CharField(_("bên mua (tự ghi)"), max_length=300, blank=True)
    products = models.CharField(_("sản phẩm trao đổi"), max_length=300, blank=True)
    outcome = models.CharField(_("kết quả"), max_length=12, choices=Outcome.choices, default=Outcome.MET)
    note = models.CharField(_("ghi chú"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["event", "id"]
        verbose_name = _("kết nối cung cầu")
        verbose_name_plural = _("kết nối cung cầu")

    def __str__(self):
        return f"{self.cooperative} – {self.buyer_label}"

    @property
    def buyer_label(self) -> str:
        return self.buyer.name if self.buyer_id else self.buyer_name

    def clean(self):
        if not (self.buyer_id or self.buyer_name.strip()):
            raise ValidationError({"buyer": _("Chọn bên mua hoặc ghi tên bên mua.")})


# Certificates, feedback and contests live in their own module (registered here, in this app).
from .models_followup import (  # noqa: E402,F401
    Certificate, CertificatePolicy, Contest, Criterion, FeedbackResponse, Judge, Score, Submission, SubmissionFile)
