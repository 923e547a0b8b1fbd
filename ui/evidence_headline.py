"""The Evidence page's headline for one experiment: whether its plan is registered, the
verdict the rules derived beside the final one (both always), the Nesta level reached, and
the flags a reader must not miss: kill criteria met, money held with no registered plan,
and a stop with a lesson, which is a success for the fund."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from fund import labels
from fund.evidence import standards
from fund.evidence.judgement import NO_PLAN, NO_REGISTERED_PLAN
from ui import format
from ui.evidence_words import missing, number, verdict

STOPPED = "Stopped, with a lesson: a successful outcome for the fund."


def headline(row: pd.Series) -> None:
    """Plan, verdicts and level as metrics, then the flags and the override's reason."""
    _plan_status(row)
    level = standards.level(int(row["evidence_level"]))
    overridden = not missing(row["override_reason"])
    shown = st.container(horizontal=True, gap="medium")
    for label, value, why in (
        ("Plan", _plan_words(row), "The version results are judged against"),
        (
            "Derived verdict",
            verdict(row["derived_verdict"]),
            "From the estimate's 95% interval against the registered target, and the kill"
            " criteria; never typed",
        ),
        (
            "Final verdict (overridden)" if overridden else "Final verdict",
            verdict(row["verdict"]),
            "The derived verdict, unless a fund manager overrode it with a reason",
        ),
        (
            "Evidence level",
            f"{level.level} of {standards.HIGHEST}",
            f"Nesta Standards of Evidence: {level.label}",
        ),
    ):
        shown.metric(label, value, help=why, width="content")
    st.caption(f"Evidence level {level.level}, {level.label}: {level.meaning}.")
    if overridden:
        st.text(f"Why the verdict was overridden: {row['override_reason']}")
    _flags(row)


def _plan_words(row: pd.Series) -> str:
    status = row["plan_status"]
    if status == NO_REGISTERED_PLAN:
        return "No registered plan"
    if status == NO_PLAN:
        return "No plan yet"
    return f"Version {row['registered_version']}" + (
        f" (latest {row['latest_version']})" if row["plan_amended"] else ""
    )


def _plan_status(row: pd.Series) -> None:
    if row["plan_status"] == NO_REGISTERED_PLAN:
        st.warning(
            "**No registered plan.** This experiment holds money without an evaluation plan"
            " (it was funded before plans were required, or imported). It stays at evidence"
            " level 0 until one is registered.",
            icon=":material/warning:",
        )
    elif row["plan_status"] == NO_PLAN:
        st.info(
            "No plan yet: an evaluation plan must be registered before money is committed to"
            " this experiment."
        )
    elif row["plan_amended"]:
        st.info(
            f"The plan was amended after money was committed: results are judged against the"
            f" registered version {row['registered_version']}, shown beside the latest"
            f" (version {row['latest_version']}) under Plan.",
            icon=":material/history:",
        )


def _flags(row: pd.Series) -> None:
    if row["kill_criteria_met"]:
        side = "below" if row["higher_is_better"] else "above"
        st.error(
            format.plain(
                f"Kill criteria met: by {labels.when(row['kill_by'])} the treated group's mean"
                f" after the start was {side} the threshold of {number(row['kill_threshold'])}"
                f" {row['metric_unit']}, so the derived verdict is stop whatever the"
                " interval says."
            ),
            icon=":material/dangerous:",
        )
    if row["verdict"] == "stop" and not missing(row["lesson_id"]):
        st.success(STOPPED, icon=":material/school:")
    if row["past_review"] and missing(row["closed_at"]):
        st.caption(f"The review date, {labels.when(row['review_date'])}, has passed.")
