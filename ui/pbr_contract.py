"""The PbR page's contract: which one is shown, its terms, its rate card with what each
metric has earned, its cohorts and its expected-outcomes profile."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from fund.money import format_gbp
from fund.pbr.contracts import Contract
from ui import format


def choose(listing: pd.DataFrame) -> int:
    """The contract the page is about, picked by its number, name and provider."""
    names = {
        int(row["contract_id"]): f"#{row['contract_id']} · {row['name']} ({row['provider']})"
        for row in listing.to_dict("records")
    }
    return st.selectbox("Contract", list(names), format_func=names.get, key="pbr-contract")


def terms(chosen: Contract) -> None:
    """The terms as agreed: who provides and who pays, the term, the caps, the baseline rule
    and the verifier; user text shown as text."""
    per_participant = (
        "none" if chosen.max_per_participant is None else format_gbp(chosen.max_per_participant)
    )
    st.text(
        f"Provider: {chosen.provider}\n"
        f"Outcome payer: {chosen.outcome_payer}\n"
        f"Term: {chosen.starts_on:%d/%m/%Y} to {chosen.ends_on:%d/%m/%Y}\n"
        f"Commitment: #{chosen.commitment_id} (its amount is the overall cap)\n"
        f"Most one participant may earn: {per_participant}\n"
        f"Verifier: {chosen.verifier}\n"
        f"Baseline rule: {chosen.baseline_rule}"
    )


def section(chosen: Contract) -> None:
    terms(chosen)
    st.subheader("Rate card")
    st.caption(
        "What one verified outcome earns, each metric's cap (blank: none of its own), how many"
        " outcomes are verified, and what they have earned within the caps."
    )
    format.table(chosen.rate_card)
    left, right = st.columns(2)
    with left:
        st.subheader("Cohorts")
        format.table(chosen.cohorts)
    with right:
        st.subheader("Expected outcomes")
        if chosen.expected.empty:
            st.caption("No expected-outcomes profile: nothing to forecast from.")
        else:
            format.table(chosen.expected)
