"""`fund plan`: an experiment's evaluation plan, registered before money and amended only
with a reason (issue 11)."""

from __future__ import annotations

from collections.abc import Callable

import click
import pandas as pd

from fund import labels
from fund.cli.output import emit_json, json_option, render_table
from fund.cli.session import Session, pass_session
from fund.cli.writes import perform_write, write_options
from fund.evidence import plans
from fund.evidence.plan import PLAN_DESIGNS
from fund.evidence.plans import PlanHistory, PlanVersion

# Each option and the plan field it gives, in the order a plan is read.
_FIELDS = {
    "hypothesis": "hypothesis",
    "metric": "metric",
    "unit": "metric_unit",
    "higher_is_better": "higher_is_better",
    "design": "design",
    "baseline": "baseline",
    "target_effect": "target_effect",
    "sample": "planned_sample",
    "review_date": "review_date",
    "kill_threshold": "kill_threshold",
    "kill_by": "kill_by",
}


@click.group("plan")
def plan_group() -> None:
    """Evaluation plans: what each experiment tests and how it will be judged, registered
    before money is committed."""


def plan_options(command: Callable) -> Callable:
    """The fields of a plan, as options (numbers in the primary metric's unit)."""
    for option in reversed(
        [
            click.option("--hypothesis", help="What the experiment tests."),
            click.option("--metric", help="The primary metric."),
            click.option("--unit", help="The primary metric's unit."),
            click.option(
                "--higher-is-better/--lower-is-better",
                "higher_is_better",
                default=None,
                help="Which way the primary metric improves.",
            ),
            click.option("--design", help=f"The comparison design: {', '.join(PLAN_DESIGNS)}."),
            click.option("--baseline", help="The primary metric before the experiment."),
            click.option("--target-effect", help="The smallest improvement worth having."),
            click.option("--sample", help="The planned number of observations."),
            click.option("--review-date", metavar="YYYY-MM-DD", help="When results are reviewed."),
            click.option(
                "--kill-threshold", help="Kill criteria: the primary metric at which it stops…"
            ),
            click.option("--kill-by", metavar="YYYY-MM-DD", help="…when it is still there then."),
        ]
    ):
        command = option(command)
    return command


def _given(options: dict[str, object]) -> dict[str, object]:
    """The plan fields given on the command line (an option left out is not given)."""
    return {field: options[name] for name, field in _FIELDS.items() if options[name] is not None}


@plan_group.command("register")
@click.argument("experiment_id")
@plan_options
@write_options
@pass_session
def register_command(session: Session, experiment_id: str, key, as_json, reason, **options) -> None:
    """Register EXPERIMENT_ID's evaluation plan, before money is committed to it.

    A small grant needs only --hypothesis, --metric, --unit, which way is better and
    --design none; every other experiment is a full test, with a baseline, a target effect,
    a comparison design, a planned sample, a review date and kill criteria. Every problem is
    named at once.
    """
    perform_write(
        session,
        plans.register_plan,
        key=key,
        as_json=as_json,
        experiment_id=experiment_id,
        given=_given(options),
        reason=reason,
    )


@plan_group.command("amend")
@click.argument("experiment_id")
@plan_options
@click.option("--reason", help="Why the plan changes: required, recorded beside the version.")
@click.option("--key", help="Idempotency key: retrying with the same key writes once.")
@json_option
@pass_session
def amend_command(
    session: Session, experiment_id: str, key, as_json, reason: str | None, **options
) -> None:
    """Save a changed plan as EXPERIMENT_ID's next version: only the options given change
    (an empty value clears a field). A reason is required. Once money is committed the plan
    is frozen: results are still judged against the registered version, shown beside this
    one everywhere."""
    latest = plans.history(*session.open(), experiment_id).latest.plan.as_json()
    perform_write(
        session,
        plans.amend_plan,
        key=key,
        as_json=as_json,
        experiment_id=experiment_id,
        given=latest | _given(options),
        reason=reason or "",
    )


@plan_group.command("show")
@click.argument("experiment_id")
@json_option
@pass_session
def show_command(session: Session, experiment_id: str, as_json: bool) -> None:
    """EXPERIMENT_ID's registered plan (what results are judged against) beside the latest
    version, and every version with who made it, when and why."""
    history = plans.history(*session.open(), experiment_id)
    if as_json:
        emit_json(
            {
                "experiment_id": history.latest.experiment_id,
                "registered": _version_json(history.registered),
                "latest": _version_json(history.latest),
                "versions": [_version_json(v) for v in history.versions],
            }
        )
        return
    click.echo(_headline(history))
    click.echo(render_table(_beside(history)))
    click.echo("\nVersions:")
    click.echo(render_table(_versions(history)))


def _version_json(version: PlanVersion) -> dict[str, object]:
    return {
        "plan_id": version.plan_id,
        "version": version.version,
        **version.plan.as_json(),
        "after_commitment": version.after_commitment,
        "registered_by": version.registered_by,
        "registered_at": version.registered_at,
        "reason": version.reason,
    }


def _headline(history: PlanHistory) -> str:
    registered, latest = history.registered, history.latest
    said = (
        f"Evaluation plan of experiment #{latest.experiment_id}: results are judged against"
        f" the registered version {registered.version}"
    )
    if history.amended:
        return said + f"; the latest is version {latest.version}, an amendment."
    return said + ", the latest."


def _beside(history: PlanHistory) -> pd.DataFrame:
    """The plan's fields, the registered version beside the latest when they differ."""
    shown = {"registered": history.registered.plan.as_json()}
    if history.amended:
        shown["latest"] = history.latest.plan.as_json()
    fields = list(_FIELDS.values())
    return pd.DataFrame(
        {"field": [labels.words(field) for field in fields]}
        | {name: [_word(plan[field]) for field in fields] for name, plan in shown.items()}
    )


def _word(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else str(value)


def _versions(history: PlanHistory) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "version": [v.version for v in history.versions],
            "registered_at": [v.registered_at for v in history.versions],
            "registered_by": [v.registered_by for v in history.versions],
            "after_commitment": [v.after_commitment for v in history.versions],
            "reason": [v.reason for v in history.versions],
        }
    )


COMMANDS: tuple[click.Command, ...] = (plan_group,)
