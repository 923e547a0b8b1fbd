"""Audit: the trail of every write, the chain check, the whole ledger with filters, exports."""

import streamlit as st

from fund import audit, exports, labels
from fund.auth import Permission
from fund.ledger import queries
from fund.money import format_gbp
from ui import chain_check, format, grants_audit, session, ventures_audit, zones_audit

SHOWN = 1000  # ledger entries on screen (and in its downloads); the count and total cover all

user = session.guard(Permission.REVIEW)
con = session.cursor()

st.title("Audit")
st.caption("You can read everything here and change nothing; you may add an anchor of the chain.")

with st.container(border=True):
    chain_check.render(con, user)

with st.expander(
    "Small grants: split awards, awards above the delegated limit, awards outside the range"
):
    grants_audit.section(con, user)

with st.expander(
    "Experimental zones: waivers expiring, spending after expiry, zones without comparison or"
    " verdict"
):
    zones_audit.section(con, user)

with st.expander("Social ventures: loans in arrears"):
    ventures_audit.section(con, user)


def downloads(frame, name: str) -> None:
    """Export exactly what is on screen."""
    left, right = st.columns(2)
    left.download_button(
        "Download CSV",
        exports.csv_bytes(con, user, frame),
        file_name=f"{name}.csv",
        mime="text/csv",
        key=f"{name}-csv",
    )
    right.download_button(
        "Download Excel",
        exports.excel_bytes(con, user, frame, sheet=name),
        file_name=f"{name}.xlsx",
        key=f"{name}-xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def pick(place, label: str, options: dict, key: str, anything: str = "Any"):
    """A filter: ``anything`` (None), or one of ``options`` (value → the words shown)."""
    return place.selectbox(
        label,
        [None, *options],
        format_func=lambda v: anything if v is None else options[v],
        key=key,
    )


def between(place, label: str, key: str) -> tuple:
    """A date range picked as DD/MM/YYYY: (first, last), either None when not chosen."""
    dates = place.date_input(label, value=(), format="DD/MM/YYYY", key=key)
    since, until = [*dates, None, None][:2]
    return since, until or since


choices = queries.choices(con, user)
trail_tab, ledger_tab = st.tabs(["Audit trail", "Ledger"])

with trail_tab:
    actors, operations = audit.trail_choices(con, user)
    choose = st.columns(4)
    who = pick(choose[0], "Actor", actors, "trail-actor", anything="Anyone")
    operation = pick(choose[1], "Operation", {o: o for o in operations}, "trail-operation")
    since, until = between(choose[2], "Recorded between", "trail-dates")
    experiment = pick(choose[3], "Experiment", choices.experiments, "trail-experiment")
    rows = audit.trail(
        con, user, who=who, operation=operation, since=since, until=until, experiment_id=experiment
    )
    format.table(rows)
    st.caption(f"{format.count(len(rows), 'audit row')}, newest first.")
    downloads(rows, "audit-trail")

with ledger_tab:
    first, second = st.columns([3, 2, 2, 3]), st.columns(3)
    since, until = between(first[0], "Value date between", "ledger-dates")
    kinds = {kind: labels.value("kind", kind) for kind in choices.kinds}
    counterparties = {name: name for name in choices.counterparties}
    chosen = queries.EntryFilter(
        since=since,
        until=until,
        kind=pick(first[1], "Kind", kinds, "ledger-kind"),
        programme_id=pick(first[2], "Programme", choices.programmes, "ledger-programme"),
        experiment_id=pick(first[3], "Experiment", choices.experiments, "ledger-experiment"),
        commitment_id=pick(second[0], "Commitment", choices.commitments, "ledger-commitment"),
        counterparty=pick(second[1], "Counterparty", counterparties, "ledger-counterparty"),
        posted_by=pick(second[2], "Posted by", choices.people, "ledger-posted-by"),
    )
    found = queries.ledger(con, user, chosen, limit=SHOWN)
    if chosen.experiment_id is not None:
        st.caption("The experiment's commitments, with what has been paid against each:")
        commitments = queries.commitments(con, user, experiment_id=chosen.experiment_id)
        format.table(commitments.drop(columns=["label"]))
    format.table(found.entries)
    matched = format.count(found.count, "ledger entry", "ledger entries")
    shown = (
        "newest first"
        if found.complete
        else f"the newest {len(found.entries):,} are shown and downloaded: narrow the filters,"
        " or use `fund export` for all of them"
    )
    # A total across kinds (allocations plus payments plus recoveries…) means nothing.
    total = (
        f", totalling {format_gbp(found.total)}"
        if chosen.kind
        else " (choose a kind to see their total)"
    )
    st.caption(
        f"{matched}{total}; {shown}. "
        "Amounts are signed by their effect: decommitments and reversals are negative."
    )
    downloads(found.entries, "ledger")
