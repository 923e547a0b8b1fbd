"""The SROI page's result: which version it used, whether the map is complete, the headline
figures, the value by year, and the inputs traced to the ledger entries behind them."""

from __future__ import annotations

import duckdb
import streamlit as st

from fund import labels
from fund.auth import User
from fund.money import format_gbp
from fund.sroi import views
from fund.sroi.report import Report
from ui import format, sroi_charts


def headline(report: Report, version: views.Version) -> None:
    """The version the report used, a warning if the map is incomplete, and its figures."""
    result = report.result
    st.caption(format.plain(f"Computed from {version.words()}."))
    incomplete(report)
    shown = st.container(horizontal=True, gap="medium")
    ratio = "SROI ratio" if result.complete else "SROI ratio (incomplete map)"
    for label, value, why in (
        ("Present value", format_gbp(result.present_value), "Every year's value, discounted"),
        ("Inputs", format_gbp(result.inputs_total), "Paid less recovered, plus match funding"),
        ("Net present value", format_gbp(result.net_present_value), "Present value less inputs"),
        (ratio, labels.ratio(result.sroi_ratio), "Present value ÷ inputs"),
        ("Net SROI ratio", labels.ratio(result.net_sroi_ratio), "Net present value ÷ inputs"),
        (
            "Payback",
            views.payback_words(result.payback_months),
            "Inputs ÷ (year 1's value ÷ 12)",
        ),
    ):
        shown.metric(label, value, help=why, width="content")
    price_year = report.impact_map.price_year or "–"
    st.caption(
        format.plain(
            f"Money in £ at {price_year} prices. Discounted by {views.discount_words(report)}."
        )
    )


def incomplete(report: Report) -> None:
    """Say so, where the ratio is shown, when a deduction or a typed proxy goes unexplained."""
    gaps = views.gap_lines(report)
    if not gaps:
        return
    lines = "\n".join(f"- {format.plain(line)}" for line in gaps)
    st.warning(
        f"**This impact map is incomplete**: its ratio rests on"
        f" {format.count(len(gaps), 'figure')} without a justification or a source.\n\n{lines}",
        icon=":material/warning:",
    )


def details(con: duckdb.DuckDBPyConnection, user: User, report: Report) -> None:
    """Value by year, then the inputs and the ledger entries behind them."""
    if report.impact_map.outcomes:
        st.plotly_chart(
            sroi_charts.values_by_year(views.values_by_year(report)),
            width="stretch",
            key="sroi-values-by-year",
        )
    st.subheader("Inputs, traced to the ledger")
    st.caption(
        "Inputs are never typed: they are what the ledger paid the experiment's commitments,"
        " less recoveries, and its partners' match funding."
    )
    found = views.inputs(report)
    if found.empty:
        st.info("Nothing has been paid or pledged to this experiment yet, so it has no ratio.")
    else:
        format.table(found)
    entries = views.ledger_entries(con, user, report.experiment.experiment_id)
    if entries is None:
        return
    st.write("The ledger's disbursements and recoveries for this experiment, newest first:")
    if entries.empty:
        st.caption("None yet.")
    else:
        format.table(entries)
