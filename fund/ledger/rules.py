"""The money rules, as small pure functions over balances.

Each rule looks at the balances a write would leave and returns an :class:`InvariantBroken`
that names the scope, the amount attempted and the room there was, or ``None``. They run
in the fixed order of :data:`RULES` inside the write's transaction, before anything is
posted, against balances just read from the database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from decimal import Decimal

from fund.errors import InvariantBroken
from fund.ledger.effects import FEEDS, Kind
from fund.money import ZERO, format_gbp

ALLOCATED = frozenset({Kind.ALLOCATION, Kind.VIREMENT})
COMMITTED = frozenset({Kind.COMMITMENT, Kind.DECOMMITMENT})


@dataclass(frozen=True, kw_only=True)
class Movement:
    """One signed change to one balance: what a ledger entry records."""

    kind: Kind
    ringfence_id: int
    programme_id: int | None = None
    commitment_id: int | None = None
    amount: Decimal
    reverses: int | None = None
    virement_id: int | None = None


@dataclass(frozen=True, kw_only=True)
class Terms:
    """What a commitment's instrument adds to the rules, read with its balances by one
    query (:func:`fund.ledger.posting.booked`) for single writes and payment runs alike."""

    instrument: str
    may_return_more: bool  # a social venture investment may return more than it was paid
    # On a payment-by-results contract, what verified outcomes have earned on its rate card,
    # and the most that may be paid out net of recoveries: that, or what already was if a
    # verification was reversed since (the excess is flagged for recovery, and only money
    # coming back may lower it). None on other commitments: they may pay up to the commitment.
    earned: Decimal | None = None
    payable: Decimal | None = None
    contract: str = ""  # the contract that decides ``earned``, as a refusal names it
    by_metric: tuple[tuple[str, Decimal], ...] = ()  # what each metric has earned
    verifiers: frozenset[int] = frozenset()  # who verified its claims: none of them may pay it


@dataclass(frozen=True, kw_only=True)
class CommitmentState:
    commitment_id: int
    terms: Terms
    committed: Decimal
    paid: Decimal
    recovered: Decimal
    written_off: Decimal


@dataclass(frozen=True, kw_only=True)
class ProgrammeState:
    programme_id: int
    name: str
    allocated: Decimal
    committed: Decimal


@dataclass(frozen=True, kw_only=True)
class RingfenceState:
    ringfence_id: int
    name: str
    ceiling: Decimal
    allocated: Decimal


@dataclass(frozen=True, kw_only=True)
class Attempt:
    """The write being judged: how it is described in a refusal, and its size."""

    label: str
    amount: Decimal


@dataclass(frozen=True, kw_only=True)
class Balances:
    commitments: tuple[CommitmentState, ...] = ()
    programmes: tuple[ProgrammeState, ...] = ()
    ringfences: tuple[RingfenceState, ...] = ()


def _moved(movements: Iterable[Movement]) -> dict[tuple[str, int], dict[str, Decimal]]:
    """What the movements add to each figure of each (scope, id), in one pass over them."""
    moved: dict[tuple[str, int], dict[str, Decimal]] = {}
    for m in movements:
        commitment, programme, ringfence = FEEDS[m.kind]
        for scope, key, figure in (
            ("commitment", m.commitment_id, commitment),
            ("programme", m.programme_id, programme),
            ("ringfence", m.ringfence_id, ringfence),
        ):
            if figure is not None and key is not None:
                figures = moved.setdefault((scope, key), {})
                figures[figure] = figures.get(figure, ZERO) + m.amount
    return moved


def _plus(state, scope: str, key: int, moved: dict[tuple[str, int], dict[str, Decimal]]):
    """``state`` with what moved in its scope added to its figures (itself if nothing did);
    a lookup by key, so that an import of thousands of commitments stays linear."""
    figures = moved.get((scope, key))
    if not figures:
        return state
    return replace(state, **{f: getattr(state, f) + amount for f, amount in figures.items()})


def after(balances: Balances, movements: list[Movement]) -> Balances:
    """The balances once ``movements`` are posted."""
    moved = _moved(movements)
    return Balances(
        commitments=tuple(
            _plus(c, "commitment", c.commitment_id, moved) for c in balances.commitments
        ),
        programmes=tuple(_plus(p, "programme", p.programme_id, moved) for p in balances.programmes),
        ringfences=tuple(_plus(r, "ringfence", r.ringfence_id, moved) for r in balances.ringfences),
    )


def _refusal(attempt: Attempt, scope: str, room_name: str, room_after: Decimal, limit: Decimal):
    """'<what> £X exceeds <scope> <room> £Y', where Y is the room there was before the write."""
    room_before = room_after + attempt.amount
    return InvariantBroken(
        field="amount",
        rule=(
            f"{attempt.label} {format_gbp(attempt.amount)} exceeds {scope} "
            f"{room_name} {format_gbp(room_before)}"
        ),
        limit=limit,
        attempted=attempt.amount,
    )


def payments_within_commitment(state: Balances, attempt: Attempt) -> InvariantBroken | None:
    """Paid ≤ committed, per commitment."""
    for c in state.commitments:
        if c.paid > c.committed:
            unpaid = c.committed - c.paid
            return _refusal(
                attempt, f"commitment #{c.commitment_id}", "unpaid", unpaid, c.committed
            )
    return None


def recoveries_within_payments(state: Balances, attempt: Attempt) -> InvariantBroken | None:
    """Write-offs (and, except for venture returns, recoveries) cannot exceed what was paid."""
    for c in state.commitments:
        returned = c.written_off if c.terms.may_return_more else c.written_off + c.recovered
        if returned > c.paid:
            left = c.paid - returned
            scope = f"commitment #{c.commitment_id}"
            return _refusal(attempt, scope, "paid and not yet recovered", left, c.paid)
    return None


def payments_within_earned(state: Balances, attempt: Attempt) -> InvariantBroken | None:
    """Paid net of recoveries ≤ earned, per commitment whose terms pay only for verified
    outcomes (× price, within each metric's cap and the most one participant may earn). The
    refusal names the contract, what each metric has earned and the amount attempted."""
    for c in state.commitments:
        terms = c.terms
        if terms.payable is not None and c.paid - c.recovered > terms.payable:
            unpaid = terms.payable - (c.paid - c.recovered) + attempt.amount
            metrics = "; ".join(f"{m} {format_gbp(e)}" for m, e in terms.by_metric if e)
            return InvariantBroken(
                field="amount",
                rule=(
                    f"{attempt.label} {format_gbp(attempt.amount)} exceeds what"
                    f" {terms.contract} has earned and not yet paid, {format_gbp(unpaid)}:"
                    f" verified outcomes have earned {format_gbp(terms.earned)}"
                    f" ({metrics or 'nothing verified yet'})"
                ),
                limit=terms.earned,
                attempted=attempt.amount,
            )
    return None


def commitments_within_allocation(state: Balances, attempt: Attempt) -> InvariantBroken | None:
    """Committed ≤ allocated, per programme."""
    for p in state.programmes:
        if p.committed > p.allocated:
            available = p.allocated - p.committed
            return _refusal(attempt, f"programme {p.name!r}", "available", available, p.allocated)
    return None


def allocations_within_ringfence(state: Balances, attempt: Attempt) -> InvariantBroken | None:
    """Allocated ≤ ring-fence, per ring-fence (its declared amount moved by virements)."""
    for r in state.ringfences:
        if r.allocated > r.ceiling:
            unallocated = r.ceiling - r.allocated
            return _refusal(
                attempt, f"ring-fence {r.name!r}", "unallocated", unallocated, r.ceiling
            )
    return None


Rule = Callable[[Balances, Attempt], InvariantBroken | None]

RULES: tuple[Rule, ...] = (
    payments_within_commitment,
    payments_within_earned,
    recoveries_within_payments,
    commitments_within_allocation,
    allocations_within_ringfence,
)


def breaches(
    before: Balances, movements: list[Movement], attempt: Attempt
) -> list[InvariantBroken]:
    """Every rule the movements would break, in rule order (empty when the write may go ahead)."""
    return broken(after(before, movements), attempt)


def broken(state: Balances, attempt: Attempt) -> list[InvariantBroken]:
    """Every rule the balances after a write break, in rule order: for a caller that keeps
    the balances after each write, as a payment run does, so each is worked out once."""
    return [error for rule in RULES if (error := rule(state, attempt)) is not None]
