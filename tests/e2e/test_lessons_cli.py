"""`fund lesson` and `fund experiment close`, run for real: a lesson refused with every blank
named, recorded, shown, found and exported; an experiment closed once, with its lesson."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests import conftest
from tests.e2e.test_cli import as_json, counts, csv_rows, fund

LESSON = [
    "--worked",
    "Peer mentors kept young people in work",
    "--did-not",
    "Employers did not refer anyone",
    "--differently",
    "=Recruit employers first",
    "--transfers",
    "Other boroughs; the financial inclusion programme",
    "--tag",
    "Mentoring",
    "--tag",
    "youth, employment",
    "--scaling-route",
    "direct_diffusion",
    "--reason",
    "end of the trial",
]


@pytest.fixture
def database(tmp_path) -> Path:
    """The shared fixtures' fund (a plan for every experiment), in this test's own file."""
    path = tmp_path / "fund.duckdb"
    shutil.copy(conftest.template().path, path)
    return path


@pytest.fixture
def grant() -> str:
    return str(conftest.template().portfolio.experiments["small_grant"])


def test_a_lesson_with_blanks_names_every_one_on_one_line_and_writes_nothing(database, grant):
    before = counts(database)
    result = fund(database, ["lesson", "record", grant, "--worked", " ", "--reason", "r"], expect=1)
    line = result.stderr.strip()
    assert "\n" not in line
    for name in ("what_worked", "what_did_not", "do_differently", "transfers_to"):
        assert f"{name}: is required and must not be blank" in line
    assert counts(database) == before


def test_a_lesson_is_recorded_shown_found_and_exported(database, grant):
    said = fund(database, ["lesson", "record", grant, *LESSON, "--key", "l-1"]).stdout
    assert said.startswith(f"Lesson of experiment #{grant} (Trial of small_grant) recorded as")
    shown = as_json(fund(database, ["lesson", "show", grant, "--json"]))
    (version,) = shown["versions"]
    assert (shown["experiment_id"], version["version"]) == (int(grant), 1)
    assert version["tags"] == ["employment", "mentoring", "youth"]
    assert version["scaling_route"] == "direct_diffusion"
    assert (
        "Peer mentors kept young people in work" in fund(database, ["lesson", "show", grant]).stdout
    )

    found = as_json(fund(database, "lesson search --text 'EMPLOYERS' --tag youth --json"))
    (lesson,) = found["lessons"]
    assert (lesson["experiment_id"], lesson["official"], lesson["closed"]) == (
        int(grant),
        "Pat Official",
        False,
    )
    assert fund(database, "lesson search --instrument pbr_contract --json").stdout.count("{") == 1
    table = fund(database, "lesson search", user="board").stdout
    assert "Trial of small_grant" in table
    assert "employment; mentoring; youth" in table

    (row,) = csv_rows(fund(database, "lesson search --csv", user="auditor"))
    assert row["Do differently"] == "'=Recruit employers first"
    assert row["Responsible official"] == "Pat Official"


def test_a_board_member_sees_no_officials_and_cannot_export(database, grant):
    fund(database, ["lesson", "record", grant, *LESSON])
    (lesson,) = as_json(fund(database, "lesson search --json", user="board"))["lessons"]
    assert "official" not in lesson
    assert "recorded_by" not in lesson
    refused = fund(database, "lesson search --csv", user="board", expect=1)
    assert refused.stderr.startswith("error: user: board is not permitted to export")


def test_an_experiment_is_closed_with_its_lesson_once(database, grant):
    refused = fund(database, ["experiment", "close", grant, "--reason", "over"], expect=1)
    assert "cannot be closed without a lesson" in refused.stderr
    fund(database, ["lesson", "record", grant, *LESSON])
    closed = fund(database, ["experiment", "close", grant, "--reason", "over", "--key", "c-1"])
    assert closed.stdout.startswith(
        f"Experiment #{grant} 'Trial of small_grant' closed with lesson version 1."
    )
    again = as_json(
        fund(database, ["experiment", "close", grant, "--reason", "over", "--key", "c-1", "--json"])
    )
    assert (again["entity"], again["id"], again["replayed"]) == (
        "experiment closure",
        int(grant),
        True,
    )
    twice = fund(database, ["experiment", "close", grant, "--reason", "over"], expect=1)
    assert "is already closed" in twice.stderr
    commit = fund(
        database, ["commit", grant, "100", "--to", "Youth Trust", "--reason", "r"], expect=1
    )
    assert "is closed: it takes no new commitment" in commit.stderr
    assert fund(database, "audit verify", user="auditor").returncode == 0


def test_an_auditor_cannot_record_a_lesson(database, grant):
    before = counts(database)
    refused = fund(database, ["lesson", "record", grant, *LESSON], user="auditor", expect=1)
    assert refused.stderr.startswith("error: user: auditor is not permitted to register")
    assert counts(database) == before
