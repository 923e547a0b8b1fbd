"""Reading the fund: its position, its burn, the audit chain and the ledger export."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import click

from fund import audit, audit_anchor, exports, portfolio
from fund.cli.output import emit_json, json_option, records, show
from fund.cli.session import Session, pass_session
from fund.cli.writes import idempotency_key
from fund.errors import ValidationError
from fund.ledger import queries
from fund.money import format_gbp

HEADLINE_LABELS = {
    "ring_fence": "Ring-fence",
    "allocated": "Allocated to programmes",
    "committed": "Committed",
    "paid": "Paid",
    "recovered": "Recovered",
    "written_off": "Written off",
    "outstanding": "Outstanding (committed, not paid)",
    "available": "Available to commit",
    "headroom": "Headroom (not yet allocated)",
    "match_funding": "Partner match funding",
}


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
        if by == portfolio.Dimension.SECTOR and not as_json:
            frame = frame.assign(sector=frame["sector"].map(portfolio.label))
        show(frame, as_json, "rows", by=by)
        return
    figures = portfolio.headline(con, actor)
    if as_json:
        emit_json({"by": by, "headline": asdict(figures), "rows": records(frame)})
        return
    click.echo(_headline_table(figures))


def _headline_table(figures: portfolio.Headline) -> str:
    money = {name: getattr(figures, name) for name in HEADLINE_LABELS}
    width = max(len(label) for label in HEADLINE_LABELS.values())
    amounts = {name: format_gbp(value) for name, value in money.items()}
    figure_width = max(len(text) for text in amounts.values())
    lines = [
        f"{HEADLINE_LABELS[name]:<{width}}  {text:>{figure_width}}"
        for name, text in amounts.items()
    ]
    leverage = (
        "no commitments yet"
        if figures.leverage is None
        else f"£{figures.leverage} of match funding per £1 committed"
    )
    lines.append(f"{'Leverage':<{width}}  {leverage}")
    return "\n".join(lines)


# --- money over time -------------------------------------------------------------------


@click.command()
@json_option
@pass_session
def burn(session: Session, as_json: bool) -> None:
    """Money committed and paid in each month (by value date), cumulative, against the ring-fence."""
    frame = portfolio.burn_by_month(*session.open())
    if not as_json:
        frame = frame.assign(month=frame["month"].map(lambda day: day.strftime("%Y-%m")))
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


@click.command()
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write the CSV to this file instead of stdout.",
)
@pass_session
def export(session: Session, out: Path | None) -> None:
    """The ledger as CSV: one row per entry, amounts signed, as plain decimals."""
    con, actor = session.open()
    frame = queries.entries(con, actor)
    data = exports.csv_bytes(con, actor, frame)
    if out is None:
        click.echo(data.decode("utf-8"), nl=False)
        return
    out.write_bytes(data)
    click.echo(f"Wrote {len(frame)} ledger entries to {out}.")


COMMANDS: tuple[click.Command, ...] = (position, burn, audit_group, export)
