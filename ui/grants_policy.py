"""The Grants page's header: each ring-fence's small-grant policy in a sentence, and (for a
fund manager) the form that declares one, the next version of a ring-fence's settings."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from fund.auth import User
from fund.grants import policy, settings_view
from fund.money import format_gbp
from ui import format, forms


def header(con, user: User, *, writes: bool) -> bool:
    """Say each declared policy and which ring-fences have none; whether any is declared."""
    table = settings_view.policies(con, user)
    declared = table[table["version"].notna()]
    for row in declared.itertuples():
        st.markdown(_sentence(row))
    missing = table[table["version"].isna()]["ringfence"].tolist()
    if declared.empty:
        st.info("No ring-fence has declared a small-grant policy: no small grants can be made yet.")
    elif missing:
        st.caption(f"No small-grant policy yet: {format.plain(', '.join(missing))}.")
    if writes:
        with st.expander("Declare a small-grant policy", expanded=declared.empty):
            declare(table)
    return not declared.empty


def _sentence(row) -> str:
    """One ring-fence's policy as the fund would say it."""
    return (
        f"**{format.plain(row.ringfence)}** (policy version {row.version}): small grants of"
        f" {format_gbp(row.min_amount)} to {format_gbp(row.max_amount)}; one fund manager"
        f" awards up to {format_gbp(row.delegated_limit)}, a second approves above it;"
        f" end-of-grant reports due {row.report_days} days after the planned end; published in"
        f" 360Giving as `360G-{row.id_prefix}-…` by {format.plain(row.funder_id)}."
    )


def declare(table: pd.DataFrame) -> None:
    """The ring-fence's next policy version: range, delegated limit, prefix, report days."""
    names = dict(zip(table["ringfence_id"], table["ringfence"], strict=True))
    with forms.Form(
        "grant-policy",
        "Declare policy",
        caption="A declaration is never edited: each is the ring-fence's next version.",
    ) as form:
        fence = st.selectbox(
            "Ring-fence", list(names), format_func=names.get, key=form.key("ringfence")
        )
        low, high, limit = st.columns(3)
        min_amount = low.text_input("Smallest grant (£)", key=form.key("min"))
        max_amount = high.text_input("Largest grant (£)", key=form.key("max"))
        delegated = limit.text_input("Delegated limit (£)", key=form.key("limit"))
        prefix, funder, days = st.columns(3)
        id_prefix = prefix.text_input("360Giving prefix", key=form.key("prefix"))
        funder_id = funder.text_input(
            "Funder identifier", help="From org-id.guide, e.g. GB-LAE-MAN", key=form.key("funder")
        )
        report_days = days.text_input("Reports due after (days)", value="30", key=form.key("days"))
        reason = st.text_input("Reason", key=form.key("reason"))
    if form.submitted:
        form.write(
            policy.declare,
            ringfence_id=fence,
            min_amount=min_amount,
            max_amount=max_amount,
            delegated_limit=delegated,
            id_prefix=id_prefix,
            funder_id=funder_id,
            report_days=report_days,
            reason=reason,
        )
