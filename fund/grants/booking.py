"""Booking awards as commitments: one award at a time, or an import's thousands at once.

An award's commitment is made when it is decided (up to the delegated limit) or when a
second fund manager approves the request it waits on; :func:`on_approved` is how the
approvals queue (:mod:`fund.ledger.approvals`) makes it then, for a single award or for a
whole import. Many awards are booked set-based: their commitments, entries and links go in
as a handful of statements, judged by the ledger's rules as one write.
"""

from __future__ import annotations

import contextlib
from datetime import date
from decimal import Decimal

import duckdb
import pyarrow as pa

from fund import audit_state, register
from fund.errors import ValidationError
from fund.ledger.posting import append, check, keep_balances
from fund.ledger.rules import Attempt, Balances, Kind, Movement
from fund.money import ZERO, format_gbp
from fund.unit_of_work import Step


def link(step: Step, decision_id: int, commitment_id: int) -> None:
    """Record the commitment an award made (at once, or on a second fund manager's approval)."""
    step.con.execute("INSERT INTO grant_commitment VALUES (?, ?)", [decision_id, commitment_id])
    step.record("grant_commitment", decision_id)


def commit_awards(
    step: Step,
    experiment: register.ExperimentInfo,
    awards: pa.Table,
    day: date,
    approved_by: int | None,
    known: Balances | None = None,
) -> int:
    """Commit many awards (an Arrow table of decision_id, amount, counterparty) under one
    experiment in one write: the programme's allocation is their ceiling, as for any
    commitment. Returns how many were made."""
    count = awards.num_rows
    ids = sorted(
        row[0]
        for row in step.con.execute(
            "SELECT nextval('commitment_id') FROM range(?)", [count]
        ).fetchall()
    )
    booked = awards.append_column("commitment_id", pa.array(ids, pa.int32()))
    step.con.complete()
    step.con.register("booked_awards", booked)
    try:
        step.con.execute(
            "INSERT INTO commitment (commitment_id, experiment_id, counterparty, approved_by,"
            " created_at) SELECT commitment_id, ?, counterparty, ?, ? FROM booked_awards",
            [experiment.experiment_id, approved_by, step.at],
        )
        step.con.execute(
            "INSERT INTO grant_commitment SELECT decision_id, commitment_id FROM booked_awards"
        )
    except duckdb.Error:
        with contextlib.suppress(duckdb.Error):  # the transaction is aborted: say the error
            step.con.unregister("booked_awards")
        raise
    step.con.unregister("booked_awards")
    amounts = booked.column("amount").to_pylist()
    decisions = booked.column("decision_id").to_pylist()
    step.record_all("commitment", ids)
    step.record_all("grant_commitment", decisions)
    movements = [
        Movement(
            kind=Kind.COMMITMENT,
            ringfence_id=experiment.ringfence_id,
            programme_id=experiment.programme_id,
            commitment_id=commitment_id,
            amount=amount,
        )
        for commitment_id, amount in zip(ids, amounts, strict=True)
    ]
    # New commitments with nothing paid keep every commitment's rule by themselves; what the
    # many awards can break is their programme's allocation and the ring-fence, so they are
    # judged as one movement of their total, as a request for them is.
    total = sum(amounts, ZERO)
    whole = Movement(
        kind=Kind.COMMITMENT,
        ringfence_id=experiment.ringfence_id,
        programme_id=experiment.programme_id,
        amount=total,
    )
    attempt = Attempt(label=f"{count:,} small-grant commitments", amount=total)
    check(step.con, [whole], attempt, known or Balances())
    append(step.con, [(step, movement, day) for movement in movements])
    keep_balances(step.con, [whole])
    return count


_WAITING_AWARD = "SELECT decision_id FROM grant_decision WHERE request_id = ?"
_WAITING_IMPORT = """
SELECT i.import_id, i.experiment_id, i.file_name
FROM grant_import AS i WHERE i.request_id = ?
"""
_IMPORT_AWARDS = """
SELECT d.decision_id, d.amount, g.recipient AS counterparty
FROM small_grant AS g JOIN grant_decision AS d USING (grant_id)
WHERE g.import_id = ? AND d.decision = 'award' AND d.amount > 0
ORDER BY d.decision_id
"""


def on_approved(
    step: Step, request_id: int, made: int | None, day: date, requested: Decimal
) -> str | None:
    """What approving ``request_id`` does for small grants: link the single award waiting on
    it to the commitment just ``made``; or, for an import (``made`` is None: no commitment
    is made for the request itself), book every award it holds. Returns the approval's
    sentence for an import, else None."""
    if made is not None:
        row = step.con.execute(_WAITING_AWARD, [request_id]).fetchone()
        if row is not None:
            link(step, row[0], made)
        return None
    import_id, experiment_id, file_name = step.con.execute(_WAITING_IMPORT, [request_id]).fetchone()
    awards = _as_recorded(step.con, import_id, requested)
    experiment = register.experiment(step.con, experiment_id)
    count = commit_awards(step, experiment, awards, day, step.actor.user_id)
    total = requested
    return (
        f"Request #{request_id} approved: {count} grants of import #{import_id} ({file_name})"
        f" committed, {format_gbp(total)} in all."
    )


def _as_recorded(con: duckdb.DuckDBPyConnection, import_id: int, requested: Decimal) -> pa.Table:
    """An import's awards, once the import, its grants and their decisions are as the audit
    chain recorded them and add up to the amount requested: an approval acts on what was
    asked, never on rows edited since."""
    audit_state.require_as_recorded(con, "grant_import", import_id)
    grants = [row[0] for row in con.execute(_IMPORT_GRANTS, [import_id]).fetchall()]
    audit_state.require_all_as_recorded(con, "small_grant", grants)
    awards = import_awards(con, import_id)
    audit_state.require_all_as_recorded(
        con, "grant_decision", awards.column("decision_id").to_pylist()
    )
    total = sum(awards.column("amount").to_pylist(), Decimal("0.00"))
    if total != requested:
        raise ValidationError(
            "request",
            f"the import's awards add up to {format_gbp(total)}, not the"
            f" {format_gbp(requested)} requested",
        )
    return awards


_IMPORT_GRANTS = "SELECT grant_id FROM small_grant WHERE import_id = ? ORDER BY grant_id"


def import_awards(con: duckdb.DuckDBPyConnection, import_id: int) -> pa.Table:
    """An import's awards as :func:`commit_awards` books them."""
    con.complete()  # the relation API refuses while a single-row execute() is open
    return con.sql(_IMPORT_AWARDS, params=[import_id]).to_arrow_table()


def is_import(con: duckdb.DuckDBPyConnection, request_id: int) -> bool:
    """Whether a commitment request is a whole import waiting for its second fund manager."""
    return con.execute(_WAITING_IMPORT, [request_id]).fetchone() is not None
