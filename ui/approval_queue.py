"""The approvals queue of the Allocate page: each waiting request as a card, to decide.

The four-eyes rule itself is enforced in :func:`fund.ledger.decide`; the person who asked
sees their own request with Approve disabled, and may withdraw it.
"""

import streamlit as st

from fund import ledger
from fund.auth import User
from fund.money import format_gbp
from ui import format, forms, session


def section(user: User) -> None:
    """How many requests wait, then each one as a readable card with its decision."""
    pending = ledger.pending(session.cursor(), user)
    forms.show_outcome("approvals")
    if pending.empty:
        st.info("Nothing is waiting for approval.")
        return
    st.write(f"**{format.count(len(pending), 'request')} waiting for a second fund manager.**")
    for request in pending.to_dict("records"):
        with st.container(border=True):
            _card(request, own=request["requested_by"] == user.username)


def _card(request: dict, *, own: bool) -> None:
    number = request["request_id"]
    st.markdown(f"**Request #{number}: {format.plain(what(request))}**")
    st.text(
        f"Asked by {request['asked_by']} on {request['requested_at']:%d/%m/%Y at %H:%M} UTC"
        f"\nWhy: {request['reason']}"
    )
    if own:
        st.caption(
            "You made this request, so another fund manager must approve it. You may withdraw it."
        )
    reason = st.text_input("Reason for the decision", key=f"decide-reason-{number}")
    approve, reject = st.columns(2)
    if approve.button("Approve", key=f"approve-{number}", disabled=own, type="primary"):
        _decide(number, approve=True, reason=reason)
    if reject.button("Withdraw" if own else "Reject", key=f"reject-{number}"):
        _decide(number, approve=False, reason=reason)


def what(request: dict) -> str:
    """'Virement of £20,000.00 from Youth services to Ageing well', or a commitment's award."""
    amount = format_gbp(request["amount"])
    if request["kind"] == "virement":
        source = request["from_programme"] or request["from_ringfence"]
        target = request["to_programme"] or request["to_ringfence"]
        return f"virement of {amount} from {source} to {target}"
    return (
        f"commitment of {amount} to {request['counterparty']} for {request['experiment']}"
        " (above the delegated limit)"
    )


def _decide(request_id: int, *, approve: bool, reason: str) -> None:
    forms.write(
        "approvals",
        ledger.decide,
        request_id=request_id,
        approve=approve,
        reason=reason,
    )
