"""Outcome claims: the queue of one contract's claims (awaiting verification, and decided),
and the form a fund manager records a claim with. Shared with the Verification page, which
lists every contract's claims."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from fund.auth import User
from fund.pbr import claims
from fund.pbr.contracts import Contract
from ui import format, forms

# The columns of the queue, in order; the names of who recorded and who verified a claim are
# there only for those who may see people (the service drops them for the others).
AWAITING = ["claim_id", "cohort", "metric", "participant", "period_start", "period_end"]
AWAITING += ["claimed", "evidence", "claimed_by", "claimed_at"]
DECIDED = ["claim_id", "cohort", "metric", "participant", "period_end", "claimed", "status"]
DECIDED += ["verified", "value", "decision_reason", "verified_by", "verified_at", "reversals"]


def shown(table: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The queue's columns the table has, with each status in words ("Part accepted"); the
    participant only where a claim names one (a contract without a per-participant cap)."""
    named = table["participant"].notna().any()
    picked = table[[c for c in columns if c in table.columns and (named or c != "participant")]]
    if "status" in picked.columns:
        picked = picked.assign(status=picked["status"].map(format.words))
    return picked


def queue(table: pd.DataFrame, *, key: str) -> None:
    """Claims awaiting verification, then those decided, each as a table."""
    decided = table["status"] != "awaiting"
    st.subheader("Awaiting verification")
    if decided.all():
        st.caption("No claim is waiting for a verifier.")
    else:
        format.table(shown(table[~decided], AWAITING), key=f"{key}-awaiting")
    st.subheader("Decided")
    if not decided.any():
        st.caption("No claim has been decided yet.")
    else:
        format.table(shown(table[decided], DECIDED), key=f"{key}-decided")
        st.caption(
            "Value: verified outcomes × unit price, before the caps. A reversed decision"
            " counts under Reversals; the claim then awaits a decision again."
        )


def section(con, user: User, chosen: Contract, *, writes: bool) -> None:
    """The chosen contract's claims, and (for a fund manager) the form to record one."""
    table = claims.claims(con, user, contract_id=chosen.contract_id)
    if table.empty:
        st.info("No outcome claims on this contract yet.")
    else:
        queue(table, key=f"pbr-claims-{chosen.contract_id}")
    if writes:
        st.subheader("Record a claim")
        record(chosen)


def record(chosen: Contract) -> None:
    """Outcomes of one metric by one cohort in one period, with their evidence; they earn
    nothing until an independent verifier accepts them."""
    caption = (
        "A claim earns nothing until an independent verifier (an auditor who did not record"
        " it and does not pay on the contract) accepts it."
    )
    if chosen.max_per_participant is not None:
        caption += (
            " This contract caps what one participant may earn, so each claim is one"
            " participant's outcome: give the participant and a quantity of 1."
        )
    with forms.Form(f"claim-{chosen.contract_id}", "Record claim", caption=caption) as form:
        left, right = st.columns(2)
        cohort = left.selectbox("Cohort", list(chosen.cohorts["cohort"]), key=form.key("cohort"))
        metric = right.selectbox(
            "Outcome metric", list(chosen.rate_card["metric"]), key=form.key("metric")
        )
        period_start = left.date_input(
            "Period start", value=None, format="DD/MM/YYYY", key=form.key("start")
        )
        period_end = right.date_input(
            "Period end", value=None, format="DD/MM/YYYY", key=form.key("end")
        )
        quantity = left.text_input("Quantity (outcomes)", key=form.key("quantity"))
        participant = right.text_input("Participant (reference)", key=form.key("participant"))
        evidence = st.text_area("Evidence", key=form.key("evidence"))
        reason = st.text_input("Reason", key=form.key("reason"))
    if form.submitted:
        form.write(
            claims.record_claim,
            contract_id=chosen.contract_id,
            cohort=cohort,
            metric=metric,
            period_start=period_start,
            period_end=period_end,
            quantity=quantity,
            participant=participant,
            evidence=evidence,
            reason=reason,
        )
