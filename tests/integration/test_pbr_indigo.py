"""A PbR contract exported in the INDIGO impact bond data standard: every metric and price,
the commitment, each payment and recovery and each claim, exactly, and no person's name for
a reader who may not see people."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from fund import db, ledger
from fund.errors import NotFound, PermissionDenied
from fund.pbr import claims, contracts, indigo
from fund.pbr.rate_card import rate
from tests.conftest import key
from tests.integration.test_pbr import DWP, accept, claim, committed, pay, terms

D = Decimal
NAMES = ("Mo Manager", "Aud Itor", "Sam Second", "Ada Admin", "Bo Ard")


@pytest.fixture
def bond(con, people, portfolio):
    """The DWP card with a cap on one metric; a claim accepted and paid, with £300.00 of it
    recovered; a claim rejected; a claim awaiting verification."""
    commitment_id = committed(con, people, portfolio)
    rates = [
        rate(
            metric=m,
            definition=f"{m}, as the DWP defines it",
            unit_price=p,
            cap="13000.00" if m == "improved school behaviour" else None,
        )
        for m, p in DWP["prices"].items()
    ]
    contract_id = contracts.add_contract(
        con, people.manager, terms(commitment_id, rates=rates), reason="signed", key=key()
    ).entity_id
    paid = claim(con, people, contract_id, "improved school behaviour")
    accept(con, people, paid)
    rejected = claim(con, people, contract_id, "ESOL completion")
    accept(con, people, rejected, decision="reject", reason="no certificate")
    waiting = claim(con, people, contract_id, "improved school attendance", participant="P-002")
    pay(con, people, commitment_id, "1300.00")
    ledger.recover(
        con,
        people.manager,
        commitment_id=commitment_id,
        amount="300.00",
        reason="overpaid",
        key=key(),
    )
    return contract_id, commitment_id, (paid, rejected, waiting)


def test_the_project_names_the_contract_its_term_organisations_and_money(con, people, bond):
    contract_id, _, _ = bond
    project = indigo.export(con, people.auditor, contract_id)["project"]
    orgs = {o["role"]: o for o in project["organisations"]}
    assert project["id"] == f"INDIGO-POJ-RINGFENCE-{contract_id}"
    assert project["name"] == {"value": "Youth outcomes, round 1"}
    assert project["dates"] == {
        "start_date_of_service_provision": {"value": "2026-01-01"},
        "anticipated_end_date_of_service_provision": {"value": "2028-12-31"},
    }
    assert {role: o["name"]["value"] for role, o in orgs.items()} == {
        "provider": "Outcomes Provider Ltd",
        "outcome_payer": "Northborough Council",
        "verifier": "Northborough internal audit",
    }
    assert all(o["id"].startswith("INDIGO-ORG-") for o in orgs.values())
    assert project["overall_project_finance"] == {
        "maximum_potential_outcome_payment_v2": {
            "currency": {"value": "GBP"},
            "amount": {"value": "100000.00"},
        },
        "total_outcome_payments_made": {
            "currency": {"value": "GBP"},
            "amount": {"value": "1000.00"},
        },
    }
    assert project["service_provisions"][0]["organisation_id"] == {"value": orgs["provider"]["id"]}
    assert project["service_and_beneficiaries"][
        "targeted_number_service_users_or_beneficiaries_total"
    ] == {"value": 50}


def test_every_metric_and_its_pricing_is_exported_exactly(con, people, bond):
    contract_id, _, _ = bond
    document = indigo.export(con, people.auditor, contract_id)
    metrics = {m["id"]: m for m in document["project"]["outcome_metrics"]}
    pricings = {p["outcome_metric_id"]["value"]: p for p in document["project"]["outcome_pricings"]}
    assert set(metrics) == set(pricings) == set(DWP["prices"])
    for metric, price in DWP["prices"].items():
        assert metrics[metric]["definition"] == {"value": f"{metric}, as the DWP defines it"}
        assert pricings[metric]["currency"] == {"value": "GBP"}
        assert pricings[metric]["price_per_unit"] == {"amount": {"value": price}}
        assert (
            "one participant earns at most 11700.00 GBP"
            in (pricings[metric]["price_description"]["value"])
        )
    capped = pricings["improved school behaviour"]
    assert capped["maximum_price_if_all_targets_achieved"] == {"amount": {"value": "13000.00"}}
    assert pricings["ESOL completion"]["maximum_price_if_all_targets_achieved"] == {
        "amount": {"value": None}
    }


def test_the_commitment_and_each_payment_and_recovery_are_exported_dated(con, people, bond):
    contract_id, commitment_id, _ = bond
    document = indigo.export(con, people.auditor, contract_id)
    payer = next(
        o["id"] for o in document["project"]["organisations"] if o["role"] == "outcome_payer"
    )
    (commitment,) = document["project"]["outcome_payment_commitments"]
    assert commitment["organisation_id"] == {"value": payer}
    assert commitment["maximum_potential_outcome_payment"]["amount"] == {"value": "100000.00"}
    assert commitment["total_outcome_payments"]["amount"] == {"value": "1000.00"}
    assert commitment["notes"] == f"Ringfence commitment #{commitment_id}"
    today = db.today().isoformat()
    assert [
        (p["money"]["amount"]["value"], p["period"]["end_date"]["value"], p["type"]["value"])
        for p in document["project"]["outcome_payments"]
    ] == [("1300.00", today, "Actual"), ("-300.00", today, "Actual")]
    assert all(
        p["payer_organisation_id"] == {"value": payer}
        for p in document["project"]["outcome_payments"]
    )
    assert sum(
        D(p["money"]["amount"]["value"]) for p in document["project"]["outcome_payments"]
    ) == D("1000.00")


def test_each_claim_is_a_result_with_what_was_verified(con, people, bond):
    contract_id, _, (paid, rejected, waiting) = bond
    results = indigo.export(con, people.auditor, contract_id)["project"]["results"]
    assert [r["outcome_metric_id"]["value"] for r in results] == [
        "improved school behaviour",
        "ESOL completion",
        "improved school attendance",
    ]
    assert [r["number_with_positive_social_outcomes"]["value"] for r in results] == [1, 0, None]
    assert [r["outcomes_achieved"]["value"] for r in results] == [
        "accepted: 1 of 1 claimed outcome(s) verified",
        "rejected: 0 of 1 claimed outcome(s) verified",
        "awaiting: none yet of 1 claimed outcome(s) verified",
    ]
    assert results[0]["period"] == {
        "start_date": {"value": "2026-04-01"},
        "end_date": {"value": "2026-06-30"},
    }
    assert results[0]["outcomes_validator_organisation_ids"]["value"].endswith("-VERIFIER")
    assert results[2]["outcomes_validator_organisation_ids"] == {"value": None}
    assert f"claim #{paid}," in results[0]["notes"] and "value 1300.00 GBP" in results[0]["notes"]
    assert "Mo Manager" in results[0]["notes"] and "Aud Itor" in results[0]["notes"]
    assert f"claim #{rejected}," in results[1]["notes"] and "no certificate" in results[1]["notes"]
    assert f"claim #{waiting}," in results[2]["notes"]


def test_the_export_round_trips_through_json_and_names_no_participant(con, people, bond):
    contract_id, _, _ = bond
    document = indigo.export(con, people.manager, contract_id)
    text = json.dumps(document)
    assert json.loads(text) == document
    assert "P-001" not in text and "P-002" not in text


def test_a_board_members_export_holds_no_persons_name(con, people, bond):
    contract_id, _, _ = bond
    text = json.dumps(indigo.export(con, people.board, contract_id))
    assert not [name for name in NAMES if name in text]
    assert "accepted on" in text  # the decision is there, without who made it


def test_a_reversed_decision_is_exported_as_awaiting_and_its_reversal_counted(con, people, bond):
    contract_id, _, (paid, _, _) = bond
    claims.reverse_verification(
        con, people.auditor, claim_id=paid, reason="records were wrong", key=key()
    )
    (result, *_) = indigo.export(con, people.auditor, contract_id)["project"]["results"]
    assert result["number_with_positive_social_outcomes"] == {"value": None}
    assert result["notes"].endswith("earlier decision(s) reversed: 1")


def test_an_unknown_contract_or_a_user_who_may_not_read_is_refused(con, people, bond):
    with pytest.raises(NotFound):
        indigo.export(con, people.auditor, 999)
    with pytest.raises(PermissionDenied):
        indigo.export(con, people.admin, bond[0])
