"""What follows an event: certificates of completion (verifiable, revocable), the attendees'
feedback, and contests (submissions, judges, weighted criteria, scores, published results).

Imported by models.py so that Django registers these models in the events app; every write goes
through certificates.py, feedback.py and contests.py.
"""

from __future__ import annotations

import os
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from htxconnect.registry.validators import validate_document_file


def new_certificate_code() -> str:
    """128 random bits, URL-safe (22 characters): the verification code cannot be guessed."""
    return secrets.token_urlsafe(16)


class CertificatePolicy(models.Model):
    """How an event's certificates are earned and who signs them (Decree 30/2020 layout)."""

    event = models.OneToOneField("events.Event", on_delete=models.CASCADE, related_name="certificate_policy")
    min_sessions = models.PositiveSmallIntegerField(
        _("số buổi tối thiểu"), null=True, blank=True,
        help_text=_("Để trống: phải dự đủ tất cả các buổi."))
    superior_agency = models.CharField(_("cơ quan chủ quản"), max_length=200, blank=True,
                                       help_text=_("Dòng trên cùng bên trái, ví dụ UBND TỈNH BÌNH DƯƠNG."))
    issuer_name = models.CharField(_("cơ quan cấp"), max_length=200)
    place = models.CharField(_("địa danh"), max_length=100, help_text=_("Ví dụ: Thủ Dầu Một."))
    signer_title = models.CharField(_("chức vụ người ký"), max_length=200, help_text=_("Ví dụ: KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC."))
    signer_name = models.CharField(_("họ tên người ký"), max_length=150)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("quy định cấp giấy chứng nhận")
        constraints = [models.CheckConstraint(condition=Q(min_sessions__isnull=True) | Q(min_sessions__gte=1),
                                              name="events_certpolicy_min_sessions_positive")]

    def __str__(self):
        return f"{self.event}: {self.issuer_name}"


class Certificate(models.Model):
    """A certificate of completion issued to one registration. What it says is copied at issue so
    the verification page shows what was printed; revoked ones stay (with date and reason)."""

    event = models.ForeignKey("events.Event", on_delete=models.PROTECT, related_name="certificates")
    registration = models.OneToOneField("events.Registration", on_delete=models.PROTECT, related_name="certificate")
    number = models.PositiveIntegerField(_("số"))
    code = models.CharField(_("mã xác minh"), max_length=32, unique=True, default=new_certificate_code,
                            editable=False)
    full_name = models.CharField(_("họ và tên"), max_length=150)
    organization_name = models.CharField(_("đơn vị"), max_length=300, blank=True)
    course_title = models.CharField(_("khóa học"), max_length=400)
    starts_on = models.DateField(_("từ ngày"))
    ends_on = models.DateField(_("đến ngày"))
    sessions_attended = models.PositiveSmallIntegerField(_("số buổi đã dự"))
    issuer_name = models.CharField(_("cơ quan cấp"), max_length=200)
    superior_agency = models.CharField(max_length=200, blank=True)
    place = models.CharField(_("địa danh"), max_length=100)
    signer_title = models.CharField(max_length=200)
    signer_name = models.CharField(max_length=150)
    issued_on = models.DateField(_("ngày cấp"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    revoked_at = models.DateTimeField(_("thu hồi lúc"), null=True, blank=True)
    revoked_reason = models.CharField(_("lý do thu hồi"), max_length=500, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        ordering = ["event", "number"]
        verbose_name = _("giấy chứng nhận")
        verbose_name_plural = _("giấy chứng nhận")
        constraints = [models.UniqueConstraint(fields=["event", "number"], name="events_certificate_number_unique")]

    def __str__(self):
        return f"{self.number_label} – {self.full_name}"

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None

    @property
    def number_label(self) -> str:
        return f"{self.number:02d}/GCN-{self.issued_on.year}"


# --- Feedback ------------------------------------------------------------------------------------------------


RATING = [MinValueValidator(1), MaxValueValidator(5)]


class FeedbackResponse(models.Model):
    """One attendee's answer to the post-event survey: one per registration."""

    event = models.ForeignKey("events.Event", on_delete=models.CASCADE, related_name="feedback")
    registration = models.OneToOneField("events.Registration", on_delete=models.CASCADE, related_name="feedback")
    content = models.PositiveSmallIntegerField(_("nội dung"), validators=RATING)
    trainer = models.PositiveSmallIntegerField(_("giảng viên"), validators=RATING)
    organisation = models.PositiveSmallIntegerField(_("công tác tổ chức"), validators=RATING)
    comments = models.TextField(_("góp ý"), blank=True, max_length=2000)
    submitted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["event", "submitted_at", "id"]
        verbose_name = _("phản hồi sau sự kiện")
        verbose_name_plural = _("phản hồi sau sự kiện")
        constraints = [
            models.CheckConstraint(condition=Q(content__gte=1, content__lte=5, trainer__gte=1, trainer__lte=5,
                                               organisation__gte=1, organisation__lte=5),
                                   name="events_feedback_ratings_1_5",
                                   violation_error_message=_("Mỗi điểm đánh giá từ 1 đến 5.")),
        ]

    def __str__(self):
        return f"{self.registration_id}: {self.content}/{self.trainer}/{self.organisation}"


# --- Contests ------------------------------------------------------------------------------------------------


class Contest(models.Model):
    """The contest side of an event of kind contest: its track and the publication of results."""

    class Track(models.TextChoices):
        INNOVATION = "innovation", _("Đổi mới sáng tạo")
        STARTUP = "startup", _("Khởi nghiệp")
        TECHNICAL = "technical", _("Cải tiến kỹ thuật")

    event = models.OneToOneField("events.Event", on_delete=models.CASCADE, related_name="contest")
    track = models.CharField(_("lĩnh vực"), max_length=12, choices=Track.choices, default=Track.INNOVATION)
    results_published_at = models.DateTimeField(_("công bố kết quả lúc"), null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")

    class Meta:
        verbose_name = _("hội thi")
        verbose_name_plural = _("hội thi")

    def __str__(self):
        return str(self.event)


class Criterion(models.Model):
    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="criteria")
    number = models.PositiveSmallIntegerField()
    name = models.CharField(_("tiêu chí"), max_length=200)
    weight = models.PositiveSmallIntegerField(_("trọng số (%)"), validators=[MinValueValidator(1),
                                                                            MaxValueValidator(100)])

    class Meta:
        ordering = ["contest", "number"]
        verbose_name = _("tiêu chí chấm")
        verbose_name_plural = _("tiêu chí chấm")
        constraints = [
            models.UniqueConstraint(fields=["contest", "number"], name="events_criterion_number_unique"),
            models.CheckConstraint(condition=Q(weight__gte=1, weight__lte=100), name="events_criterion_weight_range"),
        ]

    def __str__(self):
        return f"{self.name} ({self.weight}%)"


class Judge(models.Model):
    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="judges")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="contest_judgings")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["contest", "id"]
        verbose_name = _("giám khảo")
        verbose_name_plural = _("giám khảo")
        constraints = [models.UniqueConstraint(fields=["contest", "user"], name="events_judge_once")]

    def __str__(self):
        return self.user.get_full_name() or self.user.get_username()


class Submission(models.Model):
    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="submissions")
    organization = models.ForeignKey("registry.Organization", on_delete=models.PROTECT,
                                     related_name="contest_submissions", verbose_name=_("đơn vị dự thi"))
    title = models.CharField(_("tên giải pháp / dự án"), max_length=300)
    summary = models.TextField(_("tóm tắt"), max_length=5000)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["contest", "created_at", "id"]
        verbose_name = _("bài dự thi")
        verbose_name_plural = _("bài dự thi")

    def __str__(self):
        return self.title


def submission_upload_to(instance, filename: str) -> str:
    """A random name (the uploader's name is kept in `original_name`): stored files cannot be guessed."""
    extension = os.path.splitext(filename)[1].lower()[:8]
    return f"events/contests/{secrets.token_hex(16)}{extension}"


class SubmissionFile(models.Model):
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(_("tệp"), upload_to=submission_upload_to, validators=[validate_document_file])
    original_name = models.CharField(max_length=200)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["submission", "id"]
        verbose_name = _("tệp bài dự thi")
        verbose_name_plural = _("tệp bài dự thi")

    def __str__(self):
        return self.original_name


class Score(models.Model):
    """One judge's score of one submission on one criterion, 0–10 (half points allowed)."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="scores")
    judge = models.ForeignKey(Judge, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="scores")
    value = models.DecimalField(_("điểm"), max_digits=3, decimal_places=1,
                                validators=[MinValueValidator(0), MaxValueValidator(10)])
    scored_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["submission", "judge", "criterion"]
        verbose_name = _("điểm chấm")
        verbose_name_plural = _("điểm chấm")
        constraints = [
            models.UniqueConstraint(fields=["submission", "judge", "criterion"], name="events_score_once"),
            models.CheckConstraint(condition=Q(value__gte=0, value__lte=10), name="events_score_range",
                                   violation_error_message=_("Điểm từ 0 đến 10.")),
        ]

    def clean(self):
        if self.value is not None and not (0 <= self.value <= 10):
            raise ValidationError({"value": _("Điểm từ 0 đến 10.")})
