"""The Evidence page's choice of experiment, from the frame of every experiment as a test.

Each option's words never change once shown (the number and title, no verdict or status):
Streamlit keeps a select box's choice by its words, and a label that changed after a save
would drop the choice (see :mod:`ui.sroi_choice`).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from fund.evidence.judgement import NO_REGISTERED_PLAN


def experiment(judged: pd.DataFrame) -> pd.Series | None:
    """The chosen experiment's row of the frame, or None when the fund has none yet."""
    if judged.empty:
        return None
    ids = [int(i) for i in judged["experiment_id"]]
    words = {i: f"#{i} · {title}" for i, title in zip(ids, judged["title"], strict=True)}
    held = int((judged["plan_status"] == NO_REGISTERED_PLAN).sum())
    chosen = st.selectbox(
        "Experiment",
        ids,
        format_func=words.get,
        key="evidence-experiment",
        help="Type to search by number or title."
        + (f" {held:,} hold money with no registered plan." if held else ""),
    )
    return judged.loc[judged["experiment_id"] == chosen].iloc[0]
