"""Reading the fund: its position, its burn, the audit chain, the ledger and its export."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import click

from fund import audit, audit_anchor, exports, labels, portfolio
from fund.cli.output import emit_json, json_option, records, render_table, show
from fund.cli.session import Session, pass_session
from fund.cli.writes import idempotency_key
from fund.errors import ValidationError
from fund.ledger import queries
from fund.ledger.rules import Kind
from fund.money import format_gbp

# --- the position ----------------------------------------------------------------------


@click.command()
@click.option(
    "--by",
    type=click.Choice([d.value for d in portfolio.Dimension]),
    default=portfolio.Dimension.TOTAL.value,
    show_default=True,
    help="How to slice the position.",
)
@json_option
@pass_session
def position(session: Session, by: str, as_json: bool) -> None:
    """The portfolio position: ring-fence, allocated, committed, paid, available, headroom."""
    con, actor = session.open()
    frame = portfolio.position(con, actor, by)
    if by != portfolio.Dimension.TOTAL:
        show(frame, as_json, "rows", by=by)
        return
    figures = portfolio.headline(con, actor)
    if as_json:
        emit_json({"by": by, "headline": asdict(figures), "rows": records(frame)})
        return
    click.echo(_headline_table(figures))


def _headline_table(figures: portfolio.Headline) -> str:
    """Each figure named as on the Portfolio page, its amount, and what it means."""
    shown = {name: labels.figure(name, value) for name, value in asdict(figures).items()}
    width = max(len(labels.FIGURES[name]) for name in shown)
    figure_width = max(len(text) for text in shown.values())
    return "\n".join(
        f"{labels.FIGURES[name]:<{width}}  {text:>{figure_width}}  {labels.FIGURE_HELP[name]}"
        for name, text in shown.items()
    )


# --- money over time -------------------------------------------------------------------


@click.command()
@json_option
@pass_session
def burn(session: Session, as_json: bool) -> None:
    """Money committed and paid in each month (by value date), cumulative, against the ring-fence."""
    frame = portfolio.burn_by_month(*session.open())
    if not as_json:
        frame = frame.assign(month=frame["month"].map(lambda day: day.strftime("%b %Y")))
    show(frame, as_json, "months")


# --- the audit trail and the ledger export ----------------------------------------------


@click.group("audit")
def audit_group() -> None:
    """The hash-chained audit log."""


@audit_group.command("verify")
@click.option(
    "--anchor",
    "anchor_files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A file of lines printed by 'fund audit anchor'; each head must still be in the "
    "chain. May be given more than once.",
)
@json_option
@pass_session
def audit_verify(session: Session, anchor_files: tuple[Path, ...], as_json: bool) -> None:
    """Check every audit row, ledger entry and recorded record against the hash chain.

    Also checks the kept balances against the ledger and, with --anchor, that every anchored
    head is still in the chain (only an anchor kept outside the database catches a tail
    rewritten by someone who can write the file). Exits 0 when all is intact; otherwise
    names the first row that was altered, inserted or deleted, and exits 1.
    """
    anchors = [a for path in anchor_files for a in audit_anchor.read_anchors(_text(path))]
    check = audit.verify(*session.open(), anchors)
    if as_json:
        emit_json({"ok": check.ok, **asdict(check)})
    elif check.ok:
        against = f", against {len(anchors)} anchor{'s' if len(anchors) != 1 else ''}"
        click.echo(
            f"OK: {check.rows} audit rows and {check.entries} ledger entries verified"
            f"{against if anchors else ''}"
        )
    else:
        click.echo(
            f"FAILED: {check.problem} "
            f"({check.rows} audit rows and {check.entries} ledger entries checked)"
        )
    if not check.ok:
        raise click.exceptions.Exit(1)


@audit_group.command("anchor")
@click.option(
    "--reason",
    default="chain head anchored for publication",
    show_default=True,
    help="Why: recorded with the anchor in the audit log.",
)
@click.option("--key", help="Idempotency key: retrying with the same key prints the same anchor.")
@json_option
@pass_session
def audit_anchor_command(session: Session, reason: str, key: str | None, as_json: bool) -> None:
    """Print the chain's head (row, hash, time) as one line to publish and keep elsewhere.

    Keep the line outside the database (a board pack, the auditor's file): 'fund audit verify
    --anchor FILE' then catches a tail rewritten by anyone who can write the database file.
    """
    key, _ = idempotency_key(key)
    found = audit_anchor.anchor(*session.open(), key=key, reason=reason)
    if as_json:
        emit_json(
            {"seq": found.seq, "row_hash": found.row_hash, "at": found.at, "line": found.line()}
        )
        return
    click.echo(found.line())


def _text(path: Path) -> str:
    """A file's text; one that is not UTF-8 is refused naming it."""
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError("anchor file", f"{path} is not text in UTF-8") from None


def entry_filters(command: Callable) -> Callable:
    """The options that choose ledger entries, as on the Audit page's Ledger tab."""
    options = [
        click.option("--since", metavar="YYYY-MM-DD", help="Value date on or after."),
        click.option("--until", metavar="YYYY-MM-DD", help="Value date on or before."),
        click.option(
            "--kind", type=click.Choice([k.value for k in Kind]), help="One kind of entry."
        ),
        click.option("--programme", "programme_id", type=int, help="Programme #."),
        click.option("--experiment", "experiment_id", type=int, help="Experiment #."),
        click.option("--commitment", "commitment_id", type=int, help="Commitment #."),
        click.option("--counterparty", help="Entries of commitments to this counterparty."),
        click.option("--by", "posted_by", metavar="USER", help="Entries posted by this user."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@click.command("ledger")
@entry_filters
@json_option
@pass_session
def ledger_command(session: Session, as_json: bool, **filters: object) -> None:
    """The ledger's entries, newest first, with their count and total; filter by value
    date, kind, programme, experiment, commitment, counterparty or who posted them."""
    found = queries.ledger(*session.open(), queries.EntryFilter(**filters))
    if as_json:
        emit_json({"count": found.count, "total": found.total, "entries": records(found.entries)})
        return
    click.echo(render_table(found.entries))
    noun = "ledger entry" if found.count == 1 else "ledger entries"
    click.echo(f"{found.count:,} {noun}, totalling {format_gbp(found.total)}.")


@click.command()
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write the CSV to this file instead of stdout.",
)
@entry_filters
@pass_session
def export(session: Session, out: Path | None, **filters: object) -> None:
    """The ledger as CSV, oldest first, under the headings the app shows: one row per entry,
    amounts signed, as plain decimals; the same filters as 'fund ledger'."""
    con, actor = session.open()
    frame = queries.entries(con, actor, **filters)
    data = exports.csv_bytes(con, actor, frame)
    if out is None:
        click.echo(data.decode("utf-8"), nl=False)
        return
    out.write_bytes(data)
    click.echo(f"Wrote {len(frame)} ledger entries to {out}.")


COMMANDS: tuple[click.Command, ...] = (position, burn, audit_group, ledger_command, export)
