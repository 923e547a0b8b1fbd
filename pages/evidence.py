"""Evidence: each experiment as a disciplined test. Its plan (the registered version beside
any later one), its results and their estimate against the target, the verdict the rules
derived beside the final one, the Nesta level reached, and its lesson; written by fund
managers, read by auditors."""

import streamlit as st

from fund.auth import Permission
from fund.evidence import judgement, views
from ui import (
    evidence_choice,
    evidence_estimate,
    evidence_headline,
    evidence_lesson,
    evidence_plan,
    evidence_results,
    evidence_verdict,
    forms,
    session,
)

user = session.guard(Permission.READ_LEDGER)
con = session.cursor()

st.title("Evidence")
row = evidence_choice.experiment(judgement.for_reader(con, user))
if row is None:
    st.info("The fund has no experiments yet.")
    st.stop()
evidence_headline.headline(row)
editable = views.editable(con, user)
forms.sections(
    "evidence-section",
    {
        "Plan": lambda: evidence_plan.section(con, user, row, editable),
        "Results": lambda: evidence_results.section(con, user, row, editable),
        "Estimate": lambda: evidence_estimate.section(row),
        "Verdict": lambda: evidence_verdict.section(row, editable),
        "Lesson": lambda: evidence_lesson.section(con, user, row, editable),
    },
)
