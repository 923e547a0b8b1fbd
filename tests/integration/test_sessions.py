"""Sessions of the app: a sign-in opens one under the sha256 of a random token, the token
brings the person back after a reload until the session expires or ends, and starting and
ending one are audited writes by that person."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest

from fund import audit, db, sessions, users
from fund.errors import AuthenticationFailed, SignInLocked
from tests.conftest import PASSWORD, key


def later(monkeypatch, hours: float) -> None:
    """Read sessions as if ``hours`` had passed."""
    moment = db.utc_now() + timedelta(hours=hours)
    monkeypatch.setattr(sessions, "utc_now", lambda: moment)


def trail(con) -> list[tuple]:
    return con.execute("SELECT operation, actor, entity FROM audit_log ORDER BY seq").fetchall()


def test_signing_in_opens_a_session_kept_only_as_the_tokens_digest(con, people):
    started = sessions.start(con, " Manager ", PASSWORD)

    assert started.user == people.manager
    stored = con.execute(
        "SELECT token_sha256, user_id, expires_at - created_at, ended_at FROM app_session"
    ).fetchall()
    assert stored == [
        (
            hashlib.sha256(started.token.encode()).hexdigest(),
            people.manager.user_id,
            timedelta(hours=sessions.SESSION_HOURS),
            None,
        )
    ]
    assert len(started.token) >= 40
    (written,) = con.execute(
        "SELECT string_agg(details || reason || idempotency_key, ' ')"
        " || (SELECT string_agg(state, ' ') FROM audit_state) FROM audit_log"
    ).fetchone()
    assert started.token not in written
    assert trail(con)[-1] == ("sign in", "manager", "session")
    assert audit.verify(con, people.auditor).ok


def test_the_token_brings_the_person_back_as_the_database_knows_them(con, people):
    started = sessions.start(con, "manager", PASSWORD)
    users.set_role(con, people.admin, username="manager", role="auditor", reason="moved", key=key())

    back = sessions.resume(con, started.token)

    assert back.username == "manager"
    assert back.role.value == "auditor"


def test_an_unknown_token_brings_nobody_back(con, people):
    sessions.start(con, "manager", PASSWORD)
    assert sessions.resume(con, "not a token anyone was given") is None
    assert sessions.resume(con, "") is None


def test_a_session_expires_after_its_hours_and_does_not_slide(con, people, monkeypatch):
    started = sessions.start(con, "manager", PASSWORD)
    later(monkeypatch, sessions.SESSION_HOURS - 0.01)
    assert sessions.resume(con, started.token) == people.manager
    later(monkeypatch, sessions.SESSION_HOURS)
    assert sessions.resume(con, started.token) is None


def test_signing_out_ends_the_session_as_an_audited_write_by_its_person(con, people):
    started = sessions.start(con, "board", PASSWORD)

    ended = sessions.end(con, started.token)

    assert (ended.entity, ended.entity_id) == ("session", started.session_id)
    assert sessions.resume(con, started.token) is None
    assert trail(con)[-1] == ("sign out", "board", "session")
    assert sessions.end(con, started.token) is None  # nothing left to end, nothing written
    assert trail(con)[-1] == ("sign out", "board", "session")
    assert audit.verify(con, people.auditor).ok


def test_signing_out_of_one_session_leaves_the_others(con, people):
    laptop = sessions.start(con, "manager", PASSWORD)
    phone = sessions.start(con, "manager", PASSWORD)
    sessions.end(con, laptop.token)
    assert sessions.resume(con, phone.token) == people.manager


def test_a_deactivated_users_sessions_stop_and_do_not_come_back_on_reactivation(con, people):
    started = sessions.start(con, "board", PASSWORD)

    users.set_active(con, people.admin, username="board", active=False, reason="left", key=key())
    assert sessions.resume(con, started.token) is None
    users.set_active(con, people.admin, username="board", active=True, reason="back", key=key())

    assert sessions.resume(con, started.token) is None
    assert audit.verify(con, people.auditor).ok


def test_a_password_reset_signs_the_user_out_everywhere(con, people):
    laptop = sessions.start(con, "manager", PASSWORD)
    phone = sessions.start(con, "manager", PASSWORD)
    other = sessions.start(con, "second", PASSWORD)

    written = users.reset_password(
        con, people.admin, username="manager", password="a new passphrase", reason="r", key=key()
    )

    assert written.said == "manager's password was reset; they were signed out."
    assert sessions.resume(con, laptop.token) is None
    assert sessions.resume(con, phone.token) is None
    assert sessions.resume(con, other.token) == people.second_manager
    assert audit.verify(con, people.auditor).ok


def test_a_refused_sign_in_opens_no_session(con, people):
    with pytest.raises(AuthenticationFailed):
        sessions.start(con, "manager", "not the password")
    for _ in range(4):
        with pytest.raises(AuthenticationFailed):
            sessions.start(con, "manager", "not the password")
    with pytest.raises(SignInLocked):
        sessions.start(con, "manager", PASSWORD)
    assert con.execute("SELECT count(*) FROM app_session").fetchone() == (0,)


@pytest.mark.parametrize(
    ("tamper", "finding"),
    [
        (
            "INSERT INTO app_session VALUES (99, 'forged', 1, now()::TIMESTAMP,"
            " now()::TIMESTAMP + INTERVAL 1 HOUR, NULL)",
            "session #99 has no audited write (inserted outside the services)",
        ),
        (
            "UPDATE app_session SET ended_at = NULL",
            "session #1 is not what audit row #{seq} recorded (altered outside the services)",
        ),
    ],
)
def test_a_session_made_or_revived_outside_the_services_is_named_by_verify(
    con, people, tamper, finding
):
    sessions.end(con, sessions.start(con, "manager", PASSWORD).token)
    (seq,) = con.execute("SELECT max(seq) FROM audit_log").fetchone()

    con.execute(tamper)

    assert audit.verify(con, people.auditor).problem == finding.format(seq=seq)
