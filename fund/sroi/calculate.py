"""The SROI of one impact map, exactly as DESIGN.md §4 defines it.

Everything is computed in exact decimals (the discount factors to forty digits) and money is
rounded half-up to the penny only at the end, so a spreadsheet that follows the Guide agrees
with this to the penny. Ratios and payback are reported as floats: they are judgements, not
money. Sensitivity analysis (:mod:`fund.sroi.sensitivity`) uses floats throughout and is held
to this module by tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext

from fund.money import PENNY
from fund.sroi.discount import PRECISION, Schedule
from fund.sroi.model import ImpactMap, Outcome


def first_year_impact(outcome: Outcome) -> Decimal:
    """Quantity × proxy with the deductions multiplied out (they are not summed)."""
    return (
        outcome.quantity
        * outcome.proxy
        * (1 - outcome.deadweight)
        * (1 - outcome.displacement)
        * (1 - outcome.attribution)
    )


def yearly_values(outcome: Outcome, years: int) -> list[Decimal]:
    """The outcome's value in years 1 … ``years``: nothing before its start, first-year impact
    in its first year, less drop-off in each later year, nothing after its duration."""
    first = first_year_impact(outcome)
    keep = 1 - outcome.drop_off
    values = []
    for year in range(1, years + 1):
        k = year - outcome.start_year
        if not 0 <= k < outcome.duration_years:
            values.append(Decimal(0))
        else:  # k = 0 is the first year itself (Decimal refuses 0 ** 0 when drop-off is 1)
            values.append(first * keep**k if k else first)
    return values


def last_year(outcomes: Sequence[Outcome]) -> int:
    return max((o.start_year + o.duration_years - 1 for o in outcomes), default=0)


@dataclass(frozen=True, kw_only=True)
class Result:
    """What an impact map is worth; money to the penny, ratios None when there are no inputs."""

    inputs_total: Decimal
    impact_first_year: tuple[Decimal, ...]  # by outcome
    values_by_outcome: tuple[tuple[Decimal, ...], ...]  # by outcome, then year
    values_by_year: tuple[Decimal, ...]  # all outcomes, years 1 … last
    present_value: Decimal
    net_present_value: Decimal
    sroi_ratio: float | None
    net_sroi_ratio: float | None
    payback_months: float | None  # None when the first year returns nothing
    gaps: tuple[str, ...]  # unjustified deductions and unsourced proxies: incomplete if any

    @property
    def complete(self) -> bool:
        return not self.gaps


def compute(impact_map: ImpactMap, schedule: Schedule) -> Result:
    """The map's SROI discounted by ``schedule`` (the map names which; the caller resolves it)."""
    with localcontext() as context:
        context.prec = PRECISION
        years = last_year(impact_map.outcomes)
        by_outcome = [yearly_values(o, years) for o in impact_map.outcomes]
        totals = [sum(column, Decimal(0)) for column in zip(*by_outcome, strict=True)]
        offset = 0 if impact_map.discount.first_year_discounted else 1
        factors = schedule.factors(years)
        present = sum((v * factors[y + 1 - offset] for y, v in enumerate(totals)), Decimal(0))
        inputs = sum((i.amount for i in impact_map.inputs), Decimal(0))
        return Result(
            inputs_total=_penny(inputs),
            impact_first_year=tuple(_penny(first_year_impact(o)) for o in impact_map.outcomes),
            values_by_outcome=tuple(tuple(_penny(v) for v in row) for row in by_outcome),
            values_by_year=tuple(_penny(v) for v in totals),
            present_value=_penny(present),
            net_present_value=_penny(present - inputs),
            sroi_ratio=float(present / inputs) if inputs > 0 else None,
            net_sroi_ratio=float((present - inputs) / inputs) if inputs > 0 else None,
            payback_months=_payback(inputs, totals[0] if totals else Decimal(0)),
            gaps=impact_map.gaps(),
        )


def _payback(inputs: Decimal, first_year: Decimal) -> float | None:
    """Months for the first year's value to repay the inputs: inputs ÷ (year-1 total ÷ 12)."""
    if first_year <= 0:
        return None
    return float(inputs / (first_year / 12))


def _penny(value: Decimal) -> Decimal:
    return value.quantize(PENNY, rounding=ROUND_HALF_UP)
