"""Loans: the schedule by its stated rule, hand-computed; what is owed and overdue; a repayment
larger than what is owed is refused."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from htxconnect.programs import loans, services
from htxconnect.programs.models import Loan, Repayment

D = datetime.date


def test_monthly_interest_rounds_half_up_to_the_dong():
    assert loans.monthly_interest(1_000_000, Decimal("6")) == 5_000
    assert loans.monthly_interest(333_333, Decimal("7")) == 1_944  # 1.944,4425
    assert loans.monthly_interest(100, Decimal("6")) == 1  # 0,5 → 1 (half up)
    assert loans.monthly_interest(99, Decimal("6")) == 0  # 0,495 → 0


def test_schedule_equal_principal_declining_interest():
    # 10.000.000 đ at 6%/năm over 3 months, first disbursed 31/01/2026:
    # principal 3.333.333, 3.333.333, 3.333.334; interest 50.000, 33.333 (33.333,335), 16.667 (16.666,67).
    rows = loans.schedule(10_000_000, Decimal("6"), 3, D(2026, 1, 31))
    assert [(r.due_on, r.principal, r.interest, r.balance_after) for r in rows] == [
        (D(2026, 2, 28), 3_333_333, 50_000, 6_666_667),
        (D(2026, 3, 31), 3_333_333, 33_333, 3_333_334),
        (D(2026, 4, 30), 3_333_334, 16_667, 0)]
    assert sum(r.total for r in rows) == 10_100_000


@pytest.fixture
def loan(world, users):
    loan = services.create_loan(actor=users["officer"], borrowers=[world["coop"]], fund="Quỹ Phát triển KH&CN",
                                purpose="Máy sấy", principal=10_000_000, annual_rate=Decimal("6"), term_months=3,
                                approved_on=D(2026, 1, 15))
    services.disburse(actor=users["officer"], loan=loan, on=D(2026, 1, 31), amount=10_000_000)
    return loan


def _position(loan, today):
    return loans.position(Loan.objects.prefetch_related("disbursements", "repayments").get(pk=loan.pk), today)


@pytest.mark.django_db
def test_owed_and_overdue(loan, users):
    assert _position(loan, D(2026, 3, 1)).owed == 10_100_000
    assert _position(loan, D(2026, 3, 1)).overdue == 3_383_333  # first instalment due 28/02
    services.repay(actor=users["officer"], loan=loan, on=D(2026, 3, 1), amount=3_383_333)
    assert _position(loan, D(2026, 3, 1)).overdue == 0
    assert _position(loan, D(2026, 4, 1)).overdue == 3_366_666


@pytest.mark.django_db
def test_repayment_larger_than_owed_is_refused(loan, users, clients):
    with pytest.raises(ValidationError) as error:
        services.repay(actor=users["officer"], loan=loan, on=D(2026, 2, 1), amount=10_100_001)
    assert "lớn hơn số còn nợ 10.100.000 đ" in str(error.value)
    response = clients["officer"].post(f"/programs/loans/{loan.pk}/repay/", {"on": "2026-02-01", "amount": "10.100.001"})
    assert response.status_code == 400 and "lớn hơn số còn nợ" in response.content.decode()
    assert not Repayment.objects.exists()
    services.repay(actor=users["officer"], loan=loan, on=D(2026, 2, 1), amount=10_100_000)


@pytest.mark.django_db
def test_disbursement_beyond_principal_is_refused(loan, users):
    with pytest.raises(ValidationError):
        services.disburse(actor=users["officer"], loan=loan, on=D(2026, 2, 1), amount=1)


@pytest.mark.django_db
def test_loan_page_shows_the_schedule(loan, clients):
    html = clients["coop_manager"].get(f"/programs/loans/{loan.pk}/").content.decode()
    assert "3.333.334" in html and "16.667" in html and "làm tròn nửa lên" in html


@pytest.mark.django_db
def test_science_task_moves_one_step_at_a_time(world, users):
    task = services.create_science_task(actor=users["officer"], host=world["coop"], title="Sấy nông sản",
                                        budget_state=100_000_000)
    with pytest.raises(ValidationError):
        services.advance_science_task(actor=users["officer"], task=task, to_status="accepted", on=D(2026, 1, 1))
    for status in ("approved", "contracted", "midterm", "accepted", "evaluated"):
        task = services.advance_science_task(actor=users["officer"], task=task, to_status=status, on=D(2026, 1, 1),
                                             comment=status)
    assert task.status == "evaluated" and task.steps.count() == 5
    loan = services.create_loan(actor=users["officer"], borrowers=[world["coop"]], fund="Quỹ", purpose="Vốn",
                                principal=1, approved_on=D(2026, 1, 1), science_task=task)
    assert list(task.loans.all()) == [loan]
