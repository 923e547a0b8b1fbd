"""A zone's outcome series: the primary metric per area and period, and the zone's effect.

The file is a CSV with columns ``area`` (the ONS code of the zone or of one of its comparison
areas), ``period`` (``2025-04``, ``2025-Q2`` or a first day such as ``2025-04-01``) and
``value``. Every bad row is reported at once with its row, as a spreadsheet numbers it.
The zone's area is the treated group and its comparison areas the comparison; a period is
after the start when it begins on or after the zone's start date, and a series with no
period before the start is refused (there is nothing to take the difference from).

The effect is not estimated here: the series becomes a results file of the evidence module
(:func:`evidence_text`) and is recorded by :func:`fund.evidence.results.upload_results` by the
experiment's registered plan, which must be a difference in differences. So the effect, its
95% interval, the verdict and the evidence level are the evidence module's, and equal what
``fund evidence estimate --design did`` gives on that file. Areas are not passed on as units:
a zone is one treated area, and errors clustered by unit need at least two, so the estimate
is the repeated cross-sections' OLS with classical errors, as the did reference figures are.
"""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass
from datetime import date

import duckdb
import pandas as pd

from fund import db, register
from fund.auth import Permission, User, require
from fund.errors import FileRefused, NotFound, Problem, ValidationError
from fund.evidence import estimate, observations, plans, results
from fund.evidence.estimate import Estimate
from fund.sroi.impact_file import decode
from fund.unit_of_work import Step, Written

COLUMNS = ("area", "period", "value")
# What is stored of each row (zone_outcome); the value as typed is kept for the estimate.
STORED = ("file_row", "area_code", "period", "period_start", "value")
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})", re.ASCII)
_QUARTER = re.compile(r"([0-9]{4})-[Qq]([1-4])", re.ASCII)
_SHOWN = 5


@dataclass(frozen=True, kw_only=True)
class ZoneAreas:
    """What a series is read against: the zone's area, its comparison areas and start."""

    zone_id: int
    experiment_id: int
    area_code: str
    comparisons: tuple[str, ...]
    starts_on: date


@dataclass(frozen=True)
class Series:
    """A checked series: one row per area and period, and the evidence file it makes."""

    rows: pd.DataFrame  # file_row, area_code, group, period, period_start, post, value
    text: str  # the same observations as a results file of the evidence module

    @property
    def estimate(self) -> Estimate:
        return estimate.estimate(observations.read(self.text), "did")


def zone_areas(con: duckdb.DuckDBPyConnection, zone_id: object) -> ZoneAreas:
    number = register.parse_id(zone_id, "zone")
    row = con.execute(
        "SELECT z.zone_id, c.experiment_id, z.area_code, z.starts_on,"
        " (SELECT list(area_code ORDER BY area_code) FROM zone_comparison AS k"
        "  WHERE k.zone_id = z.zone_id)"
        " FROM zone AS z JOIN commitment AS c USING (commitment_id) WHERE z.zone_id = ?",
        [number],
    ).fetchone()
    if row is None:
        raise NotFound("zone", "zone", number)
    return ZoneAreas(
        zone_id=row[0],
        experiment_id=row[1],
        area_code=row[2],
        starts_on=row[3],
        comparisons=tuple(row[4] or ()),
    )


def read(text: str, zone: ZoneAreas) -> Series:
    """The series in ``text`` checked against the zone, or every problem in it (FileRefused)."""
    header, body = observations.table(text)
    problems = observations.header_problems(header, COLUMNS, COLUMNS, "an outcome series")
    if problems:
        raise FileRefused(tuple(problems))
    if not zone.comparisons:
        problems.append(
            Problem("area", "the zone has no comparison area: add one before its outcomes")
        )
    found = []
    for n, cells in enumerate(body, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        row = dict(zip(header, (c.strip() for c in cells), strict=False))
        if len(cells) > len(header):
            problems.append(Problem(f"row {n}", f"has {len(cells)} cells, more than the columns"))
            continue
        checked = _row(n, row, zone, problems)
        if checked is not None:
            found.append(checked)
    if not found and not problems:
        problems.append(Problem("file", "has no rows (one per area and period under a header)"))
    rows = pd.DataFrame(found, columns=[*STORED, "value_text"])
    problems += _series_problems(rows, zone)
    if problems:
        raise FileRefused(tuple(problems))
    rows = rows.assign(
        group=rows["area_code"].eq(zone.area_code).map({True: "treated", False: "comparison"}),
        post=rows["period_start"].ge(zone.starts_on).astype(int),
    )
    return Series(rows, evidence_text(rows))


def evidence_text(rows: pd.DataFrame) -> str:
    """The series as a results file of the evidence module: group, period, post, and each
    value as it was typed (so the estimate reads exactly what was uploaded)."""
    out = io.StringIO()
    shown = rows[["group", "period", "post", "value_text"]].rename(columns={"value_text": "value"})
    shown.to_csv(out, index=False, lineterminator="\n")
    return out.getvalue()


def preview(
    con: duckdb.DuckDBPyConnection, actor: User, zone_id: object, data: bytes
) -> tuple[Series, Estimate]:
    """A series file read and estimated, not saved: what uploading it would record."""
    require(con, actor, Permission.READ_SUMMARY)
    zone = zone_areas(con, zone_id)
    series = read(decode(data), zone)
    _did_plan(con, zone)
    return series, series.estimate


def upload(
    con: duckdb.DuckDBPyConnection,
    actor: User,
    zone_id: object,
    data: bytes,
    *,
    key: str,
    reason: str,
) -> Written:
    """Record a zone's outcome series and its effect, by the experiment's registered plan."""
    require(con, actor, Permission.EVALUATE)
    zone = zone_areas(con, zone_id)
    series = read(decode(data), zone)
    _did_plan(con, zone)

    def alongside(step: Step, result_id: int) -> None:
        db.insert_all(
            step.con,
            "zone_outcome",
            ["result_id", "zone_id", *STORED],
            [
                [result_id, zone.zone_id, *values]
                for values in series.rows[list(STORED)].itertuples(index=False)
            ],
        )
        step.record("zone_outcome", result_id)

    return results.upload_results(
        con,
        actor,
        zone.experiment_id,
        series.text,
        key=key,
        reason=reason,
        alongside=alongside,
        details={"zone_id": zone.zone_id, "areas": int(series.rows["area_code"].nunique())},
    )


def _did_plan(con: duckdb.DuckDBPyConnection, zone: ZoneAreas) -> None:
    """A zone's effect is a difference in differences: its registered plan must say so."""
    registered = plans.registered_plan(con, zone.experiment_id)
    if registered is not None and registered.plan.design != "did":
        raise ValidationError(
            "design",
            f"the registered plan of experiment #{zone.experiment_id} has design"
            f" {registered.plan.design}: a zone's effect against its comparison areas is a"
            " difference in differences (did)",
        )


def _row(n: int, row: dict[str, str], zone: ZoneAreas, problems: list[Problem]) -> tuple | None:
    """(row, area, period, its first day, value, value as typed), or None with the row's problems added."""
    before = len(problems)
    code = row.get("area", "").upper()
    if code not in (zone.area_code, *zone.comparisons):
        known = ", ".join((zone.area_code, *zone.comparisons))
        rule = "is required" if not code else f"{code!r} is neither the zone's area nor one"
        problems.append(
            Problem(
                f"row {n}/area", rule + ("" if not code else f" of its comparison areas ({known})")
            )
        )
    period = row.get("period", "")
    start = period_start(period)
    if start is None:
        rule = "is required" if not period else f"{period!r} is not a period"
        problems.append(
            Problem(f"row {n}/period", f"{rule} (2025-04, 2025-Q2 or a first day, 2025-04-01)")
        )
    value = row.get("value", "")
    if not (observations.NUMBER.fullmatch(value) and math.isfinite(float(value))):
        rule = "is required" if not value else f"{value!r} is not a (finite) number"
        problems.append(Problem(f"row {n}/value", rule))
    if len(problems) > before:
        return None
    return n, code, period, start, float(value), value


def period_start(text: str) -> date | None:
    """The first day of a period typed as a month, a quarter or a day; None if it is none."""
    if match := _MONTH.fullmatch(text):
        year, month = int(match[1]), int(match[2])
        return date(year, month, 1) if 1 <= month <= 12 else None
    if match := _QUARTER.fullmatch(text):
        return date(int(match[1]), 3 * int(match[2]) - 2, 1)
    try:
        return date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None


def _series_problems(rows: pd.DataFrame, zone: ZoneAreas) -> list[Problem]:
    """Rules of the series as a whole: one value per area and period, a period before the
    start, and both the zone and a comparison area measured."""
    if rows.empty:
        return []
    problems = []
    twice = rows[rows.duplicated(["area_code", "period_start"], keep="first")]
    for _, row in twice.head(_SHOWN).iterrows():
        problems.append(
            Problem(
                f"row {row['file_row']}/period",
                f"{row['area_code']} has a value for {row['period']} already",
            )
        )
    if not rows["period_start"].lt(zone.starts_on).any():
        problems.append(
            Problem(
                "period",
                f"no period before the zone's start ({zone.starts_on}): a difference in"
                " differences needs the areas measured before it",
            )
        )
    if not rows["area_code"].eq(zone.area_code).any():
        problems.append(Problem("area", f"the zone's own area ({zone.area_code}) is not measured"))
    if not rows["area_code"].ne(zone.area_code).any():
        problems.append(Problem("area", "no comparison area is measured"))
    return problems
