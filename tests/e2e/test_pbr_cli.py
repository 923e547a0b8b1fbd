"""`fund pbr`, run for real: a contract from a rate card file, a claim verified by the auditor
and paid with `fund pay`, exposure to the penny, refusals on one line, the INDIGO export."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from fund.register import Instrument
from tests import conftest
from tests.e2e.test_cli import as_json, counts, fund

CARD = (
    "metric,definition,unit_price,cap\n"
    "entered work,Started a job of 16 hours a week or more,1500.00,3000.00\n"
    "sustained work,Still in work 26 weeks later,2500.00,\n"
)


@pytest.fixture
def database(tmp_path) -> Path:
    path = tmp_path / "fund.duckdb"
    shutil.copy(conftest.template().path, path)
    return path


@pytest.fixture
def commitment(database) -> int:
    """£8,000.00 committed to the payment-by-results experiment (within the delegated limit)."""
    portfolio = conftest.template().portfolio
    fund(database, f"allocate {portfolio.programme_id} 100000 --reason 'fund it'")
    experiment = portfolio.experiments[Instrument.PBR_CONTRACT]
    written = fund(database, f"commit {experiment} 8000 --to 'Work Ltd' --reason signed --json")
    return as_json(written)["id"]


def add_contract(database: Path, commitment_id: int, card: str = CARD, expect: int = 0):
    (database.parent / "card.csv").write_text(card, encoding="utf-8")
    (database.parent / "expected.csv").write_text(
        "metric,period_end,quantity\nentered work,2027-06-30,2\n", encoding="utf-8"
    )
    return fund(
        database,
        [
            *("pbr", "contract", "add", "--commitment", str(commitment_id)),
            *("--name", "Into work", "--provider", "Work Ltd", "--outcome-payer", "Council"),
            *("--start", "2026-01-01", "--end", "2027-12-31"),
            *("--baseline-rule", "every outcome counts", "--verifier", "Internal audit"),
            *("--rate-card", "card.csv", "--expected", "expected.csv"),
            *("--cohort", "2026 intake:2026-01-01:20", "--cohort", "Late: joiners:2026-06-01:5"),
            *("--reason", "contract signed", "--json"),
        ],
        expect=expect,
    )


def claim(database: Path, contract_id: int, metric: str, quantity: int) -> int:
    written = fund(
        database,
        [
            *("pbr", "claim", "--contract", str(contract_id), "--cohort", "2026 intake"),
            *("--metric", metric, "--period-start", "2026-01-01", "--period-end", "2026-06-30"),
            *("--quantity", str(quantity), "--evidence", "payroll records"),
            *("--reason", "quarterly claim", "--json"),
        ],
    )
    return as_json(written)["id"]


@pytest.fixture
def contract(database, commitment) -> int:
    return as_json(add_contract(database, commitment))["id"]


def test_a_contract_from_a_rate_card_is_claimed_verified_paid_and_exposed(
    database, commitment, contract
):
    shown = as_json(fund(database, f"pbr contract show {contract} --json", user="board"))
    assert [(r["metric"], r["unit_price"], r["cap"]) for r in shown["rate_card"]] == [
        ("entered work", "1500.00", "3000.00"),
        ("sustained work", "2500.00", None),
    ]
    assert [c["cohort"] for c in shown["cohorts"]] == ["2026 intake", "Late: joiners"]
    assert shown["expected"] == [
        {"metric": "entered work", "period_end": "2027-06-30", "quantity": 2}
    ]
    entered = claim(database, contract, "entered work", 3)
    sustained = claim(database, contract, "sustained work", 2)
    awaiting = as_json(fund(database, "pbr claims --awaiting --json", user="auditor"))["claims"]
    assert [c["claim_id"] for c in awaiting] == [entered, sustained]
    fund(database, f"pbr verify {entered} --accept --reason 'records seen'", user="auditor")
    fund(database, f"pbr verify {sustained} --part-accept 1 --reason 'one left'", user="auditor")
    paid = fund(database, f"pay {commitment} 4000 --reason 'outcome payment' --json")
    assert as_json(paid)["entity"] == "ledger entry"
    document = as_json(fund(database, "pbr exposure --json", user="board"))
    # entered work: 3 × £1,500 capped at £3,000; sustained work: 1 × £2,500
    assert document == {
        "contracts": [
            {
                "contract_id": contract,
                "commitment_id": commitment,
                "name": "Into work",
                "maximum_liability": "8000.00",
                "earned": "5500.00",
                "paid": "4000.00",
                "verified_unpaid": "1500.00",
                "contingent_liability": "2500.00",
                "to_recover": "0.00",
                "forecast": "0.00",
            }
        ],
        "totals": {
            "maximum_liability": "8000.00",
            "earned": "5500.00",
            "paid": "4000.00",
            "verified_unpaid": "1500.00",
            "contingent_liability": "2500.00",
            "to_recover": "0.00",
            "forecast": "0.00",
        },
    }
    table = fund(database, "pbr exposure", user="board").stdout
    assert "Into work" in table and "£5,500.00" in table


def test_a_payment_beyond_what_is_earned_is_refused_naming_the_contract(
    database, commitment, contract
):
    before = counts(database)
    refused = fund(database, f"pay {commitment} 0.01 --reason early", expect=1)
    (line,) = refused.stderr.strip().splitlines()
    assert line.startswith("error: amount: payment £0.01 exceeds what PbR contract")
    assert f"#{contract} 'Into work'" in line
    assert counts(database) == before


def test_a_bad_rate_card_names_every_bad_row_and_writes_nothing(database, commitment):
    before = counts(database)
    bad = (
        "metric,definition,unit_price,cap\n"
        "entered work,ok,1500.00,\n"
        ",no metric,100,\n"
        "sustained work,fine,2500.00,\n"
        "negative,bad price,-5,\n"
        "entered work,twice,10,\n"
    )
    refused = add_contract(database, commitment, card=bad, expect=1)
    (line,) = refused.stderr.strip().splitlines()
    assert line.startswith("error: row 2: metric:")
    assert "row 4: unit price:" in line
    assert "row 5: metric: 'entered work' is given already in row 1" in line
    assert "row 1" not in line.split("row 5")[0] and "row 3" not in line
    assert counts(database) == before


def test_export_indigo_is_valid_json_to_stdout_or_a_file(database, commitment, contract):
    entered = claim(database, contract, "entered work", 1)
    fund(database, f"pbr verify {entered} --accept --reason ok", user="auditor")
    fund(database, f"pay {commitment} 1500 --reason 'outcome payment'")
    document = json.loads(fund(database, f"pbr export --indigo {contract}", user="board").stdout)
    assert document["project"]["id"] == f"INDIGO-POJ-RINGFENCE-{contract}"
    assert [m["id"] for m in document["project"]["outcome_metrics"]] == [
        "entered work",
        "sustained work",
    ]
    assert [p["money"]["amount"]["value"] for p in document["project"]["outcome_payments"]] == [
        "1500.00"
    ]
    assert "Mo Manager" not in json.dumps(document)
    said = fund(database, f"pbr export --indigo {contract} --out bond.json").stdout
    assert said.strip() == f"INDIGO document INDIGO-POJ-RINGFENCE-{contract} written to bond.json."
    written = json.loads((database.parent / "bond.json").read_text(encoding="utf-8"))
    assert written["project"]["results"][0]["number_with_positive_social_outcomes"] == {"value": 1}


def test_a_verification_by_the_person_who_recorded_the_claim_is_refused(database, contract):
    entered = claim(database, contract, "entered work", 1)
    before = counts(database)
    # the fund manager recorded it, and may not verify at all
    refused = fund(database, f"pbr verify {entered} --accept --reason mine", expect=1)
    assert refused.stderr.startswith("error: ")
    assert "verify payment-by-results outcome claims" in refused.stderr
    assert counts(database) == before


def test_verify_takes_exactly_one_decision_and_can_reverse(database, contract):
    entered = claim(database, contract, "entered work", 2)
    refused = fund(database, f"pbr verify {entered} --accept --reject --reason x", expect=1)
    assert refused.stderr.strip() == (
        "error: decision: give exactly one of --accept, --part-accept N, --reject or --reverse"
    )
    fund(database, f"pbr verify {entered} --accept --reason ok", user="auditor")
    fund(database, f"pbr verify {entered} --reverse --reason 'records wrong'", user="auditor")
    (row,) = as_json(fund(database, f"pbr claims --contract {contract} --json"))["claims"]
    assert (row["status"], row["reversals"]) == ("awaiting", 1)


def test_contracts_are_listed_and_a_bad_cohort_is_refused(database, commitment, contract):
    (row,) = as_json(fund(database, "pbr contract list --json", user="board"))["contracts"]
    assert (row["contract_id"], row["commitment_id"], row["name"]) == (
        contract,
        commitment,
        "Into work",
    )
    bad = fund(
        database,
        [
            *("pbr", "contract", "add", "--commitment", str(commitment), "--name", "x"),
            *("--provider", "p", "--outcome-payer", "o", "--start", "2026-01-01"),
            *("--end", "2027-01-01", "--baseline-rule", "b", "--verifier", "v"),
            *("--rate-card", "card.csv", "--cohort", "no-date", "--reason", "r"),
        ],
        expect=1,
    )
    assert bad.stderr.strip() == (
        "error: --cohort: must be NAME:YYYY-MM-DD:PARTICIPANTS, not 'no-date'"
    )


def test_an_investor_draws_down_is_repaid_and_has_a_multiple(database, contract):
    added = fund(
        database,
        f"pbr investor add --contract {contract} --name 'Big Society' --committed 5000"
        " --reason 'signed' --json",
    )
    investor = as_json(added)["id"]
    fund(
        database,
        f"pbr investor flow --investor {investor} --drawdown 4000 --on 2026-01-15 --reason in",
    )
    fund(
        database,
        f"pbr investor flow --investor {investor} --repayment 5000 --on 2026-11-15 --reason out",
    )
    both = fund(
        database,
        f"pbr investor flow --investor {investor} --drawdown 1 --repayment 1 --on 2026-01-15"
        " --reason x",
        expect=1,
    )
    assert "give exactly one of --drawdown AMOUNT or --repayment AMOUNT" in both.stderr
    (row,) = as_json(fund(database, f"pbr investors --contract {contract} --json"))["investors"]
    assert (row["committed"], row["drawn"], row["repaid"]) == ("5000.00", "4000.00", "5000.00")
    assert row["multiple"] == "1.25"
    # £4,000 in on 15/01/2026, £5,000 back 304 days later
    assert row["irr"] == pytest.approx(1.25 ** (365 / 304) - 1, abs=1e-6)
    assert not row["irr_reason"]
    shown = fund(database, f"pbr investors --contract {contract}", user="board").stdout
    assert "1.25×" in shown and "Big Society" in shown
