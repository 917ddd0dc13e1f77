"""Loan arithmetic in whole đồng: the repayment schedule, what is owed and what is overdue.

Schedule rule (stated on the loan page): the principal is repaid in `term_months` equal monthly
instalments of principal // term đồng, the last one taking the remainder; each month's interest
is the outstanding principal × annual rate ÷ 12, rounded half up to the whole đồng (declining
balance). Instalment n falls due n months after the first disbursement (or, before any
disbursement, after the approval date).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from htxconnect.registry.models import add_months


@dataclass(frozen=True)
class Instalment:
    number: int
    due_on: datetime.date
    principal: int
    interest: int
    balance_after: int

    @property
    def total(self) -> int:
        return self.principal + self.interest


def monthly_interest(balance: int, annual_rate: Decimal) -> int:
    """balance × rate% ÷ 12, half up to the đồng: 1.000.000 đ at 6%/năm → 5.000 đ; 333.333 đ at 7% → 1.944 đ."""
    exact = Decimal(balance) * Decimal(annual_rate) / Decimal(1200)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def schedule(principal: int, annual_rate: Decimal, term_months: int, start: datetime.date) -> list[Instalment]:
    base, remainder = divmod(principal, term_months)
    balance = principal
    rows = []
    for n in range(1, term_months + 1):
        interest = monthly_interest(balance, annual_rate)
        part = base + (remainder if n == term_months else 0)
        balance -= part
        rows.append(Instalment(n, add_months(start, n), part, interest, balance))
    return rows


@dataclass(frozen=True)
class LoanPosition:
    schedule: list[Instalment] | None  # None when the rate or the term is not known
    disbursed: int
    repaid: int
    owed: int  # what remains to be paid (schedule total, or principal when no schedule)
    overdue: int  # instalments due by `today` not yet covered by repayments

    @property
    def scheduled_total(self) -> int | None:
        return sum(i.total for i in self.schedule) if self.schedule is not None else None


def position(loan, today: datetime.date) -> LoanPosition:
    """From a loan with its disbursements and repayments loaded (prefetched)."""
    disbursements = sorted(loan.disbursements.all(), key=lambda d: d.on)
    disbursed = sum(d.amount for d in disbursements)
    repaid = sum(r.amount for r in loan.repayments.all())
    rows = None
    if loan.annual_rate is not None and loan.term_months:
        start = disbursements[0].on if disbursements else loan.approved_on
        rows = schedule(loan.principal, loan.annual_rate, loan.term_months, start)
        owed = sum(i.total for i in rows) - repaid
        due = sum(i.total for i in rows if i.due_on <= today)
    else:
        owed = loan.principal - repaid
        due = 0
    return LoanPosition(rows, disbursed, repaid, max(owed, 0), max(due - repaid, 0))
