"""Users, the agencies they work for (tenants), and API keys for machine clients."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from htxconnect.core.roles import AGENCY_ROLES, STAFF_ROLES, Role


class Agency(models.Model):
    """A tenant: a provincial body running programs (Sở KH&CN, Liên minh HTX, …).

    Officers and leaders belong to exactly one agency and see only its program data.
    """

    class Kind(models.TextChoices):
        DOST = "dost", _("Sở Khoa học và Công nghệ")
        ALLIANCE = "alliance", _("Liên minh Hợp tác xã")
        PEOPLES_COMMITTEE = "peoples_committee", _("Ủy ban nhân dân")
        AGRICULTURE = "agriculture", _("Sở Nông nghiệp và Môi trường")
        OTHER = "other", _("Cơ quan khác")

    name = models.CharField(_("tên cơ quan"), max_length=255, unique=True)
    short_name = models.CharField(_("tên viết tắt"), max_length=50, blank=True)
    kind = models.CharField(_("loại cơ quan"), max_length=30, choices=Kind.choices)
    # Jurisdiction: code of a current (post-2025) province-level unit, see core.adminunits.
    province_code = models.CharField(_("mã tỉnh/thành phố"), max_length=2)
    province_name = models.CharField(_("tỉnh/thành phố"), max_length=100)
    address = models.CharField(_("địa chỉ"), max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["province_name", "name"]
        verbose_name = _("cơ quan")
        verbose_name_plural = _("cơ quan")

    def __str__(self):
        return self.name


class User(AbstractUser):
    role = models.CharField(_("vai trò"), max_length=20, choices=Role.choices, default=Role.COOP_MEMBER)
    agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="users", verbose_name=_("cơ quan")
    )
    full_name = models.CharField(_("họ và tên"), max_length=150, blank=True)
    phone = models.CharField(_("số điện thoại"), max_length=20, blank=True)
    job_title = models.CharField(_("chức vụ"), max_length=100, blank=True)

    # Personal values the audit log never holds (only that they changed), as for a Person.
    AUDIT_MASKED_FIELDS = ("phone",)

    class Meta:
        verbose_name = _("người dùng")
        verbose_name_plural = _("người dùng")
        constraints = [
            # An officer or leader always acts for an agency; the tenant scope depends on it. The roles
            # are listed in a fixed order (AGENCY_ROLES is a set) so makemigrations sees no change.
            models.CheckConstraint(
                condition=~models.Q(role__in=[Role.OFFICER.value, Role.LEADER.value]) | models.Q(agency__isnull=False),
                name="agency_staff_have_agency",
            ),
        ]

    def __str__(self):
        return self.full_name or self.username

    def get_full_name(self):
        return self.full_name or super().get_full_name() or self.username

    @property
    def is_staff_role(self) -> bool:
        return self.role in STAFF_ROLES


class ApiKey(models.Model):
    """A key for a machine client, sent as `Authorization: Bearer htx_<prefix>_<secret>`.

    Only a SHA-256 digest of the key is stored (keys are long random strings, so a slow hash
    adds nothing); the prefix lets a user tell keys apart and finds the row quickly.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_keys", verbose_name=_("người dùng"))
    name = models.CharField(_("tên khóa"), max_length=100, blank=True)
    prefix = models.CharField(_("tiền tố"), max_length=12, unique=True)
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("ngày tạo"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("lần dùng cuối"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("ngày thu hồi"), null=True, blank=True)
    # Requests allowed per settings.API_KEY_RATE_WINDOW: None follows settings.API_KEY_RATE_LIMIT,
    # 0 lifts the limit for this key. Set only by an administrator (apikeys.set_rate_limit).
    rate_limit = models.PositiveIntegerField(_("giới hạn yêu cầu"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("khóa API")
        verbose_name_plural = _("khóa API")

    def __str__(self):
        return f"htx_{self.prefix}_… ({self.user})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def revoke(self):
        self.revoked_at = timezone.now()
