"""`fund ledger` and `fund export`, run for real: the whole ledger for an auditor, filtered as
on the Audit page, as a table with its count and total, as JSON, and as CSV under the
headings the app shows. The database is a copy of the shared test database (ring-fence #1
'Innovation Fund', programmes #1 'Young people into work' and #2 'Financial inclusion',
experiment #1 the small grant), with money moved by the CLI itself."""

from __future__ import annotations

import shutil
from decimal import Decimal

import pytest

from tests import conftest
from tests.e2e.test_cli import as_json, csv_rows, fund


@pytest.fixture(scope="module")
def path(tmp_path_factory):
    """#1 £100,000.00 allocated to programme #1 by manager; #2 £8,000.00 committed to the
    small grant for Youth Trust; #3 £3,000.00 paid on 30/06/2025; #4 £20,000.00 allocated to
    programme #2 by the second fund manager."""
    copied = tmp_path_factory.mktemp("ledger") / "fund.duckdb"
    shutil.copyfile(conftest.template().path, copied)
    fund(copied, "allocate 1 100000 --reason 'first tranche'")
    fund(copied, "commit 1 8000 --to 'Youth Trust' --reason 'grant agreed'")
    fund(copied, "pay 1 3000 --date 2025-06-30 --reason 'first payment'")
    fund(copied, "allocate 2 20000 --reason 'second challenge'", user="second")
    return copied


def test_the_ledger_prints_every_entry_newest_first_with_its_count_and_total(path):
    lines = fund(path, "ledger", user="auditor").stdout.splitlines()

    header, _, *rows, summary = lines
    for heading in ["Entry #", "Value date", "Kind", "Amount", "Programme", "Actor", "Reason"]:
        assert heading in header
    assert [row.split()[0] for row in rows] == ["4", "3", "2", "1"]
    assert "30/06/2025" in rows[1]
    assert "Disbursement" in rows[1]
    assert "£100,000.00" in rows[3]
    assert "Sam Second (second)" in rows[0]
    assert summary == "4 ledger entries, totalling £131,000.00."


@pytest.mark.parametrize(
    ("options", "entries"),
    [
        ("--kind allocation", [4, 1]),
        ("--programme 2", [4]),
        ("--experiment 1", [3, 2]),
        ("--commitment 1", [3, 2]),
        ("--counterparty 'Youth Trust'", [3, 2]),
        ("--by second", [4]),
        ("--since 2025-06-30 --until 2025-06-30", [3]),
        ("--kind allocation --by manager", [1]),
    ],
)
def test_the_ledger_filters_as_the_audit_page_does(path, options, entries):
    document = as_json(fund(path, f"ledger {options} --json", user="auditor"))

    assert [e["entry_id"] for e in document["entries"]] == entries
    assert document["count"] == len(entries)
    total = sum((Decimal(e["amount"]) for e in document["entries"]), Decimal("0.00"))
    assert document["total"] == str(total)


def test_the_ledger_as_json_keeps_codes_iso_dates_and_decimal_strings(path):
    (payment,) = as_json(fund(path, "ledger --kind disbursement --json", user="auditor"))["entries"]
    assert (payment["kind"], payment["value_date"], payment["amount"]) == (
        "disbursement",
        "2025-06-30",
        "3000.00",
    )


def test_a_bad_filter_is_refused_in_one_line_naming_it(path):
    refused = fund(path, "ledger --since 30/06/2025", user="auditor", expect=1)
    assert refused.stderr == "error: since: must be a date as YYYY-MM-DD, not '30/06/2025'\n"
    later = "ledger --since 2025-07-01 --until 2025-06-30"
    refused = fund(path, later, user="auditor", expect=1)
    assert refused.stderr.startswith("error: until: must be on or after the first value date")


def test_board_members_cannot_read_the_ledger(path):
    refused = fund(path, "ledger", user="board", expect=1)
    assert refused.stderr == (
        "error: user: board is not permitted to read the ledger and the audit trail\n"
    )


def test_the_export_is_csv_under_the_apps_headings_oldest_first_with_the_same_filters(path):
    rows = csv_rows(fund(path, "export --kind allocation", user="auditor"))

    assert [row["Entry #"] for row in rows] == ["1", "4"]
    first = rows[0]
    assert (first["Kind"], first["Amount"], first["Programme"]) == (
        "Allocation",
        "100000.00",
        "Young people into work",
    )
    assert first["Actor"] == "Mo Manager (manager)"
    payment = csv_rows(fund(path, "export --experiment 1 --kind disbursement", user="auditor"))
    assert payment[0]["Value date"] == "2025-06-30"
