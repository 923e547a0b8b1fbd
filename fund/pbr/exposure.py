"""What the fund's payment-by-results contracts could still cost, and what they owe now.

For each contract: its maximum liability (the commitment, the overall cap), what verified
outcomes have earned within the caps, what was paid (net of recoveries), what is verified
but not yet paid, what the rest of the contract could still cost (the contingent liability)
and anything paid past what is now earned, after a verification was reversed: flagged for
recovery. One set-based query over the contracts; the forecast of outcome payments from each
contract's expected-outcomes profile is :func:`fund.pbr.rate_card.forecast`.
"""

from __future__ import annotations

from decimal import Decimal

import duckdb
import pandas as pd

from fund import db
from fund.auth import Permission, User, require
from fund.db import frame
from fund.money import ZERO
from fund.pbr import rate_card

MONEY = (
    "maximum_liability",
    "earned",
    "paid",
    "verified_unpaid",
    "contingent_liability",
    "to_recover",
)

_EXPOSURE = """
WITH money AS (
    SELECT f.commitment_id, sum(f.committed) AS committed, sum(f.paid) AS paid,
           sum(f.recovered) AS recovered
    FROM ledger_effect AS f
    WHERE f.commitment_id IN (SELECT commitment_id FROM pbr_contract)
    GROUP BY f.commitment_id
),
figures AS (
    SELECT k.contract_id, k.commitment_id, k.name, m.committed AS maximum_liability,
           least(e.earned, m.committed) AS earned, m.paid - m.recovered AS paid
    FROM pbr_contract AS k
    JOIN pbr_card_earned AS e USING (contract_id)
    JOIN money AS m ON m.commitment_id = k.commitment_id
)
SELECT contract_id, commitment_id, name,
       CAST(maximum_liability AS DECIMAL(18, 2)) AS maximum_liability,
       CAST(earned AS DECIMAL(18, 2)) AS earned,
       CAST(paid AS DECIMAL(18, 2)) AS paid,
       CAST(greatest(earned - paid, 0) AS DECIMAL(18, 2)) AS verified_unpaid,
       CAST(greatest(maximum_liability - greatest(earned, paid), 0) AS DECIMAL(18, 2))
           AS contingent_liability,
       CAST(greatest(paid - earned, 0) AS DECIMAL(18, 2)) AS to_recover
FROM figures
ORDER BY contract_id
"""


def exposure(con: duckdb.DuckDBPyConnection, actor: User) -> pd.DataFrame:
    """One row per contract: the money columns of :data:`MONEY`, exact (every reading role)."""
    require(con, actor, Permission.READ_SUMMARY)
    return frame(con, _EXPOSURE)


def totals(table: pd.DataFrame) -> dict[str, Decimal]:
    """The contracts' exposure summed, for the Portfolio page and the CLI."""
    return {name: sum(table[name].tolist(), ZERO) for name in MONEY}


_FORECAST_INPUTS = """
SELECT r.metric, r.definition, r.unit_price, r.cap, e.earned
FROM pbr_rate AS r JOIN pbr_metric_earned AS e USING (contract_id, metric)
WHERE r.contract_id = ?
"""


def forecast(con: duckdb.DuckDBPyConnection, actor: User, contract_id: int) -> pd.DataFrame:
    """Outcome payments the contract's expected-outcomes profile would still bring, period by
    period, within each metric's cap and its remaining maximum liability. Periods already
    ended are left out: what they brought is in the claims."""
    require(con, actor, Permission.READ_SUMMARY)
    rows = con.execute(_FORECAST_INPUTS, [contract_id]).fetchall()
    lines = tuple(
        rate_card.Rate(metric=m, definition=d, unit_price=p, cap=c) for m, d, p, c, _ in rows
    )
    earned_by_metric = {m: e for m, _, _, _, e in rows}
    figures = exposure(con, actor)
    mine = figures[figures["contract_id"] == contract_id]
    room = mine["contingent_liability"].iloc[0] if len(mine) else ZERO
    expected = frame(
        con,
        "SELECT metric, period_end, quantity FROM pbr_expected"
        " WHERE contract_id = ? AND period_end >= ? ORDER BY period_end, metric",
        [contract_id, db.today()],
    )
    return rate_card.forecast(lines, expected, earned_by_metric, room)
