"""`fund board-pack`: the board pack as at a date (a PDF and an Excel workbook), and its
verification against the records."""

from __future__ import annotations

from pathlib import Path

import click

from fund import labels
from fund.board.pack import build_pack
from fund.board.verify import verify_pack
from fund.cli.output import emit_json, json_option
from fund.cli.session import Session, pass_session


@click.group("board-pack", invoke_without_command=True)
@click.option(
    "--as-at", "as_at", metavar="YYYY-MM-DD", help="As at the end of this day (default today)."
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="The folder to write the pack into (made if missing).",
)
@json_option
@click.pass_context
def board_pack_group(
    ctx: click.Context, as_at: str | None, out_dir: Path | None, as_json: bool
) -> None:
    """Write the board pack as at the end of a day (default today) into --out: a PDF and an
    Excel workbook with the tables behind every figure, money as £ currency cells. Both state
    the audit chain's head as at the date; `fund board-pack verify` checks either file
    against the records. Progress is shown on stderr. Anyone who may read summaries."""
    if ctx.invoked_subcommand is not None:
        if as_at or out_dir or as_json:
            raise click.UsageError("--as-at, --out and --json go after 'verify', or without it")
        return
    if out_dir is None:
        raise click.UsageError("say where to write the pack: --out DIR")
    session = ctx.find_object(Session)
    con, user = session.open()
    made = build_pack(con, user, as_at, out_dir, progress=_progress())
    row, row_hash = made.audit_head
    if as_json:
        emit_json(
            {
                "as_at": made.as_at,
                "pdf": str(made.pdf),
                "workbook": str(made.workbook),
                "audit_head": {"row": row, "hash": row_hash},
            }
        )
        return
    click.echo(f"Board pack as at {labels.when(made.as_at)}")
    click.echo(f"  PDF:      {made.pdf}")
    click.echo(f"  Workbook: {made.workbook}")
    click.echo(f"Audit chain head: row #{row} sha256 {row_hash}")


def _progress():
    """Progress on stderr, one line each time the work moves to a new step."""
    said: list[str] = []

    def tell(share: float, words: str) -> None:
        if not said or said[-1] != words:
            said.append(words)
            click.echo(f"{share:4.0%}  {words}", err=True)

    return tell


@board_pack_group.command("verify")
@click.argument("pack", type=click.Path(dir_okay=False, path_type=Path))
@json_option
@pass_session
def verify_command(session: Session, pack: Path, as_json: bool) -> None:
    """Recompute every figure of PACK (the pack's PDF or workbook) from the records as at its
    date, check the audit chain and the head the pack states, and say whether they still
    match; each difference is named with both values, and the exit status is 1 if any
    (fund manager or auditor: it verifies the audit chain)."""
    check = verify_pack(*session.open(), pack)
    row, row_hash = check.audit_head
    if as_json:
        emit_json(
            {
                "pack": str(pack),
                "as_at": check.as_at,
                "audit_head": {"row": row, "hash": row_hash},
                "matches": check.matches,
                "problems": check.problems,
            }
        )
    else:
        said = f"The pack as at {labels.when(check.as_at)} (audit chain row #{row})"
        if check.matches:
            click.echo(f"{said} matches the records.")
        else:
            click.echo(f"{said} does not match the records:")
            for problem in check.problems:
                click.echo(f"  - {problem}")
    if not check.matches:
        raise click.exceptions.Exit(1)


COMMANDS: tuple[click.Command, ...] = (board_pack_group,)
