"""Risk appetite, declared with the ring-fence: the position against each limit worked out by
hand, a commitment past a limit waiting for a second fund manager, versions, and as-at."""

from __future__ import annotations

import contextlib
from datetime import datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fund import db, ledger, register
from fund.board import appetite
from fund.errors import PermissionDenied, SecondPersonRequired, ValidationError
from tests.conftest import key

COLUMNS = [
    "ringfence",
    "limit",
    "subject",
    "share_limit",
    "limit_amount",
    "position",
    "share",
    "headroom",
    "breached",
]


def declare(con, people, funded, *, high="40", instrument="60", counterparty="1"):
    return appetite.declare_appetite(
        con,
        people.manager,
        ringfence_id=funded.ringfence_id,
        high_risk_share=high,
        instrument_share=instrument,
        counterparty_share=counterparty,
        reason="declared with the ring-fence",
        key=key(),
    )


def commit(con, people, funded, instrument, amount, counterparty):
    return ledger.commit(
        con,
        people.manager,
        experiment_id=funded.experiments[instrument],
        amount=amount,
        counterparty=counterparty,
        reason="award",
        key=key(),
    )


def high_risk(con, people, funded, instrument):
    register.update_experiment(
        con,
        people.manager,
        experiment_id=funded.experiments[instrument],
        programme_id=funded.programme_id,
        title=f"Trial of {instrument}",
        instrument=instrument,
        risk_rating="high",
        official="Pat Official",
        user_involvement="co-designed",
        reason="riskier than thought",
        key=key(),
    )


def table(con, cutoff=None) -> list[tuple]:
    found = appetite.position(con, cutoff)
    assert list(found.columns) == COLUMNS
    return [tuple(row) for row in found.astype(object).itertuples(index=False)]


def test_the_position_against_each_limit_is_as_worked_out_by_hand(con, people, funded):
    high_risk(con, people, funded, "small_grant")
    declare(con, people, funded, high="40", instrument="33.33", counterparty="1")
    commit(con, people, funded, "small_grant", "4000", "Youth Trust")
    commit(con, people, funded, "experimental_zone", "3000", "  youth   TRUST ")
    commit(con, people, funded, "pbr_contract", "2500.50", "Acme")
    fence, d = "Innovation Fund", Decimal
    assert table(con) == [
        (
            fence,
            "High-risk experiments",
            "High risk",
            d("40.00"),
            d("400000.00"),
            d("4000.00"),
            d("0.40"),
            d("396000.00"),
            False,
        ),
        (
            fence,
            "Per instrument",
            "Small grant",
            d("33.33"),
            d("333300.00"),
            d("4000.00"),
            d("0.40"),
            d("329300.00"),
            False,
        ),
        (
            fence,
            "Per instrument",
            "Experimental zone",
            d("33.33"),
            d("333300.00"),
            d("3000.00"),
            d("0.30"),
            d("330300.00"),
            False,
        ),
        (
            fence,
            "Per instrument",
            "Payment-by-results contract",
            d("33.33"),
            d("333300.00"),
            d("2500.50"),
            d("0.25"),
            d("330799.50"),
            False,
        ),
        (
            fence,
            "Per counterparty",
            "Youth Trust",
            d("1.00"),
            d("10000.00"),
            d("7000.00"),
            d("0.70"),
            d("3000.00"),
            False,
        ),
        (
            fence,
            "Per counterparty",
            "Acme",
            d("1.00"),
            d("10000.00"),
            d("2500.50"),
            d("0.25"),
            d("7499.50"),
            False,
        ),
    ]


def test_a_ring_fence_without_an_appetite_lists_nothing_and_holds_nothing_back(con, people, funded):
    assert appetite.position(con).empty
    written = commit(con, people, funded, "small_grant", "9000", "Youth Trust")
    assert written.entity == "commitment"
    assert (
        appetite.breaches(
            con,
            experiment_id=funded.experiments["small_grant"],
            amount=Decimal("1"),
            counterparty="Youth Trust",
        )
        == []
    )


def test_a_commitment_past_a_limit_waits_for_a_second_fund_manager(con, people, funded):
    declare(con, people, funded, counterparty="1")  # £10,000.00 per counterparty
    first = commit(con, people, funded, "small_grant", "6000", "Youth Trust")
    assert first.entity == "commitment"  # within every limit: made at once
    waiting = commit(con, people, funded, "experimental_zone", "5000", "YOUTH  trust")
    assert waiting.entity == "approval request"
    assert (
        "would breach the declared risk appetite (Per counterparty limit for Youth Trust:"
        " £10,000.00 (1.00% of the ring-fence), £11,000.00 after this commitment)"
    ) in waiting.said
    assert "waits for a second fund manager" in waiting.said
    assert table(con)[-1][2:6] == (
        "Youth Trust",
        Decimal("1.00"),
        Decimal("10000.00"),
        Decimal("6000.00"),
    )
    approved = ledger.decide(
        con,
        people.second_manager,
        request_id=waiting.entity_id,
        approve=True,
        reason="worth the concentration",
        key=key(),
    )
    assert approved.entity == "commitment"
    youth = [row for row in table(con) if row[2] == "Youth Trust"]
    assert youth == [
        (
            "Innovation Fund",
            "Per counterparty",
            "Youth Trust",
            Decimal("1.00"),
            Decimal("10000.00"),
            Decimal("11000.00"),
            Decimal("1.10"),
            Decimal("-1000.00"),
            True,
        )
    ]


def test_the_requester_cannot_approve_their_own_breach(con, people, funded):
    declare(con, people, funded, high="0.5")  # £5,000.00 in high-risk experiments
    high_risk(con, people, funded, "small_grant")
    waiting = commit(con, people, funded, "small_grant", "5000.01", "Youth Trust")
    assert "High-risk experiments limit for High risk: £5,000.00" in waiting.said
    with pytest.raises(SecondPersonRequired):
        ledger.decide(
            con,
            people.manager,
            request_id=waiting.entity_id,
            approve=True,
            reason="mine",
            key=key(),
        )


def test_a_declaration_is_versioned_and_the_latest_one_counts(con, people, funded):
    first = declare(con, people, funded, counterparty="1")
    second = declare(con, people, funded, counterparty="2.5")
    assert "version 2" in second.said
    versions = con.execute(
        "SELECT appetite_id, version, counterparty_share FROM risk_appetite ORDER BY version"
    ).fetchall()
    assert versions == [
        (first.entity_id, 1, Decimal("1.00")),
        (second.entity_id, 2, Decimal("2.50")),
    ]
    commit(con, people, funded, "small_grant", "9000", "Youth Trust")
    assert table(con)[-1][3:5] == (Decimal("2.50"), Decimal("25000.00"))
    with pytest.raises(ValidationError) as refused:
        declare(con, people, funded, counterparty="2.50")
    assert str(refused.value) == "risk appetite: is the same as version 2; nothing was saved"


def test_an_as_at_position_ignores_what_was_recorded_after_it(con, people, funded):
    with db.clock_at(datetime(2026, 1, 5, 10)):
        declare(con, people, funded, counterparty="5")
    with db.clock_at(datetime(2026, 1, 10, 10)):
        commit(con, people, funded, "small_grant", "4000", "Youth Trust")
    with db.clock_at(datetime(2026, 2, 10, 10)):
        declare(con, people, funded, counterparty="6")
    with db.clock_at(datetime(2026, 3, 1, 10)):
        commit(con, people, funded, "experimental_zone", "3000", "Youth Trust")
    assert appetite.position(con, datetime(2026, 1, 5, 10)).empty  # declared at, not before
    youth = {
        moment: [row for row in table(con, moment) if row[2] == "Youth Trust"]
        for moment in (datetime(2026, 1, 6), datetime(2026, 2, 1), datetime(2026, 2, 11), None)
    }
    assert youth[datetime(2026, 1, 6)] == []  # nothing committed yet
    assert [r[3:6] for r in youth[datetime(2026, 2, 1)]] == [
        (Decimal("5.00"), Decimal("50000.00"), Decimal("4000.00"))
    ]
    assert [r[3:6] for r in youth[datetime(2026, 2, 11)]] == [
        (Decimal("6.00"), Decimal("60000.00"), Decimal("4000.00"))
    ]
    assert [r[3:6] for r in youth[None]] == [
        (Decimal("6.00"), Decimal("60000.00"), Decimal("7000.00"))
    ]


def test_only_a_fund_manager_declares_an_appetite(con, people, funded):
    with pytest.raises(PermissionDenied) as refused:
        appetite.declare_appetite(
            con,
            people.board,
            ringfence_id=funded.ringfence_id,
            high_risk_share="40",
            instrument_share="60",
            counterparty_share="15",
            reason="r",
            key=key(),
        )
    assert "not permitted to manage ring-fences" in str(refused.value)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(shares=st.tuples(*[st.integers(min_value=1, max_value=10000)] * 3))
def test_a_limit_never_exceeds_its_share_and_headroom_is_what_is_left(con, people, funded, shares):
    """On a ring-fence of £123,456.79 (so that shares rarely come to whole pennies) and the
    funded one, whatever shares are declared."""
    odd = con.execute("SELECT ringfence_id FROM ringfence WHERE name = 'Odd Fund'").fetchone()
    if odd is None:
        odd = (
            register.declare_ringfence(
                con,
                people.manager,
                name="Odd Fund",
                owner_body="Council",
                financial_years="2026",
                declared_amount="123456.79",
                purpose="Odd",
                advertised_on="2026-01-01",
                delegated_limit="0",
                key=key(),
            ).entity_id,
        )
    percent = [Decimal(share) / 100 for share in shares]
    with contextlib.suppress(ValidationError):  # the same shares as the version before
        appetite.declare_appetite(
            con,
            people.manager,
            ringfence_id=odd[0],
            high_risk_share=str(percent[0]),
            instrument_share=str(percent[1]),
            counterparty_share=str(percent[2]),
            reason="property",
            key=key(),
        )
    found = appetite.position(con)
    for row in found.astype(object).itertuples(index=False):
        ceiling = Decimal("123456.79") if row.ringfence == "Odd Fund" else Decimal("1000000.00")
        exact = ceiling * row.share_limit / 100
        assert exact - Decimal("0.01") < row.limit_amount <= exact
        assert row.headroom == row.limit_amount - row.position
        assert row.breached == (row.position > row.limit_amount)


def test_an_approver_is_told_every_reason_and_waiting_requests_count(con, people, funded):
    """A commitment above the delegated limit that also breaches says both; one waiting for
    approval counts towards the limits, so two that each fit cannot together slip past."""
    declare(con, people, funded, counterparty="1.5")  # £15,000.00 per counterparty
    both = commit(con, people, funded, "pbr_contract", "16000", "Youth Trust")
    assert "is above the delegated limit of £10,000.00 and would breach" in both.said
    withdrawn = ledger.decide(
        con,
        people.manager,
        request_id=both.entity_id,
        approve=False,
        reason="too much at once",
        key=key(),
    )
    assert "withdrawn" in withdrawn.said
    above = commit(con, people, funded, "pbr_contract", "12000", "Youth Trust")
    assert above.entity == "approval request" and "risk appetite" not in above.said
    within = commit(con, people, funded, "small_grant", "4000", " youth   TRUST")
    assert within.entity == "approval request"  # £12,000 waiting + £4,000 > £15,000
    assert "Per counterparty limit for Youth Trust" in within.said
    assert "£16,000.00 after this commitment" in within.said
