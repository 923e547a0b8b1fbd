"""What the Zones and Audit pages and `fund zones`/`fund waivers` read: the zones with their
budget and money, the waiver register with each waiver's derived status, a zone's outcome
series, and its estimate against the target.

Every read is one set-based query; money stays exact (:func:`fund.db.frame`). Officials'
names (the accountable official, who granted or ended a waiver, who recorded it) are read
only by those allowed to see who is responsible (not board members).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from fund import register
from fund.auth import Permission, User, may, require
from fund.db import frame, today
from fund.errors import NotFound
from fund.evidence import judgement
from fund.zones.waivers import STATES

# Officials' names and who recorded: left out for a reader who may not see people.
NAMES = ("official", "granted_by", "ended_by", "recorded_by")

_ZONES = f"""
WITH state AS ({STATES}),
money AS (
    SELECT commitment_id, sum(committed) AS budget, sum(paid) AS paid
    FROM ledger_effect WHERE commitment_id IN (SELECT commitment_id FROM zone)
    GROUP BY commitment_id
),
compared AS (
    SELECT zone_id, string_agg(area_name || ' (' || area_code || ')', ', ' ORDER BY area_code)
               AS comparison_areas,
           count(*) AS comparisons
    FROM zone_comparison GROUP BY zone_id
),
waived AS (
    SELECT zone_id,
           count(*) FILTER (WHERE status = 'granted' AND renewed_by IS NULL) AS waivers_in_force,
           min(expires_on) FILTER (WHERE status = 'granted' AND renewed_by IS NULL)
               AS next_expiry
    FROM state GROUP BY zone_id
)
SELECT z.zone_id, z.area_name, z.area_code, x.experiment_id, x.title AS experiment,
       p.name AS programme, z.commitment_id, c.counterparty,
       CAST(coalesce(m.budget, 0) AS DECIMAL(18, 2)) AS budget,
       CAST(coalesce(m.paid, 0) AS DECIMAL(18, 2)) AS paid,
       z.starts_on, z.ends_on,
       CASE WHEN $today < z.starts_on THEN 'not started'
            WHEN $today > z.ends_on THEN 'ended' ELSE 'running' END AS stage,
       coalesce(k.comparisons, 0) AS comparisons, k.comparison_areas,
       coalesce(w.waivers_in_force, 0) AS waivers_in_force, w.next_expiry,
       z.official
FROM zone AS z
JOIN commitment AS c USING (commitment_id)
JOIN experiment AS x ON x.experiment_id = c.experiment_id
JOIN programme AS p ON p.programme_id = x.programme_id
LEFT JOIN money AS m ON m.commitment_id = z.commitment_id
LEFT JOIN compared AS k ON k.zone_id = z.zone_id
LEFT JOIN waived AS w ON w.zone_id = z.zone_id
WHERE $zone IS NULL OR z.zone_id = $zone
ORDER BY z.zone_id
"""  # noqa: S608 - trusted SQL text only

_WAIVERS = f"""
WITH state AS ({STATES})
SELECT s.waiver_id, s.zone_id, z.area_name AS zone, s.rule, s.source, s.legal_basis,
       s.scope, s.status, s.granted_on, s.expires_on,
       CASE WHEN s.status = 'granted' THEN date_diff('day', $today, s.expires_on) END
           AS days_left,
       s.renews, s.renewed_by, s.ended_on, s.granted_by, s.ended_by,
       u.display_name AS recorded_by, s.recorded_at, s.reason
FROM state AS s
JOIN zone AS z USING (zone_id)
JOIN app_user AS u ON u.user_id = s.recorded_by
WHERE ($zone IS NULL OR s.zone_id = $zone) AND ($status IS NULL OR s.status = $status)
ORDER BY s.zone_id, s.waiver_id
"""  # noqa: S608 - trusted SQL text only

_SERIES = """
WITH latest AS (
    SELECT max(result_id) AS result_id FROM zone_outcome WHERE zone_id = $zone
)
SELECT o.result_id, o.file_row, o.area_code,
       coalesce(k.area_name, z.area_name) AS area_name,
       CASE WHEN o.area_code = z.area_code THEN 'zone' ELSE 'comparison' END AS "group",
       o.period, o.period_start, o.value
FROM zone_outcome AS o
JOIN latest USING (result_id)
JOIN zone AS z ON z.zone_id = o.zone_id
LEFT JOIN zone_comparison AS k ON k.zone_id = o.zone_id AND k.area_code = o.area_code
ORDER BY o.file_row
"""


def editable(con: duckdb.DuckDBPyConnection, actor: User) -> bool:
    """Whether the Zones page offers this reader its forms (fund managers); the services
    decide anyway."""
    return may(require(con, actor, Permission.READ_SUMMARY).role, Permission.MANAGE_PORTFOLIO)


def zones(con: duckdb.DuckDBPyConnection, actor: User) -> pd.DataFrame:
    """Every zone with its budget (what its commitment holds), paid, stage, comparison areas
    and waivers in force."""
    reader = require(con, actor, Permission.READ_SUMMARY)
    return _people(reader, frame(con, _ZONES, {"today": today(), "zone": None}))


def waivers(
    con: duckdb.DuckDBPyConnection,
    actor: User,
    *,
    zone_id: object = None,
    status: str | None = None,
) -> pd.DataFrame:
    """The waiver register (of one zone, or every zone), each waiver with its status today
    and the days left to its expiry while it is in force."""
    reader = require(con, actor, Permission.READ_SUMMARY)
    zone = None if zone_id is None else register.parse_id(zone_id, "zone")
    found = frame(con, _WAIVERS, {"today": today(), "zone": zone, "status": status})
    return _people(reader, found)


@dataclass(frozen=True)
class ZoneView:
    """One zone: its row, comparison areas, waivers, latest outcome series and judgement."""

    zone: pd.Series
    comparisons: pd.DataFrame
    waivers: pd.DataFrame
    series: pd.DataFrame  # the latest uploaded series, one row per area and period
    judged: pd.Series | None  # the experiment's plan, estimate, verdict and evidence level

    @property
    def from_series(self) -> bool:
        """Whether the experiment's latest estimate is the zone's latest series's (not
        results uploaded to the experiment otherwise, before or after it)."""
        if self.judged is None or self.series.empty:
            return False
        return self.judged["result_id"] == self.series["result_id"].iloc[0]


def zone(con: duckdb.DuckDBPyConnection, actor: User, zone_id: object) -> ZoneView:
    """Everything the Zones page and `fund zones show` say about one zone."""
    reader = require(con, actor, Permission.READ_SUMMARY)
    number = register.parse_id(zone_id, "zone")
    found = _people(reader, frame(con, _ZONES, {"today": today(), "zone": number}))
    if found.empty:
        raise NotFound("zone", "zone", number)
    row = found.iloc[0]
    judged = judgement.for_reader(con, actor)
    mine = judged[judged["experiment_id"] == row["experiment_id"]]
    return ZoneView(
        zone=row,
        comparisons=frame(
            con,
            "SELECT area_code, area_name, added_at FROM zone_comparison WHERE zone_id = ?"
            " ORDER BY area_code",
            [number],
        ),
        waivers=waivers(con, actor, zone_id=number),
        series=frame(con, _SERIES, {"zone": number}),
        judged=None if mine.empty else mine.iloc[0],
    )


def _people(reader: User, found: pd.DataFrame) -> pd.DataFrame:
    if may(reader.role, Permission.READ_PEOPLE):
        return found
    return found.drop(columns=[c for c in NAMES if c in found.columns])
