"""Managing who may act on the fund: the first admin, new users, roles, deactivation."""

from __future__ import annotations

import json

import duckdb

from fund import audit
from fund.auth import Permission, Role, User, hash_password, parse_role
from fund.db import transaction, utc_now
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
    taken = con.execute("SELECT 1 FROM app_user WHERE username = ?", [username]).fetchone()
    if taken:
        raise ValidationError("username", f"{username!r} is already taken")
    return con.execute(
        "INSERT INTO app_user (username, display_name, role, password_hash, created_at)"
        " VALUES (?, ?, ?, ?, ?) RETURNING user_id",
        [username, display_name, role.value, password_hash, utc_now()],
    ).fetchone()[0]


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
        audit.append(
            con,
            seq=audit.next_seq(con),
            at=utc_now(),
            actor=admin,
            operation="bootstrap admin",
            entity="user",
            entity_id=user_id,
            key=f"bootstrap-admin-{username}",
            reason="first admin of a new database",
            details=json.dumps({"username": username}),
            entry_texts=[],
        )
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
        return "user", user_id

    return perform(con, actor, Permission.MANAGE_USERS, request, change)
