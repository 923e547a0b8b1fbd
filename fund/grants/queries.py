"""What the Grants and Audit pages and `fund grants list` read: grants with their status and
money, applications to decide, reports due, split-award flags and awards above the limit.

Every read is one set-based query; money stays exact (:func:`fund.db.frame`). Applicants are
people: their names are shown only to a reader allowed to see who is responsible
(:data:`fund.auth.Permission.READ_PEOPLE`).
"""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

from fund.auth import Permission, User, may, require
from fund.db import frame, today
from fund.grants.split import FLAGS

# Each grant with where it stands. ``policy`` is the ring-fence's current small-grant policy,
# against which imported awards outside the range, and awards above the delegated limit,
# are flagged.
_GRANTS = """
WITH policy AS (
    SELECT * FROM grant_policy
    QUALIFY row_number() OVER (PARTITION BY ringfence_id ORDER BY version DESC) = 1
),
paid AS (
    SELECT commitment_id, sum(paid) AS paid
    FROM ledger_effect WHERE commitment_id IN (SELECT commitment_id FROM grant_commitment)
    GROUP BY commitment_id
)
SELECT g.grant_id, g.identifier, p.name AS programme, x.title AS experiment,
       g.applicant_type, CASE WHEN $people THEN g.applicant END AS applicant,
       CASE WHEN g.import_id IS NOT NULL THEN 'none registered: awarded elsewhere'
            ELSE 'registered for the experiment' END AS evaluation_plan,
       g.recipient, g.recipient_id, g.title, g.purpose, g.amount AS applied,
       d.amount AS awarded, d.award_date, d.report_due,
       CASE WHEN c.grant_id IS NOT NULL THEN 'closed'
            WHEN r.grant_id IS NOT NULL THEN 'reported'
            WHEN d.commitment_id IS NOT NULL THEN 'awarded'
            WHEN d.request_approved = FALSE THEN 'not approved'
            WHEN d.amount = 0 AND (d.request_id IS NULL OR d.request_approved) THEN 'awarded'
            WHEN d.decision = 'award' THEN 'awaiting approval'
            WHEN d.decision = 'decline' THEN 'declined'
            ELSE 'applied' END AS status,
       d.reason AS decision_reason, d.request_id, d.commitment_id,
       CAST(coalesce(m.paid, 0) AS DECIMAL(18, 2)) AS paid, r.spent,
       g.import_id, g.planned_start, g.planned_end,
       d.amount NOT BETWEEN k.min_amount AND k.max_amount AS out_of_range,
       d.amount > k.delegated_limit AS above_limit
FROM small_grant AS g
JOIN experiment AS x USING (experiment_id)
JOIN programme AS p USING (programme_id)
LEFT JOIN policy AS k USING (ringfence_id)
LEFT JOIN grant_live_decision AS d USING (grant_id)
LEFT JOIN paid AS m USING (commitment_id)
LEFT JOIN grant_report AS r ON r.grant_id = g.grant_id
LEFT JOIN grant_closure AS c ON c.grant_id = g.grant_id
WHERE $status IS NULL OR status = $status
ORDER BY g.grant_id DESC
"""

STATUSES = (
    "applied",
    "awaiting approval",
    "not approved",
    "declined",
    "awarded",
    "reported",
    "closed",
)


def writes(con: duckdb.DuckDBPyConnection, actor: User) -> bool:
    """Whether the Grants page offers this reader its forms (the services decide anyway)."""
    return may(require(con, actor, Permission.READ_LEDGER).role, Permission.COMMIT)


def grants(con: duckdb.DuckDBPyConnection, actor: User, status: str | None = None) -> pd.DataFrame:
    """Every small grant, newest first (or those with ``status``)."""
    user = require(con, actor, Permission.READ_LEDGER)
    people = may(user.role, Permission.READ_PEOPLE)
    return frame(con, _GRANTS, {"people": people, "status": status})


_DUE = """
SELECT g.grant_id, g.identifier, g.recipient, g.title, d.amount AS awarded, d.report_due,
       CASE WHEN d.report_due < $day::DATE THEN $day::DATE - d.report_due END AS days_overdue,
       CASE WHEN d.report_due < $day::DATE THEN 'overdue' ELSE 'due' END AS state
FROM grant_live_decision AS d
JOIN small_grant AS g USING (grant_id)
WHERE d.commitment_id IS NOT NULL AND d.report_due IS NOT NULL
  AND d.report_due <= $day::DATE + $ahead
  AND NOT EXISTS (SELECT 1 FROM grant_report AS r WHERE r.grant_id = g.grant_id)
ORDER BY d.report_due, g.grant_id
"""


def reports_due(
    con: duckdb.DuckDBPyConnection, actor: User, *, on: date | None = None, ahead: int = 30
) -> pd.DataFrame:
    """End-of-grant reports overdue, or due within ``ahead`` days, most overdue first."""
    require(con, actor, Permission.READ_LEDGER)
    return frame(con, _DUE, {"day": on or today(), "ahead": ahead})


def split_flags(con: duckdb.DuckDBPyConnection, actor: User) -> pd.DataFrame:
    """Awards that, with others to the same recipient in the same programme within 90 days,
    exceed the delegated limit; ``second_approver`` says whether each had one."""
    require(con, actor, Permission.READ_LEDGER)
    return frame(con, FLAGS)


_ABOVE_LIMIT = """
WITH policy AS (
    SELECT ringfence_id, delegated_limit FROM grant_policy
    QUALIFY row_number() OVER (PARTITION BY ringfence_id ORDER BY version DESC) = 1
)
SELECT g.grant_id, g.identifier, g.recipient, d.amount AS awarded, k.delegated_limit,
       d.award_date, d.request_id, requester.username AS awarded_by,
       approver.username AS approved_by, g.import_id
FROM grant_live_decision AS d
JOIN small_grant AS g USING (grant_id)
JOIN experiment AS x USING (experiment_id)
JOIN programme AS p USING (programme_id)
JOIN policy AS k USING (ringfence_id)
JOIN app_user AS requester ON requester.user_id = d.decided_by
LEFT JOIN approval_decision AS a ON a.request_id = d.request_id
LEFT JOIN app_user AS approver ON approver.user_id = a.decided_by
WHERE d.decision = 'award' AND d.amount > k.delegated_limit
ORDER BY d.award_date DESC, g.grant_id DESC
"""


def above_limit(con: duckdb.DuckDBPyConnection, actor: User) -> pd.DataFrame:
    """Awards above the small-grant delegated limit, with who awarded and who approved them."""
    require(con, actor, Permission.READ_LEDGER)
    return frame(con, _ABOVE_LIMIT)


_OUT_OF_RANGE = """
WITH policy AS (
    SELECT ringfence_id, min_amount, max_amount FROM grant_policy
    QUALIFY row_number() OVER (PARTITION BY ringfence_id ORDER BY version DESC) = 1
)
SELECT g.grant_id, g.identifier, g.recipient, d.amount AS awarded, k.min_amount,
       k.max_amount, d.award_date, g.import_id, i.file_name
FROM grant_live_decision AS d
JOIN small_grant AS g USING (grant_id)
JOIN experiment AS x USING (experiment_id)
JOIN programme AS p USING (programme_id)
JOIN policy AS k USING (ringfence_id)
LEFT JOIN grant_import AS i ON i.import_id = g.import_id
WHERE d.decision = 'award' AND d.amount NOT BETWEEN k.min_amount AND k.max_amount
ORDER BY d.award_date DESC, g.grant_id DESC
"""


def out_of_range(con: duckdb.DuckDBPyConnection, actor: User) -> pd.DataFrame:
    """Awards outside the small-grant range: made elsewhere and imported (the fund's own
    applications are held to the range), flagged for the auditor, never refused."""
    require(con, actor, Permission.READ_LEDGER)
    return frame(con, _OUT_OF_RANGE)
