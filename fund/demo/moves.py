"""The plan's money moves carried out through the ledger services: each keyed by one of the
two fund managers on its value date, approved by the other above the delegated limit (or past
the declared risk appetite), the demo's own mistakes reversed at once; then the two
virements, on the build's last day."""

from __future__ import annotations

from collections.abc import Callable

from fund import ledger
from fund.demo.plan import Move
from fund.demo.run import Run
from fund.unit_of_work import Written

APPROVAL_REASON = "Second fund manager's approval: above the £10,000.00 delegated limit"
APPETITE_REASON = "Second fund manager's approval: past the declared per-counterparty limit"


def carry_out(run: Run, move: Move) -> None:
    """One planned move through its service; a mistake in the plan is reversed at once."""
    written = _OPERATIONS[move.op](run, move)
    if move.undo is not None:
        with run.on(move.on):
            ledger.reverse(
                run.con,
                run.manager(move.by),
                entry_id=_entry_of(run, written),
                reason=move.undo,
                key=run.key(),
            )
        run.reversals += 1


def _entry_of(run: Run, written: Written) -> int:
    """The ledger entry a write posted (a commitment's id names its record, not its entry)."""
    if written.entity == "ledger entry":
        return written.entity_id
    return run.con.execute(
        "SELECT entry_id FROM ledger_entry WHERE commitment_id = ? AND kind = 'commitment'",
        [written.entity_id],
    ).fetchall()[0][0]


def _allocate(run: Run, move: Move) -> Written:
    with run.on(move.on):
        return ledger.allocate(
            run.con,
            run.manager(move.by),
            programme_id=run.programme_ids[move.target],
            amount=move.amount,
            reason=move.reason,
            key=run.key(),
            on=move.on,
        )


def _commit(run: Run, move: Move) -> Written:
    """Commit; above the delegated limit, or past the declared appetite, the other fund
    manager approves the request."""
    with run.on(move.on):
        written = ledger.commit(
            run.con,
            run.manager(move.by),
            experiment_id=run.experiment_ids[move.target],
            amount=move.amount,
            counterparty=run.plan.experiments[move.target].counterparty,
            reason=move.reason,
            key=run.key(),
            on=move.on,
        )
    if written.entity == "approval request":
        with run.on(move.on):
            written = ledger.decide(
                run.con,
                run.other(move.by),
                request_id=written.entity_id,
                approve=True,
                reason=APPROVAL_REASON if "delegated limit" in written.said else APPETITE_REASON,
                key=run.key(),
            )
        run.approvals += 1
    run.commitments[move.target] = written.entity_id
    return written


_AGAINST_COMMITMENT = {
    "pay": ledger.pay,
    "recover": ledger.recover,
    "write_off": ledger.write_off,
    "decommit": ledger.decommit,
}


def _against_commitment(run: Run, move: Move) -> Written:
    with run.on(move.on):
        return _AGAINST_COMMITMENT[move.op](
            run.con,
            run.manager(move.by),
            commitment_id=run.commitments[move.target],
            amount=move.amount,
            reason=move.reason,
            key=run.key(),
            on=move.on,
        )


_OPERATIONS: dict[str, Callable[[Run, Move], Written]] = {
    "allocate": _allocate,
    "commit": _commit,
    **dict.fromkeys(_AGAINST_COMMITMENT, _against_commitment),
}


def vire(run: Run) -> int:
    """Request both virements; the first is approved, the second left pending. Returns its id."""
    pending, day = 0, run.plan.window.today
    for virement in run.plan.virements:
        with run.on(day):
            request_id = ledger.request_virement(
                run.con,
                run.manager(virement.by),
                amount=virement.amount,
                reason=virement.reason,
                key=run.key(),
                from_programme_id=run.programme_ids[virement.source],
                to_programme_id=run.programme_ids[virement.destination],
            ).entity_id
        if virement.approval is None:
            pending = request_id
            continue
        with run.on(day):
            ledger.decide(
                run.con,
                run.other(virement.by),
                request_id=request_id,
                approve=True,
                reason=virement.approval,
                key=run.key(),
            )
        run.approvals += 1
    return pending
