"""Backups: the whole database in one verified file, recorded in the trail, and restored
into a new file that verifies and takes new writes; nothing is left behind by a refusal."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from fund import audit, auth, backup, db, ledger, register
from fund.errors import PermissionDenied, ValidationError
from tests.conftest import PASSWORD, key
from tests.integration.helpers import counts, head, nothing_written


def files(folder: Path) -> set[str]:
    return {path.name for path in folder.iterdir()}


def signed_in(username: str, password: str = PASSWORD):
    return lambda con: auth.sign_in(con, username, password)


def last_audit_row(con: duckdb.DuckDBPyConnection) -> tuple:
    return con.execute(
        "SELECT seq, actor, operation, entity, entity_id, reason, details FROM audit_log"
        " ORDER BY seq DESC LIMIT 1"
    ).fetchone()


def read(path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.fixture
def paid(con, people, funded):
    """Money moved: an award of £8,000.00 and a payment of £2,500.00 against it."""
    commitment = ledger.commit(
        con,
        people.manager,
        experiment_id=funded.experiments["small_grant"],
        amount="8000.00",
        counterparty="Youth Trust",
        reason="grant agreed",
        key=key(),
    ).entity_id
    ledger.pay(
        con, people.manager, commitment_id=commitment, amount="2500.00", reason="first", key=key()
    )
    return funded


def test_a_backup_is_one_verified_file_recorded_in_the_trail(con, people, paid, tmp_path):
    before, (head_seq, head_hash) = counts(con), head(con)
    out = tmp_path / "nightly.duckdb"

    made = backup.back_up(con, people.admin, out, key=key(), reason="nightly")

    assert (made.path, made.head_seq, made.head_hash) == (out, head_seq, head_hash)
    assert files(tmp_path) - {"fund.duckdb", "fund.duckdb.wal"} == {"nightly.duckdb"}
    with db.connect(out, read_only=True) as copy:
        assert counts(copy) == before
        assert head(copy) == (head_seq, head_hash)
        assert audit.verify(copy, people.auditor).ok
    seq, actor, operation, entity, entity_id, reason, details = last_audit_row(con)
    assert (seq, actor, operation, entity, entity_id, reason) == (
        head_seq + 1,
        "admin",
        "backup",
        "database",
        head_seq,
        "nightly",
    )
    assert json.loads(details) == {
        "file": "nightly.duckdb",
        "head_seq": head_seq,
        "head_hash": head_hash,
    }
    assert audit.verify(con, people.auditor).ok


def test_a_restored_backup_verifies_holds_the_same_records_and_takes_new_writes(
    con, people, paid, tmp_path
):
    made = backup.back_up(con, people.admin, tmp_path / "b.duckdb", key=key())
    new = tmp_path / "restored.duckdb"

    restored = backup.restore(made.path, new, signed_in("admin"), key=key())

    assert (restored.path, restored.head_seq, restored.head_hash) == (
        new,
        made.head_seq,
        made.head_hash,
    )
    assert not Path(f"{new}.wal").exists()
    with db.connect(new) as copy:
        with db.connect(made.path, read_only=True) as original:
            expected = counts(original)
        assert counts(copy) == expected | {"audit_log": expected["audit_log"] + 1}
        _, actor, operation, entity, entity_id, _, details = last_audit_row(copy)
        assert (actor, operation, entity, entity_id) == (
            "admin",
            "restore",
            "database",
            made.head_seq,
        )
        assert json.loads(details)["file"] == "b.duckdb"
        # New ids continue after the backup's (the sequences came with it), the views and
        # the chain's macros work, and the chain verifies after the writes.
        programme = register.add_programme(
            copy,
            people.manager,
            ringfence_id=paid.ringfence_id,
            name="Healthy homes",
            target="Fewer damp homes",
            key=key(),
        ).entity_id
        assert programme == paid.other_programme_id + 1
        entry = ledger.allocate(
            copy, people.manager, programme_id=programme, amount="500.00", reason="x", key=key()
        ).entity_id
        assert entry == expected["ledger_entry"] + 1
        assert audit.verify(copy, people.auditor).ok
        allocated = copy.execute(
            "SELECT allocated FROM programme_balance WHERE programme_id = ?", [programme]
        ).fetchone()
        assert str(allocated[0]) == "500.00"


def test_a_backup_holds_work_still_in_the_write_ahead_log(con, people, paid, db_path, tmp_path):
    wal = Path(f"{db_path}.wal")
    assert wal.exists()  # the writes above are committed, but not yet in fund.duckdb itself
    entries = con.execute("SELECT count(*) FROM ledger_entry").fetchone()[0]
    by_hand = tmp_path / "copied-by-hand.duckdb"
    shutil.copyfile(db_path, by_hand)

    made = backup.back_up(con, people.admin, tmp_path / "b.duckdb", key=key())

    assert read(made.path, "SELECT count(*) FROM ledger_entry") == [(entries,)]
    assert read(by_hand, "SELECT count(*) FROM ledger_entry") < [(entries,)]


@pytest.mark.parametrize("role", ["manager", "auditor", "board"])
def test_only_an_admin_may_back_up(con, people, paid, tmp_path, role):
    with nothing_written(con), pytest.raises(PermissionDenied) as refused:
        backup.back_up(con, getattr(people, role), tmp_path / "b.duckdb", key=key())
    assert str(refused.value) == (
        f"user: {role} is not permitted to back up and restore the database"
    )
    assert "b.duckdb" not in files(tmp_path)


def test_a_backup_never_replaces_a_file(con, people, tmp_path):
    out = tmp_path / "b.duckdb"
    out.write_text("yesterday's backup")

    with nothing_written(con), pytest.raises(ValidationError) as refused:
        backup.back_up(con, people.admin, out, key=key())

    assert str(refused.value) == (
        f"backup file: {out} already exists; a backup never replaces a file"
    )
    assert out.read_text() == "yesterday's backup"


def test_a_backup_whose_chain_does_not_verify_leaves_nothing_behind(con, people, paid, tmp_path):
    con.execute("UPDATE ledger_entry SET amount = 9999.00 WHERE kind = 'disbursement'")
    before = files(tmp_path)

    with nothing_written(con), pytest.raises(ValidationError) as refused:
        backup.back_up(con, people.admin, tmp_path / "b.duckdb", key=key())

    assert str(refused.value).startswith("audit chain: the backup does not verify (")
    assert str(refused.value).endswith("); nothing was written")
    assert files(tmp_path) == before


def test_a_restore_never_replaces_a_database(con, people, tmp_path, db_path):
    made = backup.back_up(con, people.admin, tmp_path / "b.duckdb", key=key())
    before = db_path.read_bytes()

    with pytest.raises(ValidationError) as refused:
        backup.restore(made.path, db_path, signed_in("admin"), key=key())

    assert str(refused.value) == (
        f"database: {db_path} already exists; a backup is restored only into a new file"
    )
    assert db_path.read_bytes() == before


def test_only_an_admin_of_the_backup_may_restore_it(con, people, tmp_path):
    made = backup.back_up(con, people.admin, tmp_path / "b.duckdb", key=key())
    before = files(tmp_path)

    with pytest.raises(PermissionDenied):
        backup.restore(made.path, tmp_path / "new.duckdb", signed_in("manager"), key=key())
    with pytest.raises(auth.AuthenticationFailed):
        backup.restore(made.path, tmp_path / "new.duckdb", signed_in("admin", "wrong"), key=key())

    assert files(tmp_path) == before


@pytest.mark.parametrize(
    ("content", "rule"),
    [
        (None, "there is no file {path}"),
        (b"not a database at all", "cannot open {path}: "),
    ],
    ids=["missing", "not-duckdb"],
)
def test_a_restore_from_something_that_is_not_a_backup_is_refused(tmp_path, content, rule):
    path = tmp_path / "b.duckdb"
    if content is not None:
        path.write_bytes(content)

    with pytest.raises(ValidationError) as refused:
        backup.restore(path, tmp_path / "new.duckdb", signed_in("admin"), key=key())

    assert str(refused.value).startswith("backup file: " + rule.format(path=path))
    assert files(tmp_path) == ({"b.duckdb"} if content else set())


def test_a_restore_from_a_database_of_another_kind_is_refused(tmp_path):
    other = tmp_path / "other.duckdb"
    with duckdb.connect(str(other)) as con:
        con.execute("CREATE TABLE t (x INTEGER)")

    with pytest.raises(ValidationError) as refused:
        backup.restore(other, tmp_path / "new.duckdb", signed_in("admin"), key=key())

    assert str(refused.value) == f"backup file: {other} is not a Ringfence database"
    assert files(tmp_path) == {"other.duckdb"}
