"""The Applications tab: applications waiting for a decision, the form a fund manager records
an application with, and the decision form (award, all or less, or decline with a reason)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from fund.auth import User
from fund.grants import applications, queries, settings_view
from ui import format, forms, session

# The columns of the queue; the applicant's name only where the service gives it.
QUEUE = ["grant_id", "identifier", "programme", "applicant_type", "applicant", "recipient"]
QUEUE += ["recipient_id", "title", "purpose", "applied", "planned_start", "planned_end", "status"]
TYPES = {kind.value: kind.label for kind in applications.ApplicantType}


def shown(table: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The grants' ``columns`` the service gave, with types and statuses in words."""
    picked = table[[c for c in columns if c in table.columns]]
    words = {
        column: picked[column].map(lambda v, c=column: _word(c, v))
        for column in ("applicant_type", "status")
        if column in picked.columns
    }
    # "Recipient #" would read as one of our record numbers; it is the organisation's own.
    return picked.assign(**words).rename(columns={"recipient_id": "organisation_identifier"})


def _word(column: str, value: object) -> object:
    if pd.isna(value):
        return None
    return (
        TYPES.get(value, format.words(value)) if column == "applicant_type" else format.words(value)
    )


def waiting(con, user: User) -> pd.DataFrame:
    """Applications not yet decided, and awards a second fund manager did not approve."""
    parts = [queries.grants(con, user, status) for status in ("applied", "not approved")]
    return pd.concat(parts, ignore_index=True) if any(len(p) for p in parts) else parts[0]


def section(con, user: User, *, writes: bool) -> None:
    """The queue of applications to decide, then (fund managers) the two forms."""
    queue = waiting(con, user)
    st.subheader("Applications to decide")
    if queue.empty:
        st.caption("No application is waiting for a decision.")
    else:
        format.table(shown(queue, QUEUE), key="grants-queue")
    if not writes:
        return
    st.subheader("Decide an application")
    if queue.empty:
        forms.show_outcome("grant-decide")  # the decision that emptied the queue
        st.caption("Nothing to decide.")
    else:
        decide(queue)
    st.subheader("Record an application")
    record(user)


def decide(queue: pd.DataFrame) -> None:
    """Award an application (all of it, or a smaller amount) or decline it with a reason."""
    names = dict(zip(queue["grant_id"], choices(queue), strict=True))
    with forms.Form(
        "grant-decide",
        ("Award", "Decline"),
        caption="Up to the delegated limit one fund manager awards; above it, or when the award"
        " completes a split award, it waits for a second fund manager. A decline needs a reason.",
    ) as form:
        grant_id = st.selectbox(
            "Application", list(names), format_func=names.get, key=form.key("grant")
        )
        amount = st.text_input(
            "Amount to award (£)",
            help="Leave empty to award what was applied for.",
            key=form.key("amount"),
        )
        reason = st.text_input("Reason", key=form.key("reason"))
    if form.submitted:
        form.write(
            applications.decide,
            grant_id=grant_id,
            award=form.pressed == "Award",
            amount=amount.strip() or None,
            reason=reason,
        )


def choices(table: pd.DataFrame) -> list[str]:
    """'#12 · Hillside Tenants Group · Job club' for choosing a grant."""
    return [
        f"#{g} · {r} · {t}"
        for g, r, t in zip(table["grant_id"], table["recipient"], table["title"], strict=True)
    ]


def scheme(place, con, user: User, key: str) -> tuple[object, object]:
    """The programme and the small-grant experiment a grant is made under, as one choice."""
    found = settings_view.schemes(con, user)
    names = dict(zip(found["experiment_id"], found["scheme"], strict=True))
    programme_of = dict(zip(found["experiment_id"], found["programme_id"], strict=True))
    chosen = place.selectbox(
        "Programme · small-grant experiment", list(names), format_func=names.get, key=key
    )
    return programme_of.get(chosen), chosen


def record(user: User) -> None:
    """An application as the grants officer received it; nothing is committed yet."""
    with forms.Form(
        "grant-apply",
        "Record application",
        caption="Within the ring-fence's small-grant range; the grant is made under the"
        " programme's small-grant experiment.",
    ) as form:
        left, right = st.columns(2)
        programme, experiment = scheme(left, session.cursor(), user, form.key("scheme"))
        kind = right.selectbox(
            "Applicant type", list(TYPES), format_func=TYPES.get, key=form.key("type")
        )
        applicant = left.text_input("Applicant", key=form.key("applicant"))
        recipient = right.text_input("Organisation or group", key=form.key("recipient"))
        recipient_id = left.text_input(
            "Organisation identifier (optional)",
            help="From org-id.guide, e.g. GB-CHC-1234567",
            key=form.key("recipient-id"),
        )
        amount = right.text_input("Amount (£)", key=form.key("amount"))
        title = st.text_input("Title", key=form.key("title"))
        purpose = st.text_area("Purpose", key=form.key("purpose"))
        start = left.date_input(
            "Planned start", value=None, format="DD/MM/YYYY", key=form.key("start")
        )
        end = right.date_input("Planned end", value=None, format="DD/MM/YYYY", key=form.key("end"))
    if form.submitted:
        form.write(
            applications.apply,
            programme_id=programme,
            experiment_id=experiment,
            applicant_type=kind,
            applicant=applicant,
            recipient=recipient,
            recipient_id=recipient_id,
            title=title,
            purpose=purpose,
            amount=amount,
            planned_start=start,
            planned_end=end,
        )
