"""The demo's impact maps: every experiment that has reached mobilisation has one, saved at
the fund's SROI review through the same service, permission and audit row as a fund
manager's own.

:func:`plan_maps` decides, from the seed alone, which outcomes each map counts and the SROI
ratio it is sized for: the bigger bets by hand (some return well, some do not yet return
what they cost), the small grants at random. :func:`save_maps` then sizes each outcome's
quantity against what the experiment's ledger and partners actually put in, so that the
ratio lands near its target, and saves the maps; one is revised, so a version history shows.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, NamedTuple

import duckdb

from fund.demo.catalogue import MH
from fund.demo.experiments import ExperimentPlan
from fund.demo.outcomes import OUTCOMES, POOLS, OutcomeSpec
from fund.sroi import calculate, reference, report, service, unit_costs
from fund.sroi.model import DEDUCTIONS, Discount, ImpactMap, Outcome

if TYPE_CHECKING:
    from fund.demo.run import Run

MOBILISED = 2  # the lifecycle phase from which an experiment has an impact map
HEALTH_SCHEDULE, STANDARD_SCHEDULE = "green-book-health", "green-book-standard"
WHOLE = Decimal(1)
REVIEW_REASON = "SROI review: outcomes counted from the experiment's monitoring returns"


class Revision(NamedTuple):
    """A second version of a map: sized for a new target, every deduction justified."""

    target: str
    reason: str


class BigBet(NamedTuple):
    """The impact map of one of the catalogue's bigger bets, by hand."""

    outcomes: tuple[str, ...]  # keys of OUTCOMES; the last balances the map
    target: str  # the SROI ratio its quantities are sized for
    silent: str | None = None  # a deduction left unjustified on its first outcome
    revision: Revision | None = None


BIG_BETS: dict[str, BigBet] = {
    "Youth employment zone in Eastfield and Moorside": BigBet(
        ("neet", "jsa", "scarring", "work anxiety", "jobcentre"), "2.6"
    ),
    "Affordable credit zone in the town centre": BigBet(
        ("debt", "money worries", "money gp"), "0.7"
    ),
    "Individual placement and support zone for common mental health problems": BigBet(
        ("work", "recovery", "repeat claims", "mental health gp"), "3.4"
    ),
    "Outcomes contract: sustained jobs for care leavers": BigBet(
        ("neet", "scarring", "jsa", "jobcentre"), "2.1"
    ),
    "Outcomes contract: work for people with severe mental illness": BigBet(
        ("work", "bed days", "crisis", "mental health gp"),
        "1.4",
        silent="attribution",
        revision=Revision(
            "2.2",
            "Revised: the provider's verified job outcomes to date are higher than first "
            "counted, and the evaluator has now set the attribution to the NHS teams",
        ),
    ),
    "Community lender expansion loan": BigBet(
        ("debt", "eviction", "money worries", "homelessness", "money gp"), "4.3"
    ),
    "Equity stake in a youth-run digital agency": BigBet(
        ("neet", "work anxiety", "jobcentre"), "0.8", silent="drop_off"
    ),
    "Recoverable grant to a peer-support app start-up": BigBet(
        ("recovery", "mental health gp"), "0.45", silent="displacement"
    ),
    "Wellbeing café social enterprise loan": BigBet(
        ("recovery", "community", "crisis", "mental health gp"), "1.8"
    ),
    "Bike repair workshop training enterprise loan": BigBet(
        ("neet", "jsa", "scarring", "jobcentre"), "3.0"
    ),
}
# What a small grant's map is sized for: most return more than they cost, some do not.
GRANT_TARGETS = ("0.6", "0.8", "1.3", "1.9", "2.4", "3.1", "3.8", "4.6")
CLAWED_BACK_TARGET = "0.3"  # a project stopped after its pilot month


@dataclass(frozen=True, kw_only=True)
class MapPlan:
    """What an experiment's impact map counts, and the ratio its quantities are sized for."""

    position: int  # the experiment's place in the plan
    outcomes: tuple[str, ...]
    schedule: str
    target: Decimal
    silent: str | None = None
    revision: Revision | None = None


def plan_maps(
    rng: random.Random, experiments: tuple[ExperimentPlan, ...] | list[ExperimentPlan]
) -> tuple[MapPlan, ...]:
    """A map for every experiment at mobilisation or later (pure: the seed decides it)."""
    return tuple(
        _map_plan(rng, position, experiment)
        for position, experiment in enumerate(experiments)
        if experiment.phase >= MOBILISED
    )


def _map_plan(rng: random.Random, position: int, experiment: ExperimentPlan) -> MapPlan:
    schedule = HEALTH_SCHEDULE if experiment.programme == MH else STANDARD_SCHEDULE
    bet = BIG_BETS.get(experiment.title)
    if bet is not None:
        return MapPlan(
            position=position,
            outcomes=bet.outcomes,
            schedule=schedule,
            target=Decimal(bet.target),
            silent=bet.silent,
            revision=bet.revision,
        )
    *others, balancing = POOLS[experiment.programme]
    chosen = sorted(rng.sample(range(len(others)), rng.randint(1, 3)))
    target = rng.choice(GRANT_TARGETS)
    if experiment.story == "grant clawed back":
        target = CLAWED_BACK_TARGET
    return MapPlan(
        position=position,
        outcomes=(*(others[n] for n in chosen), balancing),
        schedule=schedule,
        target=Decimal(target),
    )


# --- saving them ------------------------------------------------------------------------


def save_maps(run: Run) -> int:
    """Save every planned map (and its revision) as the experiment's fund manager, on the
    build's last day; returns how many versions were saved."""
    con = run.con
    inputs = report.ledger_inputs(con)
    codes = sorted({OUTCOMES[key].proxy_code for m in run.plan.impact for key in m.outcomes})
    library = service.context(con).library(codes, None)
    values = Units(con, run.plan.window.today, library)
    saved = 0
    for planned in run.plan.impact:
        experiment_id = run.experiment_ids[planned.position]
        put_in = sum((i.amount for i in inputs.get(experiment_id, ())), Decimal(0))
        versions = [(planned.target, planned.silent, REVIEW_REASON)]
        if planned.revision is not None:
            versions.append((Decimal(planned.revision.target), None, planned.revision.reason))
        for target, silent, reason in versions:
            specs = [OUTCOMES[key] for key in planned.outcomes]
            units = [values.unit(key, planned.schedule) for key in planned.outcomes]
            counted = sized(put_in * target, list(zip(specs, units, strict=True)))
            document = map_document(planned.schedule, counted, library, silent)
            with run.on(run.plan.window.today):
                service.save_document(
                    con,
                    run.manager(planned.position),
                    experiment_id,
                    document,
                    key=run.key(),
                    reason=reason,
                )
            saved += 1
    return saved


class Units:
    """The present value of one unit of each outcome under each schedule (the edition in
    force ``on`` the day), worked out by the engine itself so that the sizing and the
    report agree, once per outcome and schedule."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        on: date,
        library: Mapping[str, unit_costs.LibraryProxy],
    ) -> None:
        self.con, self.on, self.library = con, on, library
        self.found: dict[tuple[str, str], Decimal] = {}

    def unit(self, key: str, schedule: str) -> Decimal:
        if (key, schedule) not in self.found:
            # a hundred units, so that the penny the engine rounds to is a hundredth of one
            hundred = _outcome(OUTCOMES[key], Decimal(100), self.library)
            impact_map = ImpactMap(
                inputs=(), discount=Discount(schedule=schedule), outcomes=(hundred,)
            )
            edition = reference.schedule(self.con, schedule, self.on)
            self.found[key, schedule] = calculate.compute(impact_map, edition).present_value / 100
        return self.found[key, schedule]


Sized = list[tuple[OutcomeSpec, Decimal]]


def sized(value: Decimal, outcomes: list[tuple[OutcomeSpec, Decimal]]) -> Sized:
    """Whole counts of ``outcomes`` (each with the present value of one unit) worth about
    ``value`` in all, shared by their weights; the last outcome takes up the others'
    rounding. An outcome that would count less than one is left out of a small map (a
    £2,000 grant does not claim a job worth £12,000), unless nothing else would be left."""
    *others, last = outcomes
    gains = [(spec, unit) for spec, unit in others if spec.follows is None]
    counted = _shared(value, gains, last[0].weight) or [(min(gains, key=lambda g: g[1])[0], WHOLE)]
    kept = [gain for gain in gains if gain[0] in dict(counted)]
    counted = _shared(value, kept, last[0].weight) or counted
    first = counted[0][1]
    harms = [
        (spec, max(WHOLE, (first * Decimal(spec.follows)).quantize(WHOLE, ROUND_HALF_UP)))
        for spec, _ in others
        if spec.follows is not None
    ]
    units = dict(others)
    rest = value - sum((count * units[spec] for spec, count in counted + harms), Decimal(0))
    return [*counted, *harms, (last[0], max(WHOLE, (rest / last[1]).quantize(WHOLE, ROUND_FLOOR)))]


def _shared(value: Decimal, gains: list[tuple[OutcomeSpec, Decimal]], balancing: int) -> Sized:
    """The gains that count at least one when ``value`` is shared by their weights and the
    balancing outcome's, each with its count rounded down (the balancing outcome takes up
    what is left)."""
    total = sum(spec.weight for spec, _ in gains) + balancing
    counts = [
        (spec, (value * spec.weight / total / unit).to_integral_value(ROUND_FLOOR))
        for spec, unit in gains
    ]
    return [(spec, count) for spec, count in counts if count >= 1]


def _outcome(spec: OutcomeSpec, quantity: Decimal, library: Mapping) -> Outcome:
    """The outcome as the engine computes it (its wording and sources aside)."""
    deductions = dict(zip(DEDUCTIONS, map(Decimal, spec.deductions), strict=True))
    return Outcome(
        stakeholder=spec.stakeholder,
        outcome=spec.outcome,
        indicator=spec.indicator,
        quantity=quantity,
        proxy=_proxy(spec, library),
        duration_years=spec.duration_years,
        start_year=spec.start_year,
        **deductions,
    )


def _proxy(spec: OutcomeSpec, library: Mapping) -> Decimal:
    restated = library[spec.proxy_code].restated
    return restated if spec.follows is None else -restated


def map_document(
    schedule: str,
    counted: Sized,
    library: Mapping[str, unit_costs.LibraryProxy],
    silent: str | None,
) -> dict[str, object]:
    """The map in the impact map file's shape, as the SROI page's table would save it;
    ``silent`` names a deduction whose justification its first outcome leaves out."""
    rows = [_row(spec, count, library) for spec, count in counted]
    if silent is not None:
        del rows[0]["justifications"][silent]
    return {"discount": {"schedule": schedule, "first_year_discounted": True}, "outcomes": rows}


def _row(spec: OutcomeSpec, count: Decimal, library: Mapping) -> dict[str, object]:
    row: dict[str, object] = {
        "stakeholder": spec.stakeholder,
        "outcome": spec.outcome,
        "indicator": spec.indicator,
        "quantity": str(count),
        "duration_years": spec.duration_years,
        "start_year": spec.start_year,
        **dict(zip(DEDUCTIONS, spec.deductions, strict=True)),
        "justifications": dict(zip(DEDUCTIONS, spec.why, strict=True)),
    }
    if spec.follows is not None:  # a disbenefit: the library's cost, counted against the map
        proxy = library[spec.proxy_code]
        row["proxy"] = str(_proxy(spec, library))
        row["proxy_source"] = (
            f"GMCA Unit Cost Database v1.4, {proxy.code} ({proxy.description}): "
            f"{proxy.value} at {proxy.price_year} prices, restated to {proxy.restated_year} "
            "and counted as a cost"
        )
    else:
        row["proxy_code"] = spec.proxy_code
    ranges = {name: {"low": low, "high": high, "distribution": how}
              for name, low, high, how in spec.ranges}  # fmt: skip
    if spec.quantity_spread is not None:
        ranges["quantity"] = _spread(count, Decimal(spec.quantity_spread))
    if ranges:
        row["ranges"] = ranges
    return row


def _spread(count: Decimal, spread: Decimal) -> dict[str, str]:
    """A whole-number range of ``spread`` either side of a count, for sensitivity."""
    low = (count * (1 - spread)).to_integral_value(ROUND_FLOOR)
    high = (count * (1 + spread)).to_integral_value(ROUND_CEILING)
    return {"low": str(low), "high": str(high), "distribution": "triangular"}
