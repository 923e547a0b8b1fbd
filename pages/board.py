"""Board: every figure a board decides with, as the records stood at the end of a chosen
day — social return, money, social ventures, learning, risk, a lessons digest, one
experiment's sensitivity — and the board pack to take into the meeting. Board members, fund
managers and auditors; board members see no officials' names."""

import streamlit as st

from fund.auth import Permission
from fund.board.view import board
from fund.db import today
from ui import board as sections
from ui import board_experiment, board_pack, session

user = session.guard(Permission.READ_SUMMARY)
con = session.cursor()

st.title("Board")
latest = today()
as_at = st.date_input(
    "As at",
    value=latest,
    max_value=latest,
    format="DD/MM/YYYY",
    key="board-as-at",
    help="Every figure as the records stood at the end of this day (UK time): what was"
    " recorded later never shows, whatever date it carries.",
)
loading = st.progress(0.0, text="Reading the board's figures")
view = session.attempt(
    board, con, user, as_at, progress=lambda share, words: loading.progress(share, text=words)
)
loading.empty()
if view is None:
    st.stop()
st.caption(
    f"As at the end of {view.as_at:%d/%m/%Y}. Partners' match funding and each experiment's"
    " phase and risk rating are as they stand now."
)

sections.social_return(view)
sections.money(view)
sections.ventures(view)
sections.learning(view)
sections.risk(view)
sections.digest(view)
board_experiment.section(con, user, view)
board_pack.section(con, user, view.as_at)
