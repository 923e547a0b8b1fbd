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

from fund import db, register
from fund.auth import Permission, User, require
from fund.db import frame
from fund.errors import NotFound
from fund.money import ZERO
from fund.pbr import rate_card

MONEY = (
    "maximum_liability",
    "earned",
    "paid",
    "verified_unpaid",
    "contingent_liability",
    "to_recover",
    "forecast",
)

_EXPOSURE = """
WITH money AS (
    SELECT f.commitment_id, sum(f.committed) AS committed, sum(f.paid) AS paid,
           sum(f.recovered) AS recovered, sum(f.written_off) AS written_off
    FROM ledger_effect AS f
    WHERE f.commitment_id IN (SELECT commitment_id FROM pbr_contract)
    GROUP BY f.commitment_id
),
figures AS (
    SELECT k.contract_id, k.commitment_id, k.name, m.committed AS maximum_liability,
           least(e.earned, m.committed) AS earned, m.paid - m.recovered AS paid,
           m.written_off
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
       CAST(greatest(paid - written_off - earned, 0) AS DECIMAL(18, 2)) AS to_recover
FROM figures
ORDER BY contract_id
"""


def exposure(con: duckdb.DuckDBPyConnection, actor: User) -> pd.DataFrame:
    """One row per contract: the money columns of :data:`MONEY`, exact (every reading role).
    ``to_recover`` is paid (net of recoveries) past what is earned and not written off;
    ``forecast`` what the expected profile's periods still to come would bring."""
    require(con, actor, Permission.READ_SUMMARY)
    table = frame(con, _EXPOSURE)
    coming = _forecasts(con, table)
    return table.assign(
        forecast=pd.array(
            [sum(coming[c]["payment"].tolist(), ZERO) for c in table["contract_id"]],
            dtype=table["earned"].dtype,
        )
    )


def totals(table: pd.DataFrame) -> dict[str, Decimal]:
    """The contracts' exposure summed, for the Portfolio page and the CLI."""
    return {name: sum(table[name].tolist(), ZERO) for name in MONEY}


_RATES = """
SELECT r.contract_id, r.metric, r.definition, r.unit_price, r.cap, e.earned
FROM pbr_rate AS r JOIN pbr_metric_earned AS e USING (contract_id, metric)
"""
_EXPECTED = """
SELECT contract_id, metric, period_end, quantity FROM pbr_expected
WHERE period_end >= ? ORDER BY contract_id, period_end, metric
"""


def _forecasts(con: duckdb.DuckDBPyConnection, table: pd.DataFrame) -> dict[int, pd.DataFrame]:
    """Each contract's forecast (see :func:`forecast`), from two reads for them all: a
    contract's profile is a few dozen rows, worked out vectorised by the rate card."""
    rates = con.execute(_RATES).fetchall()
    expected = frame(con, _EXPECTED, [db.today()])
    found = {}
    for contract_id, room in zip(table["contract_id"], table["contingent_liability"], strict=True):
        mine = [r for r in rates if r[0] == contract_id]
        lines = tuple(
            rate_card.Rate(metric=m, definition=d, unit_price=p, cap=c) for _, m, d, p, c, _ in mine
        )
        profile = expected[expected["contract_id"] == contract_id].drop(columns="contract_id")
        earned = {m: e for _, m, _, _, _, e in mine}
        found[contract_id] = rate_card.forecast(lines, profile, earned, room)
    return found


def forecast(con: duckdb.DuckDBPyConnection, actor: User, contract_id: object) -> pd.DataFrame:
    """Outcome payments the contract's expected-outcomes profile would still bring, period by
    period, within each metric's cap and its remaining maximum liability (the contingent
    liability). Periods already ended are left out: what they brought is in the claims."""
    require(con, actor, Permission.READ_SUMMARY)
    number = register.parse_id(contract_id, "contract")
    table = frame(con, _EXPOSURE)
    mine = table[table["contract_id"] == number]
    if mine.empty:
        raise NotFound("contract", "PbR contract", contract_id)
    return _forecasts(con, mine)[number]
