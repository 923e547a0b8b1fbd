"""The SROI formula in floats, over whole arrays of assumptions at once.

Sensitivity analysis asks the same question of thousands of variations of one impact map, so
it cannot afford :mod:`fund.sroi.calculate`'s exact decimals. This is the same formula
(DESIGN.md §4, the same conventions) in float64, held to the exact engine by property tests.

Per outcome, the discounted sum over its years is a polynomial in keep = 1 − drop-off whose
coefficients are the discount factors of those years:
``PV = first-year impact × Σ_k D_(t0+k) × keep^k`` for k < duration, with t0 the outcome's
first year's index (its start year, less one when the first year is not discounted). It is
evaluated by Horner's rule, so no (draws × outcomes × years) array is ever made.

Values arrays have the assumptions of :data:`fund.sroi.model.ASSUMPTIONS` on their last axis
and the outcomes on the one before it: shape (..., outcomes, assumptions).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fund.errors import ValidationError
from fund.sroi.calculate import last_year
from fund.sroi.discount import Schedule
from fund.sroi.model import ASSUMPTIONS, ImpactMap

COLUMN = {name: i for i, name in enumerate(ASSUMPTIONS)}
DROP_OFF = COLUMN["drop_off"]
# What first-year impact multiplies: quantity and proxy as they are, each other deduction as
# (1 − it). Drop-off works through the years instead.
LINEAR = ("quantity", "proxy", "deadweight", "displacement", "attribution")
_DEDUCTED = np.array([a not in ("quantity", "proxy") for a in LINEAR])


@dataclass(frozen=True, eq=False)
class FloatMap:
    """An impact map as sensitivity analysis sees it: numbers only."""

    points: np.ndarray  # (outcomes, assumptions): the map's own values
    coefficients: np.ndarray  # (outcomes, years): D_t of each of an outcome's years, then 0
    inputs: float  # total inputs, > 0

    @property
    def outcomes(self) -> int:
        return self.points.shape[0]


def float_map(impact_map: ImpactMap, schedule: Schedule) -> FloatMap:
    """The map in floats, discounted by ``schedule``; refused when it has no inputs, since a
    ratio to nothing cannot be tested."""
    inputs = float(sum(i.amount for i in impact_map.inputs))
    if inputs <= 0:
        raise ValidationError(
            "inputs",
            "the impact map has no inputs (they total £0.00), so it has no SROI ratio to test",
        )
    outcomes = impact_map.outcomes
    points = np.array([[float(o.value(a)) for a in ASSUMPTIONS] for o in outcomes], dtype=float)
    offset = 0 if impact_map.discount.first_year_discounted else 1
    factors = schedule.float_factors(last_year(outcomes))
    longest = max((o.duration_years for o in outcomes), default=0)
    coefficients = np.zeros((len(outcomes), longest))
    for j, outcome in enumerate(outcomes):
        first = outcome.start_year - offset
        coefficients[j, : outcome.duration_years] = factors[first : first + outcome.duration_years]
    return FloatMap(points=points, coefficients=coefficients, inputs=inputs)


def factors(values: np.ndarray) -> np.ndarray:
    """The factors of :data:`LINEAR` per outcome, shape (..., outcomes, len(LINEAR))."""
    linear = values[..., [COLUMN[a] for a in LINEAR]]
    return np.where(_DEDUCTED, 1 - linear, linear)


def first_year_impacts(values: np.ndarray) -> np.ndarray:
    """Quantity × proxy × (1 − deadweight)(1 − displacement)(1 − attribution), per outcome."""
    return factors(values).prod(axis=-1)


def discounted_years(coefficients: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Σ_k coefficients[..., k] × keep^k by Horner's rule; ``coefficients`` (outcomes, years)
    broadcast against ``keep`` (..., outcomes)."""
    total = np.zeros(np.broadcast_shapes(keep.shape, coefficients.shape[:-1]))
    for k in range(coefficients.shape[-1] - 1, -1, -1):
        total *= keep
        total += coefficients[..., k]
    return total


def outcome_present_values(fm: FloatMap, values: np.ndarray) -> np.ndarray:
    """Each outcome's present value, shape (..., outcomes)."""
    return first_year_impacts(values) * discounted_years(fm.coefficients, 1 - values[..., DROP_OFF])


def ratios(fm: FloatMap, values: np.ndarray) -> np.ndarray:
    """The SROI ratio (present value ÷ inputs) of each variation, shape (...)."""
    return outcome_present_values(fm, values).sum(axis=-1) / fm.inputs


def point_ratio(fm: FloatMap) -> float:
    return float(ratios(fm, fm.points))
