"""Valuations: what an investment is worth on a day, and on what basis, through the write
path.

A valuation is a record, not a ledger entry: no money moves when a venture is revalued. It
gives the residual value of the venture metrics (:mod:`fund.ventures.metrics`). The basis
says where the figure comes from: cost (what was put in), the price of the last round,
written down (the fund's own judgement of a loss), or written off (worth nothing, so its
value must be zero). A valuation is never edited: a later one supersedes it.
"""

from __future__ import annotations

from datetime import date

import duckdb

from fund import labels, register
from fund.auth import Permission, User
from fund.db import today
from fund.errors import NotFound, ValidationError
from fund.money import format_gbp, to_money
from fund.pbr.contracts import parse_date
from fund.unit_of_work import Request, Step, Written, perform

EARLIEST = date(1990, 1, 1)  # before any fund could hold a social venture investment
BASES = ("cost", "last_round", "written_down", "written_off")


def record_valuation(
    con: duckdb.DuckDBPyConnection,
    actor: User,
    *,
    commitment_id: object,
    valued_on: object,
    value: object,
    basis: object,
    key: str,
    reason: str,
) -> Written:
    """Record what an investment is worth on ``valued_on`` (fund manager)."""
    commitment = register.parse_id(commitment_id, "commitment")
    day = parse_date(valued_on, "valued on")
    if day > today():
        raise ValidationError("valued on", f"{day} is in the future: value what is known today")
    if day < EARLIEST:
        raise ValidationError("valued on", f"must be on or after {EARLIEST}, not {day}")
    kind = _basis(basis)
    worth = to_money(value, "value", positive=False)
    if worth < 0:
        raise ValidationError("value", f"must not be negative, not {worth}")
    if kind == "written_off" and worth:
        raise ValidationError(
            "value", f"must be £0.00 when written off (worth nothing), not {format_gbp(worth)}"
        )
    request = Request(
        operation="record valuation",
        key=key,
        reason=reason,
        details={
            "commitment_id": commitment,
            "valued_on": day.isoformat(),
            "value": str(worth),
            "basis": kind,
        },
    )

    def change(step: Step) -> tuple[str, int]:
        title = _investment(step.con, commitment)
        (valuation_id,) = step.con.execute(
            "INSERT INTO venture_valuation (commitment_id, valued_on, value, basis,"
            " recorded_by, recorded_at, reason) VALUES (?, ?, ?, ?, ?, ?, ?)"
            " RETURNING valuation_id",
            [commitment, day, worth, kind, step.actor.user_id, step.at, step.reason],
        ).fetchone()
        step.record("venture_valuation", valuation_id)
        step.said = (
            f"Valuation #{valuation_id}: commitment #{commitment} of {title!r} worth"
            f" {format_gbp(worth)} on {day} ({labels.value('basis', kind).lower()})."
        )
        return "valuation", valuation_id

    return perform(con, actor, Permission.MANAGE_PORTFOLIO, request, change)


def _basis(value: object) -> str:
    kind = (
        str(value).strip().lower().replace(" ", "_").replace("-", "_") if value is not None else ""
    )
    if kind not in BASES:
        raise ValidationError(
            "basis", f"must be cost, last round, written down or written off, not {value!r}"
        )
    return kind


def _investment(con: duckdb.DuckDBPyConnection, commitment_id: int) -> str:
    """The experiment's title; refused unless the commitment has investment terms."""
    row = con.execute(
        "SELECT x.title, t.commitment_id FROM commitment AS c"
        " JOIN experiment AS x USING (experiment_id)"
        " LEFT JOIN venture_terms AS t USING (commitment_id) WHERE c.commitment_id = ?",
        [commitment_id],
    ).fetchone()
    if row is None:
        raise NotFound("commitment", "commitment", commitment_id)
    if row[1] is None:
        raise ValidationError(
            "commitment",
            f"#{commitment_id} has no investment terms: record them before valuing it",
        )
    return row[0]
