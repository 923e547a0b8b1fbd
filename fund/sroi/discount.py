"""Discount schedules: Green Book bands of years, or one flat rate, and their factors.

A schedule is data, not a constant: each has the date it took effect, so a revised Treasury
schedule is a new schedule and a report made before it can still be recomputed as it was.
The factor for year index t is D_t = D_(t-1) / (1 + rate of the band holding t), D_0 = 1
(DESIGN.md §4), so a rate change at a band's edge bends the curve rather than jumping it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, localcontext

import numpy as np

PRECISION = 40  # digits kept in the exact factors, far beyond any penny of a present value


@dataclass(frozen=True, kw_only=True)
class Band:
    """Years ``year_from`` to ``year_to`` (inclusive; None: without end) at one rate."""

    year_from: int
    year_to: int | None
    rate: Decimal

    def holds(self, t: int) -> bool:
        return self.year_from <= t and (self.year_to is None or t <= self.year_to)


@dataclass(frozen=True, kw_only=True)
class Schedule:
    """A named discount schedule as it stood from ``effective_from``."""

    name: str
    effective_from: date
    bands: tuple[Band, ...]
    source: str = ""

    def rate(self, t: int) -> Decimal:
        for band in self.bands:
            if band.holds(t):
                return band.rate
        raise ValueError(f"{self.name} has no rate for year {t}")

    def factors(self, last: int) -> list[Decimal]:
        """D_0 … D_last, exact to :data:`PRECISION` digits."""
        with localcontext() as context:
            context.prec = PRECISION
            found = [Decimal(1)]
            for t in range(1, last + 1):
                found.append(found[-1] / (1 + self.rate(t)))
        return found

    def float_factors(self, last: int) -> np.ndarray:
        """The same factors as floats, for sensitivity analysis."""
        return np.array([float(d) for d in self.factors(last)])


FLAT = "flat"


def flat(rate: Decimal, effective_from: date = date(1970, 1, 1)) -> Schedule:
    """One rate for every year, as an impact map may ask for (``{"rate": 0.05}``)."""
    return Schedule(
        name=FLAT,
        effective_from=effective_from,
        bands=(Band(year_from=0, year_to=None, rate=rate),),
        source="a flat rate set in the impact map",
    )
