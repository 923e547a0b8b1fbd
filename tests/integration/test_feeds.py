"""One definition of which entry kind feeds which balance: the pure rules (``FEEDS``) and
the SQL view ``ledger_effect`` that every report sums must agree for every kind."""

from __future__ import annotations

import duckdb
import pytest

from fund import db
from fund.ledger.effects import COLUMNS, FEEDS, Kind, effect_view


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
    in_sql = {name for name, value in zip(COLUMNS.values(), row, strict=True) if value != 0}
    in_rules = {COLUMNS[figure] for figure in FEEDS[kind] if figure is not None}
    assert in_sql == in_rules


def test_the_view_reports_sum_is_the_one_written_from_feeds(effects):
    def installed() -> str:
        sql = "SELECT sql FROM duckdb_views() WHERE view_name = 'ledger_effect'"
        return effects.execute(sql).fetchone()[0]

    migrated = installed()
    effects.execute(effect_view())  # as DuckDB normalises the text FEEDS writes
    assert migrated == installed()
