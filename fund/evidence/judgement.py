"""Where every experiment stands as a test: its plan, its latest estimate, the verdict
derived from them and any override, the Nesta level reached, its lesson and whether it is
closed, as they stood at the end of a chosen day.

One query gathers the records, set-based, and the verdicts and levels are derived from them
by the pure, vectorised rules of :mod:`fund.evidence.verdict`: never typed, never stored
apart from a fund manager's override, which is always shown beside what the rules derived.
The Evidence and Lessons pages, the learning metrics and the CLI all read this one frame.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import duckdb
import numpy as np
import pandas as pd

from fund.auth import Permission, User, may, require
from fund.db import BOOKS_TIMEZONE, frame, today
from fund.evidence.verdict import COMPARISON_DESIGNS, evidence_levels, verdicts

NO_PLAN = "no plan yet"
NO_REGISTERED_PLAN = "no registered plan"  # money held (from before plans, or imported), no plan
REGISTERED = "registered"

_JUDGEMENT = """
WITH plan AS (
    SELECT * FROM evaluation_plan WHERE registered_at < $cutoff
),
versions AS (
    SELECT experiment_id,
           coalesce(max(version) FILTER (WHERE NOT after_commitment), min(version)) AS registered,
           max(version) AS latest
    FROM plan GROUP BY experiment_id
),
registered AS (
    SELECT p.*, v.latest AS latest_version
    FROM plan AS p JOIN versions AS v
      ON v.experiment_id = p.experiment_id AND v.registered = p.version
),
result AS (
    SELECT * FROM result_set WHERE recorded_at < $cutoff
    QUALIFY row_number() OVER (PARTITION BY experiment_id ORDER BY result_id DESC) = 1
),
evaluated AS (  -- results of an independent evaluator, each with its direction of effect
    SELECT DISTINCT experiment_id, sign(ci_low) AS side
    FROM result_set
    WHERE recorded_at < $cutoff AND evaluator IS NOT NULL AND sign(ci_low) = sign(ci_high)
),
overridden AS (
    SELECT * FROM verdict_override WHERE decided_at < $cutoff
    QUALIFY row_number() OVER (PARTITION BY result_id ORDER BY override_id DESC) = 1
),
lessons AS (
    SELECT experiment_id, arg_max(lesson_id, version) AS lesson_id, max(version) AS lesson_version,
           min(recorded_at) AS first_lesson_at
    FROM lesson WHERE recorded_at < $cutoff GROUP BY experiment_id
),
scaled AS (
    SELECT DISTINCT experiment_id FROM scaling_record WHERE recorded_at < $cutoff
),
money AS (
    SELECT DISTINCT experiment_id FROM commitment WHERE created_at < $cutoff
),
judged AS (
    SELECT x.experiment_id, x.title, x.programme_id, g.name AS programme, x.instrument,
           x.phase, x.official, x.risk_rating,
           m.experiment_id IS NOT NULL AS holds_money,
           r.version AS registered_version, r.latest_version, r.plan_id,
           r.hypothesis, r.metric, r.metric_unit, r.higher_is_better, r.design AS planned_design,
           r.baseline, r.target_effect, r.review_date, r.kill_threshold, r.kill_by,
           s.result_id, s.design, s.method, s.effect, s.ci_low, s.ci_high, s.n,
           s.treated_post_mean, s.evaluator,
           o.verdict AS overridden_to, o.reason AS override_reason,
           l.lesson_id, l.lesson_version, l.first_lesson_at,
           c.closed_at,
           k.experiment_id IS NOT NULL AS scaling_route_recorded,
           -- Confirmation: the same primary metric's interval excludes zero on the same side
           -- in another experiment, or in an independent evaluator's results for this one.
           (sign(s.ci_low) = sign(s.ci_high) AND (
               EXISTS (SELECT 1 FROM evaluated AS e
                       WHERE e.experiment_id = x.experiment_id AND e.side = sign(s.ci_low))
               OR EXISTS (SELECT 1 FROM result AS q JOIN registered AS w USING (experiment_id)
                          WHERE q.experiment_id <> x.experiment_id
                            AND lower(w.metric) = lower(r.metric)
                            AND lower(w.metric_unit) = lower(r.metric_unit)
                            AND sign(q.ci_low) = sign(q.ci_high)
                            AND sign(q.ci_low) = sign(s.ci_low))
           )) AS confirmed
    FROM experiment AS x
    JOIN programme AS g USING (programme_id)
    LEFT JOIN registered AS r USING (experiment_id)
    LEFT JOIN result AS s USING (experiment_id)
    LEFT JOIN overridden AS o ON o.result_id = s.result_id
    LEFT JOIN lessons AS l USING (experiment_id)
    LEFT JOIN experiment_closure AS c
      ON c.experiment_id = x.experiment_id AND c.closed_at < $cutoff
    LEFT JOIN scaled AS k USING (experiment_id)
    LEFT JOIN money AS m USING (experiment_id)
    WHERE x.created_at < $cutoff
)
SELECT * FROM judged ORDER BY experiment_id
"""


def cutoff(as_of: date) -> datetime:
    """The first moment after the UK day ``as_of``, in UTC as rows record times."""
    start = datetime.combine(as_of + timedelta(days=1), time(0), BOOKS_TIMEZONE)
    return start.astimezone(UTC).replace(tzinfo=None)


def judgements(con: duckdb.DuckDBPyConnection, *, as_of: date | None = None) -> pd.DataFrame:
    """One row per experiment as it stood at the end of ``as_of`` (default today): its plan
    (the registered version), latest estimate, derived and final verdict, evidence level,
    lesson and closing. For services that have checked the reader's permission."""
    day = as_of or today()
    found = frame(con, _JUDGEMENT, {"cutoff": cutoff(day)})
    return _derived(found, day)


def for_reader(
    con: duckdb.DuckDBPyConnection, actor: User, *, as_of: date | None = None
) -> pd.DataFrame:
    """:func:`judgements` for a person: every reading role, but only those who may see who is
    responsible (not board members) see the officials' names."""
    reader = require(con, actor, Permission.READ_SUMMARY)
    found = judgements(con, as_of=as_of)
    return found if may(reader.role, Permission.READ_PEOPLE) else found.drop(columns="official")


def _derived(found: pd.DataFrame, day: date) -> pd.DataFrame:
    """The plan status, kill criteria, verdicts and evidence level of each row."""
    effect = _floats(found["effect"])
    ci_low, ci_high = _floats(found["ci_low"]), _floats(found["ci_high"])
    higher = found["higher_is_better"].fillna(True).to_numpy(dtype=bool)
    killed = _kill_criteria_met(found, day, higher)
    derived = verdicts(
        effect=effect,
        ci_low=ci_low,
        ci_high=ci_high,
        target=_floats(found["target_effect"]),
        higher_is_better=higher,
        kill_criteria_met=killed,
    )
    has_plan = found["registered_version"].notna().to_numpy()
    steps = np.column_stack(
        [
            has_plan,
            found["result_id"].notna().to_numpy(),
            found["design"].isin(COMPARISON_DESIGNS).fillna(False).to_numpy(dtype=bool)
            & ((ci_low > 0) | (ci_high < 0)),
            found["confirmed"].fillna(False).to_numpy(dtype=bool),
            (found["phase"].to_numpy() >= 3) & found["scaling_route_recorded"].to_numpy(dtype=bool),
        ]
    )
    overridden = found["overridden_to"].astype(object).where(found["overridden_to"].notna(), None)
    return found.assign(
        plan_status=np.select(
            [has_plan, found["holds_money"].to_numpy(dtype=bool)],
            [REGISTERED, NO_REGISTERED_PLAN],
            NO_PLAN,
        ),
        plan_amended=(found["latest_version"] > found["registered_version"]).fillna(False),
        kill_criteria_met=killed,
        derived_verdict=pd.Series(derived, index=found.index, dtype=object),
        verdict=overridden.combine_first(pd.Series(derived, index=found.index, dtype=object)),
        evidence_level=evidence_levels(steps),
        past_review=(found["review_date"].notna() & (found["review_date"] < day)).fillna(False),
    )


def _floats(column: pd.Series) -> np.ndarray:
    """A column of estimates or plan figures as float64, NaN where missing (the analytics
    edge: plan figures are exact decimals, estimates already floats)."""
    return pd.to_numeric(column.astype(object), errors="coerce").to_numpy(dtype=float)


def _kill_criteria_met(found: pd.DataFrame, day: date, higher: np.ndarray) -> np.ndarray:
    """Kill criteria are judged from their date, on the treated group's mean after the
    start: below the threshold where higher is better, above it where lower is."""
    threshold = _floats(found["kill_threshold"])
    mean = _floats(found["treated_post_mean"])
    due = (found["kill_by"].notna() & (found["kill_by"] <= day)).fillna(False).to_numpy(dtype=bool)
    worse = np.where(higher, mean < threshold, mean > threshold)
    return due & worse
