"""`fund evidence`: an experiment's results and its effect estimate (issue 11)."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import click

from fund.cli.output import emit_json, json_option
from fund.evidence import estimate, observations
from fund.sroi.impact_file import decode


@click.group("evidence")
def evidence_group() -> None:
    """Evidence of what an experiment did: results files and effect estimates."""


@evidence_group.command("estimate")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--design",
    type=click.Choice(estimate.DESIGNS),
    required=True,
    help="The comparison design: how the effect is estimated.",
)
@json_option
def estimate_command(file: Path, design: str, as_json: bool) -> None:
    """The effect and its 95% interval from the results FILE (CSV) alone: no database, no
    sign-in, so an analyst can check a file before it is uploaded.

    Columns: unit (optional), group (treated or comparison), period, post (0 or 1), value.
    Every bad row is reported at once with its row and field.
    """
    found = estimate.estimate(observations.read(decode(file.read_bytes())), design)
    if as_json:
        emit_json(asdict(found))
        return
    click.echo(
        "\n".join(
            [
                f"Design:   {found.design} ({found.method})",
                f"Effect:   {found.effect:,.4g}",
                f"95% CI:   {found.ci_low:,.4g} to {found.ci_high:,.4g}",
                f"Std err:  {found.std_error:,.4g}",
                f"Observations: {found.n:,}",
            ]
        )
    )


COMMANDS: tuple[click.Command, ...] = (evidence_group,)
