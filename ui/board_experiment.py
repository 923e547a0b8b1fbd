"""The Board page's chosen experiment: the tornado and Monte Carlo charts of one experiment's
SROI, by the version of its impact map that stood at the board's date, drawn as the SROI page
draws them (:func:`fund.sroi.views.sensitivities`, :mod:`ui.sroi_charts`)."""

from __future__ import annotations

import duckdb
import streamlit as st

from fund import labels
from fund.auth import User
from fund.board.view import BoardView
from fund.sroi import report, views
from ui import format, session, sroi_charts

TORNADO_BARS = 15  # the widest swings, as on the SROI page


def section(con: duckdb.DuckDBPyConnection, user: User, view: BoardView) -> None:
    st.header("One experiment's sensitivity")
    mapped = view.sroi.experiments
    if mapped.empty:
        st.write("No experiment had an impact map by this date.")
        return
    versions = dict(zip(mapped["experiment_id"].astype(int), mapped["version"], strict=True))
    words = {
        int(i): f"#{i} · {title}"
        for i, title in zip(mapped["experiment_id"], mapped["title"], strict=True)
    }
    chosen = st.selectbox(
        "Experiment",
        list(words),
        format_func=words.get,
        key="board-experiment",
        help="Experiments with an impact map by the date. Type to search.",
    )
    found = session.attempt(
        report.report, con, user, chosen, int(versions[chosen]), cutoff=view.cutoff
    )
    if found is None:
        return
    st.caption(
        format.plain(
            f"Version {found.stored.version} of its impact map, the latest by the date, on the"
            " money its ledger had paid by then (partners' match funding as it stands now)."
            f" Ratio {labels.ratio(found.result.sroi_ratio)}."
        )
    )
    if found.result.sroi_ratio is None:
        st.write("Nothing has been paid or pledged to this experiment: no ratio to test.")
        return
    with st.spinner("Drawing 10,000 variations of the map…"):
        tested = session.attempt(views.sensitivities, found, default_ranges=True)
    if tested is None:
        return
    point = tested.monte_carlo.point
    # Full width, one under the other: the tornado's bars are named in sentences.
    st.plotly_chart(
        sroi_charts.tornado(tested.tornado.head(TORNADO_BARS), point),
        width="stretch",
        key="board-tornado",
    )
    st.plotly_chart(
        sroi_charts.monte_carlo(tested.monte_carlo.ratios, tested.monte_carlo.p_above_one, point),
        width="stretch",
        key="board-monte-carlo",
    )
    st.caption(
        "Assumptions the map gives no range for swing and are drawn over the default ranges"
        " (marked * in the tornado)."
    )
