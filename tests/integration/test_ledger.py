"""The ledger on a real database: a funding story told step by step with the position
checked after each step, every invariant of DESIGN §3 refused with nothing written,
idempotent writes, and fail-closed references."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest

from fund import audit, ledger, register
from fund import portfolio as positions
from fund.db import utc_now
from fund.errors import (
    DatabaseBusy,
    IdempotencyConflict,
    InvariantBroken,
    NotFound,
    RingfenceError,
    SecondPersonRequired,
    ValidationError,
    describe,
)
from fund.portfolio import position
from fund.unit_of_work import Written
from tests.conftest import key
from tests.integration.helpers import (
    nothing_written,
)

D = Decimal
TOTAL_COLUMNS = positions.POSITION_FIGURES
PROGRAMME_COLUMNS = (
    "allocated",
    "committed",
    "paid",
    "recovered",
    "written_off",
    "outstanding",
    "available",
)


def total(con, actor) -> dict[str, Decimal]:
    frame = position(con, actor, "total")
    assert len(frame) == 1
    row = {c: frame.iloc[0][c] for c in TOTAL_COLUMNS}
    assert all(isinstance(v, Decimal) for v in row.values()), row
    return row


def by_programme(con, actor) -> dict[str, dict[str, Decimal]]:
    frame = position(con, actor, "programme")
    rows = {r["programme"]: {c: r[c] for c in PROGRAMME_COLUMNS} for _, r in frame.iterrows()}
    assert all(isinstance(v, Decimal) for row in rows.values() for v in row.values())
    return rows


def expect_total(
    con,
    actor,
    *,
    ring_fence,
    allocated,
    committed="0",
    paid="0",
    recovered="0",
    written_off="0",
):
    outstanding = D(committed) - D(paid)
    available = D(allocated) - D(committed)
    headroom = D(ring_fence) - D(allocated)
    assert total(con, actor) == {
        "ring_fence": D(ring_fence),
        "allocated": D(allocated),
        "committed": D(committed),
        "paid": D(paid),
        "recovered": D(recovered),
        "written_off": D(written_off),
        "outstanding": outstanding,
        "available": available,
        "headroom": headroom,
    }


def programme_row(allocated, committed="0", paid="0", recovered="0", written_off="0"):
    return {
        "allocated": D(allocated),
        "committed": D(committed),
        "paid": D(paid),
        "recovered": D(recovered),
        "written_off": D(written_off),
        "outstanding": D(committed) - D(paid),
        "available": D(allocated) - D(committed),
    }


def entry(con, entry_id) -> tuple:
    return con.execute(
        "SELECT kind, amount, reverses, virement_id, value_date FROM ledger_entry"
        " WHERE entry_id = ?",
        [entry_id],
    ).fetchone()


def last_entry_id(con) -> int:
    return con.execute("SELECT max(entry_id) FROM ledger_entry").fetchone()[0]


def commit_now(con, actor, experiment_id, amount, counterparty="Youth Trust"):
    return ledger.commit(
        con,
        actor,
        experiment_id=experiment_id,
        amount=amount,
        counterparty=counterparty,
        reason="award",
        key=key(),
    )


# --- the worked example ---------------------------------------------------------------


def test_a_funding_story_from_declaration_to_virement_keeps_the_position_exact(
    con, people, portfolio
):
    fm, second = people.manager, people.second_manager
    young, inclusion = "Young people into work", "Financial inclusion"
    grant_experiment = portfolio.experiments["small_grant"]
    pbr_experiment = portfolio.experiments["pbr_contract"]

    # 1. Two ring-fences are declared: £1,000,000 and £200,000, nothing allocated yet.
    expect_total(con, fm, ring_fence="1200000", allocated="0")
    assert by_programme(con, fm) == {young: programme_row("0"), inclusion: programme_row("0")}

    # 2. The fund manager allocates £100,000 to young people and £50,000 to inclusion.
    ledger.allocate(
        con, fm, programme_id=portfolio.programme_id, amount="100,000.00", reason="plan", key=key()
    )
    ledger.allocate(
        con,
        fm,
        programme_id=portfolio.other_programme_id,
        amount="£50000",
        reason="plan",
        key=key(),
    )
    expect_total(con, fm, ring_fence="1200000", allocated="150000")
    assert by_programme(con, fm) == {
        young: programme_row("100000"),
        inclusion: programme_row("50000"),
    }

    # 3. A £8,000 small grant is within the £10,000 delegated limit: committed at once.
    grant = commit_now(con, fm, grant_experiment, "8000")
    assert (grant.entity, grant.replayed) == ("commitment", False)
    expect_total(con, fm, ring_fence="1200000", allocated="150000", committed="8000")

    # 4. A £47,000 contract is above the limit: it waits for a second fund manager.
    asked = commit_now(con, fm, pbr_experiment, "47000", counterparty="Outcomes Ltd")
    assert asked.entity == "approval request"
    expect_total(con, fm, ring_fence="1200000", allocated="150000", committed="8000")
    waiting = ledger.pending(con, fm)
    assert list(waiting["request_id"]) == [asked.entity_id]
    assert waiting.iloc[0]["amount"] == D("47000.00")
    assert waiting.iloc[0]["requested_by"] == "manager"
    with nothing_written(con), pytest.raises(SecondPersonRequired) as refused:
        ledger.decide(con, fm, request_id=asked.entity_id, approve=True, reason="mine", key=key())
    assert refused.value.field == "approver"
    approved = ledger.decide(
        con, second, request_id=asked.entity_id, approve=True, reason="good case", key=key()
    )
    assert approved.entity == "commitment"
    contract_id = approved.entity_id
    assert con.execute(
        "SELECT approved_by, counterparty FROM commitment WHERE commitment_id = ?", [contract_id]
    ).fetchone() == (second.user_id, "Outcomes Ltd")
    # The entry carries the requester's purpose; the approver's reason is on the decision.
    assert con.execute(
        "SELECT reason, actor_id FROM ledger_entry WHERE commitment_id = ?", [contract_id]
    ).fetchone() == ("award", second.user_id)
    assert ledger.pending(con, fm).empty
    expect_total(con, fm, ring_fence="1200000", allocated="150000", committed="55000")
    assert by_programme(con, fm)[young] == programme_row("100000", committed="55000")

    # 5. £60,000 more would exceed what the programme has left.
    with nothing_written(con), pytest.raises(InvariantBroken) as refused:
        commit_now(con, fm, pbr_experiment, "60000")
    assert describe(refused.value) == (
        "amount: commitment £60,000.00 exceeds programme 'Young people into work' "
        "available £45,000.00"
    )
    assert (refused.value.limit, refused.value.attempted) == (D("100000.00"), D("60000.00"))

    # 6. Payments: £5,000 of the grant and £20,000 of the contract.
    ledger.pay(con, fm, commitment_id=grant.entity_id, amount="5000", reason="first", key=key())
    ledger.pay(con, fm, commitment_id=contract_id, amount="20000", reason="outcomes", key=key())
    expect_total(con, fm, ring_fence="1200000", allocated="150000", committed="55000", paid="25000")
    with nothing_written(con), pytest.raises(InvariantBroken) as refused:
        ledger.pay(con, fm, commitment_id=contract_id, amount="27000.01", reason="x", key=key())
    assert refused.value.rule == (
        f"payment £27,000.01 exceeds commitment #{contract_id} unpaid £27,000.00"
    )

    # 7. The grant will not need its last £3,000: decommitted.
    ledger.decommit(
        con, fm, commitment_id=grant.entity_id, amount="3000", reason="underspend", key=key()
    )
    expect_total(con, fm, ring_fence="1200000", allocated="150000", committed="52000", paid="25000")
    assert by_programme(con, fm)[young] == programme_row("100000", committed="52000", paid="25000")

    # 8. £1,000 of the grant is clawed back.
    ledger.recover(
        con, fm, commitment_id=grant.entity_id, amount="1000", reason="clawback", key=key()
    )
    expect_total(
        con,
        fm,
        ring_fence="1200000",
        allocated="150000",
        committed="52000",
        paid="25000",
        recovered="1000",
    )

    # 9. £500 of it will never come back: written off ...
    ledger.write_off(con, fm, commitment_id=grant.entity_id, amount="500", reason="lost", key=key())
    write_off_id = last_entry_id(con)
    expect_total(
        con,
        fm,
        ring_fence="1200000",
        allocated="150000",
        committed="52000",
        paid="25000",
        recovered="1000",
        written_off="500",
    )

    # 10. ... until the write-off turns out to be a mistake and is reversed.
    reversal = ledger.reverse(con, fm, entry_id=write_off_id, reason="paid after all", key=key())
    assert entry(con, reversal.entity_id)[:3] == ("write_off", D("-500.00"), write_off_id)
    assert entry(con, write_off_id)[:3] == ("write_off", D("500.00"), None)
    expect_total(
        con,
        fm,
        ring_fence="1200000",
        allocated="150000",
        committed="52000",
        paid="25000",
        recovered="1000",
    )

    # 11. £10,000 moves from inclusion to young people: asked by one, approved by another.
    vire = ledger.request_virement(
        con,
        fm,
        amount="10000",
        from_programme_id=portfolio.other_programme_id,
        to_programme_id=portfolio.programme_id,
        reason="demand",
        key=key(),
    )
    assert vire.entity == "approval request"
    assert by_programme(con, fm)[inclusion] == programme_row("50000")
    ledger.decide(con, second, request_id=vire.entity_id, approve=True, reason="ok", key=key())
    assert by_programme(con, fm) == {
        young: programme_row("110000", committed="52000", paid="25000", recovered="1000"),
        inclusion: programme_row("40000"),
    }
    expect_total(
        con,
        fm,
        ring_fence="1200000",
        allocated="150000",
        committed="52000",
        paid="25000",
        recovered="1000",
    )

    # 12. £50,000 of budget moves between the ring-fences: the total ceiling is unchanged.
    move = ledger.request_virement(
        con,
        second,
        amount="50000",
        from_ringfence_id=portfolio.other_ringfence_id,
        to_ringfence_id=portfolio.ringfence_id,
        reason="rebalance",
        key=key(),
    )
    ledger.decide(con, fm, request_id=move.entity_id, approve=True, reason="agreed", key=key())
    ceilings = position(con, fm, "ringfence")
    assert dict(zip(ceilings["ringfence"], ceilings["ring_fence"], strict=True)) == {
        "Innovation Fund": D("1050000.00"),
        "Second Fund": D("150000.00"),
    }
    for column in ("ring_fence", "allocated", "committed", "paid", "available", "headroom"):
        assert sum(ceilings[column], D("0")) == total(con, fm)[column]
    expect_total(
        con,
        fm,
        ring_fence="1200000",
        allocated="150000",
        committed="52000",
        paid="25000",
        recovered="1000",
    )

    # The whole story is on the audit chain, and the chain is intact.
    check = audit.verify(con, people.auditor)
    assert check.ok, check.problem
    assert check.entries == con.execute("SELECT count(*) FROM ledger_entry").fetchone()[0]


def test_the_delegated_limit_itself_needs_no_second_person(con, people, funded):
    at_limit = commit_now(con, people.manager, funded.experiments["small_grant"], "10000.00")
    over = commit_now(con, people.manager, funded.experiments["small_grant"], "10000.01")
    assert at_limit.entity == "commitment"
    assert over.entity == "approval request"
    assert total(con, people.manager)["committed"] == D("10000.00")


def test_an_above_limit_request_moves_no_money_until_approved(con, people, funded):
    before = total(con, people.manager)
    asked = commit_now(con, people.manager, funded.experiments["pbr_contract"], "40000")
    assert total(con, people.manager) == before
    assert con.execute("SELECT count(*) FROM commitment").fetchone()[0] == 0
    assert con.execute(
        "SELECT kind, amount FROM approval_request WHERE request_id = ?", [asked.entity_id]
    ).fetchone() == ("commitment", D("40000.00"))


def test_a_reversal_is_dated_today_and_leaves_the_original_untouched(con, people, funded):
    fm = people.manager
    last_month = utc_now().date() - timedelta(days=31)
    ledger.allocate(
        con, fm, programme_id=funded.programme_id, amount="10", reason="x", key=key(), on=last_month
    )
    original_id = last_entry_id(con)
    original = con.execute(
        "SELECT * FROM ledger_entry WHERE entry_id = ?", [original_id]
    ).fetchone()
    before = utc_now().date()
    reversal = ledger.reverse(con, fm, entry_id=original_id, reason="typo", key=key())
    kind, amount, reverses, virement, dated = entry(con, reversal.entity_id)
    assert (kind, amount, reverses, virement) == ("allocation", D("-10.00"), original_id, None)
    assert before <= dated <= utc_now().date()
    assert (
        con.execute("SELECT * FROM ledger_entry WHERE entry_id = ?", [original_id]).fetchone()
        == original
    )


def test_burn_by_month_adds_up_to_the_position(con, people, funded):
    fm = people.manager
    today = utc_now().date()
    grant = commit_now(con, fm, funded.experiments["small_grant"], "6000").entity_id
    ledger.pay(
        con,
        fm,
        commitment_id=grant,
        amount="2500",
        reason="x",
        key=key(),
        on=today - timedelta(days=70),
    )
    ledger.pay(con, fm, commitment_id=grant, amount="1000.01", reason="x", key=key())
    ledger.recover(con, fm, commitment_id=grant, amount="0.01", reason="x", key=key())
    burn = positions.burn_by_month(con, fm)
    months = list(burn["month"])
    assert months == sorted(months)
    assert len(months) >= 3  # every month in between shows, even with nothing in it
    assert sum(burn["committed"], D("0")) == D("6000.00")
    assert sum(burn["paid"], D("0")) == D("3500.01")
    assert sum(burn["recovered"], D("0")) == D("0.01")
    last = burn.iloc[-1]
    assert (last["cumulative_committed"], last["cumulative_paid"]) == (D("6000.00"), D("3500.01"))
    assert set(burn["ring_fence"]) == {D("1200000.00")}
    position_now = total(con, fm)
    assert (position_now["committed"], position_now["paid"]) == (D("6000.00"), D("3500.01"))
    headline = positions.headline(con, fm)
    assert (headline.committed, headline.paid, headline.available) == (
        D("6000.00"),
        D("3500.01"),
        D("94000.00"),
    )
    # Partners bring £4,000.00 to each of the four experiments: £16,000.00 on £6,000.00.
    assert headline.match_funding == D("16000.00")
    assert headline.leverage == D("2.67")


# --- refusals for every invariant ----------------------------------------------------------


def test_allocation_stops_at_the_ring_fence(con, people, funded):
    with nothing_written(con), pytest.raises(InvariantBroken) as refused:
        ledger.allocate(
            con,
            people.manager,
            programme_id=funded.programme_id,
            amount="900000.01",
            reason="too much",
            key=key(),
        )
    assert describe(refused.value) == (
        "amount: allocation £900,000.01 exceeds ring-fence 'Innovation Fund' unallocated £900,000.00"
    )
    ledger.allocate(
        con,
        people.manager,
        programme_id=funded.programme_id,
        amount="900000.00",
        reason="all of it",
        key=key(),
    )
    assert total(con, people.manager)["allocated"] == D("1000000.00")


def test_commitment_stops_at_the_programme_allocation(con, people, funded):
    fm = people.manager
    for _ in range(10):
        commit_now(con, fm, funded.experiments["small_grant"], "10000")
    with nothing_written(con), pytest.raises(InvariantBroken) as refused:
        commit_now(con, fm, funded.experiments["small_grant"], "0.01")
    assert refused.value.rule == (
        "commitment £0.01 exceeds programme 'Young people into work' available £0.00"
    )


def test_an_unfunded_programme_cannot_commit_anything(con, people, portfolio):
    with nothing_written(con), pytest.raises(InvariantBroken) as refused:
        commit_now(con, people.manager, portfolio.experiments["small_grant"], "1")
    assert "available £0.00" in refused.value.rule


def test_an_approval_is_checked_against_the_balances_at_that_moment(con, people, funded):
    fm, second = people.manager, people.second_manager
    first = commit_now(con, fm, funded.experiments["pbr_contract"], "60000")
    later = commit_now(con, second, funded.experiments["pbr_contract"], "50000")
    # Both fitted when asked; the later one is approved first and uses the room.
    ledger.decide(con, fm, request_id=later.entity_id, approve=True, reason="ok", key=key())
    with nothing_written(con), pytest.raises(InvariantBroken) as refused:
        ledger.decide(con, second, request_id=first.entity_id, approve=True, reason="ok", key=key())
    assert refused.value.rule == (
        "commitment £60,000.00 exceeds programme 'Young people into work' available £50,000.00"
    )
    assert list(ledger.pending(con, fm)["request_id"]) == [first.entity_id]


def test_payment_stops_at_the_unpaid_balance(con, people, funded):
    fm = people.manager
    grant = commit_now(con, fm, funded.experiments["small_grant"], "5000").entity_id
    ledger.pay(con, fm, commitment_id=grant, amount="4000", reason="x", key=key())
    with nothing_written(con), pytest.raises(InvariantBroken) as refused:
        ledger.pay(con, fm, commitment_id=grant, amount="1000.01", reason="x", key=key())
    assert refused.value.rule == f"payment £1,000.01 exceeds commitment #{grant} unpaid £1,000.00"
    ledger.pay(con, fm, commitment_id=grant, amount="1000", reason="x", key=key())
    assert total(con, fm)["paid"] == D("5000.00")


def test_payments_are_limited_per_commitment_not_per_programme(con, people, funded):
    fm = people.manager
    one = commit_now(con, fm, funded.experiments["small_grant"], "1000").entity_id
    commit_now(con, fm, funded.experiments["small_grant"], "9000")
    with nothing_written(con), pytest.raises(InvariantBroken):
        ledger.pay(con, fm, commitment_id=one, amount="1500", reason="x", key=key())


def test_a_decommitment_cannot_go_below_what_was_paid(con, people, funded):
    fm = people.manager
    grant = commit_now(con, fm, funded.experiments["small_grant"], "5000").entity_id
    ledger.pay(con, fm, commitment_id=grant, amount="3000", reason="x", key=key())
    with nothing_written(con), pytest.raises(InvariantBroken) as refused:
        ledger.decommit(con, fm, commitment_id=grant, amount="2000.01", reason="x", key=key())
    assert refused.value.rule == (
        f"decommitment £2,000.01 exceeds commitment #{grant} unpaid £2,000.00"
    )


def test_a_grant_cannot_recover_more_than_was_paid(con, people, funded):
    fm = people.manager
    grant = commit_now(con, fm, funded.experiments["small_grant"], "5000").entity_id
    ledger.pay(con, fm, commitment_id=grant, amount="3000", reason="x", key=key())
    ledger.recover(con, fm, commitment_id=grant, amount="1000", reason="x", key=key())
    with nothing_written(con), pytest.raises(InvariantBroken) as refused:
        ledger.recover(con, fm, commitment_id=grant, amount="2000.01", reason="x", key=key())
    assert refused.value.rule == (
        f"recovery £2,000.01 exceeds commitment #{grant} paid and not yet recovered £2,000.00"
    )


def test_a_write_off_cannot_exceed_what_was_paid_and_not_recovered(con, people, funded):
    fm = people.manager
    grant = commit_now(con, fm, funded.experiments["small_grant"], "5000").entity_id
    ledger.pay(con, fm, commitment_id=grant, amount="3000", reason="x", key=key())
    ledger.recover(con, fm, commitment_id=grant, amount="1000", reason="x", key=key())
    with nothing_written(con), pytest.raises(InvariantBroken) as refused:
        ledger.write_off(con, fm, commitment_id=grant, amount="2000.01", reason="x", key=key())
    assert refused.value.rule == (
        f"write-off £2,000.01 exceeds commitment #{grant} paid and not yet recovered £2,000.00"
    )


def test_nothing_paid_means_nothing_to_recover_or_write_off(con, people, funded):
    fm = people.manager
    grant = commit_now(con, fm, funded.experiments["small_grant"], "5000").entity_id
    for operation in (ledger.recover, ledger.write_off):
        with nothing_written(con), pytest.raises(InvariantBroken):
            operation(con, fm, commitment_id=grant, amount="0.01", reason="x", key=key())


def test_a_social_venture_may_repay_more_than_it_was_paid(con, people, funded):
    fm = people.manager
    venture = commit_now(con, fm, funded.experiments["social_venture"], "8000").entity_id
    ledger.pay(con, fm, commitment_id=venture, amount="8000", reason="investment", key=key())
    ledger.recover(con, fm, commitment_id=venture, amount="12000", reason="exit", key=key())
    assert total(con, fm)["recovered"] == D("12000.00")
    with nothing_written(con), pytest.raises(InvariantBroken):
        ledger.write_off(con, fm, commitment_id=venture, amount="8000.01", reason="x", key=key())


def test_a_virement_cannot_take_away_money_already_committed(con, people, funded):
    fm = people.manager
    commit_now(con, fm, funded.experiments["small_grant"], "10000")
    with nothing_written(con), pytest.raises(InvariantBroken) as refused:
        ledger.request_virement(
            con,
            fm,
            amount="90000.01",
            from_programme_id=funded.programme_id,
            to_programme_id=funded.other_programme_id,
            reason="x",
            key=key(),
        )
    assert refused.value.rule == (
        "virement £90,000.01 exceeds programme 'Young people into work' available £90,000.00"
    )


def test_a_virement_is_rechecked_when_it_is_approved(con, people, funded):
    fm, second = people.manager, people.second_manager
    asked = ledger.request_virement(
        con,
        fm,
        amount="95000",
        from_programme_id=funded.programme_id,
        to_programme_id=funded.other_programme_id,
        reason="x",
        key=key(),
    )
    commit_now(con, fm, funded.experiments["small_grant"], "10000")
    with nothing_written(con), pytest.raises(InvariantBroken) as refused:
        ledger.decide(con, second, request_id=asked.entity_id, approve=True, reason="ok", key=key())
    assert refused.value.rule == (
        "virement £95,000.00 exceeds programme 'Young people into work' available £90,000.00"
    )


def test_a_ring_fence_virement_cannot_take_away_allocated_budget(con, people, funded):
    with nothing_written(con), pytest.raises(InvariantBroken) as refused:
        ledger.request_virement(
            con,
            people.manager,
            amount="900000.01",
            from_ringfence_id=funded.ringfence_id,
            to_ringfence_id=funded.other_ringfence_id,
            reason="x",
            key=key(),
        )
    assert refused.value.rule == (
        "virement £900,000.01 exceeds ring-fence 'Innovation Fund' unallocated £900,000.00"
    )


@pytest.mark.parametrize(
    ("pair", "field"),
    [
        ({"from_programme_id": "P", "to_programme_id": "P"}, "to programme"),
        ({"from_programme_id": "P", "to_programme_id": "OTHER_FENCE"}, "to programme"),
        ({"from_ringfence_id": "R", "to_ringfence_id": "R"}, "to ring-fence"),
    ],
)
def test_a_virement_needs_two_different_places_in_the_right_ring_fence(
    con, people, funded, pair, field
):
    elsewhere = register.add_programme(
        con,
        people.manager,
        ringfence_id=funded.other_ringfence_id,
        name="Elsewhere",
        target="t",
        key=key(),
    ).entity_id
    ids = {"P": funded.programme_id, "OTHER_FENCE": elsewhere, "R": funded.ringfence_id}
    with nothing_written(con), pytest.raises(ValidationError) as refused:
        ledger.request_virement(
            con,
            people.manager,
            amount="10",
            reason="x",
            key=key(),
            **{name: ids[value] for name, value in pair.items()},
        )
    assert refused.value.field == field


# --- four eyes ----------------------------------------------------------------------------


def test_virement_needs_a_second_person(con, people, funded):
    fm = people.manager
    asked = ledger.request_virement(
        con,
        fm,
        amount="1000",
        from_programme_id=funded.programme_id,
        to_programme_id=funded.other_programme_id,
        reason="x",
        key=key(),
    )
    with nothing_written(con), pytest.raises(SecondPersonRequired) as refused:
        ledger.decide(con, fm, request_id=asked.entity_id, approve=True, reason="me", key=key())
    assert describe(refused.value).startswith("approver: ")
    assert "a different fund manager must approve it" in describe(refused.value)


def test_an_above_limit_commitment_needs_a_second_person(con, people, funded):
    asked = commit_now(con, people.second_manager, funded.experiments["pbr_contract"], "20000")
    with nothing_written(con), pytest.raises(SecondPersonRequired):
        ledger.decide(
            con,
            people.second_manager,
            request_id=asked.entity_id,
            approve=True,
            reason="me",
            key=key(),
        )
    done = ledger.decide(
        con, people.manager, request_id=asked.entity_id, approve=True, reason="ok", key=key()
    )
    assert done.entity == "commitment"


def test_a_requester_may_withdraw_their_own_request_and_then_nobody_can_approve_it(
    con, people, funded
):
    fm = people.manager
    asked = commit_now(con, fm, funded.experiments["pbr_contract"], "20000")
    ledger.decide(con, fm, request_id=asked.entity_id, approve=False, reason="withdrawn", key=key())
    assert ledger.pending(con, fm).empty
    assert con.execute(
        "SELECT approved, decided_by FROM approval_decision WHERE request_id = ?", [asked.entity_id]
    ).fetchone() == (False, fm.user_id)
    with nothing_written(con), pytest.raises(ValidationError) as refused:
        ledger.decide(
            con,
            people.second_manager,
            request_id=asked.entity_id,
            approve=True,
            reason="ok",
            key=key(),
        )
    assert describe(refused.value) == (
        f"request: request #{asked.entity_id} was already rejected by manager"
    )
    assert total(con, fm)["committed"] == D("0.00")


def test_a_request_is_decided_once(con, people, funded):
    asked = commit_now(con, people.manager, funded.experiments["pbr_contract"], "20000")
    ledger.decide(
        con, people.second_manager, request_id=asked.entity_id, approve=True, reason="ok", key=key()
    )
    with nothing_written(con), pytest.raises(ValidationError) as refused:
        ledger.decide(
            con,
            people.second_manager,
            request_id=asked.entity_id,
            approve=True,
            reason="again",
            key=key(),
        )
    assert describe(refused.value) == (
        f"request: request #{asked.entity_id} was already approved by second"
    )


@pytest.mark.parametrize("decision", ["no", "yes", 1, None])
def test_a_decision_that_is_neither_approve_nor_reject_is_refused(con, people, funded, decision):
    # A form's 'no' must never post the money while recording a rejection.
    asked = commit_now(con, people.manager, funded.experiments["pbr_contract"], "20000")
    with nothing_written(con), pytest.raises(ValidationError) as refused:
        ledger.decide(
            con,
            people.second_manager,
            request_id=asked.entity_id,
            approve=decision,
            reason="no",
            key=key(),
        )
    assert refused.value.field == "decision"


# --- reversals ---------------------------------------------------------------------------


def test_an_entry_cannot_be_reversed_twice(con, people, funded):
    fm = people.manager
    allocation = last_entry_id(con)
    first = ledger.reverse(con, fm, entry_id=allocation, reason="wrong", key=key())
    with nothing_written(con), pytest.raises(ValidationError) as refused:
        ledger.reverse(con, fm, entry_id=allocation, reason="again", key=key())
    assert describe(refused.value) == (
        f"entry: #{allocation} was already reversed by entry #{first.entity_id}"
    )


def test_a_reversal_cannot_itself_be_reversed(con, people, funded):
    fm = people.manager
    reversal = ledger.reverse(con, fm, entry_id=last_entry_id(con), reason="wrong", key=key())
    with nothing_written(con), pytest.raises(ValidationError) as refused:
        ledger.reverse(con, fm, entry_id=reversal.entity_id, reason="undo", key=key())
    assert describe(refused.value) == (
        f"entry: #{reversal.entity_id} is itself a reversal; post the entry again instead"
    )


def test_a_virement_leg_cannot_be_reversed(con, people, funded):
    fm = people.manager
    asked = ledger.request_virement(
        con,
        fm,
        amount="1000",
        from_programme_id=funded.programme_id,
        to_programme_id=funded.other_programme_id,
        reason="x",
        key=key(),
    )
    ledger.decide(
        con, people.second_manager, request_id=asked.entity_id, approve=True, reason="ok", key=key()
    )
    legs = [
        r[0]
        for r in con.execute(
            "SELECT entry_id FROM ledger_entry WHERE virement_id = ? ORDER BY entry_id",
            [asked.entity_id],
        ).fetchall()
    ]
    assert len(legs) == 2
    for leg in legs:
        with nothing_written(con), pytest.raises(ValidationError) as refused:
            ledger.reverse(con, fm, entry_id=leg, reason="undo", key=key())
        assert "is one leg of a virement" in refused.value.rule


def test_reversing_an_allocation_that_is_committed_is_refused(con, people, funded):
    fm = people.manager
    allocation = last_entry_id(con)
    commit_now(con, fm, funded.experiments["small_grant"], "10000")
    with nothing_written(con), pytest.raises(InvariantBroken) as refused:
        ledger.reverse(con, fm, entry_id=allocation, reason="x", key=key())
    assert refused.value.rule == (
        f"reversal of entry #{allocation} (allocation) £100,000.00 exceeds programme "
        "'Young people into work' available £90,000.00"
    )


def test_reversing_a_commitment_that_is_paid_is_refused(con, people, funded):
    fm = people.manager
    grant = commit_now(con, fm, funded.experiments["small_grant"], "5000").entity_id
    committed_entry = last_entry_id(con)
    ledger.pay(con, fm, commitment_id=grant, amount="1", reason="x", key=key())
    with nothing_written(con), pytest.raises(InvariantBroken) as refused:
        ledger.reverse(con, fm, entry_id=committed_entry, reason="x", key=key())
    assert refused.value.rule == (
        f"reversal of entry #{committed_entry} (commitment) £5,000.00 exceeds commitment "
        f"#{grant} unpaid £4,999.00"
    )


def test_reversing_a_decommitment_must_fit_the_programme_again(con, people, funded):
    fm = people.manager
    grant = commit_now(con, fm, funded.experiments["small_grant"], "10000").entity_id
    ledger.decommit(con, fm, commitment_id=grant, amount="10000", reason="x", key=key())
    released = last_entry_id(con)
    for _ in range(10):
        commit_now(con, fm, funded.experiments["small_grant"], "10000")
    with nothing_written(con), pytest.raises(InvariantBroken) as refused:
        ledger.reverse(con, fm, entry_id=released, reason="was right", key=key())
    assert refused.value.rule == (
        f"reversal of entry #{released} (decommitment) £10,000.00 exceeds programme "
        "'Young people into work' available £0.00"
    )


def test_reversing_a_payment_restores_the_unpaid_balance(con, people, funded):
    fm = people.manager
    grant = commit_now(con, fm, funded.experiments["small_grant"], "5000").entity_id
    ledger.pay(con, fm, commitment_id=grant, amount="5000", reason="x", key=key())
    ledger.reverse(con, fm, entry_id=last_entry_id(con), reason="paid twice", key=key())
    assert total(con, fm)["paid"] == D("0.00")
    ledger.pay(con, fm, commitment_id=grant, amount="5000", reason="x", key=key())
    assert total(con, fm)["outstanding"] == D("0.00")


# --- two writers at once ------------------------------------------------------------------


def _race(monkeypatch, con, first, second):
    """Run ``first`` on one cursor; just before it appends its audit row, ``second`` runs to
    completion on another cursor (as two app sessions would). Returns (first's outcome, second's)."""
    one, other = con.cursor(), con.cursor()
    real_append = audit.append
    outcome = {}
    waiting = [second]

    def append_after_the_other_writer(*args, **kwargs):
        if waiting:
            try:
                outcome["second"] = waiting.pop()(other)
            except Exception as error:
                outcome["second"] = error
        return real_append(*args, **kwargs)

    monkeypatch.setattr(audit, "append", append_after_the_other_writer)
    try:
        outcome["first"] = first(one)
    except Exception as error:
        outcome["first"] = error
    monkeypatch.setattr(audit, "append", real_append)
    return outcome["first"], outcome["second"]


def _allocate(actor, programme_id, amount):
    return lambda cursor: ledger.allocate(
        cursor, actor, programme_id=programme_id, amount=amount, reason="race", key=key()
    )


def test_two_writers_at_once_cannot_overspend_the_ring_fence(monkeypatch, con, people, funded):
    # £900,000 is unallocated; each of two allocations fits alone, not both.
    first, second = _race(
        monkeypatch,
        con,
        _allocate(people.manager, funded.programme_id, "600000"),
        _allocate(people.second_manager, funded.other_programme_id, "500000"),
    )
    # Whichever reaches the ring-fence's balance first wins; the other is told to try again.
    assert [type(o) for o in (first, second)].count(Written) == 1
    # £100,000.00 was allocated before the race.
    allocated = D("700000.00") if isinstance(first, Written) else D("600000.00")
    assert total(con, people.manager)["allocated"] == allocated
    check = audit.verify(con, people.auditor)
    assert check.ok, check.problem
    assert con.execute("SELECT count(*) FROM ledger_entry WHERE reason = 'race'").fetchone() == (1,)


def test_a_write_that_loses_a_race_is_told_to_try_again(monkeypatch, con, people, funded):
    outcomes = _race(
        monkeypatch,
        con,
        _allocate(people.manager, funded.programme_id, "1"),
        _allocate(people.second_manager, funded.programme_id, "2"),
    )
    # Not DuckDB's own constraint or conflict error, which the app would show as a traceback.
    (lost,) = [o for o in outcomes if not isinstance(o, Written)]
    assert isinstance(lost, DatabaseBusy), repr(lost)
    assert describe(lost).startswith("database: ")
    assert "try again" in describe(lost)
    assert audit.verify(con, people.auditor).ok


def test_writers_on_many_threads_each_write_once_or_are_told_to_try_again(con, people, funded):
    outcomes = []

    def worker(n: int) -> None:
        cursor = con.cursor()  # one cursor per thread, as the app has
        for i in range(12):
            try:
                done = ledger.allocate(
                    cursor,
                    people.manager,
                    programme_id=funded.programme_id,
                    amount="1.00",
                    reason="busy",
                    key=f"thread-{n}-{i}",
                )
            except Exception as error:
                outcomes.append(error)
            else:
                outcomes.append(done)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    written = [o for o in outcomes if isinstance(o, Written)]
    refused = [o for o in outcomes if not isinstance(o, Written)]
    assert all(isinstance(o, DatabaseBusy) for o in refused), refused[:3]
    assert len(written) + len(refused) == 36
    assert con.execute(
        "SELECT count(*), coalesce(sum(amount), 0) FROM ledger_entry WHERE reason = 'busy'"
    ).fetchone() == (len(written), D(len(written)))
    check = audit.verify(con, people.auditor)
    assert check.ok, check.problem


# --- idempotency ---------------------------------------------------------------------------


def _writes(con, funded, fm):
    """One of each write, by name; each is called as write(key, amount=…, reason=…).

    Called in this order on one database, each succeeds once.
    """
    grant = commit_now(con, fm, funded.experiments["small_grant"], "5000").entity_id
    ledger.pay(con, fm, commitment_id=grant, amount="1000", reason="x", key=key())
    commit_now(con, fm, funded.experiments["experimental_zone"], "100")
    spare = last_entry_id(con)  # an unpaid commitment's entry, free to reverse
    against = {
        "pay": ledger.pay,
        "decommit": ledger.decommit,
        "recover": ledger.recover,
        "write off": ledger.write_off,
    }
    writes = {
        "allocate": lambda k, amount="10", reason="r": ledger.allocate(
            con, fm, programme_id=funded.programme_id, amount=amount, reason=reason, key=k
        ),
        "commit": lambda k, amount="10", reason="r": ledger.commit(
            con,
            fm,
            experiment_id=funded.experiments["small_grant"],
            amount=amount,
            counterparty="c",
            reason=reason,
            key=k,
        ),
        "commit above the limit": lambda k, amount="20000", reason="r": ledger.commit(
            con,
            fm,
            experiment_id=funded.experiments["pbr_contract"],
            amount=amount,
            counterparty="c",
            reason=reason,
            key=k,
        ),
        "request virement": lambda k, amount="10", reason="r": ledger.request_virement(
            con,
            fm,
            amount=amount,
            from_programme_id=funded.programme_id,
            to_programme_id=funded.other_programme_id,
            reason=reason,
            key=k,
        ),
    }
    for name, operation in against.items():
        writes[name] = lambda k, amount="10", reason="r", operation=operation: operation(
            con, fm, commitment_id=grant, amount=amount, reason=reason, key=k
        )
    # A different "amount" for a reversal means a different entry.
    writes["reverse"] = lambda k, amount=None, reason="r": ledger.reverse(
        con, fm, entry_id=spare if amount is None else 1, reason=reason, key=k
    )
    return writes


def test_the_same_request_sent_twice_writes_once(con, people, funded, subtests):
    for name, write in _writes(con, funded, people.manager).items():
        with subtests.test(write=name):
            k = key()
            first = write(k)
            assert not first.replayed
            with nothing_written(con):
                again = write(k)
            assert again.replayed
            assert (again.entity, again.entity_id) == (first.entity, first.entity_id)


def test_a_key_reused_for_a_different_request_is_refused(con, people, funded, subtests):
    for name, write in _writes(con, funded, people.manager).items():
        with subtests.test(write=name):
            k = key()
            write(k)
            other = {"commit above the limit": "20001", "reverse": "another entry"}
            with nothing_written(con), pytest.raises(IdempotencyConflict) as refused:
                write(k, amount=other.get(name, "11"))
            assert refused.value.field == "idempotency key"
            assert describe(refused.value).startswith(f"idempotency key: {k!r} was already used")


def test_a_key_reused_for_a_different_operation_is_refused(con, people, funded):
    writes = _writes(con, funded, people.manager)
    k = key()
    writes["pay"](k)
    with nothing_written(con), pytest.raises(IdempotencyConflict):
        writes["recover"](k)


def test_a_decision_sent_twice_writes_once(con, people, funded):
    fm, second = people.manager, people.second_manager
    asked = commit_now(con, fm, funded.experiments["pbr_contract"], "20000")
    k = key()
    decided = ledger.decide(
        con, second, request_id=asked.entity_id, approve=True, reason="ok", key=k
    )
    with nothing_written(con):
        replay = ledger.decide(
            con, second, request_id=asked.entity_id, approve=True, reason="ok", key=k
        )
    assert replay.replayed
    assert (replay.entity, replay.entity_id) == ("commitment", decided.entity_id)
    with nothing_written(con), pytest.raises(IdempotencyConflict):
        ledger.decide(con, second, request_id=asked.entity_id, approve=False, reason="ok", key=k)


def test_a_refused_write_does_not_use_up_its_key(con, people, funded):
    fm = people.manager
    k = key()
    with nothing_written(con), pytest.raises(InvariantBroken):
        ledger.allocate(
            con, fm, programme_id=funded.programme_id, amount="2000000", reason="x", key=k
        )
    done = ledger.allocate(con, fm, programme_id=funded.programme_id, amount="1", reason="x", key=k)
    assert not done.replayed


# --- fail closed ---------------------------------------------------------------------------

# A reference that is missing, unknown or malformed is an error, never a silent pass.
BAD_IDS = [None, "", "   ", "999", 999, "abc", "0", "-1", "1.5"]


def refused_naming(con, field, call):
    """Assert that ``call`` is refused naming ``field`` and writes nothing."""
    with nothing_written(con), pytest.raises((ValidationError, NotFound)) as refused:
        call()
    assert refused.value.field == field
    assert describe(refused.value).startswith(f"{field}: ")


def test_an_allocation_without_a_real_programme_is_refused(con, people, funded, subtests):
    for bad in BAD_IDS:
        with subtests.test(programme_id=bad):
            refused_naming(
                con,
                "programme",
                lambda bad=bad: ledger.allocate(
                    con, people.manager, programme_id=bad, amount="10", reason="x", key=key()
                ),
            )


def test_a_commitment_without_a_real_experiment_is_refused(con, people, funded, subtests):
    for amount in ("10", "20000"):  # within and above the delegated limit
        for bad in BAD_IDS:
            with subtests.test(experiment_id=bad, amount=amount):
                refused_naming(
                    con,
                    "experiment",
                    lambda bad=bad, amount=amount: ledger.commit(
                        con,
                        people.manager,
                        experiment_id=bad,
                        amount=amount,
                        counterparty="c",
                        reason="x",
                        key=key(),
                    ),
                )


def test_money_against_a_missing_commitment_is_refused(con, people, funded, subtests):
    for operation in (ledger.pay, ledger.decommit, ledger.recover, ledger.write_off):
        for bad in BAD_IDS:
            with subtests.test(operation=operation.__name__, commitment_id=bad):
                refused_naming(
                    con,
                    "commitment",
                    lambda operation=operation, bad=bad: operation(
                        con, people.manager, commitment_id=bad, amount="10", reason="x", key=key()
                    ),
                )


def test_reversing_or_deciding_something_missing_is_refused(con, people, funded, subtests):
    for bad in BAD_IDS:
        with subtests.test(entry_id=bad):
            refused_naming(
                con,
                "entry",
                lambda bad=bad: ledger.reverse(
                    con, people.manager, entry_id=bad, reason="x", key=key()
                ),
            )
        with subtests.test(request_id=bad):
            refused_naming(
                con,
                "request",
                lambda bad=bad: ledger.decide(
                    con, people.second_manager, request_id=bad, approve=True, reason="x", key=key()
                ),
            )


def test_a_virement_without_both_ends_is_refused(con, people, funded, subtests):
    known = {"P1": funded.programme_id, "P2": funded.other_programme_id, "R1": funded.ringfence_id}
    cases = [
        ({}, "ring-fence"),
        ({"from_programme_id": "", "to_programme_id": "P2"}, "programme"),
        ({"from_programme_id": "P1", "to_programme_id": ""}, "programme"),
        ({"from_programme_id": "P1"}, "programme"),
        ({"to_programme_id": "P2"}, "programme"),
        ({"from_programme_id": "P1", "to_programme_id": "999"}, "programme"),
        ({"from_ringfence_id": "R1", "to_ringfence_id": None}, "ring-fence"),
        ({"from_ringfence_id": "999", "to_ringfence_id": "R1"}, "ring-fence"),
    ]
    for ids, field in cases:
        with subtests.test(ids=ids):
            refused_naming(
                con,
                field,
                lambda ids=ids: ledger.request_virement(
                    con,
                    people.manager,
                    amount="10",
                    reason="x",
                    key=key(),
                    **{name: known.get(value, value) for name, value in ids.items()},
                ),
            )


def test_every_write_needs_a_reason(con, people, funded, subtests):
    writes = _writes(con, funded, people.manager)
    for reason in (None, "", "   ", "\n\t"):
        for name, write in writes.items():
            with subtests.test(write=name, reason=reason):
                with nothing_written(con), pytest.raises(ValidationError) as refused:
                    write(key(), reason=reason)
                assert describe(refused.value) == "reason: is required and must not be blank"


def test_every_write_needs_an_idempotency_key(con, people, funded, subtests):
    writes = _writes(con, funded, people.manager)
    for bad_key in (None, "", "   ", "x" * 201):
        for name, write in writes.items():
            with subtests.test(write=name, key=bad_key):
                with nothing_written(con), pytest.raises(ValidationError) as refused:
                    write(bad_key)
                assert refused.value.field == "idempotency key"


def test_a_commitment_needs_a_counterparty(con, people, funded):
    with nothing_written(con), pytest.raises(ValidationError) as refused:
        ledger.commit(
            con,
            people.manager,
            experiment_id=funded.experiments["small_grant"],
            amount="1",
            counterparty="  ",
            reason="x",
            key=key(),
        )
    assert refused.value.field == "counterparty"


def test_money_cannot_move_in_the_future(con, people, funded):
    tomorrow = utc_now().date() + timedelta(days=1)
    for when in (tomorrow, "31/12/2025"):
        with nothing_written(con), pytest.raises(ValidationError) as refused:
            ledger.allocate(
                con,
                people.manager,
                programme_id=funded.programme_id,
                amount="1",
                reason="x",
                key=key(),
                on=when,
            )
        assert refused.value.field == "value date"
    ledger.allocate(
        con,
        people.manager,
        programme_id=funded.programme_id,
        amount="1",
        reason="x",
        key=key(),
        on=date(2025, 4, 1),
    )


# --- the bad input list of the issue --------------------------------------------------------

BAD_INPUT = [
    ({"amount": "twelve"}, "amount", "must be a number of pounds"),
    ({"amount": "-5"}, "amount", "must be more than £0.00"),
    ({"amount": "10.005"}, "amount", "must have at most two decimal places"),
    ({"amount": "10000000000000000"}, "amount", "must not exceed £9,999,999,999,999,999.99"),
    ({"amount": 10.5}, "amount", "not a float"),
    ({"amount": ""}, "amount", "is required"),
    ({"programme_id": 999}, "programme", "no programme 999"),
    ({"reason": ""}, "reason", "is required"),
]


def test_bad_input_is_refused_with_the_field_and_the_rule_and_nothing_is_written(
    con, people, funded, subtests
):
    for changes, field, rule in BAD_INPUT:
        with subtests.test(**changes):
            call = {
                "programme_id": funded.programme_id,
                "amount": "10",
                "reason": "x",
                "key": key(),
            }
            call.update(changes)
            with nothing_written(con), pytest.raises(RingfenceError) as refused:
                ledger.allocate(con, people.manager, **call)
            assert refused.value.field == field
            line = describe(refused.value)
            assert line.startswith(f"{field}: ")
            assert rule in line


def test_bad_amounts_are_refused_by_every_money_operation(con, people, funded, subtests):
    writes = _writes(con, funded, people.manager)
    for name, write in writes.items():
        if name == "reverse":
            continue  # a reversal's amount is the original's
        for amount, rule in [
            ("twelve", "must be a number of pounds"),
            ("-5", "must be more than £0.00"),
            ("10.005", "must have at most two decimal places"),
            ("10000000000000000", "must not exceed"),
        ]:
            with subtests.test(write=name, amount=amount):
                with nothing_written(con), pytest.raises(ValidationError) as refused:
                    write(key(), amount=amount)
                assert refused.value.field == "amount"
                assert rule in refused.value.rule
