"""The Allocate page's corrections: find the entry in the ledger, then reverse it.

An entry is chosen from a list, never typed from memory: a wrong number would reverse
someone else's money.
"""

from __future__ import annotations

import streamlit as st

from fund import labels, ledger, register
from fund.auth import User
from fund.ledger import queries
from fund.money import format_gbp
from ui import format, forms, session

SHOWN = [
    "entry_id",
    "value_date",
    "kind",
    "amount",
    "counterparty",
    "reverses",
    "reversed_by",
    "actor",
    "reason",
]
LISTED = 500  # the newest entries listed; a correction is nearly always of something recent


def section(user: User) -> None:
    """Entries of a programme (or one of its experiments), the one selected, and the form
    that reverses it."""
    con = session.cursor()
    programme, experiment = _where(con, user)
    chosen = queries.EntryFilter(programme_id=programme, experiment_id=experiment)
    entries = queries.ledger(con, user, chosen, limit=LISTED).entries  # newest first
    if entries.empty:
        st.info("No ledger entries here yet.")
        return
    picked = format.table(
        entries[SHOWN],
        key=f"reverse-entries-{programme}-{experiment}",
        select="single-row",
        height=300,
    )
    rows = picked.selection.rows
    if not rows:
        st.caption(
            f"Newest first (the latest {LISTED:,}). Select the entry to correct (the box at the"
            " start of its row); one already reversed, or itself a reversal, cannot be."
        )
        forms.show_outcome("reverse")
        return
    _form(entries.iloc[rows[0]])


def _where(con, user: User) -> tuple[int, int | None]:
    """The programme whose entries are listed, and optionally one of its experiments."""
    programmes = register.programmes(con, user)
    listing = register.experiment_choices(con, user)
    left, right = st.columns(2)
    programme = left.selectbox(
        "Programme",
        programmes["programme_id"],
        format_func=dict(zip(programmes["programme_id"], programmes["programme"], strict=True)).get,
        key="reverse-programme",
    )
    mine = listing[listing["programme_id"] == programme]
    names = dict(zip(mine["experiment_id"], mine["label"], strict=True))
    experiment = right.selectbox(
        "Experiment",
        [None, *names],
        format_func=lambda v: "All, and the programme's allocations" if v is None else names[v],
        key="reverse-experiment",
    )
    return programme, experiment


def _form(entry) -> None:
    what = (
        f"Entry #{entry['entry_id']}: {labels.value('kind', entry['kind'])} of"
        f" {format_gbp(entry['amount'])} on {entry['value_date']:%d/%m/%Y}"
    )
    with forms.Form(
        "reverse",
        "Reverse",
        caption=f"{what}. A correction posts the opposite entry, dated today; "
        "the original stays on the record.",
    ) as form:
        reason = st.text_input("Reason", key=form.key("reason"))
    if form.submitted:
        form.write(ledger.reverse, entry_id=int(entry["entry_id"]), reason=reason)
