"""Small grants: the fund's front door, decided fast. Each ring-fence's small-grant policy,
then applications to decide, awards and their reports, reports due, split-award flags, and
360Giving import and export. Fund managers get the forms; auditors read every tab."""

import streamlit as st

from fund.auth import Permission
from fund.grants import queries
from ui import (
    forms,
    grants_applications,
    grants_audit,
    grants_awards,
    grants_export,
    grants_import,
    grants_policy,
    session,
)

user = session.guard(Permission.READ_LEDGER)
con = session.cursor()
writes = queries.writes(con, user)  # which sections offer forms

st.title("Small grants")
st.caption(
    "Easily obtainable grants for frontline staff and service-user groups to develop a new"
    " concept; above the delegated limit, or completing a split award, a second fund manager"
    " approves."
)
if not grants_policy.header(con, user, writes=writes):
    st.stop()

forms.sections(
    "grants-section",
    {
        "Applications": lambda: grants_applications.section(con, user, writes=writes),
        "Awards": lambda: grants_awards.section(con, user, writes=writes),
        "Reports due": lambda: grants_awards.reports_due(con, user),
        "Split awards": lambda: grants_audit.section(con, user),
        "Import": lambda: grants_import.section(con, user, writes=writes),
        "Export": lambda: grants_export.section(con, user),
    },
)
