"""An impact map: what an experiment put in, what changed for whom, and what that is worth.

The vocabulary is *A Guide to Social Return on Investment* (2012) as DESIGN.md §4 fixes it.
These are plain values: they are built from a file, a form or the database by
:mod:`fund.sroi.impact_file`, and computed by :mod:`fund.sroi.calculate`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType

# The four deductions of the Guide. Each is set explicitly with a one-line justification:
# zero is allowed, silence is not (a map with an unjustified one is incomplete).
DEDUCTIONS = ("deadweight", "displacement", "attribution", "drop_off")
# The assumptions sensitivity analysis moves, per outcome.
ASSUMPTIONS = ("quantity", "proxy", *DEDUCTIONS)
DISTRIBUTIONS = ("uniform", "triangular", "pert")


@dataclass(frozen=True, kw_only=True)
class Range:
    """How far an assumption may plausibly lie from its point value, for sensitivity."""

    low: Decimal
    high: Decimal
    distribution: str = "triangular"  # the point value is the mode of triangular and PERT


def ranges_json(ranges: Mapping[str, Range]) -> dict[str, dict[str, str]]:
    """An outcome's ranges as the impact map file writes them, numbers as decimal strings."""
    return {
        name: {"low": str(r.low), "high": str(r.high), "distribution": r.distribution}
        for name, r in ranges.items()
    }


@dataclass(frozen=True, kw_only=True)
class Outcome:
    """One row of the impact map: a change for a stakeholder, counted and valued."""

    stakeholder: str
    outcome: str
    indicator: str
    quantity: Decimal
    proxy: Decimal  # £ per unit of the indicator in the report's price year; < 0 is a disbenefit
    duration_years: int
    start_year: int  # 1: the year of the activity; 2: the year after
    deadweight: Decimal
    displacement: Decimal
    attribution: Decimal
    drop_off: Decimal
    justifications: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    proxy_code: str | None = None  # a proxy of the library, restated to the price year
    proxy_source: str | None = None  # where a typed-in proxy value comes from
    ranges: Mapping[str, Range] = field(default_factory=lambda: MappingProxyType({}))

    def value(self, assumption: str) -> Decimal:
        return getattr(self, assumption)

    def gaps(self) -> tuple[str, ...]:
        """What this outcome leaves unsaid: deductions without a justification, a typed proxy
        without a source."""
        missing = tuple(d for d in DEDUCTIONS if not (self.justifications.get(d) or "").strip())
        if self.proxy_code is None and not (self.proxy_source or "").strip():
            missing += ("proxy_source",)
        return missing


@dataclass(frozen=True, kw_only=True)
class Input:
    """Money or in-kind value put into the experiment, and where the figure comes from."""

    description: str
    amount: Decimal
    source: str = ""  # "ledger: commitment #12", "partner: Youth Trust (in kind)"


@dataclass(frozen=True, kw_only=True)
class Discount:
    """Which schedule discounts the outcomes, and whether the first year is discounted."""

    schedule: str  # a named schedule, or "flat" with ``rate``
    rate: Decimal | None = None
    first_year_discounted: bool = True  # the Guide's convention: year 1 has t = 1


@dataclass(frozen=True, kw_only=True)
class ImpactMap:
    inputs: tuple[Input, ...]
    discount: Discount
    outcomes: tuple[Outcome, ...]
    price_year: str | None = None

    def gaps(self) -> tuple[str, ...]:
        """Every unjustified deduction or unsourced proxy, by its place in the map."""
        return tuple(
            f"outcomes/{i}/{what}" for i, o in enumerate(self.outcomes) for what in o.gaps()
        )

    @property
    def complete(self) -> bool:
        return not self.gaps()


def gap_text(gap: str) -> str:
    """A gap of :meth:`ImpactMap.gaps` in words: "outcomes/2/attribution has no justification"."""
    if gap.endswith("/proxy_source"):
        return f"{gap.removesuffix('_source')} is typed in without its source"
    return f"{gap} has no justification"
