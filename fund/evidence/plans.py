"""Registering an experiment's evaluation plan, and amending it, through the write path.

Every change is a new version; none is ever edited. The version in force when money was
first committed is the *registered* one: versions made after it are amendments, each with
its reason, and every report shows the registered version beside the latest, so a target
cannot drift to fit the results. Checking what was typed is :mod:`fund.evidence.plan`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime

import duckdb

from fund import register
from fund.auth import Permission, User, may, require
from fund.errors import NotFound, ValidationError
from fund.evidence.plan import Plan, plan_of
from fund.register import Instrument
from fund.unit_of_work import Request, Step, Written, perform

_COLUMNS = (
    "hypothesis",
    "metric",
    "metric_unit",
    "higher_is_better",
    "design",
    "baseline",
    "target_effect",
    "planned_sample",
    "review_date",
    "kill_threshold",
    "kill_by",
)


@dataclass(frozen=True, kw_only=True)
class PlanVersion:
    """One version of a plan as it was registered, by whom and why."""

    plan_id: int
    experiment_id: int
    version: int
    plan: Plan
    after_commitment: bool  # made once money was committed: an amendment of a frozen plan
    registered_by: str | None  # None for readers who may not see names
    registered_at: datetime
    reason: str


@dataclass(frozen=True, kw_only=True)
class PlanHistory:
    """Every version of an experiment's plan, oldest first, and which one is registered."""

    versions: tuple[PlanVersion, ...]

    @property
    def registered(self) -> PlanVersion:
        """The version results are judged against: the last made before money was committed
        (the first, for a plan registered once money was already held)."""
        before = [v for v in self.versions if not v.after_commitment]
        return before[-1] if before else self.versions[0]

    @property
    def latest(self) -> PlanVersion:
        return self.versions[-1]

    @property
    def amended(self) -> bool:
        """Whether a later version stands beside the registered one."""
        return self.registered is not self.latest


def register_plan(
    con: duckdb.DuckDBPyConnection,
    actor: User,
    experiment_id: object,
    given: Mapping[str, object],
    *,
    key: str,
    reason: str,
) -> Written:
    """Register an experiment's first plan."""
    return _save(con, actor, experiment_id, given, key=key, reason=reason, amending=False)


def amend_plan(
    con: duckdb.DuckDBPyConnection,
    actor: User,
    experiment_id: object,
    given: Mapping[str, object],
    *,
    key: str,
    reason: str,
) -> Written:
    """Save a changed plan as its next version, with the reason for the change. Once money is
    committed the registered version stays what results are judged against."""
    return _save(con, actor, experiment_id, given, key=key, reason=reason, amending=True)


def _save(
    con: duckdb.DuckDBPyConnection,
    actor: User,
    experiment_id: object,
    given: Mapping[str, object],
    *,
    key: str,
    reason: str,
    amending: bool,
) -> Written:
    number = register.parse_id(experiment_id, "experiment")
    typed = {name: _typed(given.get(name)) for name in _COLUMNS}
    request = Request(
        operation="amend evaluation plan" if amending else "register evaluation plan",
        key=key,
        reason=reason,
        details={"experiment_id": number, "plan": typed},
    )

    def change(step: Step) -> tuple[str, int]:
        experiment = register.experiment(step.con, number)
        plan = plan_of(typed, small_grant=experiment.instrument is Instrument.SMALL_GRANT)
        history = _history(step.con, number)
        version = _next_version(history, plan, amending, experiment)
        holds_money = step.con.execute(
            "SELECT EXISTS (SELECT 1 FROM commitment WHERE experiment_id = ?)", [number]
        ).fetchone()[0]
        plan_id = step.con.execute(
            "INSERT INTO evaluation_plan (experiment_id, version, hypothesis, metric,"
            " metric_unit, higher_is_better, design, baseline, target_effect, planned_sample,"
            " review_date, kill_threshold, kill_by, after_commitment, registered_by,"
            " registered_at, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " RETURNING plan_id",
            [
                number,
                version,
                *(getattr(plan, name) for name in _COLUMNS),
                holds_money and history is not None,
                step.actor.user_id,
                step.at,
                step.reason,
            ],
        ).fetchone()[0]
        step.record("evaluation_plan", plan_id)
        step.said = _said(experiment, version, holds_money and history is not None)
        return "evaluation plan", plan_id

    return perform(con, actor, Permission.EVALUATE, request, change)


def _typed(value: object) -> object:
    """What was typed, as the audit log records it: text, a yes/no, or nothing."""
    if value is None or isinstance(value, bool):
        return value
    return str(value)


def _next_version(
    history: PlanHistory | None, plan: Plan, amending: bool, experiment: register.ExperimentInfo
) -> int:
    named = f"experiment #{experiment.experiment_id} '{experiment.title}'"
    if history is None:
        if amending:
            raise ValidationError("evaluation plan", f"{named} has no plan to amend; register one")
        return 1
    if not amending:
        raise ValidationError(
            "evaluation plan",
            f"{named} has a plan (version {history.latest.version}); a change is an amendment"
            " with a reason",
        )
    if history.latest.plan == plan:
        raise ValidationError(
            "evaluation plan", f"is the same as version {history.latest.version}; nothing was saved"
        )
    return history.latest.version + 1


def _said(experiment: register.ExperimentInfo, version: int, frozen: bool) -> str:
    named = f"experiment #{experiment.experiment_id} ({experiment.title})"
    if version == 1:
        return f"Evaluation plan of {named} registered as version 1."
    if frozen:
        return (
            f"Evaluation plan of {named} amended as version {version}. Money is committed, so"
            " results are still judged against the registered version."
        )
    return f"Evaluation plan of {named} amended as version {version}."


_VERSIONS = f"""
SELECT e.plan_id, e.experiment_id, e.version, e.after_commitment, u.display_name,
       e.registered_at, e.reason, {", ".join("e." + c for c in _COLUMNS)}
FROM evaluation_plan AS e JOIN app_user AS u ON u.user_id = e.registered_by
WHERE e.experiment_id = ?
ORDER BY e.version
"""  # noqa: S608 - declared column names only


def _history(con: duckdb.DuckDBPyConnection, experiment_id: int) -> PlanHistory | None:
    rows = con.execute(_VERSIONS, [experiment_id]).fetchall()
    if not rows:
        return None
    return PlanHistory(versions=tuple(_version(row) for row in rows))


def _version(row: tuple) -> PlanVersion:
    plan = Plan(**dict(zip(_COLUMNS, row[7:], strict=True)))
    return PlanVersion(
        plan_id=row[0],
        experiment_id=row[1],
        version=row[2],
        plan=plan,
        after_commitment=row[3],
        registered_by=row[4],
        registered_at=row[5],
        reason=row[6],
    )


def history(con: duckdb.DuckDBPyConnection, actor: User, experiment_id: object) -> PlanHistory:
    """Every version of an experiment's plan; refused, naming the experiment, when it has
    none (it is then shown as having no registered plan)."""
    reader = require(con, actor, Permission.READ_SUMMARY)
    number = register.parse_id(experiment_id, "experiment")
    found = _history(con, number)
    if found is None:
        experiment = register.experiment(con, number)
        raise NotFound(
            "evaluation plan",
            "registered evaluation plan for experiment",
            f"#{number} '{experiment.title}'",
        )
    if may(reader.role, Permission.READ_PEOPLE):
        return found
    # Board members read summaries without names: who registered a version is left out.
    return PlanHistory(versions=tuple(replace(v, registered_by=None) for v in found.versions))


def registered_plan(con: duckdb.DuckDBPyConnection, experiment_id: int) -> PlanVersion | None:
    """The registered version of an experiment's plan (what results are judged against), for
    services that have already checked the actor's permission."""
    found = _history(con, experiment_id)
    return None if found is None else found.registered
