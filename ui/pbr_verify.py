"""The Verification page's two queues: claims awaiting a decision, each with its evidence, to
accept, part-accept or reject; and claims decided, whose decision can be reversed. The
independence of the verifier is the service's rule (:func:`fund.pbr.claims.verify_claim`):
a refusal says why, under the form."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from fund.pbr import claims
from ui import format, forms, pbr_claims

DECISIONS = {"Accept": "accept", "Part-accept": "part-accept", "Reject": "reject"}


def _label(row: dict) -> str:
    return (
        f"Claim #{row['claim_id']} · {row['contract']} · {row['claimed']:,} × {row['metric']}"
        f" · {row['cohort']}"
    )


def _pick(table: pd.DataFrame, label: str, key: str) -> dict:
    rows = {int(r["claim_id"]): r for r in table.to_dict("records")}
    chosen = st.selectbox(label, list(rows), format_func=lambda n: _label(rows[n]), key=key)
    return rows[chosen]


def awaiting(table: pd.DataFrame) -> None:
    """Every claim waiting for a verifier, the chosen one's evidence, and the decision."""
    waiting = table[table["status"] == "awaiting"]
    if waiting.empty:
        forms.show_outcome("verify")  # the decision on the last claim that waited
        st.info("No claim is waiting for verification.")
        return
    st.write(f"**{format.count(len(waiting), 'claim')} waiting for a verifier.**")
    columns = ["claim_id", "contract", *pbr_claims.AWAITING[1:]]
    format.table(pbr_claims.shown(waiting, columns), key="verify-awaiting")
    claim = _pick(waiting, "Claim to decide", "verify-claim")
    st.markdown(f"**Evidence for claim #{claim['claim_id']}**")
    st.text(claim["evidence"])
    number = claim["claim_id"]
    with forms.Form(
        "verify",
        "Record decision",
        caption=f"{claim['claimed']:,} outcome(s) claimed. Part-accept gives how many of them"
        " are accepted; every decision needs a reason.",
    ) as form:
        decision = st.radio("Decision", list(DECISIONS), horizontal=True, key=form.key("decision"))
        quantity = st.text_input("Outcomes accepted (part-accept only)", key=form.key("quantity"))
        reason = st.text_input("Reason", key=form.key("reason"))
    if form.submitted:
        form.write(
            claims.verify_claim,
            claim_id=number,
            decision=DECISIONS[decision],
            quantity=quantity if DECISIONS[decision] == "part-accept" else None,
            reason=reason,
        )


def decided(table: pd.DataFrame) -> None:
    """Every claim with a standing decision, and the form that reverses the chosen one."""
    done = table[table["status"] != "awaiting"]
    if done.empty:
        forms.show_outcome("reverse-verification")  # the reversal of the last decision
        st.info("No claim has been decided yet.")
        return
    columns = ["claim_id", "contract", *pbr_claims.DECIDED[1:]]
    format.table(pbr_claims.shown(done, columns), key="verify-decided")
    claim = _pick(done, "Decision to reverse", "reverse-claim")
    number = claim["claim_id"]
    with forms.Form(
        "reverse-verification",
        "Reverse decision",
        caption=f"Claim #{number} was {format.words(claim['status']).lower()}"
        f" ({claim['verified']:,} outcome(s) verified). A reversal posts a row that negates the"
        " decision: what it earned is no longer earned, and anything already paid beyond the"
        " new limit is flagged for recovery.",
    ) as form:
        reason = st.text_input("Reason", key=form.key("reason"))
    if form.submitted:
        form.write(claims.reverse_verification, claim_id=number, reason=reason)
