"""`fund learning`: the fund's learning metrics, by programme, or the officials' scorecard."""

from __future__ import annotations

from decimal import Decimal

import click
import pandas as pd

from fund import labels
from fund.cli.output import emit_json, json_option, records
from fund.cli.session import Session, pass_session
from fund.lessons import learning
from fund.money import format_gbp

NOTHING = "–"


@click.command("learning")
@click.option(
    "--by",
    type=click.Choice(learning.GROUPINGS),
    help="One column per programme, or the officials' scorecard (not for board members).",
)
@click.option(
    "--as-of", "as_of", metavar="YYYY-MM-DD", help="As the records stood at the end of this day."
)
@json_option
@pass_session
def learning_command(session: Session, by: str | None, as_of: str | None, as_json: bool) -> None:
    """The fund's learning: the share of ended experiments with a lesson, failures documented
    (a stop with a lesson is learning, not a mark against anyone), median days from end to
    lesson, cost per lesson and the evidence levels reached; --by official gives each
    responsible official's scorecard, officials in the order of their names.

    An experiment has ended when it is closed or its review date has passed. Money paid out
    is disbursements net of reversals (recoveries do not net off).
    """
    day = learning.as_of_day(as_of)
    found = learning.learning(*session.open(), by=by, as_of=day)
    if as_json:
        emit_json({"by": by or "fund", "as_of": day, "rows": records(found)})
        return
    click.echo(f"Learning as at {day:%d/%m/%Y}")
    click.echo(_table(found, by))


def _table(found: pd.DataFrame, by: str | None) -> str:
    """The figures down the side, a column for the fund or for each programme or official."""
    if found.empty:
        return "(nothing to show)"
    names = ["Fund"] if by is None else [str(name) for name in found[by]]
    rows = [["", *names]]
    for column, words in learning.FIGURES.items():
        if column in found:
            rows.append([words, *(_cell(column, value) for value in found[column])])
    widths = [max(len(cell) for cell in column) for column in zip(*rows, strict=True)]
    return "\n".join(_line(row, widths) for row in rows)


def _line(row: list[str], widths: list[int]) -> str:
    """A figure's words on the left, its values right-aligned under each name."""
    cells = [row[0].ljust(widths[0])]
    cells += [cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)]
    return "  ".join(cells).rstrip()


def _cell(column: str, value: object) -> str:
    """A figure as people read it: money in pounds, a share as a percentage."""
    if value is None or value is pd.NA or value != value:  # NaN
        return NOTHING
    if column == "share_with_lesson":
        return f"{value:.1%}"
    if column == "sroi_ratio":
        return labels.ratio(value)
    if isinstance(value, Decimal):
        return format_gbp(value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


COMMANDS: tuple[click.Command, ...] = (learning_command,)
