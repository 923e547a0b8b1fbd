"""Social ventures: the fund's loans, equity stakes and recoverable grants to social ventures.
The fund's paid-in, distributions, residual value, multiples and IRR; each investment with its
terms and metrics; the loans against their schedules and their arrears; the valuations; the
metrics per programme; and the J-curve of cumulative net cash flow. Every reading role sees
them (board members see no officials' names: the services leave them out); fund managers get
the forms."""

import streamlit as st

from fund.auth import Permission
from fund.ventures import metrics, queries
from ui import (
    forms,
    session,
    ventures_charts,
    ventures_forms,
    ventures_metrics,
    ventures_schedule,
    ventures_valuations,
)

user = session.guard(Permission.READ_SUMMARY)
con = session.cursor()
writes = queries.editable(con, user)  # which sections offer forms

st.title("Social ventures")
st.caption(
    "The fund invests in social ventures by loan, equity or recoverable grant and expects"
    " money back: what it has paid in and got back, and what the rest is worth."
)
listing = queries.investments(con, user)
if listing.empty:
    st.info("The fund has no social venture investment with terms yet.")
    if writes:
        st.subheader("Record terms")
        ventures_forms.investment_terms(user)
        st.session_state["ventures-section"] = "Record terms"  # where its success will be said
    st.stop()

measured = metrics.metrics(con, user)
ventures_metrics.headline(measured)
parts = {
    "Investments": lambda: ventures_metrics.investments(listing, measured),
    "Schedules and arrears": lambda: ventures_schedule.section(con, user, listing),
    "Valuations": lambda: ventures_valuations.section(con, user, listing, writes=writes),
    "Programmes": lambda: ventures_metrics.programmes(measured),
    "J-curve": lambda: ventures_charts.section(queries.j_curve(con, user)),
}
if writes:
    parts["Record terms"] = lambda: ventures_forms.investment_terms(user)
forms.sections("ventures-section", parts)
