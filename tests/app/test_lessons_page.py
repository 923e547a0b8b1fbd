"""The Lessons page: every reading role finds lessons by text, tag, verdict, programme and
instrument and reads the fund's learning; fund managers and auditors download them and read
the officials' scorecard; board members see no official's name anywhere; admins are not let
in."""

from __future__ import annotations

import json

import pytest

from fund import ledger
from fund.evidence import results
from fund.lessons import register as lessons
from tests.app.helpers import select, text
from tests.conftest import key

PAGE = "pages/lessons.py"
WORKED = "Mentors **kept** young people <b>in work</b>"  # typed Markdown and HTML stay text
LESSON = {
    "what_worked": WORKED,
    "what_did_not": "Employers did not refer anyone",
    "do_differently": "Recruit employers before mentors",
    "transfers_to": "Any programme placing people in work",
    "tags": "mentoring, employers",
}


@pytest.fixture
def learnt(con, people, funded) -> dict[str, int]:
    """Two lessons: the experimental zone stopped (its treated group 0.02 above the
    comparison on a target of 0.05) with a lesson on employers; the PbR contract, without
    results, with a lesson on data sharing."""
    zone, contract = funded.experiments["experimental_zone"], funded.experiments["pbr_contract"]
    ledger.commit(
        con,
        people.manager,
        experiment_id=zone,
        amount="5000.00",
        counterparty="Youth Trust",
        reason="award",
        key=key(),
    )
    results.record_summary(
        con,
        people.manager,
        zone,
        [
            {"group": group, "post": "1", "n": "1000", "mean": mean, "sd": "0.05"}
            for group, mean in (("treated", "0.62"), ("comparison", "0.60"))
        ],
        key=key(),
        reason="results in",
    )
    lessons.record_lesson(con, people.manager, zone, LESSON, key=key(), reason="learnt")
    lessons.record_lesson(
        con,
        people.manager,
        contract,
        {
            **LESSON,
            "what_worked": "Sharing data with the provider monthly",
            "what_did_not": "Verification took too long",
            "tags": "data sharing",
        },
        key=key(),
        reason="learnt",
    )
    return {"zone": zone, "contract": contract}


def open_page(app, user, section: str | None = None):
    at = app(user, PAGE)
    if section is not None:
        at.session_state["lessons-section"] = section
        at.run()
    assert not at.exception, at.exception
    return at


def found(at):
    (table,) = [d.value for d in at.dataframe if "what_worked" in d.value.columns]
    return table


def words(at) -> str:
    """Everything the page writes outside its tables, Markdown escapes removed."""
    parts = [c.value for c in at.caption] + [m.value for m in at.markdown]
    parts += [s.value for s in at.subheader] + [i.value for i in at.info]
    parts += [m.label + " " + m.value for m in at.metric]
    return " ".join(parts).replace("\\", "")


def tables(at) -> str:
    return " ".join(d.value.to_csv() for d in at.dataframe)


def downloads(at) -> list[str]:
    return [b.proto.label for b in at.get("download_button")]


@pytest.mark.parametrize("role", ["manager", "auditor"])
def test_fund_managers_and_auditors_find_lessons_with_names_and_download_them(
    app, people, learnt, role
):
    at = open_page(app, getattr(people, role))
    table = found(at)
    assert list(table["title"]) == ["Trial of pbr_contract", "Trial of experimental_zone"]
    assert list(table["official"]) == ["Pat Official", "Pat Official"]
    assert list(table["tags"]) == ["data sharing", "employers; mentoring"]
    assert downloads(at) == ["Download these lessons (CSV)"]


def test_board_members_find_lessons_without_names_and_cannot_download_them(app, people, learnt):
    at = open_page(app, people.board)
    table = found(at)
    assert len(table) == 2
    assert "official" not in table.columns and "recorded_by" not in table.columns
    assert "Pat Official" not in tables(at) + words(at)
    assert "Mo Manager" not in tables(at) + words(at)
    assert downloads(at) == []


def test_lessons_are_found_by_text_tag_verdict_programme_and_instrument(
    app, people, funded, learnt
):
    at = open_page(app, people.board)
    text(at, "Search the lessons").input("DID NOT REFER").run()
    assert list(found(at)["title"]) == ["Trial of experimental_zone"]
    text(at, "Search the lessons").input("").run()
    text(at, "Tag").input("Data Sharing").run()
    assert list(found(at)["title"]) == ["Trial of pbr_contract"]
    text(at, "Tag").input("").run()
    select(at, "Verdict").set_value("stop").run()
    assert list(found(at)["verdict"]) == ["stop"]
    select(at, "Verdict").set_value(None).run()
    select(at, "Instrument").set_value("pbr_contract").run()
    assert list(found(at)["instrument"]) == ["Payment-by-results contract"]
    select(at, "Programme").set_value(funded.other_programme_id).run()
    assert not at.exception, at.exception
    assert "No lesson matches" in words(at)


def test_what_people_typed_is_shown_as_text_never_as_markdown(app, people, learnt):
    at = open_page(app, people.manager)
    assert WORKED in list(found(at)["what_worked"])
    assert "in work" not in words(at)


def test_the_fund_and_each_programme_show_their_learning(app, people, learnt):
    at = open_page(app, people.board, "Learning")
    shown = {m.label: m.value for m in at.metric}
    assert shown["Lessons documented"] == "2"
    assert shown["Failures documented (stop, with a lesson)"] == "1"
    assert shown["Experiments run"] == "4"
    assert "By programme" in [s.value for s in at.subheader]
    (by_programme,) = [d.value for d in at.dataframe]
    assert list(by_programme["programme"]) == ["Young people into work"]
    (chart,) = at.get("plotly_chart")
    assert json.loads(chart.proto.spec)["layout"]["title"]["text"].startswith("Evidence levels")


def test_board_members_see_no_officials_scorecard(app, people, learnt):
    at = open_page(app, people.board, "Learning")
    assert "Officials' scorecard" not in [s.value for s in at.subheader]
    assert "Pat Official" not in tables(at) + words(at)


@pytest.mark.parametrize("role", ["manager", "auditor"])
def test_the_officials_scorecard_counts_a_failure_with_a_lesson_as_learning(
    app, people, learnt, role
):
    at = open_page(app, getattr(people, role), "Learning")
    assert "Officials' scorecard" in [s.value for s in at.subheader]
    scorecard = at.dataframe[-1].value
    official = scorecard[scorecard["official"] == "Pat Official"].iloc[0]
    assert official["Learning (lessons, failures included)"] == 2
    assert official["Failures documented (stop, with a lesson)"] == 1


def test_admins_cannot_open_the_lessons_page(app, people, learnt):
    at = app(people.admin, PAGE)
    assert not at.exception, at.exception
    assert [e.value for e in at.error if "Not permitted" in e.value]
    assert not at.dataframe


def test_a_lesson_picked_in_the_table_is_read_in_full_as_text(app, people, learnt):
    at = open_page(app, people.board)
    at.session_state["lessons-found"] = {"selection": {"rows": [1], "columns": [], "cells": []}}
    at.run()
    assert not at.exception, at.exception
    assert [s.value for s in at.subheader] == ["\\#2 · Trial of experimental\\_zone"]
    assert WORKED in [t.value for t in at.text]
    assert "Tags: employers; mentoring" in [t.value for t in at.text]
