"""Admin: who may use the fund and in which role, lock-outs, the audit chain check, and
backups. Admins never touch money."""

import pandas as pd
import streamlit as st

from fund import users
from fund.auth import Permission, Role
from ui import backup_section, chain_check, format, forms, session, user_forms

user = session.guard(Permission.MANAGE_USERS)
con = session.cursor()

st.title("Admin")
people = users.people(con, user)
format.table(people.assign(role=people["role"].map(lambda r: Role(r).label)))
others = people[people["username"] != user.username]
locked = others[pd.notna(others["locked_until"])]

forms.sections(
    "admin-section",
    {
        "Add a user": user_forms.add,
        "Change role or access": lambda: user_forms.change(list(others["username"])),
        "Reset a password": lambda: user_forms.reset_password(list(others["username"])),
        "Lift a lock-out": lambda: user_forms.unlock(list(locked["username"])),
        "Audit chain": lambda: chain_check.render(con, user),
        "Backup": lambda: backup_section.render(con, user),
    },
)
