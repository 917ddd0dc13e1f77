"""The columns of the registry workbook (import template and export): one definition, so an
export can be re-imported and the template, the parser and the exporter never disagree."""

from __future__ import annotations

from dataclasses import dataclass, field

from htxconnect.core.text import fold

from ..models import Certification, OcopRating, Organization, Product

TEXT, INT, DATE, CHOICE, LIST, MONTHS, TAX, GTIN = "text", "int", "date", "choice", "list", "months", "tax", "gtin"


@dataclass(frozen=True)
class Column:
    key: str  # model field (or pseudo-field such as producer_tax_code)
    header: str  # Vietnamese header as written in row 1 (without the "*" of required columns)
    kind: str = TEXT
    required: bool = False
    choices: tuple = ()  # ((value, label), …) for CHOICE
    help: str = ""
    example: str = ""
    width: int = 18

    @property
    def title(self) -> str:
        return f"{self.header} *" if self.required else self.header


@dataclass(frozen=True)
class Sheet:
    key: str  # "organizations" / "products" / "certifications"
    title: str  # sheet name in the workbook
    columns: tuple[Column, ...] = field(default_factory=tuple)

    def by_header(self) -> dict[str, Column]:
        return {header_key(c.header): c for c in self.columns}

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


def header_key(text) -> str:
    """Headers match whatever their case, accents, spacing or "*" marker: "ma so thue" = "Mã số thuế *"."""
    return fold(str(text or "").replace("*", " ")).strip(" :")


def _choices(choices) -> tuple:
    return tuple((value, str(label)) for value, label in choices)


ORGANIZATIONS = Sheet("organizations", "Tổ chức", (
    Column("tax_code", "Mã số thuế", TAX, help="10 chữ số, hoặc 10 chữ số-3 chữ số chi nhánh (0312687878-001). "
           "Dùng để nhận ra tổ chức đã có trong sổ.", example="0312687878", width=16),
    Column("name", "Tên tổ chức", required=True, example="HTX Nông nghiệp Phước Hòa", width=36),
    Column("short_name", "Tên viết tắt", example="HTX Phước Hòa"),
    Column("kind", "Loại hình", CHOICE, choices=_choices(Organization.Kind.choices),
           help="Chọn trong danh sách; bỏ trống = Hợp tác xã.", example="Hợp tác xã"),
    Column("registration_number", "Số đăng ký", example="3701234567"),
    Column("registration_date", "Ngày đăng ký", DATE, help="dd/mm/yyyy", example="15/03/2019", width=14),
    Column("legal_representative", "Người đại diện theo pháp luật", example="Nguyễn Văn A", width=26),
    Column("members_count", "Số thành viên", INT, example="25", width=12),
    Column("charter_capital", "Vốn điều lệ (đồng)", INT, help="Số nguyên, không ghi “đ”.", example="500000000"),
    Column("sectors", "Lĩnh vực", LIST, help="Tên hoặc mã lĩnh vực trong trang “Danh mục”, cách nhau bằng dấu “;”.",
           example="Trồng trọt; Cây ăn quả", width=24),
    Column("established_on", "Ngày thành lập", DATE, help="dd/mm/yyyy", example="01/06/2018", width=14),
    Column("status", "Tình trạng", CHOICE, choices=_choices(Organization.Status.choices),
           help="Bỏ trống = Đang hoạt động.", example="Đang hoạt động"),
    Column("street", "Số nhà, đường, ấp/khu phố", example="Ấp 3", width=24),
    Column("address", "Địa chỉ (xã/phường, huyện, tỉnh)",
           help="Ghi như trên giấy tờ, kể cả theo đơn vị hành chính trước 1/7/2025 (ví dụ “xã Tân Hiệp, huyện Phú "
                "Giáo, tỉnh Bình Dương”): hệ thống tự chuyển sang xã/phường hiện hành và cho xem trước.",
           example="xã Tân Hiệp, huyện Phú Giáo, tỉnh Bình Dương", width=40),
    Column("province_code", "Mã tỉnh/thành phố", help="Mã đơn vị hiện hành (không bắt buộc; nếu có thì dùng mã này).",
           example="79", width=12),
    Column("ward_code", "Mã xã/phường", help="Mã xã/phường hiện hành (không bắt buộc; nếu có thì dùng mã này thay "
           "cho việc chuyển đổi địa chỉ).", example="", width=12),
    Column("phone", "Điện thoại", example="0909123456", width=14),
    Column("email", "Thư điện tử", example="htxphuochoa@example.vn", width=24),
    Column("website", "Trang web", example="https://example.vn", width=22),
    Column("description", "Giới thiệu", width=30),
))

PRODUCTS = Sheet("products", "Sản phẩm", (
    Column("producer_tax_code", "Mã số thuế đơn vị sản xuất", TAX,
           help="Mã số thuế của tổ chức (trong trang “Tổ chức” của tệp này hoặc đã có trong sổ).",
           example="0312687878", width=18),
    Column("producer_name", "Tên đơn vị sản xuất", help="Dùng khi đơn vị chưa có mã số thuế.",
           example="HTX Nông nghiệp Phước Hòa", width=30),
    Column("name", "Tên sản phẩm", required=True, example="Bưởi da xanh", width=28),
    Column("category", "Nhóm sản phẩm", CHOICE, choices=_choices(Product.Category.choices),
           help="Chọn trong danh sách; bỏ trống = Khác.", example="Trái cây"),
    Column("unit", "Đơn vị tính", example="kg", width=10),
    Column("season_months", "Tháng thu hoạch", MONTHS, help="Ví dụ “1,2,3” hoặc “8-12”.", example="8-12", width=14),
    Column("gtin", "Mã GTIN (mã vạch)", GTIN, help="GTIN-8/12/13/14 có số kiểm tra đúng; định dạng ô là Văn bản.",
           example="8930000000019", width=18),
    Column("origin_ward_code", "Mã xã/phường xuất xứ", example="", width=14),
    Column("description", "Mô tả", width=30),
))

CERTIFICATIONS = Sheet("certifications", "Chứng nhận", (
    Column("organization_tax_code", "Mã số thuế đơn vị", TAX, example="0312687878", width=18),
    Column("organization_name", "Tên đơn vị", help="Dùng khi đơn vị chưa có mã số thuế.", width=30),
    Column("product_name", "Tên sản phẩm được chứng nhận",
           help="Bỏ trống nếu chứng nhận cho cả tổ chức; nếu ghi thì phải là sản phẩm của đơn vị.", width=26),
    Column("type", "Loại chứng nhận", CHOICE, required=True, choices=_choices(Certification.Type.choices),
           example="VietGAP"),
    Column("type_other", "Tên chứng nhận khác", help="Bắt buộc khi loại là “Khác”.", width=20),
    Column("number", "Số giấy chứng nhận", example="VietGAP-TT-12-34", width=20),
    Column("issuer", "Tổ chức cấp", example="Trung tâm Chứng nhận ABC", width=26),
    Column("issue_date", "Ngày cấp", DATE, required=True, help="dd/mm/yyyy", example="10/01/2025", width=14),
    Column("expiry_date", "Ngày hết hạn", DATE, help="dd/mm/yyyy, sau ngày cấp.", example="09/01/2027", width=14),
))

# A province's published list of OCOP products (product, producer, address, stars, score, decision
# number and date, level), as the provinces publish it: one rating a row.
OCOP = Sheet("ocop", "OCOP", (
    Column("producer_tax_code", "Mã số thuế chủ thể", TAX, help="Mã số thuế của chủ thể OCOP (trong trang “Tổ chức” "
           "của tệp này hoặc đã có trong sổ).", example="0312687878", width=18),
    Column("producer_name", "Chủ thể OCOP", help="Tên đơn vị sản xuất; dùng khi chưa có mã số thuế.",
           example="HTX Nông nghiệp Phước Hòa", width=30),
    Column("producer_address", "Địa chỉ chủ thể", help="Như trong danh sách công bố; chỉ để đối chiếu, địa chỉ "
           "của đơn vị lấy từ sổ đăng ký.", example="xã Tân Hiệp, huyện Phú Giáo, tỉnh Bình Dương", width=34),
    Column("product_name", "Tên sản phẩm", required=True, help="Sản phẩm chưa có trong sổ sẽ được tạo cho chủ thể.",
           example="Bưởi da xanh", width=28),
    Column("stars", "Số sao", INT, required=True, help="3, 4 hoặc 5.", example="4", width=8),
    Column("total_score", "Tổng điểm", INT, help="Trên thang 100: 50–69 điểm = 3 sao, 70–89 = 4 sao, 90–100 = 5 sao.",
           example="78", width=10),
    Column("decision_number", "Số quyết định", required=True, example="1234/QĐ-UBND", width=18),
    Column("decision_date", "Ngày quyết định", DATE, required=True, help="dd/mm/yyyy", example="20/12/2024", width=14),
    Column("level", "Cấp đánh giá", CHOICE, choices=_choices(OcopRating.Level.choices),
           help="Bỏ trống = cấp tỉnh (5 sao là cấp quốc gia).", example="Cấp tỉnh"),
))

SHEETS = (ORGANIZATIONS, PRODUCTS, CERTIFICATIONS, OCOP)
SHEETS_BY_KEY = {s.key: s for s in SHEETS}
INSTRUCTIONS_TITLE = "Hướng dẫn"
LISTS_TITLE = "Danh mục"
IGNORED_SHEETS = {header_key(INSTRUCTIONS_TITLE), header_key(LISTS_TITLE)}
# The column the "rows with errors" workbook adds (importer/corrections.py): read past on upload,
# so the corrected file goes back in as it is.
ERRORS_HEADER = "Lỗi cần sửa"
IGNORED_HEADERS = {header_key(ERRORS_HEADER)}

