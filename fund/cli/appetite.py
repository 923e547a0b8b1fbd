"""`fund appetite`: a ring-fence's declared risk appetite, and the position against it."""

from __future__ import annotations

import click
import pandas as pd

from fund.board import appetite
from fund.cli.output import emit_json, records, render_table
from fund.cli.session import Session, pass_session
from fund.cli.writes import perform_write, write_options
from fund.lessons.learning import as_of_day

_PERCENTAGES = ("share_limit", "share")


@click.group("appetite")
def appetite_group() -> None:
    """Risk appetite: the most of a ring-fence in high-risk experiments, per instrument and
    per counterparty, and the position against each limit."""


@appetite_group.command("declare")
@click.option("--ringfence", "ringfence_id", required=True, metavar="ID", help="The ring-fence.")
@click.option(
    "--high-risk",
    "high_risk_share",
    required=True,
    metavar="PCT",
    help="Most of the ring-fence in high-risk experiments, in percent.",
)
@click.option(
    "--per-instrument",
    "instrument_share",
    required=True,
    metavar="PCT",
    help="Most of the ring-fence in any one instrument, in percent.",
)
@click.option(
    "--per-counterparty",
    "counterparty_share",
    required=True,
    metavar="PCT",
    help="Most of the ring-fence with any one counterparty, in percent.",
)
@write_options
@pass_session
def declare_command(session: Session, key, as_json, reason, **shares) -> None:
    """Declare a ring-fence's risk appetite as its next version (fund manager).

    A commitment that would take a position past a declared limit then waits for a second
    fund manager, as one above the delegated limit does.
    """
    perform_write(
        session, appetite.declare_appetite, key=key, as_json=as_json, reason=reason, **shares
    )


@appetite_group.command("show")
@click.option(
    "--as-at", "as_at", metavar="YYYY-MM-DD", help="As at the end of this day (default today)."
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print one JSON document (money and percentages as decimal strings).",
)
@pass_session
def show_command(session: Session, as_at: str | None, as_json: bool) -> None:
    """The position against each declared limit, as the ledger stood at the end of the day."""
    found = appetite.position_as_at(*session.open(), as_at)
    if as_json:
        emit_json({"as_at": as_of_day(as_at).isoformat(), "position": records(found)})
        return
    if found.empty:
        click.echo("No risk appetite is declared ('fund appetite declare').")
        return
    click.echo(render_table(_with_percent_signs(found)))


def _with_percent_signs(found: pd.DataFrame) -> pd.DataFrame:
    """Percentages for people as 16.00%, not as money."""
    return found.assign(**{name: found[name].map(lambda v: f"{v}%") for name in _PERCENTAGES})


COMMANDS: tuple[click.Command, ...] = (appetite_group,)
