"""`fund appetite declare` and `fund appetite show`, run for real."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests import conftest
from tests.e2e.test_cli import as_json, counts, fund

DECLARE = [
    "appetite",
    "declare",
    "--ringfence",
    "1",
    "--high-risk",
    "40",
    "--per-instrument",
    "60",
    "--per-counterparty",
    "1",
]


@pytest.fixture
def database(tmp_path) -> Path:
    path = tmp_path / "fund.duckdb"
    shutil.copy(conftest.template().path, path)
    return path


def test_an_appetite_is_declared_and_shown(database):
    said = fund(database, [*DECLARE, "--reason", "set by the board", "--key", "a-1"]).stdout
    assert said.startswith("Risk appetite of Innovation Fund declared as version 1:")
    again = fund(database, [*DECLARE, "--reason", "set by the board", "--key", "a-1", "--json"])
    assert as_json(again)["replayed"] is True
    shown = fund(database, ["appetite", "show"], user="board").stdout
    assert "High-risk experiments" in shown and "40.00%" in shown and "£400,000.00" in shown
    document = as_json(fund(database, ["appetite", "show", "--json"], user="auditor"))
    (row,) = document["position"]
    assert row | {"ringfence": None} == {
        "ringfence": None,
        "limit": "High-risk experiments",
        "subject": "High risk",
        "share_limit": "40.00",
        "limit_amount": "400000.00",
        "position": "0.00",
        "share": "0.00",
        "headroom": "400000.00",
        "breached": False,
    }


def test_a_bad_percentage_is_refused_on_one_line_and_writes_nothing(database):
    before = counts(database)
    bad = [*DECLARE[:-1], "12.345", "--reason", "r"]
    result = fund(database, bad, expect=1)
    assert result.stderr.strip() == (
        "error: per-counterparty share: must have at most two decimal places, not 12.345"
    )
    assert counts(database) == before


def test_an_appetite_as_at_a_day_before_it_was_declared_is_empty(database):
    fund(database, [*DECLARE, "--reason", "set by the board"])
    shown = fund(database, ["appetite", "show", "--as-at", "2025-01-01"]).stdout
    assert shown.strip() == "No risk appetite is declared ('fund appetite declare')."
