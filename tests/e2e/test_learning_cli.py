"""`fund learning`, run for real on the story of ``tests/integration/test_learning.py``: the
fund's learning as a table and as JSON (money and shares as decimal strings), by programme,
the officials' scorecard, and a board member refused the officials' names."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.e2e.test_cli import as_json, fund
from tests.integration.test_learning import story_template

AS_OF = ["--as-of", "2026-07-31"]


@pytest.fixture
def database(tmp_path) -> Path:
    path = tmp_path / "fund.duckdb"
    shutil.copy(story_template()[0], path)
    return path


def test_the_funds_learning_is_one_json_document_with_exact_decimals(database):
    found = as_json(fund(database, ["learning", *AS_OF, "--json"], user="board"))
    assert (found["by"], found["as_of"]) == ("fund", "2026-07-31")
    (row,) = found["rows"]
    assert row["share_with_lesson"] == "0.75"
    assert (row["paid"], row["cost_per_lesson"]) == ("7500.01", "2500.00")
    assert (row["lessons"], row["failures_documented"], row["median_days_to_lesson"]) == (3, 1, 11)
    before = as_json(fund(database, ["learning", "--as-of", "2026-04-10", "--json"], user="board"))
    assert before["rows"][0]["lessons"] == 0 and before["rows"][0]["cost_per_lesson"] is None


def test_the_table_names_each_figure_with_a_column_per_programme(database):
    text = fund(database, ["learning", "--by", "programme", *AS_OF], user="board").stdout
    lines = text.splitlines()
    assert lines[0] == "Learning as at 31/07/2026"
    assert lines[1].split() == ["Financial", "inclusion", "Young", "people", "into", "work"]
    share = next(line for line in lines if line.startswith("Share of ended experiments"))
    assert share.split()[-2:] == ["50.0%", "100.0%"]
    cost = next(line for line in lines if line.startswith("Cost per lesson"))
    assert cost.split()[-2:] == ["£4,500.00", "£1,500.01"]


def test_the_scorecard_lists_officials_by_name_with_their_learning(database):
    found = as_json(
        fund(database, ["learning", "--by", "official", *AS_OF, "--json"], user="auditor")
    )
    assert found["by"] == "official"
    assert [r["official"] for r in found["rows"]] == ["Ann Able", "Bea Bold", "Zed Zeal"]
    ann = found["rows"][0]
    assert (ann["learning"], ann["failures_documented"], ann["verdict_stop"]) == (1, 1, 1)
    assert ann["sroi_ratio"] is None and ann["impact_maps"] == 0


def test_a_board_member_is_refused_the_officials_scorecard_in_one_line(database):
    refused = fund(database, ["learning", "--by", "official"], user="board", expect=1)
    assert refused.stderr.strip() == (
        "error: user: board is not permitted to see who is responsible for each experiment"
    )
    assert refused.stdout == ""


def test_a_day_that_is_not_a_date_is_refused_naming_the_rule(database):
    refused = fund(database, ["learning", "--as-of", "31/07/2026"], expect=1)
    assert "as of: must be a date as YYYY-MM-DD, not '31/07/2026'" in refused.stderr
