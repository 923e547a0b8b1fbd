"""`fund sroi`, run for real: a file computed alone (no database, no sign-in), and an
experiment's map imported, shown, exported and summed into the fund's position."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests import conftest
from tests.e2e.test_cli import as_json, fund

EXAMPLES = json.loads(
    (Path(__file__).resolve().parents[3] / "shared/reference/sroi_examples.json").read_text()
)["examples"]


@pytest.fixture
def nowhere(tmp_path) -> Path:
    """A database path that does not exist: computing a file alone must not need one."""
    return tmp_path / "no-database.duckdb"


def write(folder: Path, name: str, document: object) -> Path:
    path = folder / name
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    return path


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e["name"][:20])
def test_a_file_is_computed_alone_to_the_penny(tmp_path, nowhere, example):
    path = write(tmp_path, "map.json", example["impact_map"])
    result = as_json(fund(nowhere, ["sroi", "compute", str(path), "--json"], user=None))
    expected = example["expected"]
    assert result["present_value"] == expected["present_value"]
    assert result["net_present_value"] == expected["net_present_value"]
    assert result["sroi_ratio"] == pytest.approx(expected["sroi_ratio"], abs=1e-6)
    assert result["net_sroi_ratio"] == pytest.approx(expected["net_sroi_ratio"], abs=1e-6)
    assert result["payback_months"] == pytest.approx(expected["payback_months"], abs=1e-6)
    by_year = expected.get("values_by_year") or expected["totals_by_year"]
    assert result["values_by_year"] == by_year
    assert not nowhere.exists()


def test_a_broken_file_names_every_problem_on_one_line_and_exits_1(tmp_path, nowhere):
    broken = json.loads(json.dumps(EXAMPLES[1]["impact_map"]))
    broken["outcomes"][3]["deadweight"] = 1.2
    broken["outcomes"][1]["proxy"] = "12.345"
    broken["discount"]["schedule"] = "green"
    result = fund(
        nowhere, ["sroi", "compute", str(write(tmp_path, "m.json", broken))], user=None, expect=1
    )
    line = result.stderr.strip()
    assert "\n" not in line
    assert "outcomes/3/deadweight: 1.2 is not a fraction between 0 and 1" in line
    assert "outcomes/1/proxy: 12.345 has more than two decimals" in line
    assert "discount/schedule: unknown schedule 'green'" in line


def test_a_file_that_is_not_json_is_refused_plainly(tmp_path, nowhere):
    result = fund(
        nowhere, ["sroi", "compute", str(write(tmp_path, "m.json", "{oops"))], user=None, expect=1
    )
    assert "file: is not JSON" in result.stderr


def test_a_csv_takes_its_inputs_and_discount_from_options(tmp_path, nowhere):
    csv = (
        "stakeholder,outcome,indicator,quantity,proxy,duration_years,start_year,"
        "deadweight,displacement,attribution,drop_off\n"
        "young people,into sustained work,in work at 26 weeks,20,5000.00,3,1,0.25,0.1,0.2,0.1\n"
    )
    path = write(tmp_path, "map.csv", csv)
    result = as_json(
        fund(
            nowhere,
            ["sroi", "compute", str(path), "--input", "grant=50000.00", "--json"],
            user=None,
        )
    )
    assert result["present_value"] == "136993.51"
    flat = as_json(
        fund(
            nowhere,
            [
                "sroi",
                "compute",
                str(path),
                "--input",
                "grant=50000.00",
                "--rate",
                "0.015",
                "--json",
            ],
            user=None,
        )
    )
    assert flat["present_value"] == "142205.44"
    text = fund(
        nowhere, ["sroi", "compute", str(path), "--input", "grant=50000.00"], user=None
    ).stdout
    assert "SROI ratio:        2.74 : 1" in text and "INCOMPLETE" in text


@pytest.fixture
def database(tmp_path) -> Path:
    path = tmp_path / "fund.duckdb"
    shutil.copy(conftest.template().path, path)
    return path


def test_an_experiment_map_is_imported_shown_exported_and_summed(tmp_path, database):
    experiment = conftest.template().portfolio.experiments["small_grant"]
    document = {
        "price_year": "2024/25",
        "outcomes": [dict(EXAMPLES[0]["impact_map"]["outcomes"][0], quantity=2)],
    }
    path = write(tmp_path, "map.json", document)
    said = fund(
        database, ["sroi", "import", str(experiment), str(path), "--reason", "first map"]
    ).stdout
    assert f"Impact map of experiment #{experiment}" in said and "version 1" in said
    shown = as_json(fund(database, ["sroi", "show", str(experiment), "--json"], user="board"))
    assert shown["version"] == 1 and shown["saved_by"] is None
    assert shown["inputs_total"] == "4000.00"  # the partners' match funding, no money paid yet
    assert shown["values_by_year"] == ["5400.00", "4860.00", "4374.00"]
    exported = as_json(fund(database, ["sroi", "export", str(experiment)], user="auditor"))
    assert [i["amount"] for i in exported["inputs"]] == ["2500.00", "1500.00"]
    again = write(tmp_path, "exported.json", exported)
    alone = as_json(
        fund(tmp_path / "none.duckdb", ["sroi", "compute", str(again), "--json"], user=None)
    )
    assert alone["present_value"] == shown["present_value"]
    position = as_json(
        fund(database, ["sroi", "position", "--by", "programme", "--json"], user="auditor")
    )
    assert position["rows"][0]["present_value"] == shown["present_value"]


def test_an_auditor_cannot_import_and_nothing_is_written(tmp_path, database):
    experiment = conftest.template().portfolio.experiments["small_grant"]
    path = write(tmp_path, "map.json", {"outcomes": EXAMPLES[0]["impact_map"]["outcomes"]})
    result = fund(
        database,
        ["sroi", "import", str(experiment), str(path), "--reason", "r"],
        user="auditor",
        expect=1,
    )
    assert "not permitted to edit impact maps" in result.stderr


def test_sensitivity_is_seeded_and_names_where_default_ranges_were_used(tmp_path, database):
    experiment = conftest.template().portfolio.experiments["small_grant"]
    outcome = dict(
        EXAMPLES[0]["impact_map"]["outcomes"][0],
        ranges={"quantity": {"low": 10, "high": 30, "distribution": "pert"}},
    )
    path = write(tmp_path, "map.json", {"outcomes": [outcome]})
    fund(database, ["sroi", "import", str(experiment), str(path), "--reason", "first map"])
    command = ["sroi", "sensitivity", str(experiment), "--draws", "2000", "--seed", "7", "--json"]
    first = as_json(fund(database, command, user="board"))
    assert first == as_json(fund(database, command, user="board"))
    band = first["monte_carlo"]
    assert band["draws"] == 2000 and band["seed"] == 7
    assert band["p5"] <= band["p50"] <= band["p95"] and 0 <= band["p_above_one"] <= 1
    quantity = next(s for s in first["tornado"] if s["assumption"] == "quantity")
    assert quantity["default_range"] is False and quantity["low"] == 10
    assert all(s["default_range"] for s in first["tornado"] if s["assumption"] != "quantity")
    assert {s["assumption"] for s in first["switching_values"]} >= {"quantity", "drop_off"}
    text = fund(database, ["sroi", "sensitivity", str(experiment), "--draws", "500"]).stdout
    assert "P(ratio > 1)" in text and "Switching values" in text
    refused = fund(database, ["sroi", "sensitivity", str(experiment), "--draws", "many"], expect=1)
    assert "draws: must be a whole number" in refused.stderr


def test_a_file_not_in_utf8_and_an_unwritable_out_are_refused_plainly(tmp_path, nowhere, database):
    latin = tmp_path / "map.csv"
    latin.write_bytes("stakeholder,outcome\nélèves,x\n".encode("latin-1"))
    refused = fund(nowhere, ["sroi", "compute", str(latin)], user=None, expect=1)
    assert "file: must be text in UTF-8" in refused.stderr
    experiment = conftest.template().portfolio.experiments["small_grant"]
    path = write(tmp_path, "map.json", {"outcomes": EXAMPLES[0]["impact_map"]["outcomes"]})
    fund(database, ["sroi", "import", str(experiment), str(path), "--reason", "first map"])
    out = tmp_path / "no" / "such" / "folder.json"
    refused = fund(database, ["sroi", "export", str(experiment), "--out", str(out)], expect=1)
    assert "--out: cannot write" in refused.stderr
