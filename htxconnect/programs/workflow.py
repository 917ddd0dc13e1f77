"""The application workflow as a small explicit table (docs/decisions/0010-application-workflow-table.md).

    draft ──submit──► submitted ──start_review──► under_review ──approve──► approved ──complete──► completed
      ▲                  ▲                            │ │
      │                  └──────submit────── info_requested ◄─request_info┘ │
      └ (created)                                            reject ─► rejected

Who may act: "applicant" is a manager of the applying organisation; "officer" and "leader" are
staff of the reviewing agency (an administrator counts as both). Officers may also submit on a
cooperative's behalf.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .models import Application

S = Application.State

APPLICANT, OFFICER, LEADER = "applicant", "officer", "leader"


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[str, ...]
    target: str
    actors: frozenset[str]
    label: str
    comment_required: bool = True


TRANSITIONS: dict[str, Transition] = {t.action: t for t in [
    Transition("submit", (S.DRAFT, S.INFO_REQUESTED), S.SUBMITTED, frozenset({APPLICANT, OFFICER}),
               _("Nộp hồ sơ"), comment_required=False),
    Transition("start_review", (S.SUBMITTED,), S.UNDER_REVIEW, frozenset({OFFICER, LEADER}), _("Tiếp nhận, xem xét"),
               comment_required=False),
    Transition("request_info", (S.UNDER_REVIEW,), S.INFO_REQUESTED, frozenset({OFFICER, LEADER}),
               _("Yêu cầu bổ sung")),
    Transition("approve", (S.UNDER_REVIEW,), S.APPROVED, frozenset({OFFICER, LEADER}), _("Phê duyệt")),
    Transition("reject", (S.UNDER_REVIEW,), S.REJECTED, frozenset({OFFICER, LEADER}), _("Không phê duyệt")),
    Transition("complete", (S.APPROVED,), S.COMPLETED, frozenset({OFFICER, LEADER}), _("Xác nhận hoàn thành")),
]}

# States in which the reviewing agency owes an answer (the overdue list looks at these).
PENDING_STATES = (S.SUBMITTED, S.UNDER_REVIEW)


def available(application: Application, roles: set[str]) -> list[Transition]:
    """The transitions `roles` may make from the application's current state."""
    return [t for t in TRANSITIONS.values() if application.state in t.sources and t.actors & roles]
