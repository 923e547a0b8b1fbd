"""Users, roles and what each role may do.

Every service asks :func:`require` before it touches anything; the answer comes from the
user's row in the database, read inside the service's own transaction, so a deactivated
user or a changed role takes effect at once. Pages that hide buttons are a convenience,
not the control.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from math import ceil

import duckdb
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from fund.db import transaction, utc_now
from fund.errors import (
    AuthenticationFailed,
    NotFound,
    PermissionDenied,
    SignInLocked,
    ValidationError,
)


class Role(StrEnum):
    FUND_MANAGER = "fund_manager"
    AUDITOR = "auditor"
    BOARD_MEMBER = "board_member"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")

    @property
    def one(self) -> str:
        """The role as a sentence says it: 'an auditor', 'a fund manager'."""
        return f"{'an' if self.label[0] in 'aeiou' else 'a'} {self.label}"


class Permission(StrEnum):
    """What a service may be asked to do; the value reads as 'not permitted to …'."""

    MANAGE_PORTFOLIO = "manage ring-fences, programmes and experiments"
    ALLOCATE = "allocate money to programmes"
    COMMIT = "commit money to experiments"
    PAY = "record payments, recoveries and write-offs"
    REVERSE = "reverse ledger entries"
    REQUEST_VIREMENT = "request virements"
    APPROVE = "approve virements and above-limit commitments"
    READ_SUMMARY = "read portfolio summaries"
    READ_LEDGER = "read the ledger and the audit trail"
    VERIFY_AUDIT = "verify the audit chain"
    EXPORT = "export the ledger"
    MANAGE_USERS = "manage users"
    BACKUP = "back up and restore the database"
    REVIEW = "review the audit trail"
    READ_PEOPLE = "see who is responsible for each experiment"
    SIGN_IN = "sign in to the app"
    ASSESS = "edit impact maps and the proxy library"
    EVALUATE = "register evaluation plans, results, verdicts and lessons"
    VERIFY_OUTCOMES = "verify payment-by-results outcome claims"


_MONEY = {
    Permission.MANAGE_PORTFOLIO,
    Permission.ALLOCATE,
    Permission.COMMIT,
    Permission.PAY,
    Permission.REVERSE,
    Permission.REQUEST_VIREMENT,
    Permission.APPROVE,
}
_READ_ALL = {
    Permission.READ_SUMMARY,
    Permission.READ_LEDGER,
    Permission.EXPORT,
    Permission.READ_PEOPLE,
}

GRANTS: dict[Role, frozenset[Permission]] = {
    Role.FUND_MANAGER: frozenset(
        _MONEY
        | _READ_ALL
        | {Permission.ASSESS, Permission.EVALUATE, Permission.VERIFY_AUDIT, Permission.SIGN_IN}
    ),
    Role.AUDITOR: frozenset(
        _READ_ALL
        | {
            Permission.VERIFY_AUDIT,
            Permission.REVIEW,
            Permission.VERIFY_OUTCOMES,
            Permission.SIGN_IN,
        }
    ),
    Role.BOARD_MEMBER: frozenset({Permission.READ_SUMMARY, Permission.SIGN_IN}),
    Role.ADMIN: frozenset(
        {Permission.MANAGE_USERS, Permission.VERIFY_AUDIT, Permission.BACKUP, Permission.SIGN_IN}
    ),
}

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 10
MAX_FAILURES = 5  # wrong passwords in a row before a user name is locked
LOCK_MINUTES = 15


@dataclass(frozen=True, kw_only=True)
class User:
    """Someone acting on the fund; services take this and re-check it against the database."""

    user_id: int
    username: str
    display_name: str
    role: Role


def may(role: Role, permission: Permission) -> bool:
    return permission in GRANTS[role]


def require(con: duckdb.DuckDBPyConnection, actor: User, permission: Permission) -> User:
    """The user as the database knows them now, if they may do this; otherwise refuse."""
    row = con.execute(
        "SELECT role, active FROM app_user WHERE user_id = ?", [actor.user_id]
    ).fetchone()
    if row is None or not row[1]:
        raise PermissionDenied(actor.username, permission.value)
    role = Role(row[0])
    if not may(role, permission):
        raise PermissionDenied(actor.username, permission.value)
    return User(
        user_id=actor.user_id, username=actor.username, display_name=actor.display_name, role=role
    )


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError("password", f"must be at least {MIN_PASSWORD_LENGTH} characters")
    return _hasher.hash(password)


def authenticate(con: duckdb.DuckDBPyConnection, username: str, password: str) -> User:
    """The active user with this name and password, or :class:`AuthenticationFailed`."""
    row = con.execute(
        "SELECT user_id, username, display_name, role, password_hash FROM app_user"
        " WHERE username = ? AND active",
        [username.strip().lower()],
    ).fetchone()
    if row is None:
        _hasher.hash(password)  # same work either way: the timing does not reveal names
        raise AuthenticationFailed()
    try:
        _hasher.verify(row[4], password)
    except (VerificationError, InvalidHashError):
        raise AuthenticationFailed() from None
    return User(user_id=row[0], username=row[1], display_name=row[2], role=Role(row[3]))


def find_user(con: duckdb.DuckDBPyConnection, username: str) -> User:
    row = con.execute(
        "SELECT user_id, username, display_name, role FROM app_user WHERE username = ?",
        [username],
    ).fetchone()
    if row is None:
        raise NotFound("user", "user", username)
    return User(user_id=row[0], username=row[1], display_name=row[2], role=Role(row[3]))


def parse_role(value: str | None) -> Role:
    """The role named by ``value``; there is no default, so a missing role is refused."""
    if value is None or not value.strip():
        raise ValidationError("role", "choose one")
    normalised = value.strip().lower().replace(" ", "_").replace("-", "_")
    try:
        return Role(normalised)
    except ValueError:
        choices = ", ".join(r.value for r in Role)
        raise ValidationError("role", f"must be one of {choices}, not {value!r}") from None


# Every name locked at $now (or only $name) and when its lock ends: when its MAX_FAILURES-th
# most recent failure leaves the window, so that fewer than MAX_FAILURES remain. Failures
# count from the name's last success or release (an admin's unlock, a password reset),
# whichever is later. One definition for signing in and for the admin's list of users;
# its parameters come from :func:`lock_parameters`.
LOCKS = """
WITH cleared AS (
    SELECT username, max(since) AS since
    FROM (SELECT username, attempted_at AS since FROM sign_in_attempt WHERE succeeded
          UNION ALL
          SELECT username, released_at FROM sign_in_release)
    WHERE $name IS NULL OR username = $name
    GROUP BY username
),
failures AS (
    SELECT a.username, a.attempted_at,
           row_number() OVER (PARTITION BY a.username ORDER BY a.attempted_at DESC) AS nth
    FROM sign_in_attempt AS a
    LEFT JOIN cleared AS c USING (username)
    WHERE NOT a.succeeded AND a.attempted_at > $now - $lock
      AND a.attempted_at > coalesce(c.since, '-infinity'::TIMESTAMP)
      AND ($name IS NULL OR a.username = $name)
)
SELECT username, attempted_at + $lock AS locked_until
FROM failures
WHERE nth = $max_failures
"""


def lock_parameters(now: datetime, name: str | None = None) -> dict[str, object]:
    """The parameters of :data:`LOCKS`: locks at ``now`` (UTC) of ``name``, or of everyone."""
    return {
        "name": name,
        "now": now,
        "lock": timedelta(minutes=LOCK_MINUTES),
        "max_failures": MAX_FAILURES,
    }


def locked_until(con: duckdb.DuckDBPyConnection, username: str, now: datetime) -> datetime | None:
    """When the name's lock ends, or None when it is not locked at ``now`` (UTC)."""
    found = con.execute(LOCKS, lock_parameters(now, username)).fetchall()
    return found[0][1] if found else None


# DuckDB lets one process at a time write a database file, so within that process this
# lock is where sign-in attempts are counted and recorded: parallel guesses queue here, and
# each sees the failures of those before it.
_ATTEMPTS = threading.Lock()
_last_attempt_at = datetime.min
_TICK = timedelta(milliseconds=20)


def sign_in(con: duckdb.DuckDBPyConnection, username: str, password: str) -> User:
    """Authenticate a person at the sign-in form, locking a name after repeated failures.

    After :data:`MAX_FAILURES` wrong passwords in a row within :data:`LOCK_MINUTES`, the name
    is refused (even with the right password) until fewer than that many remain within the
    last :data:`LOCK_MINUTES`, or an admin lifts the lock (``users.unlock``, or a password
    reset). Every attempt is recorded, so admins and auditors can see them.

    Counting is atomic: an attempt is recorded as a failure *before* its password is checked,
    in the same locked step that counts the failures so far, and only turned into a success
    once the password proves right. However many guesses arrive at once, at most
    :data:`MAX_FAILURES` of them are checked; the rest are refused as locked.
    """
    name = username.strip().lower()
    at = _claim_attempt(con, name)
    user = authenticate(con, name, password)  # a wrong password leaves the failure recorded
    with _ATTEMPTS, transaction(con):
        con.execute(
            "UPDATE sign_in_attempt SET succeeded = TRUE"
            " WHERE username = ? AND attempted_at = ? AND NOT succeeded",
            [name, at],
        )
    return user


def _claim_attempt(con: duckdb.DuckDBPyConnection, name: str) -> datetime:
    """Count the name's recent failures and, unless it is locked, record this attempt as one
    more (provisionally), as one step; return the attempt's time, which identifies it."""
    global _last_attempt_at
    with _ATTEMPTS:
        now = utc_now()
        if timedelta(0) <= _last_attempt_at - now < _TICK:
            # Two attempts within one clock tick still get distinct times (each is its own
            # row); a clock set back by more than a tick is simply followed.
            now = _last_attempt_at + timedelta(microseconds=1)
        until = locked_until(con, name, now)
        if until is not None:
            raise SignInLocked(max(1, ceil((until - now).total_seconds() / 60)))
        with transaction(con):
            con.execute("INSERT INTO sign_in_attempt VALUES (?, ?, FALSE)", [name, now])
        _last_attempt_at = now
    return now


def refresh(con: duckdb.DuckDBPyConnection, actor: User) -> User | None:
    """The user as the database knows them now (role changes apply at once); None once
    deactivated or removed, so a session cannot outlive its account."""
    found = con.execute(
        "SELECT user_id, username, display_name, role FROM app_user WHERE user_id = ? AND active",
        [actor.user_id],
    ).fetchall()
    if not found:
        return None
    user_id, username, display_name, role = found[0]
    return User(user_id=user_id, username=username, display_name=display_name, role=Role(role))
