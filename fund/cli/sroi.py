"""`fund sroi`: an impact map computed alone, or an experiment's SROI on its ledger."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import click
import pandas as pd

from fund import db, labels
from fund.cli.output import emit_json, json_option, records, render_table, show
from fund.cli.session import Session, pass_session
from fund.cli.writes import perform_write, write_options
from fund.errors import ValidationError
from fund.money import format_gbp, to_money
from fund.sroi import impact_file, reference, report, sensitivity, service, views
from fund.sroi.calculate import Result, compute
from fund.sroi.discount import FLAT, Schedule, flat
from fund.sroi.model import Discount, ImpactMap, Input, gap_text


@click.group("sroi")
def sroi_group() -> None:
    """Social return on investment: impact maps, their results and sensitivity."""


# --- a file alone ----------------------------------------------------------------------


@sroi_group.command("compute")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--input",
    "inputs",
    multiple=True,
    metavar="DESCRIPTION=AMOUNT",
    help="For a CSV: an input and its amount in pounds (repeat for each).",
)
@click.option(
    "--schedule", help="For a CSV: a named discount schedule (default green-book-standard)."
)
@click.option("--rate", help="For a CSV: one flat discount rate, as a fraction (0.035).")
@click.option(
    "--first-year-undiscounted",
    is_flag=True,
    help="For a CSV: the Green Book's t = 0 for the first year (default: the Guide's t = 1).",
)
@click.option("--price-year", help="For a CSV: the price year of library proxies (2024/25).")
@json_option
def compute_command(
    file: Path,
    inputs: tuple[str, ...],
    schedule: str | None,
    rate: str | None,
    first_year_undiscounted: bool,
    price_year: str | None,
    as_json: bool,
) -> None:
    """Compute the impact map FILE (JSON or CSV, DESIGN.md §4) alone: no database, no sign-in.

    An analyst checks a spreadsheet against the engine with this. A JSON file carries its
    own inputs and discount; a CSV holds outcomes only, so its inputs and discount are given
    with the options. Every problem of the file is reported at once, with its place.
    """
    text = impact_file.decode(file.read_bytes())
    context = impact_file.Context(
        schedules={s.name for s in reference.read_schedules()}, library=reference.file_library
    )
    if file.suffix.lower() == ".csv":
        impact_map = impact_file.from_csv(
            text,
            context,
            inputs=_inputs(inputs),
            discount=_discount(schedule, rate, not first_year_undiscounted, context),
            price_year=price_year,
        )
    else:
        if inputs or schedule or rate or first_year_undiscounted or price_year:
            raise click.UsageError(
                "--input, --schedule, --rate, … are for a CSV; a JSON file has its own"
            )
        impact_map = impact_file.read(text, file.suffix, context)
    schedule_used = _file_schedule(impact_map.discount)
    _print_result(impact_map, compute(impact_map, schedule_used), as_json, {})


def _file_schedule(discount: Discount) -> Schedule:
    """The schedule a file asks for: its flat rate, or the named schedule standing today."""
    if discount.schedule == FLAT:
        return flat(discount.rate)
    return reference.file_schedule(discount.schedule, db.today())


def _inputs(given: tuple[str, ...]) -> tuple[Input, ...]:
    """Each --input DESCRIPTION=AMOUNT, its amount checked as money."""
    found = []
    for n, text in enumerate(given, start=1):
        description, _, amount = text.rpartition("=")
        if not description.strip():
            raise ValidationError(f"--input {n}", "must be DESCRIPTION=AMOUNT, e.g. grant=50000.00")
        found.append(
            Input(description=description.strip(), amount=to_money(amount, f"--input {n}"))
        )
    return tuple(found)


def _discount(
    schedule: str | None, rate: str | None, first: bool, context: impact_file.Context
) -> Discount:
    chosen: object = {"rate": rate} if rate else (schedule or "green-book-standard")
    return impact_file.discount({"schedule": chosen, "first_year_discounted": first}, context)


# --- an experiment ------------------------------------------------------------------------


@sroi_group.command("show")
@click.argument("experiment_id")
@click.option("--version", help="A version of the impact map (default the latest).")
@json_option
@pass_session
def show_command(session: Session, experiment_id: str, version: str | None, as_json: bool) -> None:
    """The SROI of EXPERIMENT_ID: its impact map's result on the inputs its ledger holds."""
    found = _report(session, experiment_id, version)
    stored = found.stored
    about = {
        "experiment_id": found.experiment.experiment_id,
        "title": found.experiment.title,
        "version": stored.version,
        "saved_at": stored.saved_at,
        "saved_by": stored.saved_by or None,
        "reason": stored.reason,
        "price_year": found.impact_map.price_year,
        "discount": views.discount_words(found),
    }
    _print_result(found.impact_map, found.result, as_json, about)


def _report(session: Session, experiment_id: str, version: str | None) -> report.Report:
    found = report.report(*session.open(), experiment_id, version)
    if found is None:
        raise ValidationError(
            "experiment", f"experiment #{experiment_id} has no impact map yet ('fund sroi import')"
        )
    return found


@sroi_group.command("import")
@click.argument("experiment_id")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@write_options
@pass_session
def import_command(session: Session, experiment_id: str, file: Path, key, as_json, reason) -> None:
    """Save the impact map FILE (JSON or CSV) as EXPERIMENT_ID's next version.

    The file is checked whole first: every problem is reported with its place and nothing is
    saved. Its inputs, if it has any, are not used: an experiment's come from its ledger.
    """
    perform_write(
        session,
        service.import_impact_map,
        key=key,
        as_json=as_json,
        experiment_id=experiment_id,
        text=impact_file.decode(file.read_bytes()),
        suffix=file.suffix,
        reason=reason,
    )


@sroi_group.command("export")
@click.argument("experiment_id")
@click.option("--version", help="A version of the impact map (default the latest).")
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), help="Write to this file, not stdout."
)
@pass_session
def export_command(
    session: Session, experiment_id: str, version: str | None, out: Path | None
) -> None:
    """EXPERIMENT_ID's impact map as a JSON file that computes alone (its ledger inputs
    included), for `fund sroi compute` or a spreadsheet."""
    document = report.export(*session.open(), experiment_id, version)
    if out is None:
        emit_json(document)
        return
    try:
        out.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    except OSError as error:
        raise ValidationError("--out", f"cannot write {out}: {error.strerror}") from None
    click.echo(f"Impact map of experiment #{experiment_id} written to {out}")


@sroi_group.command("sensitivity")
@click.argument("experiment_id")
@click.option("--draws", default="10000", show_default=True, help="Monte Carlo draws.")
@click.option("--seed", default=str(sensitivity.SEED), show_default=True, help="Random seed.")
@click.option("--version", help="A version of the impact map (default the latest).")
@json_option
@pass_session
def sensitivity_command(
    session: Session, experiment_id: str, draws: str, seed: str, version: str | None, as_json: bool
) -> None:
    """How sure EXPERIMENT_ID's ratio is: each assumption at the ends of its range (the
    tornado, largest swing first), the value at which each brings the ratio to 1 (switching
    values), and the Monte Carlo band. Assumptions without a range get the default range
    (quantity and proxy ±20%, deductions ±0.10) and are marked so."""
    found = report.analyse(_report(session, experiment_id, version), draws=draws, seed=seed)
    band = found.monte_carlo
    tornado = pd.DataFrame([asdict(s) for s in found.tornado])
    switching = pd.DataFrame([asdict(s) for s in found.switching])
    if as_json:
        emit_json(
            {
                "experiment_id": found.report.experiment.experiment_id,
                "version": found.report.stored.version,
                "sroi_ratio": found.report.result.sroi_ratio,
                "monte_carlo": {k: v for k, v in asdict(band).items() if k != "ratios"},
                "tornado": records(tornado),
                "switching_values": records(switching),
            }
        )
        return
    click.echo(
        f"Monte Carlo, {band.draws:,} draws (seed {band.seed}): ratio {band.p5:.2f} to "
        f"{band.p95:.2f} : 1 (5th to 95th percentile), median {band.p50:.2f}; "
        f"P(ratio > 1) = {band.p_above_one:.1%}"
    )
    tornado, switching = tornado.round(4), switching.round(4)
    click.echo("\nTornado (largest swing first):")
    click.echo(
        render_table(
            tornado[
                [
                    "name",
                    "assumption",
                    "low",
                    "high",
                    "ratio_low",
                    "ratio_high",
                    "swing",
                    "default_range",
                ]
            ]
        )
    )
    click.echo("\nSwitching values (where the ratio falls to 1):")
    click.echo(
        render_table(
            switching[["name", "assumption", "point", "value", "change_percent", "reason"]]
        )
    )


@sroi_group.command("position")
@click.option(
    "--by", type=click.Choice(["programme", "instrument"]), help="Slice by programme or instrument."
)
@json_option
@pass_session
def position_command(session: Session, by: str | None, as_json: bool) -> None:
    """The fund's SROI (or by programme or instrument): the sum of present values over the
    sum of inputs of the experiments with an impact map, never an average of ratios."""
    found = report.position(*session.open(), by=by)
    if not as_json:  # people read a ratio as the Guide writes it
        found = found.assign(sroi_ratio=found["sroi_ratio"].map(labels.ratio))
    show(found, as_json, "rows", by=by or "fund")


# --- printing a result -----------------------------------------------------------------------


def _print_result(
    impact_map: ImpactMap, result: Result, as_json: bool, about: dict[str, object]
) -> None:
    if as_json:
        emit_json(about | _result_json(result))
        return
    lines = [f"{k.replace('_', ' ').capitalize()}: {v}" for k, v in about.items() if v]
    lines += [
        f"Inputs:            {format_gbp(result.inputs_total)}",
        f"Present value:     {format_gbp(result.present_value)}",
        f"Net present value: {format_gbp(result.net_present_value)}",
        f"SROI ratio:        {_ratio(result.sroi_ratio)}",
        f"Net SROI ratio:    {_ratio(result.net_sroi_ratio)}",
        f"Payback:           {_payback(result.payback_months)}",
        "Values by year:    "
        + ", ".join(f"year {n} {format_gbp(v)}" for n, v in enumerate(result.values_by_year, 1)),
    ]
    if result.gaps:
        lines.append("INCOMPLETE: " + "; ".join(gap_text(gap) for gap in result.gaps))
    click.echo("\n".join(lines))


def _result_json(result: Result) -> dict[str, object]:
    return {
        "inputs_total": result.inputs_total,
        "impact_first_year": list(result.impact_first_year),
        "values_by_year": list(result.values_by_year),
        "present_value": result.present_value,
        "net_present_value": result.net_present_value,
        "sroi_ratio": result.sroi_ratio,
        "net_sroi_ratio": result.net_sroi_ratio,
        "payback_months": result.payback_months,
        "complete": result.complete,
        "gaps": list(result.gaps),
    }


def _ratio(ratio: float | None) -> str:
    return "none (no inputs yet)" if ratio is None else f"{ratio:.2f} : 1"


def _payback(months: float | None) -> str:
    return "none: the first year returns nothing" if months is None else f"{months:.1f} months"


COMMANDS: tuple[click.Command, ...] = (sroi_group,)
