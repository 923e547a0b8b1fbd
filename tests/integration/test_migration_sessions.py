"""A database made at schema version 3 is brought up to date by migration 0004 (lock-outs
lifted, sessions of the app): it verifies as it did, and a lock-out it already had can be
lifted and signed in past."""

from __future__ import annotations

import duckdb
import pytest

from fund import audit, auth, db, sessions, users
from fund.auth import MAX_FAILURES
from fund.errors import SignInLocked
from tests.conftest import PASSWORD, key


@pytest.fixture
def version_three(tmp_path):
    """A database at schema version 3 holding an admin and an auditor, whose name five
    wrong passwords have locked, as the services of that version would leave it."""
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
        " applied_at TIMESTAMP NOT NULL)"
    )
    for version, name, sql in db.migrations()[:3]:
        con.execute(sql)
        con.execute("INSERT INTO schema_version VALUES (?, ?, ?)", [version, name, db.utc_now()])
    admin = users.bootstrap_admin(con, username="admin", display_name="Ada", password=PASSWORD)
    users.add_user(
        con,
        admin,
        username="auditor",
        display_name="Aud",
        role="auditor",
        password=PASSWORD,
        key=key(),
    )
    now = db.utc_now()
    con.executemany(
        "INSERT INTO sign_in_attempt VALUES ('auditor', ?, FALSE)",
        [[now.replace(microsecond=n)] for n in range(MAX_FAILURES)],
    )
    assert db.schema_version(con) == 3
    con.close()
    return path, admin


def test_a_version_three_database_migrates_and_verifies(version_three):
    path, admin = version_three

    con = db.connect(path)

    assert db.schema_version(con) == db.migrations()[-1][0]
    assert audit.verify(con, admin).ok
    assert con.execute("SELECT count(*) FROM app_session").fetchone() == (0,)


def test_a_lock_made_before_the_migration_is_lifted_after_it(version_three):
    path, admin = version_three
    con = db.connect(path)
    with pytest.raises(SignInLocked):
        auth.sign_in(con, "auditor", PASSWORD)

    users.unlock(con, admin, username="auditor", reason="help desk", key=key())
    started = sessions.start(con, "auditor", PASSWORD)

    assert sessions.resume(con, started.token).username == "auditor"
    assert audit.verify(con, admin).ok
