"""The Lessons page's learning: the fund's learning metrics, the same by programme with the
evidence levels each reached, and the officials' scorecard for those who may see who is
responsible (the service refuses it to board members, who see no names anywhere here).

A failure with a lesson counts as learning, never as a mark against anyone: the scorecard
lists officials by name, never by their wins.
"""

from __future__ import annotations

import duckdb
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from fund import labels
from fund.auth import User
from fund.errors import PermissionDenied
from fund.lessons import learning
from fund.lessons.learning import FIGURES, LEVELS, VERDICTS
from fund.money import format_gbp
from ui import format, session
from ui.sroi_charts import text

# From no level (grey) through ever darker blues to level 5: a progression, read at a glance.
_LEVEL_COLOURS = ("#bdc3c7", "#c6dbef", "#9ecae1", "#4292c6", "#2171b5", "#08306b")
HEADLINE = [
    "experiments",
    "ended",
    "lessons",
    "share_with_lesson",
    "failures_documented",
    "median_days_to_lesson",
    "cost_per_lesson",
]
BY_PROGRAMME = [
    "programme",
    "experiments",
    "ended",
    "lessons",
    "share_with_lesson",
    "failures_documented",
    "median_days_to_lesson",
    "paid",
    "cost_per_lesson",
    "highest_level",
]
SCORECARD = [
    "official",
    "experiments",
    "learning",
    "failures_documented",
    *(f"verdict_{v}" for v in VERDICTS),
    "verdict_none",
    "highest_level",
    "sroi_ratio",
    "impact_maps",
]


def section(con: duckdb.DuckDBPyConnection, user: User) -> None:
    fund = session.attempt(learning.learning, con, user)
    if fund is None:
        return
    _headline(fund.iloc[0])
    by_programme = session.attempt(learning.learning, con, user, by="programme")
    if by_programme is not None and not by_programme.empty:
        st.subheader("By programme")
        table(by_programme[BY_PROGRAMME])
        st.plotly_chart(levels_chart(by_programme), width="stretch", key="lessons-levels")
    _scorecard(con, user)


def _headline(fund: pd.Series) -> None:
    shown = st.container(horizontal=True, gap="medium")
    for name in HEADLINE:
        shown.metric(FIGURES[name], words(name, fund[name]), width="content")
    st.caption(
        "An experiment has ended when it is closed or its review date has passed. Failures"
        " documented are stop verdicts with a lesson: they count as learning. Cost per lesson"
        " is the money paid out over the lessons documented."
    )


def words(name: str, value: object) -> str:
    """A learning figure as people read it: a share as a percentage, money in £."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "–"
    if name == "share_with_lesson":
        return f"{float(value):.0%}"
    if name in ("paid", "cost_per_lesson"):
        return format_gbp(value)
    if name == "median_days_to_lesson":
        return f"{float(value):,.0f} days"
    if name == "sroi_ratio":
        return labels.ratio(value)
    return f"{value:,}"


def table(frame: pd.DataFrame) -> None:
    """Learning figures under their names; money stays money, shares and ratios as words."""
    texts = {
        name: frame[name].map(lambda v, n=name: words(n, v))
        for name in ("share_with_lesson", "median_days_to_lesson", "sroi_ratio")
        if name in frame
    }
    renamed = {n: FIGURES[n] for n in frame.columns if n in FIGURES and n not in labels.HEADINGS}
    format.table(frame.assign(**texts).rename(columns=renamed))


def levels_chart(by_programme: pd.DataFrame) -> go.Figure:
    """How many of each programme's experiments reached each evidence level."""
    names = [text(n) for n in by_programme["programme"]]
    bars = [
        go.Bar(
            name=f"Level {level}",
            y=names,
            x=by_programme[f"level_{level}"].astype(int),
            orientation="h",
            marker_color=_LEVEL_COLOURS[level],
            hovertemplate="%{y}<br>" + f"Level {level}: " + "%{x}<extra></extra>",
        )
        for level in LEVELS
    ]
    layout = {
        "title": {"text": "Evidence levels reached (Nesta Standards of Evidence), by programme"},
        "barmode": "stack",
        "xaxis": {"title": {"text": "Experiments"}},
        "yaxis": {"automargin": True, "autorange": "reversed"},
        "legend": {
            "orientation": "h",
            "yanchor": "bottom",
            "y": 1.0,
            "x": 0,
            "traceorder": "normal",
        },
        "height": 160 + 40 * len(names),
        "margin": {"t": 90, "b": 10, "l": 10, "r": 10},
    }
    return go.Figure(bars, layout=layout)


def _scorecard(con: duckdb.DuckDBPyConnection, user: User) -> None:
    """The officials' scorecard, unless the service refuses this reader the names in it."""
    try:
        found = learning.learning(con, user, by="official")
    except PermissionDenied:
        return
    st.subheader("Officials' scorecard")
    st.caption(
        "Experiments each responsible official ran, the lessons they documented (failures"
        " included: a stop with a good lesson is learning, not a mark against anyone), their"
        " verdicts, the highest evidence level reached and the SROI of their experiments."
        " Listed by name, never ranked."
    )
    table(found[SCORECARD])
