"""Four-eyes control: virements, and commitments above the delegated limit.

A request records what was asked and by whom and moves no money. A second fund manager
approves it (the requester never can), and only then are the entries posted, with the
rules checked against the balances at that moment. Requests and decisions are only ever
inserted; a request is pending while it has no decision.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import duckdb
import pandas as pd

from fund import audit_state, register
from fund.auth import Permission, User, require
from fund.db import duplicate_key, frame, today
from fund.errors import NotFound, RingfenceError, SecondPersonRequired, ValidationError
from fund.grants import booking
from fund.ledger.posting import check, open_commitment, post
from fund.ledger.rules import Attempt, Balances, Kind, Movement
from fund.money import format_gbp, to_money
from fund.unit_of_work import Request, Step, Written, perform


def request_commitment(
    step: Step,
    target: register.ExperimentInfo,
    amount: Decimal,
    counterparty: str,
    day: date,
    known: Balances,
) -> tuple[str, int]:
    """Park an above-limit commitment for approval (called from ``ledger.commit``, with the
    programme's balances it read)."""
    preview = Movement(
        kind=Kind.COMMITMENT,
        ringfence_id=target.ringfence_id,
        programme_id=target.programme_id,
        amount=amount,
    )
    check(step.con, [preview], Attempt(label="commitment", amount=amount), known)
    request_id = step.con.execute(
        "INSERT INTO approval_request (kind, amount, requested_by, requested_at, reason,"
        " experiment_id, counterparty, value_date) VALUES ('commitment', ?, ?, ?, ?, ?, ?, ?)"
        " RETURNING request_id",
        [amount, step.actor.user_id, step.at, step.reason, target.experiment_id, counterparty, day],
    ).fetchone()[0]
    step.record("approval_request", request_id)
    return "approval request", request_id


def request_virement(
    con: duckdb.DuckDBPyConnection,
    actor: User,
    *,
    amount: object,
    reason: str,
    key: str,
    from_programme_id: object = None,
    to_programme_id: object = None,
    from_ringfence_id: object = None,
    to_ringfence_id: object = None,
) -> Written:
    """Ask to move allocation between two programmes of a ring-fence, or budget between
    two ring-fences. Nothing moves until a second person approves."""
    amount = to_money(amount, "amount")
    by_programme = from_programme_id is not None or to_programme_id is not None
    details = {
        "amount": str(amount),
        "from_programme_id": str(from_programme_id),
        "to_programme_id": str(to_programme_id),
        "from_ringfence_id": str(from_ringfence_id),
        "to_ringfence_id": str(to_ringfence_id),
    }

    def change(step: Step) -> tuple[str, int]:
        if by_programme:
            ids = _programme_pair(step.con, from_programme_id, to_programme_id)
        else:
            ids = _ringfence_pair(step.con, from_ringfence_id, to_ringfence_id)
        check(
            step.con, _virement_legs(*ids, amount, None), Attempt(label="virement", amount=amount)
        )
        request_id = step.con.execute(
            "INSERT INTO approval_request (kind, amount, requested_by, requested_at, reason,"
            " from_ringfence_id, to_ringfence_id, from_programme_id, to_programme_id)"
            " VALUES ('virement', ?, ?, ?, ?, ?, ?, ?, ?) RETURNING request_id",
            [amount, step.actor.user_id, step.at, step.reason, *ids],
        ).fetchone()[0]
        step.record("approval_request", request_id)
        step.said = (
            f"Virement of {format_gbp(amount)} requested: it waits for a second fund manager"
            f" as approval request #{request_id}."
        )
        return "approval request", request_id

    request = Request(operation="request virement", key=key, reason=reason, details=details)
    return perform(con, actor, Permission.REQUEST_VIREMENT, request, change)


def _programme_pair(con, from_id: object, to_id: object) -> tuple:
    source = register.programme(con, from_id)
    target = register.programme(con, to_id)
    if source.programme_id == target.programme_id:
        raise ValidationError("to programme", "must differ from the programme the money leaves")
    if source.ringfence_id != target.ringfence_id:
        raise ValidationError(
            "to programme",
            "must be in the same ring-fence; move budget between ring-fences with a ring-fence virement",
        )
    return source.ringfence_id, target.ringfence_id, source.programme_id, target.programme_id


def _ringfence_pair(con, from_id: object, to_id: object) -> tuple:
    source = register.ringfence(con, from_id)
    target = register.ringfence(con, to_id)
    if source.ringfence_id == target.ringfence_id:
        raise ValidationError("to ring-fence", "must differ from the ring-fence the money leaves")
    return source.ringfence_id, target.ringfence_id, None, None


def _virement_legs(
    from_rf: int,
    to_rf: int,
    from_prog: int | None,
    to_prog: int | None,
    amount: Decimal,
    virement_id: int | None,
) -> list[Movement]:
    kind = Kind.VIREMENT if from_prog is not None else Kind.RINGFENCE_VIREMENT
    return [
        Movement(
            kind=kind,
            ringfence_id=from_rf,
            programme_id=from_prog,
            amount=-amount,
            virement_id=virement_id,
        ),
        Movement(
            kind=kind,
            ringfence_id=to_rf,
            programme_id=to_prog,
            amount=amount,
            virement_id=virement_id,
        ),
    ]


_PENDING = """
SELECT q.request_id, q.kind, q.amount, q.requested_by, q.from_ringfence_id, q.to_ringfence_id,
       q.from_programme_id, q.to_programme_id, q.experiment_id, q.counterparty, q.value_date,
       q.reason
FROM approval_request AS q
ANTI JOIN approval_decision AS d USING (request_id)
WHERE q.request_id = ?
"""


def decide(
    con: duckdb.DuckDBPyConnection,
    actor: User,
    *,
    request_id: object,
    approve: bool,
    reason: str,
    key: str,
) -> Written:
    """Approve (posting the money) or reject a pending request. The requester cannot approve;
    they may reject (withdraw) their own request."""
    if not isinstance(approve, bool):
        raise ValidationError("decision", f"must be approve or reject, not {approve!r}")
    number = register.parse_id(request_id, "request")
    operation = "approve" if approve else "reject"
    request = Request(operation=operation, key=key, reason=reason, details={"request_id": number})

    def change(step: Step) -> tuple[str, int]:
        row = step.con.execute(_PENDING, [number]).fetchone()
        if row is None:
            raise _not_pending(step.con, number)
        # Act on the request as the audit chain recorded it, never on a row edited since.
        audit_state.require_as_recorded(step.con, "approval_request", number)
        if approve and row[3] == step.actor.user_id:
            raise SecondPersonRequired(
                "approver",
                f"request #{number} was made by {step.actor.username}; "
                "a different fund manager must approve it",
            )
        try:
            step.con.execute(
                "INSERT INTO approval_decision VALUES (?, ?, ?, ?, ?)",
                [number, approve, step.actor.user_id, step.at, step.reason],
            )
        except duckdb.ConstraintException as error:
            if not duplicate_key(error):
                raise
            raise _decided_meanwhile(number) from None
        step.record("approval_decision", number)
        if not approve:
            withdrawn = row[3] == step.actor.user_id
            step.said = (
                f"Request #{number} {'withdrawn' if withdrawn else 'rejected'}: no money moved."
            )
            return "approval request", number
        # The entries carry the purpose the requester gave; the approver's reason is on the decision.
        posting = replace(step, reason=row[11])
        if row[1] == "virement":
            legs = _virement_legs(row[4], row[5], row[6], row[7], row[2], number)
            # Dated on the books' (UK) day of the approval, as every value date is.
            post(posting, legs, Attempt(label="virement", amount=row[2]), today())
            step.said = (
                f"Request #{number} approved: the virement of {format_gbp(row[2])} is posted."
            )
            return "approval request", number
        if booking.is_import(step.con, number):
            step.said = booking.on_approved(posting, number, None, row[10], row[2])
            return "approval request", number
        target = register.experiment(step.con, row[8])
        made = open_commitment(posting, target, row[2], row[9], row[10], step.actor.user_id)
        booking.on_approved(posting, number, made, row[10], row[2])
        step.said = (
            f"Request #{number} approved: commitment #{made} of {format_gbp(row[2])}"
            f" to {row[9]} for {target.title} is made."
        )
        return "commitment", made

    return perform(con, actor, Permission.APPROVE, request, change)


def _not_pending(con: duckdb.DuckDBPyConnection, number: int) -> RingfenceError:
    """Why a request cannot be decided: it was decided already (saying how), or never made."""
    decided = con.execute(
        "SELECT d.approved, u.username FROM approval_decision AS d"
        " JOIN app_user AS u ON u.user_id = d.decided_by WHERE d.request_id = ?",
        [number],
    ).fetchall()
    if not decided:
        return NotFound("request", "pending approval request", number)
    approved, by = decided[0]
    return ValidationError(
        "request", f"request #{number} was already {'approved' if approved else 'rejected'} by {by}"
    )


def _decided_meanwhile(number: int) -> ValidationError:
    """Two fund managers deciding one request at once: the second is told, not shown a crash."""
    return ValidationError(
        "request",
        f"request #{number} was decided by someone else at the same moment; "
        "nothing of yours was written (see the approvals queue)",
    )


def pending(con: duckdb.DuckDBPyConnection, actor: User) -> pd.DataFrame:
    """Requests waiting for a second person, oldest first."""
    require(con, actor, Permission.READ_LEDGER)
    return frame(
        con,
        "SELECT q.request_id, q.kind, q.amount, u.username AS requested_by,"
        " format('{} ({})', u.display_name, u.username) AS asked_by, q.requested_at,"
        " q.reason, fp.name AS from_programme, tp.name AS to_programme,"
        " fr.name AS from_ringfence, tr.name AS to_ringfence, x.title AS experiment,"
        " q.counterparty"
        " FROM approval_request AS q"
        " ANTI JOIN approval_decision AS d USING (request_id)"
        " JOIN app_user AS u ON u.user_id = q.requested_by"
        " LEFT JOIN programme AS fp ON fp.programme_id = q.from_programme_id"
        " LEFT JOIN programme AS tp ON tp.programme_id = q.to_programme_id"
        " LEFT JOIN ringfence AS fr ON fr.ringfence_id = q.from_ringfence_id"
        " LEFT JOIN ringfence AS tr ON tr.ringfence_id = q.to_ringfence_id"
        " LEFT JOIN experiment AS x ON x.experiment_id = q.experiment_id"
        " ORDER BY q.request_id",
    )
