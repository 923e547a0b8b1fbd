"""A database made before states were recorded (schema version 2) is brought up to date:
migration 0003 records a baseline of every recorded row in one audited row, computes the
kept balances from the ledger, and from then on a change outside the services is named."""

from __future__ import annotations

from decimal import Decimal

import duckdb
import pytest

from fund import audit, db, ledger, users
from fund.auth import Role, User
from tests.conftest import PASSWORD, key


@pytest.fixture
def version_two(tmp_path):
    """A database at schema version 2 holding an admin and a manager (old-style audit rows,
    hashed without states), a ring-fence, a programme and an allocation, as writes made by
    the services of that version would leave it."""
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
        " applied_at TIMESTAMP NOT NULL)"
    )
    for version, name, sql in db.migrations()[:2]:
        con.execute(sql)
        con.execute("INSERT INTO schema_version VALUES (?, ?, now()::TIMESTAMP)", [version, name])
    at = db.utc_now()
    rows = [
        "INSERT INTO app_user VALUES (nextval('app_user_id'), 'admin', 'Ada', 'admin', 'h1', TRUE, $at)",
        "INSERT INTO app_user VALUES (nextval('app_user_id'), 'manager', 'Mo', 'fund_manager', 'h2', TRUE, $at)",
        "INSERT INTO ringfence VALUES (nextval('ringfence_id'), 'Fund', 'Council', '2025-26', 500000.00, 'test',"
        " DATE '2025-04-01', 10000.00, $at)",
        "INSERT INTO programme VALUES (nextval('programme_id'), 1, 'Programme', 'target', $at)",
        "INSERT INTO ledger_entry VALUES (nextval('ledger_entry_id'), 5, 'allocation', 1, 1, NULL, 25000.00,"
        " DATE '2025-05-01', $at, 2, 'first', NULL, NULL)",
    ]
    for statement in rows:
        con.execute(statement, {"at": at})
    admin = audit_user(1, "admin")
    entry = con.execute(
        "SELECT ledger_entry_text(entry_id, kind, ringfence_id, programme_id, commitment_id,"
        " amount, value_date, recorded_at, actor_id, reason, reverses, virement_id)"
        " FROM ledger_entry"
    ).fetchone()[0]
    writes = [
        ("bootstrap admin", "user", 1, []),
        ("add user", "user", 2, []),
        ("declare ring-fence", "ringfence", 1, []),
        ("add programme", "programme", 1, []),
        ("allocate", "ledger entry", 1, [entry]),
    ]
    prev = audit.GENESIS
    for seq, (operation, entity, entity_id, entries) in enumerate(writes, start=1):
        link = audit.Link(
            at=at,
            actor=admin,
            operation=operation,
            entity=entity,
            entity_id=entity_id,
            key=f"old-{seq}",
            reason="old",
            details="{}",
            entry_texts=entries,
        )
        row = audit._chained(seq, prev, link)
        con.execute(
            "INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            row[:11] + row[12:],  # the old table had no states_digest
        )
        prev = row[-1]
    con.execute("UPDATE audit_head SET seq = 5, row_hash = ?", [prev])
    con.close()
    return path


def audit_user(user_id: int, name: str) -> User:
    return User(user_id=user_id, username=name, display_name=name, role=Role.ADMIN)


def test_an_old_database_is_migrated_with_a_baseline_and_verifies(version_two):
    con = db.connect(version_two)
    admin = audit_user(1, "admin")
    operations = con.execute("SELECT seq, operation, actor FROM audit_log ORDER BY seq").fetchall()
    # The baseline (migration 0003), then the SROI reference data (0006), which records
    # only the rows it loaded: the users keep the state the baseline recorded.
    assert operations[5:] == [
        (6, "record baseline", "system"),
        (7, "load reference data", "system"),
    ]
    assert con.execute("SELECT allocated, committed FROM programme_balance").fetchall() == [
        (Decimal("25000.00"), Decimal("0.00"))
    ]
    assert audit.verify(con, admin).ok
    con.execute("UPDATE app_user SET role = 'fund_manager' WHERE user_id = 1")
    assert audit.verify(con, admin).problem == (
        "user #1 is not what audit row #6 recorded (altered outside the services)"
    )


def test_a_new_database_needs_no_baseline(tmp_path):
    con = db.connect(tmp_path / "new.duckdb")
    users.bootstrap_admin(con, username="admin", display_name="Ada", password=PASSWORD)
    assert con.execute("SELECT operation FROM audit_log ORDER BY seq").fetchall() == [
        ("load reference data",),
        ("bootstrap admin",),
    ]


def test_writes_after_the_baseline_verify(version_two):
    con = db.connect(version_two)
    manager = User(user_id=2, username="manager", display_name="Mo", role=Role.FUND_MANAGER)
    ledger.allocate(con, manager, programme_id=1, amount="5000", reason="more", key=key())
    assert audit.verify(con, audit_user(1, "admin")).ok
    assert con.execute("SELECT allocated FROM ringfence_balance").fetchone() == (
        Decimal("30000.00"),
    )
