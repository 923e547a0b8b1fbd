"""A risk appetite's percentages are read strictly: above 0, at most 100, two decimals."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fund.board.appetite import limit_amount, parse_share
from fund.errors import ValidationError


@pytest.mark.parametrize(
    ("typed", "share"),
    [
        ("25", "25.00"),
        ("25.5", "25.50"),
        (" 12.75% ", "12.75"),
        ("100", "100.00"),
        (".5", "0.50"),
        (Decimal("0.01"), "0.01"),
        (40, "40.00"),
    ],
)
def test_a_share_is_read_as_an_exact_percentage(typed, share):
    assert parse_share(typed, "high-risk share") == Decimal(share)


@pytest.mark.parametrize(
    ("typed", "rule"),
    [
        ("", "is required"),
        (None, "is required"),
        ("0", "must be more than 0%"),
        ("0.00", "must be more than 0%"),
        ("-5", "must be a percentage"),
        ("100.01", "must be at most 100%"),
        ("250", "must be at most 100%"),
        ("12.345", "must have at most two decimal places"),
        ("ten", "must be a percentage"),
        ("1e1", "must be a percentage"),
        ("１２", "must be a percentage"),
        (12.5, "not a float"),
        (True, "not a float"),
    ],
)
def test_a_share_that_is_not_a_percentage_is_refused_naming_the_field(typed, rule):
    with pytest.raises(ValidationError) as refused:
        parse_share(typed, "per-counterparty share")
    assert refused.value.field == "per-counterparty share"
    assert rule in refused.value.rule


def test_a_limit_is_rounded_down_to_the_penny():
    assert limit_amount(Decimal("123456.79"), Decimal("33.33")) == Decimal("41148.14")
    assert limit_amount(Decimal("1000000.00"), Decimal("16.00")) == Decimal("160000.00")
