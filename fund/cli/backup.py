"""`fund backup` and `fund restore`: the whole database in one verified file, and back."""

from __future__ import annotations

from pathlib import Path

import click
import duckdb

from fund import backup
from fund.auth import User
from fund.cli.output import emit_json, json_option
from fund.cli.session import Session, pass_session
from fund.cli.writes import idempotency_key, print_key

_KEY_HELP = "Idempotency key of the audit row (a new one is made when omitted)."


@click.command("backup")
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The backup file to write; it must not exist yet.",
)
@click.option("--reason", default="backup", show_default=True, help="Recorded in the audit log.")
@click.option("--key", help=_KEY_HELP)
@json_option
@pass_session
def backup_command(session: Session, out: Path, reason: str, key: str | None, as_json: bool):
    """Write the whole database at --db to the new file OUT (admins only).

    The copy is one consistent moment, checkpointed into a single file (no .wal), and its
    audit chain is verified before it takes its name; the backup is then recorded in the
    audit trail with the file name and the chain head it holds. Copying the .duckdb file by
    hand can lose committed work still in its .wal: use this instead. DuckDB lets one process
    open the file, so stop the app first (or back up from its Admin page).
    """
    key, generated = idempotency_key(key)
    made = backup.back_up(*session.open(), out, key=key, reason=reason)
    if as_json:
        emit_json(_report(made, key))
        return
    click.echo(
        f"Backed up {session.path} to {made.path}: {made.rows} audit rows and "
        f"{made.entries} ledger entries, chain verified up to row #{made.head_seq} "
        f"({made.head_hash})."
    )
    if generated:
        print_key(key)


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--db",
    "target",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The new database file to restore into; it must not exist yet.",
)
@click.option(
    "--reason", default="restored from a backup", show_default=True, help="Recorded in the log."
)
@click.option("--key", help=_KEY_HELP)
@json_option
@click.pass_context
def restore_command(
    ctx: click.Context, file: Path, target: Path | None, reason: str, key: str | None, as_json
):
    """Restore the backup FILE into a new database file, --db NEW, and verify it (admins).

    Refused if NEW exists: a restore never replaces a database. The admin (--as) signs in
    against the users in the backup; the restore is recorded in the restored audit trail,
    whose chain is verified before the file takes its name.
    """
    session: Session = ctx.obj
    target = _restore_target(ctx, target)
    if not session.username:  # before copying anything
        raise click.UsageError("say who is acting: --as USER (or set RINGFENCE_USER)")
    key, generated = idempotency_key(key)
    made = backup.restore(file, target, _signed_in(session), key=key, reason=reason)
    if as_json:
        emit_json(_report(made, key))
        return
    click.echo(
        f"Restored {file} into {made.path}: {made.rows} audit rows and {made.entries} ledger "
        f"entries verified; the backup held the chain up to row #{made.head_seq} "
        f"({made.head_hash})."
    )
    if generated:
        print_key(key)


def _restore_target(ctx: click.Context, target: Path | None) -> Path:
    """NEW from `restore FILE --db NEW`, or from `fund --db NEW restore FILE` when given
    there on the command line (never the default database, nor RINGFENCE_DB)."""
    group = ctx.parent
    given = group.get_parameter_source("path") == click.core.ParameterSource.COMMANDLINE
    outer = group.params["path"] if given else None
    if target is not None and outer is not None and target != outer:
        raise click.UsageError("give the new database once: --db NEW")
    if target is None and outer is None:
        raise click.UsageError("say where to restore to: restore FILE --db NEW")
    return target or outer


def _signed_in(session: Session):
    """Sign the --as user in against the restored database (the backup's users)."""

    def sign_in(con: duckdb.DuckDBPyConnection) -> User:
        return Session(path=session.path, username=session.username, con=con).actor()

    return sign_in


def _report(made: backup.Backup | backup.Restored, key: str) -> dict[str, object]:
    return {
        "file": str(made.path),
        "head_seq": made.head_seq,
        "head_hash": made.head_hash,
        "audit_rows": made.rows,
        "ledger_entries": made.entries,
        "key": key,
    }


COMMANDS: tuple[click.Command, ...] = (backup_command, restore_command)
