"""Experiments: the list with their money, phase and owner; create and edit one with its
partners, move it through the lifecycle, record how it spread."""

import streamlit as st

from fund.auth import Permission
from ui import experiment_editor, experiment_list, lifecycle_forms, session

user = session.guard(Permission.MANAGE_PORTFOLIO)

st.title("Experiments")
chosen = experiment_list.choose(user)
experiment_editor.form(user, chosen)
if chosen is not None:
    lifecycle_forms.section(user, chosen)
