"""Payment-by-results contracts: a payment never exceeds what verified outcomes have earned,
within each metric's cap, the most one participant may earn and the contract's overall cap,
judged in the payment's own transaction, for single payments and payment runs alike."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from fund import audit, ledger, users
from fund.errors import InvariantBroken, PermissionDenied, RowsRefused, ValidationError
from fund.ledger.payment_run import payment
from fund.pbr import claims, contracts, exposure
from fund.pbr.rate_card import rate
from tests.conftest import key
from tests.integration.helpers import nothing_written, pbr_commitment

D = Decimal
REFERENCE = json.loads(
    (Path(__file__).parents[3] / "shared" / "reference" / "pbr_reference.json").read_text()
)
DWP = REFERENCE["rate_cards"][0]


def committed(con, people, portfolio, amount="100000.00"):
    return pbr_commitment(con, people, portfolio, amount)


def terms(commitment_id, **changes):
    given = {
        "commitment_id": commitment_id,
        "name": "Youth outcomes, round 1",
        "provider": "Outcomes Provider Ltd",
        "outcome_payer": "Northborough Council",
        "starts_on": "2026-01-01",
        "ends_on": "2028-12-31",
        "baseline_rule": "Outcomes above none: every outcome is additional (no comparison)",
        "verifier": "Northborough internal audit",
        "rates": [
            rate(metric=m, definition=f"{m}, as the DWP defines it", unit_price=p)
            for m, p in DWP["prices"].items()
        ],
        "cohorts": [contracts.cohort(name="2026 intake", starts_on="2026-01-01", participants=50)],
        "max_per_participant": DWP["max_per_participant"],
    }
    return contracts.ContractTerms(**(given | changes))


@pytest.fixture
def contract(con, people, portfolio):
    commitment_id = committed(con, people, portfolio)
    contract_id = contracts.add_contract(
        con, people.manager, terms(commitment_id), reason="signed", key=key()
    ).entity_id
    return contract_id, commitment_id


def claim(con, people, contract_id, metric, participant="P-001", **changes):
    given = {
        "contract_id": contract_id,
        "cohort": "2026 intake",
        "metric": metric,
        "participant": participant,
        "period_start": "2026-04-01",
        "period_end": "2026-06-30",
        "quantity": 1,
        "evidence": "School records, letter of 2026-07-02",
        "reason": "quarterly claim",
        "key": key(),
    }
    return claims.record_claim(con, people.manager, **(given | changes)).entity_id


def accept(con, people, claim_id, **changes):
    given = {"claim_id": claim_id, "decision": "accept", "reason": "evidence seen", "key": key()}
    return claims.verify_claim(con, people.auditor, **(given | changes))


def pay(con, people, commitment_id, amount):
    return ledger.pay(
        con,
        people.manager,
        commitment_id=commitment_id,
        amount=amount,
        reason="outcome payment",
        key=key(),
    )


def earned(con, people, contract_id):
    table = exposure.exposure(con, people.auditor)
    return table.set_index("contract_id").loc[contract_id, "earned"]


# --- the reference rate card, to the penny -------------------------------------------------


def test_a_participant_with_four_outcomes_earns_the_published_figure(con, people, contract):
    contract_id, _ = contract
    check = DWP["checks"][0]
    for metric in check["participant_outcomes"]:
        accept(con, people, claim(con, people, contract_id, metric))
    assert earned(con, people, contract_id) == D(check["payable"])  # £7,100.00


def test_all_nine_outcomes_are_capped_at_the_most_one_participant_may_earn(con, people, contract):
    contract_id, _ = contract
    check = DWP["checks"][1]
    for metric in DWP["prices"]:
        accept(con, people, claim(con, people, contract_id, metric))
    shown = contracts.contract(con, people.auditor, contract_id).rate_card
    assert sum(shown["uncapped"].tolist(), D(0)) == D(check["uncapped"])  # £15,100.00
    assert earned(con, people, contract_id) == D(check["payable"])  # £11,700.00


# --- payments within what is earned --------------------------------------------------------


def test_nothing_can_be_paid_before_an_outcome_is_verified(con, people, contract):
    contract_id, commitment_id = contract
    claim(con, people, contract_id, "improved school behaviour")
    with nothing_written(con), pytest.raises(InvariantBroken) as refused:
        pay(con, people, commitment_id, "0.01")
    assert str(refused.value) == (
        "amount: payment £0.01 exceeds what PbR contract"
        f" #{contract_id} 'Youth outcomes, round 1' has earned and not yet paid, £0.00:"
        " verified outcomes have earned £0.00 (nothing verified yet)"
    )


def test_a_payment_up_to_what_is_earned_goes_through_and_a_penny_more_does_not(
    con, people, contract
):
    contract_id, commitment_id = contract
    accept(con, people, claim(con, people, contract_id, "improved school behaviour"))
    pay(con, people, commitment_id, "1000.00")
    with nothing_written(con), pytest.raises(InvariantBroken) as refused:
        pay(con, people, commitment_id, "300.01")
    assert str(refused.value).endswith(
        "has earned and not yet paid, £300.00: verified outcomes have earned £1,300.00"
        " (improved school behaviour £1,300.00)"
    )
    pay(con, people, commitment_id, "300.00")


def test_a_payment_run_is_judged_by_the_same_terms(con, people, contract):
    contract_id, commitment_id = contract
    accept(con, people, claim(con, people, contract_id, "ESOL completion"))
    run = [
        payment(commitment_id=commitment_id, amount=a, on=None, reason="run", key=key())
        for a in ("700.00", "500.01")
    ]
    with nothing_written(con), pytest.raises(RowsRefused, match="row 2: amount: payment"):
        ledger.pay_run(con, people.manager, run)
    ledger.pay_run(con, people.manager, run[:1])


def test_a_part_acceptance_earns_only_what_it_accepts_within_the_metric_cap(con, people, portfolio):
    commitment_id = committed(con, people, portfolio)
    cohort_terms = terms(
        commitment_id,
        name="Reoffending bond",
        max_per_participant=None,
        rates=[
            rate(
                metric="reconviction events avoided",
                definition="against the matched national comparison group",
                unit_price="700.00",
                cap="20000.00",
            )
        ],
    )
    contract_id = contracts.add_contract(
        con, people.manager, cohort_terms, reason="signed", key=key()
    ).entity_id
    first = claim(
        con, people, contract_id, "reconviction events avoided", participant=None, quantity=40
    )
    accept(con, people, first, decision="part-accept", quantity="25")
    assert earned(con, people, contract_id) == D("17500.00")  # 25 × £700
    second = claim(
        con, people, contract_id, "reconviction events avoided", participant=None, quantity=10
    )
    accept(con, people, second)
    assert earned(con, people, contract_id) == D("20000.00")  # 35 × £700 = £24,500, capped
    with pytest.raises(ValidationError, match="fewer than the 10 claimed"):
        claims.verify_claim(
            con,
            people.auditor,
            claim_id=claim(
                con,
                people,
                contract_id,
                "reconviction events avoided",
                participant=None,
                quantity=10,
            ),
            decision="part-accept",
            quantity="10",
            reason="x",
            key=key(),
        )


def test_a_reversed_verification_lowers_what_is_earned_and_flags_what_was_paid_past_it(
    con, people, contract
):
    contract_id, commitment_id = contract
    first = claim(con, people, contract_id, "improved school behaviour")
    accept(con, people, first)
    pay(con, people, commitment_id, "1300.00")
    reversed_ = claims.reverse_verification(
        con, people.auditor, claim_id=first, reason="records were wrong", key=key()
    )
    assert "£1,300.00 already paid" in reversed_.said
    row = exposure.exposure(con, people.auditor).set_index("contract_id").loc[contract_id]
    assert (row["earned"], row["paid"], row["to_recover"]) == (D(0), D("1300.00"), D("1300.00"))
    with pytest.raises(InvariantBroken):
        pay(con, people, commitment_id, "0.01")
    ledger.recover(
        con,
        people.manager,
        commitment_id=commitment_id,
        amount="1300.00",
        reason="recovered",
        key=key(),
    )
    row = exposure.exposure(con, people.auditor).set_index("contract_id").loc[contract_id]
    assert row["to_recover"] == D(0)


# --- verification is independent ----------------------------------------------------------


def test_the_person_who_recorded_a_claim_cannot_verify_it(con, people, contract):
    contract_id, _ = contract
    claim_id = claim(con, people, contract_id, "ESOL completion")
    with nothing_written(con), pytest.raises(PermissionDenied):
        claims.verify_claim(
            con, people.manager, claim_id=claim_id, decision="accept", reason="x", key=key()
        )
    users.set_role(  # the recorder moves to audit: still not independent of their claim
        con,
        people.admin,
        username=people.manager.username,
        role="auditor",
        reason="moved",
        key=key(),
    )
    with nothing_written(con), pytest.raises(ValidationError) as refused:
        claims.verify_claim(
            con, people.manager, claim_id=claim_id, decision="accept", reason="x", key=key()
        )
    assert str(refused.value) == (
        f"verifier: you recorded claim #{claim_id}; it must be verified by someone"
        " independent of it"
    )


def test_a_claim_is_decided_once_until_its_decision_is_reversed(con, people, contract):
    contract_id, _ = contract
    claim_id = claim(con, people, contract_id, "ESOL completion")
    accept(con, people, claim_id)
    with nothing_written(con), pytest.raises(ValidationError, match="reverse that decision"):
        accept(con, people, claim_id)


# --- bad claims are refused with the field and the rule ------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"metric": "happiness"}, "metric: 'happiness' is not on the rate card"),
        ({"quantity": "-3"}, "quantity: must not be negative, not -3"),
        ({"period_end": "2029-03-31"}, "period: 2026-04-01 to 2029-03-31 is outside the term"),
        ({"cohort": "2030 intake"}, "cohort: '2030 intake' is not a cohort"),
        ({"participant": None}, "participant: is required"),
        ({"evidence": " "}, "evidence: is required"),
    ],
)
def test_a_bad_claim_is_refused_naming_its_field(con, people, contract, changes, message):
    contract_id, _ = contract
    with nothing_written(con), pytest.raises(ValidationError) as refused:
        given = {"metric": "ESOL completion"} | changes
        claim(con, people, contract_id, given.pop("metric"), **given)
    assert str(refused.value).startswith(message)


def test_a_contract_goes_only_on_a_payment_by_results_commitment_with_nothing_paid(
    con, people, contract
):
    _, commitment_id = contract
    with nothing_written(con), pytest.raises(ValidationError, match="already has"):
        contracts.add_contract(con, people.manager, terms(commitment_id), reason="again", key=key())


def test_the_audit_chain_covers_claims_and_verifications(con, people, contract):
    contract_id, _ = contract
    accept(con, people, claim(con, people, contract_id, "ESOL completion"))
    assert audit.verify(con, people.auditor).ok
    con.execute("UPDATE pbr_verification SET quantity = 5")
    report = audit.verify(con, people.auditor)
    assert not report.ok
    assert "verification #1" in report.problem


def test_a_participants_outcome_is_verified_once_even_after_a_reversal(con, people, contract):
    contract_id, _ = contract
    first = claim(con, people, contract_id, "improved school behaviour")
    accept(con, people, first)
    claims.reverse_verification(
        con, people.auditor, claim_id=first, reason="wrong period", key=key()
    )
    again = claim(con, people, contract_id, "improved school behaviour")  # the right period
    accept(con, people, again)
    with nothing_written(con), pytest.raises(ValidationError) as refused:
        accept(con, people, first)
    assert str(refused.value) == (
        f"claim: #{first}: 'P-001' already has 'improved school behaviour' verified in claim"
        f" #{again}; an outcome is paid once"
    )
    assert earned(con, people, contract_id) == D("1300.00")


def test_both_caps_hold_together_outcome_by_outcome(con, people, portfolio):
    """Metric A capped at £100, B and C not, each £100; £100 at most a participant. P1 claims
    B then C, P2 and P3 claim A: P1 earns £100 (its cap), A earns £100 (its cap): £200,
    where the lesser of the two capped sums (£300) would overpay."""
    commitment_id = committed(con, people, portfolio)
    contract_id = contracts.add_contract(
        con,
        people.manager,
        terms(
            commitment_id,
            max_per_participant="100.00",
            rates=[
                rate(metric="A", definition="a", unit_price="100.00", cap="100.00"),
                rate(metric="B", definition="b", unit_price="100.00"),
                rate(metric="C", definition="c", unit_price="100.00"),
            ],
        ),
        reason="signed",
        key=key(),
    ).entity_id
    for participant, metric in (("P1", "B"), ("P1", "C"), ("P2", "A"), ("P3", "A")):
        accept(con, people, claim(con, people, contract_id, metric, participant=participant))
    assert earned(con, people, contract_id) == D("200.00")
    with nothing_written(con), pytest.raises(InvariantBroken):
        pay(con, people, commitment_id, "200.01")


def test_whoever_verified_a_contracts_claims_never_pays_it(con, people, contract):
    contract_id, commitment_id = contract
    accept(con, people, claim(con, people, contract_id, "ESOL completion"))
    users.set_role(
        con,
        people.admin,
        username=people.auditor.username,
        role="fund_manager",
        reason="moved",
        key=key(),
    )
    expected = (
        f"payer: you verified outcome claims of PbR contract #{contract_id} 'Youth outcomes,"
        " round 1'; its payments are made by someone who does not verify them"
    )
    with nothing_written(con), pytest.raises(ValidationError) as refused:
        ledger.pay(
            con,
            people.auditor,
            commitment_id=commitment_id,
            amount="1.00",
            reason="r",
            key=key(),
        )
    assert str(refused.value) == expected
    run = [payment(commitment_id=commitment_id, amount="1.00", on=None, reason="r", key=key())]
    with nothing_written(con), pytest.raises(RowsRefused) as refused:
        ledger.pay_run(con, people.auditor, run)
    assert str(refused.value) == f"row 1: {expected}"


def test_a_claim_worth_more_than_any_amount_is_refused_and_one_past_its_caps_is_not(
    con, people, portfolio
):
    commitment_id = committed(con, people, portfolio, amount="20000.00")
    cohort_card = terms(
        commitment_id,
        max_per_participant=None,
        rates=[
            rate(metric="events avoided", definition="d", unit_price="2000.00"),
            rate(metric="lives changed", definition="d", unit_price="99999999.00"),
        ],
    )
    contract_id = contracts.add_contract(
        con, people.manager, cohort_card, reason="signed", key=key()
    ).entity_id
    with nothing_written(con), pytest.raises(ValidationError) as refused:
        claim(con, people, contract_id, "lives changed", participant=None, quantity="999999999")
    assert str(refused.value).startswith("quantity: 999,999,999 × £99,999,999.00 on PbR contract")
    worth_more = claim(con, people, contract_id, "events avoided", participant=None, quantity=11)
    accept(con, people, worth_more)  # £22,000.00 of outcomes: the commitment caps it
    assert earned(con, people, contract_id) == D("20000.00")


def test_an_overpayment_written_off_is_no_longer_to_recover(con, people, contract):
    contract_id, commitment_id = contract
    first = claim(con, people, contract_id, "ESOL completion")
    accept(con, people, first)
    pay(con, people, commitment_id, "1200.00")
    claims.reverse_verification(con, people.auditor, claim_id=first, reason="x", key=key())
    ledger.write_off(
        con,
        people.manager,
        commitment_id=commitment_id,
        amount="1200.00",
        reason="provider insolvent",
        key=key(),
    )
    row = exposure.exposure(con, people.auditor).set_index("contract_id").loc[contract_id]
    assert row["to_recover"] == D(0)
