"""One definition of which entry kind feeds which balance: the pure rules (``FEEDS``) and
the SQL view ``ledger_effect`` that every report sums must agree for every kind."""

from __future__ import annotations

import duckdb
import pytest

from fund import db
from fund.ledger.rules import FEEDS, Kind

# ledger_effect's columns, by the figure of the rules they correspond to.
_COLUMNS = {
    "allocated": "allocated",
    "committed": "committed",
    "paid": "paid",
    "recovered": "recovered",
    "written_off": "written_off",
    "ceiling": "ceiling_moved",
}


@pytest.fixture(scope="module")
def effects():
    con = duckdb.connect()
    db.migrate(con)
    yield con
    con.close()


@pytest.mark.parametrize("kind", list(Kind))
def test_each_kind_feeds_the_same_figures_in_the_rules_and_in_sql(effects, kind):
    effects.execute(
        "INSERT INTO ledger_entry VALUES (?, 1, ?, 1, 1, 1, 7.00, DATE '2026-01-01',"
        " now()::TIMESTAMP, 1, 'x', NULL, NULL)",
        [list(Kind).index(kind) + 1, kind.value],
    )
    row = effects.execute(
        "SELECT allocated, committed, paid, recovered, written_off, ceiling_moved"
        " FROM ledger_effect WHERE kind = ?",
        [kind.value],
    ).fetchone()
    in_sql = {name for name, value in zip(_COLUMNS.values(), row, strict=True) if value != 0}
    in_rules = {_COLUMNS[figure] for figure in FEEDS[kind] if figure is not None}
    assert in_sql == in_rules
