"""Verification: outcome claims of the payment-by-results contracts, awaiting an independent
verifier's decision (accept, part-accept or reject, with a reason), and decided ones, which
can be reversed. Auditors only."""

import streamlit as st

from fund.auth import Permission
from fund.pbr import claims
from ui import forms, pbr_verify, session

user = session.guard(Permission.VERIFY_OUTCOMES)
con = session.cursor()

st.title("Verification")
st.caption(
    "Only verified outcomes earn. A claim is verified by an auditor independent of it: never"
    " the person who recorded it, never someone who has paid on its contract. Every decision"
    " gives its reason; a decision is never edited, only reversed."
)
table = claims.claims(con, user)
forms.sections(
    "verification-section",
    {
        "Awaiting verification": lambda: pbr_verify.awaiting(table),
        "Decided": lambda: pbr_verify.decided(table),
    },
)
