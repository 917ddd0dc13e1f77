"""The registry: organisations (HTX, THT, enterprises, agencies), their people, products,
certifications, IP rights (marks, geographical indications) and OCOP ratings.

Every other part of the platform reads from these tables. Writes go through services.py.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from htxconnect.core.text import fold

from .validators import validate_document_file, validate_gtin, validate_tax_code

# A certification is shown as "expiring" this many days before its expiry date.
EXPIRY_WARNING_DAYS = 60
# An OCOP rating is valid 36 months from the recognition decision.
OCOP_VALIDITY_MONTHS = 36


def add_months(day: datetime.date, months: int) -> datetime.date:
    """`day` plus whole months, clamped to the last day of the target month (31/01 + 1 → 28/02)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, candidate))
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover - day 28 always exists


class Verification(models.Model):
    """Whether a record was verified by an officer (who, when, against which document) or is
    only declared by the cooperative itself. Public pages show the difference."""

    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("người xác minh"),
    )
    verified_at = models.DateTimeField(_("thời điểm xác minh"), null=True, blank=True)
    verified_against = models.CharField(
        _("xác minh theo tài liệu"), max_length=300, blank=True,
        help_text=_("Ví dụ: Giấy chứng nhận đăng ký HTX số … ngày …"),
    )
    verification_document = models.FileField(
        _("tài liệu xác minh"), upload_to="registry/verification/%Y/", blank=True, validators=[validate_document_file],
    )

    class Meta:
        abstract = True

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    @property
    def verification_label(self) -> str:
        return str(_("Đã xác minh") if self.is_verified else _("Tự khai báo"))


class Sector(models.Model):
    """A field of activity (reference data): rice, fruit, livestock, services, …"""

    code = models.SlugField(_("mã lĩnh vực"), max_length=40, unique=True)
    name = models.CharField(_("tên lĩnh vực"), max_length=120)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("lĩnh vực")
        verbose_name_plural = _("lĩnh vực")

    def __str__(self):
        return self.name


SEARCH_WORDS_RUN = 3  # runs of up to this many words are entries: a phrase that long is served from the index alone


def search_words(search_text: str) -> list[str]:
    """The entries of a folded search key in the word table (OrganizationSearchWord): each word
    that follows a space, and each such word with the one and the two words right after it
    ("rau an", "rau an toan"), distinct, in order. Words are the pieces between single spaces, as the search's LIKE patterns
    see them (`fold` leaves no other white space). The key's first word is left out: a search for
    it ranks 0 ("starts with"), which the `search_text` index serves; a word after a space is a
    whole word, rank 1 (core.search.with_search_rank), which the table serves.

        search_words("htx rau an toan") == ["rau", "rau an", "rau an toan", "an", "an toan", "toan"]
    """
    pieces = (search_text or "").split(" ")
    entries = []
    for i in range(1, len(pieces)):
        for n in range(1, SEARCH_WORDS_RUN + 1):  # pieces i … i + n - 1, all words (no empty piece)
            run = pieces[i:i + n]
            if len(run) < n or not all(run):
                break
            entries.append(" ".join(run))
    return list(dict.fromkeys(entries))


class OrganizationQuerySet(models.QuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        """As QuerySet.bulk_create, and the new rows' search words too (demo data, tests, bench)."""
        objs = super().bulk_create(objs, *args, **kwargs)
        OrganizationSearchWord.write_for(objs, replace=bool(kwargs.get("update_conflicts")))
        return objs


class Organization(Verification):
    class Kind(models.TextChoices):
        COOPERATIVE = "cooperative", _("Hợp tác xã")
        COOPERATIVE_UNION = "cooperative_union", _("Liên hiệp hợp tác xã")
        COOPERATIVE_GROUP = "cooperative_group", _("Tổ hợp tác")
        ENTERPRISE = "enterprise", _("Doanh nghiệp")
        HOUSEHOLD_BUSINESS = "household_business", _("Hộ kinh doanh")
        RESEARCH_INSTITUTE = "research_institute", _("Viện, trường, tổ chức KH&CN")
        AGENCY = "agency", _("Cơ quan nhà nước")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Đang hoạt động")
        SUSPENDED = "suspended", _("Tạm ngừng hoạt động")
        DISSOLVED = "dissolved", _("Đã giải thể")

    kind = models.CharField(_("loại hình"), max_length=30, choices=Kind.choices, default=Kind.COOPERATIVE)
    name = models.CharField(_("tên"), max_length=255)
    short_name = models.CharField(_("tên viết tắt"), max_length=100, blank=True)
    tax_code = models.CharField(
        _("mã số thuế"), max_length=14, blank=True,
        help_text=_("10 chữ số, có thể kèm mã chi nhánh: 3700123456-001"), validators=[validate_tax_code],
    )
    registration_number = models.CharField(_("số đăng ký"), max_length=50, blank=True)
    registration_date = models.DateField(_("ngày đăng ký"), null=True, blank=True)
    legal_representative = models.CharField(_("người đại diện theo pháp luật"), max_length=150, blank=True)
    members_count = models.PositiveIntegerField(_("số thành viên"), null=True, blank=True)
    charter_capital = models.PositiveBigIntegerField(_("vốn điều lệ (đồng)"), null=True, blank=True)
    sectors = models.ManyToManyField(Sector, blank=True, related_name="organizations", verbose_name=_("lĩnh vực"))
    description = models.TextField(_("giới thiệu"), blank=True)

    # Address against the current (post-1/7/2025) units; the address as written at the time kept beside it.
    province_code = models.CharField(_("mã tỉnh/thành phố"), max_length=2, blank=True, db_index=True)
    province_name = models.CharField(_("tỉnh/thành phố"), max_length=100, blank=True)
    ward_code = models.CharField(_("mã xã/phường"), max_length=10, blank=True, db_index=True)
    ward_name = models.CharField(_("xã/phường/đặc khu"), max_length=100, blank=True)
    street = models.CharField(_("số nhà, đường, ấp/khu phố"), max_length=255, blank=True)
    address_as_written = models.CharField(_("địa chỉ theo giấy tờ (đơn vị cũ)"), max_length=500, blank=True)
    # Set when an old address named no single current ward (a district alone, a split commune):
    # an officer has to pick the ward; nothing is guessed.
    address_needs_review = models.BooleanField(_("địa chỉ cần xác định xã/phường"), default=False)
    latitude = models.DecimalField(_("vĩ độ"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("kinh độ"), max_digits=9, decimal_places=6, null=True, blank=True)

    phone = models.CharField(_("điện thoại"), max_length=30, blank=True)
    email = models.EmailField(_("thư điện tử"), blank=True)
    website = models.URLField(_("trang web"), blank=True)

    status = models.CharField(_("tình trạng"), max_length=20, choices=Status.choices, default=Status.ACTIVE)
    established_on = models.DateField(_("ngày thành lập"), null=True, blank=True)
    status_changed_on = models.DateField(_("ngày đổi tình trạng"), null=True, blank=True)

    # Public directory: the organisation is listed, and (separately) its contact details shown.
    is_public = models.BooleanField(_("hiện trong danh bạ công khai"), default=True)
    public_contact = models.BooleanField(_("công khai điện thoại, thư điện tử"), default=False)

    search_text = models.CharField(max_length=700, blank=True, editable=False, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("tổ chức")
        verbose_name_plural = _("tổ chức")
        constraints = [
            # A tax code identifies one organisation (branches carry their own -NNN suffix).
            models.UniqueConstraint(fields=["tax_code"], condition=~Q(tax_code=""), name="registry_org_tax_code_unique",
                                    violation_error_message=_("Mã số thuế này đã có trong sổ đăng ký.")),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90), name="registry_org_latitude_range"
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="registry_org_longitude_range",
            ),
        ]
        # No index leading with name: with one, PostgreSQL answers "search, sorted A–Z" by walking
        # names until 25 match, and the matches of a word cluster ("HTX Xoài …" all sort together
        # near the end): 93,000 rows read for "xoai" at 100,000 organisations (docs/decisions/0025).
        indexes = [models.Index(fields=["province_code", "status", "name"], name="registry_org_prov_status")]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        if self.tax_code and Organization.objects.filter(tax_code=self.tax_code).exclude(pk=self.pk).exists():
            errors["tax_code"] = _("Mã số thuế %(code)s đã có trong sổ đăng ký (trùng với một tổ chức khác).") % {
                "code": self.tax_code}
        if self.ward_code and not self.province_code:
            errors["province_code"] = _("Có mã xã/phường thì phải có mã tỉnh/thành phố.")
        if errors:
            raise ValidationError(errors)

    objects = OrganizationQuerySet.as_manager()

    SEARCH_FIELDS = ("name", "short_name", "tax_code", "ward_name", "province_name")

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        # What the search word rows were written from: a save that changes neither writes none.
        instance._search_words_of = (instance.__dict__.get("name"), instance.__dict__.get("search_text"))
        return instance

    def save(self, *args, **kwargs):
        self.search_text = self.build_search_text()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and set(update_fields) & set(self.SEARCH_FIELDS):
            kwargs["update_fields"] = {*update_fields, "search_text"}  # the key follows the fields it is built from
        existed = self.pk is not None
        super().save(*args, **kwargs)
        if update_fields is not None and not {"name", "search_text"} & set(kwargs["update_fields"]):
            return
        if getattr(self, "_search_words_of", None) != (self.name, self.search_text):
            OrganizationSearchWord.write_for([self], replace=existed)

    def build_search_text(self) -> str:
        parts = [getattr(self, name) for name in self.SEARCH_FIELDS]
        return fold(" ".join(p for p in parts if p))[:700]

    @property
    def address(self) -> str:
        return ", ".join(p for p in (self.street, self.ward_name, self.province_name) if p)

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class OrganizationSearchWord(models.Model):
    """One word of an organisation's search key, with the organisation's name: the B-tree on
    (word, name, organization) lists the organisations holding a word in name order, so the first
    page of a search for a common word reads a few index entries instead of sorting every match
    (registry.queries.search_first_keys, docs/decisions/0030).

    Written in one place, `write_for`, which `Organization.save` and `Organization.objects.bulk_create`
    call whenever the name or the search key is written; deleting an organisation deletes its
    rows (CASCADE). A QuerySet.update() of those columns would bypass it: there is none (use the
    services). `fill_search_words` (migration 0004, `manage.py rebuild_search_words`) writes
    them for every organisation.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="search_words",
                                     db_index=False)  # the unique (organization, word) index serves it
    word = models.CharField(max_length=700)
    name = models.CharField(max_length=255)  # Organization.name, the list's order

    class Meta:
        verbose_name = _("từ khóa tìm kiếm của tổ chức")
        verbose_name_plural = _("từ khóa tìm kiếm của tổ chức")
        constraints = [models.UniqueConstraint(fields=["organization", "word"], name="registry_org_word_unique")]
        indexes = [models.Index(fields=["word", "name", "organization"], name="registry_org_word_name")]

    @classmethod
    def write_for(cls, organizations, *, replace: bool = True) -> None:
        """(Re)write the word rows of `organizations` (saved ones) from their name and search key."""
        organizations = [org for org in organizations if org.pk is not None]
        if not organizations:
            return
        if replace:
            cls.objects.filter(organization_id__in=[org.pk for org in organizations]).delete()
        cls.objects.bulk_create([cls(organization_id=org.pk, word=word, name=org.name)
                                 for org in organizations for word in search_words(org.search_text)],
                                batch_size=2000)
        for org in organizations:
            org._search_words_of = (org.name, org.search_text)


def fill_search_words(organization_model=None, word_model=None, using: str = "default") -> int:
    """Rewrite every organisation's search words (migration 0004, `manage.py rebuild_search_words`);
    the number of rows written. On PostgreSQL one INSERT … SELECT splits the keys at single spaces
    as `search_words` does (tests/registry/test_search_words.py compares the two); elsewhere Python
    writes them in batches. Models may be historical ones (from a migration)."""
    from django.db import OperationalError, connections, transaction

    organization_model = organization_model or Organization
    word_model = word_model or OrganizationSearchWord
    connection = connections[using]
    if connection.vendor == "postgresql":
        words, orgs = word_model._meta.db_table, organization_model._meta.db_table
        with connection.cursor() as cursor:
            try:
                with transaction.atomic(using=using):  # TRUNCATE leaves no dead rows behind, a DELETE would
                    cursor.execute(f"TRUNCATE {words}")
            except OperationalError:  # rows written earlier in this transaction: their FK checks are pending
                cursor.execute(f"DELETE FROM {words}")
            cursor.execute(f"""
                INSERT INTO {words} (organization_id, word, name)
                SELECT DISTINCT o.id, e.word, o.name
                FROM {orgs} o CROSS JOIN LATERAL (
                    SELECT p.piece, p.i, lead(p.piece) OVER (ORDER BY p.i) AS next,
                           lead(p.piece, 2) OVER (ORDER BY p.i) AS after_next
                    FROM unnest(string_to_array(o.search_text, ' ')) WITH ORDINALITY AS p(piece, i)) AS w
                CROSS JOIN LATERAL (VALUES
                    (w.piece),
                    (CASE WHEN w.next <> '' THEN w.piece || ' ' || w.next END),
                    (CASE WHEN w.next <> '' AND w.after_next <> '' THEN w.piece || ' ' || w.next || ' ' || w.after_next END)
                ) AS e(word)
                WHERE w.i > 1 AND w.piece <> '' AND e.word IS NOT NULL""")
            cursor.execute(f"ANALYZE {words}")
    else:
        word_model.objects.using(using).all().delete()
        batch = []
        for pk, name, key in organization_model.objects.using(using).values_list("pk", "name", "search_text").iterator():
            batch.extend(word_model(organization_id=pk, word=word, name=name) for word in search_words(key))
            if len(batch) >= 5000:
                word_model.objects.using(using).bulk_create(batch)
                batch = []
        word_model.objects.using(using).bulk_create(batch)
    return word_model.objects.using(using).count()


class OrganizationUser(models.Model):
    """A user who acts for an organisation: a cooperative manager edits only their own."""

    class Role(models.TextChoices):
        MANAGER = "manager", _("Quản lý hồ sơ")
        MEMBER = "member", _("Thành viên")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="organization_links")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="user_links")
    role = models.CharField(_("vai trò"), max_length=20, choices=Role.choices, default=Role.MANAGER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("người dùng của tổ chức")
        verbose_name_plural = _("người dùng của tổ chức")
        constraints = [models.UniqueConstraint(fields=["user", "organization"], name="registry_orguser_unique")]

    def __str__(self):
        return f"{self.user} → {self.organization}"


class Person(models.Model):
    """A person known to the registry (board member, member). Personal data: minimal, with the
    purpose and consent recorded; never shown on public pages; exportable and erasable."""

    full_name = models.CharField(_("họ và tên"), max_length=150)
    gender = models.CharField(
        _("giới tính"), max_length=10, blank=True,
        choices=[("female", _("Nữ")), ("male", _("Nam")), ("other", _("Khác"))],
    )
    birth_year = models.PositiveSmallIntegerField(_("năm sinh"), null=True, blank=True)
    phone = models.CharField(_("điện thoại"), max_length=30, blank=True)
    email = models.EmailField(_("thư điện tử"), blank=True)
    id_number = models.CharField(_("số CCCD"), max_length=20, blank=True)
    consent_purpose = models.CharField(
        _("mục đích xử lý dữ liệu"), max_length=300, blank=True,
        default="Quản lý thành viên HTX và hỗ trợ của chương trình phối hợp",
    )
    consent_given_at = models.DateTimeField(_("thời điểm đồng ý"), null=True, blank=True)
    consent_withdrawn_at = models.DateTimeField(_("thời điểm rút đồng ý"), null=True, blank=True)
    erased_at = models.DateTimeField(_("thời điểm xóa dữ liệu"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # The audit log never holds these values, only that they changed (core.audit) …
    AUDIT_MASKED_FIELDS = ("phone", "email", "id_number")
    # … and erasure scrubs these from the entries already written (services.erase_person).
    AUDIT_ERASED_FIELDS = ("full_name", "gender", "birth_year", "phone", "email", "id_number")

    class Meta:
        ordering = ["full_name"]
        verbose_name = _("cá nhân")
        verbose_name_plural = _("cá nhân")

    def __str__(self):
        return self.full_name

    @property
    def has_consent(self) -> bool:
        return self.consent_given_at is not None and self.consent_withdrawn_at is None


class Membership(models.Model):
    class Role(models.TextChoices):
        CHAIR = "chair", _("Chủ tịch Hội đồng quản trị")
        DIRECTOR = "director", _("Giám đốc")
        VICE_DIRECTOR = "vice_director", _("Phó Giám đốc")
        ACCOUNTANT = "accountant", _("Kế toán")
        CONTROLLER = "controller", _("Kiểm soát viên")
        BOARD_MEMBER = "board_member", _("Thành viên Hội đồng quản trị")
        MEMBER = "member", _("Thành viên")
        EMPLOYEE = "employee", _("Người lao động")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("vai trò"), max_length=20, choices=Role.choices, default=Role.MEMBER)
    start_date = models.DateField(_("từ ngày"), null=True, blank=True)
    end_date = models.DateField(_("đến ngày"), null=True, blank=True)

    class Meta:
        ordering = ["organization", "role", "person__full_name"]
        verbose_name = _("tư cách thành viên")
        verbose_name_plural = _("tư cách thành viên")
        constraints = [
            models.UniqueConstraint(fields=["person", "organization", "role"], name="registry_membership_unique"),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(start_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="registry_membership_dates_ordered",
            ),
        ]

    def __str__(self):
        return f"{self.person} – {self.get_role_display()} – {self.organization}"


class Product(Verification):
    class Category(models.TextChoices):
        RICE = "rice", _("Lúa gạo")
        FRUIT = "fruit", _("Trái cây")
        VEGETABLE = "vegetable", _("Rau, củ")
        MUSHROOM = "mushroom", _("Nấm")
        LIVESTOCK = "livestock", _("Chăn nuôi, thịt, trứng")
        AQUATIC = "aquatic", _("Thủy sản")
        PROCESSED = "processed", _("Thực phẩm chế biến")
        BEVERAGE = "beverage", _("Đồ uống")
        INDUSTRIAL_CROP = "industrial_crop", _("Cây công nghiệp (cao su, cà phê, điều…)")
        HANDICRAFT = "handicraft", _("Thủ công mỹ nghệ")
        SERVICE = "service", _("Dịch vụ")
        OTHER = "other", _("Khác")

    producer = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="products", verbose_name=_("đơn vị sản xuất"))
    name = models.CharField(_("tên sản phẩm"), max_length=255)
    category = models.CharField(_("nhóm sản phẩm"), max_length=30, choices=Category.choices, default=Category.OTHER)
    unit = models.CharField(_("đơn vị tính"), max_length=30, blank=True, default="kg")
    season_months = models.JSONField(_("tháng thu hoạch"), default=list, blank=True)
    description = models.TextField(_("mô tả"), blank=True)
    # Normalised GTIN-14 (GTIN-8/12/13 left-padded with zeros); shown as printed (see validators.display_gtin).
    gtin = models.CharField(_("mã số mã vạch (GTIN)"), max_length=14, null=True, blank=True, unique=True,
                            validators=[validate_gtin])
    origin_province_code = models.CharField(_("mã tỉnh xuất xứ"), max_length=2, blank=True)
    origin_ward_code = models.CharField(_("mã xã/phường xuất xứ"), max_length=10, blank=True)
    origin_ward_name = models.CharField(_("xã/phường xuất xứ"), max_length=100, blank=True)
    is_public = models.BooleanField(_("công khai"), default=True)
    search_text = models.CharField(max_length=600, blank=True, editable=False, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("sản phẩm")
        verbose_name_plural = _("sản phẩm")
        constraints = [
            models.CheckConstraint(condition=Q(gtin__isnull=True) | Q(gtin__regex=r"^[0-9]{14}$"), name="registry_product_gtin_14_digits"),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        if self.gtin and Product.objects.filter(gtin=self.gtin).exclude(pk=self.pk).exists():
            errors["gtin"] = _("Mã GTIN %(gtin)s đã được gán cho một sản phẩm khác.") % {"gtin": self.gtin}
        months = self.season_months or []
        if not isinstance(months, list) or any(not isinstance(m, int) or not 1 <= m <= 12 for m in months):
            errors["season_months"] = _("Tháng thu hoạch phải là các số từ 1 đến 12.")
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        if self.gtin == "":
            self.gtin = None
        self.search_text = fold(f"{self.name} {self.gtin or ''}")[:600]
        super().save(*args, **kwargs)


class ProductPhoto(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("ảnh"), upload_to="registry/products/%Y/")
    caption = models.CharField(_("chú thích"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("ảnh sản phẩm")
        verbose_name_plural = _("ảnh sản phẩm")

    def __str__(self):
        return self.caption or self.image.name


class CertificationStatus(models.TextChoices):
    VALID = "valid", _("Còn hiệu lực")
    EXPIRING = "expiring", _("Sắp hết hạn")
    EXPIRED = "expired", _("Hết hiệu lực")


class Certification(Verification):
    class Type(models.TextChoices):
        ISO_9001 = "iso_9001", "ISO 9001:2015"
        ISO_22000 = "iso_22000", "ISO 22000"
        HACCP = "haccp", "HACCP"
        VIETGAP = "vietgap", "VietGAP"
        GLOBALGAP = "globalgap", "GlobalGAP"
        ORGANIC = "organic", _("Hữu cơ")
        OTHER = "other", _("Khác")

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="certifications", verbose_name=_("đơn vị được chứng nhận")
    )
    # Scope: the whole organisation when empty, else one of its products.
    product = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.CASCADE, related_name="certifications", verbose_name=_("sản phẩm")
    )
    type = models.CharField(_("loại chứng nhận"), max_length=20, choices=Type.choices)
    type_other = models.CharField(_("tên chứng nhận khác"), max_length=150, blank=True)
    number = models.CharField(_("số giấy chứng nhận"), max_length=100, blank=True)
    issuer = models.CharField(_("tổ chức cấp"), max_length=255, blank=True)
    issue_date = models.DateField(_("ngày cấp"))
    expiry_date = models.DateField(_("ngày hết hạn"), null=True, blank=True)
    document = models.FileField(_("bản quét giấy chứng nhận"), upload_to="registry/certifications/%Y/", blank=True, validators=[validate_document_file])
    expiry_reminder_sent_on = models.DateField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-issue_date"]
        verbose_name = _("chứng nhận")
        verbose_name_plural = _("chứng nhận")
        constraints = [
            models.CheckConstraint(
                condition=Q(expiry_date__isnull=True) | Q(expiry_date__gt=models.F("issue_date")),
                name="registry_certification_expiry_after_issue",
                violation_error_message=_("Ngày hết hạn phải sau ngày cấp."),
            ),
        ]

    def __str__(self):
        label = self.type_other if self.type == self.Type.OTHER and self.type_other else self.get_type_display()
        return f"{label} – {self.number}" if self.number else str(label)

    def clean(self):
        errors = {}
        if self.expiry_date and self.issue_date and self.expiry_date <= self.issue_date:
            errors["expiry_date"] = _("Ngày hết hạn (%(expiry)s) phải sau ngày cấp (%(issue)s).") % {
                "expiry": self.expiry_date.strftime("%d/%m/%Y"), "issue": self.issue_date.strftime("%d/%m/%Y")}
        if self.product_id and self.organization_id and self.product.producer_id != self.organization_id:
            errors["product"] = _("Sản phẩm được chứng nhận phải là sản phẩm của chính tổ chức này.")
        if self.type == self.Type.OTHER and not self.type_other:
            errors["type_other"] = _("Chọn loại “Khác” thì phải ghi tên chứng nhận.")
        if errors:
            raise ValidationError(errors)

    @property
    def type_label(self) -> str:
        return self.type_other if self.type == self.Type.OTHER and self.type_other else str(self.get_type_display())

    def status_on(self, today: datetime.date | None = None) -> str:
        today = today or datetime.date.today()
        if self.expiry_date is None:
            return CertificationStatus.VALID
        if self.expiry_date < today:
            return CertificationStatus.EXPIRED
        if (self.expiry_date - today).days <= EXPIRY_WARNING_DAYS:
            return CertificationStatus.EXPIRING
        return CertificationStatus.VALID

    @property
    def status(self) -> str:
        return self.status_on()

    @property
    def status_label(self) -> str:
        return str(CertificationStatus(self.status).label)

    @property
    def scope_label(self) -> str:
        return str(_("Sản phẩm: %(name)s") % {"name": self.product.name}) if self.product_id else str(_("Toàn tổ chức"))


class IPRight(Verification):
    class Kind(models.TextChoices):
        COLLECTIVE_MARK = "collective_mark", _("Nhãn hiệu tập thể")
        CERTIFICATION_MARK = "certification_mark", _("Nhãn hiệu chứng nhận")
        GEOGRAPHICAL_INDICATION = "geographical_indication", _("Chỉ dẫn địa lý")
        TRADEMARK = "trademark", _("Nhãn hiệu")

    class Status(models.TextChoices):
        GUIDANCE = "guidance", _("Đang được hướng dẫn lập hồ sơ")
        APPLIED = "applied", _("Đã nộp đơn")
        EXAMINING = "examining", _("Đang thẩm định")
        GRANTED = "granted", _("Đã cấp văn bằng")
        REFUSED = "refused", _("Bị từ chối")
        LAPSED = "lapsed", _("Hết hiệu lực")

    kind = models.CharField(_("loại"), max_length=30, choices=Kind.choices)
    name = models.CharField(_("tên nhãn hiệu / chỉ dẫn"), max_length=255)
    owner = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="ip_rights", verbose_name=_("chủ sở hữu")
    )
    status = models.CharField(_("tình trạng"), max_length=20, choices=Status.choices, default=Status.APPLIED)
    application_number = models.CharField(_("số đơn"), max_length=50, blank=True)
    application_date = models.DateField(_("ngày nộp đơn"), null=True, blank=True)
    number = models.CharField(_("số văn bằng"), max_length=50, blank=True)
    grant_date = models.DateField(_("ngày cấp văn bằng"), null=True, blank=True)
    expiry_date = models.DateField(_("ngày hết hạn"), null=True, blank=True)
    products_description = models.CharField(_("sản phẩm, dịch vụ mang nhãn"), max_length=500, blank=True)
    document = models.FileField(_("văn bằng / tài liệu"), upload_to="registry/ip/%Y/", blank=True, validators=[validate_document_file])
    notes = models.TextField(_("ghi chú"), blank=True)
    search_text = models.CharField(max_length=300, blank=True, editable=False, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("quyền sở hữu trí tuệ")
        verbose_name_plural = _("quyền sở hữu trí tuệ")
        constraints = [
            models.CheckConstraint(
                condition=Q(grant_date__isnull=True) | Q(application_date__isnull=True)
                | Q(grant_date__gte=models.F("application_date")),
                name="registry_ipright_grant_after_application",
                violation_error_message=_("Ngày cấp văn bằng phải từ ngày nộp đơn trở đi."),
            ),
            models.CheckConstraint(
                condition=Q(expiry_date__isnull=True) | Q(grant_date__isnull=True) | Q(expiry_date__gt=models.F("grant_date")),
                name="registry_ipright_expiry_after_grant",
                violation_error_message=_("Ngày hết hạn phải sau ngày cấp văn bằng."),
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} “{self.name}”"

    def clean(self):
        errors = {}
        if self.grant_date and self.application_date and self.grant_date < self.application_date:
            errors["grant_date"] = _("Ngày cấp văn bằng phải từ ngày nộp đơn trở đi.")
        if self.expiry_date and self.grant_date and self.expiry_date <= self.grant_date:
            errors["expiry_date"] = _("Ngày hết hạn phải sau ngày cấp văn bằng.")
        if self.status == self.Status.GRANTED and not self.grant_date:
            errors["grant_date"] = _("Nhãn hiệu đã cấp văn bằng thì phải có ngày cấp.")
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        self.search_text = fold(f"{self.name} {self.number} {self.application_number}")[:300]
        super().save(*args, **kwargs)


class IPUsageGrant(models.Model):
    """The right to use a mark granted to an organisation (e.g. NHCN "An Giang" to a cooperative)."""

    ip_right = models.ForeignKey(IPRight, on_delete=models.CASCADE, related_name="grants", verbose_name=_("nhãn hiệu"))
    grantee = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="ip_grants", verbose_name=_("đơn vị được trao quyền"))
    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.SET_NULL, related_name="ip_grants", verbose_name=_("sản phẩm"))
    product_description = models.CharField(_("sản phẩm được dùng nhãn"), max_length=255, blank=True)
    granted_on = models.DateField(_("ngày trao quyền"), null=True, blank=True)
    decision_number = models.CharField(_("số quyết định"), max_length=100, blank=True)
    notes = models.CharField(_("ghi chú"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["ip_right", "granted_on", "id"]
        verbose_name = _("quyền sử dụng nhãn hiệu")
        verbose_name_plural = _("quyền sử dụng nhãn hiệu")
        constraints = [
            models.UniqueConstraint(fields=["ip_right", "grantee", "product"], name="registry_ipgrant_unique"),
            models.UniqueConstraint(
                fields=["ip_right", "grantee"], condition=Q(product__isnull=True), name="registry_ipgrant_unique_noproduct"
            ),
        ]

    def __str__(self):
        return f"{self.ip_right.name} → {self.grantee}"


class OcopRating(Verification):
    class Level(models.TextChoices):
        PROVINCE = "province", _("Cấp tỉnh")
        NATIONAL = "national", _("Cấp quốc gia")

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="ocop_ratings", verbose_name=_("sản phẩm"))
    stars = models.PositiveSmallIntegerField(_("số sao"))
    total_score = models.PositiveSmallIntegerField(_("tổng điểm"), null=True, blank=True)
    score_parts = models.JSONField(_("điểm thành phần"), default=dict, blank=True)
    decision_number = models.CharField(_("số quyết định"), max_length=100)
    decision_date = models.DateField(_("ngày quyết định"))
    level = models.CharField(_("cấp đánh giá"), max_length=20, choices=Level.choices, default=Level.PROVINCE)
    document = models.FileField(_("quyết định công nhận"), upload_to="registry/ocop/%Y/", blank=True, validators=[validate_document_file])
    reminder_sent_on = models.DateField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-decision_date"]
        verbose_name = _("xếp hạng OCOP")
        verbose_name_plural = _("xếp hạng OCOP")
        constraints = [
            models.CheckConstraint(condition=Q(stars__gte=3, stars__lte=5), name="registry_ocop_stars_3_to_5",
                                   violation_error_message=_("Số sao OCOP phải từ 3 đến 5.")),
            models.CheckConstraint(
                condition=Q(total_score__isnull=True) | Q(total_score__lte=100), name="registry_ocop_score_max_100",
                violation_error_message=_("Tổng điểm OCOP tối đa là 100."),
            ),
            # 5 stars is the national level; a province council rates 3 or 4 stars.
            models.CheckConstraint(
                condition=~Q(stars=5) | Q(level="national"), name="registry_ocop_five_stars_national",
                violation_error_message=_("Sản phẩm OCOP 5 sao do Hội đồng cấp quốc gia đánh giá: chọn cấp quốc gia."),
            ),
        ]

    def __str__(self):
        return f"OCOP {self.stars}★ – {self.product}"

    def clean(self):
        errors = {}
        if self.stars is not None and not 3 <= self.stars <= 5:
            errors["stars"] = _("Số sao OCOP phải từ 3 đến 5 (đang là %(n)s).") % {"n": self.stars}
        if self.total_score is not None and self.total_score > 100:
            errors["total_score"] = _("Tổng điểm OCOP tối đa là 100 (đang là %(n)s).") % {"n": self.total_score}
        if self.stars == 5 and self.level != self.Level.NATIONAL:
            errors["level"] = _("Sản phẩm OCOP 5 sao do Hội đồng cấp quốc gia đánh giá: chọn cấp quốc gia.")
        if not isinstance(self.score_parts, dict):
            errors["score_parts"] = _("Điểm thành phần phải là bảng tên phần → điểm.")
        if errors:
            raise ValidationError(errors)

    @property
    def valid_until(self) -> datetime.date:
        return add_months(self.decision_date, OCOP_VALIDITY_MONTHS)

    def is_expired_on(self, today: datetime.date | None = None) -> bool:
        return self.valid_until < (today or datetime.date.today())

    @property
    def is_expired(self) -> bool:
        return self.is_expired_on()

    @property
    def status_label(self) -> str:
        return str(_("Hết hiệu lực") if self.is_expired else _("Còn hiệu lực"))
