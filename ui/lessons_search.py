"""The Lessons page's search: text, tag, verdict, programme and instrument; the lessons found
as a table (what people wrote, shown as text), and their CSV for those who may export.

What a reader sees is what the service gives them: board members get no names, and the
export is offered only when the service does not refuse it.
"""

from __future__ import annotations

import duckdb
import pandas as pd
import streamlit as st

from fund import labels, register
from fund.auth import User
from fund.errors import PermissionDenied
from fund.evidence.verdict import Verdict
from fund.lessons import search
from fund.register import Instrument
from ui import evidence_lesson, format, session
from ui.evidence_words import verdict

# What the lesson says first, then where its experiment stands and whose it is.
SHOWN = [
    "experiment_id",
    "title",
    "what_worked",
    "what_did_not",
    "do_differently",
    "transfers_to",
    "tags",
    "verdict",
    "derived_verdict",
    "evidence_level",
    "closed",
    "programme",
    "instrument",
    "scaling_route",
    "official",
    "version",
    "recorded_by",
    "recorded_at",
]


def section(con: duckdb.DuckDBPyConnection, user: User) -> None:
    filters = _filters(con, user)
    found = session.attempt(search.search, con, user, **filters)
    if found is None:
        return
    st.caption(
        f"{format.count(len(found), 'lesson')} found, the latest version of each, newest first."
        " A stop with a lesson is a success for the fund: it is learning."
    )
    if found.empty:
        st.info("No lesson matches. Clear a filter to see more.")
        return
    shown = found.assign(tags=search.tag_text(found["tags"]))
    picked = format.table(
        shown[[c for c in SHOWN if c in shown.columns]], key="lessons-found", select="single-row"
    )
    _export(con, user, filters)
    _in_full(shown, picked.selection.rows)


def _in_full(shown: pd.DataFrame, rows: list[int]) -> None:
    """The lesson of the row picked, in full: a table cuts long answers short."""
    if not rows or rows[0] >= len(shown):  # none picked, or picked before a filter changed
        st.caption("Pick a row to read its lesson in full.")
        return
    lesson = shown.iloc[rows[0]]
    st.subheader(format.plain(f"#{lesson['experiment_id']} · {lesson['title']}"), anchor=False)
    evidence_lesson.show(lesson, tags=lesson["tags"])


def _filters(con: duckdb.DuckDBPyConnection, user: User) -> dict[str, object]:
    """The filters as chosen; a blank one keeps everything."""
    text = st.text_input(
        "Search the lessons",
        placeholder="Words in a lesson or an experiment's title, e.g. employers",
        key="lessons-text",
    )
    tag, chosen_verdict, programme, instrument = st.columns(4)
    programmes = register.programmes(con, user)
    names = {
        int(i): name
        for i, name in zip(programmes["programme_id"], programmes["programme"], strict=True)
    }
    return {
        "text": text,
        "tag": tag.text_input("Tag", placeholder="e.g. mentoring", key="lessons-tag"),
        "verdict": chosen_verdict.selectbox(
            "Verdict",
            [v.value for v in Verdict],
            index=None,
            format_func=verdict,
            placeholder="Any verdict",
            key="lessons-verdict",
        ),
        "programme_id": programme.selectbox(
            "Programme",
            list(names),
            index=None,
            format_func=names.get,
            placeholder="Any programme",
            key="lessons-programme",
        ),
        "instrument": instrument.selectbox(
            "Instrument",
            [i.value for i in Instrument],
            index=None,
            format_func=lambda i: labels.value("instrument", i),
            placeholder="Any instrument",
            key="lessons-instrument",
        ),
    }


def _export(con: duckdb.DuckDBPyConnection, user: User, filters: dict[str, object]) -> None:
    """The download, unless the service refuses this reader an export."""
    try:
        data = search.export(con, user, **filters)
    except PermissionDenied:
        return
    st.download_button(
        "Download these lessons (CSV)",
        data,
        file_name="lessons.csv",
        mime="text/csv",
        icon=":material/download:",
        key="lessons-download",
    )
