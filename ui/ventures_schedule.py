"""The Ventures page's loans: every loan's position against its schedule today (what fell
due, what was repaid against it, the arrears and since when), then the chosen loan's
instalments, each paid, overdue or to come (repayments pay the oldest first). The figures
are :mod:`fund.ventures.queries`'s own."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from fund.money import format_gbp
from fund.ventures import queries
from ui import format

ARREARS = ["commitment_id", "experiment", "counterparty", "due_to_date"]
ARREARS += ["repaid_against_schedule", "arrears", "instalments_overdue", "overdue_since"]
ARREARS += ["days_overdue", "next_due"]
SCHEDULE = ["number", "due_on", "principal", "interest", "amount", "covered", "status"]


def section(con, user, listing: pd.DataFrame) -> None:
    """``listing`` is :func:`fund.ventures.queries.investments`: its loans are offered."""
    loans = listing[listing["investment_type"] == "loan"]
    if loans.empty:
        st.info("The fund has no loan: equity and recoverable grants have no schedule.")
        return
    st.subheader("Loans against their schedules")
    position = queries.arrears(con, user)
    format.table(position[ARREARS], key="ventures-arrears")
    st.caption(
        "Due to date: every instalment due on or before today. Arrears: what of them the"
        " repayments have not covered; overdue since: the oldest instalment not covered."
    )
    chosen = choose(loans)
    instalments = queries.schedule(con, user, chosen)
    st.subheader(f"Schedule of loan #{chosen}")
    owing = position[position["commitment_id"] == chosen]
    if not owing.empty and owing["arrears"].iloc[0] > 0:
        row = owing.iloc[0]
        st.warning(
            f"In arrears by {format_gbp(row['arrears'])}:"
            f" {format.count(int(row['instalments_overdue']), 'instalment')} overdue, the"
            f" oldest for {int(row['days_overdue']):,} days."
        )
    shown = instalments[SCHEDULE].assign(status=instalments["status"].str.capitalize())
    format.table(shown, key="ventures-schedule")
    st.caption(
        "Amount: principal and interest due on the day. Covered: what the loan's repayments"
        " have paid of it, oldest instalment first."
    )


def choose(loans: pd.DataFrame) -> int:
    """The loan whose instalments are shown, by its commitment, experiment and borrower."""
    names = {
        int(row["commitment_id"]): f"#{row['commitment_id']} · {row['experiment']}"
        f" → {row['counterparty']}"
        for row in loans.to_dict("records")
    }
    return st.selectbox("Loan", list(names), format_func=names.get, key="ventures-loan")
