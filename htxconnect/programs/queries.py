"""Reads of program data, scoped to the acting user, and the access rules they rest on.

Scope: administrators see everything; officers and leaders what belongs to their agency (the
programs it leads or partners in, the supports it recorded or that fall under those programs,
the applications it reviews, its loans and S&T tasks); a cooperative's own users what concerns
their organisation. Policies are readable by every signed-in user (cooperatives apply under them).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from htxconnect.core.roles import AGENCY_ROLES, Role
from htxconnect.registry import queries as registry_queries
from htxconnect.registry.models import Organization, OrganizationUser

from . import eligibility, indicators, workflow
from .models import (
    Application, ApplicationStep, Condition, ContentGroup, Loan, Plan, Policy, Program, ScienceTask, Support,
    SupportItem, SupportKind, Target,
)

PAGE_SIZE = 50


# --- Access rules ------------------------------------------------------------------------------------


def _signed_in(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def is_admin(user) -> bool:
    return _signed_in(user) and user.role == Role.ADMIN


def agency_of(user) -> int | None:
    """The agency an officer or leader acts for, else None."""
    if _signed_in(user) and user.role in AGENCY_ROLES and user.agency_id:
        return user.agency_id
    return None


def is_program_staff(user) -> bool:
    return is_admin(user) or agency_of(user) is not None


def can_record(user) -> bool:
    """Officers (and administrators) key in supports, loans and tasks; leaders approve, they do not."""
    return is_admin(user) or (agency_of(user) is not None and user.role == Role.OFFICER)


def managed_ids(user, managers_only: bool = False) -> list[int]:
    roles = [OrganizationUser.Role.MANAGER] if managers_only else None
    return registry_queries.managed_organization_ids(user, roles)


def scope_by_agency_or_cooperative(queryset, user, *, agency, cooperatives, distinct=False):
    """The one shape of every scope over agency records about cooperatives: administrators see all,
    an agency's staff what `agency(agency_id)` (a Q) selects, cooperative people what
    `cooperatives(ids of their organisations)` selects (`distinct` when that crosses a many-to-many),
    anyone else nothing."""
    if is_admin(user):
        return queryset
    agency_id = agency_of(user)
    if agency_id is not None:
        return queryset.filter(agency(agency_id))
    if _signed_in(user):
        own = queryset.filter(cooperatives(managed_ids(user)))
        return own.distinct() if distinct else own
    return queryset.none()


def scope_programs(user):
    programs = Program.objects.all()
    if is_admin(user):
        return programs
    agency = agency_of(user)
    if agency is None:
        return programs.none()
    return programs.filter(Q(agency_id=agency) | Q(partner_agencies__id=agency)).distinct()


def can_change_program(user, program: Program) -> bool:
    if is_admin(user):
        return True
    agency = agency_of(user)
    return bool(agency and user.role == Role.OFFICER and (
        program.agency_id == agency or program.partner_agencies.filter(pk=agency).exists()))


def access_program(user, program_id: int) -> Program:
    """The program, or 404 when the user may not know it exists."""
    program = scope_programs(user).filter(pk=program_id).select_related("agency").first()
    if program is None:
        raise Http404(_("Không tìm thấy chương trình trong phạm vi của bạn."))
    return program


def scope_supports(user):
    return scope_by_agency_or_cooperative(
        Support.objects.all(), user,
        agency=lambda a: Q(agency_id=a) | Q(program__in=scope_programs(user).values("pk")),
        cooperatives=lambda ids: Q(organization_id__in=ids))


def access_support(user, support_id: int) -> Support:
    support = (scope_supports(user).select_related("organization", "program", "group", "item", "agency")
               .filter(pk=support_id).first())
    if support is None:
        raise Http404(_("Không tìm thấy khoản hỗ trợ trong phạm vi của bạn."))
    return support


def scope_policies(user):
    if not _signed_in(user):
        return Policy.objects.none()
    if is_admin(user):
        return Policy.objects.all()
    agency = agency_of(user)
    return Policy.objects.filter(Q(is_active=True) | Q(agency_id=agency) if agency else Q(is_active=True))


def public_policies():
    """Policies in force, as the public portal's library of legal documents lists them (read-only)."""
    return Policy.objects.filter(is_active=True).select_related("agency").order_by("-issued_on", "number")


def access_policy(user, policy_id: int) -> Policy:
    policy = (scope_policies(user).select_related("agency")
              .prefetch_related("conditions", "items").filter(pk=policy_id).first())
    if policy is None:
        raise Http404(_("Không tìm thấy chính sách."))
    return policy


def scope_applications(user):
    return scope_by_agency_or_cooperative(Application.objects.all(), user, agency=lambda a: Q(agency_id=a),
                                          cooperatives=lambda ids: Q(organization_id__in=ids))


def application_roles(user, application: Application) -> set[str]:
    """The workflow roles (workflow.APPLICANT / OFFICER / LEADER) `user` holds on `application`."""
    roles = set()
    if is_admin(user):
        return {workflow.OFFICER, workflow.LEADER}
    if agency_of(user) == application.agency_id:
        roles.add(workflow.LEADER if user.role == Role.LEADER else workflow.OFFICER)
    if _signed_in(user) and user.role == Role.COOP_MANAGER and application.organization_id in managed_ids(user, True):
        roles.add(workflow.APPLICANT)
    return roles


def access_application(user, application_id: int) -> Application:
    application = (scope_applications(user)
                   .select_related("organization", "item", "item__policy", "agency", "program", "group")
                   .prefetch_related("documents",
                                     Prefetch("steps", queryset=ApplicationStep.objects.select_related("actor")))
                   .filter(pk=application_id).first())
    if application is None:
        raise Http404(_("Không tìm thấy hồ sơ trong phạm vi của bạn."))
    return application


def scope_loans(user):
    return scope_by_agency_or_cooperative(Loan.objects.all(), user, agency=lambda a: Q(agency_id=a),
                                          cooperatives=lambda ids: Q(borrowers__in=ids), distinct=True)


def access_loan(user, loan_id: int) -> Loan:
    loan = (scope_loans(user).select_related("agency", "program", "science_task")
            .prefetch_related("borrowers", "disbursements", "repayments").filter(pk=loan_id).first())
    if loan is None:
        raise Http404(_("Không tìm thấy khoản vay trong phạm vi của bạn."))
    return loan


def scope_tasks(user):
    return scope_by_agency_or_cooperative(
        ScienceTask.objects.all(), user, agency=lambda a: Q(agency_id=a),
        cooperatives=lambda ids: Q(host_id__in=ids) | Q(cooperating__in=ids), distinct=True)


def access_task(user, task_id: int) -> ScienceTask:
    task = (scope_tasks(user).select_related("agency", "host", "program")
            .prefetch_related("cooperating", "steps", "loans", "supports__organization").filter(pk=task_id).first())
    if task is None:
        raise Http404(_("Không tìm thấy nhiệm vụ trong phạm vi của bạn."))
    return task


def require(condition: bool, message: str) -> None:
    if not condition:
        raise PermissionDenied(message)


# --- Program page ----------------------------------------------------------------------------------------


@dataclass
class TargetRow:
    target: Target
    actual: int

    @property
    def percent(self) -> int:
        if not self.target.value:
            return 100
        return min(100, self.actual * 100 // self.target.value)

    @property
    def reached(self) -> bool:
        return self.actual >= self.target.value


@dataclass
class GroupRow:
    group: ContentGroup
    years: list[tuple[int, list[TargetRow]]]

    @property
    def has_targets(self) -> bool:
        return any(rows for _year, rows in self.years)


def program_overview(program: Program) -> dict:
    """Everything the program page shows, in a fixed number of queries whatever the number of
    targets: groups, plans, targets (one query each), one aggregate per indicator source, and the
    support totals by kind."""
    groups = list(program.groups.all())
    plans = list(program.plans.all())
    targets = list(Target.objects.filter(plan__program=program).select_related("plan")
                   .order_by("plan__year", "group__number", "id"))
    actual = indicators.measure(targets)
    by_cell: dict[tuple[int, int], list[TargetRow]] = {}
    for t in targets:
        by_cell.setdefault((t.group_id, t.plan.year), []).append(TargetRow(t, actual[t.pk]))
    rows = [GroupRow(g, [(year, by_cell.get((g.pk, year), [])) for year in program.years]) for g in groups]
    return {"groups": rows, "plans": plans, "targets_count": len(targets),
            "plan_years": {p.year for p in plans}, "summary": support_summary(program)}


@dataclass(frozen=True)
class KindSummary:
    kind: str
    label: str
    organizations: int
    records: int
    amount_state: int
    amount_counterpart: int


def support_summary(program: Program) -> list[KindSummary]:
    """Supports of a program by kind: distinct organisations, records, amounts (one query)."""
    rows = (Support.objects.filter(program=program).values("kind").order_by("kind")
            .annotate(orgs=Count("organization", distinct=True), n=Count("id"),
                      state=Sum("amount_state"), counterpart=Sum("amount_counterpart")))
    labels = dict(SupportKind.choices)
    return [KindSummary(r["kind"], str(labels.get(r["kind"], r["kind"])), r["orgs"], r["n"], r["state"] or 0,
                        r["counterpart"] or 0) for r in rows]


@dataclass(frozen=True)
class LoanSummary:
    loans: int
    borrowers: int
    principal: int


def loan_summary(program: Program) -> LoanSummary:
    """Loans approved under a program: how many, distinct borrowers, total principal (two queries)."""
    totals = Loan.objects.filter(program=program).aggregate(n=Count("id"), principal=Sum("principal"))
    borrowers = (Loan.borrowers.through.objects.filter(loan__program=program)
                 .aggregate(n=Count("organization", distinct=True))["n"])
    return LoanSummary(totals["n"], borrowers, totals["principal"] or 0)


def target_with_records(user, target_id: int):
    target = (Target.objects.select_related("plan", "plan__program", "group")
              .filter(pk=target_id, plan__program__in=scope_programs(user).values("pk")).first())
    if target is None:
        raise Http404(_("Không tìm thấy chỉ tiêu trong phạm vi của bạn."))
    indicator = indicators.INDICATORS[target.indicator]
    return target, indicator, indicator.records(target), indicators.measure([target])[target.pk]


def supports_of_kind(program: Program, kind: str):
    return (Support.objects.filter(program=program, kind=kind).select_related("organization")
            .order_by("given_on", "organization__name"))


# --- Lists ---------------------------------------------------------------------------------------------


def list_supports(user, *, program: int | None = None, kind: str = "", organization: int | None = None):
    supports = scope_supports(user).select_related("organization", "program", "group", "agency")
    if program:
        supports = supports.filter(program_id=program)
    if kind:
        supports = supports.filter(kind=kind)
    if organization:
        supports = supports.filter(organization_id=organization)
    return supports.order_by("-given_on", "-id")


def list_applications(user, *, state: str = "", overdue: bool = False, today: datetime.date | None = None):
    applications = scope_applications(user).select_related("organization", "item", "item__policy", "agency")
    if state:
        applications = applications.filter(state=state)
    if overdue:
        applications = applications.filter(state__in=workflow.PENDING_STATES,
                                           due_on__lt=today or timezone.localdate())
    return applications.order_by("due_on", "-id") if overdue else applications


def overdue_applications(user, today: datetime.date | None = None):
    return list_applications(user, overdue=True, today=today)


def list_loans(user):
    return scope_loans(user).select_related("program").prefetch_related("borrowers", "disbursements", "repayments")


def list_tasks(user):
    return scope_tasks(user).select_related("host").prefetch_related("cooperating")


def list_policies(user):
    return scope_policies(user).select_related("agency").prefetch_related("items").order_by("-issued_on", "number")


def applicable_organizations(user):
    """Organisations `user` may apply for: their own (managers), or those of their province (officers)."""
    if is_admin(user):
        return Organization.objects.exclude(kind=Organization.Kind.AGENCY)
    if agency_of(user) is not None:
        return registry_queries.scope_organizations(user).exclude(kind=Organization.Kind.AGENCY)
    return Organization.objects.filter(pk__in=managed_ids(user, True))


def open_items(user):
    return SupportItem.objects.filter(policy__in=scope_policies(user).filter(is_active=True)).select_related("policy")


def evaluate(application: Application, today: datetime.date | None = None) -> eligibility.Evaluation:
    policy = Policy.objects.prefetch_related(
        Prefetch("conditions", queryset=Condition.objects.order_by("order", "id"))).get(pk=application.item.policy_id)
    return eligibility.evaluate(policy, application.organization, item=application.item, today=today)


# --- Cooperative timeline and page -------------------------------------------------------------------------


@registry_queries.timeline_provider
def _programs_timeline(organization: Organization, user) -> list:
    """Supports, loans and applications of the organisation that `user` may see (3 queries)."""
    if user is None:
        return []
    from django.urls import reverse

    item = registry_queries.TimelineItem
    items = []
    for s in scope_supports(user).filter(organization=organization).order_by("-given_on"):
        amount = f" – {s.amount_state:,} đ".replace(",", ".") if s.amount_state else ""
        items.append(item(s.given_on, "support", f"{s.get_kind_display()}: {s.title}{amount}",
                          reverse("programs:support_detail", args=[s.pk])))
    for loan in scope_loans(user).filter(borrowers=organization):
        items.append(item(loan.approved_on, "support", _("Được phê duyệt vay vốn: %(p)s") % {"p": loan.purpose},
                          reverse("programs:loan_detail", args=[loan.pk])))
    for a in scope_applications(user).filter(organization=organization).exclude(submitted_at=None):
        items.append(item(timezone.localdate(a.submitted_at), "support",
                          _("Nộp hồ sơ đề nghị hỗ trợ: %(t)s (%(s)s)") % {"t": a.title, "s": a.get_state_display()},
                          reverse("programs:application_detail", args=[a.pk])))
    return items
