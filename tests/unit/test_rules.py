"""The money rules as pure functions over balances: no database, just the arithmetic of
committed ≤ allocated ≤ ring-fence and paid ≤ committed, and the exact words of a refusal."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fund.errors import InvariantBroken
from fund.ledger.rules import (
    RULES,
    Attempt,
    Balances,
    CommitmentState,
    Kind,
    Movement,
    ProgrammeState,
    RingfenceState,
    Terms,
    after,
    allocations_within_ringfence,
    breaches,
    commitments_within_allocation,
    payments_within_commitment,
    payments_within_earned,
    recoveries_within_payments,
)

D = Decimal


def commitment(cid=7, *, committed="0", paid="0", recovered="0", written_off="0", venture=False):
    return CommitmentState(
        commitment_id=cid,
        terms=Terms(
            instrument="social_venture" if venture else "small_grant", may_return_more=venture
        ),
        committed=D(committed),
        paid=D(paid),
        recovered=D(recovered),
        written_off=D(written_off),
    )


def programme(pid=3, *, allocated="0", committed="0", name="Young people into work"):
    return ProgrammeState(
        programme_id=pid, name=name, allocated=D(allocated), committed=D(committed)
    )


def ringfence(rid=1, *, ceiling="1000000", allocated="0", name="Innovation Fund"):
    return RingfenceState(ringfence_id=rid, name=name, ceiling=D(ceiling), allocated=D(allocated))


def attempt(label, amount):
    return Attempt(label=label, amount=D(amount))


# --- paid ≤ committed, per commitment ---------------------------------------------------


def test_a_payment_up_to_the_unpaid_balance_breaks_no_rule():
    state = Balances(commitments=(commitment(committed="50000", paid="50000"),))
    assert payments_within_commitment(state, attempt("payment", "20000")) is None


def test_payment_stops_at_the_unpaid_balance():
    # The balances as they would be after paying £20,000 on a £50,000 commitment with £40,000 paid.
    state = Balances(commitments=(commitment(committed="50000", paid="60000"),))
    error = payments_within_commitment(state, attempt("payment", "20000"))
    assert isinstance(error, InvariantBroken)
    assert error.field == "amount"
    assert error.rule == "payment £20,000.00 exceeds commitment #7 unpaid £10,000.00"
    assert error.limit == D("50000")
    assert error.attempted == D("20000")


def test_a_decommitment_cannot_release_money_already_paid():
    # £50,000 committed, £40,000 paid, £20,000 released: £30,000 left is less than paid.
    state = Balances(commitments=(commitment(committed="30000", paid="40000"),))
    error = payments_within_commitment(state, attempt("decommitment", "20000"))
    assert error.rule == "decommitment £20,000.00 exceeds commitment #7 unpaid £10,000.00"


# --- recoveries and write-offs ≤ paid ---------------------------------------------------


def test_a_recovery_up_to_what_was_paid_breaks_no_rule():
    state = Balances(commitments=(commitment(committed="100", paid="80", recovered="80"),))
    assert recoveries_within_payments(state, attempt("recovery", "80")) is None


def test_a_grant_cannot_recover_more_than_was_paid():
    state = Balances(commitments=(commitment(committed="100", paid="80", recovered="90"),))
    error = recoveries_within_payments(state, attempt("recovery", "30"))
    assert error.rule == "recovery £30.00 exceeds commitment #7 paid and not yet recovered £20.00"
    assert error.limit == D("80")


def test_recoveries_and_write_offs_together_cannot_exceed_what_was_paid():
    state = Balances(
        commitments=(commitment(committed="100", paid="80", recovered="50", written_off="40"),)
    )
    error = recoveries_within_payments(state, attempt("write-off", "40"))
    assert error.rule == "write-off £40.00 exceeds commitment #7 paid and not yet recovered £30.00"


def test_a_social_venture_may_return_more_than_was_paid_in():
    state = Balances(
        commitments=(commitment(committed="100", paid="80", recovered="500", venture=True),)
    )
    assert recoveries_within_payments(state, attempt("recovery", "420")) is None


def test_a_social_venture_still_cannot_write_off_more_than_was_paid_in():
    state = Balances(
        commitments=(
            commitment(committed="100", paid="80", recovered="500", written_off="81", venture=True),
        )
    )
    error = recoveries_within_payments(state, attempt("write-off", "81"))
    assert error.rule == "write-off £81.00 exceeds commitment #7 paid and not yet recovered £80.00"


# --- committed ≤ allocated, per programme -------------------------------------------------


def test_a_commitment_up_to_the_programme_available_breaks_no_rule():
    state = Balances(programmes=(programme(allocated="100000", committed="100000"),))
    assert commitments_within_allocation(state, attempt("commitment", "45000")) is None


def test_commitment_stops_at_the_programme_available():
    # £100,000 allocated, £55,000 committed, then £60,000 more: £115,000 committed.
    state = Balances(programmes=(programme(allocated="100000", committed="115000"),))
    error = commitments_within_allocation(state, attempt("commitment", "60000"))
    assert str(error) == (
        "amount: commitment £60,000.00 exceeds programme 'Young people into work' "
        "available £45,000.00"
    )
    assert error.limit == D("100000")
    assert error.attempted == D("60000")


def test_a_virement_cannot_take_away_money_already_committed():
    state = Balances(programmes=(programme(allocated="30000", committed="35000"),))
    error = commitments_within_allocation(state, attempt("virement", "10000"))
    assert (
        error.rule
        == "virement £10,000.00 exceeds programme 'Young people into work' available £5,000.00"
    )


# --- allocated ≤ ring-fence ----------------------------------------------------------------


def test_an_allocation_up_to_the_ring_fence_breaks_no_rule():
    state = Balances(ringfences=(ringfence(ceiling="1000000", allocated="1000000"),))
    assert allocations_within_ringfence(state, attempt("allocation", "1")) is None


def test_allocation_stops_at_the_ring_fence():
    state = Balances(ringfences=(ringfence(ceiling="1000000", allocated="1000000.01"),))
    error = allocations_within_ringfence(state, attempt("allocation", "250000.01"))
    assert error.rule == (
        "allocation £250,000.01 exceeds ring-fence 'Innovation Fund' unallocated £250,000.00"
    )
    assert error.limit == D("1000000")


def test_each_rule_looks_at_every_scope_and_names_the_first_broken_one():
    state = Balances(
        programmes=(
            programme(1, allocated="10", committed="10", name="Fine"),
            programme(2, allocated="10", committed="12", name="Overspent"),
        )
    )
    error = commitments_within_allocation(state, attempt("commitment", "5"))
    assert error.rule == "commitment £5.00 exceeds programme 'Overspent' available £3.00"


# --- after(): the balances a write would leave ----------------------------------------------


def test_after_applies_each_movement_only_to_the_balance_its_kind_feeds():
    before = Balances(
        commitments=(commitment(7, committed="100", paid="10"),),
        programmes=(programme(3, allocated="500", committed="100"),),
        ringfences=(ringfence(1, ceiling="1000", allocated="500"),),
    )
    movements = [
        Movement(kind=Kind.ALLOCATION, ringfence_id=1, programme_id=3, amount=D("50")),
        Movement(
            kind=Kind.COMMITMENT, ringfence_id=1, programme_id=3, commitment_id=7, amount=D("20")
        ),
        Movement(
            kind=Kind.DECOMMITMENT, ringfence_id=1, programme_id=3, commitment_id=7, amount=D("-5")
        ),
        Movement(
            kind=Kind.DISBURSEMENT, ringfence_id=1, programme_id=3, commitment_id=7, amount=D("30")
        ),
        Movement(
            kind=Kind.RECOVERY, ringfence_id=1, programme_id=3, commitment_id=7, amount=D("4")
        ),
        Movement(
            kind=Kind.WRITE_OFF, ringfence_id=1, programme_id=3, commitment_id=7, amount=D("3")
        ),
        Movement(kind=Kind.RINGFENCE_VIREMENT, ringfence_id=1, amount=D("-100")),
    ]
    state = after(before, movements)
    assert state.commitments[0] == commitment(
        7, committed="115", paid="40", recovered="4", written_off="3"
    )
    assert state.programmes[0] == programme(3, allocated="550", committed="115")
    assert state.ringfences[0] == ringfence(1, ceiling="900", allocated="550")


def test_a_programme_virement_moves_allocation_but_not_the_ring_fence_total():
    before = Balances(
        programmes=(
            programme(3, allocated="500", name="A"),
            programme(4, allocated="100", name="B"),
        ),
        ringfences=(ringfence(1, ceiling="1000", allocated="600"),),
    )
    legs = [
        Movement(kind=Kind.VIREMENT, ringfence_id=1, programme_id=3, amount=D("-200")),
        Movement(kind=Kind.VIREMENT, ringfence_id=1, programme_id=4, amount=D("200")),
    ]
    state = after(before, legs)
    assert [p.allocated for p in state.programmes] == [D("300"), D("300")]
    assert state.ringfences[0].allocated == D("600")
    assert state.ringfences[0].ceiling == D("1000")


def test_movements_for_other_scopes_leave_a_balance_alone():
    before = Balances(
        commitments=(commitment(7, committed="100"),),
        programmes=(programme(3, allocated="100"),),
        ringfences=(ringfence(1, ceiling="100"),),
    )
    others = [
        Movement(kind=Kind.ALLOCATION, ringfence_id=2, programme_id=9, amount=D("50")),
        Movement(
            kind=Kind.DISBURSEMENT, ringfence_id=2, programme_id=9, commitment_id=8, amount=D("1")
        ),
    ]
    assert after(before, others) == before


def test_after_keeps_money_exact():
    before = Balances(programmes=(programme(3, allocated="0.10"),))
    movements = [
        Movement(kind=Kind.ALLOCATION, ringfence_id=1, programme_id=3, amount=D("0.20"))
    ] * 3
    state = after(before, movements)
    assert state.programmes[0].allocated == D("0.70")


# --- breaches(): every rule in its fixed order ------------------------------------------


def test_the_rules_are_a_fixed_ordered_tuple():
    assert isinstance(RULES, tuple)
    assert [rule.__name__ for rule in RULES] == [
        "payments_within_commitment",
        "payments_within_earned",
        "recoveries_within_payments",
        "commitments_within_allocation",
        "allocations_within_ringfence",
    ]


def test_a_write_within_every_limit_breaks_nothing():
    before = Balances(
        programmes=(programme(3, allocated="100", committed="40"),),
        ringfences=(ringfence(1, ceiling="1000", allocated="100"),),
    )
    move = Movement(kind=Kind.ALLOCATION, ringfence_id=1, programme_id=3, amount=D("900"))
    assert breaches(before, [move], attempt("allocation", "900")) == []


def test_breaches_lists_every_broken_rule_in_rule_order():
    before = Balances(
        commitments=(commitment(7, committed="100", paid="100"),),
        programmes=(programme(3, allocated="100", committed="100"),),
        ringfences=(ringfence(1, ceiling="100", allocated="100"),),
    )
    moves = [
        Movement(
            kind=Kind.DISBURSEMENT, ringfence_id=1, programme_id=3, commitment_id=7, amount=D("5")
        ),
        Movement(
            kind=Kind.COMMITMENT, ringfence_id=1, programme_id=3, commitment_id=7, amount=D("1")
        ),
        Movement(kind=Kind.ALLOCATION, ringfence_id=1, programme_id=3, amount=D("-1")),
        Movement(kind=Kind.RINGFENCE_VIREMENT, ringfence_id=1, amount=D("-2")),
    ]
    # The room named is what there was before the attempt: room after + the attempted £5.
    found = breaches(before, moves, attempt("test", "5"))
    assert [e.rule for e in found] == [
        "test £5.00 exceeds commitment #7 unpaid £1.00",
        "test £5.00 exceeds programme 'Young people into work' available £3.00",
        "test £5.00 exceeds ring-fence 'Innovation Fund' unallocated £4.00",
    ]


@pytest.mark.parametrize("rule", RULES)
def test_every_rule_passes_on_empty_balances(rule):
    assert rule(Balances(), attempt("anything", "1")) is None


def test_every_rule_is_pure_and_leaves_its_inputs_untouched():
    before = Balances(
        commitments=(commitment(7, committed="100", paid="50"),),
        programmes=(programme(3, allocated="100", committed="100"),),
        ringfences=(ringfence(1, ceiling="100", allocated="100"),),
    )
    move = Movement(kind=Kind.ALLOCATION, ringfence_id=1, programme_id=3, amount=D("1"))
    first = breaches(before, [move], attempt("allocation", "1"))
    second = breaches(before, [move], attempt("allocation", "1"))
    assert [str(e) for e in first] == [str(e) for e in second]
    assert before.ringfences[0].allocated == D("100")


def test_reversing_a_paid_commitment_is_refused_with_the_unpaid_room():
    before = Balances(
        commitments=(commitment(7, committed="100", paid="100"),),
        programmes=(programme(3, allocated="100", committed="100"),),
    )
    move = Movement(
        kind=Kind.COMMITMENT,
        ringfence_id=1,
        programme_id=3,
        commitment_id=7,
        amount=D("-100"),
        reverses=1,
    )
    found = breaches(before, [move], attempt("reversal of entry #1 (commitment)", "100"))
    assert [e.rule for e in found] == [
        "reversal of entry #1 (commitment) £100.00 exceeds commitment #7 unpaid £0.00"
    ]


# --- paid net of recoveries ≤ earned, on a payment-by-results contract ----------------------


def pbr(*, paid="0", recovered="0", earned="1000", payable=None):
    terms = Terms(
        instrument="pbr_contract",
        may_return_more=False,
        earned=D(earned),
        payable=D(payable or earned),
        contract="PbR contract #4 'Bond'",
        by_metric=(("A", D(earned)), ("B", D("0"))),
    )
    return CommitmentState(
        commitment_id=9,
        terms=terms,
        committed=D("5000"),
        paid=D(paid),
        recovered=D(recovered),
        written_off=D("0"),
    )


def test_a_payment_up_to_what_is_earned_breaks_no_rule():
    state = Balances(commitments=(pbr(paid="1000"),))
    assert payments_within_earned(state, attempt("p", "1")) is None


def test_a_payment_past_what_is_earned_names_the_contract_its_metrics_and_the_amount():
    refused = payments_within_earned(
        Balances(commitments=(pbr(paid="1000.01"),)), attempt("payment", "400.01")
    )
    assert str(refused) == (
        "amount: payment £400.01 exceeds what PbR contract #4 'Bond' has earned and not yet"
        " paid, £400.00: verified outcomes have earned £1,000.00 (A £1,000.00)"
    )
    assert (refused.limit, refused.attempted) == (D("1000"), D("400.01"))


def test_money_coming_back_makes_room_and_an_overpayment_only_blocks_more_payments():
    # Recovered money is netted off: £1,200 paid, £300 back, £1,000 earned leaves £100.
    state = Balances(commitments=(pbr(paid="1200", recovered="300"),))
    assert payments_within_earned(state, attempt("p", "100")) is None
    # After a reversal, £900 earned, £1,000 already paid (payable is what was paid): a
    # recovery of part of it goes through, a further payment does not.
    over = pbr(paid="1000", earned="900", payable="1000")
    assert payments_within_earned(Balances(commitments=(over,)), attempt("p", "0")) is None
    more = pbr(paid="1000.01", earned="900", payable="1000")
    assert payments_within_earned(Balances(commitments=(more,)), attempt("p", "0.01"))


def test_other_instruments_are_not_judged_by_what_is_earned():
    grant = commitment(committed="100", paid="100")
    assert payments_within_earned(Balances(commitments=(grant,)), attempt("p", "1")) is None
