"""SROI: an experiment's social return on investment by a version of its impact map, with
its inputs traced to the ledger, its sensitivity, and the map itself (edited by fund
managers, read by auditors and the board)."""

import streamlit as st

from fund.auth import Permission
from fund.sroi import report
from ui import forms, session, sroi_choice, sroi_editor, sroi_result, sroi_sensitivity

user = session.guard(Permission.READ_SUMMARY)
con = session.cursor()

st.title("SROI")
chosen = sroi_choice.experiment(con, user)
if chosen is None:
    st.info("The fund has no experiments yet.")
    st.stop()
version, versions = sroi_choice.version(con, user, chosen)
found = report.report(con, user, chosen, version)
if found is None:
    st.info("This experiment has no impact map yet.")
else:
    used = next(v for v in versions if v.number == found.stored.version)
    sroi_result.headline(found, used)

parts = {"Impact map": lambda: sroi_editor.section(con, user, chosen, found)}
if found is not None:
    parts = {
        "Result": lambda: sroi_result.details(con, user, found),
        "Sensitivity": lambda: sroi_sensitivity.section(found),
        **parts,
    }
forms.sections("sroi-section" if found is not None else "sroi-section-new", parts)
