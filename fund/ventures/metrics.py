"""The venture metrics: what the fund has paid in and got back, and what the rest is worth,
per investment, per programme and for the whole fund, as at a day.

On the ledger's own entries: paid-in is what was disbursed (drawdowns), distributions what
was recovered (repayments, interest, dividends, sale proceeds); write-offs are losses, not
cash. The **residual value** is the latest valuation on or before the day, rolled forward by
the money that moved after it (paid in added, got back and written off taken away, never
below zero), as funds roll a reported net asset value forward between valuations; a loan
is rolled forward by the principal its repayments paid, not their interest (each repayment
pays its oldest instalment's interest first). An investment never valued is rolled forward
from nothing: a loan is held at amortised cost (drawn less principal repaid), anything else
at cost less what came back. One written off in full on the ledger (all of its principal
outstanding, for a loan) is worth nothing, whatever it was valued at.

- DPI = distributions / paid-in; RVPI = residual value / paid-in; TVPI = (distributions +
  residual value) / paid-in; none when nothing was paid in.
- IRR: the rate of the dated flows (paid in negative, got back positive, each day netted)
  with the residual value as a final flow on its valuation date (or on the day asked, when
  money moved after the valuation or there is none), by :func:`fund.returns.xirr`, the same
  helper as the PbR investors' returns, with the reason when there is no rate.

Money is summed exactly in one DuckDB query over every level at once (grouping sets); the
multiples are floats for showing, and the rates are found one series at a time, as a root
must be. Nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import numpy as np
import pandas as pd

from fund import returns
from fund.auth import Permission, User, require
from fund.db import frame, today
from fund.evidence.judgement import cutoff

MONEY = ["paid_in", "distributions", "written_off", "residual_value", "net_cash_flow"]
MULTIPLES = ["dpi", "rvpi", "tvpi"]

# Each investment's money by value date on the day asked, as recorded by the end of it.
_HELD = """
investments AS (
    SELECT t.commitment_id, c.experiment_id, x.programme_id, p.name AS programme,
           t.investment_type
    FROM venture_terms AS t
    JOIN commitment AS c USING (commitment_id)
    JOIN experiment AS x USING (experiment_id)
    JOIN programme AS p ON p.programme_id = x.programme_id
    WHERE t.recorded_at < $cutoff
),
moves AS (
    SELECT f.commitment_id, f.value_date, sum(f.paid) AS paid, sum(f.recovered) AS recovered,
           sum(f.written_off) AS written_off
    FROM ledger_effect AS f
    JOIN ledger_entry AS e USING (entry_id)
    JOIN investments AS i ON i.commitment_id = f.commitment_id
    WHERE f.value_date <= $as_of AND e.recorded_at < $cutoff
      AND f.kind IN ('disbursement', 'recovery', 'write_off')
    GROUP BY f.commitment_id, f.value_date
),
valued AS (
    SELECT commitment_id, max(valued_on) AS valued_on,
           arg_max(value, (valued_on, valuation_id)) AS valuation,
           arg_max(basis, (valued_on, valuation_id)) AS basis
    FROM venture_valuation
    WHERE valued_on <= $as_of AND recorded_at < $cutoff
    GROUP BY commitment_id
),
loan_back AS (  -- the principal a loan's repayments paid (oldest instalment first, its
                -- interest first), by the day asked and by its valuation's day
    SELECT i.commitment_id,
           sum(greatest(least(r.repaid - (i.due_to_here - i.amount), i.amount) - i.interest, 0))
               AS principal_back,
           sum(greatest(least(r.repaid_then - (i.due_to_here - i.amount), i.amount) - i.interest,
                        0)) AS principal_back_then
    FROM (
        SELECT *, principal + interest AS amount,
               sum(principal + interest) OVER (PARTITION BY commitment_id ORDER BY number)
                   AS due_to_here
        FROM loan_instalment
    ) AS i
    JOIN (
        SELECT m.commitment_id, sum(m.recovered) AS repaid,
               coalesce(sum(m.recovered) FILTER (WHERE m.value_date <= v.valued_on), 0)
                   AS repaid_then
        FROM moves AS m LEFT JOIN valued AS v USING (commitment_id)
        GROUP BY m.commitment_id
    ) AS r USING (commitment_id)
    GROUP BY i.commitment_id
),
held AS (
    SELECT i.commitment_id, i.programme_id, i.programme, i.investment_type, v.valued_on, v.valuation,
           v.basis, coalesce(b.principal_back, 0) AS principal_back,
           coalesce(b.principal_back, 0) - coalesce(b.principal_back_then, 0)
               AS principal_back_since,
           coalesce(sum(m.paid), 0) AS paid_in,
           coalesce(sum(m.recovered), 0) AS distributions,
           coalesce(sum(m.written_off), 0) AS written_off,
           coalesce(sum(m.paid - m.recovered - m.written_off)
                    FILTER (WHERE v.valued_on IS NULL OR m.value_date > v.valued_on), 0) AS since,
           coalesce(sum(m.paid - m.written_off)
                    FILTER (WHERE v.valued_on IS NULL OR m.value_date > v.valued_on), 0)
               AS put_in_since,
           max(m.value_date) AS last_moved
    FROM investments AS i
    LEFT JOIN moves AS m USING (commitment_id)
    LEFT JOIN valued AS v USING (commitment_id)
    LEFT JOIN loan_back AS b USING (commitment_id)
    GROUP BY ALL
),
residual AS (
    SELECT *,
           CAST(CASE WHEN written_off > 0 AND written_off >= paid_in - CASE
                         WHEN investment_type = 'loan' THEN principal_back
                         ELSE distributions END THEN 0
                     WHEN investment_type = 'loan'  -- at amortised cost: principal, not interest
                         THEN greatest(coalesce(valuation, 0) + put_in_since
                                       - principal_back_since, 0)
                     ELSE greatest(coalesce(valuation, 0) + since, 0) END AS DECIMAL(18, 2))
               AS residual_value,
           CASE WHEN valued_on IS NOT NULL AND (last_moved IS NULL OR last_moved <= valued_on)
                THEN valued_on ELSE $as_of END AS residual_on
    FROM held
)"""

_BY_LEVEL = f"""
WITH {_HELD}
SELECT CASE WHEN grouping(commitment_id) = 0 THEN 'investment'
            WHEN grouping(programme_id) = 0 THEN 'programme' ELSE 'fund' END AS level,
       commitment_id, programme_id, any_value(programme) AS programme,
       count(*) AS investments,
       CAST(coalesce(sum(paid_in), 0) AS DECIMAL(18, 2)) AS paid_in,
       CAST(coalesce(sum(distributions), 0) AS DECIMAL(18, 2)) AS distributions,
       CAST(coalesce(sum(written_off), 0) AS DECIMAL(18, 2)) AS written_off,
       CAST(coalesce(sum(residual_value), 0) AS DECIMAL(18, 2)) AS residual_value,
       CAST(coalesce(sum(distributions - paid_in), 0) AS DECIMAL(18, 2)) AS net_cash_flow,
       CASE WHEN grouping(commitment_id) = 0 THEN any_value(valued_on) END AS valued_on,
       CASE WHEN grouping(commitment_id) = 0 THEN any_value(basis) END AS basis,
       CASE WHEN grouping(commitment_id) = 0 THEN any_value(residual_on) END AS residual_on
FROM residual
GROUP BY GROUPING SETS ((commitment_id, programme_id), (programme_id), ())
"""  # noqa: S608 - trusted SQL text only

# The dated cash flows of every level: each day's net flow, and the residual values as final
# flows on their dates, one list per investment, programme and the fund.
_CASH = f"""
WITH {_HELD},
cash AS (
    SELECT m.commitment_id, r.programme_id, m.value_date AS day,
           m.recovered - m.paid AS amount
    FROM moves AS m JOIN residual AS r USING (commitment_id)
    WHERE m.recovered <> m.paid
    UNION ALL
    SELECT commitment_id, programme_id, residual_on, residual_value
    FROM residual WHERE residual_value > 0 AND paid_in > 0
),
daily AS (
    SELECT CASE WHEN grouping(commitment_id) = 0 THEN 'investment'
                WHEN grouping(programme_id) = 0 THEN 'programme' ELSE 'fund' END AS level,
           commitment_id, programme_id, day, sum(amount) AS amount
    FROM cash
    GROUP BY GROUPING SETS ((commitment_id, programme_id, day), (programme_id, day), (day))
)
SELECT level, commitment_id, programme_id, day - DATE '1970-01-01' AS day_number,
       CAST(amount AS DOUBLE) AS amount
FROM daily
ORDER BY level, commitment_id, programme_id, day
"""  # noqa: S608 - trusted SQL text only

_KEYS = ["level", "commitment_id", "programme_id"]


@dataclass(frozen=True)
class Metrics:
    """The venture metrics on a day: one row per investment, per programme and the fund."""

    as_of: date
    investments: pd.DataFrame
    programmes: pd.DataFrame
    fund: pd.Series


def metrics(con: duckdb.DuckDBPyConnection, actor: User, *, as_of: date | None = None) -> Metrics:
    """Paid-in, distributions, residual value, DPI, RVPI, TVPI and IRR of every investment,
    programme and the fund, as at the end of ``as_of`` (default today)."""
    require(con, actor, Permission.READ_SUMMARY)
    return compute(con, as_of or today())


def compute(con: duckdb.DuckDBPyConnection, day: date) -> Metrics:
    """:func:`metrics` for services that have checked the reader's permission."""
    params = {"as_of": day, "cutoff": cutoff(day)}
    money = frame(con, _BY_LEVEL, params)
    rated = rates(frame(con, _CASH, params))
    every = money.merge(rated, on=_KEYS, how="left")
    unrated = every["irr"].isna() & every["irr_reason"].isna()  # no flow at all
    every = every.assign(
        **multiples(every), irr_reason=every["irr_reason"].mask(unrated, returns.FEWER_THAN_TWO)
    )
    every = every.astype({"commitment_id": "Int64", "programme_id": "Int64"})
    level = every["level"]
    return Metrics(
        as_of=day,
        investments=_sorted(every[level == "investment"], "commitment_id"),
        programmes=_sorted(every[level == "programme"], "programme_id"),
        fund=every[level == "fund"].iloc[0],  # the grand total: there even with nothing held
    )


def multiples(money: pd.DataFrame) -> dict[str, pd.Series]:
    """DPI, RVPI and TVPI of each row's exact money, as floats (none when nothing was paid
    in). TVPI is computed on its own sum, not added up from the rounded other two."""
    paid = money["paid_in"].astype(float).where(money["paid_in"].astype(float) > 0)
    distributed = money["distributions"].astype(float)
    residual = money["residual_value"].astype(float)
    return {
        "dpi": distributed / paid,
        "rvpi": residual / paid,
        "tvpi": (distributed + residual) / paid,
    }


def rates(cash: pd.DataFrame) -> pd.DataFrame:
    """The rate of each level's dated flows, or why there is none: ``cash`` holds a row per
    level, key and day (``day_number``, days since 1970, and ``amount``); the rates are :func:`fund.returns.xirr`'s, found
    for every series at once (:func:`fund.returns.xirr_each`)."""
    series = cash.groupby(_KEYS, dropna=False, sort=False).ngroup().to_numpy()
    found = returns.xirr_each(
        series,
        cash["day_number"].to_numpy(dtype="int64").astype("datetime64[D]"),
        cash["amount"].to_numpy(dtype=float),
    )
    keys = cash[_KEYS].drop_duplicates().reset_index(drop=True)  # in the order ngroup numbers
    return keys.assign(
        irr=np.array([np.nan if r.rate is None else r.rate for r in found], dtype=float),
        irr_reason=[r.reason or None for r in found],
    )


def _sorted(rows: pd.DataFrame, key: str) -> pd.DataFrame:
    return rows.sort_values(key).reset_index(drop=True)
