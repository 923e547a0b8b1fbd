"""`fund ventures`, run for real: a loan's terms and the schedule they make, a valuation, a
loan's arrears, the venture metrics as JSON with figures worked out by hand, what a board
member may read and may not do, and bad terms refused on one line naming the field with
nothing written."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from fund import db
from fund.register import Instrument
from tests import conftest
from tests.e2e.test_cli import as_json, counts, fund
from tests.integration import helpers

# A loan of £10,000.00 at 12% a year from 2025-01-01, three months' grace, then repaid in
# two instalments six months apart. A period's rate is 6%, so the level payment is
# 10000 × 0.06 / (1 − 1.06⁻²) = 600 / 0.1100036 = £5,454.37; the first instalment's interest
# is 6% of £10,000.00 = £600.00 (principal £4,854.37), the second's 6% of the £5,145.63 left
# = £308.74 (principal £5,145.63: £5,454.37 again).
LOAN = [
    *("--type", "loan", "--principal", "10000", "--rate", "12", "--start", "2025-01-01"),
    *("--grace", "3", "--instalments", "2", "--every", "6"),
]
SCHEDULE = [
    {"number": 1, "due_on": "2025-10-01", "principal": "4854.37", "interest": "600.00"},
    {"number": 2, "due_on": "2026-04-01", "principal": "5145.63", "interest": "308.74"},
]


@pytest.fixture
def database(tmp_path) -> Path:
    path = tmp_path / "fund.duckdb"
    shutil.copy(conftest.template().path, path)
    return path


@pytest.fixture
def loan(database) -> int:
    """£50,000.00 committed to the social venture experiment (a second fund manager
    approved it): the commitment a loan is made on."""
    template = conftest.template()
    con = db.connect(database)
    try:
        return helpers.instrument_commitment(
            con, template.people, template.portfolio, Instrument.SOCIAL_VENTURE, "50000.00"
        )
    finally:
        con.close()


@pytest.fixture
def stake(database, loan) -> int:
    """£5,000.00 more to the same experiment, within the delegated limit: an equity stake."""
    experiment = conftest.template().portfolio.experiments[Instrument.SOCIAL_VENTURE]
    written = fund(
        database, f"commit {experiment} 5000 --to 'Venture Two CIC' --reason 'equity' --json"
    )
    return as_json(written)["id"]


def terms(database: Path, commitment: int, *given: str, user: str = "manager", expect=0):
    return fund(
        database,
        ["ventures", "terms", "--commitment", str(commitment), *given, "--reason", "agreed"],
        user=user,
        expect=expect,
    )


def xnpv(rate: float, flows: list[tuple[date, int]]) -> float:
    """The net present value of dated flows, years as actual days over 365 (as Excel)."""
    first = flows[0][0]
    return sum(amount / (1 + rate) ** ((day - first).days / 365) for day, amount in flows)


def test_a_loans_terms_print_its_schedule_and_arrears_follow_its_repayments(database, loan):
    said = terms(database, loan, *LOAN).stdout
    assert f"Terms recorded on commitment #{loan} of" in said
    assert "Repayment schedule:" in said
    for figure in ("01/10/2025", "01/04/2026", "£4,854.37", "£600.00", "£5,145.63", "£308.74"):
        assert figure in said, figure
    assert said.count("£5,454.37") == 2

    fund(database, f"pay {loan} 10000 --date 2025-01-01 --reason drawdown")
    fund(database, f"recover {loan} 1400 --date 2025-10-01 --reason 'part repayment'")
    found = as_json(fund(database, f"ventures schedule {loan} --json", user="board"))
    assert [
        {n: row[n] for n in ("number", "due_on", "principal", "interest")}
        for row in found["schedule"]
    ] == SCHEDULE
    assert [(r["amount"], r["covered"], r["status"]) for r in found["schedule"]] == [
        ("5454.37", "1400.00", "overdue"),
        ("5454.37", "0.00", "overdue"),
    ]
    (owed,) = found["arrears"]
    assert {n: owed[n] for n in ("due_to_date", "repaid_against_schedule", "arrears")} == {
        "due_to_date": "10908.74",
        "repaid_against_schedule": "1400.00",
        "arrears": "9508.74",
    }
    assert (owed["instalments_overdue"], owed["overdue_since"], owed["next_due"]) == (
        2,
        "2025-10-01",
        None,
    )
    assert owed["days_overdue"] == (db.today() - date(2025, 10, 1)).days
    # As at an earlier day the schedule reads as recorded by then: these terms were recorded
    # today, so on 2026-03-31 there was no schedule to read.
    early = as_json(fund(database, "ventures schedule --as-of 2026-03-31 --json"))
    assert early == {"schedule": [], "arrears": []}
    text = fund(database, "ventures schedule").stdout
    assert "Arrears:" in text and "£9,508.74" in text

    listed = as_json(fund(database, "ventures list --json"))["investments"]
    assert [(i["commitment_id"], i["investment_type"], i["principal"]) for i in listed] == [
        (loan, "loan", "10000.00")
    ]
    assert (listed[0]["interest_rate"], listed[0]["paid_in"], listed[0]["official"]) == (
        "12.0000",
        "10000.00",
        "Pat Official",
    )


def test_a_loans_terms_as_json_give_its_schedule(database, loan):
    written = as_json(terms(database, loan, *LOAN, "--json", "--key", "loan-terms"))
    assert written == {
        "entity": "commitment",
        "id": loan,
        "replayed": False,
        "key": "loan-terms",
        "schedule": [{**row, "amount": "5454.37"} for row in SCHEDULE],
    }


def test_the_metrics_as_json_are_the_figures_worked_by_hand(database, loan, stake):
    """The loan: £10,000.00 paid in, £1,400.00 back, valued at £9,000.00, so DPI 0.14,
    RVPI 0.9 and TVPI 1.04. The stake: £5,000.00 paid in and written off, so worth nothing
    and with one flow only, no rate. The fund: £15,000.00 in, £1,400.00 back, £9,000.00 left."""
    terms(database, loan, *LOAN)
    terms(database, stake, "--type", "equity", "--stake", "12.5", "--reserve", "2000")
    fund(database, f"pay {loan} 10000 --date 2025-01-01 --reason drawdown")
    fund(database, f"pay {stake} 5000 --date 2025-01-01 --reason 'equity bought'")
    fund(database, f"recover {loan} 1400 --date 2025-07-01 --reason 'part repayment'")
    fund(database, f"write-off {stake} 5000 --date 2025-09-30 --reason 'venture closed'")
    valued = fund(
        database,
        f"ventures value --commitment {loan} --on 2025-12-31 --value 9000 --basis last-round"
        " --reason 'the latest round' --json",
    )
    valuation = as_json(valued)["id"]

    found = as_json(fund(database, "ventures metrics --json", user="board"))
    assert found["as_of"] == str(db.today())
    first, second = found["investments"]
    assert {n: first[n] for n in ("commitment_id", "paid_in", "distributions")} == {
        "commitment_id": loan,
        "paid_in": "10000.00",
        "distributions": "1400.00",
    }
    assert (first["residual_value"], first["dpi"], first["rvpi"], first["tvpi"]) == (
        "9000.00",
        0.14,
        0.9,
        1.04,
    )
    assert (first["valued_on"], first["basis"], first["residual_on"]) == (
        "2025-12-31",
        "last_round",
        "2025-12-31",
    )
    # -10,000 on 2025-01-01, +1,400 on 2025-07-01 and the residual +9,000 on 2025-12-31.
    loan_flows = [(date(2025, 1, 1), -10000), (date(2025, 7, 1), 1400), (date(2025, 12, 31), 9000)]
    assert first["irr"] == pytest.approx(0.04311510, abs=1e-6)
    assert xnpv(first["irr"], loan_flows) == pytest.approx(0, abs=1e-4)
    assert first["irr_reason"] is None

    assert {n: second[n] for n in ("commitment_id", "paid_in", "written_off")} == {
        "commitment_id": stake,
        "paid_in": "5000.00",
        "written_off": "5000.00",
    }
    assert (second["residual_value"], second["dpi"], second["rvpi"], second["tvpi"]) == (
        "0.00",
        0.0,
        0.0,
        0.0,
    )
    assert (second["irr"], second["irr_reason"]) == (None, "fewer than two cash flows")

    whole = found["fund"]
    assert (whole["investments"], whole["paid_in"], whole["distributions"]) == (
        2,
        "15000.00",
        "1400.00",
    )
    assert (whole["written_off"], whole["residual_value"], whole["net_cash_flow"]) == (
        "5000.00",
        "9000.00",
        "-13600.00",
    )
    assert whole["dpi"] == pytest.approx(1400 / 15000)
    assert whole["rvpi"] == pytest.approx(0.6)
    assert whole["tvpi"] == pytest.approx(10400 / 15000)
    fund_flows = [(date(2025, 1, 1), -15000), *loan_flows[1:]]
    assert xnpv(whole["irr"], fund_flows) == pytest.approx(0, abs=1e-4)
    assert whole["irr"] == pytest.approx(-0.32403059, abs=1e-6)
    assert whole["irr_reason"] is None
    (programme,) = found["programmes"]
    assert programme == {**whole, "programme_id": conftest.template().portfolio.programme_id}

    text = fund(database, "ventures metrics").stdout
    assert "1.04×" in text and "4.31%" in text and "fewer than two cash flows" in text
    assert "Fund (2 investments): paid in £15,000.00, distributions £1,400.00" in text

    board_values = as_json(fund(database, "ventures valuations --json", user="board"))
    assert [(v["valuation_id"], v["value"], v["basis"]) for v in board_values["valuations"]] == [
        (valuation, "9000.00", "last_round")
    ]
    assert "recorded_by" not in board_values["valuations"][0]
    shown = as_json(fund(database, f"ventures valuations --commitment {loan} --json"))
    assert shown["valuations"][0]["recorded_by"] == "Mo Manager"

    curve = as_json(fund(database, "ventures jcurve --json"))["months"]
    assert [(m["month"], m["net_cash_flow"], m["cumulative"]) for m in curve] == [
        ("2025-01-01", "-15000.00", "-15000.00"),
        ("2025-07-01", "1400.00", "-13600.00"),
    ]


def test_a_board_member_reads_no_names_and_may_not_record_terms(database, loan):
    terms(database, loan, "--type", "recoverable-grant")
    listed = as_json(fund(database, "ventures list --json", user="board"))["investments"]
    assert [(i["commitment_id"], i["investment_type"]) for i in listed] == [
        (loan, "recoverable_grant")
    ]
    assert "official" not in listed[0] and "recorded_by" not in listed[0]
    assert "Pat Official" not in fund(database, "ventures list", user="board").stdout

    before = counts(database)
    refused = terms(database, loan, "--type", "equity", "--stake", "10", user="board", expect=1)
    assert refused.stderr.strip() == (
        "error: user: board is not permitted to manage ring-fences, programmes and experiments"
    )
    assert counts(database) == before


# (the terms or valuation given, the one line of stderr it begins with)
BAD = [
    (["--type", "bond"], "error: investment type: must be loan, equity or recoverable grant"),
    (
        [*LOAN[:5], "150", *LOAN[6:]],
        "error: interest rate: must be a percentage from 0 to 100",
    ),
    ([*LOAN[:-1], "5"], "error: repayment every (months): must be 1, 3, 6 or 12 months, not 5"),
    ([*LOAN, "--stake", "10"], "error: --stake: is for equity's terms, not a loan's"),
    (["--type", "equity", "--rate", "5"], "error: --rate: is for a loan's terms"),
    (["--type", "equity"], "error: stake: is required"),
    (
        [*LOAN[:3], "60000", *LOAN[4:]],
        "error: principal: £60,000.00 is more than commitment",
    ),
]


def test_bad_terms_and_valuations_are_refused_naming_the_field(database, loan):
    before = counts(database)
    for given, said in BAD:
        refused = terms(database, loan, *given, expect=1)
        (line,) = refused.stderr.strip().splitlines()
        assert line.startswith(said), line
    valuation = ["ventures", "value", "--commitment", str(loan), "--on", "2025-12-31"]
    refused = fund(
        database, [*valuation, "--value", "1", "--basis", "cost", "--reason", "r"], expect=1
    )
    assert refused.stderr.strip().startswith(f"error: commitment: #{loan} has no investment terms")
    assert counts(database) == before

    terms(database, loan, "--type", "equity", "--stake", "10")
    before = counts(database)
    for value, basis, said in [
        ("100", "written-off", "error: value: must be £0.00 when written off"),
        ("100", "guess", "error: basis: must be cost, last round, written down or written off"),
    ]:
        words = [*valuation, "--value", value, "--basis", basis, "--reason", "r"]
        (line,) = fund(database, words, expect=1).stderr.strip().splitlines()
        assert line.startswith(said), line
    assert counts(database) == before
