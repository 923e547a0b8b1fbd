"""What the Ventures page, the Audit page and `fund ventures` read: the investments with their
terms and money, a loan's schedule and its arrears, the valuations, and the fund's cumulative
net cash flow by month (its J-curve).

Every read is one set-based query; money stays exact (:func:`fund.db.frame`). A loan's
repayments (its recoveries) pay its instalments oldest first, so an instalment is paid,
overdue (due on or before the day and not covered) or still to come; a loan is in arrears
by what fell due and was not repaid. Officials' names and who recorded a row are read only
by those allowed to see who is responsible (not board members).
"""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

from fund import register
from fund.auth import Permission, User, may, require
from fund.db import frame, today
from fund.evidence.judgement import cutoff

NAMES = ("official", "recorded_by")

_INVESTMENTS = """
SELECT t.commitment_id, x.experiment_id, x.title AS experiment, p.name AS programme,
       c.counterparty, t.investment_type,
       CAST(coalesce(b.committed, 0) AS DECIMAL(18, 2)) AS committed,
       CAST(coalesce(b.paid, 0) AS DECIMAL(18, 2)) AS paid_in,
       CAST(coalesce(b.recovered, 0) AS DECIMAL(18, 2)) AS distributions,
       CAST(coalesce(b.written_off, 0) AS DECIMAL(18, 2)) AS written_off,
       t.follow_on_reserve, t.principal, t.interest_rate, t.starts_on, t.grace_months,
       t.instalments, t.every_months, t.stake, x.official, u.display_name AS recorded_by,
       t.recorded_at, t.reason
FROM venture_terms AS t
JOIN commitment AS c USING (commitment_id)
JOIN experiment AS x ON x.experiment_id = c.experiment_id
JOIN programme AS p ON p.programme_id = x.programme_id
JOIN app_user AS u ON u.user_id = t.recorded_by
LEFT JOIN commitment_balance AS b ON b.commitment_id = t.commitment_id
ORDER BY t.commitment_id
"""

# Venture commitments without terms yet: what the terms form offers.
_OPEN = """
SELECT c.commitment_id, x.title AS experiment, c.counterparty,
       CAST(coalesce(b.committed, 0) AS DECIMAL(18, 2)) AS committed
FROM commitment AS c
JOIN experiment AS x USING (experiment_id)
LEFT JOIN commitment_balance AS b USING (commitment_id)
WHERE x.instrument = 'social_venture'
  AND c.commitment_id NOT IN (SELECT commitment_id FROM venture_terms)
ORDER BY c.commitment_id
"""

# Each instalment of every loan (or one) with what repayments to the day have covered of it,
# oldest first, and whether it is paid, overdue or to come.
_SCHEDULE = """
WITH repaid AS (
    SELECT f.commitment_id, sum(f.recovered) AS repaid
    FROM ledger_effect AS f JOIN ledger_entry AS e USING (entry_id)
    WHERE f.commitment_id IN (SELECT commitment_id FROM loan_instalment)
      AND f.value_date <= $as_of AND e.recorded_at < $cutoff
    GROUP BY f.commitment_id
),
due AS (
    SELECT i.commitment_id, i.number, i.due_on, i.principal, i.interest,
           i.principal + i.interest AS amount,
           sum(i.principal + i.interest) OVER (PARTITION BY i.commitment_id ORDER BY i.number)
               AS due_to_here,
           coalesce(r.repaid, 0) AS repaid
    FROM loan_instalment AS i
    JOIN venture_terms AS t ON t.commitment_id = i.commitment_id AND t.recorded_at < $cutoff
    LEFT JOIN repaid AS r ON r.commitment_id = i.commitment_id
    WHERE $loan IS NULL OR i.commitment_id = $loan
)
SELECT commitment_id, number, due_on, principal, interest, CAST(amount AS DECIMAL(18, 2)) AS amount,
       CAST(least(greatest(repaid - (due_to_here - amount), 0), amount) AS DECIMAL(18, 2))
           AS covered,
       CASE WHEN repaid >= due_to_here THEN 'paid'
            WHEN due_on <= $as_of THEN 'overdue'
            ELSE 'to come' END AS status
FROM due
ORDER BY commitment_id, number
"""

# Each loan's position on the day: what had fallen due, what was repaid, the arrears and
# since when the oldest unpaid instalment has been overdue.
_ARREARS = f"""
WITH schedule AS ({_SCHEDULE})
SELECT s.commitment_id, x.title AS experiment, c.counterparty,
       CAST(coalesce(sum(amount) FILTER (WHERE due_on <= $as_of), 0) AS DECIMAL(18, 2))
           AS due_to_date,
       CAST(sum(covered) AS DECIMAL(18, 2)) AS repaid_against_schedule,
       CAST(coalesce(sum(amount - covered) FILTER (WHERE status = 'overdue'), 0)
            AS DECIMAL(18, 2)) AS arrears,
       count(*) FILTER (WHERE status = 'overdue') AS instalments_overdue,
       min(due_on) FILTER (WHERE status = 'overdue') AS overdue_since,
       date_diff('day', min(due_on) FILTER (WHERE status = 'overdue'), $as_of) AS days_overdue,
       min(due_on) FILTER (WHERE status = 'to come') AS next_due
FROM schedule AS s
JOIN commitment AS c USING (commitment_id)
JOIN experiment AS x USING (experiment_id)
GROUP BY s.commitment_id, x.title, c.counterparty
ORDER BY s.commitment_id
"""  # noqa: S608 - trusted SQL text only

_VALUATIONS = """
SELECT v.valuation_id, v.commitment_id, x.title AS experiment, v.valued_on, v.value, v.basis,
       u.display_name AS recorded_by, v.recorded_at, v.reason
FROM venture_valuation AS v
JOIN commitment AS c USING (commitment_id)
JOIN experiment AS x USING (experiment_id)
JOIN app_user AS u ON u.user_id = v.recorded_by
WHERE $commitment IS NULL OR v.commitment_id = $commitment
ORDER BY v.commitment_id, v.valued_on, v.valuation_id
"""

# The fund's net cash flow by month (got back less paid in) and its running total: the
# J-curve, which dips while investments are drawn and rises as they pay back.
_J_CURVE = """
SELECT CAST(date_trunc('month', f.value_date) AS DATE) AS month,
       CAST(sum(f.paid) AS DECIMAL(18, 2)) AS paid_in,
       CAST(sum(f.recovered) AS DECIMAL(18, 2)) AS distributions,
       CAST(sum(f.recovered - f.paid) AS DECIMAL(18, 2)) AS net_cash_flow,
       CAST(sum(sum(f.recovered - f.paid)) OVER (ORDER BY date_trunc('month', f.value_date))
            AS DECIMAL(18, 2)) AS cumulative
FROM ledger_effect AS f JOIN ledger_entry AS e USING (entry_id)
WHERE f.commitment_id IN (SELECT commitment_id FROM venture_terms WHERE recorded_at < $cutoff)
  AND f.value_date <= $as_of AND e.recorded_at < $cutoff
GROUP BY date_trunc('month', f.value_date)
HAVING sum(f.paid) <> 0 OR sum(f.recovered) <> 0
ORDER BY month
"""


def editable(con: duckdb.DuckDBPyConnection, actor: User) -> bool:
    """Whether the Ventures page offers this reader its forms (fund managers); the services
    decide anyway."""
    return may(require(con, actor, Permission.READ_SUMMARY).role, Permission.MANAGE_PORTFOLIO)


def investments(con: duckdb.DuckDBPyConnection, actor: User) -> pd.DataFrame:
    """Every investment with its terms and its money on the ledger (today)."""
    reader = require(con, actor, Permission.READ_SUMMARY)
    return _people(reader, frame(con, _INVESTMENTS))


def open_to_terms(con: duckdb.DuckDBPyConnection, actor: User) -> pd.DataFrame:
    """Commitments of social venture experiments that have no terms yet."""
    require(con, actor, Permission.READ_SUMMARY)
    return frame(con, _OPEN)


def schedule(
    con: duckdb.DuckDBPyConnection,
    actor: User,
    commitment_id: object = None,
    *,
    as_of: date | None = None,
) -> pd.DataFrame:
    """Every loan instalment (of one loan, or all), what repayments have covered of it and
    its status on ``as_of`` (default today)."""
    require(con, actor, Permission.READ_SUMMARY)
    loan = None if commitment_id is None else register.parse_id(commitment_id, "commitment")
    return frame(con, _SCHEDULE, _day(as_of) | {"loan": loan})


def arrears(
    con: duckdb.DuckDBPyConnection,
    actor: User,
    *,
    as_of: date | None = None,
    behind: bool = False,
) -> pd.DataFrame:
    """Every loan's position against its schedule on ``as_of``: due, repaid, arrears, the
    oldest overdue instalment and the next one due; ``behind``: only loans in arrears, the
    longest overdue first (the auditor's exception)."""
    require(con, actor, Permission.READ_SUMMARY)
    found = frame(con, _ARREARS, _day(as_of) | {"loan": None})
    if not behind:
        return found
    late = found[found["arrears"] > 0].sort_values(["overdue_since", "commitment_id"])
    return late.reset_index(drop=True)


def valuations(
    con: duckdb.DuckDBPyConnection, actor: User, commitment_id: object = None
) -> pd.DataFrame:
    """Every valuation (of one investment, or all), oldest first."""
    reader = require(con, actor, Permission.READ_SUMMARY)
    number = None if commitment_id is None else register.parse_id(commitment_id, "commitment")
    return _people(reader, frame(con, _VALUATIONS, {"commitment": number}))


def j_curve(
    con: duckdb.DuckDBPyConnection, actor: User, *, as_of: date | None = None
) -> pd.DataFrame:
    """The fund's ventures' net cash flow by month and its running total, to ``as_of``."""
    require(con, actor, Permission.READ_SUMMARY)
    return frame(con, _J_CURVE, _day(as_of))


def _day(as_of: date | None) -> dict[str, object]:
    day = as_of or today()
    return {"as_of": day, "cutoff": cutoff(day)}


def _people(reader: User, found: pd.DataFrame) -> pd.DataFrame:
    if may(reader.role, Permission.READ_PEOPLE):
        return found
    return found.drop(columns=[c for c in NAMES if c in found.columns])
