"""The verdict and the evidence level are derived by the issue's rules, tested at their edges."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fund.evidence.verdict import (
    Evidence,
    Judged,
    Verdict,
    evidence_level,
    evidence_levels,
    verdict,
    verdicts,
)


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


_figure = st.floats(min_value=-50, max_value=50, allow_nan=False)
_row = st.tuples(_figure, _figure, _figure, st.floats(0.01, 20), st.booleans(), st.booleans())


@given(st.lists(_row, min_size=1, max_size=30))
def test_the_verdicts_of_many_experiments_are_each_ones_own_verdict(rows):
    effects, ends_a, ends_b, targets, highers, killed = (
        np.array(c) for c in zip(*rows, strict=True)
    )
    lows, highs = np.minimum(ends_a, ends_b), np.maximum(ends_a, ends_b)
    many = verdicts(
        effect=effects,
        ci_low=lows,
        ci_high=highs,
        target=targets,
        higher_is_better=highers,
        kill_criteria_met=killed,
    )
    one_by_one = [
        verdict(judged(e, lo, hi, t, h), kill_criteria_met=k).value
        for e, lo, hi, t, h, k in zip(effects, lows, highs, targets, highers, killed, strict=True)
    ]
    assert list(many) == one_by_one


def test_an_experiment_without_an_estimate_or_a_target_has_no_verdict_yet():
    nan = float("nan")
    many = verdicts(
        effect=np.array([nan, 3.0]),
        ci_low=np.array([nan, 1.0]),
        ci_high=np.array([nan, 5.0]),
        target=np.array([2.0, nan]),
        higher_is_better=np.array([True, True]),
        kill_criteria_met=np.array([True, False]),
    )
    assert list(many) == [None, None]


@given(st.lists(st.lists(st.booleans(), min_size=5, max_size=5), min_size=1, max_size=30))
def test_the_levels_of_many_experiments_are_each_ones_own_level(rows):
    designs = {True: "did", False: "before-after"}
    one_by_one = [
        evidence_level(
            Evidence(
                plan_registered=a,
                results=b,
                design=designs[c],
                interval_excludes_zero=c,
                confirmed=d,
                scaled=e,
            )
        )
        for a, b, c, d, e in rows
    ]
    assert list(evidence_levels(np.array(rows))) == one_by_one
