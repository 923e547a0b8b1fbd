"""The fund's social return as at a moment: its SROI ratio, by programme and instrument, how
many impact maps are incomplete, and a Monte Carlo band around the fund's ratio.

The ratio is Σ present value ÷ Σ inputs (never an average of ratios), over the latest map
of each experiment saved before the moment and the inputs its ledger held then. The band
draws every map's ranged assumptions with common random numbers (the same uniform row for
the i-th assumption of every map, :func:`fund.sroi.sensitivity.pooled`), so the
fund's draw d is Σ ratioᵢ,d × inputsᵢ ÷ Σ inputsᵢ: maps' like assumptions move together,
which is the cautious reading for a portfolio built on one body's proxies.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal

import duckdb
import numpy as np
import pandas as pd

from fund.auth import User
from fund.sroi import report, sensitivity, store
from fund.sroi.discount import Schedule
from fund.sroi.model import ImpactMap, Input

DRAWS = 2_000  # enough for a 5–95% band to two decimals, quick enough for a page


@dataclass(frozen=True, kw_only=True)
class Band:
    """The fund's ratio over ``draws`` draws of every map's ranged assumptions."""

    draws: int
    seed: int
    p5: float
    p50: float
    p95: float
    p_above_one: float
    ratios: np.ndarray = field(compare=False, repr=False)


@dataclass(frozen=True, kw_only=True)
class SocialReturn:
    """The fund's SROI figures as at a moment."""

    fund: pd.DataFrame  # one row (none without maps): experiments, incomplete, inputs, ratio…
    by_programme: pd.DataFrame
    by_instrument: pd.DataFrame
    experiments: pd.DataFrame  # each experiment with a map: its inputs, value and ratio
    band: Band | None  # None when no map has inputs to draw against

    @property
    def ratio(self) -> float | None:
        """Σ present value ÷ Σ inputs; None with no map that has inputs."""
        if self.fund.empty:
            return None
        value = self.fund["sroi_ratio"].iloc[0]
        return None if pd.isna(value) else float(value)

    @property
    def incomplete(self) -> int:
        """How many of the maps counted have gaps (a figure left blank, a proxy missing)."""
        return 0 if self.fund.empty else int(self.fund["incomplete"].iloc[0])

    @property
    def maps(self) -> int:
        return 0 if self.fund.empty else int(self.fund["experiments"].iloc[0])


def social_return(
    con: duckdb.DuckDBPyConnection,
    actor: User,
    cutoff: datetime,
    *,
    draws: int = DRAWS,
    progress: Callable[[float], None] | None = None,
) -> SocialReturn:
    """The fund's SROI as the ledger and maps stood just before ``cutoff``."""
    sliced = report.positions(con, actor, cutoff=cutoff)
    experiments = report.experiment_results(con, actor, cutoff=cutoff)
    return SocialReturn(
        fund=sliced[None],
        by_programme=sliced["programme"],
        by_instrument=sliced["instrument"],
        experiments=experiments,
        band=band(con, experiments, cutoff, draws=draws, progress=progress),
    )


def band(
    con: duckdb.DuckDBPyConnection,
    experiments: pd.DataFrame,
    cutoff: datetime,
    *,
    draws: int = DRAWS,
    progress: Callable[[float], None] | None = None,
) -> Band | None:
    """The Monte Carlo band of the fund's ratio over the maps whose experiments had inputs."""
    inputs = dict(zip(experiments["experiment_id"], experiments["inputs"], strict=True))
    maps = [m for m in store.latest_as_at(con, cutoff) if inputs.get(m.experiment_id, 0) > 0]
    if not maps:
        return None
    weights = np.array([float(inputs[m.experiment_id]) for m in maps])
    schedules: dict[tuple, Schedule] = {}  # maps share a few schedules: read each once
    for m in maps:
        key = (m.impact_map.discount, m.schedule_effective_from)
        if key not in schedules:
            schedules[key] = report.schedule_of(con, m)
    ratios = sensitivity.pooled(
        [
            (
                _with_inputs(m, inputs[m.experiment_id]),
                schedules[m.impact_map.discount, m.schedule_effective_from],
            )
            for m in maps
        ],
        weights,
        draws=draws,
        default_ranges=True,
        progress=progress,
    )
    p5, p50, p95 = np.percentile(ratios, [5, 50, 95])
    return Band(
        draws=draws,
        seed=sensitivity.SEED,
        p5=float(p5),
        p50=float(p50),
        p95=float(p95),
        p_above_one=float(np.mean(ratios > 1)),
        ratios=ratios,
    )


def _with_inputs(stored: store.StoredMap, amount: Decimal) -> ImpactMap:
    """The stored map with its inputs as one line: the total its ledger and partners held."""
    line = Input(description="Inputs as at the date", amount=amount, source="ledger and partners")
    return replace(stored.impact_map, inputs=(line,))
