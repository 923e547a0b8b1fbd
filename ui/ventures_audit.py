"""Social venture loans in arrears, for the auditor on the Audit page: each loan whose
repayments have not covered what fell due by today (:func:`fund.ventures.queries.arrears`),
longest overdue first."""

from __future__ import annotations

import streamlit as st

from fund.auth import User
from fund.ventures import queries
from ui import format

SHOWN = ["commitment_id", "experiment", "counterparty", "due_to_date", "repaid_against_schedule"]
SHOWN += ["arrears", "instalments_overdue", "overdue_since", "days_overdue", "next_due"]


def section(con, user: User) -> None:
    """The loans in arrears; "none" when every loan is up to date."""
    behind = queries.arrears(con, user, behind=True)
    if behind.empty:
        st.caption("None: every loan's repayments cover what has fallen due.")
        return
    format.table(behind[SHOWN], key="ventures-audit-arrears")
    st.caption(
        "Arrears: instalments due on or before today that the loan's repayments (oldest"
        " first) have not covered; days overdue count from the oldest of them."
    )
