"""The Admin page's forms: add a user, change a role or access, reset a password, lift a
lock-out. Each asks for a reason and hands one service the rest; the service says what it
did ("jdoe is now an auditor"), and refuses what is missing, the role included: there is no
default role, so a form sent without one adds nobody."""

from __future__ import annotations

import streamlit as st

from fund import users
from fund.auth import Role
from ui import forms

PASSWORD_HELP = "At least 10 characters"


def _role(form: forms.Form, label: str):
    return st.selectbox(
        label,
        list(Role),
        index=None,
        placeholder="Choose a role",
        format_func=lambda r: r.label.capitalize(),
        key=form.key("role"),
    )


def _who(form: forms.Form, names: list[str]):
    return st.selectbox("User", names, index=None, placeholder="Choose a user", key=form.key("who"))


def add() -> None:
    with forms.Form("add-user", "Add user") as form:
        username = st.text_input("User name", key=form.key("username"))
        display_name = st.text_input("Full name", key=form.key("display_name"))
        role = _role(form, "Role")
        password = st.text_input(
            "First password", type="password", help=PASSWORD_HELP, key=form.key("password")
        )
        reason = st.text_input("Reason", key=form.key("reason"))
    if form.submitted:
        form.write(
            users.add_user,
            username=username,
            display_name=display_name,
            role=role,
            password=password,
            reason=reason,
        )


def change(others: list[str]) -> None:
    with forms.Form("change-user", ("Change role", "Deactivate", "Reactivate")) as form:
        who = _who(form, others)
        role = _role(form, "New role")
        reason = st.text_input("Reason", key=form.key("reason"))
    if form.pressed == "Change role":
        form.write(users.set_role, username=who, role=role, reason=reason)
    elif form.submitted:
        active = form.pressed == "Reactivate"
        form.write(users.set_active, username=who, active=active, reason=reason)


def reset_password(others: list[str]) -> None:
    caption = "Also lifts a lock-out and signs the user out everywhere."
    with forms.Form("reset-password", "Reset password", caption=caption) as form:
        who = _who(form, others)
        password = st.text_input(
            "New password", type="password", help=PASSWORD_HELP, key=form.key("password")
        )
        reason = st.text_input("Reason", key=form.key("reason"))
    if form.submitted:
        form.write(users.reset_password, username=who, password=password, reason=reason)


def unlock(locked: list[str]) -> None:
    if not locked:
        st.caption("Nobody is locked out.")
        forms.show_outcome("unlock")
        return
    caption = "Lets a user sign in again before the lock-out runs out."
    with forms.Form("unlock", "Unlock", caption=caption) as form:
        who = _who(form, locked)
        reason = st.text_input("Reason", key=form.key("reason"))
    if form.submitted:
        form.write(users.unlock, username=who, reason=reason)
