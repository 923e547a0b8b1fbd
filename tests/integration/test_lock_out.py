"""Lock-outs: five wrong passwords lock a user name; the admin sees the lock in the list of
users and can lift it, and a password reset lifts it too, each as an audited write that
`fund audit verify` holds the record to."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fund import audit, auth, db, users
from fund.auth import LOCK_MINUTES, MAX_FAILURES
from fund.errors import (
    AuthenticationFailed,
    NotFound,
    PermissionDenied,
    SignInLocked,
    ValidationError,
)
from tests.conftest import PASSWORD, key

NEW_PASSWORD = "a brand new passphrase"


def fail(con, username: str, times: int = 1) -> None:
    for _ in range(times):
        with pytest.raises(AuthenticationFailed):
            auth.sign_in(con, username, "guessing wrong")


def locked(con, username: str) -> bool:
    return auth.locked_until(con, username, db.utc_now()) is not None


def releases(con) -> list[tuple]:
    return con.execute(
        "SELECT username, actor_id FROM sign_in_release ORDER BY released_at"
    ).fetchall()


def lock_column(con, admin) -> dict:
    listed = users.people(con, admin)
    until = listed["locked_until"].astype(object).where(listed["locked_until"].notna(), None)
    return dict(zip(listed["username"], until, strict=True))


def test_the_list_of_users_says_until_when_a_name_is_locked(con, people):
    fail(con, "auditor", MAX_FAILURES)

    shown = lock_column(con, people.admin)

    # The lock ends when the oldest of the failures that make it leaves the window.
    (first,) = con.execute(
        "SELECT min(attempted_at) FROM sign_in_attempt WHERE username = 'auditor'"
    ).fetchone()
    assert shown["auditor"] == first + timedelta(minutes=LOCK_MINUTES)
    assert {name for name, until in shown.items() if until is not None} == {"auditor"}


def test_fewer_failures_than_the_limit_do_not_lock(con, people):
    fail(con, "auditor", MAX_FAILURES - 1)
    assert not locked(con, "auditor")
    assert lock_column(con, people.admin)["auditor"] is None


def test_a_lock_runs_out_when_its_first_failure_leaves_the_window(con, people):
    fail(con, "auditor", MAX_FAILURES)
    (first,) = con.execute(
        "SELECT min(attempted_at) FROM sign_in_attempt WHERE username = 'auditor'"
    ).fetchone()
    window = timedelta(minutes=LOCK_MINUTES)
    assert auth.locked_until(con, "auditor", first + window - timedelta(seconds=1))
    assert auth.locked_until(con, "auditor", first + window) is None


def test_an_admin_lifts_a_lock_and_the_right_password_then_signs_in(con, people):
    fail(con, "auditor", MAX_FAILURES)
    with pytest.raises(SignInLocked):
        auth.sign_in(con, "auditor", PASSWORD)

    written = users.unlock(
        con, people.admin, username="auditor", reason="called the help desk", key=key()
    )

    assert written.said == "auditor's lock was lifted: they can sign in again."
    assert (written.entity, written.entity_id) == ("user", people.auditor.user_id)
    assert releases(con) == [("auditor", people.admin.user_id)]
    assert not locked(con, "auditor")
    assert auth.sign_in(con, "auditor", PASSWORD).username == "auditor"
    assert audit.verify(con, people.auditor).ok


def test_failures_count_afresh_after_a_lock_is_lifted(con, people):
    fail(con, "auditor", MAX_FAILURES)
    users.unlock(con, people.admin, username="auditor", reason="help desk", key=key())

    fail(con, "auditor", MAX_FAILURES - 1)
    assert not locked(con, "auditor")
    fail(con, "auditor")
    assert locked(con, "auditor")


def test_a_password_reset_lifts_the_lock_in_the_same_audited_write(con, people):
    fail(con, "auditor", MAX_FAILURES)
    rows_before = con.execute("SELECT count(*) FROM audit_log").fetchone()[0]

    written = users.reset_password(
        con, people.admin, username="auditor", password=NEW_PASSWORD, reason="lost", key=key()
    )

    assert written.said == "auditor's password was reset and their lock lifted."
    assert auth.sign_in(con, "auditor", NEW_PASSWORD).username == "auditor"
    (operation, tables) = con.execute(
        "SELECT l.operation, list(s.tbl ORDER BY s.tbl) FROM audit_log AS l"
        " JOIN audit_state AS s ON s.audit_seq = l.seq WHERE l.seq > ? GROUP BY l.operation",
        [rows_before],
    ).fetchone()
    assert (operation, tables) == ("reset password", ["app_user", "sign_in_release"])
    assert audit.verify(con, people.auditor).ok


def test_a_reset_of_a_name_that_is_not_locked_says_so_and_still_starts_the_count_afresh(
    con, people
):
    fail(con, "auditor", MAX_FAILURES - 1)

    written = users.reset_password(
        con, people.admin, username="auditor", password=NEW_PASSWORD, reason="lost", key=key()
    )

    assert written.said == "auditor's password was reset."
    fail(con, "auditor", MAX_FAILURES - 1)
    assert not locked(con, "auditor")


def test_unlocking_a_name_that_is_not_locked_is_refused_and_writes_nothing(con, people):
    fail(con, "auditor", MAX_FAILURES - 1)
    before = con.execute("SELECT count(*) FROM audit_log").fetchone()

    with pytest.raises(ValidationError) as refused:
        users.unlock(con, people.admin, username="auditor", reason="just in case", key=key())

    assert str(refused.value) == "user: auditor is not locked out; nothing to lift"
    assert releases(con) == []
    assert con.execute("SELECT count(*) FROM audit_log").fetchone() == before


def test_unlock_names_the_user_it_cannot_find_and_refuses_the_admins_own_name(con, people):
    with pytest.raises(NotFound) as unknown:
        users.unlock(con, people.admin, username="nobody", reason="r", key=key())
    assert str(unknown.value) == "user: no user nobody"
    with pytest.raises(ValidationError) as own:
        users.unlock(con, people.admin, username="admin", reason="r", key=key())
    assert str(own.value) == "user: ask another admin to change your own account"


@pytest.mark.parametrize("who", ["manager", "auditor", "board"])
def test_only_an_admin_may_lift_a_lock(con, people, who):
    fail(con, "second", MAX_FAILURES)
    with pytest.raises(PermissionDenied) as refused:
        users.unlock(con, getattr(people, who), username="second", reason="r", key=key())
    assert str(refused.value).endswith("is not permitted to manage users")
    assert locked(con, "second")


def test_an_unlock_retried_with_its_key_writes_once(con, people):
    fail(con, "auditor", MAX_FAILURES)
    first = users.unlock(con, people.admin, username="auditor", reason="r", key="unlock-1")
    again = users.unlock(con, people.admin, username="auditor", reason="r", key="unlock-1")
    assert again.replayed and (again.entity, again.entity_id) == (first.entity, first.entity_id)
    assert len(releases(con)) == 1


def test_a_release_inserted_outside_the_services_is_named_by_verify(con, people):
    con.execute("INSERT INTO sign_in_release VALUES ('auditor', now()::TIMESTAMP, 1)")
    check = audit.verify(con, people.auditor)
    assert check.problem == (
        "the unlock history of user name 'auditor' has no audited write"
        " (inserted outside the services)"
    )
