"""Reading the ledger: the entries as people and exports see them."""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

from fund.auth import Permission, User, require
from fund.db import frame

_ENTRIES = """
SELECT e.entry_id, e.value_date, e.recorded_at, e.kind, e.amount,
       r.name AS ringfence, p.name AS programme, x.experiment_id, x.title AS experiment,
       e.commitment_id, c.counterparty, u.username AS actor, e.reason, e.reverses,
       rv.entry_id AS reversed_by, e.virement_id AS request_id, e.audit_seq
FROM ledger_entry AS e
JOIN ringfence AS r USING (ringfence_id)
LEFT JOIN programme AS p ON p.programme_id = e.programme_id
LEFT JOIN commitment AS c ON c.commitment_id = e.commitment_id
LEFT JOIN experiment AS x ON x.experiment_id = c.experiment_id
LEFT JOIN ledger_entry AS rv ON rv.reverses = e.entry_id
JOIN app_user AS u ON u.user_id = e.actor_id
WHERE (?::INTEGER IS NULL OR x.experiment_id = ?::INTEGER)
  AND (?::INTEGER IS NULL OR e.programme_id = ?::INTEGER)
  AND (?::DATE IS NULL OR e.value_date >= ?::DATE)
  AND (?::DATE IS NULL OR e.value_date <= ?::DATE)
ORDER BY e.entry_id
"""


def entries(
    con: duckdb.DuckDBPyConnection,
    actor: User,
    *,
    experiment_id: int | None = None,
    programme_id: int | None = None,
    since: date | None = None,
    until: date | None = None,
) -> pd.DataFrame:
    """Ledger entries with the names of what they belong to, oldest first; amounts exact."""
    require(con, actor, Permission.READ_LEDGER)
    params = [experiment_id, experiment_id, programme_id, programme_id, since, since, until, until]
    return frame(con, _ENTRIES, params)


_COMMITMENTS = """
SELECT c.commitment_id, x.experiment_id, x.title AS experiment, c.counterparty,
       format('#{} · {} → {}', c.commitment_id, x.title, c.counterparty) AS label,
       CAST(b.committed AS DECIMAL(18,2)) AS committed, CAST(b.paid AS DECIMAL(18,2)) AS paid,
       CAST(b.committed - b.paid AS DECIMAL(18,2)) AS unpaid,
       CAST(b.recovered AS DECIMAL(18,2)) AS recovered,
       CAST(b.written_off AS DECIMAL(18,2)) AS written_off
FROM commitment AS c
JOIN experiment AS x USING (experiment_id)
JOIN commitment_balance AS b USING (commitment_id)
WHERE (?::INTEGER IS NULL OR x.experiment_id = ?::INTEGER)
ORDER BY c.commitment_id
"""


def commitments(
    con: duckdb.DuckDBPyConnection, actor: User, *, experiment_id: int | None = None
) -> pd.DataFrame:
    """Every commitment with what has been paid, recovered and written off against it."""
    require(con, actor, Permission.READ_LEDGER)
    return frame(con, _COMMITMENTS, [experiment_id, experiment_id])
