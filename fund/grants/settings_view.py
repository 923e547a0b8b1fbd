"""What the Grants page reads about its settings: every ring-fence with its current
small-grant policy (the range, the delegated limit, when reports fall due, the 360Giving
prefix; empty where none is declared), and the small-grant experiments grants are made
under."""

from __future__ import annotations

import duckdb
import pandas as pd

from fund.auth import Permission, User, require
from fund.db import frame

_POLICIES = """
WITH policy AS (
    SELECT * FROM grant_policy
    QUALIFY row_number() OVER (PARTITION BY ringfence_id ORDER BY version DESC) = 1
)
SELECT r.ringfence_id, r.name AS ringfence, k.version, k.min_amount, k.max_amount,
       k.delegated_limit, k.report_days, k.id_prefix, k.funder_id
FROM ringfence AS r
LEFT JOIN policy AS k USING (ringfence_id)
ORDER BY r.name
"""


def policies(con: duckdb.DuckDBPyConnection, actor: User) -> pd.DataFrame:
    """Each ring-fence and its latest small-grant policy (empty cells: none declared)."""
    require(con, actor, Permission.READ_LEDGER)
    return frame(con, _POLICIES)


_SCHEMES = """
SELECT p.programme_id, x.experiment_id,
       format('{} · {} (#{})', p.name, x.title, x.experiment_id) AS scheme
FROM experiment AS x JOIN programme AS p USING (programme_id)
WHERE x.instrument = 'small_grant'
ORDER BY p.name, x.title, x.experiment_id
"""


def schemes(con: duckdb.DuckDBPyConnection, actor: User) -> pd.DataFrame:
    """The small-grant experiments grants can be made under, each with its programme, for
    the forms that record applications and imports."""
    require(con, actor, Permission.READ_LEDGER)
    return frame(con, _SCHEMES)
