"""Recording an experiment's lesson, and closing the experiment, through the write path.

A lesson is revised, never edited: each record is its next version. An experiment is closed
only once it has a lesson and no money left open (no commitment with money still to pay, no
commitment waiting for a second person), and once closed it takes no new commitment
(:mod:`fund.ledger.posting`). "Stopped, with a lesson" is a successful outcome for the fund,
and both writes say so when the experiment's verdict is stop.
"""

from __future__ import annotations

from collections.abc import Mapping

import duckdb

from fund import register
from fund.auth import Permission, User
from fund.errors import ValidationError
from fund.evidence import judgement
from fund.evidence.verdict import Verdict
from fund.lessons.lesson import TEXTS, Lesson, lesson_of
from fund.money import format_gbp
from fund.unit_of_work import Request, Step, Written, perform

STOPPED = "Stopped, with a lesson: that is a successful outcome for the fund."

_LATEST = f"""
SELECT lesson_id, version, {", ".join(TEXTS)}, tags, scaling_route
FROM lesson WHERE experiment_id = ?
ORDER BY version DESC
LIMIT 1
"""  # noqa: S608 - declared column names only


def record_lesson(
    con: duckdb.DuckDBPyConnection,
    actor: User,
    experiment_id: object,
    given: Mapping[str, object],
    *,
    key: str,
    reason: str,
) -> Written:
    """Record what an experiment taught as its lesson's next version."""
    number = register.parse_id(experiment_id, "experiment")
    lesson = lesson_of(given)
    request = Request(
        operation="record lesson",
        key=key,
        reason=reason,
        details={"experiment_id": number, "lesson": lesson.as_json()},
    )

    def change(step: Step) -> tuple[str, int]:
        experiment = register.experiment(step.con, number)
        latest = _latest(step.con, number)
        if latest is not None and latest[2] == lesson:
            raise ValidationError(
                "lesson", f"is the same as version {latest[1]}; nothing was saved"
            )
        version = 1 if latest is None else latest[1] + 1
        lesson_id = step.con.execute(
            f"INSERT INTO lesson (experiment_id, version, {', '.join(TEXTS)}, tags,"  # noqa: S608
            " scaling_route, recorded_by, recorded_at, reason)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING lesson_id",
            [
                number,
                version,
                *(getattr(lesson, name) for name in TEXTS),
                list(lesson.tags),
                lesson.scaling_route,
                step.actor.user_id,
                step.at,
                step.reason,
            ],
        ).fetchone()[0]
        step.record("lesson", lesson_id)
        step.said = _with_stop(
            step.con,
            number,
            f"Lesson of experiment #{number} ({experiment.title}) recorded as version {version}.",
        )
        return "lesson", lesson_id

    return perform(con, actor, Permission.EVALUATE, request, change)


def close_experiment(
    con: duckdb.DuckDBPyConnection,
    actor: User,
    experiment_id: object,
    *,
    key: str,
    reason: str,
) -> Written:
    """Close an experiment with its latest lesson: refused without a lesson, while money to
    it is still open, or when it is closed already."""
    number = register.parse_id(experiment_id, "experiment")
    request = Request(
        operation="close experiment", key=key, reason=reason, details={"experiment_id": number}
    )

    def change(step: Step) -> tuple[str, int]:
        experiment = register.experiment(step.con, number)
        named = f"experiment #{number} '{experiment.title}'"
        _refuse_closed(step.con, number, named)
        latest = _latest(step.con, number)
        if latest is None:
            raise ValidationError(
                "lesson",
                f"{named} cannot be closed without a lesson: record what worked, what did not,"
                " what we would do differently and where it transfers",
            )
        _refuse_open_money(step.con, number, named)
        lesson_id, version, _ = latest
        step.con.execute(
            "INSERT INTO experiment_closure (experiment_id, lesson_id, closed_by, closed_at,"
            " reason) VALUES (?, ?, ?, ?, ?)",
            [number, lesson_id, step.actor.user_id, step.at, step.reason],
        )
        step.record("experiment_closure", number)
        step.said = _with_stop(
            step.con,
            number,
            f"Experiment #{number} '{experiment.title}' closed with lesson version {version}.",
        )
        return "experiment closure", number

    return perform(con, actor, Permission.MANAGE_PORTFOLIO, request, change)


def _latest(con: duckdb.DuckDBPyConnection, experiment_id: int) -> tuple[int, int, Lesson] | None:
    """The latest lesson of an experiment: its id, version and what it says."""
    row = con.execute(_LATEST, [experiment_id]).fetchone()
    if row is None:
        return None
    texts = dict(zip(TEXTS, row[2:6], strict=True))
    return row[0], row[1], Lesson(**texts, tags=tuple(row[6]), scaling_route=row[7])


def _refuse_closed(con: duckdb.DuckDBPyConnection, experiment_id: int, named: str) -> None:
    closed = con.execute(
        "SELECT c.closed_at, l.version FROM experiment_closure AS c"
        " JOIN lesson AS l USING (lesson_id) WHERE c.experiment_id = ?",
        [experiment_id],
    ).fetchone()
    if closed is not None:
        raise ValidationError(
            "experiment",
            f"{named} is already closed (on {closed[0]:%d/%m/%Y}, with lesson version {closed[1]})",
        )


# Money still open to an experiment: what its commitments hold that is not yet paid, and
# commitments to it that wait for a second person's approval.
_OPEN_COMMITMENTS = """
SELECT c.commitment_id, c.counterparty, CAST(b.committed - b.paid AS DECIMAL(18,2))
FROM commitment AS c JOIN commitment_balance AS b USING (commitment_id)
WHERE c.experiment_id = ? AND b.committed - b.paid > 0
ORDER BY c.commitment_id
"""
_PENDING_REQUESTS = """
SELECT r.request_id, r.counterparty, r.amount
FROM approval_request AS r
WHERE r.kind = 'commitment' AND r.experiment_id = ?
  AND NOT EXISTS (SELECT 1 FROM approval_decision AS d WHERE d.request_id = r.request_id)
ORDER BY r.request_id
"""


def _refuse_open_money(con: duckdb.DuckDBPyConnection, experiment_id: int, named: str) -> None:
    """Refuse, naming every commitment still open and every request still waiting."""
    open_ones = con.execute(_OPEN_COMMITMENTS, [experiment_id]).fetchall()
    waiting = con.execute(_PENDING_REQUESTS, [experiment_id]).fetchall()
    found = []
    if open_ones:
        listed = ", ".join(
            f"commitment #{cid} to {who} has {format_gbp(amount)} not yet paid"
            for cid, who, amount in open_ones
        )
        total = format_gbp(sum(amount for _, _, amount in open_ones))
        found.append(f"{listed} ({total} in all): pay or decommit what is still open")
    if waiting:
        found += [
            f"request #{rid} for a {format_gbp(amount)} commitment to {who} waits for approval:"
            " decide it first"
            for rid, who, amount in waiting
        ]
    if found:
        raise ValidationError(
            "experiment",
            f"{named} cannot be closed while money to it is still open: " + "; ".join(found),
        )


def _with_stop(con: duckdb.DuckDBPyConnection, experiment_id: int, said: str) -> str:
    """The sentence, and, when the experiment's verdict is stop, that this is a success."""
    found = judgement.judgements(con)
    verdict = found.loc[found["experiment_id"] == experiment_id, "verdict"]
    stopped = not verdict.empty and verdict.iloc[0] == Verdict.STOP.value
    return f"{said} {STOPPED}" if stopped else said
