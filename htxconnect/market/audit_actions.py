"""Audit action types of the market app: offers, demands, buyers, vocabulary, connections, deals
(see core.audit)."""

from django.utils.translation import gettext_lazy as _

from htxconnect.core.audit import action

BUYER_CREATED = action("market.buyer.created", _("Tạo tổ chức mua"))
OFFER_CREATED = action("market.offer.created", _("Đăng chào bán"))
OFFER_CLOSED = action("market.offer.closed", _("Đóng chào bán"))
DEMAND_CREATED = action("market.demand.created", _("Đăng nhu cầu mua"))
DEMAND_CLOSED = action("market.demand.closed", _("Đóng nhu cầu mua"))
TERM_ADDED = action("market.vocabulary.term_added", _("Thêm tên gọi sản phẩm"))
CONCEPT_ADDED = action("market.vocabulary.concept_added", _("Thêm sản phẩm vào từ điển"))
MATCHES_NOTIFIED = action("market.match.notified", _("Gửi thông báo kết quả ghép nối"))
CONNECTION_REQUESTED = action("market.connection.requested", _("Gửi đề nghị kết nối"))
CONNECTION_STAGE = action("market.connection.stage_changed", _("Chuyển giai đoạn kết nối"))
CONNECTION_REMINDER = action("market.connection.reminder_set", _("Đặt nhắc việc kết nối"))
MESSAGE_SENT = action("market.connection.message_sent", _("Gửi tin nhắn kết nối"))
DEAL_SIGNED = action("market.deal.signed", _("Ghi nhận hợp đồng liên kết"))
DELIVERY_RECORDED = action("market.deal.delivery_recorded", _("Ghi nhận lần giao hàng"))
