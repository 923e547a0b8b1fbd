"""The Evidence page's verdict: what the rules derived from the estimate and the registered
plan, the final verdict beside it, and for a fund manager the override (only with a reason,
and the derived verdict stays shown everywhere)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from fund.evidence import override
from fund.evidence.verdict import Verdict
from ui import forms
from ui.evidence_words import missing, verdict

OVERRIDE = "Override the verdict"
RULES = """
The verdict is derived from the estimate's 95% interval against the registered target (for a
metric where lower is better, mirrored):

- **stop** if the whole interval lies below the target, or the kill criteria are met;
- **scale** if the interval lies above zero and the estimate reaches the target;
- **adapt** if the interval lies above zero but the estimate falls short of the target;
- **inconclusive** in every other case.
"""


def section(row: pd.Series, editable: bool) -> None:
    left, right = st.columns(2)
    left.metric("Derived verdict", verdict(row["derived_verdict"]))
    right.metric("Final verdict", verdict(row["verdict"]))
    if not missing(row["override_reason"]):
        st.text(f"Overridden by a fund manager. Why: {row['override_reason']}")
    st.markdown(RULES)
    if missing(row["derived_verdict"]):
        st.info("No verdict yet: it needs results judged against a plan with a target effect.")
        return
    if editable:
        _override(int(row["experiment_id"]), row["verdict"])
    else:
        st.caption("A fund manager may override the verdict, only with a recorded reason.")


def _override(experiment_id: int, final: str) -> None:
    choices = [v.value for v in Verdict]
    with forms.Form(
        f"evidence-verdict-{experiment_id}",
        OVERRIDE,
        caption="The derived verdict is kept and shown beside yours; a reason is required.",
    ) as form:
        chosen = st.selectbox(
            "Final verdict",
            choices,
            index=choices.index(final),
            format_func=verdict,
            key=form.key("verdict"),
        )
        reason = st.text_input("Why the verdict differs", key=form.key("reason"))
    if form.submitted:
        form.write(
            override.override_verdict, experiment_id=experiment_id, verdict=chosen, reason=reason
        )
