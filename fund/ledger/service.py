"""Money operations: allocate, commit, decommit, pay, recover, write off, reverse.

Each is one audited, idempotent transaction (see :mod:`fund.unit_of_work`): the acting
user's permission is checked, references must exist (a missing programme or amount is an
error, never a silent pass), the rules in :mod:`fund.ledger.rules` are checked against the
database, and only then are entries appended.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import duckdb

from fund import db, labels, register
from fund.auth import Permission, User
from fund.board import appetite
from fund.errors import NotFound, ValidationError
from fund.ledger import approvals
from fund.ledger.posting import (
    CommitTarget,
    allocation_target,
    booked,
    commit_target,
    independent_payer,
    open_commitment,
    post,
)
from fund.ledger.rules import Attempt, Balances, Kind, Movement
from fund.money import format_gbp, to_money
from fund.unit_of_work import Request, Step, Written, perform, required_text


def value_date(value: object) -> date:
    """The date money moved: today unless given; never in the future."""
    today = db.today()
    if value is None or (isinstance(value, str) and not value.strip()):
        return today
    if isinstance(value, date):
        chosen = value
    else:
        try:
            chosen = date.fromisoformat(str(value).strip())
        except ValueError:
            raise ValidationError(
                "value date", f"must be a date as YYYY-MM-DD, not {value!r}"
            ) from None
    if chosen > today:
        raise ValidationError(
            "value date", f"must not be in the future ({chosen} is after {today})"
        )
    return chosen


def allocate(
    con: duckdb.DuckDBPyConnection,
    actor: User,
    *,
    programme_id: object,
    amount: object,
    reason: str,
    key: str,
    on: object = None,
) -> Written:
    """Allocate money from a programme's ring-fence to the programme."""
    amount = to_money(amount, "amount")
    day = value_date(on)
    request = Request(
        operation="allocate",
        key=key,
        reason=reason,
        details={"programme_id": str(programme_id), "amount": str(amount), "value_date": str(day)},
    )

    def change(step: Step) -> tuple[str, int]:
        target, known = allocation_target(step.con, programme_id)
        movement = Movement(
            kind=Kind.ALLOCATION,
            ringfence_id=target.ringfence_id,
            programme_id=target.programme_id,
            amount=amount,
        )
        attempt = Attempt(label="allocation", amount=amount)
        (entry_id,) = post(step, [movement], attempt, day, known)
        step.said = f"{format_gbp(amount)} allocated to {target.name} (ledger entry #{entry_id})."
        return "ledger entry", entry_id

    return perform(con, actor, Permission.ALLOCATE, request, change)


def commit(
    con: duckdb.DuckDBPyConnection,
    actor: User,
    *,
    experiment_id: object,
    amount: object,
    counterparty: str,
    reason: str,
    key: str,
    on: object = None,
) -> Written:
    """Commit money to an experiment: an award, contract or investment.

    Up to the ring-fence's delegated limit the commitment is made at once; above it, or when
    it would take a position past the ring-fence's declared risk appetite, it waits as an
    approval request until a second fund manager approves it (whose approval is the
    permission to breach: the appetite is not judged again).
    """
    amount = to_money(amount, "amount")
    counterparty = required_text(counterparty, "counterparty", max_length=200)
    day = value_date(on)
    request = Request(
        operation="commit",
        key=key,
        reason=reason,
        details={
            "experiment_id": str(experiment_id),
            "amount": str(amount),
            "counterparty": counterparty,
            "value_date": str(day),
        },
    )

    def change(step: Step) -> tuple[str, int]:
        target = commit_target(step.con, experiment_id)
        award = f"{format_gbp(amount)} to {counterparty} for {target.experiment.title}"
        why = _second_person(step.con, target, amount, counterparty)
        if why:
            made = approvals.request_commitment(
                step, target.experiment, amount, counterparty, day, target.known
            )
            step.said = (
                f"{award} {why}: it waits for a second fund manager as approval request #{made[1]}."
            )
            return made
        number = open_commitment(
            step, target.experiment, amount, counterparty, day, None, target.known
        )
        step.said = f"Committed {award}: commitment #{number}."
        return "commitment", number

    return perform(con, actor, Permission.COMMIT, request, change)


def _second_person(
    con: duckdb.DuckDBPyConnection, target: CommitTarget, amount: Decimal, counterparty: str
) -> str:
    """Why a commitment must wait for a second fund manager ('' when it need not): it is
    above the delegated limit, or it would take a position past the declared appetite, or
    both, and the approver is told every reason."""
    reasons = []
    limit, which = _delegated_limit(target)
    if amount > limit:
        reasons.append(f"is above the {which} of {format_gbp(limit)}")
    if target.appetite_declared:
        over = appetite.breaches(
            con,
            experiment_id=target.experiment.experiment_id,
            amount=amount,
            counterparty=counterparty,
        )
        if over:
            reasons.append(f"would breach the declared risk appetite ({'; '.join(over)})")
    return " and ".join(reasons)


def _delegated_limit(target: CommitTarget) -> tuple[Decimal, str]:
    """The most one fund manager may commit alone here, and its name: the ring-fence's
    delegated limit, or for a small grant its ring-fence's small-grant limit where one is
    declared (an award made this way, not through `fund grants`, is held to it too)."""
    small = target.small_grant_limit
    if small is not None and small < target.delegated_limit:
        return small, "small-grant delegated limit"
    return target.delegated_limit, "delegated limit"


AGAINST_COMMITMENT = {
    # operation: (kind, sign, how a refusal names it, permission)
    "decommit": (Kind.DECOMMITMENT, -1, "decommitment", Permission.COMMIT),
    "pay": (Kind.DISBURSEMENT, 1, "payment", Permission.PAY),
    "recover": (Kind.RECOVERY, 1, "recovery", Permission.PAY),
    "write off": (Kind.WRITE_OFF, 1, "write-off", Permission.PAY),
}


def against_commitment_request(
    operation: str, commitment_id: object, amount: Decimal, day: date, reason: str, key: str
) -> Request:
    """How a movement against a commitment is recorded, whether alone or in a payment run
    (so that either one's key replays the other)."""
    return Request(
        operation=operation,
        key=key,
        reason=reason,
        details={
            "commitment_id": str(commitment_id),
            "amount": str(amount),
            "value_date": str(day),
        },
    )


def _against_commitment(
    operation: str,
    con: duckdb.DuckDBPyConnection,
    actor: User,
    *,
    commitment_id: object,
    amount: object,
    reason: str,
    key: str,
    on: object = None,
) -> Written:
    kind, sign, label, permission = AGAINST_COMMITMENT[operation]
    amount = to_money(amount, "amount")
    day = value_date(on)
    request = against_commitment_request(operation, commitment_id, amount, day, reason, key)

    def change(step: Step) -> tuple[str, int]:
        number = register.parse_id(commitment_id, "commitment")
        draft = Movement(kind=kind, ringfence_id=0, amount=sign * amount)
        found = booked(step.con, number)
        if kind is Kind.DISBURSEMENT:
            independent_payer(found, step.actor.user_id)
        movement = replace(
            draft,
            ringfence_id=found.ringfence_id,
            programme_id=found.programme_id,
            commitment_id=number,
        )
        attempt = Attempt(label=label, amount=amount)
        (entry_id,) = post(step, [movement], attempt, day, Balances(commitments=(found.state,)))
        step.said = (
            f"{label.capitalize()} of {format_gbp(amount)} recorded on commitment #{number}"
            f" (ledger entry #{entry_id})."
        )
        return "ledger entry", entry_id

    return perform(con, actor, permission, request, change)


def decommit(con, actor, **kwargs) -> Written:
    """Release part of a commitment that will not be spent (paid stays within what is left)."""
    return _against_commitment("decommit", con, actor, **kwargs)


def pay(con, actor, **kwargs) -> Written:
    """Record a disbursement against a commitment; never more than its unpaid balance."""
    return _against_commitment("pay", con, actor, **kwargs)


def recover(con, actor, **kwargs) -> Written:
    """Record money coming back: a clawback of a grant, or a venture's repayment."""
    return _against_commitment("recover", con, actor, **kwargs)


def write_off(con, actor, **kwargs) -> Written:
    """Recognise that money paid out will not come back."""
    return _against_commitment("write off", con, actor, **kwargs)


def reverse(
    con: duckdb.DuckDBPyConnection, actor: User, *, entry_id: object, reason: str, key: str
) -> Written:
    """Correct an entry by posting its opposite, dated today; the original stays as it was."""
    request = Request(
        operation="reverse", key=key, reason=reason, details={"entry_id": str(entry_id)}
    )

    def change(step: Step) -> tuple[str, int]:
        original = _reversible(step.con, register.parse_id(entry_id, "entry"))
        movement = Movement(
            kind=Kind(original[1]),
            ringfence_id=original[2],
            programme_id=original[3],
            commitment_id=original[4],
            amount=-original[5],
            reverses=original[0],
        )
        attempt = Attempt(
            label=f"reversal of entry #{original[0]} ({original[1]})", amount=abs(original[5])
        )
        (new_id,) = post(step, [movement], attempt, db.today())
        step.said = (
            f"Entry #{original[0]} ({labels.value('kind', original[1]).lower()},"
            f" {format_gbp(original[5])}) reversed by entry #{new_id}."
        )
        return "ledger entry", new_id

    return perform(con, actor, Permission.REVERSE, request, change)


def _reversible(con: duckdb.DuckDBPyConnection, entry_id: int) -> tuple:
    row = con.execute(
        "SELECT e.entry_id, e.kind, e.ringfence_id, e.programme_id, e.commitment_id, e.amount,"
        " e.reverses, e.virement_id, r.entry_id"
        " FROM ledger_entry AS e LEFT JOIN ledger_entry AS r ON r.reverses = e.entry_id"
        " WHERE e.entry_id = ?",
        [entry_id],
    ).fetchone()
    if row is None:
        raise NotFound("entry", "ledger entry", entry_id)
    if row[6] is not None:
        raise ValidationError(
            "entry", f"#{entry_id} is itself a reversal; post the entry again instead"
        )
    if row[7] is not None:
        raise ValidationError(
            "entry", f"#{entry_id} is one leg of a virement; request a virement back instead"
        )
    if row[8] is not None:
        raise ValidationError("entry", f"#{entry_id} was already reversed by entry #{row[8]}")
    return row
