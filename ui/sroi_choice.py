"""The SROI page's choice: an experiment (those with an impact map first), then a version of
its map (the latest unless the person picks an older one).

Each option's words never change once shown (no "map v2", no "latest: version 2"): Streamlit
keeps a select box's choice by its words, and a label that changed after a save would show
the old words or drop the choice (streamlit/streamlit#11268, #13788). What the report used is
named under the select boxes instead."""

from __future__ import annotations

import duckdb
import streamlit as st

from fund.auth import User
from fund.sroi import views

LATEST = 0  # the version select box's first option: whatever is newest on this run


def experiment(con: duckdb.DuckDBPyConnection, user: User) -> int | None:
    """The experiment chosen, or None when the fund has none yet."""
    found = views.choices(con, user)
    if found.empty:
        return None
    ids = [int(i) for i in found["experiment_id"]]
    words = dict(zip(ids, found["label"], strict=True))
    mapped = int((found["versions"] > 0).sum())
    return st.selectbox(
        "Experiment",
        ids,
        format_func=words.get,
        key="sroi-experiment",
        help=f"Type to search. Experiments with an impact map ({mapped:,} of {len(ids):,})"
        " come first.",
    )


def version(
    con: duckdb.DuckDBPyConnection, user: User, experiment_id: int
) -> tuple[int | None, list[views.Version]]:
    """The version chosen (None: the latest) and every version, newest first."""
    found = views.versions(con, user, experiment_id)
    if not found:
        return None, found
    words = {v.number: v.words() for v in found}
    chosen = st.selectbox(
        "Version",
        [LATEST, *words],
        format_func=lambda n: "The latest version" if n == LATEST else words[n],
        key=f"sroi-version-{experiment_id}",
    )
    return (None if chosen == LATEST else chosen), found
