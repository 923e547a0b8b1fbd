"""`fund ringfence edit` and `fund programme edit`, run for real against a copy of the shared
test database (tests/conftest.py: ring-fence #1 'Innovation Fund' with programmes #1 'Young
people into work' and #2 'Financial inclusion'; ring-fence #2 'Second Fund' has none)."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from tests import conftest
from tests.e2e.test_cli import as_json, counts, fund


@pytest.fixture
def path(tmp_path):
    copied = tmp_path / "fund.duckdb"
    shutil.copyfile(conftest.template().path, copied)
    return copied


def row(path, sql: str) -> tuple:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchone()


def test_a_ring_fence_edit_changes_only_the_options_given_and_says_what(path):
    result = fund(
        path,
        "ringfence edit 1 --delegated-limit 7,500 --years '2025-26 to 2027-28'"
        " --reason 'cabinet raised the limit'",
    )

    first, key_line = result.stdout.splitlines()
    assert first == (
        "Ring-fence #1 'Innovation Fund': financial years changed; "
        "delegated limit now £7,500.00 (was £10,000.00)."
    )
    assert key_line.startswith("Key: ")
    assert row(
        path,
        "SELECT name, financial_years, declared_amount, delegated_limit FROM ringfence"
        " WHERE ringfence_id = 1",
    ) == ("Innovation Fund", "2025-26 to 2027-28", 1000000, 7500)


def test_a_programme_edit_reports_json_and_replays_with_its_key(path):
    edit = "programme edit 1 --name 'Youth services' --reason 'plainer name' --key p-1 --json"

    first = as_json(fund(path, edit))
    again = fund(path, edit.removesuffix(" --json"))

    assert first == {"entity": "programme", "id": 1, "replayed": False, "key": "p-1"}
    assert again.stdout.splitlines() == [
        "Already done with this key, so nothing new was written:",
        "Programme #1.",
    ]
    assert row(path, "SELECT name FROM programme WHERE programme_id = 1") == ("Youth services",)


@pytest.mark.parametrize(
    ("command", "error"),
    [
        (
            "programme edit 1 --name 'Financial inclusion'",
            "error: name: a programme called 'Financial inclusion' already exists",
        ),
        ("programme edit 9 --target t", "error: programme: no programme 9"),
        ("ringfence edit 2 --delegated-limit -5", "error: delegated limit: must not be negative"),
        (
            "ringfence edit 2 --delegated-limit 200000.01",
            "error: delegated limit: must not exceed the ring-fence's £200,000.00, not £200,000.01",
        ),
        ("ringfence edit 2 --purpose ' '", "error: purpose: is required and must not be blank"),
        ("ringfence edit 2", "error: ring-fence: nothing to change"),
    ],
)
def test_a_refused_edit_names_the_field_on_stderr_and_writes_nothing(path, command, error):
    before = counts(path)

    refused = fund(path, f"{command} --reason why", expect=1)

    assert refused.stderr.startswith(error), refused.stderr
    assert counts(path) == before


def test_an_auditor_may_not_edit_a_programme(path):
    refused = fund(path, "programme edit 1 --target t --reason r", user="auditor", expect=1)

    assert refused.stderr == (
        "error: user: auditor is not permitted to manage ring-fences, programmes and experiments\n"
    )
