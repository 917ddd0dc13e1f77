"""Audit action types of the resolver: GS1 prefixes, places, lots, links, labels (see core.audit)."""

from django.utils.translation import gettext_lazy as _

from htxconnect.core.audit import action

PREFIX_REGISTERED = action("resolver.prefix.registered", _("Đăng ký mã doanh nghiệp GS1"))
LOCATION_CREATED = action("resolver.location.created", _("Thêm địa điểm"))
LOT_CREATED = action("resolver.lot.created", _("Thêm lô hàng"))
LOT_UPDATED = action("resolver.lot.updated", _("Sửa lô hàng"))
LOT_RECALLED = action("resolver.lot.recalled", _("Thu hồi lô hàng"))
LOT_RECALL_CANCELLED = action("resolver.lot.recall_cancelled", _("Hủy thu hồi lô hàng"))
LOT_EXPORTED = action("resolver.lot.exported", _("Xuất dữ liệu lô hàng (JSON)"))
LINK_ADDED = action("resolver.link.added", _("Thêm liên kết quét mã"))
LINK_DELETED = action("resolver.link.deleted", _("Xóa liên kết quét mã"))
PROBLEM_REPORTED = action("resolver.problem.reported", _("Người tiêu dùng báo lỗi sản phẩm"))
PRINTRUN_CREATED = action("resolver.printrun.created", _("Tạo đợt in tem"))
LABELS_EXPORTED = action("resolver.printrun.exported", _("Tải tệp tem nhãn (PDF)"))
STEP_RECORDED = action("resolver.step.recorded", _("Ghi công đoạn của lô hàng"))
