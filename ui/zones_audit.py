"""Experimental zones' exceptions for the auditor, on the Audit page: waivers expiring soon
(within :data:`fund.zones.exceptions.SOON_DAYS`), a zone spending after a waiver expired,
zones without a comparison area, and zones ended with no verdict
(:func:`fund.zones.exceptions.exceptions`)."""

from __future__ import annotations

import streamlit as st

from fund.auth import User
from fund.zones import exceptions
from ui import format

# The detail names the waiver's rule, so the rule has no column of its own.
SHOWN = ["exception", "zone_id", "zone", "waiver_id", "detail", "date", "days", "amount"]


def section(con, user: User) -> None:
    """Every exception with what it means, most pressing kind first; "none" when there are
    none."""
    found = exceptions.exceptions(con, user)
    if found.empty:
        st.caption(
            f"None: no waiver expires within {exceptions.SOON_DAYS} days or has expired while"
            " its zone spends, and every zone has a comparison area and, once ended, a verdict."
        )
        return
    format.table(found[SHOWN], key="zones-exceptions")
    st.caption(
        "Date: a waiver's expiry, a zone's start (no comparison) or its end (no verdict). Days:"
        " to the expiry, since it, or since the zone ended. Amount: paid after the expiry."
    )
