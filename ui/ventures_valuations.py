"""The Ventures page's valuations: what each investment was worth on a day and on what basis,
oldest first (who recorded each, only for those who may see people: the query leaves the
name out for board members); a fund manager also records one."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from fund.ventures import queries
from ui import format, ventures_forms

SHOWN = ["valuation_id", "commitment_id", "experiment", "valued_on", "value", "basis"]
SHOWN += ["recorded_by", "recorded_at", "reason"]


def section(con, user, listing: pd.DataFrame, *, writes: bool) -> None:
    """``listing`` is :func:`fund.ventures.queries.investments`: what may be valued."""
    found = queries.valuations(con, user)
    if found.empty:
        st.info("No investment has been valued yet: each is held at cost.")
    else:
        format.table(found[[c for c in SHOWN if c in found.columns]], key="ventures-valuations")
        st.caption(
            "A valuation moves no money: it gives the residual value, rolled forward by what"
            " is paid in or got back after it. A later valuation supersedes an earlier one."
        )
    if writes:
        ventures_forms.valuation(listing)
