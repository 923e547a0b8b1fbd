"""Admin: who may use the fund and in which role, lock-outs, the audit chain check, and
backups. Admins never touch money."""

import uuid

import pandas as pd
import streamlit as st

from fund import backup, users
from fund.auth import Permission, Role
from ui import chain_check, format, forms, session, user_forms

user = session.guard(Permission.MANAGE_USERS)
con = session.cursor()


def backup_section() -> None:
    st.caption(
        "The whole database as one consistent file, its audit chain verified, the backup "
        "recorded in the audit trail. A copy of fund.duckdb made by hand can miss work still "
        "in its .wal."
    )
    if st.button("Make a backup"):
        made = session.attempt(backup.download, con, user, key=str(uuid.uuid4()))
        if made is not None:
            st.success(f"Backup made and verified up to audit row #{made.backup.head_seq}.")
            st.download_button(
                f"Download {made.name}",
                made.data,
                file_name=made.name,
                mime="application/octet-stream",
                on_click="ignore",
                key="backup-download",
            )


st.title("Users")
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
        "Backup": backup_section,
    },
)
