"""Audit action types of traceability: the EPCIS repository (see core.audit)."""

from django.utils.translation import gettext_lazy as _

from htxconnect.core.audit import action

EPCIS_CAPTURED = action("trace.epcis.captured", _("Nhận sự kiện EPCIS"))
EPCIS_QUERY_CREATED = action("trace.epcis.query_created", _("Tạo truy vấn EPCIS có tên"))
EPCIS_QUERY_DELETED = action("trace.epcis.query_deleted", _("Xóa truy vấn EPCIS có tên"))
EPCIS_SUBSCRIBED = action("trace.epcis.subscribed", _("Đăng ký nhận sự kiện EPCIS"))
EPCIS_UNSUBSCRIBED = action("trace.epcis.unsubscribed", _("Hủy đăng ký nhận sự kiện EPCIS"))
