"""Audit action types of the events app: events, registrations, check-ins, supply–demand meetings
(see core.audit)."""

from django.utils.translation import gettext_lazy as _

from htxconnect.core.audit import action

EVENT_CREATED = action("events.event.created", _("Tạo sự kiện"))
EVENT_UPDATED = action("events.event.updated", _("Sửa sự kiện"))
EVENT_PUBLISHED = action("events.event.published", _("Công bố sự kiện"))
EVENT_CLOSED = action("events.event.closed", _("Kết thúc sự kiện"))
EVENT_CANCELLED = action("events.event.cancelled", _("Hủy sự kiện"))
SESSION_ADDED = action("events.session.added", _("Thêm buổi của sự kiện"))
MATERIAL_ADDED = action("events.material.added", _("Thêm tài liệu sự kiện"))
REGISTRATION_CREATED = action("events.registration.created", _("Đăng ký tham dự"))
REGISTRATION_WAITLISTED = action("events.registration.waitlisted", _("Đăng ký vào danh sách chờ"))
REGISTRATION_PROMOTED = action("events.registration.promoted", _("Chuyển từ danh sách chờ sang chính thức"))
REGISTRATION_CANCELLED = action("events.registration.cancelled", _("Hủy đăng ký tham dự"))
REGISTRATIONS_IMPORTED = action("events.registration.imported", _("Nhập danh sách đăng ký từ Excel"))
REGISTRATION_ERASED = action("events.registration.erased", _("Xóa dữ liệu cá nhân của người đăng ký"))
TICKET_REISSUED = action("events.registration.ticket_reissued", _("Cấp lại vé"))
CHECKED_IN = action("events.attendance.checked_in", _("Điểm danh"))
CHECKIN_CONFLICT = action("events.attendance.conflict", _("Điểm danh trùng từ thiết bị khác"))
MEETING_RECORDED = action("events.meeting.recorded", _("Ghi nhận kết nối cung cầu"))

# Certificates, feedback and contests (certificates.py, feedback.py, contests.py).
CERTIFICATE_POLICY_SET = action("events.certificate.policy_set", _("Đặt quy định cấp giấy chứng nhận"))
CERTIFICATE_ISSUED = action("events.certificate.issued", _("Cấp giấy chứng nhận"))
CERTIFICATE_REVOKED = action("events.certificate.revoked", _("Thu hồi giấy chứng nhận"))
FEEDBACK_SUBMITTED = action("events.feedback.submitted", _("Gửi phản hồi sau sự kiện"))
FEEDBACK_EXPORTED = action("events.feedback.exported", _("Xuất phản hồi sau sự kiện (Excel)"))
FEEDBACK_REQUESTED = action("events.feedback.requested", _("Gửi thư xin phản hồi"))
CONTEST_CRITERIA_SET = action("events.contest.criteria_set", _("Đặt tiêu chí chấm hội thi"))
CONTEST_JUDGE_ADDED = action("events.contest.judge_added", _("Thêm giám khảo"))
CONTEST_JUDGE_REMOVED = action("events.contest.judge_removed", _("Gỡ giám khảo"))
CONTEST_SUBMITTED = action("events.contest.submitted", _("Nộp bài dự thi"))
CONTEST_SCORED = action("events.contest.scored", _("Chấm điểm bài dự thi"))
CONTEST_RESULTS_PUBLISHED = action("events.contest.results_published", _("Công bố kết quả hội thi"))
