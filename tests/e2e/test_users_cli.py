"""`fund users`: an admin sees a locked-out user in `users list` and lifts the lock with
`users unlock`, which is refused for a name that is not locked."""

from __future__ import annotations

import json
import shutil

import pytest

from fund.auth import MAX_FAILURES
from tests.e2e.test_cli import fund

LOCKED = "error: password: too many failed sign-ins for this user name; try again in 15 minutes\n"


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    """A new database with an admin and two auditors, the first of whose name five wrong
    passwords locked (for the next 15 minutes)."""
    path = tmp_path_factory.mktemp("users") / "fund.duckdb"
    fund(path, "init --admin admin --name 'Ada Admin'", user=None)
    for name in ("auditor", "second"):
        add = f"users add {name} --role auditor --name {name.title()} --reason 'new starter'"
        assert fund(path, add, user="admin").stdout.startswith(f"{name} was added as an auditor.")
    for _ in range(MAX_FAILURES):
        fund(path, "position", user="auditor", password="guessing wrong", expect=1)
    return path


@pytest.fixture
def database(prepared, tmp_path):
    """The prepared database in a file of this test's own."""
    path = tmp_path / "fund.duckdb"
    shutil.copyfile(prepared, path)
    return path


def locks(path) -> dict[str, str | None]:
    listed = json.loads(fund(path, "users list --json", user="admin").stdout)["users"]
    return {row["username"]: row["locked_until"] for row in listed}


def test_an_admin_sees_the_lock_and_lifts_it(database):
    assert fund(database, "position", user="auditor", expect=1).stderr == LOCKED
    assert locks(database)["auditor"] is not None

    lifted = fund(database, "users unlock auditor --reason 'called the help desk'", user="admin")

    assert lifted.stdout.startswith("auditor's lock was lifted: they can sign in again.\nKey: ")
    assert locks(database) == {"admin": None, "auditor": None, "second": None}
    fund(database, "position", user="auditor")
    fund(database, "audit verify", user="admin")


def test_unlocking_a_name_that_is_not_locked_is_refused_in_one_line(database):
    fund(database, "users unlock auditor --reason 'help desk'", user="admin")

    refused = fund(database, "users unlock auditor --reason again", user="admin", expect=1)

    assert refused.stderr == "error: user: auditor is not locked out; nothing to lift\n"
    assert refused.stdout == ""


def test_only_an_admin_may_unlock_and_the_reason_is_required(database):
    refused = fund(database, "users unlock auditor --reason r", user="second", expect=1)
    assert refused.stderr == "error: user: second is not permitted to manage users\n"
    assert (
        "Missing option '--reason'"
        in fund(database, "users unlock auditor", user="admin", expect=2).stderr
    )
