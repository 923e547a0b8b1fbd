"""Portfolio: where the ring-fenced money stands, and how the portfolio is balanced."""

import streamlit as st

from fund import portfolio
from fund.auth import Permission
from fund.money import format_gbp
from fund.register import Instrument, RiskRating, phase_label
from ui import charts, format, session

user = session.guard(Permission.READ_SUMMARY)
con = session.cursor()

st.title("Portfolio")
dashboard = portfolio.overview(con, user)
figures = dashboard.headline

row = st.columns(4)
row[0].metric("Ring-fence", format_gbp(figures.ring_fence), help="Declared, after virements")
row[1].metric("Allocated", format_gbp(figures.allocated), help="Given to programmes")
row[2].metric("Committed", format_gbp(figures.committed), help="Awarded, contracted, invested")
row[3].metric("Paid", format_gbp(figures.paid), help="Disbursed to date")
row = st.columns(4)
row[0].metric("Available", format_gbp(figures.available), help="Allocated, not yet committed")
row[1].metric("Headroom", format_gbp(figures.headroom), help="Ring-fence not yet allocated")
row[2].metric("Match funding", format_gbp(figures.match_funding), help="Partners' cash and in kind")
row[3].metric(
    "Leverage",
    "–" if figures.leverage is None else f"£{figures.leverage} per £1",
    help="Partner match funding for each £1 of public money committed",
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

st.subheader("Experiments")
choose = st.columns(5)
programme = choose[0].selectbox(
    "Programme", [None, *dashboard.by_programme["programme"]], format_func=lambda v: v or "All"
)
instrument = choose[1].selectbox(
    "Instrument", [None, *Instrument], format_func=lambda v: v.label if v else "All"
)
phase = choose[2].selectbox(
    "Phase", [None, 0, 1, 2, 3, 4], format_func=lambda v: "All" if v is None else phase_label(v)
)
risk = choose[3].selectbox(
    "Risk", [None, *RiskRating], format_func=lambda v: v.value.capitalize() if v else "All"
)
officials = portfolio.officials(con, user)
official = (
    choose[4].selectbox(
        "Responsible official", [None, *officials], format_func=lambda v: v or "All"
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
