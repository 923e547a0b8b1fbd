"""Audit: the trail of every write, the chain check, the ledger by experiment, exports."""

import streamlit as st

from fund import audit, exports, register
from fund.auth import Permission
from fund.ledger import queries
from ui import chain_check, format, session

user = session.guard(Permission.REVIEW)
con = session.cursor()

st.title("Audit")
st.caption("You can read everything here and change nothing; you may add an anchor of the chain.")

with st.container(border=True):
    chain_check.render(con, user)


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


trail_tab, ledger_tab = st.tabs(["Audit trail", "Ledger by experiment"])
experiments = register.experiment_choices(con, user)
experiment_name = dict(zip(experiments["experiment_id"], experiments["label"], strict=True)).get

with trail_tab:
    actors, operations = audit.trail_choices(con, user)
    choose = st.columns(4)
    who = choose[0].selectbox("Actor", [None, *actors], format_func=lambda v: v or "Anyone")
    operation = choose[1].selectbox(
        "Operation", [None, *operations], format_func=lambda v: v or "Any"
    )
    dates = choose[2].date_input("Recorded between", value=(), format="DD/MM/YYYY")
    experiment = choose[3].selectbox(
        "Experiment",
        [None, *experiments["experiment_id"]],
        format_func=lambda v: "Any" if v is None else experiment_name(v),
    )
    since, until = [*dates, None, None][:2]
    rows = audit.trail(
        con,
        user,
        who=who,
        operation=operation,
        since=since,
        until=until or since,
        experiment_id=experiment,
    )
    format.table(rows)
    st.caption(f"{format.count(len(rows), 'audit row')}, newest first.")
    downloads(rows, "audit-trail")

with ledger_tab:
    chosen = st.selectbox(
        "Experiment",
        experiments["experiment_id"],
        format_func=experiment_name,
        key="ledger-experiment",
    )
    entries = queries.entries(con, user, experiment_id=chosen)
    format.table(queries.commitments(con, user, experiment_id=chosen).drop(columns=["label"]))
    format.table(entries)
    st.caption(
        f"{format.count(len(entries), 'ledger entry', 'ledger entries')} for this experiment. "
        "Amounts are signed by their effect: decommitments and reversals are negative."
    )
    downloads(entries, "ledger")
