"""Allocate: move money from the ring-fence to programmes, commitments and payments."""

import streamlit as st

from fund.auth import Permission
from ui import approval_queue, forms, money_forms, payment_run, reversal, session, standing

user = session.guard(Permission.ALLOCATE)

st.title("Allocate")
forms.sections(
    "allocate-section",
    {
        "Allocate": lambda: money_forms.allocate(user),
        "Commit": lambda: money_forms.commit(user),
        "Record a payment": lambda: money_forms.record(user),
        "Payment run": lambda: payment_run.section(user),
        "Reverse": lambda: reversal.section(user),
        "Request a virement": lambda: money_forms.virement(user),
        "Approvals": lambda: approval_queue.section(user),
    },
)
with st.expander("Where the money stands", expanded=True):
    standing.tables(user)
