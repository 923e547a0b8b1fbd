"""Small-grant flags for the auditor, on the Audit page and the Grants page's Split awards
tab: split awards (several awards to one recipient that together pass the delegated limit),
awards above the limit, each with who awarded and whether a second person approved, and
imported awards outside the small-grant range."""

from __future__ import annotations

import streamlit as st

from fund.auth import User
from fund.grants import queries
from ui import format

SPLIT = ["recipient", "identifier", "amount", "award_date", "together", "delegated_limit"]
SPLIT += ["second_approver", "awarded_with", "awards", "programme", "grant_id", "commitment_id"]
ABOVE = ["recipient", "identifier", "awarded", "delegated_limit", "award_date", "awarded_by"]
ABOVE += ["approved_by", "request_id", "grant_id", "import_id"]
OUTSIDE = ["recipient", "identifier", "awarded", "min_amount", "max_amount", "award_date"]
OUTSIDE += ["file_name", "import_id", "grant_id"]


def section(con, user: User) -> None:
    """Both flags, each with what it means; "none" when nothing is flagged."""
    flags(con, user)
    above(con, user)
    outside(con, user)


def flags(con, user: User) -> None:
    _flagged(
        "Split awards",
        queries.split_flags(con, user)[SPLIT],
        "None: no recipient's awards in a programme within 90 days pass the limit.",
        "Awards to the same recipient (same identifier, or same name) in the same programme"
        " within 90 days of each other that together exceed the delegated limit: the pattern"
        " of one award cut into pieces to stay under it. Second approver says whether the"
        " award had one.",
    )


def above(con, user: User) -> None:
    _flagged(
        "Awards above the delegated limit",
        queries.above_limit(con, user)[ABOVE],
        "None: no award is above its ring-fence's delegated limit for small grants.",
        "Each needs a second fund manager's approval: approved by is empty while it waits."
        " An imported award (import #) was made elsewhere and came in with its file.",
    )


def outside(con, user: User) -> None:
    _flagged(
        "Awards outside the small-grant range",
        queries.out_of_range(con, user)[OUTSIDE],
        "None: every award is within its ring-fence's small-grant range.",
        "Awards made elsewhere and imported from a 360Giving file (file name) that fall outside"
        " the range this ring-fence declares for small grants: recorded, never refused for it.",
    )


def _flagged(title: str, found, none: str, meaning: str) -> None:
    """One flag: its heading, then its table and what it means, or that nothing is flagged."""
    st.subheader(title)
    if found.empty:
        st.caption(none)
        return
    format.table(found, key=f"grants-{title}")
    st.caption(meaning)
