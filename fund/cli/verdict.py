"""`fund verdict`: where an experiment stands as a test, and a fund manager's override."""

from __future__ import annotations

import click
import pandas as pd

from fund.cli.output import emit_json, json_option
from fund.cli.session import Session, pass_session
from fund.cli.writes import perform_write, write_options
from fund.evidence import override
from fund.evidence.verdict import Verdict

SHOWN = (
    "experiment_id",
    "title",
    "programme",
    "instrument",
    "plan_status",
    "registered_version",
    "latest_version",
    "metric",
    "metric_unit",
    "higher_is_better",
    "target_effect",
    "design",
    "method",
    "effect",
    "ci_low",
    "ci_high",
    "n",
    "kill_criteria_met",
    "derived_verdict",
    "verdict",
    "override_reason",
    "evidence_level",
    "lesson_version",
    "closed_at",
)


@click.group("verdict")
def verdict_group() -> None:
    """Verdicts: scale, adapt, stop or inconclusive, derived from the estimate and the plan."""


@verdict_group.command("show")
@click.argument("experiment_id")
@json_option
@pass_session
def show_command(session: Session, experiment_id: str, as_json: bool) -> None:
    """EXPERIMENT_ID's plan, latest estimate, derived and final verdict and evidence level."""
    con, actor = session.open()
    row = override.verdict_of(con, actor, experiment_id)
    shown = {name: _plain(row[name]) for name in SHOWN}
    if as_json:
        emit_json(shown)
        return
    click.echo("\n".join(_lines(shown)))


def _plain(value: object) -> object:
    """A value as JSON and people read it: numbers and dates as text, missing as None."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, bool | int | str):
        return value
    if hasattr(value, "item") and not hasattr(value, "isoformat"):
        return value.item()
    return str(value)


def _lines(shown: dict[str, object]) -> list[str]:
    named = f"Experiment #{shown['experiment_id']}: {shown['title']} ({shown['programme']})"
    lines = [named, f"Plan: {shown['plan_status']}"]
    if shown["registered_version"] is not None:
        lines.append(
            f"  registered version {shown['registered_version']}"
            f" (latest {shown['latest_version']}): {shown['metric']} ({shown['metric_unit']}),"
            f" {'higher' if shown['higher_is_better'] else 'lower'} is better,"
            f" target {shown['target_effect'] or 'none'}"
        )
    if shown["effect"] is None:
        lines.append("Estimate: no results yet")
    else:
        lines.append(
            f"Estimate: {shown['effect']:,.4g} (95% CI {shown['ci_low']:,.4g} to"
            f" {shown['ci_high']:,.4g}), {shown['method']}, {shown['n']:,} observations"
        )
    final = shown["verdict"] or "none yet"
    derived = shown["derived_verdict"] or "none yet"
    lines.append(f"Verdict: {final} (derived: {derived})")
    if shown["override_reason"]:
        lines.append(f"  overridden because: {shown['override_reason']}")
    if shown["kill_criteria_met"]:
        lines.append("  kill criteria met")
    lines.append(f"Evidence level: {shown['evidence_level']} of 5")
    return lines


@verdict_group.command("override")
@click.argument("experiment_id")
@click.option(
    "--verdict", type=click.Choice([v.value for v in Verdict]), required=True, help="The verdict."
)
@write_options
@pass_session
def override_command(
    session: Session, experiment_id: str, verdict: str, key, as_json, reason
) -> None:
    """Set EXPERIMENT_ID's final verdict, with the reason; the derived one stays shown."""
    perform_write(
        session,
        override.override_verdict,
        key=key,
        as_json=as_json,
        experiment_id=experiment_id,
        verdict=verdict,
        reason=reason,
    )


COMMANDS: tuple[click.Command, ...] = (verdict_group,)
