"""Recording an experiment's results and their effect estimate, through the write path.

Results come as a file of observations (:mod:`fund.evidence.observations`) or as a summary
per cell (:mod:`fund.evidence.summary`). Either way the estimate is made by the design of
the experiment's *registered* plan, the version in force before money was committed, never
a later amendment, so a design cannot be changed to fit the data. The estimate (statsmodels
and scipy, slow to start) is made before the transaction; inside it the registered plan is
read again, and a plan changed meanwhile refuses the write rather than record an estimate
by a design that is no longer the registered one. The result set and its observations (or
cells) are written in one transaction and recorded in its audit row, so nothing is ever
half-written and ``fund audit verify`` names any later change.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import duckdb
import numpy as np
import pandas as pd

from fund import db, register
from fund.auth import Permission, User, may, require
from fund.errors import FileRefused, NotFound, Problem, ValidationError
from fund.evidence import estimate, plans, summary
from fund.evidence.estimate import Estimate
from fund.evidence.observations import Observation, read
from fund.evidence.plans import PlanVersion
from fund.unit_of_work import Request, Step, Written, perform, required_text

MAX_EVALUATOR = 200
OBSERVATION_COLUMNS = ["result_id", "file_row", "unit", "treated", "period", "post", "value"]


def upload_results(
    con: duckdb.DuckDBPyConnection,
    actor: User,
    experiment_id: object,
    text: str,
    *,
    evaluator: str | None = None,
    key: str,
    reason: str,
    alongside: Callable[[Step, int], None] | None = None,
    details: dict[str, object] | None = None,
) -> Written:
    """Record a results file (CSV text) and the estimate its registered plan's design gives.

    The file is checked whole first: every bad row is reported and nothing is stored. A
    caller whose data the file was made from (a zone's outcome series) stores it
    ``alongside``, in the same write, and adds its ``details`` to the audit row."""
    number = register.parse_id(experiment_id, "experiment")
    require(con, actor, Permission.EVALUATE)
    judged_by = _judged_by(con, number)
    found = read(text)
    sha256 = hashlib.sha256(text.encode("utf-8")).hexdigest()
    results = _Results(
        experiment_id=number,
        judged_by=judged_by,
        source="file",
        file_sha256=sha256,
        estimate=estimate.estimate(found, judged_by.plan.design),
        treated_post_mean=_treated_post_mean(found),
        evaluator=_evaluator(evaluator),
    )
    request = results.request(
        "upload results",
        key,
        reason,
        file_sha256=sha256,
        observations=len(found),
        **(details or {}),
    )

    def rows(step: Step, result_id: int) -> None:
        db.insert_all(
            step.con,
            "result_observation",
            OBSERVATION_COLUMNS,
            [
                [result_id, o.row, o.unit, o.group == "treated", o.period, o.post, float(o.value)]
                for o in found
            ],
        )
        step.record("result_observation", result_id)
        if alongside is not None:
            alongside(step, result_id)

    return _record(con, actor, results, request, rows)


def record_summary(
    con: duckdb.DuckDBPyConnection,
    actor: User,
    experiment_id: object,
    cells: object,
    *,
    evaluator: str | None = None,
    key: str,
    reason: str,
) -> Written:
    """Record results given as a summary (n, mean, sd per group and period) and the estimate
    its registered plan's design gives. Every bad cell is reported at once, with its place;
    a cell the design needs and was not given is named."""
    number = register.parse_id(experiment_id, "experiment")
    require(con, actor, Permission.EVALUATE)
    judged_by = _judged_by(con, number)
    checked = summary.cells_of(cells)
    results = _Results(
        experiment_id=number,
        judged_by=judged_by,
        source="summary",
        file_sha256=None,
        estimate=summary.estimate(checked, judged_by.plan.design),
        treated_post_mean=summary.treated_post_mean(checked),
        evaluator=_evaluator(evaluator),
    )
    request = results.request(
        "record summary results", key, reason, cells=[c.as_json() for c in checked]
    )

    def rows(step: Step, result_id: int) -> None:
        step.con.execute(
            "INSERT INTO result_cell (result_id, treated, post, n, mean, sd)"
            " SELECT $id, unnest($treated), unnest($post), unnest($n), unnest($mean),"
            " unnest($sd)",
            {
                "id": result_id,
                "treated": [c.treated for c in checked],
                "post": [c.post for c in checked],
                "n": [c.n for c in checked],
                "mean": [c.mean for c in checked],
                "sd": [c.sd for c in checked],
            },
        )
        step.record("result_cell", result_id)

    return _record(con, actor, results, request, rows)


@dataclass(frozen=True, kw_only=True)
class _Results:
    """A result set ready to store: its estimate, and the registered plan it was made by."""

    experiment_id: int
    judged_by: PlanVersion
    source: str
    file_sha256: str | None
    estimate: Estimate
    treated_post_mean: float
    evaluator: str | None

    def request(self, operation: str, key: str, reason: str, **details: object) -> Request:
        return Request(
            operation=operation,
            key=key,
            reason=reason,
            details={
                "experiment_id": self.experiment_id,
                "evaluator": self.evaluator,
                **details,
            },
        )


def _record(
    con: duckdb.DuckDBPyConnection,
    actor: User,
    results: _Results,
    request: Request,
    rows: Callable[[Step, int], None],
) -> Written:
    """Store the result set and (through ``rows``) what it was estimated from, as one write."""

    def change(step: Step) -> tuple[str, int]:
        experiment = register.experiment(step.con, results.experiment_id)
        _still_registered(step.con, results)
        found = results.estimate
        (result_id,) = step.con.execute(
            "INSERT INTO result_set (experiment_id, plan_id, source, file_sha256, design,"
            " method, effect, std_error, ci_low, ci_high, n, treated_post_mean, evaluator,"
            " recorded_by, recorded_at, reason)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING result_id",
            [
                results.experiment_id,
                results.judged_by.plan_id,
                results.source,
                results.file_sha256,
                found.design,
                found.method,
                found.effect,
                found.std_error,
                found.ci_low,
                found.ci_high,
                found.n,
                results.treated_post_mean,
                results.evaluator,
                step.actor.user_id,
                step.at,
                step.reason,
            ],
        ).fetchone()
        rows(step, result_id)
        step.record("result_set", result_id)
        step.said = _said(result_id, experiment, results)
        return "result set", result_id

    written = perform(con, actor, Permission.EVALUATE, request, change)
    if written.said:
        return written
    return replace(written, said=f"Results #{written.entity_id} were recorded before.")


def _judged_by(con: duckdb.DuckDBPyConnection, experiment_id: int) -> PlanVersion:
    """The registered plan results are judged against, refused naming the experiment when
    there is none, or when its design has no comparison to estimate."""
    registered = plans.registered_plan(con, experiment_id)
    if registered is not None and registered.plan.design != "none":
        return registered
    experiment = register.experiment(con, experiment_id)  # an unknown one is not found
    named = f"experiment #{experiment_id} '{experiment.title}'"
    if registered is None:
        raise ValidationError(
            "evaluation plan",
            f"{named} has no registered evaluation plan: register one before recording results",
        )
    raise ValidationError(
        "design",
        f"the registered plan of {named} has design none: a small grant with design none has"
        " no comparison to estimate",
    )


def _still_registered(con: duckdb.DuckDBPyConnection, results: _Results) -> None:
    """Refuse when the registered plan changed between the estimate and the write."""
    now = plans.registered_plan(con, results.experiment_id)
    if now is None or now.plan_id != results.judged_by.plan_id:
        raise ValidationError(
            "evaluation plan",
            f"the registered plan of experiment #{results.experiment_id} changed meanwhile"
            " (the estimate was made by another version); try again",
        )


def _treated_post_mean(found: tuple[Observation, ...]) -> float:
    """The treated group's mean after the start: what the kill criteria are judged on."""
    values = [float(o.value) for o in found if o.group == "treated" and o.post]
    if not values:
        raise FileRefused(
            (Problem("group", "no treated rows after the start (post 1): kill criteria need them"),)
        )
    return float(np.mean(values))


def _evaluator(given: str | None) -> str | None:
    """An independent evaluator's name, when these results are theirs."""
    if given is None or not given.strip():
        return None
    return required_text(given, "evaluator", max_length=MAX_EVALUATOR)


def _said(result_id: int, experiment: register.ExperimentInfo, results: _Results) -> str:
    found = results.estimate
    places = _places(found.std_error)
    said = (
        f"Results #{result_id} of experiment #{experiment.experiment_id} ({experiment.title}),"
        f" judged against plan version {results.judged_by.version}: effect"
        f" {found.effect:+,.{places}f} (95% CI {found.ci_low:,.{places}f} to"
        f" {found.ci_high:,.{places}f}) on {found.n:,} observations, by {found.method}."
    )
    if results.evaluator:
        said += f" Recorded as the independent evaluation of {results.evaluator}."
    return said


def _places(std_error: float) -> int:
    """Decimals enough to show the interval's width to about three figures."""
    return min(6, max(0, 2 - math.floor(math.log10(std_error))))


# --- reads -----------------------------------------------------------------------------------

_RESULTS = """
SELECT r.result_id, r.recorded_at, r.source, p.version AS plan_version, r.design, r.method,
       r.effect, r.std_error, r.ci_low, r.ci_high, r.n, r.treated_post_mean, r.evaluator,
       u.display_name AS recorded_by, r.reason, r.file_sha256
FROM result_set AS r
JOIN evaluation_plan AS p USING (plan_id)
JOIN app_user AS u ON u.user_id = r.recorded_by
WHERE r.experiment_id = ?
ORDER BY r.result_id DESC
"""


def results(con: duckdb.DuckDBPyConnection, actor: User, experiment_id: object) -> pd.DataFrame:
    """An experiment's result sets, newest first, each with its estimate and the version of
    the plan it was judged against. Board members read them without who recorded them."""
    user = require(con, actor, Permission.READ_SUMMARY)
    experiment = register.experiment(con, experiment_id)
    found = db.frame(con, _RESULTS, [experiment.experiment_id])
    return found if may(user.role, Permission.READ_PEOPLE) else found.drop(columns="recorded_by")


_OBSERVATIONS = """
SELECT CASE WHEN treated THEN 'treated' ELSE 'comparison' END AS "group", period,
       post::INTEGER AS post, value, unit
FROM result_observation
WHERE result_id = ?
ORDER BY file_row
"""


def observations(con: duckdb.DuckDBPyConnection, actor: User, result_id: object) -> pd.DataFrame:
    """The observations of a result set (none for a summary), in the file's order, for
    charts. Units may name people, so only those who may see names read them."""
    user = require(con, actor, Permission.READ_SUMMARY)
    number = register.parse_id(result_id, "result set")
    if con.execute("SELECT 1 FROM result_set WHERE result_id = ?", [number]).fetchone() is None:
        raise NotFound("result set", "result set", f"#{number}")
    found = db.frame(con, _OBSERVATIONS, [number])
    return found if may(user.role, Permission.READ_PEOPLE) else found.drop(columns="unit")
