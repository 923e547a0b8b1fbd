"""The board view's pure parts: the plan line of the burn, lessons per £1m at risk, which
experiments await a decision, and the order of the transferable lessons."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from fund.board.money import plan_period, with_plan
from fund.board.view import awaiting_decision, most_transferable, per_million


def test_plan_period_spans_the_declared_financial_years():
    assert plan_period("2024-25 to 2025-26") == (date(2024, 4, 1), date(2026, 3, 31))
    assert plan_period("2025-26") == (date(2025, 4, 1), date(2026, 3, 31))
    assert plan_period("three years from launch") is None


def burn(months: list[date]) -> pd.DataFrame:
    return pd.DataFrame({"month": months, "paid": [Decimal("0.00")] * len(months)})


def test_the_plan_spends_the_ring_fence_evenly_by_month():
    months = [date(2024, 3, 1), date(2024, 4, 1), date(2025, 3, 1), date(2026, 3, 1)]
    found = with_plan(burn(months), Decimal("2400000.00"), "2024-25 to 2025-26")
    assert list(found["planned"]) == [
        Decimal("0.00"),  # before the first financial year
        Decimal("100000.00"),  # one month of 24
        Decimal("1200000.00"),
        Decimal("2400000.00"),
    ]


def test_no_plan_line_without_financial_years():
    found = with_plan(burn([date(2025, 1, 1)]), Decimal("1000.00"), "from launch")
    assert found["planned"].isna().all()


@given(
    ring_fence=st.decimals(min_value=1, max_value=10**12, places=2),
    first=st.integers(min_value=2000, max_value=2040),
    years=st.integers(min_value=1, max_value=5),
)
def test_the_plan_rises_to_the_ring_fence_in_pennies(ring_fence, first, years):
    text = f"{first}-{(first + 1) % 100:02d} to {first + years - 1}-{(first + years) % 100:02d}"
    months = list(pd.date_range(date(first, 1, 1), date(first + years + 1, 1, 1), freq="MS").date)
    planned = list(with_plan(burn(months), ring_fence, text)["planned"])
    assert planned == sorted(planned)
    assert planned[-1] == ring_fence
    assert all(value.as_tuple().exponent == -2 for value in planned)


def test_lessons_per_million_at_risk():
    assert per_million(3, Decimal("1500000.00")) == Decimal("2.00")
    assert per_million(1, Decimal("3000000.00")) == Decimal("0.33")
    assert per_million(4, Decimal("0.00")) is None


def judged(**columns) -> pd.DataFrame:
    base = {
        "experiment_id": [1, 2, 3, 4],
        "title": ["Late", "Killed", "Closed", "Fine"],
        "programme": ["P"] * 4,
        "official": ["A. Official"] * 4,
        "closed_at": [None, None, datetime(2026, 1, 1), None],
        "past_review": [True, False, True, False],
        "result_id": [None, 7, None, 8],
        "kill_criteria_met": [False, True, False, False],
        "overridden_to": [None, None, None, None],
        "review_date": [date(2026, 1, 1), date(2027, 1, 1), date(2025, 1, 1), None],
    }
    return pd.DataFrame(base | columns)


def test_awaiting_decision_lists_open_experiments_late_or_killed_without_a_decision():
    found = awaiting_decision(judged(), named=True)
    assert list(found["title"]) == ["Late", "Killed"]
    assert found["why"].iloc[0] == "Past its review date (2026-01-01) with no results"
    assert found["why"].iloc[1] == "Kill criteria met, no decision recorded"


def test_an_override_is_a_decision_and_names_stay_hidden():
    found = awaiting_decision(judged(overridden_to=[None, "stop", None, None]), named=False)
    assert list(found["title"]) == ["Late"]
    assert "official" not in found.columns


def test_most_transferable_needs_a_transfer_and_ranks_by_evidence_then_newest():
    lessons = pd.DataFrame(
        {
            "title": ["a", "b", "c", "d"],
            "transfers_to": ["Other councils", "", "Schools", "Housing"],
            "evidence_level": [2, 4, 2, 3],
            "recorded_at": [datetime(2026, 1, d) for d in (1, 2, 3, 4)],
        }
    )
    assert list(most_transferable(lessons)["title"]) == ["d", "c", "a"]
