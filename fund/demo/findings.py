"""What the demo's evaluated bigger bets found: a results file for each, generated from a
fixed seed in the shape its registered design asks for.

Each finding is written down as the effect the evaluation found and the spread around it;
the file's noise is centred within each group and period, so the estimate lands on the
planned effect and only its interval depends on the draw. That is what makes the verdicts
the rules derive from these files (some scale, some adapt, some stop, some inconclusive)
the same on every build, whatever day it is built.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import NamedTuple

import numpy as np

SEED = 11  # the findings' own seed: the portfolio's seed decides money, not results


class Finding(NamedTuple):
    """The effect an evaluation found, in the metric's own units and direction (a fall in
    weeks waited is negative), the spread of single observations, and how many units were
    measured in each group (and, for a zone, in how many quarters before and after)."""

    effect: float
    spread: float
    units: int
    quarters: int = 0


# By title: the ten bigger bets in phase 2 or later, with what their evaluations found.
FINDINGS: dict[str, Finding] = {
    # scale: a clear rise, well past the 8-point target
    "Youth employment zone in Eastfield and Moorside": Finding(10.0, 3.0, 12, 4),
    # stop: a rise of a point at most, the whole interval short of the 5-point target
    "Affordable credit zone in the town centre": Finding(1.0, 2.0, 12, 4),
    # inconclusive: waits may have fallen, but too few areas to say
    "Individual placement and support zone for common mental health problems": Finding(
        -1.0, 6.0, 6, 2
    ),
    # stop: fewer in work than the comparison group, and under the kill threshold
    "Outcomes contract: sustained jobs for care leavers": Finding(-2.0, 8.0, 30),
    # scale: waits three and a half weeks shorter than the matched comparison group
    "Outcomes contract: work for people with severe mental illness": Finding(-3.5, 3.0, 40),
    # scale: wards served by the new branches gained seven points of savers
    "Community lender expansion loan": Finding(7.0, 4.0, 40),
    # adapt: a real rise, short of the target, which the interval still reaches
    "Equity stake in a youth-run digital agency": Finding(6.5, 8.0, 40),
    # adapt: a week off the wait, short of the two-week target (overridden to scale)
    "Recoverable grant to a peer-support app start-up": Finding(-1.6, 3.0, 50),
    # inconclusive: the café's regulars waited a little less, or not
    "Wellbeing café social enterprise loan": Finding(-0.8, 5.0, 30),
    # adapt: trainees' areas up six points, short of eight
    "Bike repair workshop training enterprise loan": Finding(6.0, 10.0, 40),
}
# A second evaluation of one finding, by an independent evaluator, drawn afresh.
CONFIRMED = "Outcomes contract: work for people with severe mental illness"
CONFIRMING = Finding(-3.2, 3.0, 60)


def results_file(finding: Finding, design: str, baseline: float, start: date, *, draw: int) -> str:
    """The CSV text of a results file for ``finding`` by ``design``, around the plan's
    ``baseline``, for an experiment started on ``start``; ``draw`` seeds it."""
    rng = np.random.default_rng([SEED, draw])
    rows = _DESIGNS[design](rng, finding, baseline, start)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["unit", "group", "period", "post", "value"])
    writer.writerows(rows)
    return out.getvalue()


def _centred(rng: np.random.Generator, spread: float, shape: tuple[int, ...]) -> np.ndarray:
    """Noise of the given spread, centred on zero along the first axis (within a cell)."""
    noise = rng.normal(0.0, spread, size=shape)
    return noise - noise.mean(axis=0)


def _quarter(day: date, later: int = 0) -> str:
    """The label of the quarter ``later`` quarters after the one ``day`` falls in."""
    index = day.year * 4 + (day.month - 1) // 3 + later
    return f"{index // 4}-Q{index % 4 + 1}"


def _zone(rng: np.random.Generator, finding: Finding, base: float, start: date) -> list[list]:
    """Difference in differences: areas in and outside the zone, measured every quarter
    before and after the start (a panel: area and quarter effects, then the zone's)."""
    quarters = [_quarter(start, k) for k in range(-finding.quarters, finding.quarters)]
    trend = rng.normal(0.0, 1.0, len(quarters)).cumsum()
    rows = []
    for treated, group in ((1, "treated"), (0, "comparison")):
        areas = rng.normal(0.0, finding.spread, finding.units)
        noise = _centred(rng, finding.spread / 2, (finding.units, len(quarters)))
        for q, period in enumerate(quarters):
            post = int(q >= finding.quarters)
            values = base + areas + trend[q] + noise[:, q] + finding.effect * treated * post
            rows += [
                [f"{group[0].upper()}{u + 1:02d}", group, period, post, f"{v:.2f}"]
                for u, v in enumerate(values)
            ]
    return rows


def _two_groups(rng: np.random.Generator, finding: Finding, base: float, start: date) -> list[list]:
    """Treated cohorts against matched comparison cohorts, after the start."""
    period = _quarter(start, 4)
    rows = []
    for treated, group in ((1, "treated"), (0, "comparison")):
        values = base + finding.effect * treated + _centred(rng, finding.spread, (finding.units,))
        rows += [
            [f"{group} cohort {u + 1}", group, period, 1, f"{v:.2f}"] for u, v in enumerate(values)
        ]
    return rows


def _before_after(
    rng: np.random.Generator, finding: Finding, base: float, start: date
) -> list[list]:
    """The same units measured once the year before the start and once a year after."""
    before = base + rng.normal(0.0, finding.spread, finding.units)
    after = before + finding.effect + _centred(rng, finding.spread, (finding.units,))
    periods = (_quarter(start, -1), _quarter(start, 4))
    return [
        [f"U{u + 1:03d}", "treated", periods[post], post, f"{v:.2f}"]
        for post, values in enumerate((before, after))
        for u, v in enumerate(values)
    ]


_DESIGNS = {"did": _zone, "two-group": _two_groups, "before-after": _before_after}
