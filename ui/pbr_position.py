"""The Portfolio page's payment-by-results figures: every contract's exposure, summed."""

from __future__ import annotations

import streamlit as st

from fund import labels
from fund.auth import User
from fund.pbr import exposure
from ui import format

HELP = {
    "maximum_liability": "The contracts' commitments: the most they may ever pay",
    "earned": "Verified outcomes × price, within the caps",
    "paid": "Paid on the contracts, net of recoveries",
    "verified_unpaid": "Earned by verified outcomes, not yet paid",
    "contingent_liability": "What the rest of the contracts could still cost",
    "to_recover": "Paid beyond what is earned, after a verification was reversed",
    "forecast": "Outcome payments the contracts' expected outcomes would still bring",
}


def section(con, user: User) -> None:
    """The summed exposure, when the fund has PbR contracts; nothing otherwise."""
    table = exposure.exposure(con, user)
    if table.empty:
        return
    st.subheader("Payment by results")
    total = exposure.totals(table)
    figures = st.container(horizontal=True, gap="medium")
    for name in exposure.MONEY:
        figures.metric(
            labels.heading(name), labels.figure(name, total[name]), help=HELP[name], width="content"
        )
    st.caption(
        f"Summed over {format.count(len(table), 'contract')}; each one is on the"
        " Payment by results page."
    )
