"""Reading the fund: its position, its burn, the audit chain and the ledger export."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import click

from fund import audit, exports, portfolio
from fund.cli.output import emit_json, json_option, records, show
from fund.cli.session import Session, pass_session
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
@json_option
@pass_session
def audit_verify(session: Session, as_json: bool) -> None:
    """Check every audit row and every ledger entry against the hash chain.

    Exits 0 when all is intact; otherwise names the first row that was altered, inserted or
    deleted, and exits 1.
    """
    check = audit.verify(*session.open())
    if as_json:
        emit_json({"ok": check.ok, **asdict(check)})
    elif check.ok:
        click.echo(f"OK: {check.rows} audit rows and {check.entries} ledger entries verified")
    else:
        click.echo(
            f"FAILED: {check.problem} "
            f"({check.rows} audit rows and {check.entries} ledger entries checked)"
        )
    if not check.ok:
        raise click.exceptions.Exit(1)


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
