"""The Evidence page's plan: the registered version beside the latest when it was amended,
so that a target cannot drift unseen; every version with who made it, when and why; and for
a fund manager the form that registers the first plan or amends it (with a reason).

What was typed goes to the service as typed; the service checks the plan whole and names
every field that is wrong at once, under the form.
"""

from __future__ import annotations

import duckdb
import pandas as pd
import streamlit as st

from fund import labels
from fund.auth import User
from fund.evidence import plans
from fund.evidence.plan import PLAN_DESIGNS, Plan
from fund.evidence.plans import PlanHistory, PlanVersion
from fund.register import Instrument
from ui import format, forms, session
from ui.evidence_words import missing, number

# Each field of a plan as people call it, in the order a plan is read.
FIELDS = {
    "hypothesis": "Hypothesis",
    "metric": "Primary metric",
    "metric_unit": "Unit",
    "higher_is_better": "Which way is better",
    "design": "Comparison design",
    "baseline": "Baseline",
    "target_effect": "Target effect",
    "planned_sample": "Planned sample",
    "review_date": "Review date",
    "kill_threshold": "Kill threshold",
    "kill_by": "Kill criteria judged on",
}
DIRECTIONS = {True: "Higher is better", False: "Lower is better"}
REGISTER, AMEND = "Register the plan", "Amend the plan"
_ROW_PX = 35  # the grid's row height, to show every field without scrolling


def section(con: duckdb.DuckDBPyConnection, user: User, row: pd.Series, editable: bool) -> None:
    """The plan as the person may use it: with its form for a fund manager."""
    experiment_id = int(row["experiment_id"])
    history = None
    if not missing(row["registered_version"]):
        history = session.attempt(plans.history, con, user, experiment_id)
    if history is not None:
        _compare(history)
        _versions(history)
    if not editable:
        if history is None:
            st.caption("No plan to show: a fund manager registers one.")
        return
    small_grant = row["instrument"] == Instrument.SMALL_GRANT.value
    _form(experiment_id, None if history is None else history.latest.plan, small_grant)


def shown(plan: Plan, name: str) -> str:
    """A plan's field as people read it (dates as DD/MM/YYYY, figures as typed)."""
    value = getattr(plan, name)
    if name == "higher_is_better":
        return DIRECTIONS[value]
    if missing(value):
        return ""
    return labels.when(value) if name in ("review_date", "kill_by") else number(value)


def _compare(history: PlanHistory) -> None:
    """The registered version, and beside it the latest when the plan was amended, each
    changed field marked and named below in full."""
    registered, latest = history.registered, history.latest
    before, after = _values(registered), _values(latest)
    columns = {"field": list(FIELDS.values()), _title(registered, "Registered"): before}
    if history.amended:
        columns[_title(latest, "Latest")] = after
        columns["changed"] = [
            "changed" if a != b else "" for a, b in zip(before, after, strict=True)
        ]
    st.subheader("The plan")
    st.dataframe(
        pd.DataFrame(columns),
        hide_index=True,
        width="stretch",
        height=_ROW_PX * (len(FIELDS) + 1) + 3,
        column_config={
            "field": st.column_config.TextColumn("Field", width=170),
            "changed": st.column_config.TextColumn("Changed", width=90),
        },
    )
    for name, was, now in zip(FIELDS.values(), before, after, strict=True):
        if history.amended and was != now:
            st.text(f"{name} changed from {was or 'nothing'} to {now or 'nothing'}.")


def _title(version: PlanVersion, which: str) -> str:
    return f"{which} (version {version.version})"


def _values(version: PlanVersion) -> list[str]:
    return [shown(version.plan, name) for name in FIELDS]


def _versions(history: PlanHistory) -> None:
    st.subheader("Every version")
    format.table(
        pd.DataFrame(
            {
                "version": [v.version for v in reversed(history.versions)],
                "recorded_at": [v.registered_at for v in reversed(history.versions)],
                "by": [v.registered_by for v in reversed(history.versions)],
                "when_made": [
                    "after money was committed" if v.after_commitment else "before money"
                    for v in reversed(history.versions)
                ],
                "reason": [v.reason for v in reversed(history.versions)],
            }
        )
    )


# --- the form ----------------------------------------------------------------------------------


def _form(experiment_id: int, latest: Plan | None, small_grant: bool) -> None:
    """Register the first plan, or amend the latest (its fields filled in to change)."""
    amending = latest is not None
    caption = (
        "A small grant needs only a hypothesis, a primary metric with its unit, which way is"
        " better, and design none."
        if small_grant
        else "A full test: every field. Figures are in the metric's unit; the target effect"
        " is the smallest improvement worth having."
    )
    if amending:
        caption += " A change is saved as a new version with its reason."
    st.subheader(AMEND if amending else REGISTER)
    with forms.Form(
        f"evidence-plan-{experiment_id}", AMEND if amending else REGISTER, caption=caption
    ) as form:
        given = _fields(form, latest)
        reason = st.text_input(
            "Reason for the change" if amending else "Reason", key=form.key("reason")
        )
    if form.submitted:
        action = plans.amend_plan if amending else plans.register_plan
        form.write(action, experiment_id=experiment_id, given=given, reason=reason)


def _fields(form: forms.Form, latest: Plan | None) -> dict[str, object]:
    def typed(name: str) -> str:
        return "" if latest is None else number(getattr(latest, name))

    def dated(name: str):
        return None if latest is None else getattr(latest, name)

    given = {
        "hypothesis": st.text_area(
            "Hypothesis", typed("hypothesis"), height=80, key=form.key("hypothesis")
        )
    }
    left, middle, right = st.columns(3)
    given["metric"] = left.text_input("Primary metric", typed("metric"), key=form.key("metric"))
    given["metric_unit"] = middle.text_input(
        "Unit", typed("metric_unit"), help="e.g. % of participants", key=form.key("unit")
    )
    given["higher_is_better"] = right.selectbox(
        "Which way is better",
        list(DIRECTIONS),
        index=None if latest is None else list(DIRECTIONS).index(latest.higher_is_better),
        format_func=DIRECTIONS.get,
        placeholder="Choose",
        key=form.key("direction"),
    )
    given["design"] = left.selectbox(
        "Comparison design",
        PLAN_DESIGNS,
        index=None if latest is None else PLAN_DESIGNS.index(latest.design),
        placeholder="Choose",
        help="none (a small grant only), before-after, two-group, randomised, or did"
        " (difference in differences)",
        key=form.key("design"),
    )
    given["baseline"] = middle.text_input(
        "Baseline", typed("baseline"), help="The metric before", key=form.key("baseline")
    )
    given["target_effect"] = right.text_input(
        "Target effect",
        typed("target_effect"),
        help="The smallest improvement worth having, more than 0",
        key=form.key("target"),
    )
    given["planned_sample"] = left.text_input(
        "Planned sample", typed("planned_sample"), help="Observations", key=form.key("sample")
    )
    given["review_date"] = middle.date_input(
        "Review date", dated("review_date"), format="DD/MM/YYYY", key=form.key("review")
    )
    given["kill_threshold"] = right.text_input(
        "Kill threshold",
        typed("kill_threshold"),
        help="The metric at which the experiment stops, if it is still there on the date below",
        key=form.key("kill-threshold"),
    )
    given["kill_by"] = left.date_input(
        "Kill criteria judged on", dated("kill_by"), format="DD/MM/YYYY", key=form.key("kill-by")
    )
    return given
