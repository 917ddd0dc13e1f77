"""Audit action types of programs: policies, programs, plans, supports, applications, loans, S&T tasks
(see core.audit)."""

from django.utils.translation import gettext_lazy as _

from htxconnect.core.audit import action

POLICY_CREATED = action("programs.policy.created", _("Nhập chính sách hỗ trợ"))
SUPPORT_ITEM_CREATED = action("programs.support_item.created", _("Thêm nội dung hỗ trợ của chính sách"))
CONDITION_CREATED = action("programs.condition.created", _("Thêm điều kiện của chính sách"))

PROGRAM_CREATED = action("programs.program.created", _("Tạo chương trình"))
CONTENT_GROUP_CREATED = action("programs.content_group.created", _("Thêm nhóm nội dung của chương trình"))
PLAN_CREATED = action("programs.plan.created", _("Tạo kế hoạch năm"))
PLAN_COPIED = action("programs.plan.copied", _("Sao chép kế hoạch sang năm sau"))
TARGET_CREATED = action("programs.target.created", _("Thêm chỉ tiêu kế hoạch"))

SUPPORTS_IMPORTED = action("programs.support.imported", _("Nhập khoản hỗ trợ từ Excel"))
SUPPORT_CREATED = action("programs.support.created", _("Ghi nhận khoản hỗ trợ"))

APPLICATION_CREATED = action("programs.application.created", _("Lập hồ sơ đề nghị hỗ trợ"))
APPLICATION_DOCUMENT_ADDED = action("programs.application.document_added", _("Bổ sung giấy tờ vào hồ sơ"))
APPLICATION_SUBMITTED = action("programs.application.submitted", _("Nộp hồ sơ đề nghị hỗ trợ"))
APPLICATION_UNDER_REVIEW = action("programs.application.under_review", _("Tiếp nhận, xem xét hồ sơ"))
APPLICATION_INFO_REQUESTED = action("programs.application.info_requested", _("Yêu cầu bổ sung hồ sơ"))
APPLICATION_APPROVED = action("programs.application.approved", _("Phê duyệt hồ sơ"))
APPLICATION_REJECTED = action("programs.application.rejected", _("Không phê duyệt hồ sơ"))
APPLICATION_COMPLETED = action("programs.application.completed", _("Xác nhận hoàn thành hồ sơ"))

LOAN_CREATED = action("programs.loan.created", _("Ghi nhận khoản vay"))
LOAN_DISBURSED = action("programs.loan.disbursed", _("Ghi giải ngân khoản vay"))
LOAN_REMINDED = action("programs.loan.reminded", _("Nhắc hạn trả nợ khoản vay"))
LOAN_REPAID = action("programs.loan.repaid", _("Ghi khoản trả nợ"))

SCIENCE_TASK_CREATED = action("programs.science_task.created", _("Ghi nhận nhiệm vụ KH&CN"))
SCIENCE_TASK_ADVANCED = action("programs.science_task.advanced", _("Chuyển bước nhiệm vụ KH&CN"))

EXPORT_SUPPORTS = action("programs.export.supports", _("Xuất danh sách khoản hỗ trợ (Excel)"))
EXPORT_SUPPORT_IMPORT_ERRORS = action("programs.export.support_import_errors",
                                      _("Tải các dòng lỗi của lượt nhập khoản hỗ trợ (Excel)"))
EXPORT_APPLICATIONS = action("programs.export.applications", _("Xuất danh sách hồ sơ đề nghị hỗ trợ (Excel)"))

# The workflow's transitions by target state (workflow.TRANSITIONS[…].target).
APPLICATION_BY_STATE = {
    "submitted": APPLICATION_SUBMITTED,
    "under_review": APPLICATION_UNDER_REVIEW,
    "info_requested": APPLICATION_INFO_REQUESTED,
    "approved": APPLICATION_APPROVED,
    "rejected": APPLICATION_REJECTED,
    "completed": APPLICATION_COMPLETED,
}
