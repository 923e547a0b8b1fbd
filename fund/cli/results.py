"""`fund results`: an experiment's results, from a file or a summary, and their effect
estimate by the design of its registered plan (issue 11)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click

from fund import register
from fund.cli.output import emit_json, json_option, records, show
from fund.cli.session import Session, pass_session
from fund.cli.writes import idempotency_key, perform_write, write_options
from fund.errors import ValidationError
from fund.evidence import results
from fund.evidence.summary import FIELDS
from fund.sroi.impact_file import decode
from fund.unit_of_work import Written

# What a result set is, for people and in the JSON of a write.
_SHOWN = ["result_id", "recorded_at", "source", "plan_version", "design", "effect"]
_SHOWN += ["interval", "n", "evaluator"]
_ESTIMATE = ["plan_version", "source", "design", "method", "effect", "std_error", "ci_low"]
_ESTIMATE += ["ci_high", "n", "treated_post_mean", "evaluator"]

evaluator_option = click.option(
    "--evaluator", metavar="NAME", help="The independent evaluator whose results these are."
)


@click.group("results")
def results_group() -> None:
    """Results: what an experiment measured, and the effect with its 95% interval."""


@results_group.command("upload")
@click.argument("experiment_id")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@evaluator_option
@write_options
@pass_session
def upload_command(
    session: Session, experiment_id: str, file: Path, evaluator, key, as_json, reason
) -> None:
    """Record the results FILE (CSV) of EXPERIMENT_ID and the estimate by its registered
    plan's design (fund manager).

    Columns: unit (optional), group (treated or comparison), period, post (0 or 1), value.
    The file is checked whole first: every bad row is named and nothing is stored.
    """
    _write(
        session,
        results.upload_results,
        key=key,
        as_json=as_json,
        experiment_id=experiment_id,
        text=decode(file.read_bytes()),
        evaluator=evaluator,
        reason=reason,
    )


@results_group.command("summary")
@click.argument("experiment_id")
@click.option(
    "--cell",
    "cells",
    multiple=True,
    metavar="GROUP,POST,N,MEAN,SD",
    help="One group before (post 0) or after (post 1) the start, e.g. treated,1,120,54.2,11.3"
    " (no thousands separators); repeat for each. Messages count cells from 0.",
)
@evaluator_option
@write_options
@pass_session
def summary_command(
    session: Session, experiment_id: str, cells: tuple[str, ...], evaluator, key, as_json, reason
) -> None:
    """Record results of EXPERIMENT_ID given as a summary, n, mean and standard deviation
    per group and period, and the estimate by its registered plan's design (fund manager).

    before-after needs the treated cells before and after; two-group and randomised the
    treated and comparison cells after; did all four. Every bad cell is named at once.
    """
    _write(
        session,
        results.record_summary,
        key=key,
        as_json=as_json,
        experiment_id=experiment_id,
        cells=[_cell(i, text) for i, text in enumerate(cells)],
        evaluator=evaluator,
        reason=reason,
    )


def _cell(i: int, text: str) -> dict[str, str]:
    """A --cell as the service reads a cell: a value left out is reported missing, with the
    other cells' problems, by the service."""
    parts = [part.strip() for part in text.split(",")]
    if len(parts) > len(FIELDS):
        raise ValidationError(
            f"cells/{i}",
            f"has {len(parts)} values: give group,post,n,mean,sd (e.g. treated,1,120,54.2,11.3)"
            " without thousands separators",
        )
    return dict(zip(FIELDS, parts, strict=False))


def _write(
    session: Session,
    service: Callable[..., Written],
    *,
    key: str | None,
    as_json: bool,
    experiment_id: str,
    **arguments: object,
) -> None:
    """A results write: its sentence for people; for machines, the result set's estimate."""
    if not as_json:
        perform_write(
            session, service, key=key, as_json=False, experiment_id=experiment_id, **arguments
        )
        return
    key, _ = idempotency_key(key)
    con, user = session.open()
    written = service(con, user, experiment_id, key=key, **arguments)
    found = results.results(con, user, experiment_id)
    (row,) = records(found.loc[found["result_id"] == written.entity_id, _ESTIMATE])
    emit_json(
        {
            "result_id": written.entity_id,
            "experiment_id": register.parse_id(experiment_id, "experiment"),
            "replayed": written.replayed,
            "key": key,
            **row,
        }
    )


@results_group.command("list")
@click.argument("experiment_id")
@json_option
@pass_session
def list_command(session: Session, experiment_id: str, as_json: bool) -> None:
    """EXPERIMENT_ID's result sets, newest first, each with its estimate and the version of
    the plan it was judged against."""
    found = results.results(*session.open(), experiment_id)
    if not as_json:
        found = found.assign(
            effect=found["effect"].map(_figure),
            interval=[
                f"{_figure(a)} to {_figure(b)}"
                for a, b in zip(found["ci_low"], found["ci_high"], strict=True)
            ],
        )[_SHOWN]
    show(found, as_json, "results", experiment_id=register.parse_id(experiment_id, "experiment"))


def _figure(value: float) -> str:
    return f"{value:,.4g}"


COMMANDS: tuple[click.Command, ...] = (results_group,)
