"""Managing who may act on the fund: the first admin, new users, roles, deactivation,
password resets and lifting a lock-out.

Each change's confirmation (``Written.said``) says in words what it did, for the app and
the CLI alike: "jdoe is now an auditor".
"""

from __future__ import annotations

import duckdb
import pandas as pd

from fund import audit, audit_state, sessions
from fund.auth import (
    LOCKS,
    Permission,
    Role,
    User,
    find_user,
    hash_password,
    lock_parameters,
    locked_until,
    parse_role,
    require,
)
from fund.db import duplicate_key, frame, transaction, utc_now
from fund.errors import ValidationError
from fund.unit_of_work import Request, Step, Written, perform, required_text

USERNAME_RULE = "must be 2–40 characters: lower-case letters, digits, '.', '_' or '-'"


def _username(value: str) -> str:
    name = required_text(value, "username", max_length=40).lower()
    allowed = set("abcdefghijklmnopqrstuvwxyz0123456789._-")
    if len(name) < 2 or not set(name) <= allowed:
        raise ValidationError("username", USERNAME_RULE)
    return name


def _insert_user(con, *, username, display_name, role: Role, password_hash) -> int:
    """Insert a user under a name nobody has. A name saved before this transaction began is
    found by looking; one another session saved since is met by the insert (the name is
    UNIQUE), and gets the same refusal rather than a raw constraint error."""
    taken = ValidationError("username", f"{username!r} is already taken")
    if con.execute("SELECT 1 FROM app_user WHERE username = ?", [username]).fetchone():
        raise taken
    try:
        return con.execute(
            "INSERT INTO app_user (username, display_name, role, password_hash, created_at)"
            " VALUES (?, ?, ?, ?, ?) RETURNING user_id",
            [username, display_name, role.value, password_hash, utc_now()],
        ).fetchone()[0]
    except duckdb.ConstraintException as error:
        if not duplicate_key(error):
            raise
        raise taken from None


def bootstrap_admin(
    con: duckdb.DuckDBPyConnection, *, username: str, display_name: str, password: str
) -> User:
    """Create the first admin of an empty database; refused once any user exists."""
    username = _username(username)
    display_name = required_text(display_name, "display name", max_length=100)
    password_hash = hash_password(password)
    with transaction(con):
        if con.execute("SELECT count(*) FROM app_user").fetchone()[0]:
            raise ValidationError("admin", "the database already has users; use 'fund users add'")
        user_id = _insert_user(
            con,
            username=username,
            display_name=display_name,
            role=Role.ADMIN,
            password_hash=password_hash,
        )
        admin = User(user_id=user_id, username=username, display_name=display_name, role=Role.ADMIN)
        last_seq, last_hash = audit.head(con)
        link = audit.Link(
            at=utc_now(),
            actor=admin,
            operation="bootstrap admin",
            entity="user",
            entity_id=user_id,
            key=f"bootstrap-admin-{username}",
            reason="first admin of a new database",
            details=Request(
                operation="bootstrap admin", key="", reason="", details={"username": username}
            ).canonical_details(),
            entry_texts=[],
            states=audit_state.record(con, last_seq + 1, {"app_user": {str(user_id)}}),
        )
        audit.append(con, last_seq + 1, last_hash, link)
    return admin


def add_user(
    con: duckdb.DuckDBPyConnection,
    actor: User,
    *,
    username: str,
    display_name: str,
    role: str,
    password: str,
    key: str,
    reason: str = "new user",
) -> Written:
    """An admin adds a user with a role; the password is stored only as an argon2 hash."""
    username = _username(username)
    display_name = required_text(display_name, "display name", max_length=100)
    chosen = parse_role(role)
    password_hash = hash_password(password)
    request = Request(
        operation="add user",
        key=key,
        reason=reason,
        details={"username": username, "display_name": display_name, "role": chosen.value},
    )

    def change(step: Step) -> tuple[str, int]:
        user_id = _insert_user(
            step.con,
            username=username,
            display_name=display_name,
            role=chosen,
            password_hash=password_hash,
        )
        step.record("app_user", user_id)
        step.said = f"{username} was added as {chosen.one}."
        return "user", user_id

    return perform(con, actor, Permission.MANAGE_USERS, request, change)


_PEOPLE = f"""
WITH locks AS ({LOCKS})
SELECT u.user_id, u.username, u.display_name, u.role, u.active, l.locked_until, u.created_at,
       (SELECT max(attempted_at) FROM sign_in_attempt AS a
        WHERE a.username = u.username AND a.succeeded) AS last_sign_in
FROM app_user AS u
LEFT JOIN locks AS l USING (username)
ORDER BY u.username
"""  # noqa: S608 - the fixed SQL of fund.auth


def people(con: duckdb.DuckDBPyConnection, actor: User) -> pd.DataFrame:
    """Every user with role and status, when their lock-out ends (UTC; empty when not
    locked) and their last successful sign-in; never a hash."""
    require(con, actor, Permission.MANAGE_USERS)
    return frame(con, _PEOPLE, lock_parameters(utc_now()))


def _target(con: duckdb.DuckDBPyConnection, actor: User, username: str | None, field: str) -> User:
    """The user an admin acts on; an admin cannot lock themselves out."""
    if username is None or not username.strip():
        raise ValidationError("user", "choose one")
    target = find_user(con, username.strip().lower())
    if target.user_id == actor.user_id:
        raise ValidationError(field, "ask another admin to change your own account")
    return target


def set_role(
    con: duckdb.DuckDBPyConnection, actor: User, *, username: str, role: str, reason: str, key: str
) -> Written:
    """Give a user a different role; it takes effect on their next action."""
    chosen = parse_role(role)
    request = Request(
        operation="set role",
        key=key,
        reason=reason,
        details={"username": username, "role": chosen.value},
    )

    def change(step: Step) -> tuple[str, int]:
        target = _target(step.con, actor, username, "role")
        step.con.execute(
            "UPDATE app_user SET role = ? WHERE user_id = ?", [chosen.value, target.user_id]
        )
        step.record("app_user", target.user_id)
        step.said = f"{target.username} is now {chosen.one}."
        return "user", target.user_id

    return perform(con, actor, Permission.MANAGE_USERS, request, change)


def set_active(
    con: duckdb.DuckDBPyConnection,
    actor: User,
    *,
    username: str,
    active: bool,
    reason: str,
    key: str,
) -> Written:
    """Deactivate (or reactivate) a user: an inactive user can neither sign in nor act, and
    deactivating ends their sessions, so that reactivating them does not bring one back."""
    request = Request(
        operation="activate user" if active else "deactivate user",
        key=key,
        reason=reason,
        details={"username": username},
    )

    def change(step: Step) -> tuple[str, int]:
        target = _target(step.con, actor, username, "user")
        step.con.execute(
            "UPDATE app_user SET active = ? WHERE user_id = ?", [active, target.user_id]
        )
        step.record("app_user", target.user_id)
        if active:
            step.said = f"{target.username} was reactivated: they can sign in again."
        else:
            sessions.end_every(step, target.user_id)
            step.said = f"{target.username} was deactivated: they can no longer sign in or act."
        return "user", target.user_id

    return perform(con, actor, Permission.MANAGE_USERS, request, change)


def reset_password(
    con: duckdb.DuckDBPyConnection,
    actor: User,
    *,
    username: str,
    password: str,
    reason: str,
    key: str,
) -> Written:
    """Set a new password for a user; the audit log records that it happened, not the password.

    A reset also lifts any lock-out (failed sign-ins before it no longer count, whether or
    not they had locked the name) and ends the user's sessions: whoever knew the old
    password is signed out.
    """
    password_hash = hash_password(password)
    request = Request(
        operation="reset password", key=key, reason=reason, details={"username": username}
    )

    def change(step: Step) -> tuple[str, int]:
        target = _target(step.con, actor, username, "password")
        step.con.execute(
            "UPDATE app_user SET password_hash = ? WHERE user_id = ?",
            [password_hash, target.user_id],
        )
        step.record("app_user", target.user_id)
        was_locked = locked_until(step.con, target.username, step.at) is not None
        _release(step, target.username)
        signed_in = sessions.end_every(step, target.user_id)
        step.said = (
            f"{target.username}'s password was reset"
            + (" and their lock lifted" if was_locked else "")
            + ("; they were signed out" if signed_in else "")
            + "."
        )
        return "user", target.user_id

    return perform(con, actor, Permission.MANAGE_USERS, request, change)


def unlock(
    con: duckdb.DuckDBPyConnection, actor: User, *, username: str, reason: str, key: str
) -> Written:
    """Lift a user name's lock-out before it runs out: the failed sign-ins so far no longer
    count. Refused when the name is not locked: there is nothing to lift, and the trail
    should not record an unlock that changed nothing (the admin's list was out of date)."""
    request = Request(
        operation="unlock user", key=key, reason=reason, details={"username": username}
    )

    def change(step: Step) -> tuple[str, int]:
        target = _target(step.con, actor, username, "user")
        if locked_until(step.con, target.username, step.at) is None:
            raise ValidationError("user", f"{target.username} is not locked out; nothing to lift")
        _release(step, target.username)
        step.said = f"{target.username}'s lock was lifted: they can sign in again."
        return "user", target.user_id

    return perform(con, actor, Permission.MANAGE_USERS, request, change)


def _release(step: Step, username: str) -> None:
    """Record that the name's failed sign-ins so far no longer count."""
    step.con.execute(
        "INSERT INTO sign_in_release VALUES (?, ?, ?)", [username, step.at, step.actor.user_id]
    )
    step.record("sign_in_release", username)
