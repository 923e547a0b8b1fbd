"""Tampering with the database file directly, as an attacker with write access would.

For every table whose rows decide money or permission (``fund.audit_state.RECORDED``), a row
altered, inserted or deleted outside the services is named by ``audit verify``; the kept
balances are held to the ledger; an approval acts only on the request the chain recorded;
and a tail rewritten consistently, which nothing inside the file can catch, is caught by an
anchor printed before it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pytest

from fund import audit, audit_anchor, audit_state, ledger, lifecycle, register, sessions, users
from fund.board import appetite
from fund.demo.accounts import mark_as_demo
from fund.errors import PermissionDenied, RecordAltered, ValidationError, describe
from fund.evidence import override, plans
from fund.evidence import results as evidence
from fund.grants import applications, imports, policy
from fund.lessons import register as lessons
from fund.pbr import claims, contracts, investors
from fund.pbr.rate_card import rate
from fund.sroi import service as sroi_service
from fund.ventures import terms as ventures
from fund.ventures import valuations
from fund.zones import areas, series, waivers, zone
from tests.conftest import FULL_PLAN, PASSWORD, key
from tests.integration.helpers import counts, rebalancing_request


@dataclass(frozen=True)
class Case:
    """How to alter and insert a row of one table (deleting is the same for all)."""

    alter: str
    insert: str


# Each statement acts on the newest row (or group) of its table.
CASES = {
    "app_user": Case(
        alter="UPDATE app_user SET password_hash = 'forged' WHERE user_id = 4",
        insert="INSERT INTO app_user VALUES (99, 'mallory', 'M', 'fund_manager', 'x', TRUE,"
        " now()::TIMESTAMP)",
    ),
    "ringfence": Case(
        alter="UPDATE ringfence SET declared_amount = 99000000 WHERE ringfence_id = 1",
        insert="INSERT INTO ringfence SELECT * REPLACE (99 AS ringfence_id, 'Shadow' AS name)"
        " FROM ringfence WHERE ringfence_id = 1",
    ),
    "programme": Case(
        alter="UPDATE programme SET ringfence_id = 2 WHERE programme_id = 1",
        insert="INSERT INTO programme VALUES (99, 1, 'Shadow', 't', now()::TIMESTAMP)",
    ),
    "experiment": Case(
        alter="UPDATE experiment SET programme_id = 2 WHERE experiment_id = 1",
        insert="INSERT INTO experiment SELECT * REPLACE (99 AS experiment_id)"
        " FROM experiment WHERE experiment_id = 1",
    ),
    "partner": Case(
        alter="UPDATE partner SET sector = 'business' WHERE partner_id = 1",
        insert="INSERT INTO partner VALUES (99, 'Shadow Ltd', 'business')",
    ),
    "experiment_partner": Case(
        alter="UPDATE experiment_partner SET match_cash = 9999999 WHERE experiment_id = 1",
        insert="INSERT INTO experiment_partner VALUES (1, 1, 'investor', 1000000, 0)",
    ),
    "commitment": Case(
        # A forged approval on the newest commitment: the others hold PbR contracts, whose
        # foreign keys stop DuckDB updating an indexed column of the row they reference.
        alter="UPDATE commitment SET approved_by = 2"
        " WHERE commitment_id = (SELECT max(commitment_id) FROM commitment)",
        insert="INSERT INTO commitment SELECT * REPLACE (99 AS commitment_id) FROM commitment"
        " LIMIT 1",
    ),
    "approval_request": Case(
        alter="UPDATE approval_request SET amount = 250000",
        insert="INSERT INTO approval_request SELECT * REPLACE (99 AS request_id)"
        " FROM approval_request LIMIT 1",
    ),
    "approval_decision": Case(
        alter="UPDATE approval_decision SET decided_by = 2",
        insert="INSERT INTO approval_decision SELECT * REPLACE (2 AS request_id)"
        " FROM approval_decision LIMIT 1",
    ),
    "lifecycle_move": Case(
        alter="UPDATE lifecycle_move SET outcome = 'failed'",
        insert="INSERT INTO lifecycle_move SELECT * REPLACE (99 AS move_id) FROM lifecycle_move"
        " LIMIT 1",
    ),
    "scaling_record": Case(
        alter="UPDATE scaling_record SET route = 'takeover'",
        insert="INSERT INTO scaling_record SELECT * REPLACE (2 AS experiment_id)"
        " FROM scaling_record LIMIT 1",
    ),
    "setting": Case(
        alter="UPDATE setting SET value = 'false'",
        insert="INSERT INTO setting VALUES ('shadow', 'true')",
    ),
    "audit_anchor": Case(
        alter="UPDATE audit_anchor SET actor_id = 1",
        insert="INSERT INTO audit_anchor SELECT * REPLACE (99 AS anchor_id) FROM audit_anchor",
    ),
    "sign_in_release": Case(
        alter="UPDATE sign_in_release SET released_at = released_at + INTERVAL 1 DAY",
        insert="INSERT INTO sign_in_release VALUES ('manager', now()::TIMESTAMP, 1)",
    ),
    # The SROI reference data that migration 0006 loads.
    "proxy": Case(
        alter="UPDATE proxy SET value = 5000.00 WHERE code = 'CR1.0'",
        insert="INSERT INTO proxy SELECT * REPLACE (9999 AS proxy_id, 'FAKE' AS code) FROM proxy"
        " WHERE code = 'CR1.0'",
    ),
    "deflator_index": Case(
        alter="UPDATE deflator_index SET value = 50.0 WHERE period = '2002 Q2'",
        insert="INSERT INTO deflator_index VALUES ('YBGB', '2025 Q2', 115.0)",
    ),
    "discount_schedule": Case(
        alter="UPDATE discount_schedule SET effective_from = DATE '1990-01-01'"
        " WHERE schedule_id = 1",
        insert="INSERT INTO discount_schedule VALUES (99, 'green-book-standard',"
        " DATE '2030-01-01', 'forged')",
    ),
    "discount_band": Case(
        alter="UPDATE discount_band SET rate = 0.01 WHERE schedule_id = 1 AND year_from = 0",
        insert="INSERT INTO discount_band VALUES (99, 0, NULL, 0.0)",
    ),
    "impact_map": Case(
        alter="UPDATE impact_map SET present_value = 99999999 WHERE map_id = 1",
        insert="INSERT INTO impact_map SELECT * REPLACE (99 AS map_id, 99 AS version)"
        " FROM impact_map WHERE map_id = 1",
    ),
    "impact_outcome": Case(
        alter="UPDATE impact_outcome SET quantity = 1000 WHERE map_id = 1",
        insert="INSERT INTO impact_outcome SELECT * REPLACE (99 AS position)"
        " FROM impact_outcome WHERE map_id = 1 AND position = 0",
    ),
    "lesson": Case(
        alter="UPDATE lesson SET what_did_not = 'nothing went wrong' WHERE lesson_id = 1",
        insert="INSERT INTO lesson SELECT * REPLACE (99 AS lesson_id, 99 AS version) FROM lesson"
        " WHERE lesson_id = 1",
    ),
    "experiment_closure": Case(
        alter="UPDATE experiment_closure SET closed_by = 3",
        insert="INSERT INTO experiment_closure SELECT * REPLACE (4 AS experiment_id)"
        " FROM experiment_closure LIMIT 1",
    ),
    # Evidence (migration 0008): what an experiment is judged against, and its results.
    "evaluation_plan": Case(
        alter="UPDATE evaluation_plan SET target_effect = 0.0001 WHERE plan_id = 1",
        insert="INSERT INTO evaluation_plan SELECT * REPLACE (99 AS plan_id, 99 AS version)"
        " FROM evaluation_plan WHERE plan_id = 1",
    ),
    "result_set": Case(
        alter="UPDATE result_set SET ci_low = ci_low + 10 WHERE result_id = 1",
        insert="INSERT INTO result_set SELECT * REPLACE (99 AS result_id) FROM result_set"
        " WHERE result_id = 1",
    ),
    "result_observation": Case(
        alter="UPDATE result_observation SET value = value + 10 WHERE result_id = 1",
        insert="INSERT INTO result_observation SELECT * REPLACE (99 AS file_row)"
        " FROM result_observation WHERE result_id = 1 AND file_row = 2",
    ),
    "verdict_override": Case(
        alter="UPDATE verdict_override SET verdict = 'scale'",
        insert="INSERT INTO verdict_override SELECT * REPLACE (99 AS override_id)"
        " FROM verdict_override WHERE override_id = 1",
    ),
    "result_cell": Case(
        alter="UPDATE result_cell SET sd = sd / 10",
        insert="INSERT INTO result_cell SELECT * REPLACE (false AS post) FROM result_cell"
        " WHERE treated",
    ),
    # Risk appetite (migration 0009): the limits a commitment is held to.
    "risk_appetite": Case(
        alter="UPDATE risk_appetite SET counterparty_share = 99 WHERE appetite_id = 1",
        insert="INSERT INTO risk_appetite SELECT * REPLACE (99 AS appetite_id, 99 AS version)"
        " FROM risk_appetite WHERE appetite_id = 1",
    ),
    "app_session": Case(
        alter="UPDATE app_session SET expires_at = expires_at + INTERVAL 30 DAY",
        insert="INSERT INTO app_session SELECT * REPLACE (99 AS session_id, 'forged' AS"
        " token_sha256) FROM app_session",
    ),
    # Payment-by-results (migration 0010): what outcomes earn, who verified them, who invested.
    "pbr_contract": Case(
        alter="UPDATE pbr_contract SET max_per_participant = 99999999 WHERE contract_id = 1",
        # On the spare commitment, the newest, which has no contract.
        insert="INSERT INTO pbr_contract SELECT * REPLACE (99 AS contract_id,"
        " (SELECT max(commitment_id) FROM commitment) AS commitment_id)"
        " FROM pbr_contract WHERE contract_id = 1",
    ),
    "pbr_rate": Case(
        alter="UPDATE pbr_rate SET unit_price = unit_price * 10 WHERE contract_id = 1",
        insert="INSERT INTO pbr_rate SELECT * REPLACE ('forged outcome' AS metric) FROM pbr_rate"
        " WHERE contract_id = 1 LIMIT 1",
    ),
    "pbr_cohort": Case(
        alter="UPDATE pbr_cohort SET participants = 5000 WHERE contract_id = 1",
        insert="INSERT INTO pbr_cohort SELECT * REPLACE ('shadow intake' AS cohort)"
        " FROM pbr_cohort WHERE contract_id = 1 LIMIT 1",
    ),
    "pbr_expected": Case(
        alter="UPDATE pbr_expected SET quantity = quantity + 100 WHERE contract_id = 1",
        insert="INSERT INTO pbr_expected SELECT * REPLACE (DATE '2028-12-31' AS period_end)"
        " FROM pbr_expected WHERE contract_id = 1 LIMIT 1",
    ),
    "pbr_investor": Case(
        alter="UPDATE pbr_investor SET committed = 99999999 WHERE investor_id = 1",
        insert="INSERT INTO pbr_investor SELECT * REPLACE (99 AS investor_id, 'Shadow Trust'"
        " AS name) FROM pbr_investor WHERE investor_id = 1",
    ),
    "pbr_investor_flow": Case(
        alter="UPDATE pbr_investor_flow SET amount = amount + 1000 WHERE flow_id = 1",
        insert="INSERT INTO pbr_investor_flow SELECT * REPLACE (99 AS flow_id)"
        " FROM pbr_investor_flow WHERE flow_id = 1",
    ),
    "pbr_claim": Case(
        alter="UPDATE pbr_claim SET metric = 'first level 3 qualification' WHERE claim_id = 1",
        insert="INSERT INTO pbr_claim SELECT * REPLACE (99 AS claim_id) FROM pbr_claim"
        " WHERE claim_id = 1",
    ),
    "pbr_verification": Case(
        alter="UPDATE pbr_verification SET quantity = 5 WHERE verification_id = 1",
        insert="INSERT INTO pbr_verification SELECT * REPLACE (99 AS verification_id)"
        " FROM pbr_verification WHERE verification_id = 1",
    ),
    "grant_policy": Case(
        alter="UPDATE grant_policy SET delegated_limit = 9999 WHERE policy_id = 1",
        insert="INSERT INTO grant_policy SELECT * REPLACE (99 AS policy_id, 99 AS version)"
        " FROM grant_policy WHERE policy_id = 1",
    ),
    "grant_import": Case(
        alter="UPDATE grant_import SET total = total + 1 WHERE import_id = 1",
        insert="INSERT INTO grant_import SELECT * REPLACE (99 AS import_id, NULL AS request_id)"
        " FROM grant_import WHERE import_id = 1",
    ),
    "small_grant": Case(
        alter="UPDATE small_grant SET amount = 9999 WHERE grant_id = 1",
        insert="INSERT INTO small_grant SELECT * REPLACE (99 AS grant_id, 'X-99' AS identifier)"
        " FROM small_grant WHERE grant_id = 1",
    ),
    "grant_decision": Case(
        alter="UPDATE grant_decision SET amount = 1 WHERE decision_id = 1",
        insert="INSERT INTO grant_decision SELECT * REPLACE (99 AS decision_id)"
        " FROM grant_decision WHERE decision_id = 1",
    ),
    "grant_commitment": Case(
        alter="UPDATE grant_commitment SET commitment_id = 1"
        " WHERE decision_id = (SELECT max(decision_id) FROM grant_commitment)",
        insert="INSERT INTO grant_commitment VALUES"
        " ((SELECT max(decision_id) FROM grant_decision), 1)",
    ),
    "grant_report": Case(
        alter="UPDATE grant_report SET spent = spent + 1",
        insert="INSERT INTO grant_report SELECT * REPLACE ((SELECT max(grant_id) FROM"
        " small_grant) AS grant_id) FROM grant_report",
    ),
    "grant_closure": Case(
        alter="UPDATE grant_closure SET reason = 'nothing to see'",
        insert="INSERT INTO grant_closure SELECT * REPLACE ((SELECT max(grant_id) FROM"
        " small_grant) AS grant_id) FROM grant_closure",
    ),
    # Experimental zones (migration 0012): the zone, its comparison areas, its waiver register
    # and its outcome series. The case: a waiver's expiry moved in the file.
    "zone": Case(
        alter="UPDATE zone SET ends_on = DATE '2099-12-31' WHERE zone_id = 1",
        # On the spare commitment, the newest, which is no zone.
        insert="INSERT INTO zone SELECT * REPLACE (99 AS zone_id,"
        " (SELECT max(commitment_id) FROM commitment) AS commitment_id) FROM zone"
        " WHERE zone_id = 1",
    ),
    "zone_comparison": Case(
        alter="UPDATE zone_comparison SET area_name = 'Shadow' WHERE zone_id = 1",
        insert="INSERT INTO zone_comparison SELECT * REPLACE ('E08000099' AS area_code)"
        " FROM zone_comparison WHERE zone_id = 1 LIMIT 1",
    ),
    "waiver": Case(
        alter="UPDATE waiver SET expires_on = DATE '2099-12-31' WHERE waiver_id = 1",
        insert="INSERT INTO waiver SELECT * REPLACE (99 AS waiver_id, NULL AS renews)"
        " FROM waiver WHERE waiver_id = 1",
    ),
    "waiver_decision": Case(
        alter="UPDATE waiver_decision SET decided_on = DATE '2020-01-01' WHERE decision_id = 1",
        insert="INSERT INTO waiver_decision SELECT * REPLACE (99 AS decision_id,"
        " 'made_permanent' AS decision) FROM waiver_decision WHERE decision_id = 1",
    ),
    "zone_outcome": Case(
        alter="UPDATE zone_outcome SET value = value + 10 WHERE file_row = 2",
        insert="INSERT INTO zone_outcome SELECT * REPLACE (999 AS file_row) FROM zone_outcome"
        " LIMIT 1",
    ),
    # Social venture investments (migration 0013): the terms, a loan's schedule, valuations.
    "venture_terms": Case(
        # The newest terms, an equity stake's, are referenced by no schedule nor valuation.
        alter="UPDATE venture_terms SET stake = 99"
        " WHERE commitment_id = (SELECT max(commitment_id) FROM venture_terms)",
        # On the spare commitment, the newest, which has no terms.
        insert="INSERT INTO venture_terms SELECT * REPLACE ((SELECT max(commitment_id)"
        " FROM commitment) AS commitment_id) FROM venture_terms LIMIT 1",
    ),
    "loan_instalment": Case(
        alter="UPDATE loan_instalment SET principal = principal + 100 WHERE number = 1",
        insert="INSERT INTO loan_instalment SELECT * REPLACE (99 AS number)"
        " FROM loan_instalment WHERE number = 1",
    ),
    "venture_valuation": Case(
        alter="UPDATE venture_valuation SET value = value * 10 WHERE valuation_id = 1",
        insert="INSERT INTO venture_valuation SELECT * REPLACE (99 AS valuation_id)"
        " FROM venture_valuation WHERE valuation_id = 1",
    ),
}
# Rows that must go before a row of the table can be deleted (its foreign keys hold them).
DEPENDENTS = {
    "pbr_contract": ("pbr_rate", "pbr_cohort", "pbr_expected"),
}


def test_every_recorded_table_has_a_tamper_case():
    assert set(CASES) == {r.table for r in audit_state.RECORDED}


@pytest.fixture
def every_record(con, people, funded, tmp_path):
    """At least one row, written through the services, in every recorded table."""
    fm, second = people.manager, people.second_manager
    contract = funded.experiments["pbr_contract"]
    request = ledger.commit(
        con,
        fm,
        experiment_id=contract,
        amount="50000",
        counterparty="Acme",
        reason="bid",
        key=key(),
    ).entity_id
    commitment = ledger.decide(
        con, second, request_id=request, approve=True, reason="ok", key=key()
    ).entity_id
    rebalancing_request(con, fm, funded)
    grant_records(con, people, funded, tmp_path)  # before the small grant's experiment closes
    zone_records(con, people, funded)  # before the contract's results: theirs are the newest
    venture_records(con, people, funded)  # before the PbR spare: it is the newest commitment
    for phase in (2, 3):
        lifecycle.move(con, fm, experiment_id=contract, to_phase=phase, reason="ok", key=key())
    lifecycle.record_scaling_route(
        con, fm, experiment_id=contract, route="direct_diffusion", reason="licensed", key=key()
    )
    # The newest experiment and partner are referenced by nothing, so they can be deleted.
    spare = register.add_experiment(
        con,
        fm,
        programme_id=funded.programme_id,
        title="Spare",
        instrument="small_grant",
        phase=0,
        risk_rating="low",
        official="Pat",
        user_involvement="informed",
        partners=[register.PartnerShare(name="Spare Ltd", sector="business", role="investor")],
        key=key(),
    ).entity_id
    register.update_experiment(
        con,
        fm,
        experiment_id=spare,
        programme_id=funded.programme_id,
        title="Spare",
        instrument="small_grant",
        risk_rating="low",
        official="Pat",
        user_involvement="informed",
        partners=[],
        reason="partner withdrew",
        key=key(),
    )
    outcome = {
        "stakeholder": "residents",
        "outcome": "out of problem debt",
        "indicator": "households without arrears",
        "quantity": "12",
        "proxy_code": "CR1.0",
        "duration_years": 2,
        "start_year": 1,
        **dict.fromkeys(("deadweight", "displacement", "attribution", "drop_off"), "0.1"),
    }
    sroi_service.save_document(
        con, fm, contract, {"outcomes": [outcome]}, reason="first assessment", key=key()
    )
    # A lesson closes the small grant; the newest lesson (the zone's) is referenced by nothing.
    grant, zone = funded.experiments["small_grant"], funded.experiments["experimental_zone"]
    lessons.record_lesson(con, fm, grant, LESSON, reason="learnt", key=key())
    lessons.close_experiment(con, fm, grant, reason="over", key=key())
    lessons.record_lesson(con, fm, zone, LESSON, reason="learnt", key=key())
    amended = {**FULL_PLAN, "target_effect": "0.10"}
    plans.amend_plan(con, fm, contract, amended, key=key(), reason="after the award")
    observed = "group,period,post,value\n" + "".join(
        f"{group},2026-Q1,1,{value}\n"
        for group in ("treated", "comparison")
        for value in (3, 5, 4, 6)
    )
    evidence.upload_results(con, fm, contract, observed, key=key(), reason="first results")
    # Overridden, then superseded by a summary: the newest result set is referenced by nothing.
    override.override_verdict(con, fm, contract, "adapt", key=key(), reason="costs rose")
    cells = [
        {"group": group, "post": "1", "n": "40", "mean": mean, "sd": "1.5"}
        for group, mean in (("treated", "5.5"), ("comparison", "4.5"))
    ]
    evidence.record_summary(con, fm, contract, cells, key=key(), reason="evaluator's summary")
    for share in ("50", "60"):  # two versions: the newest is referenced by nothing
        appetite.declare_appetite(
            con,
            fm,
            ringfence_id=funded.ringfence_id,
            high_risk_share="40",
            instrument_share=share,
            counterparty_share="100",
            reason="declared with the ring-fence",
            key=key(),
        )
    pbr_records(con, people, funded, commitment)
    mark_as_demo(con, people.admin, key=key())
    users.reset_password(
        con, people.admin, username="board", password="a new passphrase", reason="lost", key=key()
    )
    sessions.start(con, "manager", PASSWORD)
    audit_anchor.anchor(con, people.auditor, key=key())
    assert audit.verify(con, people.auditor).ok
    return people


def grant_records(con, people, funded, tmp_path) -> None:
    """Two versions of a small-grant policy, an import, a grant awarded, paid, reported and
    closed, one declined (the newest decision, with no commitment) and one not yet decided
    (the newest grant, with no decision): the newest row of each table is referenced by
    nothing, so it can be deleted."""
    fm = people.manager
    for limit in ("5000", "4000"):
        policy.declare(
            con,
            fm,
            ringfence_id=funded.ringfence_id,
            min_amount="500",
            max_amount="10000",
            delegated_limit=limit,
            id_prefix="nb",
            funder_id="GB-LAE-NBR",
            report_days=30,
            reason="grants",
            key=key(),
        )
    grants = tmp_path / "grants.csv"
    grants.write_text(
        "Identifier,Title,Description,Currency,Amount Awarded,Award Date,Recipient Org:Identifier,"
        "Recipient Org:Name,Funding Org:Identifier,Funding Org:Name\n"
        "360G-old-1,Club,A club,GBP,1500,2026-03-01,GB-CHC-1,Hill Club,GB-LAE-NBR,Council\n"
    )
    imports.import_file(
        con,
        fm,
        path=grants,
        programme_id=funded.programme_id,
        experiment_id=funded.experiments["small_grant"],
        key=key(),
    )
    imported = applications.grant(con, 1)  # paid in full, so its experiment may close later
    ledger.pay(con, fm, commitment_id=imported.commitment_id, amount="1500", reason="x", key=key())
    made = []
    for title in ("Pantry", "Choir", "Garden"):
        made.append(
            applications.apply(
                con,
                fm,
                programme_id=funded.programme_id,
                experiment_id=funded.experiments["small_grant"],
                applicant_type="frontline_team",
                applicant="Sam",
                recipient=f"{title} group",
                title=title,
                purpose="A test",
                amount="1000",
                planned_start="2026-01-01",
                planned_end="2026-03-31",
                key=key(),
            ).entity_id
        )
    awarded, declined, _ = made
    applications.decide(con, fm, grant_id=awarded, award=True, reason="panel", key=key())
    applications.report(
        con, fm, grant_id=awarded, what_done="Ran", learned="Much", spent="0", key=key()
    )
    applications.close(con, fm, grant_id=awarded, reason="done", key=key())
    applications.decide(con, fm, grant_id=declined, award=False, reason="no", key=key())


def zone_records(con, people, funded) -> None:
    """Zone #1 with comparison areas, an outcome series and a waiver register (#1 granted,
    #2 requested then revoked, #3 renewing #1, #4 requested: the newest, referenced by
    nothing); zone #2, the newest, with neither comparison areas nor waivers."""
    fm, experiment = people.manager, funded.experiments["experimental_zone"]
    plans.amend_plan(
        con, fm, experiment, {**FULL_PLAN, "design": "did"}, key=key(), reason="before money"
    )
    # An experiment is one zone: Bradford's is an experiment of its own.
    second = register.add_experiment(
        con,
        fm,
        programme_id=funded.programme_id,
        title="Bradford zone",
        instrument="experimental_zone",
        phase=1,
        risk_rating="medium",
        official="Sam Director",
        user_involvement="informed",
        key=key(),
    ).entity_id
    plans.register_plan(
        con, fm, second, {**FULL_PLAN, "design": "did"}, key=key(), reason="before money"
    )
    made = []
    for area, code, on in (("Leeds", "E08000035", experiment), ("Bradford", "E08000032", second)):
        commitment = ledger.commit(
            con,
            fm,
            experiment_id=on,
            amount="5000",
            counterparty=f"{area} City Council",
            reason="zone budget",
            key=key(),
        ).entity_id
        terms = zone.ZoneTerms(
            commitment_id=commitment,
            area_name=area,
            area_code=code,
            starts_on="2025-04-01",
            ends_on="2027-03-31",
            official="Sam Director",
            comparisons=[areas.parse("E08000036=Wakefield")] if not made else [],
        )
        made.append(zone.add_zone(con, fm, terms, key=key(), reason="zone").entity_id)
    zone.add_comparisons(
        con, fm, made[0], [areas.parse("E08000034=Kirklees")], key=key(), reason="a second"
    )
    series.upload(con, fm, made[0], ZONE_SERIES.encode(), key=key(), reason="outcomes")
    rule = waivers.WaiverTerms(
        rule="16-hour rule",
        source="JSA Regulations 1996, reg. 52",
        legal_basis="pilot power",
        scope="the whole zone",
        expires_on="2026-12-31",
    )
    by = waivers.Decision(authority="Secretary of State", decided_on="2025-03-20")
    first = waivers.record_granted(con, fm, made[0], rule, by, key=key(), reason="granted")
    asked = waivers.request_waiver(con, fm, made[0], rule, key=key(), reason="asked").entity_id
    waivers.revoke_waiver(con, fm, asked, by, key=key(), reason="withdrawn")
    waivers.renew_waiver(
        con, fm, first.entity_id, "2027-12-31", by, key=key(), reason="still needed"
    )
    waivers.request_waiver(con, fm, made[0], rule, key=key(), reason="asked again")


def venture_records(con, people, funded) -> None:
    """A loan (#1 of the two) with its schedule, drawn and valued twice; then an equity
    stake, the newest terms, referenced by no schedule nor valuation."""
    fm, experiment = people.manager, funded.experiments["social_venture"]
    made = [
        ledger.commit(
            con,
            fm,
            experiment_id=experiment,
            amount=amount,
            counterparty=f"{name} CIC",
            reason="investment agreed",
            key=key(),
        ).entity_id
        for name, amount in (("Bakery", "3000"), ("Bikes", "2000"))
    ]
    loan, stake = made
    ventures.record_terms(
        con,
        fm,
        ventures.InvestmentTerms(
            commitment_id=loan,
            investment_type="loan",
            interest_rate="6",
            starts_on="2025-07-01",
            instalments=4,
            every_months=3,
        ),
        key=key(),
        reason="loan agreed",
    )
    ledger.pay(con, fm, commitment_id=loan, amount="3000", reason="drawn", key=key())
    for worth, basis in (("3000", "cost"), ("1500", "written_down")):
        valuations.record_valuation(
            con,
            fm,
            commitment_id=loan,
            valued_on="2025-12-31",
            value=worth,
            basis=basis,
            key=key(),
            reason="valued",
        )
    ventures.record_terms(
        con,
        fm,
        ventures.InvestmentTerms(commitment_id=stake, investment_type="equity", stake="12.5"),
        key=key(),
        reason="shares bought",
    )


ZONE_SERIES = "area,period,value\n" + "".join(
    f"{code},{period},{50 + n + (4 if code == 'E08000035' and period >= '2025-Q2' else 0)}\n"
    for code in ("E08000035", "E08000036", "E08000034")
    for n, period in enumerate(("2024-Q4", "2025-Q1", "2025-Q2", "2025-Q3"))
)


DWP = {  # four lines of the DWP Innovation Fund card (tests/integration/test_pbr.py has it all)
    "improved school behaviour": "1300.00",
    "ESOL completion": "1200.00",
    "first level 2 qualification": "2200.00",
    "first level 3 qualification": "3300.00",
}


def pbr_records(con, people, funded, commitment: int) -> None:
    """Rows in every PbR table: contract #1 on ``commitment`` with its rate card, cohorts and
    expected outcomes, claims verified (#1 accepted; #2 rejected, then reversed by #3) and one
    awaiting, investors and their flows; contract #2, on a commitment of its own, referenced
    by nothing; and a newest commitment with no contract. The newest row of each table is
    referenced by nothing, so it can be deleted."""
    fm = people.manager
    later = [
        ledger.commit(
            con,
            fm,
            experiment_id=funded.experiments["pbr_contract"],
            amount="5000",
            counterparty=name,
            reason="bid",
            key=key(),
        ).entity_id
        for name in ("Second Provider", "Spare Provider")
    ]
    for number, on in enumerate((commitment, later[0]), start=1):
        contracts.add_contract(
            con,
            fm,
            contracts.ContractTerms(
                commitment_id=on,
                name=f"Youth outcomes {number}",
                provider="Outcomes Provider Ltd",
                outcome_payer="Northborough Council",
                starts_on="2026-01-01",
                ends_on="2028-12-31",
                baseline_rule="every outcome is additional",
                verifier="Northborough internal audit",
                rates=[
                    rate(metric=m, definition=f"{m}, as the DWP defines it", unit_price=p)
                    for m, p in DWP.items()
                ],
                cohorts=[
                    contracts.cohort(
                        name=f"{year} intake", starts_on=f"{year}-01-01", participants=50
                    )
                    for year in (2026, 2027)
                ],
                expected=[
                    contracts.expected(metric=m, period_end="2027-12-31", quantity=10) for m in DWP
                ],
                max_per_participant="11700.00",
            ),
            reason="signed",
            key=key(),
        )
    claimed = [
        claims.record_claim(
            con,
            fm,
            contract_id=1,
            cohort="2026 intake",
            metric=metric,
            participant="P-001",
            period_start="2026-04-01",
            period_end="2026-06-30",
            quantity=1,
            evidence="school records",
            reason="quarterly claim",
            key=key(),
        ).entity_id
        for metric in (
            "improved school behaviour",
            "ESOL completion",
            "first level 2 qualification",
        )
    ]
    for claim_id, decision in zip(claimed[:2], ("accept", "reject"), strict=True):
        claims.verify_claim(
            con,
            people.auditor,
            claim_id=claim_id,
            decision=decision,
            reason="evidence seen",
            key=key(),
        )
    claims.reverse_verification(
        con, people.auditor, claim_id=claimed[1], reason="evidence found later", key=key()
    )
    backers = [
        investors.add_investor(
            con, fm, contract_id=1, name=name, committed="20000.00", reason="signed", key=key()
        ).entity_id
        for name in ("Northborough Trust", "Civic Foundation")
    ]
    for kind, amount, on in (
        ("drawdown", "15000.00", "2026-01-15"),
        ("repayment", "4000.00", "2026-03-31"),
    ):
        investors.record_flow(
            con,
            fm,
            investor_id=backers[0],
            kind=kind,
            amount=amount,
            on=on,
            reason="bank",
            key=key(),
        )


LESSON = {
    "what_worked": "mentors",
    "what_did_not": "referrals",
    "do_differently": "employers first",
    "transfers_to": "other boroughs",
    "tags": "youth",
}


def _name(table: str, key_value: object) -> str:
    return audit_state.BY_TABLE[table].name.format(key_value)


def _newest_key(con, table: str) -> object:
    recorded = audit_state.BY_TABLE[table]
    return con.execute(f"SELECT max({recorded.key}) FROM {table}").fetchone()[0]


@pytest.mark.parametrize("table", sorted(CASES))
def test_a_row_altered_outside_the_services_is_named(con, every_record, table):
    con.execute(CASES[table].alter)
    check = audit.verify(con, every_record.auditor)
    assert not check.ok
    assert "is not what audit row #" in check.problem
    assert "(altered outside the services)" in check.problem
    assert check.problem.split(" is not what")[0] in {
        _name(table, k[0])
        for k in con.execute(
            f"SELECT DISTINCT {audit_state.BY_TABLE[table].key} FROM {table}"
        ).fetchall()
    }


@pytest.mark.parametrize("table", sorted(CASES))
def test_a_row_inserted_outside_the_services_is_named(con, every_record, table):
    before = set(
        con.execute(f"SELECT DISTINCT {audit_state.BY_TABLE[table].key} FROM {table}").fetchall()
    )
    con.execute(CASES[table].insert)
    after = set(
        con.execute(f"SELECT DISTINCT {audit_state.BY_TABLE[table].key} FROM {table}").fetchall()
    )
    check = audit.verify(con, every_record.auditor)
    assert not check.ok
    ((new_key,),) = after - before or {(None,)}
    if new_key is None:  # a line added to an existing group of rows alters the group
        assert "(altered outside the services)" in check.problem
    else:
        assert check.problem == (
            f"{_name(table, new_key)} has no audited write (inserted outside the services)"
        )


@pytest.mark.parametrize("table", sorted(CASES))
def test_a_row_deleted_outside_the_services_is_named(con, every_record, table):
    newest = _newest_key(con, table)
    recorded = audit_state.BY_TABLE[table]
    for dependent in DEPENDENTS.get(table, ()):
        con.execute(f"DELETE FROM {dependent} WHERE {recorded.key} = ?", [newest])
    con.execute(f"DELETE FROM {table} WHERE {recorded.key} = ?", [newest])
    check = audit.verify(con, every_record.auditor)
    assert not check.ok
    assert check.problem.startswith(f"{_name(table, newest)} was deleted outside the services")


def test_a_verified_quantity_tampered_with_is_found_and_named(con, every_record):
    """The issue's case: an accepted outcome inflated in the file is named by its row."""
    (accepted,) = con.execute(
        "SELECT verification_id FROM pbr_verification WHERE decision = 'accepted'"
    ).fetchone()
    con.execute("UPDATE pbr_verification SET quantity = 40 WHERE verification_id = ?", [accepted])
    check = audit.verify(con, every_record.auditor)
    assert not check.ok
    assert check.problem.startswith(f"verification #{accepted} is not what audit row #")
    assert check.problem.endswith("(altered outside the services)")


def test_a_password_is_recorded_only_as_a_digest_of_its_hash(con, every_record):
    (password_hash,) = con.execute(
        "SELECT password_hash FROM app_user WHERE user_id = 4"
    ).fetchone()
    states = " ".join(r[0] for r in con.execute("SELECT state FROM audit_state").fetchall() if r[0])
    assert password_hash not in states
    assert hashlib.sha256(password_hash.encode()).hexdigest() in states


def test_a_recorded_state_altered_in_place_is_named_by_its_audit_row(con, every_record):
    (seq,) = con.execute(  # the approval of Acme's commitment
        "SELECT max(audit_seq) FROM audit_state WHERE tbl = 'commitment' AND state LIKE '%Acme%'"
    ).fetchone()
    con.execute(
        "UPDATE audit_state SET state = replace(state, 'Acme', 'Mallory') WHERE audit_seq = ?",
        [seq],
    )
    check = audit.verify(con, every_record.auditor)
    assert check.seq == seq
    assert check.problem.startswith(f"the states recorded by audit row #{seq} (approve)")


@pytest.mark.parametrize("table", ["programme_balance", "ringfence_balance"])
def test_a_kept_balance_that_disagrees_with_the_ledger_is_named(con, every_record, table):
    con.execute(f"UPDATE {table} SET allocated = allocated + 1000000")
    check = audit.verify(con, every_record.auditor)
    assert not check.ok
    assert check.problem.startswith("the kept balance of ")
    assert "is not what its" in check.problem


# --- approvals act on what the chain recorded ------------------------------------------


def test_an_approval_refuses_a_request_edited_since_it_was_audited(con, people, funded):
    fm, second = people.manager, people.second_manager
    request = rebalancing_request(con, fm, funded)
    con.execute("UPDATE approval_request SET amount = 250000 WHERE request_id = ?", [request])
    before = counts(con)
    with pytest.raises(RecordAltered) as refused:
        ledger.decide(con, second, request_id=request, approve=True, reason="ok", key=key())
    assert describe(refused.value).startswith(
        f"approval request: approval request #{request} is not what audit row #"
    )
    assert "changed outside the services" in describe(refused.value)
    assert counts(con) == before  # no £250,000.00 posted, no decision recorded


def test_an_approval_acts_on_an_untouched_request(con, people, funded):
    request = rebalancing_request(con, people.manager, funded)
    ledger.decide(
        con, people.second_manager, request_id=request, approve=True, reason="ok", key=key()
    )
    moved = con.execute(
        "SELECT amount FROM ledger_entry WHERE virement_id = ? AND amount > 0", [request]
    ).fetchall()
    assert [str(a) for (a,) in moved] == ["25000.00"]


# --- a rewritten tail, and the anchor that catches it ----------------------------------


def _rechain(con, from_seq: int) -> None:
    """Recompute every hash from ``from_seq`` on and move the head, as a forger with write
    access to the file would; afterwards the chain is consistent again."""
    rows = con.execute(
        "SELECT seq, recorded_at, actor_id, actor, operation, entity, entity_id,"
        " idempotency_key, reason, details, entries_digest, states_digest FROM audit_log"
        " WHERE seq >= ? ORDER BY seq",
        [from_seq],
    ).fetchall()
    (prev,) = con.execute(
        "SELECT coalesce(max_by(row_hash, seq), ?) FROM audit_log WHERE seq < ?",
        [audit.GENESIS, from_seq],
    ).fetchone()
    for row in rows:
        fields = list(row) if row[-1] else list(row[:-1])
        row_hash = hashlib.sha256((prev + audit.canonical_text(fields)).encode()).hexdigest()
        con.execute(
            "UPDATE audit_log SET prev_hash = ?, row_hash = ? WHERE seq = ?",
            [prev, row_hash, row[0]],
        )
        prev = row_hash
    con.execute(
        "UPDATE audit_head SET seq = (SELECT max(seq) FROM audit_log), row_hash = ?", [prev]
    )


def _cut_tail(con, from_seq: int) -> None:
    """Delete every write from ``from_seq`` on, with its entries and states, and move the head."""
    for statement in (
        "DELETE FROM ledger_entry WHERE audit_seq >= ?",
        "DELETE FROM audit_state WHERE audit_seq >= ?",
        "DELETE FROM audit_log WHERE seq >= ?",
        "DELETE FROM audit_anchor WHERE seq >= ?",
    ):
        con.execute(statement, [from_seq])
    con.execute(
        "UPDATE audit_head SET seq = (SELECT max(seq) FROM audit_log),"
        " row_hash = (SELECT max_by(row_hash, seq) FROM audit_log)"
    )


@pytest.fixture
def published(con, people, funded):
    """A payment, then an anchor printed and kept outside the database, then more writes."""
    grant = ledger.commit(
        con,
        people.manager,
        experiment_id=funded.experiments["small_grant"],
        amount="5000",
        counterparty="Youth Trust",
        reason="award",
        key=key(),
    ).entity_id
    ledger.pay(con, people.manager, commitment_id=grant, amount="1000", reason="first", key=key())
    line = audit_anchor.anchor(con, people.auditor, key=key()).line()
    ledger.pay(con, people.manager, commitment_id=grant, amount="500", reason="second", key=key())
    return audit_anchor.read_anchors(f"# kept by the auditor\n{line}\n")


def test_a_tail_cut_back_consistently_passes_without_an_anchor_and_fails_with_one(
    con, people, published
):
    (anchor,) = published
    # The forger removes the anchored row and everything after it (the anchor's own record
    # included), so nothing left in the file contradicts the shorter chain.
    _cut_tail(con, anchor.seq)
    assert audit.verify(con, people.auditor).ok  # nothing inside the file can tell
    check = audit.verify(con, people.auditor, published)
    assert check.seq == anchor.seq
    assert check.problem.startswith(f"audit row #{anchor.seq} is missing, yet it was anchored")


def test_a_history_rewritten_and_rechained_is_caught_by_an_earlier_anchor(con, people, published):
    (anchor,) = published
    con.execute("UPDATE audit_log SET reason = 'routine' WHERE seq = ?", [anchor.seq - 1])
    _rechain(con, anchor.seq - 1)
    check = audit.verify(con, people.auditor, published)
    assert check.seq == anchor.seq
    assert check.problem.startswith(f"audit row #{anchor.seq} is not the row that was anchored")


def test_the_anchor_stored_in_the_database_catches_a_careless_rewrite(con, people, published):
    (anchor,) = published
    con.execute("UPDATE audit_log SET reason = 'routine' WHERE seq = ?", [anchor.seq])
    _rechain(con, anchor.seq)
    check = audit.verify(con, people.auditor)
    assert check.seq == anchor.seq
    assert "is not the row anchor #1 recorded" in check.problem


def test_an_anchor_replays_with_its_key(con, people, funded):
    first = audit_anchor.anchor(con, people.auditor, key="anchor-1")
    ledger.allocate(con, people.manager, programme_id=1, amount="1", reason="x", key=key())
    again = audit_anchor.anchor(con, people.auditor, key="anchor-1")
    assert again == first


@pytest.mark.parametrize("role", ["manager", "auditor", "admin"])
def test_auditors_fund_managers_and_admins_may_anchor(con, people, role):
    assert audit_anchor.anchor(con, getattr(people, role), key=key()).seq > 0


def test_a_board_member_may_not_anchor(con, people):
    with pytest.raises(PermissionDenied):
        audit_anchor.anchor(con, people.board, key=key())


@pytest.mark.parametrize(
    "text",
    ["", "# only a comment\n", "row #12 sha256 abc\n", "hello\nrow #1 sha256 " + "a" * 64],
)
def test_an_anchor_file_that_is_not_all_anchors_is_refused_naming_the_line(text):
    with pytest.raises(ValidationError) as refused:
        audit_anchor.read_anchors(text)
    assert describe(refused.value).startswith("anchor file: ")
