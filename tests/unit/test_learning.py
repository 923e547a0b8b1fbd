"""The arithmetic of the fund's learning, on frames shaped as the judgements frame is: when an
experiment ended, days from its end to its lesson, the share with a lesson, cost per lesson
to the penny, and an official's SROI as a sum, never an average of ratios."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fund.lessons import learning
from fund.lessons.learning import cost_per_lesson, measure, share

DAY = date(2026, 7, 31)
_TYPES = {
    "experiment_id": pa.int32(),
    "programme_id": pa.int32(),
    "programme": pa.string(),
    "official": pa.string(),
    "review_date": pa.date32(),
    "past_review": pa.bool_(),
    "closed_at": pa.timestamp("us"),
    "first_lesson_at": pa.timestamp("us"),
    "lesson_id": pa.int32(),
    "paid": pa.decimal128(18, 2),
}


def experiment(
    number: int = 1,
    *,
    official: str = "Ann Able",
    programme: str = "Young people",
    review: date | None = None,
    closed: datetime | None = None,
    lesson: datetime | None = None,
    verdict: str | None = None,
    level: int = 1,
    paid: str = "0.00",
) -> dict[str, object]:
    """One row of the judgements frame, as at :data:`DAY`, with the money paid to it."""
    return {
        "experiment_id": number,
        "programme_id": 1 if programme == "Young people" else 2,
        "programme": programme,
        "official": official,
        "review_date": review,
        "past_review": review is not None and review < DAY,
        "closed_at": closed,
        "first_lesson_at": lesson,
        "lesson_id": number if lesson is not None else None,
        "verdict": verdict,
        "evidence_level": level,
        "paid": Decimal(paid),
    }


def frame(*rows: dict[str, object]) -> pd.DataFrame:
    """Rows typed as DuckDB's Arrow columns type them (verdicts and levels as derived)."""
    found = pd.DataFrame(list(rows))
    typed = {name: found[name].astype(pd.ArrowDtype(kind)) for name, kind in _TYPES.items()}
    return found.assign(**typed, verdict=found["verdict"].astype(object))


def fund(*rows: dict[str, object]) -> dict[str, object]:
    return measure(frame(*rows)).iloc[0].to_dict()


# --- when an experiment ended, and how soon its lesson came --------------------------------


def test_an_experiment_ends_at_the_earlier_of_its_closing_and_its_passed_review():
    rows = frame(
        experiment(1, review=date(2026, 3, 31), closed=datetime(2026, 4, 2, 10)),
        experiment(2, review=date(2026, 3, 31)),
        experiment(3, review=date(2026, 9, 30), closed=datetime(2026, 5, 20, 23, 30)),
        experiment(4, review=date(2026, 9, 30)),  # still to be reviewed: not ended
        experiment(5),  # no review date, open
    )
    ends = learning.ended_on(rows)
    assert [str(day) for day in ends] == ["2026-03-31", "2026-03-31", "2026-05-21", "NaT", "NaT"]


def test_days_to_lesson_count_from_the_uk_day_and_never_below_nought():
    found = fund(
        # recorded at 23:30 UTC on 10 April: 11 April in the UK, 11 days after the review
        experiment(1, review=date(2026, 3, 31), lesson=datetime(2026, 4, 10, 23, 30)),
        # the lesson came before the closing that ended it: 0 days, not −20
        experiment(2, closed=datetime(2026, 5, 21, 9), lesson=datetime(2026, 5, 1, 9)),
        experiment(3, review=date(2026, 6, 30), lesson=datetime(2026, 7, 20, 12)),
    )
    assert found["median_days_to_lesson"] == 11


def test_a_lesson_for_an_experiment_still_running_counts_as_a_lesson_but_not_as_ended():
    found = fund(
        experiment(1, review=date(2026, 9, 30), lesson=datetime(2026, 6, 1, 9)),
        experiment(2, review=date(2026, 5, 31)),
    )
    assert (found["lessons"], found["ended"], found["ended_with_lesson"]) == (1, 1, 0)
    assert found["share_with_lesson"] == Decimal("0")
    assert found["median_days_to_lesson"] is None


def test_a_stop_with_a_lesson_is_a_failure_documented_and_a_stop_without_one_is_not():
    found = fund(
        experiment(1, verdict="stop", lesson=datetime(2026, 6, 1, 9), level=3),
        experiment(2, verdict="stop", level=3),
        experiment(3, verdict="scale", lesson=datetime(2026, 6, 1, 9), level=4),
        experiment(4, level=0),
    )
    assert found["failures_documented"] == 1
    verdicts = [found[f"verdict_{v}"] for v in ("scale", "adapt", "stop", "inconclusive", "none")]
    assert verdicts == [1, 0, 2, 0, 1]
    assert [found[f"level_{n}"] for n in range(6)] == [1, 0, 0, 2, 1, 0]
    assert found["highest_level"] == 4


# --- shares and cost per lesson ----------------------------------------------------------------


def test_a_share_is_an_exact_decimal_without_trailing_noughts():
    assert str(share(3, 4)) == "0.75"
    assert str(share(2, 3)) == "0.6667"
    assert str(share(1, 1)) == "1"
    assert share(0, 0) is None


def test_cost_per_lesson_is_rounded_half_up_to_the_penny():
    assert cost_per_lesson(Decimal("3000.01"), 2) == Decimal("1500.01")  # 1,500.005
    assert cost_per_lesson(Decimal("7500.01"), 3) == Decimal("2500.00")
    assert cost_per_lesson(Decimal("0.00"), 4) == Decimal("0.00")
    assert cost_per_lesson(Decimal("100.00"), 0) is None


def test_cost_per_lesson_counts_every_lesson_and_every_pound_paid():
    found = fund(
        experiment(1, paid="1000.00", lesson=datetime(2026, 6, 1, 9)),
        experiment(2, paid="2000.01", lesson=datetime(2026, 6, 2, 9)),
        experiment(3, paid="500.00"),  # paid out, no lesson yet: still money spent
    )
    assert found["paid"] == Decimal("3500.01")
    assert found["cost_per_lesson"] == Decimal("1750.01")  # 1,750.005, half-up


def test_groups_are_in_the_order_of_their_names():
    rows = frame(
        experiment(1, official="zed Zeal", verdict="scale"),
        experiment(2, official="Ann Able", verdict="stop"),
        experiment(3, official="Bea Bold"),
    )
    assert list(measure(rows, by="official")["official"]) == ["Ann Able", "Bea Bold", "zed Zeal"]


def test_an_officials_sroi_is_the_sum_of_present_values_over_the_sum_of_inputs():
    results = pd.DataFrame(
        {
            "experiment_id": [1, 2, 3],
            "complete": [True, False, True],
            "inputs": [Decimal("1000.00"), Decimal("9000.00"), Decimal("0.00")],
            "present_value": [Decimal("4000.00"), Decimal("9000.00"), Decimal("500.00")],
        }
    )
    officials = pd.DataFrame({"experiment_id": [1, 2, 3], "official": ["Ann", "Ann", "Bea"]})
    found = learning.sroi_by_official(results, officials).set_index("official")
    # (4,000 + 9,000) ÷ (1,000 + 9,000) = 1.3, not the average of 4.0 and 1.0
    assert found.loc["Ann", "sroi_ratio"] == pytest.approx(1.3)
    assert (found.loc["Ann", "impact_maps"], found.loc["Ann", "incomplete"]) == (2, 1)
    assert found.loc["Bea", "sroi_ratio"] is None  # a value over no inputs is no return


# --- properties ------------------------------------------------------------------------------

_MOMENTS = st.none() | st.datetimes(datetime(2025, 1, 1), datetime(2026, 7, 31, 22))
_PENNIES = st.integers(0, 10**9)


@st.composite
def experiments(draw) -> pd.DataFrame:
    rows = []
    for number in range(1, draw(st.integers(1, 25)) + 1):
        lesson = draw(_MOMENTS)
        closed = draw(_MOMENTS) if lesson is not None else None
        if closed is not None and closed < lesson:
            closed = lesson + timedelta(hours=1)  # an experiment closes only with a lesson
        review = draw(st.none() | st.dates(date(2025, 1, 1), date(2027, 1, 1)))
        rows.append(
            experiment(
                number,
                official=draw(st.sampled_from(["Ann Able", "Bea Bold", "Cy Calm"])),
                review=review,
                closed=closed,
                lesson=lesson,
                verdict=draw(st.sampled_from([None, *learning.VERDICTS])),
                level=draw(st.integers(0, 5)),
                paid=str(Decimal(draw(_PENNIES)).scaleb(-2)),
            )
        )
    return frame(*rows)


@settings(max_examples=60, deadline=None)
@given(experiments())
def test_shares_lie_between_nought_and_one_and_cost_times_lessons_is_what_was_paid(rows):
    for _, group in measure(rows, by="official").iterrows():
        assert group["ended_with_lesson"] <= min(group["ended"], group["lessons"])
        assert group["failures_documented"] <= group["lessons"]
        if group["ended"] == 0:
            assert group["share_with_lesson"] is None
        else:
            assert Decimal(0) <= group["share_with_lesson"] <= Decimal(1)
        if group["lessons"] == 0:
            assert pd.isna(group["cost_per_lesson"])
        else:
            gap = abs(group["cost_per_lesson"] * group["lessons"] - group["paid"])
            assert gap <= Decimal("0.005") * group["lessons"]
        median = group["median_days_to_lesson"]
        assert median is None or median >= 0


@settings(max_examples=60, deadline=None)
@given(experiments())
def test_the_officials_counts_add_up_to_the_funds(rows):
    whole = measure(rows).iloc[0]
    parts = measure(rows, by="official")
    counted = ["experiments", "ended", "lessons", "ended_with_lesson", "failures_documented"]
    counted += [f"level_{n}" for n in range(6)]
    counted += [f"verdict_{v}" for v in (*learning.VERDICTS, learning.NO_VERDICT)]
    for column in counted:
        assert parts[column].sum() == whole[column], column
    assert sum(parts["paid"], Decimal(0)) == whole["paid"]
    assert whole["experiments"] == len(rows)
