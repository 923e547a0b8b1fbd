"""A loan's repayment schedule from its terms: pure, exact to the penny.

A loan of ``principal`` made on ``starts_on`` is repaid in ``instalments`` equal payments
(an annuity: principal and interest together), one every ``every_months`` months, the first
one period after its grace period ends. The grace period is a capital and interest holiday:
interest runs from its end, as social lenders commonly offer a venture that has yet to earn.
Each instalment's interest is the balance outstanding times the period's rate, rounded to the
penny (half up); the last instalment repays whatever principal rounding left, so the
principal is repaid exactly and never more.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

import pandas as pd

PENNY = Decimal("0.01")
MONTHS_IN_YEAR = 12


@dataclass(frozen=True, kw_only=True)
class LoanTerms:
    """What a loan's schedule is made from (checked already)."""

    principal: Decimal
    interest_rate: Decimal  # per cent a year
    starts_on: date
    grace_months: int
    instalments: int
    every_months: int


def schedule(terms: LoanTerms) -> pd.DataFrame:
    """Every instalment: ``number``, ``due_on``, ``principal``, ``interest`` (Decimal)."""
    rate = terms.interest_rate / 100 * terms.every_months / MONTHS_IN_YEAR
    payment = _payment(terms.principal, rate, terms.instalments)
    rows = []
    left = terms.principal
    for number in range(1, terms.instalments + 1):
        interest = _pence(left * rate)
        last = number == terms.instalments
        principal = left if last else min(left, payment - interest)
        rows.append((number, _due(terms, number), principal, interest))
        left -= principal
    return pd.DataFrame(rows, columns=["number", "due_on", "principal", "interest"])


def _payment(principal: Decimal, rate: Decimal, count: int) -> Decimal:
    """The level payment that repays ``principal`` with interest at ``rate`` a period."""
    if rate == 0:  # rounded down, so no instalment is left at nothing by the earlier ones
        return (principal / count).quantize(PENNY, rounding=ROUND_DOWN)
    return _pence(principal * rate / (1 - (1 + rate) ** -count))


def _due(terms: LoanTerms, number: int) -> date:
    """The day instalment ``number`` falls due: months after the start, on the same day of
    the month (or the month's last day, when it is shorter)."""
    months = terms.grace_months + number * terms.every_months
    return (pd.Timestamp(terms.starts_on) + pd.DateOffset(months=months)).date()


def _pence(amount: Decimal) -> Decimal:
    return amount.quantize(PENNY, rounding=ROUND_HALF_UP)
