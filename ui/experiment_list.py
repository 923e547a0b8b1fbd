"""The Experiments page's list: every experiment with its money, phase, programme and
responsible official. Picking a row opens that experiment in the editor below, as choosing
it in the select box does."""

from __future__ import annotations

import streamlit as st

from fund import portfolio, register
from fund.auth import User
from ui import format, session

SHOWN = ["experiment_id", "title", "phase", "official", "committed", "paid", "programme"]
CHOICE = "experiment-choice"  # the select box's key: what the editor below shows
_PICKED = "experiment-list-picked"  # the row picked in the table the last time it changed


def choose(user: User) -> int | None:
    """Show the list and the select box; the experiment chosen in either, or None for a new one."""
    con = session.cursor()
    listing = portfolio.experiments(con, user)[SHOWN]
    st.caption(f"{format.count(len(listing), 'experiment')}; pick one to edit it below.")
    ids = [int(i) for i in listing["experiment_id"]]
    # A pick is a row position, so the table is a new one (nothing picked) whenever its rows
    # change: an experiment added or renamed must not turn a pick into another experiment.
    key = f"experiment-list-{hash(tuple(ids))}"
    picked = format.table(listing, key=key, select="single-row", height=320)
    _follow(picked.selection.rows, ids)
    labels = register.experiment_choices(con, user)
    label = dict(zip(labels["experiment_id"], labels["label"], strict=True))
    return st.selectbox(
        "Experiment",
        [None, *(int(i) for i in labels["experiment_id"])],
        format_func=lambda v: "New experiment…" if v is None else label[v],
        key=CHOICE,
    )


def _follow(rows: list[int], ids: list[int]) -> None:
    """A row newly picked in the table becomes the select box's choice. Only a new pick: the
    table keeps showing its pick while the person chooses another in the select box."""
    picked = ids[rows[0]] if rows and rows[0] < len(ids) else None
    if picked != st.session_state.get(_PICKED):
        st.session_state[_PICKED] = picked
        if picked is not None:
            st.session_state[CHOICE] = picked
