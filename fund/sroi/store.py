"""Impact maps in the database: each save a new version, read back exactly as saved.

Only the services call :func:`insert`, inside their audited write; reading turns rows back
into the same :class:`~fund.sroi.model.ImpactMap` values a file gives, so a stored map and
its export compute the same.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from types import MappingProxyType

import duckdb

from fund import db
from fund.sroi.calculate import Result
from fund.sroi.discount import FLAT
from fund.sroi.impact_file import OUTCOME_FIELDS
from fund.sroi.model import DEDUCTIONS, Discount, ImpactMap, Outcome, Range, ranges_json

# The file's outcome fields, a justification column beside each deduction's, and the ranges
# as their JSON.
_OUTCOME_COLUMNS = (
    *(name for name in OUTCOME_FIELDS if name not in ("justifications", "ranges")),
    *(f"{d}_why" for d in DEDUCTIONS),
    "ranges",
)


@dataclass(frozen=True, kw_only=True)
class StoredMap:
    """A saved version of an experiment's impact map (its inputs come from the ledger)."""

    map_id: int
    experiment_id: int
    version: int
    saved_at: datetime
    saved_by: str  # display name
    reason: str
    schedule_effective_from: date | None
    impact_map: ImpactMap


def insert(
    con: duckdb.DuckDBPyConnection,
    *,
    experiment_id: int,
    impact_map: ImpactMap,
    schedule_effective_from: date | None,
    worth: Result,
    saved_by: int,
    saved_at: datetime,
    reason: str,
) -> tuple[int, int]:
    """Store ``impact_map`` as the experiment's next version, with what it is ``worth``
    (its result, whose present value does not depend on the inputs); return (map id,
    version)."""
    discount = impact_map.discount
    map_id, version = con.execute(
        "INSERT INTO impact_map (experiment_id, version, price_year, schedule,"
        " schedule_effective_from, flat_rate, first_year_discounted, present_value,"
        " first_year_value, gaps, saved_by, saved_at, reason)"
        " SELECT $experiment, coalesce(max(version), 0) + 1, $price_year, $schedule,"
        " $effective_from, $rate, $first, $present_value, $first_year, $gaps, $by, $at, $reason"
        " FROM impact_map WHERE experiment_id = $experiment"
        " RETURNING map_id, version",
        {
            "experiment": experiment_id,
            "price_year": impact_map.price_year,
            "schedule": discount.schedule,
            "effective_from": schedule_effective_from,
            "rate": discount.rate if discount.schedule == FLAT else None,
            "first": discount.first_year_discounted,
            "present_value": worth.present_value,
            "first_year": worth.values_by_year[0] if worth.values_by_year else Decimal(0),
            "gaps": len(worth.gaps),
            "by": saved_by,
            "at": saved_at,
            "reason": reason,
        },
    ).fetchone()
    db.insert_all(
        con,
        "impact_outcome",
        ["map_id", "position", *_OUTCOME_COLUMNS],
        [[map_id, n, *_row(o)] for n, o in enumerate(impact_map.outcomes)],
    )
    return map_id, version


def _row(outcome: Outcome) -> list[object]:
    ranges = ranges_json(outcome.ranges)
    return [
        outcome.stakeholder,
        outcome.outcome,
        outcome.indicator,
        outcome.quantity,
        outcome.proxy,
        outcome.proxy_code,
        outcome.proxy_source,
        outcome.duration_years,
        outcome.start_year,
        *(outcome.value(d) for d in DEDUCTIONS),
        *(outcome.justifications.get(d) for d in DEDUCTIONS),
        json.dumps(ranges, sort_keys=True) if ranges else None,
    ]


_MAPS = """
SELECT m.map_id, m.experiment_id, m.version, m.saved_at, u.display_name, m.reason,
       m.schedule_effective_from, m.price_year, m.schedule, m.flat_rate, m.first_year_discounted
FROM impact_map AS m
JOIN app_user AS u ON u.user_id = m.saved_by
WHERE {where}
ORDER BY m.experiment_id, m.version
"""
_LATEST = (
    "m.version = (SELECT max(version) FROM impact_map AS l WHERE l.experiment_id = m.experiment_id)"
)


def read(
    con: duckdb.DuckDBPyConnection, experiment_id: int, version: int | None = None
) -> StoredMap | None:
    """A version of the experiment's map (the latest when ``version`` is None), or None."""
    where = "m.experiment_id = $experiment AND " + (
        "m.version = $version" if version is not None else _LATEST
    )
    params = {"experiment": experiment_id} | ({"version": version} if version else {})
    found = _maps(con, where, params)
    return found[0] if found else None


def latest(con: duckdb.DuckDBPyConnection) -> list[StoredMap]:
    """The latest version of every experiment's map, read in two queries."""
    return _maps(con, _LATEST, {})


def latest_as_at(con: duckdb.DuckDBPyConnection, cutoff: datetime) -> list[StoredMap]:
    """The latest version of every experiment's map saved before ``cutoff``, in two queries."""
    where = (
        "m.version = (SELECT max(version) FROM impact_map AS l"
        " WHERE l.experiment_id = m.experiment_id AND l.saved_at < $cutoff)"
    )
    return _maps(con, where, {"cutoff": cutoff})


def versions(con: duckdb.DuckDBPyConnection, experiment_id: int) -> list[tuple]:
    """(version, saved at, saved by, reason, outcomes) of every version, newest first."""
    return con.execute(
        "SELECT m.version, m.saved_at, u.display_name, m.reason,"
        " (SELECT count(*) FROM impact_outcome AS o WHERE o.map_id = m.map_id)"
        " FROM impact_map AS m JOIN app_user AS u ON u.user_id = m.saved_by"
        " WHERE m.experiment_id = ? ORDER BY m.version DESC",
        [experiment_id],
    ).fetchall()


def _maps(con: duckdb.DuckDBPyConnection, where: str, params: dict) -> list[StoredMap]:
    heads = con.execute(_MAPS.format(where=where), params).fetchall()
    if not heads:
        return []
    ids = [head[0] for head in heads]
    outcomes: dict[int, list[Outcome]] = {map_id: [] for map_id in ids}
    rows = con.execute(
        f"SELECT map_id, {', '.join(_OUTCOME_COLUMNS)} FROM impact_outcome"  # noqa: S608
        " WHERE map_id IN (SELECT unnest($ids)) ORDER BY map_id, position",
        {"ids": ids},
    ).fetchall()
    for row in rows:
        outcomes[row[0]].append(_outcome(row[1:]))
    return [_stored(head, tuple(outcomes[head[0]])) for head in heads]


def _stored(head: tuple, outcomes: tuple[Outcome, ...]) -> StoredMap:
    (map_id, experiment_id, version, saved_at, saved_by, reason, effective_from) = head[:7]
    price_year, schedule, rate, first = head[7:]
    impact_map = ImpactMap(
        inputs=(),
        discount=Discount(schedule=schedule, rate=rate, first_year_discounted=first),
        outcomes=outcomes,
        price_year=price_year,
    )
    return StoredMap(
        map_id=map_id,
        experiment_id=experiment_id,
        version=version,
        saved_at=saved_at,
        saved_by=saved_by,
        reason=reason,
        schedule_effective_from=effective_from,
        impact_map=impact_map,
    )


def _plain(number: Decimal) -> Decimal:
    """A stored quantity or fraction as it was typed: 20 not 20.0000, 0.25 not 0.250000."""
    return (
        number.quantize(Decimal(1)) if number == number.to_integral_value() else number.normalize()
    )


def _outcome(row: tuple) -> Outcome:
    values = dict(zip(_OUTCOME_COLUMNS, row, strict=True))
    for name in ("quantity", *DEDUCTIONS):
        values[name] = _plain(values[name])
    why = {d: values.pop(f"{d}_why") for d in DEDUCTIONS}
    ranges = json.loads(values.pop("ranges") or "{}")
    return Outcome(
        **values,
        justifications=MappingProxyType({k: v for k, v in why.items() if v}),
        ranges=MappingProxyType(
            {
                name: Range(
                    low=Decimal(r["low"]), high=Decimal(r["high"]), distribution=r["distribution"]
                )
                for name, r in ranges.items()
            }
        ),
    )
