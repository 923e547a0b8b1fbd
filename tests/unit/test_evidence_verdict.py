"""The verdict and the evidence level are derived by the issue's rules, tested at their edges."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fund.evidence.verdict import Evidence, Judged, Verdict, evidence_level, verdict


def judged(effect, low, high, target=5.0, higher_is_better=True) -> Judged:
    return Judged.of(
        effect=effect, ci_low=low, ci_high=high, target=target, higher_is_better=higher_is_better
    )


@pytest.mark.parametrize(
    ("effect", "low", "high", "expected"),
    [
        (8.0, 2.0, 14.0, Verdict.SCALE),  # above zero, reaches the target
        (5.0, 1.0, 9.0, Verdict.SCALE),  # the estimate exactly on the target reaches it
        (3.0, 1.0, 5.5, Verdict.ADAPT),  # above zero, short of the target
        (3.0, 0.0, 6.0, Verdict.INCONCLUSIVE),  # an interval touching zero is not above it
        (6.0, -1.0, 13.0, Verdict.INCONCLUSIVE),  # reaches the target but includes zero
        (1.0, -2.0, 4.9, Verdict.STOP),  # the whole interval below the target
        (2.0, 0.5, 5.0, Verdict.ADAPT),  # touching the target is not wholly below it
        (-4.0, -7.0, -1.0, Verdict.STOP),  # it made things worse
    ],
)
def test_each_verdict_at_its_boundaries(effect, low, high, expected):
    assert verdict(judged(effect, low, high)) is expected


def test_met_kill_criteria_stop_the_experiment_whatever_the_interval_says():
    assert verdict(judged(8.0, 2.0, 14.0), kill_criteria_met=True) is Verdict.STOP


def test_a_metric_where_lower_is_better_is_judged_mirrored():
    # Reoffending fell by 6 points (−6, interval −10 to −2); the target is a fall of 5.
    assert verdict(judged(-6.0, -10.0, -2.0, higher_is_better=False)) is Verdict.SCALE
    assert verdict(judged(6.0, 2.0, 10.0, higher_is_better=False)) is Verdict.STOP


intervals = st.tuples(
    st.floats(-1e6, 1e6), st.floats(0, 1e6), st.floats(0, 1e6), st.floats(0, 1e6)
).map(lambda t: (t[0], t[0] - t[1], t[0] + t[2], t[3]))


@given(intervals)
def test_the_verdict_never_says_scale_when_the_interval_includes_zero(found):
    effect, low, high, target = found
    if low <= 0 <= high:
        assert verdict(Judged(effect=effect, ci_low=low, ci_high=high, target=target)) in (
            Verdict.STOP,
            Verdict.INCONCLUSIVE,
        )


def evidence(**given) -> Evidence:
    base = {
        "plan_registered": True,
        "results": True,
        "design": "did",
        "interval_excludes_zero": True,
        "confirmed": True,
        "scaled": True,
    }
    return Evidence(**(base | given))


@pytest.mark.parametrize(
    ("given", "level"),
    [
        ({"plan_registered": False}, 0),
        ({"results": False}, 1),
        ({"design": "before-after"}, 2),
        ({"interval_excludes_zero": False}, 2),
        ({"confirmed": False}, 3),
        ({"scaled": False}, 4),
        ({}, 5),
        ({"design": "randomised", "confirmed": False}, 3),
    ],
)
def test_each_evidence_level_needs_every_one_below_it(given, level):
    assert evidence_level(evidence(**given)) == level


def test_scaling_without_results_reaches_no_higher_than_the_plan():
    assert evidence_level(evidence(results=False, confirmed=True, scaled=True)) == 1
