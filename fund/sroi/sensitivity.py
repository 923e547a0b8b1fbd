"""How sure is an SROI ratio? One-way swings, switching values and Monte Carlo over ranges.

Pure functions over an impact map and its discount schedule, in floats
(:mod:`fund.sroi.vectorised`, held to the exact engine by tests); nothing here touches the
database. Every function refuses a map without inputs (a ``ValidationError`` on ``inputs``).

- :func:`tornado`: each assumption of each outcome at the low and the high end of its range,
  everything else at its point value, sorted by swing, largest first.
- :func:`switching_values`: the value of each assumption at which the ratio is exactly 1.
- :func:`monte_carlo` (and :func:`monte_carlo_each` for many maps): the ratio's
  distribution when the assumptions with a range are drawn together.

Ranges come from the outcome (``Outcome.ranges``); where it gives none, the tornado (and Monte
Carlo when asked) uses :data:`DEFAULT_RANGE`, and says where it did.
"""

from __future__ import annotations

import math
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

import numpy as np

from fund.errors import ValidationError
from fund.sroi.discount import Schedule
from fund.sroi.model import ASSUMPTIONS, DEDUCTIONS, ImpactMap, Outcome, Range
from fund.sroi.vectorised import (
    COLUMN,
    DROP_OFF,
    LINEAR,
    FloatMap,
    discounted_years,
    factors,
    first_year_impacts,
    float_map,
    outcome_present_values,
    point_ratio,
    ratios,
)

LABEL = {name: name.replace("_", "-") for name in ASSUMPTIONS}  # "drop_off" → "drop-off"
SEED = 2012  # the default seed: the year of the Guide, so a rerun draws the same numbers
MAX_DRAWS = 10_000_000  # 80 MB of ratios; more says nothing the percentiles do not


@dataclass(frozen=True, kw_only=True)
class DefaultRange:
    """The range an assumption gets when its outcome gives none."""

    relative: Decimal  # quantity and proxy: ± this share of the point value
    absolute: Decimal  # each deduction and drop-off: ± this, clipped to [0, 1]
    distribution: str  # with the point value as the mode


# One declared default: quantity and proxy ±20% of the point value, each deduction and
# drop-off ±0.10 clipped to [0, 1], triangular about the point. Results say where it was used.
DEFAULT_RANGE = DefaultRange(
    relative=Decimal("0.20"), absolute=Decimal("0.10"), distribution="triangular"
)


def range_of(outcome: Outcome, assumption: str) -> tuple[Range, bool]:
    """The outcome's range for ``assumption``, or the default one; and whether it is the default."""
    given = outcome.ranges.get(assumption)
    if given is not None:
        return given, False
    point = outcome.value(assumption)
    if assumption in DEDUCTIONS:
        low = max(Decimal(0), point - DEFAULT_RANGE.absolute)
        high = min(Decimal(1), point + DEFAULT_RANGE.absolute)
    else:
        low, high = (
            point - abs(point) * DEFAULT_RANGE.relative,
            point + abs(point) * DEFAULT_RANGE.relative,
        )
    return Range(low=low, high=high, distribution=DEFAULT_RANGE.distribution), True


# ---------------------------------------------------------------------------------------
# One-way sensitivity: the tornado
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Swing:
    """One bar of the tornado: the ratio with one assumption at each end of its range."""

    outcome: int  # the outcome's index in the map
    name: str  # the outcome, in words
    assumption: str  # one of ASSUMPTIONS
    point: float
    low: float
    high: float
    ratio_low: float  # the ratio with this assumption at ``low``, all else at its point
    ratio_high: float
    swing: float  # |ratio_high − ratio_low|
    default_range: bool  # the outcome gave no range: DEFAULT_RANGE was used


def tornado(impact_map: ImpactMap, schedule: Schedule) -> tuple[Swing, ...]:
    """Every (outcome, assumption) at its low and its high, sorted by swing, largest first.

    All 2 × outcomes × assumptions variations are evaluated at once. Rows are frozen
    dataclasses; ``pandas.DataFrame(rows)`` makes the table a chart wants.
    """
    fm = float_map(impact_map, schedule)
    cells = [(j, a) for j in range(fm.outcomes) for a in ASSUMPTIONS]
    found = [range_of(impact_map.outcomes[j], a) for j, a in cells]
    ends = np.array([[float(r.low), float(r.high)] for r, _ in found]).reshape(-1, 2)
    values = np.repeat(fm.points[np.newaxis, np.newaxis], len(cells), axis=0)
    values = np.repeat(values, 2, axis=1)  # (cells, low/high, outcomes, assumptions)
    outcome = np.array([j for j, _ in cells], dtype=np.intp)
    column = np.array([COLUMN[a] for _, a in cells], dtype=np.intp)
    values[np.arange(len(cells)), :, outcome, column] = ends
    at = ratios(fm, values)
    rows = [
        Swing(
            outcome=j,
            name=impact_map.outcomes[j].outcome,
            assumption=a,
            point=float(fm.points[j, COLUMN[a]]),
            low=float(ends[n, 0]),
            high=float(ends[n, 1]),
            ratio_low=float(at[n, 0]),
            ratio_high=float(at[n, 1]),
            swing=float(abs(at[n, 1] - at[n, 0])),
            default_range=default,
        )
        for n, ((j, a), (_, default)) in enumerate(zip(cells, found, strict=True))
    ]
    return tuple(sorted(rows, key=lambda row: -row.swing))


# ---------------------------------------------------------------------------------------
# Switching values
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class SwitchingValue:
    """The value of one assumption at which the SROI ratio is exactly 1, or why there is none."""

    outcome: int
    name: str
    assumption: str
    point: float
    value: float | None  # None: no value in the assumption's domain gives a ratio of 1
    change: float | None  # value − point
    change_percent: float | None  # the change as a % of |point|; None when the point is 0
    reason: str | None  # why there is no value, in words


def switching_values(impact_map: ImpactMap, schedule: Schedule) -> tuple[SwitchingValue, ...]:
    """For each outcome (in map order) and assumption (in ASSUMPTIONS order), the value that
    brings the ratio to exactly 1.

    Quantity, proxy and each (1 − deduction) multiply an outcome's value, so the ratio is a
    straight line in each and the value is found in closed form. Drop-off works through the
    years as a polynomial in (1 − drop-off) with non-negative coefficients, so the ratio is
    monotone in it and the value is found by bisection over [0, 1], for every outcome at once.
    Quantity must stay ≥ 0 and the deductions within [0, 1]; a proxy may change sign.
    """
    fm = float_map(impact_map, schedule)
    ratio = point_ratio(fm)
    linear = _linear_switches(fm, ratio)
    drop = _drop_off_switches(fm, ratio)
    rows = []
    for j, outcome in enumerate(impact_map.outcomes):
        for a in ASSUMPTIONS:
            value, reason = drop[j] if a == "drop_off" else linear[a][j]
            point = float(fm.points[j, COLUMN[a]])
            change = None if value is None else value - point
            rows.append(
                SwitchingValue(
                    outcome=j,
                    name=outcome.outcome,
                    assumption=a,
                    point=point,
                    value=value,
                    change=change,
                    change_percent=None
                    if change is None or not point
                    else 100 * change / abs(point),
                    reason=reason,
                )
            )
    return tuple(rows)


Found = tuple[float | None, str | None]  # a value, or None and why


def _linear_switches(fm: FloatMap, ratio: float) -> dict[str, list[Found]]:
    """Quantity, proxy and the first-year deductions: the ratio moves by ``slope`` per unit
    of the factor (the value itself, or 1 − the deduction), so the factor that gives 1 is
    ``factor + (1 − ratio) / slope``."""
    names = [a for a in ASSUMPTIONS if a != "drop_off"]
    neutral = np.repeat(fm.points[np.newaxis], len(names), axis=0)
    for n, a in enumerate(names):  # the factor set to 1 leaves the rest of the outcome's value
        neutral[n, :, COLUMN[a]] = 0.0 if a in DEDUCTIONS else 1.0
    slopes = outcome_present_values(fm, neutral) / fm.inputs  # (assumptions, outcomes)
    found: dict[str, list[Found]] = {}
    for n, a in enumerate(names):
        points = fm.points[:, COLUMN[a]]
        at_point = 1 - points if a in DEDUCTIONS else points
        found[a] = [_linear(a, f, s, ratio) for f, s in zip(at_point, slopes[n], strict=True)]
    return found


def _linear(assumption: str, factor: float, slope: float, ratio: float) -> Found:
    label = LABEL[assumption]
    if slope == 0:
        return None, (
            f"the outcome is worth nothing whatever its {label} (another of its figures is 0), "
            f"so the ratio stays at {ratio:.2f}"
        )
    wanted = factor + (1 - ratio) / slope
    side = "below" if ratio < 1 else "above"
    if assumption in DEDUCTIONS:
        value = 1 - wanted
        if not 0 <= value <= 1:
            end = 0 if value < 0 else 1
            return None, f"even at {end:.0%} {label} the ratio stays {side} 1"
        return value, None
    if assumption == "quantity" and wanted < 0:
        return None, f"even at a quantity of 0 the ratio stays {side} 1"
    return wanted, None


BISECTIONS = 64  # halvings of [0, 1]: past the precision of a float


def _drop_off_switches(fm: FloatMap, ratio: float) -> list[Found]:
    """Bisection over [0, 1] for every outcome at once; the ratio is monotone in drop-off."""
    first = first_year_impacts(fm.points)
    rest = ratio - outcome_present_values(fm, fm.points) / fm.inputs

    def gap(drop_off: np.ndarray) -> np.ndarray:  # ratio − 1 with each outcome's drop-off moved
        return rest + first * discounted_years(fm.coefficients, 1 - drop_off) / fm.inputs - 1

    low, high = np.zeros(fm.outcomes), np.ones(fm.outcomes)
    at_low, at_high = gap(low), gap(high)
    for _ in range(BISECTIONS):
        middle = (low + high) / 2
        same = np.sign(gap(middle)) == np.sign(at_low)
        low, high = np.where(same, middle, low), np.where(same, high, middle)
    lasting = np.count_nonzero(fm.coefficients, axis=1)
    found: list[Found] = []
    side = "below" if ratio < 1 else "above"
    for j in range(fm.outcomes):
        if lasting[j] == 1:
            found.append((None, "the outcome lasts one year, and drop-off starts in its second"))
        elif first[j] == 0:
            found.append(
                (
                    None,
                    f"the outcome is worth nothing whatever its drop-off, so the ratio stays at {ratio:.2f}",
                )
            )
        elif at_low[j] * at_high[j] > 0:
            end = 0 if abs(at_low[j]) < abs(at_high[j]) else 1
            found.append((None, f"even at {end:.0%} drop-off the ratio stays {side} 1"))
        else:
            found.append((float((low[j] + high[j]) / 2), None))
    return found


# ---------------------------------------------------------------------------------------
# Monte Carlo
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class MonteCarlo:
    """The SROI ratio over ``draws`` draws of the ranged assumptions."""

    draws: int
    seed: int
    point: float  # the ratio at the map's own values
    p5: float  # percentiles of the ratio (numpy's linear interpolation)
    p50: float
    p95: float
    p_above_one: float  # the share of draws whose ratio is above 1
    drawn: tuple[tuple[int, str], ...]  # (outcome, assumption) drawn; the rest held at a point
    default_ranges: tuple[tuple[int, str], ...]  # of those, the ones given DEFAULT_RANGE
    ratios: np.ndarray = field(compare=False, repr=False)  # every draw's ratio, for a histogram


def monte_carlo(
    impact_map: ImpactMap,
    schedule: Schedule,
    *,
    draws: int = 10_000,
    seed: int = SEED,
    default_ranges: bool = False,
) -> MonteCarlo:
    """The ratio's distribution when every assumption with a range is drawn from it.

    Distributions: uniform on [low, high]; triangular with mode the point value; PERT, a beta
    on [low, high] with mode the point value and λ = 4 (α = 1 + 4(mode − low)/(high − low),
    β = 1 + 4(high − mode)/(high − low); mean (low + 4·mode + high) / 6). Assumptions
    without a range stay at their point unless ``default_ranges``, which draws them from
    :data:`DEFAULT_RANGE`. The same seed draws the same numbers (:func:`monte_carlo_each`
    says how); an experiment gets the same result alone or among others.
    """
    (plan,), block = _prepare([(impact_map, schedule)], draws, seed, default_ranges)
    return plan.run(block, seed)


def monte_carlo_each(
    maps: Iterable[tuple[ImpactMap, Schedule]],
    *,
    draws: int = 10_000,
    seed: int = SEED,
    default_ranges: bool = False,
) -> Iterator[MonteCarlo]:
    """:func:`monte_carlo` of many maps (a programme, the fund), yielded one at a time.

    Common random numbers: one block of uniforms is drawn from ``np.random.default_rng(seed)``,
    one row per drawn assumption in map order, and the i-th drawn assumption of every map is
    turned into its distribution by the inverse CDF of the same row. Each map's
    distribution is exactly what it would be alone (the first k rows of the block do not
    depend on how many follow), but draws of different maps are not independent of each
    other: compare maps by their own percentiles, never pool their draws.

    Every map is checked (inputs, draws, seed) before anything is drawn. Maps run
    :data:`WORKERS` at a time on threads (numpy lets go of the GIL over whole arrays), and are
    yielded in order; at most ``WORKERS + 1`` maps' draws are held at once.
    """
    plans, block = _prepare(maps, draws, seed, default_ranges)
    return _side_by_side(plans, block, seed)


def pooled(
    maps: Sequence[tuple[ImpactMap, Schedule]],
    weights: Sequence[float],
    *,
    draws: int = 10_000,
    seed: int = SEED,
    default_ranges: bool = False,
    progress: Callable[[float], None] | None = None,
) -> np.ndarray:
    """Each draw's Σ wᵢ·ratioᵢ ÷ Σ wᵢ over many maps (a fund's ratio, the weights its maps'
    inputs), drawn with the common random numbers of :func:`monte_carlo_each`.

    Only the running sum is kept, and maps run one after another: a fund holds thousands of
    small maps, each too quick for a thread's hand-over to pay, and no map's percentiles are
    needed. ``progress`` hears the share of maps done.
    """
    plans, block = _prepare(maps, draws, seed, default_ranges)
    total = np.zeros(draws)
    step = max(1, len(plans) // 100)
    for done, (plan, weight) in enumerate(zip(plans, weights, strict=True), start=1):
        total += plan.ratios(block) * weight
        if progress is not None and (done % step == 0 or done == len(plans)):
            progress(done / len(plans))
    return total / float(np.sum(weights))


WORKERS = min(4, os.cpu_count() or 1)


def _side_by_side(plans: list[_Plan], block: _Uniforms, seed: int) -> Iterator[MonteCarlo]:
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        running: deque[Future[MonteCarlo]] = deque()
        for plan in plans:
            running.append(pool.submit(plan.run, block, seed))
            if len(running) > WORKERS:
                yield running.popleft().result()
        while running:
            yield running.popleft().result()


def _prepare(
    maps: Iterable[tuple[ImpactMap, Schedule]], draws: int, seed: int, default_ranges: bool
) -> tuple[list[_Plan], _Uniforms]:
    if isinstance(draws, bool) or not isinstance(draws, int) or not 1 <= draws <= MAX_DRAWS:
        raise ValidationError("draws", f"must be a whole number from 1 to {MAX_DRAWS:,}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValidationError("seed", "must be a whole number of at least 0")
    plans = [_Plan.of(m, s, default_ranges) for m, s in maps]
    slots = [slot for plan in plans for slot in plan.slots]
    rows = max((len(plan.slots) for plan in plans), default=0)
    return plans, _Uniforms(seed, rows, draws, {slot.distribution for slot in slots})


@dataclass(frozen=True, kw_only=True)
class _Slot:
    """One drawn assumption: which row of uniforms it takes, and its factor as α + β·T, T the
    standard (0 to 1) draw of its distribution with mode ``c``."""

    outcome: int
    assumption: str
    row: int
    distribution: str
    c: float  # (mode − low) / (high − low)
    alpha: float
    beta: float
    default: bool

    @classmethod
    def of(
        cls, outcome: int, assumption: str, row: int, found: Range, point: float, default: bool
    ) -> _Slot:
        low, high = float(found.low), float(found.high)
        width = high - low
        # quantity and proxy multiply as they are; a deduction (and drop-off) as 1 − it
        alpha, beta = (1 - low, -width) if assumption in DEDUCTIONS else (low, width)
        return cls(
            outcome=outcome,
            assumption=assumption,
            row=row,
            distribution=found.distribution,
            c=min(1.0, max(0.0, (point - low) / width)),
            alpha=alpha,
            beta=beta,
            default=default,
        )


class _Uniforms:
    """The block of uniform draws every map of a run shares, and what the inverse CDFs need of
    it, worked out once for the whole run."""

    def __init__(self, seed: int, rows: int, draws: int, distributions: set[str]) -> None:
        self.draws = draws
        self.u = np.random.default_rng(seed).random((rows, draws))
        if "triangular" in distributions:  # √u and √(1 − u): the inverse CDF's two branches
            self.roots = np.sqrt(self.u), np.sqrt(1 - self.u)
        if "pert" in distributions:  # each u's cell of the quantile tables, and where in it
            scaled = self.u * PERT_CELLS  # exact: a power of two; below PERT_CELLS as u < 1
            cell = scaled.astype(np.intp)
            self.cells = cell, scaled - cell

    def _triangular(self, slot: _Slot) -> np.ndarray:
        """The inverse CDF is √(c·u) below u = c and 1 − √((1 − c)(1 − u)) above it, which is
        T = √c·min(√u, √c) + 1 − c − √(1 − c)·min(√(1 − u), √(1 − c)) for every u: each
        min holds its branch above or below c and the other at its value at c. No mask."""
        c, beta = slot.c, slot.beta
        left = np.minimum(self.roots[0][slot.row], math.sqrt(c))
        left *= beta * math.sqrt(c)
        right = np.minimum(self.roots[1][slot.row], math.sqrt(1 - c))
        right *= -beta * math.sqrt(1 - c)
        left += right
        left += slot.alpha + beta * (1 - c)
        return left

    def factor(self, slot: _Slot) -> np.ndarray:
        """α + β·T for every draw, T by the inverse CDF of the slot's row of uniforms."""
        u = self.u[slot.row]
        if slot.distribution == "uniform":
            return u * slot.beta + slot.alpha
        if slot.distribution == "triangular":
            return self._triangular(slot)
        cell, within = self.cells[0][slot.row], self.cells[1][slot.row]
        table = slot.alpha + slot.beta * _pert_quantiles(slot.c)
        found = np.diff(table).take(cell)
        found *= within
        found += table.take(cell)
        return found


@dataclass(frozen=True, kw_only=True)
class _Plan:
    """One map ready to run: its float form, its point ratio and the assumptions it draws."""

    fm: FloatMap
    point: float
    slots: tuple[_Slot, ...]

    @classmethod
    def of(cls, impact_map: ImpactMap, schedule: Schedule, default_ranges: bool) -> _Plan:
        fm = float_map(impact_map, schedule)
        slots: list[_Slot] = []
        for j, outcome in enumerate(impact_map.outcomes):
            for a in ASSUMPTIONS:
                if a not in outcome.ranges and not default_ranges:
                    continue
                found, default = range_of(outcome, a)
                if found.low != found.high:  # a range collapsed to its point is not drawn
                    point = float(fm.points[j, COLUMN[a]])
                    slots.append(_Slot.of(j, a, len(slots), found, point, default))
        return cls(fm=fm, point=point_ratio(fm), slots=tuple(slots))

    def run(self, block: _Uniforms, seed: int) -> MonteCarlo:
        found = self.ratios(block)
        p5, p50, p95 = percentiles(found, (5, 50, 95))
        return MonteCarlo(
            draws=block.draws,
            seed=seed,
            point=self.point,
            p5=p5,
            p50=p50,
            p95=p95,
            p_above_one=int(np.count_nonzero(found > 1)) / block.draws,
            drawn=tuple((s.outcome, s.assumption) for s in self.slots),
            default_ranges=tuple((s.outcome, s.assumption) for s in self.slots if s.default),
            ratios=found,
        )

    def ratios(self, block: _Uniforms) -> np.ndarray:
        """Each draw's ratio. An outcome's share of the ratio is a constant (its undrawn
        factors, and its discounted years when drop-off is not drawn, over inputs) times each
        drawn factor; only drawn assumptions cost a pass over the draws."""
        fm = self.fm
        at_point = factors(fm.points)
        years = discounted_years(fm.coefficients, 1 - fm.points[:, DROP_OFF])
        total = np.zeros(block.draws)
        fixed = 0.0
        for j in range(fm.outcomes):
            mine = [s for s in self.slots if s.outcome == j]
            drawn = {s.assumption for s in mine}
            constant = np.prod(
                [f for a, f in zip(LINEAR, at_point[j], strict=True) if a not in drawn]
            )
            if "drop_off" not in drawn:
                constant *= years[j]
            constant /= fm.inputs
            if not mine:
                fixed += constant
                continue
            term = None
            for slot in mine:
                factor = block.factor(slot)
                if slot.assumption == "drop_off":
                    factor = discounted_years(np.trim_zeros(fm.coefficients[j], "b"), factor)
                if term is None:
                    term = factor * constant
                else:
                    term *= factor
            total += term
        total += fixed
        return total


PERT_CELLS = 4096  # cells of a PERT quantile table: u → its quantile by linear interpolation
_PERT_KNOTS = (1 - np.cos(np.pi * np.linspace(0, 1, 2049))) / 2  # dense towards 0 and 1
_PERT_U = np.linspace(0, 1, PERT_CELLS + 1)


@lru_cache(maxsize=1024)  # 32 KB each; a page reruns the same map, the bench varies
def _pert_quantiles(c: float) -> np.ndarray:
    """The standard PERT (beta with α = 1 + 4c, β = 1 + 4(1 − c)) quantile at each edge of the
    PERT_CELLS cells of [0, 1].

    numpy's ``rng.beta`` costs ~47 ns a draw here against ~3 ns for a look-up, and cannot share
    the run's uniforms, so the inverse CDF is tabulated instead: the CDF by the trapezoidal rule
    on 2,049 knots packed towards the ends (where the density may have a cusp), inverted by
    linear interpolation. Quantiles are within ~2e-6 of the range's width of the exact ones,
    beyond any Monte Carlo's precision; only the outer 1/4096 of each tail is coarser.
    """
    x = _PERT_KNOTS
    density = x ** (4 * c) * (1 - x) ** (4 * (1 - c))
    cdf = np.concatenate([[0.0], np.cumsum((density[1:] + density[:-1]) * np.diff(x))])
    return np.interp(_PERT_U, cdf / cdf[-1], x)


def percentiles(values: np.ndarray, ps: Sequence[float]) -> list[float]:
    """``np.percentile(values, ps)`` (its default, linear interpolation), for ps in ascending
    order, by one single-kth partition per percentile: numpy's multi-kth partition is ~5× slower
    at 100,000 draws (~2 ms a map, as long as drawing and evaluating it)."""
    work = values.copy()
    n = len(work)
    found = []
    start = 0
    for p in ps:
        h = (n - 1) * p / 100
        k = math.floor(h)
        work[start:].partition(k - start)
        below = work[k]
        above = work[k + 1 :].min() if k + 1 < n else below
        found.append(float(below + (h - k) * (above - below)))
        start = k
    return found
