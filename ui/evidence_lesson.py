"""The Evidence page's lesson: what the experiment taught (its latest version, every version
with who wrote it and why), the lesson form for a fund manager, and closing the experiment,
which needs a lesson and no money still open. Lessons are shown as text, never as Markdown.
"""

from __future__ import annotations

import duckdb
import pandas as pd
import streamlit as st

from fund import labels
from fund.auth import User
from fund.lessons import register, search
from fund.lifecycle import ScalingRoute
from ui import format, forms, session
from ui.evidence_words import missing

RECORD, CLOSE = "Record the lesson", "Close the experiment"
QUESTIONS = {
    "what_worked": "What worked",
    "what_did_not": "What did not",
    "do_differently": "What we would do differently",
    "transfers_to": "Where it transfers (other programmes, other places)",
}


def section(con: duckdb.DuckDBPyConnection, user: User, row: pd.Series, editable: bool) -> None:
    experiment_id = int(row["experiment_id"])
    found = session.attempt(search.lesson_history, con, user, experiment_id)
    if found is None:
        return
    latest = None if found.empty else found.iloc[0]
    if latest is None:
        st.info(
            "No lesson yet. A failure with a good lesson is learning, not a mark against anyone."
        )
    else:
        show(latest, tags=search.tag_text(found["tags"]).iloc[0])
        with st.expander(f"Every version ({len(found)})"):
            format.table(found.assign(tags=search.tag_text(found["tags"])))
    if editable:
        _form(experiment_id, latest)
    _closing(experiment_id, row, editable)


def show(latest: pd.Series, *, tags: str) -> None:
    """A lesson in full, each answer under its question, as text (never Markdown)."""
    for name, question in QUESTIONS.items():
        st.markdown(f"**{question}**")
        st.text(latest[name])
    route = latest["scaling_route"]
    spread = "none recorded" if missing(route) else labels.value("scaling_route", route)
    st.text(f"Tags: {tags or 'none'}")
    st.text(f"Scaling route: {spread}")
    who = "" if "recorded_by" not in latest else f" by {latest['recorded_by']}"
    st.caption(
        format.plain(
            f"Version {latest['version']}, recorded {labels.when(latest['recorded_at'])} UTC{who}."
        )
    )


def _form(experiment_id: int, latest: pd.Series | None) -> None:
    def typed(name: str) -> str:
        return "" if latest is None else str(latest[name])

    routes = [None, *(r.value for r in ScalingRoute)]
    current = (
        None if latest is None or missing(latest["scaling_route"]) else latest["scaling_route"]
    )
    with forms.Form(
        f"evidence-lesson-{experiment_id}",
        RECORD,
        caption="Every question needs an answer; a change is saved as the lesson's next version.",
    ) as form:
        given = {
            name: st.text_area(question, typed(name), height=90, key=form.key(name))
            for name, question in QUESTIONS.items()
        }
        left, right = st.columns(2)
        given["tags"] = left.text_input(
            "Tags",
            "" if latest is None else ", ".join(latest["tags"]),
            help="Separated by commas, e.g. mentoring, employers",
            key=form.key("tags"),
        )
        given["scaling_route"] = right.selectbox(
            "Scaling route",
            routes,
            index=routes.index(current),
            format_func=lambda r: (
                "It does not spread (yet)" if r is None else labels.value("scaling_route", r)
            ),
            key=form.key("route"),
        )
        reason = st.text_input("Reason", key=form.key("reason"))
    if form.submitted:
        form.write(register.record_lesson, experiment_id=experiment_id, given=given, reason=reason)


def _closing(experiment_id: int, row: pd.Series, editable: bool) -> None:
    name = f"evidence-close-{experiment_id}"
    if not missing(row["closed_at"]):
        forms.show_outcome(name)  # the closing just made, once
        st.success(
            f"Closed on {labels.when(row['closed_at'])} UTC, with its lesson.",
            icon=":material/lock:",
        )
        return
    if not editable:
        return
    with forms.Form(
        name,
        CLOSE,
        caption="An experiment closes only with a lesson and no money still open to it.",
    ) as form:
        reason = st.text_input("Why it closes now", key=form.key("reason"))
    if form.submitted:
        form.write(register.close_experiment, experiment_id=experiment_id, reason=reason)
