"""Migration 0005 rebuilds ``programme`` without its foreign key to ``ringfence``, so that a
ring-fence with programmes can be renamed: a database made at version 4, with programmes and
money, keeps every row and id, verifies as it did, and then renames its ring-fence."""

from __future__ import annotations

import duckdb
import pytest

from fund import audit, db, ledger, register
from fund.errors import NotFound
from tests.conftest import build_people, build_portfolio, key


@pytest.fixture
def version_four(tmp_path):
    """A database at schema version 4 with the shared test portfolio and an allocation."""
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
        " applied_at TIMESTAMP NOT NULL)"
    )
    for version, name, sql in db.migrations()[:4]:
        con.execute(sql)
        con.execute("INSERT INTO schema_version VALUES (?, ?, ?)", [version, name, db.utc_now()])
    people = build_people(con)
    portfolio = build_portfolio(con, people, with_plans=False)
    ledger.allocate(
        con, people.manager, programme_id=portfolio.programme_id, amount="500.00",
        reason="start", key=key(),
    )  # fmt: skip
    before = con.execute("SELECT * FROM programme ORDER BY programme_id").fetchall()
    assert db.schema_version(con) == 4
    con.close()
    return path, people, portfolio, before


def test_a_version_four_database_keeps_its_programmes_and_verifies(version_four):
    path, people, _, before = version_four

    con = db.connect(path)

    assert db.schema_version(con) == db.migrations()[-1][0]  # 0005 and every one after it
    assert con.execute("SELECT * FROM programme ORDER BY programme_id").fetchall() == before
    assert audit.verify(con, people.auditor).ok


def test_after_it_a_ring_fence_with_programmes_can_be_renamed(version_four):
    path, people, portfolio, _ = version_four
    con = db.connect(path)

    written = register.update_ringfence(
        con,
        people.manager,
        ringfence_id=portfolio.ringfence_id,
        name="Renamed Fund",
        reason="new name",
        key=key(),
    )

    assert written.said == "Ring-fence #1 'Renamed Fund': renamed from 'Innovation Fund'."
    assert con.execute(
        "SELECT r.name FROM programme AS p JOIN ringfence AS r USING (ringfence_id)"
        " WHERE p.programme_id = ?",
        [portfolio.programme_id],
    ).fetchone() == ("Renamed Fund",)
    assert audit.verify(con, people.auditor).ok


def test_a_programme_still_needs_a_ring_fence_that_exists(version_four):
    path, people, _, _ = version_four
    con = db.connect(path)

    with pytest.raises(NotFound, match="ring-fence"):
        register.add_programme(
            con, people.manager, ringfence_id=99, name="Orphan", target="none", key=key()
        )
