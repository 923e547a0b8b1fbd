"""The verdict on an experiment and the evidence level it reached: derived, never typed.

Both are pure functions of what was registered and what was measured, so that a fund
manager's override is always shown beside what the rules derived, and a target cannot be
moved to fit a result after the fact (the plan it is judged against is the registered one).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np


class Verdict(StrEnum):
    SCALE = "scale"
    ADAPT = "adapt"
    STOP = "stop"
    INCONCLUSIVE = "inconclusive"


@dataclass(frozen=True, kw_only=True)
class Judged:
    """An estimate put in the plan's terms: the effect and its 95% interval as improvements
    (for a metric where lower is better they are mirrored, so a fall of 5 is +5), and the
    target as the smallest improvement worth having."""

    effect: float
    ci_low: float
    ci_high: float
    target: float

    @classmethod
    def of(
        cls, *, effect: float, ci_low: float, ci_high: float, target: float, higher_is_better: bool
    ) -> Judged:
        if higher_is_better:
            return cls(effect=effect, ci_low=ci_low, ci_high=ci_high, target=target)
        return cls(effect=-effect, ci_low=-ci_high, ci_high=-ci_low, target=target)


def verdict(judged: Judged, *, kill_criteria_met: bool = False) -> Verdict:
    """The issue's rules, in order:

    - met kill criteria stop the experiment, whatever the interval says;
    - **stop** when the whole interval lies below the target (even the best plausible effect
      is not worth having);
    - **scale** when the interval lies above zero and the estimate reaches the target;
    - **adapt** when the interval lies above zero but the estimate falls short of the target;
    - **inconclusive** otherwise (an interval that reaches zero cannot say it worked).
    """
    if kill_criteria_met or judged.ci_high < judged.target:
        return Verdict.STOP
    if judged.ci_low > 0:
        return Verdict.SCALE if judged.effect >= judged.target else Verdict.ADAPT
    return Verdict.INCONCLUSIVE


COMPARISON_DESIGNS = frozenset({"two-group", "randomised", "did"})


@dataclass(frozen=True, kw_only=True)
class Evidence:
    """What an experiment has to show for itself, as the Nesta Standards of Evidence ask."""

    plan_registered: bool
    results: bool  # observations (or a summary) recorded against the primary metric
    design: str | None  # the design of the estimate, when there is one
    interval_excludes_zero: bool
    confirmed: bool  # another experiment or an independent evaluator, same primary metric
    scaled: bool  # mainstream or embedding, with a scaling route recorded


def evidence_level(evidence: Evidence) -> int:
    """The Nesta level reached, 0 to 5; each level needs every one below it:
    1 a registered plan; 2 results (before/after is enough); 3 a comparison group,
    difference-in-differences or randomisation whose interval excludes zero; 4 confirmed
    on the same primary metric; 5 also scaled."""
    steps = (
        evidence.plan_registered,
        evidence.results,
        evidence.design in COMPARISON_DESIGNS and evidence.interval_excludes_zero,
        evidence.confirmed,
        evidence.scaled,
    )
    level = 0
    for reached in steps:
        if not reached:
            break
        level += 1
    return level


def verdicts(
    *,
    effect: np.ndarray,
    ci_low: np.ndarray,
    ci_high: np.ndarray,
    target: np.ndarray,
    higher_is_better: np.ndarray,
    kill_criteria_met: np.ndarray,
) -> np.ndarray:
    """:func:`verdict` of many experiments at once (an object array of verdict values, None
    where there is no estimate or no target): the same rules, held to it by a property test."""
    sign = np.where(higher_is_better, 1.0, -1.0)
    gain, low, high = (
        effect * sign,
        np.minimum(ci_low * sign, ci_high * sign),
        np.maximum(ci_low * sign, ci_high * sign),
    )
    judged = ~(np.isnan(effect) | np.isnan(target))
    chosen = np.select(
        [kill_criteria_met | (high < target), low > 0],
        [Verdict.STOP.value, np.where(gain >= target, Verdict.SCALE.value, Verdict.ADAPT.value)],
        Verdict.INCONCLUSIVE.value,
    ).astype(object)
    chosen[~judged] = None
    return chosen


def evidence_levels(steps: np.ndarray) -> np.ndarray:
    """:func:`evidence_level` of many experiments: ``steps`` has one column per level (each
    reached or not), and a level counts only when every one below it is reached."""
    return np.cumprod(steps.astype(int), axis=1).sum(axis=1)
