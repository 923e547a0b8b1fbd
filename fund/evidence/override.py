"""A fund manager's verdict in place of the derived one, always with a recorded reason.

The derived verdict is never replaced: both are shown everywhere. An override belongs to the
results it was made on; results recorded later are judged afresh by the rules.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from fund import register
from fund.auth import Permission, User
from fund.errors import ValidationError
from fund.evidence import judgement
from fund.evidence.verdict import Verdict
from fund.unit_of_work import Request, Step, Written, perform


def override_verdict(
    con: duckdb.DuckDBPyConnection,
    actor: User,
    experiment_id: object,
    verdict: str,
    *,
    key: str,
    reason: str,
) -> Written:
    """Set the final verdict of an experiment's latest results to ``verdict``."""
    number = register.parse_id(experiment_id, "experiment")
    chosen = register.choice(Verdict, verdict, "verdict")
    request = Request(
        operation="override verdict",
        key=key,
        reason=reason,
        details={"experiment_id": number, "verdict": chosen.value},
    )

    def change(step: Step) -> tuple[str, int]:
        experiment = register.experiment(step.con, number)
        standing = _standing(step.con, number)
        named = f"experiment #{number} '{experiment.title}'"
        if standing is None:
            raise ValidationError(
                "verdict", f"{named} has no results with a target to judge; nothing to override"
            )
        result_id, derived, final = standing
        if final == chosen.value:
            raise ValidationError("verdict", f"the verdict of {named} is already {final}")
        override_id = step.con.execute(
            "INSERT INTO verdict_override (experiment_id, result_id, derived, verdict,"
            " decided_by, decided_at, reason) VALUES (?, ?, ?, ?, ?, ?, ?)"
            " RETURNING override_id",
            [number, result_id, derived, chosen.value, step.actor.user_id, step.at, step.reason],
        ).fetchone()[0]
        step.record("verdict_override", override_id)
        step.said = (
            f"Verdict of {named} set to {chosen.value}; the rules derived {derived}"
            f" from results #{result_id}, and both are shown."
        )
        return "verdict override", override_id

    return perform(con, actor, Permission.EVALUATE, request, change)


def _standing(con: duckdb.DuckDBPyConnection, experiment_id: int) -> tuple | None:
    """The latest results of an experiment, with their derived and final verdicts."""
    found = judgement.judgements(con)
    row = found[found["experiment_id"] == experiment_id]
    if row.empty or row["derived_verdict"].iloc[0] is None:
        return None
    return int(row["result_id"].iloc[0]), row["derived_verdict"].iloc[0], row["verdict"].iloc[0]


def verdict_of(con: duckdb.DuckDBPyConnection, actor: User, experiment_id: object) -> pd.Series:
    """Where one experiment stands as a test: its plan, estimate, derived and final verdict,
    evidence level and lesson (one row of :func:`fund.evidence.judgement.judgements`)."""
    number = register.parse_id(experiment_id, "experiment")
    found = judgement.for_reader(con, actor)
    register.experiment(con, number)
    return found[found["experiment_id"] == number].iloc[0]
