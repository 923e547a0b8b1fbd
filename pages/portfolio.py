"""Portfolio: where the ring-fenced money stands, and how the portfolio is balanced."""

import streamlit as st

from fund import labels, portfolio
from fund.auth import Permission
from fund.register import Instrument, RiskRating
from ui import charts, format, pbr_position, session, sroi_position

# The headline figures shown, in order; named and explained as everywhere (fund.labels).
SHOWN = ["ring_fence", "allocated", "committed", "paid", "available", "headroom"]
SHOWN += ["match_funding", "leverage"]

user = session.guard(Permission.READ_SUMMARY)
con = session.cursor()

st.title("Portfolio")
dashboard = portfolio.overview(con, user)
figures = dashboard.headline

# The figures wrap onto more rows rather than cut an amount short ("£5,000,00…").
shown_figures = st.container(horizontal=True, gap="medium")
for name in SHOWN:
    shown_figures.metric(
        labels.FIGURES[name],
        labels.figure(name, getattr(figures, name)),
        help=labels.FIGURE_HELP[name],
        width="content",
    )

left, right = st.columns(2)
left.plotly_chart(
    charts.money_bars(
        dashboard.by_programme,
        "programme",
        ["allocated", "committed", "paid"],
        "Allocation by programme",
    ),
    width="stretch",
)
right.plotly_chart(
    charts.money_bars(
        dashboard.by_instrument, "instrument", ["committed", "paid"], "Commitments by instrument"
    ),
    width="stretch",
)
st.plotly_chart(charts.burn(dashboard.burn), width="stretch")

st.subheader("Portfolio balance")
left, right = st.columns(2)
left.plotly_chart(
    charts.money_bars(dashboard.by_phase, "phase", ["committed", "paid"], "By lifecycle phase"),
    width="stretch",
)
right.plotly_chart(
    charts.money_bars(dashboard.by_risk, "risk_rating", ["committed", "paid"], "By risk rating"),
    width="stretch",
)

sroi_position.section(con, user)
pbr_position.section(con, user)

st.subheader("Experiments")
choose = st.columns(5)
programme = choose[0].selectbox(
    labels.heading("programme"),
    [None, *dashboard.by_programme["programme"]],
    format_func=lambda v: v or "All",
)
instrument = choose[1].selectbox(
    labels.heading("instrument"),
    [None, *Instrument],
    format_func=lambda v: labels.value("instrument", v) if v else "All",
)
phase = choose[2].selectbox(
    labels.heading("phase"),
    [None, *labels.PHASES],
    format_func=lambda v: "All" if v is None else labels.PHASES[v],
)
risk = choose[3].selectbox(
    labels.heading("risk_rating"),
    [None, *RiskRating],
    format_func=lambda v: labels.value("risk_rating", v) if v else "All",
)
officials = portfolio.officials(con, user)
official = (
    choose[4].selectbox(
        labels.heading("official"), [None, *officials], format_func=lambda v: v or "All"
    )
    if officials
    else None
)
listing = portfolio.experiments(
    con,
    user,
    programme=programme,
    instrument=instrument,
    phase=phase,
    risk_rating=risk,
    official=official,
    within=dashboard,
)
shown = [
    "title",
    "programme",
    "instrument",
    "phase",
    "risk_rating",
    "official",
    "committed",
    "paid",
    "match_funding",
]
format.table(listing[[c for c in shown if c in listing.columns]])
st.caption(
    f"{format.count(len(listing), 'experiment')}. Money in £; committed and paid are net of reversals."
)
