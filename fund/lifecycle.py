"""The local social innovation lifecycle: 0 latent → 1 design & discovery → 2 mobilisation →
3 mainstream → 4 embedding.

Experiments advance one phase at a time; any attempt may fail (the phase stays where it
was, and the failure is recorded because failures teach), and any experiment may fall back
to an earlier phase. Every move records who, when and why. Ideas that spread record the
scaling route they took.
"""

from __future__ import annotations

from enum import StrEnum

import duckdb
import pandas as pd

from fund import labels, register
from fund.auth import Permission, User, require
from fund.db import frame
from fund.errors import ValidationError
from fund.register import Phase, phase_label
from fund.unit_of_work import Request, Step, Written, perform


class Outcome(StrEnum):
    ADVANCED = "advanced"
    REVERSED = "reversed"
    FAILED = "failed"


class ScalingRoute(StrEnum):
    UNCONTROLLED_DIFFUSION = "uncontrolled_diffusion"
    DIRECT_DIFFUSION = "direct_diffusion"
    TAKEOVER = "takeover"
    ORGANISATIONAL_GROWTH = "organisational_growth"

    @property
    def label(self) -> str:
        return labels.SCALING_ROUTES[self.value]


SPREADING_PHASES = (Phase.MAINSTREAM, Phase.EMBEDDING)


def outcome_of(current: int, target: int, failed: bool) -> Outcome:
    """Judge a requested move; raise when the lifecycle does not allow it."""
    if target == current:
        raise ValidationError("phase", f"the experiment is already in {phase_label(current)}")
    if target < current:
        if failed:
            raise ValidationError("outcome", "only an attempt to advance can fail")
        return Outcome.REVERSED
    if target != current + 1:
        raise ValidationError(
            "phase",
            f"experiments advance one phase at a time: from {phase_label(current)} "
            f"the next is {phase_label(current + 1)}",
        )
    return Outcome.FAILED if failed else Outcome.ADVANCED


def move(
    con: duckdb.DuckDBPyConnection,
    actor: User,
    *,
    experiment_id: object,
    to_phase: object,
    failed: bool = False,
    reason: str,
    key: str,
) -> Written:
    """Move an experiment to another phase (or record a failed attempt to), with a reason."""
    target = register.parse_phase(to_phase)
    request = Request(
        operation="move phase",
        key=key,
        reason=reason,
        details={"experiment_id": str(experiment_id), "to_phase": target, "failed": failed},
    )

    def change(step: Step) -> tuple[str, int]:
        found = register.experiment(step.con, experiment_id)
        current = step.con.execute(
            "SELECT phase FROM experiment WHERE experiment_id = ?", [found.experiment_id]
        ).fetchone()[0]
        outcome = outcome_of(current, target, failed)
        if outcome is not Outcome.FAILED:
            step.con.execute(
                "UPDATE experiment SET phase = ? WHERE experiment_id = ?",
                [target, found.experiment_id],
            )
            step.record("experiment", found.experiment_id)
        move_id = step.con.execute(
            "INSERT INTO lifecycle_move (experiment_id, from_phase, to_phase, outcome, reason,"
            " actor_id, moved_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING move_id",
            [
                found.experiment_id,
                current,
                target,
                outcome.value,
                step.reason,
                step.actor.user_id,
                step.at,
            ],
        ).fetchone()[0]
        step.record("lifecycle_move", move_id)
        step.said = _moved(found, current, target, outcome, move_id)
        return "lifecycle move", move_id

    return perform(con, actor, Permission.MANAGE_PORTFOLIO, request, change)


def _moved(
    found: register.ExperimentInfo, current: int, target: int, outcome: Outcome, move_id: int
) -> str:
    """What a move did, in words: a failed attempt says the phase stayed."""
    named = f"Experiment #{found.experiment_id} '{found.title}'"
    if outcome is Outcome.FAILED:
        return (
            f"{named}: the attempt to reach {phase_label(target)} failed; it stays in"
            f" {phase_label(current)} (lifecycle move #{move_id})."
        )
    return (
        f"{named} {outcome.value} from {phase_label(current)} to {phase_label(target)}"
        f" (lifecycle move #{move_id})."
    )


def record_scaling_route(
    con: duckdb.DuckDBPyConnection,
    actor: User,
    *,
    experiment_id: object,
    route: str,
    reason: str,
    key: str,
) -> Written:
    """Record how an idea spread; only a mainstream or embedded experiment can spread."""
    chosen = register.choice(ScalingRoute, route, "scaling route")
    request = Request(
        operation="record scaling route",
        key=key,
        reason=reason,
        details={"experiment_id": str(experiment_id), "route": chosen.value},
    )

    def change(step: Step) -> tuple[str, int]:
        found = register.experiment(step.con, experiment_id)
        phase = step.con.execute(
            "SELECT phase FROM experiment WHERE experiment_id = ?", [found.experiment_id]
        ).fetchone()[0]
        if phase not in SPREADING_PHASES:
            raise ValidationError(
                "scaling route",
                f"an experiment in {phase_label(phase)} has not spread yet; record the route "
                f"once it reaches {phase_label(Phase.MAINSTREAM)}",
            )
        step.con.execute(
            "INSERT INTO scaling_record VALUES (?, ?, ?, ?, ?)",
            [found.experiment_id, chosen.value, step.reason, step.actor.user_id, step.at],
        )
        step.record("scaling_record", found.experiment_id)
        step.said = (
            f"Experiment #{found.experiment_id} '{found.title}': scaling route recorded"
            f" ({chosen.label})."
        )
        return "experiment", found.experiment_id

    return perform(con, actor, Permission.MANAGE_PORTFOLIO, request, change)


def history(con: duckdb.DuckDBPyConnection, actor: User, experiment_id: object) -> pd.DataFrame:
    """Every move of one experiment, newest first."""
    require(con, actor, Permission.READ_LEDGER)
    return frame(
        con,
        "SELECT m.moved_at, m.from_phase, m.to_phase, m.outcome, m.reason, u.display_name AS by"
        " FROM lifecycle_move AS m JOIN app_user AS u ON u.user_id = m.actor_id"
        " WHERE m.experiment_id = ? ORDER BY m.move_id DESC",
        [register.parse_id(experiment_id, "experiment")],
    )
