"""`fund lesson`: the lessons register (record a lesson, search, show an experiment's lesson).

Closing an experiment is `fund experiment close`, beside the other experiment commands.
"""

from __future__ import annotations

import click
import pandas as pd
import pyarrow as pa

from fund import labels
from fund.cli.output import emit_json, json_option, records, render_table
from fund.cli.session import Session, pass_session
from fund.cli.writes import perform_write, write_options
from fund.lessons import register, search
from fund.lessons.lesson import TEXTS
from fund.register import parse_id

# What `fund lesson search` shows people in its table; --json and --csv carry every column.
_TABLE = [
    "experiment_id",
    "title",
    "programme",
    "instrument",
    "verdict",
    "evidence_level",
    "closed",
    "version",
    "tags",
]


@click.group("lesson")
def lesson_group() -> None:
    """The lessons register: what each experiment taught, from success or failure."""


@lesson_group.command("record")
@click.argument("experiment_id")
@click.option("--worked", "what_worked", help="What worked (required).")
@click.option("--did-not", "what_did_not", help="What did not work (required).")
@click.option("--differently", "do_differently", help="What we would do differently (required).")
@click.option(
    "--transfers", "transfers_to", help="Where it transfers: other programmes, other places."
)
@click.option("--tag", "tags", multiple=True, help="A tag (repeat, or separate with commas).")
@click.option(
    "--scaling-route",
    help="If it spreads: uncontrolled_diffusion, direct_diffusion, takeover or"
    " organisational_growth.",
)
@write_options
@pass_session
def record_command(session: Session, experiment_id: str, key, as_json, reason, **given) -> None:
    """Record EXPERIMENT_ID's lesson as its next version (fund manager).

    The four texts are all required; every one missing is named at once. A lesson that says
    nothing new is refused. A stopped experiment with a lesson is a success for the fund.
    """
    perform_write(
        session,
        register.record_lesson,
        key=key,
        as_json=as_json,
        experiment_id=experiment_id,
        given=given,
        reason=reason,
    )


@lesson_group.command("search")
@click.option("--text", help="Words in what a lesson says or in its experiment's title.")
@click.option("--tag", help="A tag, exactly (any case).")
@click.option("--verdict", help="scale, adapt, stop or inconclusive (the final verdict).")
@click.option("--programme", "programme_id", metavar="PROGRAMME_ID", help="A programme.")
@click.option("--instrument", help="small_grant, experimental_zone, pbr_contract, social_venture.")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV, as the app's export gives it.")
@json_option
@pass_session
def search_command(session: Session, as_csv: bool, as_json: bool, **filters) -> None:
    """The latest lesson of each experiment that the filters keep, newest first, with its
    verdict and evidence level. Board members see no officials' names and cannot --csv."""
    if as_csv and as_json:
        raise click.UsageError("choose --csv or --json, not both")
    con, user = session.open()
    if as_csv:
        click.echo(search.export(con, user, **filters), nl=False)
        return
    found = search.search(con, user, **filters)
    if as_json:
        emit_json({"lessons": _records(found)})
        return
    click.echo(render_table(found[_TABLE].assign(tags=search.tag_text(found["tags"]))))


@lesson_group.command("show")
@click.argument("experiment_id")
@json_option
@pass_session
def show_command(session: Session, experiment_id: str, as_json: bool) -> None:
    """Every version of EXPERIMENT_ID's lesson, newest first."""
    found = search.lesson_history(*session.open(), experiment_id)
    if as_json:
        emit_json(
            {"experiment_id": parse_id(experiment_id, "experiment"), "versions": _records(found)}
        )
        return
    if found.empty:
        click.echo(f"Experiment #{experiment_id} has no lesson yet ('fund lesson record').")
        return
    shown = labels.readable(found.assign(tags=search.tag_text(found["tags"])))
    click.echo("\n\n".join(_version_text(version) for version in records(shown)))


def _version_text(version: dict[str, object]) -> str:
    """One version of a lesson for people: each field on its own line, in words."""
    lines = [f"Version {version['version']}"]
    for name in (*TEXTS, "tags", "scaling_route", "recorded_by", "recorded_at", "reason"):
        if name in version:
            value = labels.when(version[name], name) if name == "recorded_at" else version[name]
            lines.append(f"  {labels.heading(name)}: {value or '(none)'}")
    return "\n".join(lines)


def _records(found: pd.DataFrame) -> list[dict[str, object]]:
    """Rows as JSON, tags as a list of texts."""
    tags = pa.array(found["tags"], type=pa.list_(pa.string())).to_pylist()
    return [row | {"tags": t} for row, t in zip(records(found), tags, strict=True)]


COMMANDS: tuple[click.Command, ...] = (lesson_group,)
