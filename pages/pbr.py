"""Payment by results: the fund's PbR contracts, each with its terms and rate card (what each
metric has earned), cohorts, outcome claims, exposure and its social investors' returns.
Fund managers record claims and add contracts; auditors and board members read (board
members see no officials' names: the services leave them out)."""

import streamlit as st

from fund.auth import Permission
from fund.pbr import contracts
from ui import forms, pbr_claims, pbr_contract, pbr_exposure, pbr_new_contract, session

user = session.guard(Permission.READ_SUMMARY)
con = session.cursor()
writes = contracts.editable(con, user)  # which sections offer forms

st.title("Payment by results")
st.caption(
    "A payment-by-results contract pays only for verified outcomes: never more than verified"
    " outcomes × price, within each metric's cap and the contract's overall cap."
)
listing = contracts.contracts(con, user)
if listing.empty:
    st.info("The fund has no payment-by-results contracts yet.")
    if writes:
        st.subheader("Add a contract")
        pbr_new_contract.section(user)
        st.session_state["pbr-section"] = "Add a contract"  # where its success will be said
    st.stop()

chosen = contracts.contract(con, user, pbr_contract.choose(listing))
parts = {
    "Contract": lambda: pbr_contract.section(chosen),
    "Claims": lambda: pbr_claims.section(con, user, chosen, writes=writes),
    "Exposure": lambda: pbr_exposure.section(con, user, chosen),
    "Investors": lambda: pbr_exposure.investor_returns(con, user, chosen),
}
if writes:
    parts["Add a contract"] = lambda: pbr_new_contract.section(user)
forms.sections("pbr-section", parts)
