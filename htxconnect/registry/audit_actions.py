"""Audit action types of the registry (see core.audit)."""

from django.utils.translation import gettext_lazy as _

from htxconnect.core.audit import action

ORGANIZATION_CREATED = action("registry.organization.created", _("Thêm tổ chức"))
ORGANIZATION_UPDATED = action("registry.organization.updated", _("Sửa tổ chức"))
ORGANIZATION_STATUS_CHANGED = action("registry.organization.status_changed", _("Đổi tình trạng hoạt động của tổ chức"))
ORGANIZATION_USER_LINKED = action("registry.organization.user_linked", _("Gán người dùng cho tổ chức"))
ORGANIZATION_USER_UNLINKED = action("registry.organization.user_unlinked", _("Gỡ người dùng khỏi tổ chức"))

PERSON_CREATED = action("registry.person.created", _("Thêm người"))
PERSON_UPDATED = action("registry.person.updated", _("Sửa thông tin người"))
PERSON_CONSENT_GIVEN = action("registry.person.consent_given", _("Ghi nhận đồng ý xử lý dữ liệu cá nhân"))
PERSON_CONSENT_WITHDRAWN = action("registry.person.consent_withdrawn", _("Rút lại đồng ý xử lý dữ liệu cá nhân"))
PERSON_EXPORTED = action("registry.person.exported", _("Xuất dữ liệu cá nhân (JSON)"))
PERSON_ERASED = action("registry.person.erased", _("Xóa dữ liệu cá nhân theo yêu cầu"))
MEMBERSHIP_CREATED = action("registry.membership.created", _("Thêm thành viên vào tổ chức"))
MEMBERSHIP_ENDED = action("registry.membership.ended", _("Kết thúc tư cách thành viên"))

PRODUCT_CREATED = action("registry.product.created", _("Thêm sản phẩm"))
PRODUCT_UPDATED = action("registry.product.updated", _("Sửa sản phẩm"))
PRODUCT_DELETED = action("registry.product.deleted", _("Xóa sản phẩm"))
PRODUCT_PHOTO_ADDED = action("registry.product.photo_added", _("Thêm ảnh sản phẩm"))
PRODUCT_PHOTO_DELETED = action("registry.product.photo_deleted", _("Xóa ảnh sản phẩm"))

CERTIFICATION_CREATED = action("registry.certification.created", _("Thêm chứng nhận"))
CERTIFICATION_UPDATED = action("registry.certification.updated", _("Sửa chứng nhận"))
CERTIFICATION_DELETED = action("registry.certification.deleted", _("Xóa chứng nhận"))

IPRIGHT_CREATED = action("registry.ipright.created", _("Thêm quyền sở hữu trí tuệ"))
IPRIGHT_UPDATED = action("registry.ipright.updated", _("Sửa quyền sở hữu trí tuệ"))
IPUSAGEGRANT_CREATED = action("registry.ipusagegrant.created", _("Cho phép sử dụng nhãn hiệu"))
IPUSAGEGRANT_DELETED = action("registry.ipusagegrant.deleted", _("Thu hồi quyền sử dụng nhãn hiệu"))

OCOPRATING_CREATED = action("registry.ocoprating.created", _("Thêm kết quả đánh giá OCOP"))
OCOPRATING_UPDATED = action("registry.ocoprating.updated", _("Sửa kết quả đánh giá OCOP"))

IMPORT_COMMITTED = action("registry.import.committed", _("Nhập dữ liệu từ tệp Excel"))
EXPORT_ORGANIZATIONS = action("registry.export.organizations", _("Xuất danh sách tổ chức (Excel)"))
EXPORT_PRODUCTS = action("registry.export.products", _("Xuất danh sách sản phẩm (Excel)"))
EXPORT_IMPORT_ERRORS = action("registry.export.import_errors", _("Tải các dòng lỗi của lượt nhập (Excel)"))

# Verification, by the model verified (`obj._meta.model_name`).
VERIFIED = {
    "organization": action("registry.organization.verified", _("Xác minh tổ chức")),
    "product": action("registry.product.verified", _("Xác minh sản phẩm")),
    "certification": action("registry.certification.verified", _("Xác minh chứng nhận")),
    "ipright": action("registry.ipright.verified", _("Xác minh quyền sở hữu trí tuệ")),
    "ocoprating": action("registry.ocoprating.verified", _("Xác minh kết quả OCOP")),
}
UNVERIFIED = {
    "organization": action("registry.organization.unverified", _("Bỏ xác minh tổ chức")),
    "product": action("registry.product.unverified", _("Bỏ xác minh sản phẩm")),
    "certification": action("registry.certification.unverified", _("Bỏ xác minh chứng nhận")),
    "ipright": action("registry.ipright.unverified", _("Bỏ xác minh quyền sở hữu trí tuệ")),
    "ocoprating": action("registry.ocoprating.unverified", _("Bỏ xác minh kết quả OCOP")),
}
