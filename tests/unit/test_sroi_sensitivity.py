"""How sure is an SROI ratio: the float formula held to the exact engine, the tornado,
switching values and Monte Carlo, and the exact engine's own properties (DESIGN.md §4)."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from fund.errors import ValidationError
from fund.sroi import calculate, discount, impact_file, sensitivity, vectorised
from fund.sroi.impact_file import Context
from fund.sroi.model import ASSUMPTIONS, DEDUCTIONS, Discount, ImpactMap, Input, Outcome, Range

REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference"
GREEN_BOOK = json.loads((REFERENCE / "green_book_discounting.json").read_text())
EXAMPLES = json.loads((REFERENCE / "sroi_examples.json").read_text())["examples"]


def green_book(kind: str) -> discount.Schedule:
    return discount.Schedule(
        name=f"green-book-{kind}",
        effective_from=date(2022, 1, 1),
        bands=tuple(
            discount.Band(year_from=b["from"], year_to=b["to"], rate=Decimal(str(b[kind])))
            for b in GREEN_BOOK["bands"]
        ),
    )


SCHEDULES = {
    "green-book-standard": green_book("standard"),
    "green-book-health": green_book("health"),
}
ZERO_RATE = discount.flat(Decimal(0))
# Property tests compute exact decimals over up to forty years: no deadline per example.
ROOMY = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


def example(n: int) -> tuple[ImpactMap, discount.Schedule]:
    impact_map = impact_file.from_json(EXAMPLES[n]["impact_map"], Context(schedules=SCHEDULES))
    return impact_map, SCHEDULES[impact_map.discount.schedule]


def exact_ratio(impact_map: ImpactMap, schedule: discount.Schedule) -> float:
    return calculate.compute(impact_map, schedule).sroi_ratio


def scale(impact_map: ImpactMap, schedule: discount.Schedule) -> float:
    """The size of the sums behind the ratio (every outcome's value taken positive), which is
    what a float's error is relative to when a disbenefit cancels a benefit."""
    fm = vectorised.float_map(impact_map, schedule)
    return max(
        1.0, float(np.abs(vectorised.outcome_present_values(fm, fm.points)).sum()) / fm.inputs
    )


def a_map(
    *outcomes: Outcome, inputs: str = "1000.00", first_year_discounted: bool = True
) -> ImpactMap:
    return ImpactMap(
        inputs=(Input(description="grant", amount=Decimal(inputs)),),
        discount=Discount(
            schedule="green-book-standard", first_year_discounted=first_year_discounted
        ),
        outcomes=outcomes,
    )


def an_outcome(**values: object) -> Outcome:
    row = {
        "stakeholder": "young people",
        "outcome": "into work",
        "indicator": "in work at 26 weeks",
        "quantity": Decimal(10),
        "proxy": Decimal("100.00"),
        "duration_years": 1,
        "start_year": 1,
        "deadweight": Decimal(0),
        "displacement": Decimal(0),
        "attribution": Decimal(0),
        "drop_off": Decimal(0),
    }
    return Outcome(**(row | values))  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------
# Random valid impact maps
# ---------------------------------------------------------------------------------------

fractions = st.decimals(min_value=0, max_value=1, places=6)
drop_offs = fractions  # a drop-off of 1 keeps the first year and nothing after
schedules = st.sampled_from([*SCHEDULES.values(), discount.flat(Decimal("0.05")), ZERO_RATE])


@st.composite
def outcomes(draw: st.DrawFn, *, proxies: st.SearchStrategy[Decimal] | None = None) -> Outcome:
    proxy = draw(proxies or st.decimals(min_value=-5000, max_value=50000, places=2))
    return an_outcome(
        quantity=draw(st.decimals(min_value=0, max_value=10000, places=4)),
        proxy=proxy,
        duration_years=draw(st.integers(1, 40)),
        start_year=draw(st.integers(1, 2)),
        deadweight=draw(fractions),
        displacement=draw(fractions),
        attribution=draw(fractions),
        drop_off=draw(drop_offs),
    )


@st.composite
def maps(draw: st.DrawFn, *, ranged: bool = False) -> ImpactMap:
    found = draw(st.lists(outcomes(), min_size=1, max_size=5))
    if ranged:
        found = [replace(o, ranges=draw(ranges_for(o))) for o in found]
    inputs = draw(st.decimals(min_value=1, max_value=10_000_000, places=2))
    return a_map(*found, inputs=str(inputs), first_year_discounted=draw(st.booleans()))


@st.composite
def ranges_for(draw: st.DrawFn, outcome: Outcome) -> MappingProxyType:
    found = {}
    for a in draw(st.sets(st.sampled_from(ASSUMPTIONS))):
        point = outcome.value(a)
        below, above = (draw(st.decimals(min_value=0, max_value=1, places=4)) for _ in range(2))
        if a in DEDUCTIONS:
            low, high = max(Decimal(0), point - below), min(Decimal(1), point + above)
        else:
            width = max(abs(point), Decimal(1))
            low, high = point - below * width, point + above * width
            if a == "quantity":
                low = max(Decimal(0), low)
        distribution = draw(st.sampled_from(("uniform", "triangular", "pert")))
        found[a] = Range(low=low, high=high, distribution=distribution)
    return MappingProxyType(found)


# ---------------------------------------------------------------------------------------
# The float formula
# ---------------------------------------------------------------------------------------


@ROOMY
@given(impact_map=maps(), schedule=schedules)
def test_the_float_formula_gives_the_exact_engines_ratio_to_a_billionth(impact_map, schedule):
    fm = vectorised.float_map(impact_map, schedule)
    assert math.isclose(
        vectorised.point_ratio(fm),
        exact_ratio(impact_map, schedule),
        rel_tol=1e-9,
        abs_tol=1e-9 * scale(impact_map, schedule),
    )


@pytest.mark.parametrize("n", range(len(EXAMPLES)))
def test_the_float_formula_reproduces_each_worked_example(n):
    impact_map, schedule = example(n)
    fm = vectorised.float_map(impact_map, schedule)
    assert vectorised.point_ratio(fm) == pytest.approx(
        EXAMPLES[n]["expected"]["sroi_ratio"], abs=1e-5
    )


def test_the_first_year_is_discounted_or_not_as_the_map_says():
    impact_map, schedule = example(0)
    undiscounted = replace(
        impact_map, discount=Discount(schedule="green-book-standard", first_year_discounted=False)
    )
    fm = vectorised.float_map(undiscounted, schedule)
    want = Decimal(EXAMPLES[0]["expected"]["present_value_if_first_year_undiscounted"])
    assert vectorised.point_ratio(fm) * fm.inputs == pytest.approx(float(want), abs=0.01)


def test_a_map_without_inputs_has_no_ratio_to_test():
    impact_map = replace(
        a_map(an_outcome()), inputs=(Input(description="grant", amount=Decimal("0.00")),)
    )
    for analysis in (sensitivity.tornado, sensitivity.switching_values, sensitivity.monte_carlo):
        with pytest.raises(ValidationError, match="inputs") as refused:
            analysis(impact_map, SCHEDULES["green-book-standard"])
        assert refused.value.field == "inputs"


# ---------------------------------------------------------------------------------------
# The tornado
# ---------------------------------------------------------------------------------------


def test_the_default_range_is_a_fifth_of_quantity_and_proxy_and_a_tenth_of_a_deduction():
    outcome = an_outcome(
        proxy=Decimal("-50.00"), deadweight=Decimal("0.05"), drop_off=Decimal("0.95")
    )
    assert sensitivity.range_of(outcome, "quantity") == (
        Range(low=Decimal(8), high=Decimal(12)),
        True,
    )
    assert sensitivity.range_of(outcome, "proxy") == (
        Range(low=Decimal(-60), high=Decimal(-40)),
        True,
    )
    assert sensitivity.range_of(outcome, "deadweight") == (
        Range(low=Decimal(0), high=Decimal("0.15")),
        True,
    )
    assert sensitivity.range_of(outcome, "drop_off") == (
        Range(low=Decimal("0.85"), high=Decimal(1)),
        True,
    )
    given_range = Range(low=Decimal(5), high=Decimal(11), distribution="pert")
    ranged = replace(outcome, ranges=MappingProxyType({"quantity": given_range}))
    assert sensitivity.range_of(ranged, "quantity") == (given_range, False)


def test_the_tornado_has_a_bar_for_every_assumption_sorted_by_swing():
    impact_map, schedule = example(1)
    rows = sensitivity.tornado(impact_map, schedule)
    assert len(rows) == len(impact_map.outcomes) * len(ASSUMPTIONS)
    assert [r.swing for r in rows] == sorted((r.swing for r in rows), reverse=True)
    assert all(r.default_range for r in rows)  # the worked example gives no ranges
    assert rows[0].swing > 0


@ROOMY
@given(impact_map=maps(ranged=True), schedule=schedules)
def test_each_bar_of_the_tornado_is_the_exact_ratio_with_one_assumption_moved(impact_map, schedule):
    assume(all(o.drop_off < 1 for o in impact_map.outcomes))
    tolerance = 1e-9 * scale(impact_map, schedule) * 1.5
    for row in sensitivity.tornado(impact_map, schedule)[:6]:
        outcome = impact_map.outcomes[row.outcome]
        found, default = sensitivity.range_of(outcome, row.assumption)
        assert row.default_range == default == (row.assumption not in outcome.ranges)
        for end, ratio in ((found.low, row.ratio_low), (found.high, row.ratio_high)):
            assume(row.assumption != "drop_off" or end < 1)
            moved = replace(outcome, **{row.assumption: end})
            outcomes = list(impact_map.outcomes)
            outcomes[row.outcome] = moved
            want = exact_ratio(replace(impact_map, outcomes=tuple(outcomes)), schedule)
            assert math.isclose(ratio, want, rel_tol=1e-9, abs_tol=tolerance)


# ---------------------------------------------------------------------------------------
# Switching values
# ---------------------------------------------------------------------------------------


def with_value(impact_map: ImpactMap, outcome: int, assumption: str, value: float) -> ImpactMap:
    outcomes = list(impact_map.outcomes)
    outcomes[outcome] = replace(outcomes[outcome], **{assumption: Decimal(value)})
    return replace(impact_map, outcomes=tuple(outcomes))


@ROOMY
@given(impact_map=maps(), schedule=schedules)
def test_a_switching_value_put_back_into_the_map_gives_a_ratio_of_one(impact_map, schedule):
    for row in sensitivity.switching_values(impact_map, schedule):
        if row.value is None:
            assert row.reason
            continue
        assert row.reason is None
        assume(row.assumption != "drop_off" or row.value < 1)
        moved = with_value(impact_map, row.outcome, row.assumption, row.value)
        assert math.isclose(exact_ratio(moved, schedule), 1, abs_tol=1e-6 * scale(moved, schedule))


def test_a_switching_value_says_how_far_it_is_from_the_point():
    impact_map, schedule = example(0)  # a ratio of 2.74 from one outcome
    rows = {r.assumption: r for r in sensitivity.switching_values(impact_map, schedule)}
    quantity = rows["quantity"]
    assert quantity.point == 20
    assert quantity.value == pytest.approx(20 / 2.739870140544095)
    assert quantity.change == pytest.approx(quantity.value - 20)
    assert quantity.change_percent == pytest.approx(100 * (quantity.value - 20) / 20)
    assert rows["displacement"].change_percent == pytest.approx(
        100 * (rows["displacement"].value - 0.1) / 0.1
    )


def test_where_no_value_gives_one_the_switching_value_says_why_in_words():
    impact_map, schedule = example(1)  # a ratio of 0.64
    rows = {
        (r.outcome, r.assumption): r for r in sensitivity.switching_values(impact_map, schedule)
    }
    assert rows[(0, "deadweight")].value is None
    assert rows[(0, "deadweight")].reason == "even at 0% deadweight the ratio stays below 1"
    assert rows[(1, "drop_off")].reason == "even at 0% drop-off the ratio stays below 1"
    high = a_map(an_outcome(duration_years=3), an_outcome(quantity=Decimal(100)), inputs="100.00")
    rows = {(r.outcome, r.assumption): r for r in sensitivity.switching_values(high, ZERO_RATE)}
    assert rows[(0, "attribution")].reason == "even at 100% attribution the ratio stays above 1"
    assert rows[(0, "quantity")].reason == "even at a quantity of 0 the ratio stays above 1"
    assert rows[(0, "drop_off")].reason == "even at 100% drop-off the ratio stays above 1"
    assert (
        rows[(1, "drop_off")].reason
        == "the outcome lasts one year, and drop-off starts in its second"
    )
    nothing = a_map(an_outcome(deadweight=Decimal(1), duration_years=2))
    rows = {r.assumption: r for r in sensitivity.switching_values(nothing, ZERO_RATE)}
    assert rows["quantity"].reason.startswith("the outcome is worth nothing whatever its quantity")
    assert rows["drop_off"].reason.startswith("the outcome is worth nothing whatever its drop-off")


def test_a_disbenefit_can_be_switched_by_its_proxy_crossing_zero():
    impact_map = a_map(an_outcome(quantity=Decimal(20)), an_outcome(proxy=Decimal("-30.00")))
    rows = {
        (r.outcome, r.assumption): r for r in sensitivity.switching_values(impact_map, ZERO_RATE)
    }
    # 20 × 100 − 10 × 30 = 1,700 against 1,000 of inputs: the disbenefit must reach −£100
    assert rows[(1, "proxy")].value == pytest.approx(-100)
    assert rows[(1, "quantity")].value == pytest.approx(100 / 3)


# ---------------------------------------------------------------------------------------
# Monte Carlo
# ---------------------------------------------------------------------------------------


@ROOMY
@given(impact_map=maps(ranged=True), schedule=schedules)
def test_monte_carlo_with_every_range_collapsed_to_its_point_is_the_point_estimate(
    impact_map, schedule
):
    collapsed = tuple(
        replace(
            o,
            ranges={
                a: Range(low=o.value(a), high=o.value(a), distribution=r.distribution)
                for a, r in o.ranges.items()
            },
        )
        for o in impact_map.outcomes
    )
    found = sensitivity.monte_carlo(replace(impact_map, outcomes=collapsed), schedule, draws=50)
    want = exact_ratio(impact_map, schedule)
    tolerance = 1e-9 * scale(impact_map, schedule)
    assert found.drawn == ()
    assert np.allclose(found.ratios, want, rtol=1e-9, atol=tolerance)
    assert found.p5 == found.p50 == found.p95 == pytest.approx(want, rel=1e-9, abs=tolerance)
    assert found.p_above_one == (1.0 if found.ratios[0] > 1 else 0.0)


@ROOMY
@given(impact_map=maps(ranged=True), schedule=schedules, seed=st.integers(0, 2**32))
def test_the_same_seed_draws_the_same_monte_carlo(impact_map, schedule, seed):
    first = sensitivity.monte_carlo(impact_map, schedule, draws=500, seed=seed)
    again = sensitivity.monte_carlo(impact_map, schedule, draws=500, seed=seed)
    assert first == again
    assert np.array_equal(first.ratios, again.ratios)


def test_another_seed_draws_other_numbers():
    impact_map, schedule = example(0)
    one, other = (
        sensitivity.monte_carlo(impact_map, schedule, draws=1000, seed=s, default_ranges=True)
        for s in (1, 2)
    )
    assert not np.array_equal(one.ratios, other.ratios)
    assert one.p50 == pytest.approx(other.p50, rel=0.02)


@ROOMY
@given(
    impact_map=maps(ranged=True),
    schedule=schedules,
    data=st.data(),
    rise=st.decimals(min_value="0.01", max_value=10000, places=2),
)
def test_a_higher_proxy_makes_a_ratio_above_one_no_less_likely(impact_map, schedule, data, rise):
    benefits = [j for j, o in enumerate(impact_map.outcomes) if o.proxy > 0]
    assume(benefits)
    outcome = data.draw(st.sampled_from(benefits))
    before = impact_map.outcomes[outcome]
    ranges = dict(before.ranges)
    if "proxy" in ranges:
        r = ranges["proxy"]
        ranges["proxy"] = Range(low=r.low + rise, high=r.high + rise, distribution=r.distribution)
    after = replace(before, proxy=before.proxy + rise, ranges=MappingProxyType(ranges))
    outcomes = list(impact_map.outcomes)
    outcomes[outcome] = after
    low = sensitivity.monte_carlo(impact_map, schedule, draws=300)
    high = sensitivity.monte_carlo(
        replace(impact_map, outcomes=tuple(outcomes)), schedule, draws=300
    )
    assert high.p_above_one >= low.p_above_one
    assert np.all(high.ratios >= low.ratios - 1e-12 * scale(impact_map, schedule))


def test_an_experiment_gets_the_same_monte_carlo_alone_or_among_others():
    alone_map, schedule = example(0)
    alone_map = replace(
        alone_map,
        outcomes=tuple(
            replace(
                o,
                ranges={"quantity": Range(low=Decimal(10), high=Decimal(30), distribution="pert")},
            )
            for o in alone_map.outcomes
        ),
    )
    others, _ = example(1)
    both = list(
        sensitivity.monte_carlo_each(
            [(others, schedule), (alone_map, schedule)], draws=2000, default_ranges=True
        )
    )
    alone = sensitivity.monte_carlo(alone_map, schedule, draws=2000, default_ranges=True)
    assert both[1] == alone
    assert np.array_equal(both[1].ratios, alone.ratios)
    assert len(both[0].drawn) == 5 * len(ASSUMPTIONS)
    assert both[1].default_ranges == tuple((0, a) for a in ASSUMPTIONS if a != "quantity")


def quantity_draws(
    distribution: str, low: int, point: int, high: int, draws: int = 200_000
) -> np.ndarray:
    """Draws of one quantity: proxy £1, nothing deducted, one undiscounted year, £1 of
    inputs, so each draw's ratio is the quantity drawn."""
    outcome = an_outcome(
        quantity=Decimal(point),
        proxy=Decimal("1.00"),
        ranges={"quantity": Range(low=Decimal(low), high=Decimal(high), distribution=distribution)},
    )
    found = sensitivity.monte_carlo(a_map(outcome, inputs="1.00"), ZERO_RATE, draws=draws, seed=7)
    return found.ratios


def largest_gap(sample: np.ndarray, reference: np.ndarray) -> float:
    """The Kolmogorov–Smirnov distance between two samples' distribution functions."""
    grid = np.linspace(min(sample.min(), reference.min()), max(sample.max(), reference.max()), 512)
    cdf = [np.searchsorted(np.sort(s), grid) / len(s) for s in (sample, reference)]
    return float(np.abs(cdf[0] - cdf[1]).max())


@pytest.mark.parametrize(
    ("low", "point", "high"), [(5, 10, 25), (0, 0, 10), (0, 10, 10), (100, 101, 150)]
)
def test_each_distribution_draws_what_numpy_draws(low, point, high):
    rng = np.random.default_rng(11)
    width = high - low
    references = {
        "uniform": rng.uniform(low, high, 200_000),
        "triangular": rng.triangular(low, point, high, 200_000),
        "pert": low
        + width * rng.beta(1 + 4 * (point - low) / width, 1 + 4 * (high - point) / width, 200_000),
    }
    for distribution, reference in references.items():
        drawn = quantity_draws(distribution, low, point, high)
        assert low <= drawn.min() and drawn.max() <= high
        assert largest_gap(drawn, reference) < 0.01, distribution


def test_pert_has_the_mean_and_spread_of_a_beta_with_lambda_four():
    drawn = quantity_draws("pert", 5, 10, 25)
    mean = (5 + 4 * 10 + 25) / 6
    assert drawn.mean() == pytest.approx(mean, abs=0.03)
    assert drawn.std() == pytest.approx(math.sqrt((mean - 5) * (25 - mean) / 7), abs=0.03)


def test_monte_carlo_refuses_draws_and_seeds_it_cannot_use():
    impact_map, schedule = example(0)
    for draws in (0, -5, 2.5, True, 10**8):
        with pytest.raises(ValidationError, match="draws"):
            sensitivity.monte_carlo(impact_map, schedule, draws=draws)
    with pytest.raises(ValidationError, match="seed"):
        sensitivity.monte_carlo(impact_map, schedule, seed=-1)


@ROOMY
@given(
    values=st.lists(st.floats(min_value=-1e6, max_value=1e6), min_size=1, max_size=300),
)
def test_percentiles_are_numpys(values):
    array = np.array(values)
    found = sensitivity.percentiles(array, (5, 50, 95))
    assert np.allclose(found, np.percentile(array, [5, 50, 95]), rtol=1e-12, atol=1e-9)
    assert np.array_equal(array, np.array(values))  # the draws keep their order


# ---------------------------------------------------------------------------------------
# The exact engine's properties
# ---------------------------------------------------------------------------------------

RISES = st.decimals(min_value="0.0001", max_value=1000, places=4)


@ROOMY
@given(
    impact_map=maps(),
    schedule=schedules,
    data=st.data(),
    assumption=st.sampled_from(ASSUMPTIONS),
    rise=RISES,
)
def test_a_benefit_rises_with_quantity_and_proxy_and_falls_with_each_deduction(
    impact_map, schedule, data, assumption, rise
):
    """…and a disbenefit (a negative proxy) the other way about, except that a higher proxy
    (a smaller disbenefit) always raises the ratio."""
    outcome = data.draw(st.integers(0, len(impact_map.outcomes) - 1))
    before = impact_map.outcomes[outcome]
    point = before.value(assumption)
    if assumption in DEDUCTIONS:
        rise = min(rise / 1000, 1 - point)
    raised = with_value(impact_map, outcome, assumption, point + rise)
    low, high = exact_ratio(impact_map, schedule), exact_ratio(raised, schedule)
    direction = 1 if assumption == "proxy" or before.proxy >= 0 else -1
    if assumption in DEDUCTIONS:
        direction = -direction
    assert (high - low) * direction >= 0


def test_in_the_worked_example_each_assumption_moves_the_ratio_the_right_way():
    impact_map, schedule = example(0)
    point = exact_ratio(impact_map, schedule)
    for assumption in ASSUMPTIONS:
        raised = with_value(
            impact_map, 0, assumption, float(impact_map.outcomes[0].value(assumption)) * 1.1
        )
        moved = exact_ratio(raised, schedule)
        assert moved > point if assumption in ("quantity", "proxy") else moved < point, assumption
        disbenefit = with_value(impact_map, 0, "proxy", -5000)
        worse = exact_ratio(
            with_value(disbenefit, 0, assumption, float(raised.outcomes[0].value(assumption))),
            schedule,
        )
        base = exact_ratio(disbenefit, schedule)
        assert worse < base if assumption == "quantity" else worse > base, assumption


@ROOMY
@given(impact_map=maps(), schedule=schedules, data=st.data())
def test_splitting_an_outcome_into_two_halves_leaves_the_result_unchanged(
    impact_map, schedule, data
):
    outcome = data.draw(st.integers(0, len(impact_map.outcomes) - 1))
    whole = impact_map.outcomes[outcome]
    half = replace(whole, quantity=whole.quantity / 2)
    outcomes = list(impact_map.outcomes)
    outcomes[outcome : outcome + 1] = [half, half]
    split = calculate.compute(replace(impact_map, outcomes=tuple(outcomes)), schedule)
    kept = calculate.compute(impact_map, schedule)
    assert split.present_value == kept.present_value
    assert split.values_by_year == kept.values_by_year
    assert split.sroi_ratio == pytest.approx(kept.sroi_ratio, rel=1e-12)


def test_pooled_is_the_weighted_mean_of_each_maps_draws():
    """A fund's draws: each map's ratio weighted by its inputs, with the common random numbers
    of monte_carlo_each, so pooling equals weighting each map's own draws by hand."""
    maps = [example(0), example(1)]
    each = list(sensitivity.monte_carlo_each(maps, draws=500, default_ranges=True))
    weights = [3.0, 1.0]
    heard: list[float] = []
    pooled = sensitivity.pooled(
        maps, weights, draws=500, default_ranges=True, progress=heard.append
    )
    by_hand = (each[0].ratios * 3.0 + each[1].ratios * 1.0) / 4.0
    np.testing.assert_allclose(pooled, by_hand, rtol=1e-12)
    assert heard[-1] == 1.0 and heard == sorted(heard)
