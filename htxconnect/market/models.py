"""Market connection: the produce vocabulary, buyers, offers, demands, the matches notified,
connections between the two sides with their messages, and linkage contracts (Decree 98/2018)
with the deliveries made under them.

Every write goes through services.py; matching (matching.py) reads the folded product keys and
the vocabulary concept stored on each offer and demand.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from htxconnect.core import adminunits
from htxconnect.core.text import fold
from htxconnect.registry.models import Certification, Organization, Product
from htxconnect.registry.validators import validate_document_file

# --- Units -------------------------------------------------------------------------------------------------


class Unit(models.TextChoices):
    KG = "kg", "kg"
    TON = "tan", _("tấn")
    QUINTAL = "ta", _("tạ")
    YEN = "yen", _("yến")
    FRUIT = "qua", _("quả/trái")
    BOTTLE = "chai", _("chai")
    BOX = "hop", _("hộp")
    BUNCH = "bo", _("bó")
    HEAD = "con", _("con")
    LITRE = "lit", _("lít")
    TRAY = "khay", _("khay")


# Units of mass convert to kilograms; every other unit is only comparable with itself.
KG_PER_UNIT = {Unit.KG: Decimal(1), Unit.TON: Decimal(1000), Unit.QUINTAL: Decimal(100), Unit.YEN: Decimal(10)}


def unit_group(unit: str) -> str:
    return "kg" if unit in KG_PER_UNIT else unit


def to_base(quantity, unit: str) -> Decimal:
    """The quantity in its group's base unit (kg for mass units, else the unit itself)."""
    return Decimal(quantity) * KG_PER_UNIT.get(unit, Decimal(1))


def months_mask(months) -> int:
    mask = 0
    for m in months or []:
        mask |= 1 << (int(m) - 1)
    return mask


def _check_months(months, errors, field="months"):
    if not isinstance(months, list) or any(not isinstance(m, int) or not 1 <= m <= 12 for m in months):
        errors[field] = _("Tháng phải là các số từ 1 đến 12.")


def _check_prices(obj, errors):
    if obj.price_min is not None and obj.price_max is not None and obj.price_min > obj.price_max:
        errors["price_max"] = _("Khoảng giá bị ngược: giá từ %(a)s đ lớn hơn giá đến %(b)s đ. "
                                "Nhập giá thấp trước, giá cao sau.") % {
            "a": f"{obj.price_min:,}".replace(",", "."), "b": f"{obj.price_max:,}".replace(",", ".")}


def _check_place(obj, errors):
    if obj.province_code and adminunits.get_province(obj.province_code) is None:
        errors["province_code"] = _("Mã tỉnh/thành phố “%(c)s” không có trong danh mục hiện hành.") % {
            "c": obj.province_code}
    if obj.ward_code:
        ward = adminunits.get_ward(obj.ward_code)
        if ward is None:
            errors["ward_code"] = _("Mã xã/phường “%(c)s” không có trong danh mục hiện hành.") % {"c": obj.ward_code}
        elif obj.province_code and ward.province_code != obj.province_code:
            errors["ward_code"] = _("Xã/phường “%(w)s” không thuộc tỉnh/thành phố đã chọn.") % {"w": ward.name}


# --- Vocabulary ----------------------------------------------------------------------------------------------


class ProductConcept(models.Model):
    """One kind of produce whatever it is called: dứa = thơm = khóm."""

    key = models.SlugField(_("mã"), max_length=60, unique=True)
    name = models.CharField(_("tên chuẩn"), max_length=120)
    category = models.CharField(_("nhóm sản phẩm"), max_length=30, choices=Product.Category.choices,
                                default=Product.Category.OTHER, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("sản phẩm trong từ điển")
        verbose_name_plural = _("từ điển sản phẩm")

    def __str__(self):
        return self.name


class ProductTerm(models.Model):
    """A name of a concept, with where it is used ("khóm" – miền Tây Nam Bộ)."""

    concept = models.ForeignKey(ProductConcept, on_delete=models.CASCADE, related_name="terms",
                                verbose_name=_("sản phẩm"))
    term = models.CharField(_("tên gọi"), max_length=120)
    # Lower case with diacritics (exact) and folded (accent-insensitive): an exact spelling wins
    # over a folded one, so "dưa hấu" and "dứa" stay apart even though both fold to "dua…".
    term_lower = models.CharField(max_length=120, editable=False, unique=True)
    term_folded = models.CharField(max_length=120, editable=False, db_index=True)
    region = models.CharField(_("vùng dùng tên này"), max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["concept", "term"]
        verbose_name = _("tên gọi sản phẩm")
        verbose_name_plural = _("tên gọi sản phẩm")

    def __str__(self):
        return self.term

    def save(self, *args, **kwargs):
        self.term_lower = " ".join(self.term.lower().split())
        self.term_folded = fold(self.term)
        super().save(*args, **kwargs)


# --- Buyers --------------------------------------------------------------------------------------------------


class Buyer(models.Model):
    """A buying organisation (supermarket, exporter, processor, school kitchen…) and its users."""

    class Kind(models.TextChoices):
        SUPERMARKET = "supermarket", _("Siêu thị, chuỗi bán lẻ")
        DISTRIBUTOR = "distributor", _("Nhà phân phối, thương lái")
        EXPORTER = "exporter", _("Doanh nghiệp xuất khẩu")
        PROCESSOR = "processor", _("Cơ sở chế biến")
        SCHOOL_KITCHEN = "school_kitchen", _("Bếp ăn trường học, bếp ăn tập thể")
        RESTAURANT = "restaurant", _("Nhà hàng, khách sạn")
        OTHER = "other", _("Khác")

    name = models.CharField(_("tên tổ chức mua"), max_length=255)
    kind = models.CharField(_("loại hình"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    tax_code = models.CharField(_("mã số thuế"), max_length=14, blank=True)
    province_code = models.CharField(_("mã tỉnh/thành phố"), max_length=2, blank=True, db_index=True)
    ward_code = models.CharField(_("mã xã/phường"), max_length=10, blank=True)
    address = models.CharField(_("địa chỉ"), max_length=300, blank=True)
    contact_name = models.CharField(_("người liên hệ"), max_length=150, blank=True)
    phone = models.CharField(_("điện thoại"), max_length=30, blank=True)
    email = models.EmailField(_("thư điện tử"), blank=True)
    users = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="market_buyers")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tổ chức mua")
        verbose_name_plural = _("tổ chức mua")

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        _check_place(self, errors)
        if errors:
            raise ValidationError(errors)


# --- Offers and demands --------------------------------------------------------------------------------------


class Listing(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Đang mở")
        CLOSED = "closed", _("Đã đóng")

    concept = models.ForeignKey(ProductConcept, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                verbose_name=_("sản phẩm theo từ điển"))
    product_folded = models.CharField(max_length=300, editable=False, db_index=True)
    quantity = models.DecimalField(_("số lượng"), max_digits=14, decimal_places=2)
    unit = models.CharField(_("đơn vị"), max_length=10, choices=Unit.choices, default=Unit.KG)
    months_mask = models.PositiveIntegerField(_("tháng có hàng"), default=0, editable=False)
    price_min = models.PositiveBigIntegerField(_("giá từ (đồng/đơn vị)"), null=True, blank=True)
    price_max = models.PositiveBigIntegerField(_("giá đến (đồng/đơn vị)"), null=True, blank=True)
    province_code = models.CharField(_("mã tỉnh/thành phố"), max_length=2, blank=True, db_index=True)
    ward_code = models.CharField(_("mã xã/phường"), max_length=10, blank=True)
    status = models.CharField(_("trạng thái"), max_length=10, choices=Status.choices, default=Status.OPEN)
    note = models.TextField(_("ghi chú"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    @property
    def months(self) -> list[int]:
        return [m for m in range(1, 13) if self.months_mask & (1 << (m - 1))]

    @property
    def place_label(self) -> str:
        ward = adminunits.get_ward(self.ward_code) if self.ward_code else None
        province = adminunits.get_province(self.province_code) if self.province_code else None
        return ", ".join(str(x.name) for x in (ward, province) if x is not None)


class Offer(Listing):
    """What a cooperative can sell: "khóm Cầu Đúc, 20 tấn, vụ tháng 3–6"."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="market_offers",
                                     verbose_name=_("hợp tác xã"))
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="market_offers",
                                verbose_name=_("sản phẩm"))
    title = models.CharField(_("tên hàng chào bán"), max_length=200, blank=True,
                             help_text=_("Tên gọi người mua hay dùng, ví dụ “khóm Cầu Đúc”."))
    min_order = models.DecimalField(_("đơn hàng tối thiểu"), max_digits=14, decimal_places=2, null=True, blank=True)
    delivery_area = models.CharField(_("khu vực giao hàng"), max_length=300, blank=True)
    expires_on = models.DateField(_("hết hạn chào bán"), db_index=True)
    certifications = models.ManyToManyField(Certification, blank=True, related_name="market_offers",
                                            verbose_name=_("chứng nhận"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("chào bán")
        verbose_name_plural = _("chào bán")
        indexes = [models.Index(fields=["concept", "status", "expires_on"], name="market_offer_concept_open")]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="market_offer_quantity_positive"),
            models.CheckConstraint(condition=Q(price_min__isnull=True) | Q(price_max__isnull=True)
                                   | Q(price_min__lte=models.F("price_max")), name="market_offer_prices_ordered"),
        ]

    def __str__(self):
        return self.title or self.product.name

    @property
    def name(self) -> str:
        return self.title or self.product.name

    def clean(self):
        errors = {}
        if self.quantity is not None and self.quantity <= 0:
            errors["quantity"] = _("Số lượng phải lớn hơn 0.")
        if self.min_order is not None and self.quantity is not None and self.min_order > self.quantity:
            errors["min_order"] = _("Đơn hàng tối thiểu (%(m)s) không được lớn hơn số lượng chào bán (%(q)s).") % {
                "m": f"{self.min_order.normalize():f}", "q": f"{self.quantity.normalize():f}"}
        if self.product_id and self.organization_id and self.product.producer_id != self.organization_id:
            errors["product"] = _("Sản phẩm phải là sản phẩm của chính hợp tác xã chào bán.")
        if not self.months_mask:
            errors["months_mask"] = _("Chọn ít nhất một tháng có hàng.")
        _check_prices(self, errors)
        _check_place(self, errors)
        if errors:
            raise ValidationError(errors)


class Demand(Listing):
    """What a buyer needs: "2 tấn thơm mỗi tuần, VietGAP, giao TP.HCM"."""

    class Frequency(models.TextChoices):
        ONCE = "once", _("một lần")
        WEEKLY = "weekly", _("mỗi tuần")
        MONTHLY = "monthly", _("mỗi tháng")

    buyer = models.ForeignKey(Buyer, on_delete=models.PROTECT, related_name="demands", verbose_name=_("tổ chức mua"))
    product_name = models.CharField(_("sản phẩm cần mua"), max_length=200)
    frequency = models.CharField(_("tần suất"), max_length=10, choices=Frequency.choices, default=Frequency.ONCE)
    required_certifications = models.JSONField(_("chứng nhận yêu cầu"), default=list, blank=True)
    delivery_place = models.CharField(_("nơi giao hàng"), max_length=300, blank=True)
    starts_on = models.DateField(_("giao từ ngày"))
    ends_on = models.DateField(_("giao đến ngày"), db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("nhu cầu mua")
        verbose_name_plural = _("nhu cầu mua")
        indexes = [models.Index(fields=["concept", "status", "ends_on"], name="market_demand_concept_open")]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="market_demand_quantity_positive"),
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="market_demand_period"),
            models.CheckConstraint(condition=Q(price_min__isnull=True) | Q(price_max__isnull=True)
                                   | Q(price_min__lte=models.F("price_max")), name="market_demand_prices_ordered"),
        ]

    def __str__(self):
        return self.product_name

    @property
    def name(self) -> str:
        return self.product_name

    def clean(self):
        errors = {}
        if self.quantity is not None and self.quantity <= 0:
            errors["quantity"] = _("Số lượng phải lớn hơn 0.")
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = _("Giao đến ngày (%(e)s) phải từ ngày bắt đầu giao (%(s)s) trở đi.") % {
                "e": self.ends_on.strftime("%d/%m/%Y"), "s": self.starts_on.strftime("%d/%m/%Y")}
        known = set(Certification.Type.values) - {Certification.Type.OTHER}
        if not isinstance(self.required_certifications, list):
            errors["required_certifications"] = _("Chứng nhận yêu cầu phải là một danh sách.")
        else:
            unknown = [str(t) for t in self.required_certifications if t not in known]
            if unknown:
                errors["required_certifications"] = _(
                    "Loại chứng nhận “%(t)s” không có trong danh mục (có: %(known)s).") % {
                    "t": ", ".join(unknown),
                    "known": ", ".join(str(Certification.Type(k).label) for k in sorted(known))}
        if not self.province_code:
            errors["province_code"] = _("Chọn tỉnh/thành phố nơi giao hàng.")
        _check_prices(self, errors)
        _check_place(self, errors)
        if errors:
            raise ValidationError(errors)

    @property
    def required_labels(self) -> list[str]:
        return [str(Certification.Type(t).label) for t in self.required_certifications
                if t in Certification.Type.values]


class Match(models.Model):
    """A match computed by the matching task and notified to both sides (the pages compute live)."""

    demand = models.ForeignKey(Demand, on_delete=models.CASCADE, related_name="matches")
    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="matches")
    score = models.PositiveSmallIntegerField()
    reasons = models.JSONField(default=list)
    notified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-score", "id"]
        verbose_name = _("kết quả ghép nối")
        verbose_name_plural = _("kết quả ghép nối")
        constraints = [models.UniqueConstraint(fields=["demand", "offer"], name="market_match_once")]


# --- Connections ---------------------------------------------------------------------------------------------


class Side(models.TextChoices):
    BUYER = "buyer", _("bên mua")
    COOPERATIVE = "cooperative", _("hợp tác xã")


class Connection(models.Model):
    """A buyer and a cooperative following one match through to a contract."""

    class Stage(models.TextChoices):
        REQUESTED = "requested", _("Đã gửi đề nghị kết nối")
        CONTACTED = "contacted", _("Đã đồng ý, đang liên hệ")
        SAMPLES = "samples", _("Gửi mẫu")
        NEGOTIATING = "negotiating", _("Đàm phán")
        SIGNED = "signed", _("Đã ký hợp đồng")
        DELIVERING = "delivering", _("Đang giao hàng")
        CLOSED = "closed", _("Hoàn tất")
        DROPPED = "dropped", _("Dừng / từ chối")

    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="connections", verbose_name=_("chào bán"))
    demand = models.ForeignKey(Demand, on_delete=models.PROTECT, related_name="connections",
                               verbose_name=_("nhu cầu mua"))
    initiated_by = models.CharField(_("bên đề nghị"), max_length=12, choices=Side.choices)
    stage = models.CharField(_("giai đoạn"), max_length=12, choices=Stage.choices, default=Stage.REQUESTED,
                             db_index=True)
    # The supply–demand session (an events.Event of kind supply_demand) this connection came from.
    # A plain id, not a foreign key: market and events sit side by side in the import layers and
    # neither may import the other (docs/decisions/0015-market-links-to-events-by-id.md).
    session_event_id = models.PositiveIntegerField(_("phiên kết nối cung cầu (mã sự kiện)"), null=True, blank=True,
                                                   db_index=True)
    remind_on = models.DateField(_("nhắc việc ngày"), null=True, blank=True, db_index=True)
    remind_note = models.CharField(_("nội dung nhắc"), max_length=300, blank=True)
    reminder_sent_on = models.DateField(null=True, blank=True, editable=False)
    drop_reason = models.CharField(_("lý do dừng"), max_length=500, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    accepted_at = models.DateTimeField(_("thời điểm hai bên đồng ý"), null=True, blank=True)
    stage_changed_at = models.DateTimeField(auto_now_add=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("kết nối")
        verbose_name_plural = _("kết nối")
        constraints = [models.UniqueConstraint(fields=["offer", "demand"], name="market_connection_once")]

    def __str__(self):
        return f"{self.offer.organization} – {self.demand.buyer}: {self.demand.product_name}"

    @property
    def contacts_revealed(self) -> bool:
        """Contact details are shown only once the other side has agreed (accepted the request)."""
        return self.accepted_at is not None


class Message(models.Model):
    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    side = models.CharField(max_length=12, choices=Side.choices)
    # Stored as typed; shown escaped (never marked safe), so HTML and scripts are only text.
    body = models.TextField(_("nội dung"), max_length=4000)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("tin nhắn")
        verbose_name_plural = _("tin nhắn")


# --- Linkage contracts ---------------------------------------------------------------------------------------


class Deal(models.Model):
    """A production–consumption linkage contract (Decree 98/2018/NĐ-CP, art. 6)."""

    connection = models.OneToOneField(Connection, on_delete=models.PROTECT, related_name="deal")
    number = models.CharField(_("số hợp đồng"), max_length=60, blank=True)
    product_name = models.CharField(_("sản phẩm"), max_length=200)
    quantity = models.DecimalField(_("số lượng"), max_digits=14, decimal_places=2)
    unit = models.CharField(_("đơn vị"), max_length=10, choices=Unit.choices)
    quality = models.TextField(_("chất lượng, quy cách, tiêu chuẩn"))
    price_method = models.TextField(_("giá và phương thức xác định giá"))
    unit_price = models.PositiveBigIntegerField(_("đơn giá (đồng/đơn vị)"))
    delivery_terms = models.TextField(_("thời gian, địa điểm, phương thức giao nhận"))
    payment_terms = models.TextField(_("phương thức thanh toán"))
    responsibilities = models.TextField(_("quyền và nghĩa vụ của các bên"))
    dispute_resolution = models.TextField(_("giải quyết tranh chấp"),
                                          default="Thương lượng, hòa giải; không thành thì đưa ra Tòa án có thẩm quyền.")
    force_majeure = models.TextField(_("bất khả kháng"), blank=True)
    starts_on = models.DateField(_("hiệu lực từ ngày"))
    ends_on = models.DateField(_("hiệu lực đến ngày"))
    signed_on = models.DateField(_("ngày ký"))
    file = models.FileField(_("bản hợp đồng đã ký"), upload_to="market/deals/%Y/", blank=True,
                            validators=[validate_document_file])
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-signed_on", "-id"]
        verbose_name = _("hợp đồng liên kết")
        verbose_name_plural = _("hợp đồng liên kết")
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="market_deal_period"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="market_deal_quantity_positive"),
        ]

    def __str__(self):
        return self.number or f"HĐ {self.product_name}"

    @property
    def value(self) -> int:
        return int((self.quantity * self.unit_price).to_integral_value())

    def clean(self):
        errors = {}
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = _("Ngày hết hiệu lực phải từ ngày bắt đầu trở đi.")
        if self.quantity is not None and self.quantity <= 0:
            errors["quantity"] = _("Số lượng phải lớn hơn 0.")
        if errors:
            raise ValidationError(errors)


class Delivery(models.Model):
    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="deliveries")
    delivered_on = models.DateField(_("ngày giao"))
    quantity = models.DecimalField(_("số lượng"), max_digits=14, decimal_places=2)
    note = models.CharField(_("ghi chú"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["delivered_on", "id"]
        verbose_name = _("lần giao hàng")
        verbose_name_plural = _("lần giao hàng")
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="market_delivery_quantity_positive")]
