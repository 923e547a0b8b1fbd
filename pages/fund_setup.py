"""Ring-fences and programmes: what the fund holds and the challenges it funds, each
programme's target beside its money; declare, add and edit them, and declare each
ring-fence's risk appetite."""

import streamlit as st

from fund.auth import Permission
from ui import forms, session, setup_forms, setup_tables

user = session.guard(Permission.MANAGE_PORTFOLIO)

st.title("Ring-fences and programmes")
setup_tables.show(user)
forms.sections(
    "setup-section",
    {
        "Declare a ring-fence": lambda: setup_forms.declare_ringfence(user),
        "Edit a ring-fence": lambda: setup_forms.edit_ringfence(user),
        "Risk appetite": lambda: setup_forms.declare_appetite(user),
        "Add a programme": lambda: setup_forms.add_programme(user),
        "Edit a programme": lambda: setup_forms.edit_programme(user),
    },
)
