"""`fund grants`, run for real: a policy declared, a grant applied for, awarded, reported and
closed; an award above the delegated limit waiting for `fund approve` by a second fund
manager; the lists as JSON; a 360Giving CSV imported once (and again, writing nothing); a
bad file refused in one line; the fund's grants exported as 360Giving JSON and XLSX."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from fund.grants import standard
from tests import conftest
from tests.e2e.test_cli import as_json, counts, fund

HEADER = (
    "Identifier,Title,Description,Currency,Amount Awarded,Award Date,Recipient Org:Identifier,"
    "Recipient Org:Name,Funding Org:Identifier,Funding Org:Name\n"
)
OLD_GRANTS = (
    "360G-old-1,Grant 1,Youth club kit,GBP,3000,2026-05-01,GB-CHC-101,Hill Youth Club,"
    "GB-LAE-NBR,Northborough Council\n"
    "360G-old-2,Grant 2,Pantry shelving,GBP,1200.50,2026-05-03,GB-CHC-102,Pantry Trust,"
    "GB-LAE-NBR,Northborough Council\n"
)


@pytest.fixture(scope="module")
def granting(tmp_path_factory) -> Path:
    """A copy of the template, its first programme allocated £100,000 and its ring-fence
    given a small-grant policy (£500 to £10,000, one fund manager up to £5,000), by the CLI;
    made once, since every `fund` run costs seconds."""
    path = tmp_path_factory.mktemp("granting") / "fund.duckdb"
    shutil.copy(conftest.template().path, path)
    portfolio = conftest.template().portfolio
    fund(path, f"allocate {portfolio.programme_id} 100000 --reason 'fund it'")
    declared = fund(
        path,
        [
            *("grants", "policy", "--ringfence", str(portfolio.ringfence_id)),
            *("--min", "500", "--max", "10000", "--delegated-limit", "5000"),
            *("--prefix", "northborough", "--funder-id", "GB-LAE-NBR", "--report-days", "30"),
            *("--reason", "small grants open", "--json"),
        ],
    )
    assert as_json(declared)["entity"] == "grant policy"
    return path


@pytest.fixture
def database(granting, tmp_path) -> Path:
    """This test's own copy of the granting database."""
    path = tmp_path / "fund.duckdb"
    shutil.copy(granting, path)
    return path


def apply(database: Path, amount: str, organisation: str = "Hillside Tenants", *more) -> int:
    written = fund(
        database,
        [
            *("grants", "apply", "--programme", str(conftest.template().portfolio.programme_id)),
            *("--type", "service_user_group", "--applicant", "Sam Applicant"),
            *("--organisation", organisation, "--title", "Job club"),
            *("--purpose", "Weekly job club for young people", "--amount", amount),
            *("--start", "2026-01-05", "--end", "2026-06-30", "--reason", "applied", "--json"),
            *more,
        ],
    )
    found = as_json(written)
    assert found["entity"] == "small grant"
    return found["id"]


def listed(database: Path, *options: str, user: str = "manager") -> list[dict]:
    document = as_json(fund(database, ["grants", "list", *options, "--json"], user=user))
    (rows,) = document.values()
    return rows


def test_a_grant_is_applied_for_awarded_reported_and_closed(database):
    grant = apply(database, "3000.00")
    decided = as_json(
        fund(database, f"grants decide {grant} --award --reason 'panel agreed' --json")
    )
    assert decided["entity"] == "grant decision" and decided["replayed"] is False
    (row,) = listed(database)
    assert (row["status"], row["applied"], row["awarded"], row["paid"]) == (
        "awarded",
        "3000.00",
        "3000.00",
        "0.00",
    )
    assert row["identifier"] == f"360G-northborough-{grant}"
    fund(database, f"pay {row['commitment_id']} 1000 --reason 'first tranche'")
    closed = fund(
        database,
        [
            *("grants", "report", str(grant), "--done", "Ran 20 sessions"),
            *("--learned", "Evenings work better", "--spent", "1000", "--close"),
            *("--reason", "report received"),
        ],
    ).stdout
    assert "£2,000.00 unpaid released" in closed
    (row,) = listed(database, "--status", "closed", user="auditor")
    assert (row["status"], row["paid"], row["spent"]) == ("closed", "1000.00", "1000.00")


def test_report_and_close_as_json_print_one_document(database):
    grant = apply(database, "3000.00")
    fund(database, f"grants decide {grant} --award --reason 'panel agreed'")
    result = fund(
        database,
        [
            *("grants", "report", str(grant), "--done", "Ran sessions", "--learned", "Evenings"),
            *("--spent", "3000", "--close", "--reason", "done", "--json"),
        ],
    )
    json.loads(result.stdout)  # --json promises one JSON document


def test_an_award_above_the_limit_waits_for_a_second_fund_manager(database):
    grant = apply(database, "7500.00", "Riverside Café", "--organisation-id", "GB-CHC-1234")
    waits = fund(database, f"grants decide {grant} --award --reason 'panel agreed'").stdout
    assert "is above the small-grant delegated limit of £5,000.00" in waits
    assert "waits for a second fund manager as approval request #1" in waits
    (row,) = listed(database)
    assert (row["status"], row["above_limit"], row["commitment_id"]) == (
        "awaiting approval",
        True,
        None,
    )
    before = counts(database)
    own = fund(database, "approve 1 --reason 'my own'", expect=1)
    assert own.stderr.startswith("error: approver: ") and own.stderr.count("\n") == 1
    assert counts(database) == before
    approved = fund(database, "approve 1 --reason 'checked'", user="second").stdout
    assert "Request #1 approved: commitment #" in approved and "£7,500.00" in approved
    (row,) = listed(database)
    assert (row["status"], row["awarded"]) == ("awarded", "7500.00")


def test_the_lists_show_reports_due_and_a_split_award(database):
    first, second = apply(database, "4000.00"), apply(database, "3000.00", "hillside  TENANTS")
    fund(database, f"grants decide {first} --award --reason 'panel agreed'")
    split = fund(database, f"grants decide {second} --award --reason 'panel agreed'").stdout
    assert f"split award with 360G-northborough-{first}" in split
    fund(database, "approve 1 --reason 'two phases of one project'", user="second")
    due = listed(database, "--due")
    assert {(r["grant_id"], r["report_due"], r["state"]) for r in due} == {
        (first, "2026-07-30", "overdue"),
        (second, "2026-07-30", "overdue"),
    }
    flags = listed(database, "--flags", user="auditor")
    assert {r["grant_id"] for r in flags} == {first, second}
    assert {r["together"] for r in flags} == {"7000.00"}
    assert {r["delegated_limit"] for r in flags} == {"5000.00"}


def test_a_360giving_csv_imports_once_and_again_writes_nothing(database):
    (database.parent / "old.csv").write_text(HEADER + OLD_GRANTS, encoding="utf-8")
    command = f"grants import old.csv --programme {conftest.template().portfolio.programme_id}"
    report = as_json(fund(database, f"{command} --json"))
    assert report["import_id"] == 1 and report["replayed"] is False
    assert (report["grants"], report["new"], report["already_recorded"]) == (2, 2, 0)
    assert report["total"] == "4200.50"
    assert report["above_limit"] == report["out_of_range"] == report["split_awards"] == []
    assert "committed, £4,200.50 in all" in report["said"]
    before = counts(database)
    again = as_json(fund(database, f"{command} --json"))
    assert (again["import_id"], again["new"], again["already_recorded"]) == (None, 0, 2)
    assert again["total"] == "0.00" and "already recorded" in again["said"]
    assert counts(database) == before
    statuses = {(r["identifier"], r["status"], r["awarded"]) for r in listed(database)}
    assert statuses == {("360G-old-1", "awarded", "3000.00"), ("360G-old-2", "awarded", "1200.50")}


def test_a_bad_file_is_refused_in_one_line_naming_row_and_column(database):
    bad = OLD_GRANTS.replace(",1200.50,", ",twelve hundred,")
    (database.parent / "bad.csv").write_text(HEADER + bad, encoding="utf-8")
    before = counts(database)
    command = f"grants import bad.csv --programme {conftest.template().portfolio.programme_id}"
    refused = fund(database, f"{command} --json", expect=1)
    assert refused.stdout == "" and refused.stderr.count("\n") == 1, refused.stderr
    assert refused.stderr.startswith("error: row 3, Amount Awarded: ")
    assert "twelve hundred" in refused.stderr
    shown = fund(database, command, expect=1).stderr.splitlines()  # progress, then the error
    assert [line for line in shown if line.startswith("error:")] == [shown[-1]]
    assert counts(database) == before


def test_the_grants_export_as_360giving_json_and_xlsx(database):
    for amount, organisation in (("3000.00", "Hillside Tenants"), ("2500.50", "Pantry Trust")):
        grant = apply(database, amount, organisation)
        fund(database, f"grants decide {grant} --award --reason 'panel agreed'")
    package = json.loads(fund(database, "grants export --format json", user="auditor").stdout)
    assert not list(standard.package_validator().iter_errors(package))
    assert [g["id"] for g in package["grants"]] == ["360G-northborough-1", "360G-northborough-2"]
    assert {str(g["amountAwarded"]) for g in package["grants"]} == {"3000", "2500.5"}
    out = database.parent / "grants.xlsx"
    written = as_json(
        fund(database, f"grants export --format xlsx --out {out} --json", user="auditor")
    )
    assert written == {"grants": 2, "format": "xlsx", "out": str(out)}
    sheet = CalamineWorkbook.from_path(str(out)).get_sheet_by_name("grants").to_python()
    assert len(sheet) == 3 and "Identifier" in sheet[0]
