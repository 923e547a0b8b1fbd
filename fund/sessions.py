"""Signed-in sessions of the app: what keeps a person signed in when the page is reloaded.

Streamlit forgets a browser tab's state when the page reloads, so the browser keeps a random
token (in a cookie, see ``ui/sign_in.py``) and the database keeps a session under the
token's sha256, never the token itself: whoever reads the database file finds nothing to
sign in with. A session decides who may act, so starting and ending one are audited writes
by the person whose session it is, and ``fund audit verify`` names a session row made or
changed outside them.

A session lasts :data:`SESSION_HOURS` from sign-in and does not slide: keeping it alive on
every page would make every page view an audited write. It ends earlier at sign-out, when
the user's password is reset and when they are deactivated, and it works only while its
user is active (a changed role applies at once, as everywhere).
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

import duckdb

from fund.auth import Permission, Role, User, sign_in
from fund.db import utc_now
from fund.unit_of_work import Request, Step, Written, perform

SESSION_HOURS = 12
TOKEN_BYTES = 32  # 256 random bits, as URL-safe text


@dataclass(frozen=True, kw_only=True)
class Session:
    """A session just started: the person, and the token only their browser will hold."""

    user: User
    token: str
    session_id: int


def digest(token: str) -> str:
    """What the database keeps of a token: its sha256, in hex."""
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def start(con: duckdb.DuckDBPyConnection, username: str, password: str) -> Session:
    """Sign a person in at the form (the lock-out applies, see :func:`fund.auth.sign_in`)
    and open a session for them. Each sign-in is a new session, never a replay of an earlier
    one, so its idempotency key is made here."""
    user = sign_in(con, username, password)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    request = Request(
        operation="sign in",
        key=f"sign-in-{uuid.uuid4()}",
        reason="signed in to the app",
        details={"username": user.username, "hours": SESSION_HOURS},
    )

    def change(step: Step) -> tuple[str, int]:
        (session_id,) = step.con.execute(
            "INSERT INTO app_session (token_sha256, user_id, created_at, expires_at)"
            " VALUES (?, ?, ?, ?) RETURNING session_id",
            [digest(token), user.user_id, step.at, step.at + timedelta(hours=SESSION_HOURS)],
        ).fetchone()
        step.record("app_session", session_id)
        return "session", session_id

    written = perform(con, user, Permission.SIGN_IN, request, change)
    return Session(user=user, token=token, session_id=written.entity_id)


_OPEN = """
SELECT s.session_id, u.user_id, u.username, u.display_name, u.role
FROM app_session AS s
JOIN app_user AS u USING (user_id)
WHERE s.token_sha256 = ? AND s.ended_at IS NULL AND s.expires_at > ? AND u.active
"""


def _open(con: duckdb.DuckDBPyConnection, token: str) -> tuple[int, User] | None:
    found = con.execute(_OPEN, [digest(token), utc_now()]).fetchall()
    if not found:
        return None
    session_id, user_id, username, display_name, role = found[0]
    user = User(user_id=user_id, username=username, display_name=display_name, role=Role(role))
    return session_id, user


def resume(con: duckdb.DuckDBPyConnection, token: str) -> User | None:
    """The user of the open session holding ``token``, as the database knows them now; None
    when there is none (unknown, expired or ended token, or a deactivated user)."""
    found = _open(con, token)
    return found[1] if found else None


def end(con: duckdb.DuckDBPyConnection, token: str) -> Written | None:
    """Sign out: end the session holding ``token``, as its own user. None when it was not
    open (it had expired or ended already): there is nothing left to end."""
    found = _open(con, token)
    if found is None:
        return None
    session_id, user = found
    request = Request(
        operation="sign out",
        key=f"sign-out-{session_id}",
        reason="signed out of the app",
        details={"session": session_id},
    )

    def change(step: Step) -> tuple[str, int]:
        step.con.execute(
            "UPDATE app_session SET ended_at = ? WHERE session_id = ? AND ended_at IS NULL",
            [step.at, session_id],
        )
        step.record("app_session", session_id)
        return "session", session_id

    return perform(con, user, Permission.SIGN_IN, request, change)


def end_every(step: Step, user_id: int) -> int:
    """Within another write (a password reset, a deactivation), end every open session of
    the user; return how many were open."""
    ended = step.con.execute(
        "UPDATE app_session SET ended_at = ?"
        " WHERE user_id = ? AND ended_at IS NULL AND expires_at > ? RETURNING session_id",
        [step.at, user_id, step.at],
    ).fetchall()
    for (session_id,) in ended:
        step.record("app_session", session_id)
    return len(ended)
