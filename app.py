"""Ringfence: sign in, then the pages of your role."""

from __future__ import annotations

import os

import duckdb
import streamlit as st

from fund import db, portfolio
from fund.auth import authenticate
from fund.errors import RingfenceError, describe
from fund.money import format_gbp

st.set_page_config(page_title="Ringfence", page_icon="🛡️", layout="wide")


@st.cache_resource
def _database() -> duckdb.DuckDBPyConnection:
    """One connection per process; each session takes its own cursor from it."""
    return db.connect(os.environ.get("RINGFENCE_DB", str(db.DEFAULT_PATH)))


def _cursor() -> duckdb.DuckDBPyConnection:
    if "cursor" not in st.session_state:
        st.session_state.cursor = _database().cursor()
    return st.session_state.cursor


def _sign_in() -> None:
    st.title("Ringfence")
    with st.form("sign-in"):
        username = st.text_input("User name")
        password = st.text_input("Password", type="password")
        if st.form_submit_button("Sign in"):
            try:
                st.session_state.user = authenticate(_cursor(), username, password)
            except RingfenceError as error:
                st.error(describe(error))
            else:
                st.rerun()


def _overview() -> None:
    user = st.session_state.user
    st.sidebar.write(f"Signed in as **{user.display_name}** ({user.role.label})")
    if st.sidebar.button("Sign out"):
        del st.session_state.user
        st.rerun()
    st.title("Portfolio position")
    try:
        figures = portfolio.headline(_cursor(), user)
    except RingfenceError as error:
        st.error(describe(error))
        st.stop()
    columns = st.columns(4)
    for column, (name, amount) in zip(
        columns * 2,
        [
            ("Ring-fence", figures.ring_fence),
            ("Allocated", figures.allocated),
            ("Committed", figures.committed),
            ("Paid", figures.paid),
            ("Available", figures.available),
            ("Headroom", figures.headroom),
            ("Match funding", figures.match_funding),
        ],
        strict=False,
    ):
        column.metric(name, format_gbp(amount))


if "user" in st.session_state:
    _overview()
else:
    _sign_in()
