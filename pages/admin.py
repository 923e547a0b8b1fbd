"""Admin: who may use the fund and in which role, and backups. Admins never touch money."""

import uuid

import streamlit as st

from fund import backup, users
from fund.auth import Permission, Role
from ui import format, forms, session

user = session.guard(Permission.MANAGE_USERS)
con = session.cursor()

st.title("Users")
people = users.people(con, user)
format.table(people.assign(role=people["role"].map(lambda r: Role(r).label)))
others = [name for name in people["username"] if name != user.username]

add, change, password = st.columns(3)
with add.form("add-user", clear_on_submit=False):
    st.subheader("Add a user")
    username = st.text_input("User name")
    display_name = st.text_input("Full name")
    role = st.selectbox("Role", list(Role), format_func=lambda r: r.label.capitalize())
    new_password = st.text_input("First password", type="password", help="At least 10 characters")
    submitted = st.form_submit_button("Add user", type="primary")
with add:
    forms.show_outcome("add-user")
if submitted:
    with add:
        forms.write(
            "add-user",
            users.add_user,
            username=username,
            display_name=display_name,
            role=role.value,
            password=new_password,
        )

with change.form("change-user"):
    st.subheader("Change role or access")
    who = st.selectbox("User", others)
    role = st.selectbox(
        "New role", list(Role), format_func=lambda r: r.label.capitalize(), key="new-role"
    )
    reason = st.text_input("Reason")
    set_role = st.form_submit_button("Change role")
    deactivate = st.form_submit_button("Deactivate")
    reactivate = st.form_submit_button("Reactivate")
with change:
    forms.show_outcome("set-role")
    forms.show_outcome("set-active")
    if set_role:
        forms.write("set-role", users.set_role, username=who, role=role.value, reason=reason)
    if deactivate or reactivate:
        forms.write(
            "set-active", users.set_active, username=who, active=bool(reactivate), reason=reason
        )

with password.form("reset-password", clear_on_submit=False):
    st.subheader("Reset a password")
    who = st.selectbox("User", others, key="reset-who")
    new_password = st.text_input("New password", type="password", help="At least 10 characters")
    reason = st.text_input("Reason", key="reset-reason")
    submitted = st.form_submit_button("Reset password")
with password:
    forms.show_outcome("reset-password")
if submitted:
    with password:
        forms.write(
            "reset-password",
            users.reset_password,
            username=who,
            password=new_password,
            reason=reason,
        )

st.subheader("Backup")
st.caption(
    "The whole database as one consistent file, its audit chain verified, the backup recorded "
    "in the audit trail. A copy of fund.duckdb made by hand can miss work still in its .wal."
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
