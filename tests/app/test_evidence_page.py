"""The Evidence page: a fund manager registers an experiment's plan, amends it and sees the
registered version beside the latest, reads the estimate against the target on one chart,
the derived verdict beside the final one and the Nesta level; records and overrides with a
reason, writes the lesson and closes the experiment. Auditors read it all without a form;
board members and admins are not let in."""

from __future__ import annotations

import json

import pytest

from fund import ledger, register
from fund.errors import FileRefused
from fund.evidence import estimate, observations, override, plans, results, views
from fund.ledger import posting
from fund.lessons import register as lessons
from tests.app.helpers import (
    counts,
    errors,
    grew,
    select,
    submit,
    submit_with_table,
    successes,
    text,
)
from tests.conftest import key
from ui import evidence_chart
from ui.evidence_headline import STOPPED
from ui.evidence_lesson import CLOSE, RECORD
from ui.evidence_plan import AMEND, REGISTER
from ui.evidence_verdict import OVERRIDE

PAGE = "pages/evidence.py"
LESSON = {
    "what_worked": "Mentors kept young people in their first job",
    "what_did_not": "Employers did not refer anyone",
    "do_differently": "Recruit employers before mentors",
    "transfers_to": "Any programme placing people in work",
    "tags": "mentoring, employers",
}
FORMS = (REGISTER, AMEND, "Record these results", "Record the summary", OVERRIDE, RECORD, CLOSE)


@pytest.fixture
def untested(con, people, funded) -> int:
    """An experiment with no plan yet."""
    return register.add_experiment(
        con,
        people.manager,
        programme_id=funded.programme_id,
        title="Untested idea",
        instrument="pbr_contract",
        phase=1,
        risk_rating="high",
        official="Pat Official",
        user_involvement="informed",
        key=key(),
    ).entity_id


@pytest.fixture
def judged(con, people, funded) -> int:
    """The experimental zone, £5,000.00 committed, with results of its two-group test: the
    treated group 0.02 above the comparison on a target of 0.05 (stop: the interval lies
    below the target)."""
    zone = funded.experiments["experimental_zone"]
    commit(con, people, zone)
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
    return zone


def commit(con, people, experiment_id: int) -> None:
    ledger.commit(
        con,
        people.manager,
        experiment_id=experiment_id,
        amount="5000.00",
        counterparty="Youth Trust",
        reason="award",
        key=key(),
    )


def open_page(app, user, experiment: int | None = None, section: str | None = None):
    at = app(user, PAGE)
    assert not at.exception, at.exception
    if experiment is not None:
        select(at, "Experiment").set_value(experiment).run()
    if section is not None:
        at.session_state["evidence-section"] = section
        at.run()
    assert not at.exception, at.exception
    return at


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def buttons(at) -> list[str]:
    return [b.label for b in at.button]


def texts(at) -> str:
    parts = [t.value for t in at.text] + [c.value for c in at.caption]
    parts += [m.value for m in at.markdown] + [w.value for w in at.warning]
    parts += [i.value for i in at.info] + [e.value for e in at.error]
    return " ".join(parts).replace("\\", "")


def field(at, label: str):
    """The text input or text area labelled ``label``."""
    return next(w for w in [*at.text_input, *at.text_area] if w.label == label)


def plan_table(at):
    return at.dataframe[0].value


def fill_plan(at, **changes) -> None:
    """Type a full plan into the form (every field, or as ``changes`` says)."""
    given = {
        "Hypothesis": "Paying the provider by results raises sustained jobs",
        "Primary metric": "Young people in work after six months",
        "Unit": "share of participants",
        "Baseline": "0.40",
        "Target effect": "0.05",
        "Planned sample": "400",
        "Kill threshold": "0.30",
        "Reason": "plan before money",
    } | changes
    for label, value in given.items():
        field(at, label).input(value)
    if "Which way is better" not in changes:
        select(at, "Which way is better").set_value(True)
    select(at, "Comparison design").set_value("two-group")
    for label, value in (("Review date", "2026-09-30"), ("Kill criteria judged on", "2026-06-30")):
        next(d for d in at.date_input if d.label == label).set_value(value)


# --- the plan ------------------------------------------------------------------------------------


def test_a_fund_manager_registers_a_plan_through_the_page(app, con, people, untested):
    at = open_page(app, people.manager, untested, "Plan")
    assert metrics(at)["Plan"] == "No plan yet"
    assert metrics(at)["Evidence level"] == "0 of 5"
    fill_plan(at)
    at = submit(at, REGISTER)
    assert not errors(at), errors(at)
    assert any("registered as version 1" in s for s in successes(at)), successes(at)
    assert metrics(at)["Plan"] == "Version 1"
    assert metrics(at)["Evidence level"] == "1 of 5"
    assert "account of impact" in texts(at)
    table = plan_table(at)
    assert list(table.columns) == ["field", "Registered (version 1)"]
    assert "0.05" in list(table["Registered (version 1)"])
    assert plans.history(con, people.manager, untested).latest.plan.target_effect is not None


def test_a_plan_with_a_field_wrong_is_refused_naming_the_field(app, con, people, untested):
    at = open_page(app, people.manager, untested, "Plan")
    fill_plan(at, **{"Target effect": "-1", "Planned sample": "many"})
    before = counts(con)
    at = submit(at, REGISTER)
    assert not successes(at)
    (shown,) = errors(at)
    assert "target_effect: must be more than 0" in shown, shown
    assert "planned_sample: must be a whole number of observations, not 'many'" in shown, shown
    assert grew(before, counts(con)) == {}
    assert [w.value for w in at.text_input if w.label == "Planned sample"] == ["many"]


def test_an_amended_plan_shows_the_registered_version_beside_the_latest(app, con, people, funded):
    zone = funded.experiments["experimental_zone"]
    commit(con, people, zone)  # the plan is frozen now: a change is an amendment
    at = open_page(app, people.manager, zone, "Plan")
    text(at, "Target effect").input("0.02")
    at = submit(at, AMEND)
    (shown,) = errors(at)
    assert shown.startswith("reason: "), shown  # an amendment without a reason is refused
    text(at, "Reason for the change").input("smaller effect")
    at = submit(at, AMEND)
    assert any("amended as version 2" in s for s in successes(at)), (successes(at), errors(at))
    table = plan_table(at)
    assert list(table.columns) == [
        "field",
        "Registered (version 1)",
        "Latest (version 2)",
        "changed",
    ]
    target = table[table["field"] == "Target effect"].iloc[0]
    assert (target["Registered (version 1)"], target["Latest (version 2)"]) == ("0.05", "0.02")
    assert target["changed"] == "changed"
    assert "judged against the registered version 1" in texts(at)
    assert metrics(at)["Plan"] == "Version 1 (latest 2)"
    versions = at.dataframe[1].value
    assert list(versions["version"]) == [2, 1]
    assert list(versions["reason"]) == ["smaller effect", "plan before money"]
    assert list(versions["by"]) == ["Mo Manager", "Mo Manager"]


def test_money_held_with_no_registered_plan_is_said_plainly(
    app, con, people, untested, monkeypatch
):
    with monkeypatch.context() as before_plans:  # as an award made before plans existed
        before_plans.setattr(posting, "_open_to_money", lambda con, experiment, imported: None)
        commit(con, people, untested)
    at = open_page(app, people.auditor, untested)
    assert metrics(at)["Plan"] == "No registered plan"
    assert metrics(at)["Evidence level"] == "0 of 5"
    assert "No registered plan." in texts(at)


# --- results, estimate, verdict ------------------------------------------------------------------


def test_the_estimate_is_drawn_against_zero_and_the_target(app, people, judged):
    at = open_page(app, people.manager, judged, "Estimate")
    (chart,) = at.get("plotly_chart")
    layout = json.loads(chart.proto.spec)["layout"]
    assert layout["title"]["text"] == (
        "Effect +0.02 (95% CI 0.01561 to 0.02439) against a target of +0.05"
    )
    assert [round(s["x0"], 4) for s in layout["shapes"]] == [0.0, 0.05]
    assert layout["xaxis"]["title"]["text"] == (
        "Change in Young people in work after six months (share of participants): higher is better"
    )


def test_where_lower_is_better_the_target_is_drawn_as_a_fall_and_the_chart_says_so():
    chart = evidence_chart.estimate(
        evidence_chart.Shown(
            effect=-1.2,
            ci_low=-1.8,
            ci_high=-0.6,
            target=2.0,
            higher_is_better=False,
            metric="Weeks <i>waiting</i>",
            unit="weeks",
        )
    )
    assert [s["x0"] for s in chart.layout.shapes] == [0.0, -2.0]
    assert chart.layout.title.text.endswith("against a target of -2")
    axis = chart.layout.xaxis.title.text
    assert axis.startswith("Change in Weeks &lt;i&gt;waiting&lt;/i&gt; (weeks)")  # text, not HTML
    assert "lower is better" in axis


def test_the_derived_and_final_verdicts_stand_side_by_side_and_an_override_needs_a_reason(
    app, con, people, judged
):
    at = open_page(app, people.manager, judged, "Verdict")
    assert metrics(at)["Derived verdict"] == "Stop"
    assert metrics(at)["Final verdict"] == "Stop"
    select(at, "Final verdict").set_value("adapt")
    at = submit(at, OVERRIDE)
    assert errors(at)[0].startswith("reason: "), errors(at)
    text(at, "Why the verdict differs").input("The <b>employer</b> pilot starts next month")
    at = submit(at, OVERRIDE)
    assert any("set to adapt" in s for s in successes(at)), (successes(at), errors(at))
    shown = metrics(at)
    assert shown["Derived verdict"] == "Stop"
    assert shown["Final verdict (overridden)"] == "Adapt"
    assert "Why the verdict was overridden: The <b>employer</b> pilot" in texts(at)


def test_results_recorded_are_listed_with_their_interval(app, people, judged):
    at = open_page(app, people.manager, judged, "Results")
    (recorded,) = [d.value for d in at.dataframe if "source" in d.value.columns]
    assert list(recorded["source"]) == ["summary"]
    assert recorded["effect"].iloc[0] == "+0.02"
    assert "Results file (CSV)" in [u.label for u in at.get("file_uploader")]


def test_a_fund_manager_enters_results_as_a_summary(app, con, people, funded):
    zone = funded.experiments["experimental_zone"]
    at = open_page(app, people.manager, zone, "Results")
    text(at, "Reason").input("the evaluator's summary")
    at = submit_with_table(
        at,
        "Record the summary",
        edited={
            1: {"n": "500", "mean": "0.70", "sd": "0.1"},
            3: {"n": "500", "mean": "0.60", "sd": "0.1"},
        },
    )
    assert any("Results #1" in s for s in successes(at)), (successes(at), errors(at))
    assert metrics(at)["Derived verdict"] == "Scale"


# --- the lesson ----------------------------------------------------------------------------------


def test_a_stop_with_a_lesson_is_a_success_and_the_experiment_closes_with_it(
    app, con, people, judged
):
    at = open_page(app, people.manager, judged, "Lesson")
    assert STOPPED not in successes(at)
    at = submit(at, CLOSE)
    assert errors(at)[0].startswith("reason: "), errors(at)
    for name, value in LESSON.items():
        widgets = [w for w in [*at.text_area, *at.text_input] if w.key.endswith(f":{name}")]
        widgets[0].input(value)
    text(at, "Reason").input("learnt")
    at = submit(at, RECORD)
    assert any("recorded as version 1" in s for s in successes(at)), (successes(at), errors(at))
    assert STOPPED in successes(at)
    assert "Recruit employers before mentors" in texts(at)
    assert "Tags: employers; mentoring" in texts(at)
    ledger.decommit(
        con, people.manager, commitment_id=1, amount="5000.00", reason="stopped", key=key()
    )
    text(at, "Why it closes now").input("stopped")
    at = submit(at, CLOSE)
    assert any("closed with lesson version 1" in s for s in successes(at)), errors(at)
    assert CLOSE not in buttons(at)


# --- who may see it ------------------------------------------------------------------------------


def test_an_auditor_reads_everything_without_a_form(app, con, people, judged):
    lessons.record_lesson(con, people.manager, judged, LESSON, key=key(), reason="learnt")
    override.override_verdict(
        con, people.manager, judged, "adapt", key=key(), reason="pilot next month"
    )
    for section in ("Plan", "Results", "Estimate", "Verdict", "Lesson"):
        at = open_page(app, people.auditor, judged, section)
        assert not [b for b in buttons(at) if b in FORMS], (section, buttons(at))
        assert not at.get("file_uploader"), section
    assert metrics(at)["Derived verdict"] == "Stop"
    assert metrics(at)["Final verdict (overridden)"] == "Adapt"
    assert "Mentors kept young people in their first job" in texts(at)


@pytest.mark.parametrize("role", ["board", "admin"])
def test_board_members_and_admins_cannot_open_the_evidence_page(app, people, funded, role):
    at = app(getattr(people, role), PAGE)
    assert not at.exception, at.exception
    assert [e.value for e in at.error if "Not permitted" in e.value]
    assert not at.selectbox


def test_a_results_file_is_previewed_with_the_estimate_saving_it_would_record():
    rows = [
        f"u{i},{'treated' if i % 2 else 'comparison'},2025-Q3,1,{50 + i % 7}" for i in range(30)
    ]
    data = "\ufeffunit,group,period,post,value\n" + "\n".join(rows) + "\n"
    found = views.preview(data.encode("utf-8"), "two-group")
    assert found.rows == 30 and len(found.first) == views.PREVIEW_ROWS
    assert list(found.first.columns) == ["row", "unit", "group", "period", "post", "value"]
    assert found.first["row"].iloc[0] == 2  # as a spreadsheet numbers it
    assert found.estimate == estimate.estimate(observations.read(found.text), "two-group")


def test_a_bad_results_file_names_every_problem_in_the_preview():
    with pytest.raises(FileRefused) as refused:
        views.preview(b"group,period,post,value\ncontrol,Q1,2,x\n", "two-group")
    assert [p.place for p in refused.value.problems] == ["row 2/group", "row 2/post", "row 2/value"]
