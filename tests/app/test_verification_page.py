"""The Verification page: an auditor sees the claims awaiting verification with their
evidence, accepts, part-accepts or rejects the chosen one with a reason, and reverses a
decision; what verified outcomes earn follows to the penny. Fund managers, board members
and admins are refused, by the menu and on a direct visit; a verifier who recorded the claim
is refused by the service, and the page says why."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fund.pbr import claims, exposure
from tests.app.helpers import button, counts, errors, form_key, grew, select, successes, visible
from tests.app.test_pbr_page import EMPLOYMENT, ESOL, contract, record  # noqa: F401 - fixture

PAGE = "pages/verification.py"
D = Decimal


@pytest.fixture
def claimed(con, people, contract) -> int:  # noqa: F811 - the fixture imported above
    """Twelve employment outcomes claimed by the fund manager, awaiting verification."""
    record(con, people, contract)
    return contract


def open_page(app, user, section: str | None = None):
    at = app(user, PAGE)
    assert not at.exception, at.exception
    if section is not None:
        at.session_state["verification-section"] = section
        at.run()
        assert not at.exception, at.exception
    return at


def decide(at, claim_id: int, decision: str, reason: str, quantity: str = ""):
    assert select(at, "Claim to decide").value == claim_id
    form = "verify"
    at.radio(key=form_key(at, form, "decision")).set_value(decision)
    at.text_input(key=form_key(at, form, "quantity")).input(quantity)
    at.text_input(key=form_key(at, form, "reason")).input(reason)
    return button(at, "Record decision").click().run()


def standing(con, people, claim_id: int = 1) -> dict:
    table = claims.claims(con, people.auditor).set_index("claim_id")
    return table.loc[claim_id].to_dict()


def earned(con, people, contract_id: int) -> Decimal:
    return (
        exposure.exposure(con, people.auditor).set_index("contract_id").loc[contract_id, "earned"]
    )


def test_an_auditor_sees_each_claim_awaiting_with_its_evidence_and_who_may_verify(
    app, people, claimed
):
    at = open_page(app, people.auditor)
    assert at.title[0].value == "Verification"
    assert "never the person who recorded it, never someone who has paid" in at.caption[0].value
    (table,) = at.dataframe
    row = table.value.iloc[0]
    assert (row["claim_id"], row["metric"], row["claimed"]) == (1, EMPLOYMENT, 12)
    assert row["claimed_by"] == "Mo Manager"
    assert select(at, "Claim to decide").value == 1
    assert "HMRC employment records, extract of 2026-07-02" in [t.value for t in at.main.text]
    assert [r.options for r in at.radio] == [["Accept", "Part-accept", "Reject"]]


def test_accepting_a_claim_earns_its_outcomes_at_the_price(app, con, people, claimed):
    at = decide(open_page(app, people.auditor), 1, "Accept", "HMRC records match")
    assert not errors(at), errors(at)
    assert successes(at) == [
        "Claim #1 accepted: 12 of 12 outcome(s) verified on PbR contract #1"
        " 'Youth outcomes, round 1'."
    ]
    found = standing(con, people)
    assert (found["status"], found["verified"], found["decision_reason"]) == (
        "accepted",
        12,
        "HMRC records match",
    )
    assert earned(con, people, claimed) == D("12000.00")
    assert [i.value for i in at.info] == ["No claim is waiting for verification."]


def test_part_accepting_a_claim_earns_only_the_quantity_accepted(app, con, people, claimed):
    at = decide(open_page(app, people.auditor), 1, "Part-accept", "two left early", "10")
    assert not errors(at), errors(at)
    assert successes(at)[0].startswith("Claim #1 part accepted: 10 of 12 outcome(s) verified")
    assert (standing(con, people)["status"], standing(con, people)["verified"]) == (
        "part_accepted",
        10,
    )
    assert earned(con, people, claimed) == D("10000.00")


def test_rejecting_a_claim_earns_nothing(app, con, people, claimed):
    at = decide(open_page(app, people.auditor), 1, "Reject", "no employer letters")
    assert not errors(at), errors(at)
    assert successes(at)[0].startswith("Claim #1 rejected: 0 of 12")
    assert standing(con, people)["status"] == "rejected"
    assert earned(con, people, claimed) == D("0.00")


@pytest.mark.parametrize(
    ("decision", "quantity", "reason", "field", "says"),
    [
        ("Accept", "", "", "reason", "is required"),
        ("Part-accept", "", "some only", "quantity", "whole number"),
        ("Part-accept", "12", "all of them", "quantity", "fewer than the 12 claimed"),
    ],
)
def test_a_decision_without_its_reason_or_quantity_is_refused_and_nothing_written(
    app, con, people, claimed, decision, quantity, reason, field, says
):
    at = open_page(app, people.auditor)
    before = counts(con)
    at = decide(at, 1, decision, reason, quantity)
    assert not at.exception
    (message,) = errors(at)
    assert message.startswith(f"{field}: ") and says in message, message
    assert grew(before, counts(con)) == {}
    assert standing(con, people)["status"] == "awaiting"


def test_a_decided_claim_can_be_reversed_and_then_earns_nothing(app, con, people, claimed):
    at = decide(open_page(app, people.auditor), 1, "Accept", "records match")
    at.session_state["verification-section"] = "Decided"
    at.run()
    (table,) = at.dataframe
    assert list(table.value["status"]) == ["Accepted"]
    assert select(at, "Decision to reverse").value == 1
    at.text_input(key=form_key(at, "reverse-verification", "reason")).input("wrong cohort")
    at = button(at, "Reverse decision").click().run()

    assert not errors(at), errors(at)
    assert successes(at)[0].startswith("Verification #1 of claim #1 reversed by #2;")
    assert standing(con, people)["status"] == "awaiting"
    assert standing(con, people)["reversals"] == 1
    assert earned(con, people, claimed) == D("0.00")


def test_a_verifier_who_recorded_the_claim_is_refused_and_told_why(app, con, people, claimed):
    # The fund manager who recorded claim #1 has since become an auditor.
    con.execute("UPDATE app_user SET role = 'auditor' WHERE username = 'manager'")
    at = decide(open_page(app, people.manager), 1, "Accept", "looks right to me")
    assert errors(at) == [
        "verifier: you recorded claim #1; it must be verified by someone independent of it"
    ]
    assert standing(con, people)["status"] == "awaiting"


@pytest.mark.parametrize(
    ("role", "says"),
    [
        ("manager", "a fund manager"),
        ("second_manager", "a fund manager"),
        ("board", "a board member"),
        ("admin", "an admin"),
    ],
)
def test_everyone_but_an_auditor_is_refused_on_a_direct_visit(app, people, claimed, role, says):
    at = app(getattr(people, role), PAGE)
    assert not at.exception
    assert visible(at) == ["error"]
    assert errors(at) == [f"Not permitted: {says} cannot verify payment-by-results outcome claims."]


def test_with_nothing_to_verify_the_auditor_is_told_so(app, people, contract):  # noqa: F811
    at = open_page(app, people.auditor)
    assert [i.value for i in at.info] == ["No claim is waiting for verification."]
    at = open_page(app, people.auditor, "Decided")
    assert [i.value for i in at.info] == ["No claim has been decided yet."]
