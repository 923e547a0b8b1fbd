"""`fund backup` and `fund restore`, run for real: the console script in a subprocess, on a
copy of the shared test database (an admin, fund managers, an auditor, a funded portfolio)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from tests import conftest
from tests.e2e.test_cli import FUND, PASSWORD


def run(
    folder: Path, words: list[str], *, user: str | None = "admin", expect: int = 0
) -> subprocess.CompletedProcess[str]:
    """Run `fund [--as USER] WORDS...` in ``folder``; never a traceback or internal error."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("RINGFENCE_")}
    env["RINGFENCE_PASSWORD"] = PASSWORD
    result = subprocess.run(
        [*FUND, *(["--as", user] if user else []), *words],
        capture_output=True,
        text=True,
        env=env,
        cwd=folder,
        stdin=subprocess.DEVNULL,
        timeout=120,
        check=False,
    )
    assert "Traceback" not in result.stderr, result.stderr
    assert "internal error" not in result.stderr, result.stderr
    assert result.returncode == expect, (result.returncode, result.stdout, result.stderr)
    return result


def rows(path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.fixture
def source(tmp_path) -> Path:
    path = tmp_path / "fund.duckdb"
    shutil.copyfile(conftest.template().path, path)
    return path


def test_a_backup_then_a_restore_gives_a_database_that_verifies_and_takes_writes(source, tmp_path):
    (head,) = rows(source, "SELECT seq, row_hash FROM audit_head")

    made = run(tmp_path, ["--db", "fund.duckdb", "backup", "--out", "b.duckdb"]).stdout
    restored = run(tmp_path, ["restore", "b.duckdb", "--db", "new.duckdb"]).stdout

    assert made.startswith(
        f"Backed up fund.duckdb to b.duckdb: {head[0]} audit rows and 0 ledger entries, "
        f"chain verified up to row #{head[0]} ({head[1]}).\nKey: "
    )
    assert restored.startswith(
        f"Restored b.duckdb into new.duckdb: {head[0] + 1} audit rows and 0 ledger entries "
        f"verified; the backup held the chain up to row #{head[0]} ({head[1]}).\nKey: "
    )
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "fund.duckdb.wal") == [
        "b.duckdb",
        "fund.duckdb",
        "new.duckdb",
    ]
    recorded = {"file": "b.duckdb", "head_hash": head[1], "head_seq": head[0]}
    ((operation, details),) = rows(
        source, "SELECT operation, details FROM audit_log ORDER BY seq DESC LIMIT 1"
    )
    assert (operation, json.loads(details)) == ("backup", recorded)
    new = ["--db", "new.duckdb"]
    run(
        tmp_path, [*new, "allocate", "1", "250.00", "--reason", "after the restore"], user="manager"
    )
    verified = run(tmp_path, [*new, "audit", "verify"], user="auditor").stdout
    assert verified.startswith(f"OK: {head[0] + 2} audit rows and 1 ledger entries verified")


def test_backup_and_restore_report_as_json(source, tmp_path):
    backup = ["--db", "fund.duckdb", "backup", "--out", "b.duckdb", "--json", "--key", "k1"]
    made = json.loads(run(tmp_path, backup).stdout)
    restored = json.loads(
        run(tmp_path, ["--db", "new.duckdb", "restore", "b.duckdb", "--json"]).stdout
    )

    assert made["file"] == "b.duckdb"
    assert made["key"] == "k1"
    assert (restored["file"], restored["head_seq"]) == ("new.duckdb", made["head_seq"])
    assert restored["head_hash"] == made["head_hash"]
    assert restored["audit_rows"] == made["audit_rows"] + 1


def test_a_fund_manager_may_not_back_up(source, tmp_path):
    refused = run(
        tmp_path, ["--db", "fund.duckdb", "backup", "--out", "b.duckdb"], user="manager", expect=1
    )
    assert refused.stderr == (
        "error: user: manager is not permitted to back up and restore the database\n"
    )
    assert not (tmp_path / "b.duckdb").exists()


def test_a_restore_never_replaces_a_database(source, tmp_path):
    run(tmp_path, ["--db", "fund.duckdb", "backup", "--out", "b.duckdb"])
    before = source.read_bytes()

    refused = run(tmp_path, ["restore", "b.duckdb", "--db", "fund.duckdb"], expect=1)

    assert refused.stderr == (
        "error: database: fund.duckdb already exists; a backup is restored only into a new file\n"
    )
    assert source.read_bytes() == before


def test_a_restore_must_be_told_where_to_go(source, tmp_path):
    run(tmp_path, ["--db", "fund.duckdb", "backup", "--out", "b.duckdb"])

    refused = run(tmp_path, ["restore", "b.duckdb"], expect=2)

    assert "say where to restore to: restore FILE --db NEW" in refused.stderr


def test_a_backup_while_the_app_holds_the_database_names_that_process(source, tmp_path):
    with duckdb.connect(str(source)):  # this test process plays the running app
        refused = run(tmp_path, ["--db", "fund.duckdb", "backup", "--out", "b.duckdb"], expect=1)

    assert refused.stderr.startswith("error: database: fund.duckdb is in use by another process")
    assert f"(PID {os.getpid()})" in refused.stderr
    assert not (tmp_path / "b.duckdb").exists()
