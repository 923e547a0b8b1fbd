"""The approvals queue of the Allocate page: each waiting request, to approve or reject.

The four-eyes rule itself is enforced in :func:`fund.ledger.decide`; the person who asked
sees their own request with Approve disabled, and may withdraw it.
"""

import pandas as pd
import streamlit as st

from fund import ledger
from fund.auth import User
from ui import format, session


def show(pending: pd.DataFrame, user: User) -> None:
    """Every request waiting for a second fund manager, with its decision buttons."""
    if pending.empty:
        st.info("Nothing is waiting for approval.")
    for request in pending.itertuples():
        with st.container(border=True):
            format.table(pending[pending["request_id"] == request.request_id])
            own = request.requested_by == user.username
            if own:
                st.caption(
                    "You made this request, so another fund manager must approve it. You may withdraw it."
                )
            reason = st.text_input(
                "Reason for the decision", key=f"decide-reason-{request.request_id}"
            )
            approve, reject = st.columns(2)
            if approve.button(
                "Approve", key=f"approve-{request.request_id}", disabled=own, type="primary"
            ):
                _decide(request.request_id, approve=True, reason=reason)
            if reject.button("Withdraw" if own else "Reject", key=f"reject-{request.request_id}"):
                _decide(request.request_id, approve=False, reason=reason)


def _decide(request_id: int, *, approve: bool, reason: str) -> None:
    session.write(
        f"decide-{request_id}", ledger.decide, request_id=request_id, approve=approve, reason=reason
    )
