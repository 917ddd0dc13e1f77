"""Indicators: how a target counts itself from what was recorded. Each indicator is a named
definition whose docstring is its counting rule; a target names one and gives its parameters.

Indicators read one "source" (supports of the program, loans of the program, usage grants of a
mark). `measure(targets)` runs ONE aggregate query per source, with one filtered aggregate per
target, so a program page costs the same number of queries whatever the number of targets.
`records(target)` lists the records behind the number (the page each figure links to).

Apps above programs (events) add their own sources and indicators without programs importing
them: `register_source(name, base, records)` then `@indicator(code, …, source=name)` in their
AppConfig.ready(). Registering a code again replaces it: the events app makes attendance the
source of "training_person_times" and its events the source of "supply_demand_sessions".
"""

from __future__ import annotations

import datetime
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Callable

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from htxconnect.registry.models import IPUsageGrant

from .models import Loan, Support, SupportKind, Target


@dataclass(frozen=True)
class Record:
    """One record behind a figure, as the drill-down page lists it."""

    date: datetime.date | None
    organization_id: int | None
    organization: str
    text: str
    amount: int | None = None
    value: int = 1  # what this record adds to the figure


# An optional window (first day, day after the last) that narrows every indicator's year while
# `measure(..., start=, end=)` runs: a half-year report counts January–June of the plan's year, not
# the whole year. Indicators registered by other apps read it through `year_bounds`.
_WINDOW: ContextVar[tuple[datetime.date, datetime.date] | None] = ContextVar("indicator_window", default=None)


def year_bounds(year: int) -> tuple[datetime.date, datetime.date]:
    """[first day, day after the last) of what counts toward a plan of `year`: the calendar year,
    narrowed to the window of the running `measure` call if it has one."""
    first, after = datetime.date(year, 1, 1), datetime.date(year + 1, 1, 1)
    window = _WINDOW.get()
    if window is not None:
        first, after = max(first, window[0]), min(after, window[1])
        after = max(after, first)  # a window outside the year counts nothing
    return first, after


def _year_q(field: str, year: int) -> Q:
    # A range (not __year) keeps an index on the date column usable.
    first, after = year_bounds(year)
    return Q(**{f"{field}__gte": first, f"{field}__lt": after})


def _kinds(params: dict) -> list[str]:
    return list(params.get("kinds") or [])


def _check_kinds(params: dict) -> None:
    kinds = params.get("kinds", [])
    if not isinstance(kinds, list) or any(k not in SupportKind.values for k in kinds):
        raise ValidationError(_("“kinds” phải là danh sách loại hỗ trợ hợp lệ (%(v)s).")
                              % {"v": ", ".join(SupportKind.values)})


def _check_mark(params: dict) -> None:
    if not isinstance(params.get("mark"), str) or not params["mark"].strip():
        raise ValidationError(_("Chỉ số này cần “mark”: tên nhãn hiệu chứng nhận."))


@dataclass(frozen=True)
class Indicator:
    code: str
    label: str
    unit: str
    source: str  # "supports", "loans", "loan_borrowers", "grants"
    expression: Callable[[Target], object]  # filtered aggregate over the source
    records: Callable[[Target], list[Record]]
    check_params: Callable[[dict], None]
    doc: str

    def base(self, program_id: int) -> QuerySet:
        return SOURCES[self.source](program_id)


SOURCES: dict[str, Callable[[int], QuerySet]] = {
    "supports": lambda program_id: Support.objects.filter(program_id=program_id),
    "loans": lambda program_id: Loan.objects.filter(program_id=program_id),
    "loan_borrowers": lambda program_id: Loan.borrowers.through.objects.filter(loan__program_id=program_id),
    # A mark's usage grants are registry data, not the program's: counted wherever they were recorded.
    "grants": lambda program_id: IPUsageGrant.objects.all(),
}

INDICATORS: dict[str, Indicator] = {}


def register_source(name: str, base: Callable[[int], QuerySet], records: Callable[[Target], list[Record]]) -> None:
    """Add a source of records: base(program id) → the queryset indicators over it aggregate, and
    records(target) → the rows behind a figure."""
    SOURCES[name] = base
    RECORDS[name] = records


def indicator(code: str, label, unit, source: str, check_params=_check_kinds):
    """Register an indicator. The decorated function is the expression; its docstring the rule."""

    def register(func):
        records = RECORDS[source]
        INDICATORS[code] = Indicator(code, label, unit, source, func, records, check_params,
                                     " ".join((func.__doc__ or "").split()))
        return func

    return register


# --- Records behind a figure, per source ------------------------------------------------------------


def _support_filter(target: Target) -> Q:
    """Which supports an indicator over supports looks at (the same for its figure and its records)."""
    q = _year_q("given_on", target.plan.year)
    fixed_kind = FIXED_KIND.get(target.indicator)
    if fixed_kind:
        return q & Q(kind=fixed_kind)
    kinds = _kinds(target.params)
    return q & Q(kind__in=kinds) if kinds else q


def _support_records(target: Target) -> list[Record]:
    rows = (Support.objects.filter(_support_filter(target), program_id=target.plan.program_id).select_related("organization")
            .order_by("given_on", "id"))
    counting = INDICATORS[target.indicator].code
    result = []
    for s in rows:
        value = (s.participants or 0) if counting == "training_person_times" else \
            s.amount_state if counting == "support_amount_state" else 1
        result.append(Record(s.given_on, s.organization_id, s.organization.name,
                             f"{s.get_kind_display()}: {s.title}", s.amount_state, value))
    return result


def _loan_records(target: Target) -> list[Record]:
    rows = (Loan.objects.filter(_year_q("approved_on", target.plan.year), program_id=target.plan.program_id)
            .prefetch_related("borrowers").order_by("approved_on", "id"))
    result = []
    for loan in rows:
        borrowers = list(loan.borrowers.all())
        for index, org in enumerate(borrowers):
            result.append(Record(loan.approved_on, org.pk, org.name, f"{loan.fund}: {loan.purpose}",
                                 loan.principal if index == 0 else None, 1))
    return result


def _grant_records(target: Target) -> list[Record]:
    rows = (IPUsageGrant.objects.filter(_year_q("granted_on", target.plan.year), ip_right__name=target.params["mark"])
            .select_related("grantee", "ip_right").order_by("granted_on", "id"))
    return [Record(g.granted_on, g.grantee_id, g.grantee.name,
                   _("Trao quyền sử dụng %(r)s") % {"r": g.ip_right}) for g in rows]


RECORDS = {"supports": _support_records, "loans": _loan_records, "loan_borrowers": _loan_records,
           "grants": _grant_records}


FIXED_KIND = {"training_person_times": SupportKind.TRAINING, "supply_demand_sessions": SupportKind.SUPPLY_DEMAND}
_support_q = _support_filter


# --- The indicators --------------------------------------------------------------------------------


@indicator("orgs_supported", gettext_lazy("Số đơn vị được hỗ trợ"), gettext_lazy("đơn vị"), "supports")
def orgs_supported(target: Target):
    """Distinct organisations that received at least one support of the target's kinds (all kinds
    when none are given) recorded under the target's program and dated in the target's year. An
    organisation supported twice counts once."""
    return Count("organization", distinct=True, filter=_support_q(target))


@indicator("supports_count", gettext_lazy("Số lượt hỗ trợ"), gettext_lazy("lượt"), "supports")
def supports_count(target: Target):
    """Support records of the target's kinds under the target's program dated in the target's year;
    each record counts one, so an organisation supported twice counts twice."""
    return Count("id", filter=_support_q(target))


@indicator("support_amount_state", gettext_lazy("Kinh phí ngân sách đã hỗ trợ"), gettext_lazy("đồng"), "supports")
def support_amount_state(target: Target):
    """Sum in đồng of the state-budget part of the supports of the target's kinds under the
    target's program dated in the target's year (the counterpart part is not counted)."""
    return Coalesce(Sum("amount_state", filter=_support_q(target)), 0)


@indicator("training_person_times", gettext_lazy("Lượt người được tập huấn"), gettext_lazy("lượt người"),
           "supports")
def training_person_times(target: Target):
    """Person-times (lượt người) trained: the sum of the participants recorded on training supports
    under the target's program dated in the target's year. One person at three courses counts three
    times; a course recorded without a participant count adds nothing. (When the events app records
    attendance, this indicator counts attended sessions instead.)"""
    return Coalesce(Sum("participants", filter=_support_filter(target)), 0)


@indicator("supply_demand_sessions", gettext_lazy("Số buổi kết nối cung cầu"), gettext_lazy("buổi"), "supports")
def supply_demand_sessions(target: Target):
    """Supply–demand sessions held: supports of kind "kết nối cung cầu" under the target's program
    dated in the target's year, one record per session (the organisation is the host)."""
    return Count("id", filter=_support_filter(target))


@indicator("loan_amount", gettext_lazy("Vốn vay ưu đãi được phê duyệt"), gettext_lazy("đồng"), "loans",
           check_params=lambda params: None)
def loan_amount(target: Target):
    """Sum in đồng of the principal of loans under the target's program approved in the target's
    year (approved amount, not what was disbursed)."""
    return Coalesce(Sum("principal", filter=_year_q("approved_on", target.plan.year)), 0)


@indicator("loan_borrowers", gettext_lazy("Số đơn vị được vay vốn ưu đãi"), gettext_lazy("đơn vị"),
           "loan_borrowers", check_params=lambda params: None)
def loan_borrowers(target: Target):
    """Distinct borrowers of loans under the target's program approved in the target's year; a
    loan reported for several borrowers counts each of them."""
    return Count("organization", distinct=True, filter=_year_q("loan__approved_on", target.plan.year))


@indicator("mark_usage_grants", gettext_lazy("Số đơn vị được trao quyền sử dụng nhãn hiệu chứng nhận"),
           gettext_lazy("đơn vị"), "grants", check_params=_check_mark)
def mark_usage_grants(target: Target):
    """Usage grants of the certification mark named in the target (params "mark") dated in the
    target's year, one per grantee and product, wherever in the registry they were recorded."""
    return Count("id", filter=_year_q("granted_on", target.plan.year) & Q(ip_right__name=target.params["mark"]))


def check_target(target: Target) -> None:
    """Refuses a target whose indicator is not in the registry or does not take its parameters."""
    if target.indicator not in INDICATORS:
        raise ValidationError({"indicator": _("Chỉ số “%(code)s” không có trong danh mục chỉ số.")
                               % {"code": target.indicator}})
    try:
        INDICATORS[target.indicator].check_params(target.params)
    except ValidationError as error:
        raise ValidationError({"params": error.messages}) from error


def measure(targets: list[Target], *, start: datetime.date | None = None,
            end: datetime.date | None = None) -> dict[int, int]:
    """{target id: actual value}: one aggregate query per source used, whatever the number of targets.
    Targets must come with `plan` loaded and share one program. `start`/`end` (inclusive) narrow the
    count to part of each target's year (a half-year report); without them the whole year counts."""
    if start is not None or end is not None:
        token = _WINDOW.set((start or datetime.date.min, (end or datetime.date.max - datetime.timedelta(days=1))
                             + datetime.timedelta(days=1)))
        try:
            return measure(targets)
        finally:
            _WINDOW.reset(token)
    by_source: dict[str, list[Target]] = {}
    for target in targets:
        by_source.setdefault(INDICATORS[target.indicator].source, []).append(target)
    values: dict[int, int] = {}
    for source, group in by_source.items():
        program_id = group[0].plan.program_id
        aggregates = {f"t{t.pk}": INDICATORS[t.indicator].expression(t) for t in group}
        row = SOURCES[source](program_id).aggregate(**aggregates)
        values.update({t.pk: int(row[f"t{t.pk}"] or 0) for t in group})
    return values
