"""Setting up the database file: `fund init` and `fund demo`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from fund import db, demo, users
from fund.cli.output import render_table
from fund.cli.session import PASSWORD_ENV, Session, new_password, open_database, pass_session
from fund.errors import ValidationError


@click.command()
@click.option("--admin", "admin_name", metavar="USER", help="User name of the first admin.")
@click.option("--name", "display_name", help="The first admin's display name.")
@pass_session
def init(session: Session, admin_name: str | None, display_name: str | None) -> None:
    """Create the database at --db with its first admin, or bring an existing one up to date.

    The admin's password comes from RINGFENCE_PASSWORD or is asked for twice. On an existing
    database this only applies the migrations it has not seen yet, and says which.
    """
    if session.path.exists():
        _migrate_existing(session)
        if admin_name:
            click.echo(
                "The database already exists, so --admin was not used; see 'fund users add'."
            )
        return
    if not admin_name:
        raise click.UsageError("a new database needs its first admin: --admin USER")
    _create(session, admin_name, display_name or admin_name)


def _create(session: Session, admin_name: str, display_name: str) -> None:
    password = new_password(PASSWORD_ENV, f"Password for {admin_name}")
    with removed_on_failure(session):
        con = session.connect(create=True)
        admin = users.bootstrap_admin(
            con, username=admin_name, display_name=display_name, password=password
        )
    applied = ", ".join(name for _, name, _ in db.migrations())
    click.echo(f"Created {session.path} (migrations {applied}).")
    click.echo(f"First admin: {admin.username} ({admin.display_name}).")


def _migrate_existing(session: Session) -> None:
    before = _schema_version(session.path)
    con = session.connect()
    applied = [name for version, name, _ in db.migrations() if version > before]
    if applied:
        click.echo(f"Migrated {session.path}: applied {', '.join(applied)}.")
    else:
        click.echo(f"{session.path} is up to date (schema version {db.schema_version(con)}).")


def _schema_version(path: Path) -> int:
    """The schema version of a database before this command migrates it."""
    con = open_database(path, read_only=True)
    try:
        return db.schema_version(con)
    finally:
        con.close()


@contextmanager
def removed_on_failure(session: Session) -> Iterator[None]:
    """A database file this command creates is deleted again if setting it up fails."""
    try:
        yield
    except BaseException:
        session.close()
        for leftover in (session.path, Path(f"{session.path}.wal")):
            leftover.unlink(missing_ok=True)
        raise


@click.command("demo")
@click.option("--seed", default=2026, show_default=True, help="Seed of the demo portfolio.")
@pass_session
def demo_command(session: Session, seed: int) -> None:
    """Create a new database at --db holding the demo portfolio and one demo user per role.

    Refused if the file already exists. Prints the demo users and their passwords.
    """
    if session.path.exists():
        raise ValidationError(
            "database",
            f"{session.path} already exists; the demo only goes into a new file "
            "(choose another --db or remove it)",
        )
    with removed_on_failure(session):
        with demo.founded():
            con = session.connect(create=True)
        summary = demo.build(con, seed=seed)
    click.echo(
        f"Created the demo portfolio in {session.path}: {len(summary.programme_ids)} "
        f"programmes, {len(summary.experiment_ids)} experiments, "
        f"{summary.ledger_entries} ledger entries, request #{summary.pending_request_id} pending."
    )
    click.echo("\nDemo users (for a demo database only):")
    click.echo(render_table(demo.users_table()))


COMMANDS: tuple[click.Command, ...] = (init, demo_command)
