"""`fund users`: who may act on the fund."""

from __future__ import annotations

import click

from fund import users
from fund.cli.output import json_option, show
from fund.cli.session import NEW_PASSWORD_ENV, Session, new_password, pass_session
from fund.cli.writes import perform_write, write_options


@click.group("users")
def users_group() -> None:
    """Who may act on the fund (admins only)."""


@users_group.command("add")
@click.argument("username")
@click.option("--role", required=True, help="fund_manager, auditor, board_member or admin.")
@click.option("--name", "display_name", required=True, help="The person's display name.")
@write_options
@pass_session
def users_add(session: Session, username, role, display_name, reason, key, as_json) -> None:
    """Add user USERNAME with a role; their password comes from RINGFENCE_NEW_PASSWORD or is
    asked for twice."""
    session.actor()  # sign the admin in before asking for the new password
    password = new_password(NEW_PASSWORD_ENV, f"New password for {username}")
    perform_write(
        session,
        users.add_user,
        key=key,
        as_json=as_json,
        username=username,
        display_name=display_name,
        role=role,
        password=password,
        reason=reason,
    )


@users_group.command("unlock")
@click.argument("username")
@write_options
@pass_session
def users_unlock(session: Session, username, reason, key, as_json) -> None:
    """Lift the lock-out of USERNAME (after too many wrong passwords) before it runs out;
    refused when the name is not locked. A password reset lifts it too."""
    perform_write(
        session,
        users.unlock,
        key=key,
        as_json=as_json,
        username=username,
        reason=reason,
    )


@users_group.command("list")
@json_option
@pass_session
def users_list(session: Session, as_json: bool) -> None:
    """Every user with role, status, when their lock-out ends (UTC) and last sign-in."""
    show(users.people(*session.open()), as_json, "users")


COMMANDS: tuple[click.Command, ...] = (users_group,)
