"""`fund plan` and `fund results`, run for real: a plan registered, amended after money with
the registered version shown beside the latest, and results uploaded from a file or typed
as a summary, estimated by the registered design and listed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests import conftest
from tests.e2e.test_cli import as_json, counts, fund

FULL = [
    "--hypothesis",
    "Coaching in school keeps leavers in work",
    "--metric",
    "Leavers in work at six months",
    "--unit",
    "share of leavers",
    "--higher-is-better",
    "--design",
    "two-group",
    "--baseline",
    "0.40",
    "--target-effect",
    "0.05",
    "--sample",
    "400",
    "--review-date",
    "2026-09-30",
    "--kill-threshold",
    "0.30",
    "--kill-by",
    "2026-06-30",
]
RESULTS = "group,period,post,value\n" + "".join(
    f"{group},2026-Q1,1,{value}\n"
    for group, values in (("treated", (12, 15, 11, 14, 16, 13)), ("comparison", (10, 9, 12, 8)))
    for value in values
)


@pytest.fixture
def database(tmp_path) -> Path:
    path = tmp_path / "fund.duckdb"
    shutil.copy(conftest.template().path, path)
    return path


@pytest.fixture
def contract() -> int:
    """The template's payment-by-results contract: a full test, registered as two-group."""
    return conftest.template().portfolio.experiments["pbr_contract"]


def test_a_plan_is_registered_from_the_command_line_and_shown_as_json(database):
    added = fund(
        database,
        "experiment add 1 --title 'Job coaching' --instrument pbr_contract --phase 1"
        " --risk medium --official 'Pat Official' --involvement consulted --reason r --json",
    )
    experiment = as_json(added)["id"]
    said = fund(database, ["plan", "register", str(experiment), *FULL, "--reason", "before money"])
    assert "registered as version 1" in said.stdout
    shown = as_json(fund(database, ["plan", "show", str(experiment), "--json"], user="board"))
    assert set(shown) == {"experiment_id", "registered", "latest", "versions"}
    assert shown["registered"] == shown["latest"] == shown["versions"][0]
    registered = shown["registered"]
    assert (registered["target_effect"], registered["baseline"]) == ("0.0500", "0.4000")
    assert (registered["kill_by"], registered["planned_sample"]) == ("2026-06-30", "400")
    assert registered["higher_is_better"] is True
    assert registered["registered_at"][:4].isdigit() and "T" in registered["registered_at"]


def test_every_problem_of_a_plan_is_named_on_one_line(database, contract):
    result = fund(
        database,
        [
            "plan",
            "register",
            str(contract),
            "--design",
            "sideways",
            "--sample",
            "many",
            "--reason",
            "r",
        ],
        expect=1,
    )
    line = result.stderr.strip()
    assert "\n" not in line
    assert "design: must be one of none, before-after" in line
    assert "planned_sample: must be a whole number" in line
    assert "hypothesis: is required" in line


def test_an_amendment_after_money_is_shown_beside_the_registered_plan(database, contract):
    fund(database, "allocate 1 10000 --reason first --key a1")
    fund(database, f"commit {contract} 5000 --to Acme --reason award --key c1")
    before = counts(database)
    refused = fund(database, f"plan amend {contract} --target-effect 0.02", expect=1)
    assert refused.stderr.strip() == "error: reason: is required and must not be blank"
    assert counts(database) == before
    said = fund(database, f"plan amend {contract} --target-effect 0.02 --reason 'lower the bar'")
    assert "results are still judged against the registered version" in said.stdout
    shown = as_json(fund(database, f"plan show {contract} --json", user="auditor"))
    assert shown["registered"]["version"] == 1 and shown["latest"]["version"] == 2
    assert shown["registered"]["target_effect"] == "0.0500"
    assert shown["latest"]["target_effect"] == "0.0200"
    assert shown["latest"]["design"] == "two-group"  # only the options given change
    assert [v["reason"] for v in shown["versions"]] == ["plan before money", "lower the bar"]
    assert shown["versions"][1]["after_commitment"] is True
    text = fund(database, f"plan show {contract}").stdout
    assert "registered version 1; the latest is version 2, an amendment" in text
    assert "0.0500" in text and "0.0200" in text and "lower the bar" in text


def test_a_results_file_is_uploaded_estimated_listed_and_verified(tmp_path, database, contract):
    path = tmp_path / "results.csv"
    path.write_text(RESULTS)
    uploaded = as_json(
        fund(
            database,
            ["results", "upload", str(contract), str(path), "--reason", "Q1", "--json"],
        )
    )
    assert uploaded["result_id"] == 1 and uploaded["experiment_id"] == contract
    assert (uploaded["design"], uploaded["method"], uploaded["n"]) == ("two-group", "Welch t", 10)
    assert uploaded["effect"] == pytest.approx(13.5 - 9.75)
    assert uploaded["ci_low"] < uploaded["effect"] < uploaded["ci_high"]
    assert uploaded["plan_version"] == 1 and uploaded["treated_post_mean"] == 13.5
    said = fund(
        database,
        ["results", "upload", str(contract), str(path), "--evaluator", "Uni", "--reason", "again"],
    ).stdout
    assert said.startswith(f"Results #2 of experiment #{contract} (Trial of pbr_contract)")
    assert "by Welch t. Recorded as the independent evaluation of Uni." in said
    listed = as_json(fund(database, f"results list {contract} --json", user="board"))
    assert [r["result_id"] for r in listed["results"]] == [2, 1]
    assert "recorded_by" not in listed["results"][0]
    text = fund(database, f"results list {contract}", user="auditor").stdout
    assert "Interval" in text and "Uni" in text
    assert fund(database, "audit verify", user="auditor").returncode == 0


def test_a_summary_is_recorded_and_a_missing_cell_is_named(database, contract):
    before = counts(database)
    refused = fund(
        database,
        f"results summary {contract} --cell treated,1,120,54.2,11.3 --reason r",
        expect=1,
    )
    assert refused.stderr.strip() == (
        "error: cells: the comparison cell after the start (post 1) is missing: a two-group"
        " design needs it"
    )
    bad = fund(
        database,
        f"results summary {contract} --cell treated,1,1,x --cell comparison,1,9 --reason r",
        expect=1,
    )
    for named in ("cells/0/n", "cells/0/mean: 'x' is not a number", "cells/0/sd: is required"):
        assert named in bad.stderr
    assert "cells/1/mean: is required" in bad.stderr
    assert counts(database) == before
    recorded = as_json(
        fund(
            database,
            f"results summary {contract} --cell treated,1,120,54.2,11.3"
            " --cell comparison,1,100,50,9.5 --reason 'evaluator summary' --json",
        )
    )
    assert recorded["method"] == "Welch t from a summary"
    assert recorded["n"] == 220 and recorded["effect"] == pytest.approx(4.2)


def test_a_broken_file_writes_nothing_and_a_board_member_may_not_upload(
    tmp_path, database, contract
):
    broken = tmp_path / "broken.csv"
    broken.write_text("group,period,post,value\ncontrol,1,1,3\ntreated,1,1,lots\n")
    before = counts(database)
    result = fund(
        database, ["results", "upload", str(contract), str(broken), "--reason", "r"], expect=1
    )
    line = result.stderr.strip()
    assert "\n" not in line
    assert "row 2/group: 'control' is not treated or comparison" in line
    assert "row 3/value: 'lots' is not a number" in line
    good = tmp_path / "results.csv"
    good.write_text(RESULTS)
    denied = fund(
        database,
        ["results", "upload", str(contract), str(good), "--reason", "r"],
        user="board",
        expect=1,
    )
    assert "not permitted to register evaluation plans, results" in denied.stderr
    assert counts(database) == before


def test_a_small_grant_with_design_none_has_no_comparison_to_estimate(tmp_path, database):
    grant = conftest.template().portfolio.experiments["small_grant"]
    path = tmp_path / "results.csv"
    path.write_text(RESULTS)
    refused = fund(
        database, ["results", "upload", str(grant), str(path), "--reason", "r"], expect=1
    )
    assert "a small grant with design none has no comparison to estimate" in refused.stderr
