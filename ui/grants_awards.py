"""The Awards and Reports due tabs: every grant with where it stands and its money, the
end-of-grant report and closure forms, the reversal of a decision, and the reports falling
due (overdue ones first, marked so)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from fund.auth import User
from fund.grants import applications, queries
from ui import format, forms
from ui.grants_applications import choices, shown

AWARDS = ["grant_id", "identifier", "recipient", "status", "awarded", "paid", "report_due"]
AWARDS += ["title", "applied", "award_date", "spent", "programme", "request_id", "commitment_id"]
AWARDS += ["out_of_range", "above_limit", "import_id", "evaluation_plan", "decision_reason"]
DUE = ["state", "report_due", "days_overdue", "grant_id", "identifier", "recipient", "awarded"]
DUE += ["title"]


def section(con, user: User, *, writes: bool) -> None:
    """Every grant, newest first; then (fund managers) report, close and reverse."""
    grants = queries.grants(con, user)
    if grants.empty:
        st.info("No small grants yet.")
        return
    format.table(shown(grants, AWARDS), key="grants-awards")
    st.caption(
        "Awaiting approval: above the delegated limit, or completing a split award, the award"
        " waits for a second fund manager (Allocate → Approvals). Out of range: an award made"
        " elsewhere outside this ring-fence's small-grant range, flagged for the auditor."
    )
    if not writes:
        return
    _form("Record an end-of-grant report", grants, ["awarded"], report, "grant-report")
    _form("Close a reported grant", grants, ["reported"], close, "grant-close")
    _form("Reverse a decision", grants, ["awarded", "declined"], reverse, "grant-reverse")


def _form(title: str, grants: pd.DataFrame, statuses: list[str], draw, name: str) -> None:
    """The form ``name`` over the grants in ``statuses``, or a line saying there are none
    (under what the form last did, if that left none)."""
    picked = grants[grants["status"].isin(statuses)]
    st.subheader(title)
    if picked.empty:
        forms.show_outcome(name)
        st.caption("No grant is at that stage.")
        return
    draw(dict(zip(picked["grant_id"], choices(picked), strict=True)))


def _grant(form: forms.Form, names: dict):
    return st.selectbox("Grant", list(names), format_func=names.get, key=form.key("grant"))


def report(names: dict) -> None:
    """What was done, what was learned and what was spent: once, never edited."""
    with forms.Form("grant-report", "Record report") as form:
        grant_id = _grant(form, names)
        done = st.text_area("What was done", key=form.key("done"))
        learned = st.text_area("What was learned", key=form.key("learned"))
        spent = st.text_input("Money spent (£)", key=form.key("spent"))
    if form.submitted:
        form.write(
            applications.report, grant_id=grant_id, what_done=done, learned=learned, spent=spent
        )


def close(names: dict) -> None:
    """Closing releases what the grant left unpaid, in the same write."""
    with forms.Form(
        "grant-close", "Close", caption="What the grant left unpaid is released."
    ) as form:
        grant_id = _grant(form, names)
        reason = st.text_input("Reason", key=form.key("reason"))
    if form.submitted:
        form.write(applications.close, grant_id=grant_id, reason=reason)


def reverse(names: dict) -> None:
    """A decision is reconsidered only by a recorded reversal, never by editing."""
    with forms.Form(
        "grant-reverse",
        "Reverse decision",
        caption="A decline reopens the application; an award not yet paid releases its"
        " commitment. A paid or reported award stands.",
    ) as form:
        grant_id = _grant(form, names)
        reason = st.text_input("Reason", key=form.key("reason"))
    if form.submitted:
        form.write(applications.reverse, grant_id=grant_id, reason=reason)


def reports_due(con, user: User) -> None:
    """Reports overdue, or due within 30 days, most overdue first."""
    due = queries.reports_due(con, user)
    if due.empty:
        st.caption("No end-of-grant report is overdue or due within 30 days.")
        return
    late = due["state"] == "overdue"
    if late.any():
        st.warning(
            f"{format.count(int(late.sum()), 'report')} overdue.", icon=":material/schedule:"
        )
    shown_due = due.assign(state=due["state"].map(format.words))
    format.table(shown_due[DUE], key="grants-due")
    st.caption("Overdue: the report was due before today; due: within the next 30 days.")
