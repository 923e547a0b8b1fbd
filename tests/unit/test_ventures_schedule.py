"""A loan's repayment schedule (:mod:`fund.ventures.schedule`): annuity instalments to the
penny for known loans, an interest-free loan repaid in equal parts, month-end due dates
clamped to shorter months, and for any loan: the principal repaid exactly, every amount in
pence, interest never negative and due dates rising."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from fund.ventures.schedule import LoanTerms, schedule


def loan(**changes: object) -> LoanTerms:
    """£10,000 at 5% a year, repaid quarterly in 8 instalments after 6 months' grace."""
    given = {
        "principal": Decimal("10000.00"),
        "interest_rate": Decimal("5"),
        "starts_on": date(2025, 6, 1),
        "grace_months": 6,
        "instalments": 8,
        "every_months": 3,
    }
    return LoanTerms(**(given | changes))


def rows(terms: LoanTerms) -> list[tuple]:
    return [tuple(r) for r in schedule(terms).itertuples(index=False)]


def test_a_quarterly_annuity_after_a_grace_period_to_the_penny():
    # 1.25% a quarter: the level payment is 10,000 × 0.0125 / (1 − 1.0125⁻⁸) = £1,321.33.
    found = rows(loan())
    assert found[0] == (1, date(2026, 3, 1), Decimal("1196.33"), Decimal("125.00"))
    assert found[1] == (2, date(2026, 6, 1), Decimal("1211.28"), Decimal("110.05"))
    assert [r[1] for r in found] == [
        date(2026, 3, 1),
        date(2026, 6, 1),
        date(2026, 9, 1),
        date(2026, 12, 1),
        date(2027, 3, 1),
        date(2027, 6, 1),
        date(2027, 9, 1),
        date(2027, 12, 1),
    ]
    for number, _, principal, interest in found[:-1]:
        assert principal + interest == Decimal("1321.33"), number
    assert sum(r[2] for r in found) == Decimal("10000.00")
    # The last takes what rounding left: its principal is the balance still outstanding.
    assert found[-1][2] == Decimal("10000.00") - sum(r[2] for r in found[:-1])
    assert found[-1] == (8, date(2027, 12, 1), Decimal("1305.02"), Decimal("16.31"))
    assert sum(r[3] for r in found) == Decimal("570.64")


def test_a_monthly_annuity_without_grace():
    # £1,200 at 12% a year monthly over 12: 1% a month, payment 1,200 × 0.01 / (1 − 1.01⁻¹²).
    found = rows(
        loan(
            principal=Decimal("1200.00"),
            interest_rate=Decimal("12"),
            starts_on=date(2025, 1, 15),
            grace_months=0,
            instalments=12,
            every_months=1,
        )
    )
    assert found[0] == (1, date(2025, 2, 15), Decimal("94.62"), Decimal("12.00"))
    assert found[-1][1] == date(2026, 1, 15)
    assert sum(r[2] for r in found) == Decimal("1200.00")
    assert all(r[2] + r[3] == Decimal("106.62") for r in found[:-1])


def test_an_interest_free_loan_is_repaid_in_equal_parts():
    found = rows(loan(interest_rate=Decimal("0"), principal=Decimal("9000.00"), instalments=4))
    assert [r[2] for r in found] == [Decimal("2250.00")] * 4
    assert [r[3] for r in found] == [Decimal("0.00")] * 4


def test_an_interest_free_loan_that_does_not_divide_leaves_the_pennies_to_the_last():
    found = rows(loan(interest_rate=Decimal("0"), principal=Decimal("100.00"), instalments=3))
    assert [r[2] for r in found] == [Decimal("33.33"), Decimal("33.33"), Decimal("33.34")]
    assert sum(r[2] for r in found) == Decimal("100.00")


def test_a_month_end_start_clamps_to_shorter_months():
    monthly = loan(starts_on=date(2025, 1, 31), grace_months=0, instalments=4, every_months=1)
    assert [r[1] for r in rows(monthly)] == [
        date(2025, 2, 28),
        date(2025, 3, 31),
        date(2025, 4, 30),
        date(2025, 5, 31),
    ]
    leap = loan(starts_on=date(2024, 1, 31), grace_months=0, instalments=2, every_months=1)
    assert [r[1] for r in rows(leap)] == [date(2024, 2, 29), date(2024, 3, 31)]


def test_a_yearly_loan_from_the_leap_day():
    yearly = loan(starts_on=date(2024, 2, 29), grace_months=0, instalments=2, every_months=12)
    assert [r[1] for r in rows(yearly)] == [date(2025, 2, 28), date(2026, 2, 28)]


@settings(max_examples=200, deadline=None)
@given(
    pence=st.integers(min_value=1, max_value=10**12),
    rate=st.decimals(min_value=0, max_value=Decimal("99.9999"), places=4),
    count=st.integers(min_value=1, max_value=360),
    every=st.sampled_from([1, 3, 6, 12]),
    grace=st.integers(min_value=0, max_value=36),
    start=st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31)),
)
def test_any_loan_repays_its_principal_exactly_in_pence(pence, rate, count, every, grace, start):
    principal = Decimal(pence) / 100
    terms = LoanTerms(
        principal=principal,
        interest_rate=rate,
        starts_on=start,
        grace_months=grace,
        instalments=count,
        every_months=every,
    )
    found = schedule(terms)
    assert list(found["number"]) == list(range(1, count + 1))
    assert sum(found["principal"], Decimal(0)) == principal
    for column in ("principal", "interest"):
        for amount in found[column]:
            assert isinstance(amount, Decimal)
            assert amount == amount.quantize(Decimal("0.01")), (column, amount)
            assert amount >= 0, (column, amount)
    due = list(found["due_on"])
    assert all(a < b for a, b in itertools.pairwise(due))
    assert due[0] > start
