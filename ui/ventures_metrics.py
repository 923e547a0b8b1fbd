"""The Ventures page's figures: the fund's headline metrics (paid in, got back, what the rest
is worth, the multiples and the rate, or why there is none), each investment with its money
and metrics, and the metrics per programme. The figures are the services' own
(:func:`fund.ventures.metrics.metrics`); here they are only written as people read them."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from fund import labels
from fund.money import format_gbp
from fund.ventures.metrics import Metrics
from ui import format

HELP = {
    "paid_in": "Disbursed to the ventures: every drawdown",
    "distributions": "Got back: repayments, interest, dividends, sale proceeds",
    "residual_value": "What the investments still held are worth: the latest valuation rolled"
    " forward by the money moved since (never valued: at cost)",
    "dpi": "Distributions ÷ paid in",
    "rvpi": "Residual value ÷ paid in",
    "tvpi": "(Distributions + residual value) ÷ paid in",
    "irr": "The rate of the dated flows, with the residual value as a final flow (XIRR)",
}
MONEY = ["paid_in", "distributions", "residual_value"]
MULTIPLES = ["dpi", "rvpi", "tvpi"]

INVESTMENTS = ["commitment_id", "experiment", "counterparty", "investment_type", "committed"]
INVESTMENTS += ["follow_on_reserve", "paid_in", "distributions", "written_off", "residual_value"]
INVESTMENTS += ["valued_on", "basis", "dpi", "rvpi", "tvpi", "irr"]
TERMS = ["commitment_id", "experiment", "programme", "investment_type", "principal"]
TERMS += ["interest_rate", "starts_on", "grace_months", "instalments", "every_months", "stake"]
TERMS += ["official", "recorded_by", "recorded_at", "reason"]
PROGRAMMES = ["programme", "investments", "paid_in", "distributions", "written_off"]
PROGRAMMES += ["residual_value", "dpi", "rvpi", "tvpi", "irr"]


def multiple(value) -> str:
    """0.14×; '–' when nothing was paid in."""
    return "–" if value is None or pd.isna(value) else f"{value:.2f}×"


def percent(value) -> str | None:
    """A percentage as recorded, 7.25 (its heading says %): a decimal column that is not
    money, which a table would otherwise show in £."""
    return None if value is None or pd.isna(value) else f"{value.normalize():f}"


def rate(value, why) -> str:
    """12.34%, or why there is no rate."""
    return f"no rate: {why}" if value is None or pd.isna(value) else f"{value:.2%}"


def headline(measured: Metrics) -> None:
    """The fund's figures as metrics, the reason beneath when there is no rate."""
    fund = measured.fund
    figures = st.container(horizontal=True, gap="medium")
    for name in MONEY:
        figures.metric(
            labels.heading(name), format_gbp(fund[name]), help=HELP[name], width="content"
        )
    for name in MULTIPLES:
        figures.metric(labels.heading(name), multiple(fund[name]), help=HELP[name], width="content")
    irr = fund["irr"]
    figures.metric("IRR", "–" if pd.isna(irr) else f"{irr:.2%}", help=HELP["irr"], width="content")
    held = format.count(int(fund["investments"]), "investment")
    st.caption(f"The fund's {held} with terms, as at {measured.as_of.strftime(labels.DATE)}.")
    if pd.isna(irr):
        st.caption(f"No IRR yet: {format.plain(str(fund['irr_reason']))}.")


def _written(rows: pd.DataFrame) -> pd.DataFrame:
    """Multiples and rates as text: 1.25×, 12.34% or why there is no rate."""
    return rows.assign(
        **{name: rows[name].map(multiple) for name in MULTIPLES},
        irr=[rate(r, why) for r, why in zip(rows["irr"], rows["irr_reason"], strict=True)],
    )


def investments(listing: pd.DataFrame, measured: Metrics) -> None:
    """Each investment: its commitment and reserve beside its metrics, then its terms.
    ``listing`` is :func:`fund.ventures.queries.investments` (its money is today's; the
    metrics' is as at the day they were computed, so the metrics' is shown)."""
    terms = listing[["commitment_id", "experiment", "counterparty", "investment_type"]]
    terms = terms.assign(
        committed=listing["committed"], follow_on_reserve=listing["follow_on_reserve"]
    )
    merged = terms.merge(
        measured.investments.drop(columns=["programme_id", "level"]).astype(
            {"commitment_id": "int64"}
        ),
        on="commitment_id",
        how="left",
    )
    format.table(_written(merged)[INVESTMENTS], key="ventures-investments")
    st.caption(
        "Committed: what the commitment holds; the follow-on reserve is set aside for later"
        " rounds, apart from it. Residual value: the latest valuation (on the date and basis"
        " shown) rolled forward by the money moved since; never valued, at cost; written off"
        " in full, nothing."
    )
    st.subheader("Terms")
    shown = listing.assign(**{c: listing[c].map(percent) for c in ("interest_rate", "stake")})
    format.table(shown[[c for c in TERMS if c in listing.columns]], key="ventures-terms")
    st.caption(
        "A loan's principal, rate and schedule make its instalments; equity states the stake"
        " held. Terms are recorded once: a restructured loan is a new commitment."
    )


def programmes(measured: Metrics) -> None:
    """The metrics of each programme's investments."""
    format.table(_written(measured.programmes)[PROGRAMMES], key="ventures-programmes")
    st.caption(
        "Each programme's investments taken together: their money summed, their multiples"
        " and rate worked out on the sums and on all their dated flows at once."
    )
