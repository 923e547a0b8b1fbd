"""The Portfolio page's SROI by programme and by instrument: the sum of present values over
the sum of inputs of the experiments with an impact map, never an average of their ratios,
and how many of those maps are incomplete."""

from __future__ import annotations

import duckdb
import streamlit as st

from fund import labels
from fund.auth import User
from fund.money import format_gbp
from fund.sroi import views
from ui import format

SHOWN = [
    "sroi_ratio",
    "inputs",
    "present_value",
    "net_present_value",
    "impact_maps",
    "incomplete",
    "without_inputs",
]


def section(con: duckdb.DuckDBPyConnection, user: User) -> None:
    st.subheader("SROI by programme and instrument")
    sliced = views.positions(con, user)
    fund = sliced[None]
    if fund.empty:
        st.caption("No experiment has an impact map yet (see the SROI page).")
        return
    whole = fund.iloc[0]
    incomplete, without = int(whole["incomplete"]), int(whole["without_inputs"])
    st.caption(
        f"The fund: {labels.ratio(whole['sroi_ratio'])} on inputs of"
        f" {format_gbp(whole['inputs'])}, over {format.count(int(whole['impact_maps']), 'impact map')}"
        f" (latest versions), {incomplete:,} of them incomplete; money in £ at"
        f" {format.plain(whole['price_years'])} prices. Each ratio is the sum of present values"
        " over the sum of inputs, never an average of ratios"
        + (
            f"; {format.count(without, 'map has', 'maps have')} no inputs yet and count in none."
            if without
            else "."
        )
    )
    if incomplete:
        st.warning(
            f"{format.count(incomplete, 'impact map is', 'impact maps are')} incomplete: a"
            " deduction or a typed proxy is unexplained, so the ratios below rest on it.",
            icon=":material/warning:",
        )
    for by in ("programme", "instrument"):
        found = sliced[by][[by, *SHOWN]]
        format.table(found.assign(sroi_ratio=found["sroi_ratio"].map(labels.ratio)))
