"""What an auditor must look at in the zones: the two risks of an experimental zone are a
waiver that outlives its purpose and a claimed effect with no comparison behind it.

- a waiver in force that expires within :data:`SOON_DAYS` days (and is not yet renewed);
- a waiver that has expired (not renewed) while its zone is still spending: payments dated
  after its expiry;
- a zone without a comparison area;
- a zone past its end date with no verdict on its experiment.

One query finds the first three; the fourth reads verdicts from the evidence module's
judgements, never deciding one here. The Audit page and `fund zones exceptions` read this.
"""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
import pandas as pd

from fund.auth import Permission, User, require
from fund.db import frame, today
from fund.evidence import judgement
from fund.money import format_gbp
from fund.zones.waivers import STATES

SOON_DAYS = 60
KINDS = {
    "expiring": f"waiver expiring within {SOON_DAYS} days",
    "spending after expiry": "zone spending after a waiver expired",
    "no comparison": "zone without a comparison area",
    "no verdict": "zone ended with no verdict",
}
COLUMNS = ["exception", "zone_id", "zone", "waiver_id", "rule", "date", "days", "amount"]

_FOUND = f"""
WITH state AS (SELECT * FROM ({STATES}) WHERE recorded_at < $cutoff),
zoned AS (SELECT * FROM zone WHERE created_at < $cutoff),
after_expiry AS (
    SELECT s.waiver_id, sum(e.paid) AS paid
    FROM state AS s
    JOIN zoned AS z USING (zone_id)
    JOIN ledger_effect AS e ON e.commitment_id = z.commitment_id
        AND e.value_date > s.expires_on AND e.value_date <= $today
    WHERE s.status = 'expired' AND s.renewed_by IS NULL
    GROUP BY s.waiver_id
    HAVING sum(e.paid) > 0
)
SELECT 'expiring' AS exception, s.zone_id, z.area_name AS zone, s.waiver_id, s.rule,
       s.expires_on AS date, date_diff('day', $today, s.expires_on) AS days,
       CAST(NULL AS DECIMAL(18, 2)) AS amount
FROM state AS s JOIN zoned AS z USING (zone_id)
WHERE s.status = 'granted' AND s.renewed_by IS NULL AND s.expires_on <= $soon
UNION ALL
SELECT 'spending after expiry', s.zone_id, z.area_name, s.waiver_id, s.rule, s.expires_on,
       date_diff('day', s.expires_on, $today), CAST(a.paid AS DECIMAL(18, 2))
FROM after_expiry AS a JOIN state AS s USING (waiver_id) JOIN zoned AS z USING (zone_id)
UNION ALL
SELECT 'no comparison', z.zone_id, z.area_name, NULL, NULL, z.starts_on, NULL, NULL
FROM zoned AS z
WHERE NOT EXISTS (
    SELECT 1 FROM zone_comparison AS k WHERE k.zone_id = z.zone_id AND k.added_at < $cutoff
)
"""  # noqa: S608 - trusted SQL text only

_ENDED = """
SELECT z.zone_id, z.area_name AS zone, z.ends_on AS date, c.experiment_id,
       date_diff('day', z.ends_on, $today) AS days
FROM zone AS z JOIN commitment AS c USING (commitment_id)
WHERE z.ends_on < $today AND z.created_at < $cutoff
"""


def exceptions(
    con: duckdb.DuckDBPyConnection, actor: User, *, as_of: date | None = None
) -> pd.DataFrame:
    """Every exception in the zones on ``as_of`` (default today), with what it means in
    words (``detail``), most pressing kind first."""
    require(con, actor, Permission.READ_LEDGER)
    day = as_of or today()
    cut = judgement.cutoff(day)  # what was recorded by the end of the day
    found = frame(
        con, _FOUND, {"today": day, "soon": day + timedelta(days=SOON_DAYS), "cutoff": cut}
    )
    ended = frame(con, _ENDED, {"today": day, "cutoff": cut})
    verdicts = judgement.judgements(con, as_of=day)[["experiment_id", "verdict"]]
    unjudged = ended.merge(verdicts, on="experiment_id", how="left")
    unjudged = unjudged[unjudged["verdict"].isna()].assign(exception="no verdict")
    every = pd.concat([found, unjudged.reindex(columns=COLUMNS)], ignore_index=True)
    every = every.astype({"zone_id": "Int64", "waiver_id": "Int64", "days": "Int64"})
    order = every["exception"].map({k: n for n, k in enumerate(KINDS)})
    every = every.assign(_order=order).sort_values(["_order", "zone_id", "waiver_id"])
    every = every.drop(columns="_order").reset_index(drop=True)
    return every.assign(detail=_details(every), exception=every["exception"].map(KINDS))


def _details(found: pd.DataFrame) -> list[str]:
    """A sentence per exception (a short list: the auditor's, not the ledger's)."""
    return [_detail(row) for row in found.itertuples(index=False)]


def _detail(row) -> str:
    if row.exception == "expiring":
        return (
            f"Waiver #{row.waiver_id} ({row.rule}) expires on {row.date}, in"
            f" {_days(row.days)}, and is not renewed"
        )
    if row.exception == "spending after expiry":
        return (
            f"Waiver #{row.waiver_id} ({row.rule}) expired on {row.date}; the zone has paid"
            f" {format_gbp(row.amount)} since"
        )
    if row.exception == "no comparison":
        return "No comparison area: any effect claimed has nothing to be measured against"
    return f"Ended on {row.date}, {_days(row.days)} ago, with no verdict on its results"


def _days(count: int) -> str:
    return "1 day" if count == 1 else f"{count} days"
