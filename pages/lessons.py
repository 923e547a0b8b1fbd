"""Lessons: what every experiment taught, from success or failure, searchable by text, tag,
verdict, programme and instrument; the fund's learning metrics; and, for those who may see
who is responsible, the officials' scorecard. Every reading role; board members see no
names."""

import streamlit as st

from fund.auth import Permission
from ui import forms, lessons_learning, lessons_search, session

user = session.guard(Permission.READ_SUMMARY)
con = session.cursor()

st.title("Lessons")
st.caption(
    "The value of each experiment is the lesson it left. Stopped, with a lesson, is a"
    " successful outcome for the fund."
)
forms.sections(
    "lessons-section",
    {
        "Lessons": lambda: lessons_search.section(con, user),
        "Learning": lambda: lessons_learning.section(con, user),
    },
)
