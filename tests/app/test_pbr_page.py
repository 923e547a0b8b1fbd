"""The Payment by results page: every reading role sees the contracts, their rate cards,
claims, exposure and investors' returns; only fund managers record claims and add contracts;
board members see no one's name; admins are refused. Claims and contracts go in through the
page's own forms and come out in the services' figures to the penny."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from streamlit.proto.WidgetStates_pb2 import WidgetState

from fund import ledger
from fund.pbr import claims, contracts, exposure, investors
from fund.pbr.rate_card import rate
from tests.app.helpers import (
    button,
    counts,
    errors,
    form_key,
    grew,
    select,
    successes,
    visible,
)
from tests.app.test_board_page import everything
from tests.conftest import key
from tests.integration.helpers import pbr_commitment

PAGE = "pages/pbr.py"
D = Decimal
NAMES = ("Mo Manager", "Aud Itor", "Sam Second")
EMPLOYMENT = "sustained employment (26 weeks)"
ESOL = "ESOL completion"


def commit_pbr(con, people, portfolio, amount="100000.00") -> int:
    return pbr_commitment(con, people, portfolio, amount)


def terms(commitment_id: int) -> contracts.ContractTerms:
    return contracts.ContractTerms(
        commitment_id=commitment_id,
        name="Youth outcomes, round 1",
        provider="Outcomes Provider Ltd",
        outcome_payer="Northborough Council",
        starts_on="2026-01-01",
        ends_on="2028-12-31",
        baseline_rule="Every outcome is additional (no comparison group)",
        verifier="Northborough internal audit",
        rates=[
            rate(
                metric=EMPLOYMENT, definition="26 weeks in work", unit_price="1000.00", cap="20000"
            ),
            rate(metric=ESOL, definition="an ESOL course completed", unit_price="500.00"),
        ],
        cohorts=[
            contracts.cohort(name="2026 intake", starts_on="2026-01-01", participants=50),
            contracts.cohort(name="2027 intake", starts_on="2027-01-01", participants=40),
        ],
        expected=[
            contracts.expected(metric=ESOL, period_end="2027-06-30", quantity=10),
            contracts.expected(metric=EMPLOYMENT, period_end="2027-12-31", quantity=30),
        ],
    )


@pytest.fixture
def contract(con, people, portfolio) -> int:
    """A contract on £100,000.00: employment at £1,000.00 capped at £20,000.00, ESOL at
    £500.00; an investor who drew £40,000.00 and got £44,000.00 back."""
    commitment_id = commit_pbr(con, people, portfolio)
    contract_id = contracts.add_contract(
        con, people.manager, terms(commitment_id), reason="signed", key=key()
    ).entity_id
    investor = investors.add_investor(
        con,
        people.manager,
        contract_id=contract_id,
        name="Bridges Outcomes Fund",
        committed="50000.00",
        reason="bond signed",
        key=key(),
    ).entity_id
    for kind, amount, on in (
        ("drawdown", "40000.00", date(2026, 1, 15)),
        ("repayment", "44000.00", date(2026, 11, 1)),
    ):
        investors.record_flow(
            con,
            people.manager,
            investor_id=investor,
            kind=kind,
            amount=amount,
            on=on,
            reason="bank statement",
            key=key(),
        )
    return contract_id


def record(con, people, contract_id, metric=EMPLOYMENT, quantity=12) -> int:
    return claims.record_claim(
        con,
        people.manager,
        contract_id=contract_id,
        cohort="2026 intake",
        metric=metric,
        period_start="2026-04-01",
        period_end="2026-06-30",
        quantity=quantity,
        evidence="HMRC employment records, extract of 2026-07-02",
        reason="quarterly claim",
        key=key(),
    ).entity_id


@pytest.fixture
def verified(con, people, contract) -> int:
    """Twelve employment outcomes claimed and accepted (£12,000.00 earned), £5,000.00 paid,
    and two ESOL outcomes claimed, awaiting verification."""
    claims.verify_claim(
        con,
        people.auditor,
        claim_id=record(con, people, contract),
        decision="accept",
        reason="records seen",
        key=key(),
    )
    ledger.pay(con, people.manager, commitment_id=1, amount="5000.00", reason="outcomes", key=key())
    record(con, people, contract, metric=ESOL, quantity=2)
    return contract


def open_page(app, user, section: str | None = None):
    at = app(user, PAGE)
    assert not at.exception, at.exception
    if section is not None:
        at.session_state["pbr-section"] = section
        at.run()
        assert not at.exception, at.exception
    return at


def tabs(at) -> list[str]:
    return [t.label for t in at.tabs]


def chart(at, title_starts: str) -> dict:
    found = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    (spec,) = [s for s in found if s["layout"]["title"]["text"].startswith(title_starts)]
    return spec


def table_with(at, column: str):
    (found,) = [d for d in at.dataframe if column in d.value.columns]
    return found.value


# --- who sees what --------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["manager", "auditor", "board"])
def test_every_reading_role_sees_the_contract_its_rate_card_and_cohorts(
    app, con, people, verified, role
):
    at = open_page(app, getattr(people, role))
    assert at.title[0].value == "Payment by results"
    assert select(at, "Contract").value == verified
    assert "Youth outcomes, round 1" in select(at, "Contract").format_func(verified)
    card = table_with(at, "unit_price").set_index("metric")
    assert card.loc[EMPLOYMENT, "earned"] == D("12000.00")
    assert card.loc[EMPLOYMENT, "cap"] == D("20000.00")
    assert card.loc[ESOL, "earned"] == D("0.00")
    assert list(table_with(at, "participants")["cohort"]) == ["2026 intake", "2027 intake"]
    assert "Provider: Outcomes Provider Ltd" in at.main.text[0].value
    assert not errors(at)


@pytest.mark.parametrize("role", ["auditor", "board"])
def test_readers_get_no_form_to_record_claims_or_add_contracts(app, people, verified, role):
    at = open_page(app, getattr(people, role), "Claims")
    assert tabs(at) == ["Contract", "Claims", "Exposure", "Investors"]
    assert not at.text_input
    assert not [b for b in at.button if b.label in ("Record claim", "Add contract")]
    assert len(at.dataframe) == 2  # awaiting, decided


def test_a_fund_manager_also_gets_the_forms(app, people, verified):
    at = open_page(app, people.manager, "Claims")
    assert tabs(at) == ["Contract", "Claims", "Exposure", "Investors", "Add a contract"]
    assert button(at, "Record claim")
    at.session_state["pbr-section"] = "Add a contract"
    assert button(at.run(), "Add contract")


def test_an_admin_is_refused(app, people, verified):
    at = app(people.admin, PAGE)
    assert not at.exception
    assert visible(at) == ["error"]
    assert errors(at) == ["Not permitted: an admin cannot read portfolio summaries."]


def test_board_members_see_no_ones_name(app, people, verified):
    manager = everything(open_page(app, people.manager, "Claims"))
    assert "Mo Manager" in manager and "Aud Itor" in manager
    at = open_page(app, people.board, "Claims")
    shown = everything(at)
    assert "HMRC employment records" in shown  # the claims are there, without names
    for name in NAMES:
        assert name not in shown
    for table in at.dataframe:
        assert not {"claimed_by", "verified_by"} & set(table.value.columns)


def test_the_claims_queue_splits_awaiting_from_decided(app, people, verified):
    at = open_page(app, people.auditor, "Claims")
    awaiting, decided = at.dataframe
    assert list(awaiting.value["metric"]) == [ESOL]
    assert list(decided.value["status"]) == ["Accepted"]
    assert decided.value["value"].iloc[0] == D("12000.00")
    assert "participant" not in awaiting.value.columns  # no claim names one


# --- recording a claim ----------------------------------------------------------------------


def fill_claim(at, contract_id, **values):
    form = f"claim-{contract_id}"
    given = {
        "quantity": "3",
        "evidence": "Certificates from the college",
        "reason": "quarter 2 claim",
        "participant": "",
    } | values
    select(at, "Outcome metric").set_value(values.pop("metric", ESOL))
    at.date_input(key=form_key(at, form, "start")).set_value(date(2026, 4, 1))
    at.date_input(key=form_key(at, form, "end")).set_value(date(2026, 6, 30))
    at.text_input(key=form_key(at, form, "quantity")).input(given["quantity"])
    at.text_input(key=form_key(at, form, "participant")).input(given["participant"])
    at.text_area(key=form_key(at, form, "evidence")).input(given["evidence"])
    at.text_input(key=form_key(at, form, "reason")).input(given["reason"])
    return button(at, "Record claim").click().run()


def test_a_fund_manager_records_a_claim_through_the_form(app, con, people, contract):
    at = open_page(app, people.manager, "Claims")
    assert at.info[0].value == "No outcome claims on this contract yet."
    before = counts(con)

    at = fill_claim(at, contract)

    assert not at.exception, at.exception
    assert not errors(at), errors(at)
    assert successes(at) == [
        f"Outcome claim #1 recorded on PbR contract #{contract}: 3 × 'ESOL completion'"
        " for cohort '2026 intake', awaiting verification."
    ]
    assert grew(before, counts(con)) == {"audit_log": 1}
    (row,) = claims.claims(con, people.manager).to_dict("records")
    assert (row["metric"], row["claimed"], row["status"]) == (ESOL, 3, "awaiting")
    assert row["evidence"] == "Certificates from the college"
    assert row["period_start"] == date(2026, 4, 1)
    (awaiting,) = at.dataframe
    assert list(awaiting.value["claim_id"]) == [1]
    # The form is empty again, for the next claim.
    assert at.text_input(key=form_key(at, f"claim-{contract}", "quantity")).value == ""


@pytest.mark.parametrize(
    ("quantity", "field", "says"),
    [("-2", "quantity", "must not be negative"), ("two", "quantity", "whole number")],
)
def test_a_bad_claim_is_refused_with_its_field_and_nothing_written(
    app, con, people, contract, quantity, field, says
):
    at = open_page(app, people.manager, "Claims")
    before = counts(con)
    at = fill_claim(at, contract, quantity=quantity)
    assert not at.exception
    (message,) = errors(at)
    assert message.startswith(f"{field}: ") and says in message, message
    assert grew(before, counts(con)) == {}
    assert claims.claims(con, people.manager).empty
    # What was typed is still there to correct.
    assert at.text_input(key=form_key(at, f"claim-{contract}", "quantity")).value == quantity


# --- exposure, forecast and investors --------------------------------------------------------


@pytest.mark.parametrize("role", ["manager", "board"])
def test_the_exposure_table_is_the_services_to_the_penny(app, con, people, verified, role):
    at = open_page(app, getattr(people, role), "Exposure")
    shown = table_with(at, "contingent_liability").set_index("name").loc["Youth outcomes, round 1"]
    expected = exposure.exposure(con, people.auditor).set_index("contract_id").loc[verified]
    for name in exposure.MONEY:
        assert shown[name] == expected[name], name
    assert shown["maximum_liability"] == D("100000.00")
    assert shown["earned"] == D("12000.00")
    assert shown["paid"] == D("5000.00")
    assert shown["verified_unpaid"] == D("7000.00")
    assert shown["contingent_liability"] == D("88000.00")


def test_the_exposure_waterfall_steps_down_to_the_contingent_liability(app, people, verified):
    at = open_page(app, people.manager, "Exposure")
    spec = chart(at, "Exposure of Youth outcomes, round 1")
    (bars,) = spec["data"]
    assert bars["type"] == "waterfall"
    assert bars["x"] == ["Maximum liability", "Paid", "Verified, unpaid", "Contingent liability"]
    assert bars["y"] == [100000.0, -5000.0, -7000.0, 88000.0]
    assert bars["text"][-1] == "£88,000.00"
    layout = spec["layout"]
    assert layout["xaxis"]["title"]["text"]
    assert layout["yaxis"]["title"]["text"] == "£"
    assert layout["yaxis"]["tickprefix"] == "£"


def test_the_forecast_shows_the_expected_outcome_payments_by_period(app, con, people, verified):
    at = open_page(app, people.auditor, "Exposure")
    spec = chart(at, "Forecast outcome payments")
    ahead = exposure.forecast(con, people.auditor, verified)
    drawn = {bar["name"]: sum(bar["y"]) for bar in spec["data"]}
    for metric, payment in zip(ahead["metric"], ahead["payment"], strict=True):
        assert drawn[metric] == float(payment)
    # Employment: 30 expected at £1,000.00, capped at £20,000.00 less the £12,000.00 earned.
    assert drawn[EMPLOYMENT] == 8000.0
    assert drawn[ESOL] == 5000.0
    assert spec["layout"]["yaxis"]["tickprefix"] == "£"
    assert spec["layout"]["xaxis"]["title"]["text"] == "Period ending"


def test_the_investors_returns_show_committed_drawn_repaid_multiple_and_rate(
    app, con, people, verified
):
    at = open_page(app, people.board, "Investors")
    (row,) = table_with(at, "annual_return").to_dict("records")
    (expected,) = investors.investor_returns(con, people.auditor, verified).to_dict("records")
    assert row["investor"] == "Bridges Outcomes Fund"
    assert (row["committed"], row["drawn"], row["repaid"]) == (
        D("50000.00"),
        D("40000.00"),
        D("44000.00"),
    )
    assert row["multiple"] == "1.10×"
    assert row["annual_return"] == f"{expected['irr']:.2%}"


# --- adding a contract ----------------------------------------------------------------------


def submit_contract(at, tables: dict[str, list[dict]]):
    """Press Add contract with rows added to the form's tables (rates, cohorts, expected),
    sent the way the browser sends a data editor's edits."""
    editors = {e.key.rsplit(":", 1)[-1]: e for e in at.data_editor}
    button(at, "Add contract").click()
    states = at._tree.get_widget_states()
    for name, rows in tables.items():
        edits = {"edited_rows": {}, "added_rows": rows, "deleted_rows": []}
        states.widgets.append(
            WidgetState(id=editors[name].proto.id, string_value=json.dumps(edits))
        )
    return at._run(states)


def fill_contract(at, commitment_id: int):
    form = "pbr-contract"
    at.selectbox(key=form_key(at, form, "commitment")).set_value(commitment_id)
    for field, value in {
        "name": "Reoffending bond",
        "provider": "One Service",
        "payer": "Ministry of Justice",
        "verifier": "Independent assessor",
        "reason": "bond signed",
    }.items():
        at.text_input(key=form_key(at, form, field)).input(value)
    at.text_area(key=form_key(at, form, "baseline")).input("Against a matched comparison group")
    at.date_input(key=form_key(at, form, "starts")).set_value(date(2026, 1, 1))
    at.date_input(key=form_key(at, form, "ends")).set_value(date(2029, 12, 31))
    return at


RATE_ROWS = [
    {
        "metric": "reconviction events avoided",
        "definition": "against the comparison group",
        "unit_price": "£700.00",
        "cap": "20,000",
    }
]
COHORT_ROWS = [{"name": "Cohort 1", "starts_on": "2026-01-01", "participants": "1000"}]


def test_a_fund_manager_adds_a_contract_with_its_rate_card_through_the_form(
    app, con, people, portfolio
):
    commitment_id = commit_pbr(con, people, portfolio)
    at = app(people.manager, PAGE)
    assert at.info[0].value == "The fund has no payment-by-results contracts yet."

    at = submit_contract(
        fill_contract(at, commitment_id),
        {
            "rates": RATE_ROWS,
            "cohorts": COHORT_ROWS,
            "expected": [
                {
                    "metric": "reconviction events avoided",
                    "period_end": "2027-12-31",
                    "quantity": "20",
                }
            ],
        },
    )

    assert not at.exception, at.exception
    assert not errors(at), errors(at)
    assert successes(at) == [
        f"PbR contract #1 'Reoffending bond' added on commitment #{commitment_id}:"
        " 1 outcome metric(s), 1 cohort(s)."
    ]
    added = contracts.contract(con, people.auditor, 1)
    assert (added.provider, added.outcome_payer) == ("One Service", "Ministry of Justice")
    assert (added.starts_on, added.ends_on) == (date(2026, 1, 1), date(2029, 12, 31))
    (line,) = added.rate_card.to_dict("records")
    assert (line["unit_price"], line["cap"]) == (D("700.00"), D("20000.00"))
    assert list(added.cohorts["participants"]) == [1000]
    assert list(added.expected["quantity"]) == [20]
    assert select(at, "Contract").value == 1


@pytest.mark.parametrize(
    ("rates", "cohorts", "field", "says"),
    [
        ([], COHORT_ROWS, "rate card", "at least one outcome metric"),
        (
            [RATE_ROWS[0] | {"unit_price": "12.345"}],
            COHORT_ROWS,
            "rate card row 1: unit price",
            "",
        ),
        (RATE_ROWS, [COHORT_ROWS[0] | {"starts_on": "2025-01-01"}], "cohort start", "outside"),
        (RATE_ROWS, [COHORT_ROWS[0] | {"participants": "0"}], "cohorts row 1: participants", ""),
    ],
)
def test_a_bad_contract_is_refused_with_the_field_and_rule_and_nothing_written(
    app, con, people, portfolio, rates, cohorts, field, says
):
    commitment_id = commit_pbr(con, people, portfolio)
    at = app(people.manager, PAGE)
    before = counts(con)
    at = submit_contract(fill_contract(at, commitment_id), {"rates": rates, "cohorts": cohorts})
    assert not at.exception, at.exception
    (message,) = errors(at)
    assert message.startswith(f"{field}: ") and says in message, message
    assert grew(before, counts(con)) == {}
    assert contracts.contracts(con, people.manager).empty


def test_the_form_offers_only_payment_by_results_commitments_with_nothing_paid(
    app, con, people, portfolio, committed
):
    open_one = commit_pbr(con, people, portfolio)
    at = app(people.manager, PAGE)
    picker = at.selectbox(key=form_key(at, "pbr-contract", "commitment"))
    assert list(picker.options) == [f"#{open_one} · Trial of pbr_contract → Outcomes Provider Ltd"]
    assert 1 not in contracts.open_to_contract(con, people.manager)["commitment_id"].tolist()


def test_with_no_contracts_readers_are_told_so_and_offered_nothing(app, people, portfolio):
    at = app(people.board, PAGE)
    assert not at.exception
    assert [i.value for i in at.info] == ["The fund has no payment-by-results contracts yet."]
    assert not at.main.button


# --- the Portfolio page's PbR figures -------------------------------------------------------


@pytest.mark.parametrize("role", ["manager", "auditor", "board"])
def test_the_portfolio_page_sums_the_exposure_of_every_contract(app, con, people, verified, role):
    at = app(getattr(people, role), "pages/portfolio.py")
    assert not at.exception, at.exception
    assert "Payment by results" in [h.value for h in at.subheader]
    shown = {m.label: m.value for m in at.metric}
    total = exposure.totals(exposure.exposure(con, people.auditor))
    assert {name: shown[name] for name in PBR_FIGURES} == {
        "Maximum liability": "£100,000.00",
        "Earned": "£12,000.00",
        "Verified unpaid": "£7,000.00",
        "Contingent liability": "£88,000.00",
        "To recover": "£0.00",
    }
    assert total["contingent_liability"] == D("88000.00")
    assert shown["Paid"] == "£5,000.00"  # the headline's and the contracts' paid agree here
    assert "Summed over 1 contract;" in " ".join(c.value for c in at.caption)


PBR_FIGURES = ("Maximum liability", "Earned", "Verified unpaid", "Contingent liability")
PBR_FIGURES += ("To recover",)
