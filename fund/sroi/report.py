"""Reading SROI: an experiment's report, its export, and the position by programme and
instrument, each on the money the ledger holds.

An experiment's inputs are never typed: they are its commitments' disbursements less
recoveries, plus its partners' cash and in-kind match funding, each named with where it came
from. A programme's or the fund's ratio is the sum of present values over the sum of inputs,
never an average of ratios, so a large experiment weighs as much as its money.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal

import duckdb
import pandas as pd

from fund import register
from fund.auth import Permission, User, may, require
from fund.db import frame
from fund.errors import NotFound, ValidationError
from fund.money import format_gbp
from fund.sroi import calculate, impact_file, reference, sensitivity, store
from fund.sroi.calculate import Result
from fund.sroi.discount import FLAT, Schedule, flat
from fund.sroi.model import Discount, ImpactMap, Input


@dataclass(frozen=True, kw_only=True)
class Report:
    """An experiment's SROI as a given version of its map computes on its ledger inputs."""

    experiment: register.ExperimentInfo
    stored: store.StoredMap
    impact_map: ImpactMap  # the stored version with the ledger's inputs
    schedule: Schedule
    result: Result
    versions: int  # how many versions the map has


# Each experiment's inputs, from its ledger and its partners, in one query.
_INPUTS = """
SELECT c.experiment_id, 0 AS origin, c.commitment_id AS ref, c.counterparty AS name,
       b.paid - b.recovered AS amount, b.paid, b.recovered
FROM commitment AS c
JOIN commitment_balance AS b USING (commitment_id)
WHERE ($experiment IS NULL OR c.experiment_id = $experiment) AND (b.paid <> 0 OR b.recovered <> 0)
UNION ALL
SELECT ep.experiment_id, 1, ep.partner_id, p.name, ep.match_cash, NULL, NULL
FROM experiment_partner AS ep JOIN partner AS p USING (partner_id)
WHERE ($experiment IS NULL OR ep.experiment_id = $experiment) AND ep.match_cash > 0
UNION ALL
SELECT ep.experiment_id, 2, ep.partner_id, p.name, ep.match_in_kind, NULL, NULL
FROM experiment_partner AS ep JOIN partner AS p USING (partner_id)
WHERE ($experiment IS NULL OR ep.experiment_id = $experiment) AND ep.match_in_kind > 0
ORDER BY 1, 2, 3
"""


def ledger_inputs(
    con: duckdb.DuckDBPyConnection,
    experiment_id: int | None = None,
    *,
    detailed: bool = True,
    cutoff: datetime | None = None,
) -> dict[int, tuple[Input, ...]]:
    """Every experiment's inputs (or one's), each saying where its figure comes from: each
    commitment's payments less recoveries, or (not ``detailed``, for a reader of summaries
    who may not read the ledger) their total as one line, and each partner's match funding.
    Given a ``cutoff``, the payments and recoveries recorded before it."""
    found: dict[int, list[Input]] = defaultdict(list)
    paid: dict[int, list[Input]] = defaultdict(list)
    sql, params = _INPUTS, {"experiment": experiment_id}
    if cutoff is not None:
        sql, params = as_at(_INPUTS), params | {"cutoff": cutoff}
    for experiment, origin, ref, name, amount, paid_in, recovered in con.execute(
        sql, params
    ).fetchall():
        made = _input(origin, ref, name, amount, paid_in, recovered)
        (paid if origin == 0 and not detailed else found)[experiment].append(made)
    for experiment, lines in paid.items():
        found[experiment].insert(0, _paid_in_total(lines))
    return {key: tuple(value) for key, value in found.items()}


def _paid_in_total(lines: list[Input]) -> Input:
    return Input(
        description="Paid by the fund, less recoveries",
        amount=sum((line.amount for line in lines), Decimal(0)),
        source=f"ledger: {len(lines)} commitment{'s' if len(lines) != 1 else ''} of the experiment",
    )


def _input(origin: int, ref: int, name: str, amount: Decimal, paid, recovered) -> Input:
    if origin == 0:
        return Input(
            description=f"Paid to {name}, less recoveries",
            amount=amount,
            source=f"ledger: commitment #{ref}, paid {format_gbp(paid)}, "
            f"recovered {format_gbp(recovered)}",
        )
    kind = "cash" if origin == 1 else "in kind"
    return Input(
        description=f"Match funding ({kind}) from {name}",
        amount=amount,
        source=f"partner #{ref}: {name}, match funding {kind}",
    )


def report(
    con: duckdb.DuckDBPyConnection,
    actor: User,
    experiment_id: object,
    version: object = None,
    *,
    cutoff: datetime | None = None,
) -> Report | None:
    """The experiment's SROI by a version of its map (the latest by default); None when it
    has no impact map yet. Given a ``cutoff``, on the inputs its ledger held just before it."""
    user = require(con, actor, Permission.READ_SUMMARY)
    experiment = register.experiment(con, experiment_id)
    number = None if version in (None, "") else register.parse_id(version, "version")
    stored = store.read(con, experiment.experiment_id, number)
    if stored is None:
        if number is not None:
            raise _no_version(experiment.experiment_id, number)
        return None
    if not may(user.role, Permission.READ_PEOPLE):
        stored = replace(stored, saved_by="")  # board members read summaries, not names
    detailed = may(user.role, Permission.READ_LEDGER)  # board members read the total paid
    inputs = ledger_inputs(con, experiment.experiment_id, detailed=detailed, cutoff=cutoff)
    inputs = inputs.get(experiment.experiment_id, ())
    impact_map = replace(stored.impact_map, inputs=inputs)
    schedule = schedule_of(con, stored)
    return Report(
        experiment=experiment,
        stored=stored,
        impact_map=impact_map,
        schedule=schedule,
        result=calculate.compute(impact_map, schedule),
        versions=len(store.versions(con, experiment.experiment_id)),
    )


def _no_version(experiment_id: int, version: int) -> NotFound:
    return NotFound("version", f"version of experiment #{experiment_id}'s impact map", version)


def schedule_for(con: duckdb.DuckDBPyConnection, discount: Discount, on: date) -> Schedule:
    """A map's flat rate, or the edition of its named schedule that stood on ``on``: the day
    it is saved, and for a saved version the edition it recorded, so it is recomputed as it
    was even after the Treasury revises the schedule."""
    if discount.schedule == FLAT:
        return flat(discount.rate)
    return reference.schedule(con, discount.schedule, on)


def schedule_of(con: duckdb.DuckDBPyConnection, stored: store.StoredMap) -> Schedule:
    """The discount schedule a stored map was saved with."""
    return schedule_for(con, stored.impact_map.discount, stored.schedule_effective_from)


def export(
    con: duckdb.DuckDBPyConnection, actor: User, experiment_id: object, version: object = None
) -> dict[str, object]:
    """A version of the map as a file that computes alone: its ledger inputs included."""
    found = report(con, actor, experiment_id, version)
    if found is None:
        raise NotFound("experiment", "impact map for experiment", experiment_id)
    return impact_file.as_json(found.impact_map)


# Every experiment's latest map beside its inputs: the present value was computed when the
# version was saved (it does not depend on the inputs), so the whole fund is one query.
_RESULTS = f"""
WITH latest AS (
    SELECT * FROM impact_map
    QUALIFY version = max(version) OVER (PARTITION BY experiment_id)
), inputs AS (
    SELECT experiment_id, sum(amount) AS inputs FROM ({_INPUTS}) GROUP BY experiment_id
)
SELECT x.experiment_id, x.title, p.name AS programme, x.instrument, l.version, l.price_year,
       l.gaps = 0 AS complete, coalesce(i.inputs, 0)::DECIMAL(18, 2) AS inputs,
       l.present_value, (l.present_value - coalesce(i.inputs, 0))::DECIMAL(18, 2)
           AS net_present_value,
       CASE WHEN i.inputs > 0 THEN l.present_value::DOUBLE / i.inputs::DOUBLE END AS sroi_ratio
FROM latest AS l
JOIN experiment AS x USING (experiment_id)
JOIN programme AS p USING (programme_id)
LEFT JOIN inputs AS i USING (experiment_id)
"""  # noqa: S608 - a fixed query

# As the records stood at $cutoff: each commitment's money from the entries recorded before
# it, and each map's latest version saved before it. Partners' match funding is not
# versioned, so it is as it stands now.
_BOOKED_AS_AT = """(
    SELECT f.commitment_id, sum(f.paid) AS paid, sum(f.recovered) AS recovered
    FROM ledger_effect AS f JOIN ledger_entry AS e USING (entry_id)
    WHERE f.commitment_id IS NOT NULL AND e.recorded_at < $cutoff
    GROUP BY f.commitment_id
)"""
_MAPS_AS_AT = "(SELECT * FROM impact_map WHERE saved_at < $cutoff) AS impact_map"


def as_at(sql: str) -> str:
    """``sql`` (a query built on :data:`_RESULTS`) reading the records as at ``$cutoff``."""
    return sql.replace("commitment_balance", _BOOKED_AS_AT).replace(
        "FROM impact_map\n", f"FROM {_MAPS_AS_AT}\n"
    )


def experiment_results(
    con: duckdb.DuckDBPyConnection, actor: User, *, cutoff: datetime | None = None
) -> pd.DataFrame:
    """Every experiment with an impact map: its latest version's present value on the inputs
    its ledger and partners hold now (or as they stood just before ``cutoff``), money exact."""
    require(con, actor, Permission.READ_SUMMARY)
    sql = _RESULTS + " ORDER BY experiment_id"
    if cutoff is None:
        return _instrument_labels(frame(con, sql, {"experiment": None}))
    return _instrument_labels(frame(con, as_at(sql), {"experiment": None, "cutoff": cutoff}))


# The fund's SROI, by programme and by instrument, in one pass over the results. Only maps
# whose experiment has inputs count towards a ratio (a value over nothing is no return); the
# others are counted apart. Sums are DECIMAL(38,2): maps each within DECIMAL(18,2) may not
# be together. A slice states the price years its maps are in.
_POSITIONS = f"""
SELECT programme, instrument, GROUPING(programme, instrument) AS level,
       count(*) AS experiments,
       count(*) FILTER (WHERE NOT complete) AS incomplete,
       count(*) FILTER (WHERE inputs = 0) AS without_inputs,
       coalesce(sum(inputs), 0)::DECIMAL(38, 2) AS inputs,
       coalesce(sum(present_value) FILTER (WHERE inputs > 0), 0)::DECIMAL(38, 2) AS present_value,
       coalesce(sum(net_present_value) FILTER (WHERE inputs > 0), 0)::DECIMAL(38, 2)
           AS net_present_value,
       CASE WHEN sum(inputs) > 0 THEN
           (sum(present_value) FILTER (WHERE inputs > 0))::DOUBLE / sum(inputs)::DOUBLE
       END AS sroi_ratio,
       string_agg(DISTINCT price_year, ', ' ORDER BY price_year) AS price_years
FROM ({_RESULTS}) AS r
GROUP BY GROUPING SETS ((), (programme), (instrument))
ORDER BY level, programme, instrument
"""  # noqa: S608 - a fixed query
_LEVELS = {None: 3, "programme": 1, "instrument": 2}  # GROUPING(): 1 for each column not kept


def positions(
    con: duckdb.DuckDBPyConnection, actor: User, *, cutoff: datetime | None = None
) -> dict[str | None, pd.DataFrame]:
    """The fund's SROI (key None), by programme and by instrument, read in one query:
    Σ present value ÷ Σ inputs over the experiments with an impact map and inputs, never an
    average of ratios, with how many maps are incomplete and how many have no inputs yet.
    Given a ``cutoff``, as the ledger and the maps stood just before it."""
    require(con, actor, Permission.READ_SUMMARY)
    if cutoff is None:
        found = frame(con, _POSITIONS, {"experiment": None})
    else:
        found = frame(con, as_at(_POSITIONS), {"experiment": None, "cutoff": cutoff})
    sliced = {}
    for by, level in _LEVELS.items():
        rows = found[found["level"] == level].drop(columns=["level", "programme", "instrument"])
        if by is not None:
            rows.insert(0, by, found.loc[found["level"] == level, by])
        sliced[by] = rows.reset_index(drop=True)
    sliced["instrument"] = _instrument_labels(sliced["instrument"])
    if sliced[None]["experiments"].iloc[0] == 0:  # no impact map at all: nothing to show
        sliced = {by: rows.iloc[0:0] for by, rows in sliced.items()}
    return sliced


def position(con: duckdb.DuckDBPyConnection, actor: User, *, by: str | None = None) -> pd.DataFrame:
    """SROI of the fund, or by programme or instrument (see :func:`positions`)."""
    if by not in _LEVELS:
        raise ValidationError("by", f"must be programme or instrument, not {by!r}")
    return positions(con, actor)[by]


def _instrument_labels(found: pd.DataFrame) -> pd.DataFrame:
    labels = found["instrument"].map(lambda code: register.Instrument(code).label)
    return found.assign(instrument=labels.astype("string"))


@dataclass(frozen=True, kw_only=True)
class Sensitivity:
    """How sure an experiment's ratio is: its tornado, switching values and Monte Carlo band.

    Assumptions the map gives no range use the declared default range
    (:data:`fund.sroi.sensitivity.DEFAULT_RANGE`) in the tornado, and in the Monte Carlo unless
    asked not to; each result says which did, so a band is never narrowed by silence.
    """

    report: Report
    tornado: tuple[sensitivity.Swing, ...]
    switching: tuple[sensitivity.SwitchingValue, ...]
    monte_carlo: sensitivity.MonteCarlo


def analyse(
    found: Report,
    *,
    draws: object = 10_000,
    seed: object = sensitivity.SEED,
    default_ranges: bool = True,
) -> Sensitivity:
    """The sensitivity of a report's ratio; seeded, so the same seed gives the same band.
    A map without inputs is refused: a ratio to nothing cannot be tested."""
    impact_map, schedule = found.impact_map, found.schedule
    return Sensitivity(
        report=found,
        tornado=sensitivity.tornado(impact_map, schedule),
        switching=sensitivity.switching_values(impact_map, schedule),
        monte_carlo=sensitivity.monte_carlo(
            impact_map,
            schedule,
            draws=_whole(draws, "draws"),
            seed=_whole(seed, "seed"),
            default_ranges=default_ranges,
        ),
    )


def _whole(value: object, field: str) -> int:
    """A count typed on the CLI or a form: digits only."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value).strip()
    if not text.isascii() or not text.isdigit():
        raise ValidationError(field, f"must be a whole number, not {value!r}")
    return int(text)
