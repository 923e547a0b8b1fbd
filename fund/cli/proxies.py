"""`fund proxies`: the library of financial proxies that SROI impact maps value outcomes with."""

from __future__ import annotations

import click
import pandas as pd

from fund.cli.output import emit_json, json_option, records, render_table
from fund.cli.session import Session, pass_session
from fund.cli.writes import AMOUNT_SETTINGS, perform_write, write_options
from fund.sroi import proxies

# What a person reads at a terminal; --json gives every column.
_SHOWN = ["code", "category", "description", "unit", "value", "price_year", "restated"]


@click.group("proxies")
def proxies_group() -> None:
    """The proxy library: what an outcome is worth, its source, licence and price year."""


def _price_year_option(command):
    return click.option(
        "--price-year",
        metavar="YEAR",
        help="Restate values to this price year (2024/25, or a calendar year such as 2024);"
        " default: the newest financial year of the GDP deflator.",
    )(command)


@proxies_group.command("list")
@_price_year_option
@json_option
@pass_session
def proxies_list(session: Session, price_year: str | None, as_json: bool) -> None:
    """Every proxy: its value and price year as its source gives them, and that value
    restated to the report's price year with the ONS GDP deflator."""
    _show(proxies.library(*session.open(), price_year=price_year), as_json)


@proxies_group.command("search")
@click.argument("text")
@_price_year_option
@json_option
@pass_session
def proxies_search(session: Session, text: str, price_year: str | None, as_json: bool) -> None:
    """The proxies whose code, description, unit, agency or category holds TEXT (any case)."""
    _show(proxies.library(*session.open(), search=text, price_year=price_year), as_json)


def _show(found: pd.DataFrame, as_json: bool) -> None:
    year = found["restated_year"].iloc[0] if len(found) else None
    found = found.drop(columns=["restated_year"])
    if as_json:
        emit_json({"price_year": year, "count": len(found), "proxies": records(found)})
        return
    click.echo(render_table(found[_SHOWN]))
    if year is not None:
        noun = "proxy" if len(found) == 1 else "proxies"
        click.echo(f"{len(found):,} {noun}; restated to {year} prices with the ONS GDP deflator.")


@proxies_group.command("add", context_settings=AMOUNT_SETTINGS)
@click.option("--description", required=True, help="What the proxy values.")
@click.option("--unit", required=True, help="Per what: 'Per person per year', 'Per incident'.")
@click.option("--value", required=True, help="Its value in pounds (negative for a disbenefit).")
@click.option("--price-year", required=True, help="The prices it is in: 2019/20 or 2019.")
@click.option("--source", help="Where it comes from (required: it must be checkable).")
@click.option("--licence", required=True, help="The licence its source is used under.")
@click.option("--agency", help="Who bears the cost or gains the value.")
@click.option("--code", help="Its code; default: the next of U1, U2, …")
@write_options
@pass_session
def proxies_add(session: Session, key, as_json, **values) -> None:
    """Add a proxy of your own, with its source, licence and price year (fund managers).
    A proxy without a source is refused; HACT Social Value Bank values may not be added."""
    perform_write(session, proxies.add_proxy, key=key, as_json=as_json, **values)


COMMANDS: tuple[click.Command, ...] = (proxies_group,)
