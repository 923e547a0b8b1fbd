"""Who is signed in, the database they work on, and the guard at the top of every page."""

from __future__ import annotations

import os
import uuid

import duckdb
import streamlit as st

from fund import db, portfolio
from fund.auth import Permission, User, may
from fund.errors import RingfenceError, describe
from fund.money import format_gbp


@st.cache_resource
def _open(path: str) -> duckdb.DuckDBPyConnection:
    return db.connect(path)


def database() -> duckdb.DuckDBPyConnection:
    """One DuckDB connection per process and file (DuckDB allows one writer per file)."""
    return _open(os.environ.get("RINGFENCE_DB", str(db.DEFAULT_PATH)))


def cursor() -> duckdb.DuckDBPyConnection:
    """This session's own cursor: a DuckDB connection refuses use from two threads."""
    if "cursor" not in st.session_state:
        st.session_state.cursor = database().cursor()
    return st.session_state.cursor


def user() -> User | None:
    return st.session_state.get("user")


def sign_out() -> None:
    for name in list(st.session_state.keys()):
        del st.session_state[name]


def guard(permission: Permission) -> User:
    """Stop the page unless someone is signed in whose role grants ``permission``.

    Pages of other roles are hidden from the menu but still reachable by URL; this is what
    such a visitor sees. The services check again, so this is a courtesy, not the control.
    """
    current = user()
    if current is None:
        # Only reachable when a fresh server's first request is a page URL: Streamlit then
        # runs the page on its own, before app.py has set up navigation. Start at app.py.
        st.switch_page("app.py")
    if not may(current.role, permission):
        st.error(f"Not permitted: a {current.role.label} cannot {permission.value}.")
        st.stop()
    return current


def form_key(form: str) -> str:
    """The idempotency key for the next submission of ``form``: the same until it succeeds,
    so a double click or a resubmitted page writes once."""
    name = f"key:{form}"
    if name not in st.session_state:
        st.session_state[name] = str(uuid.uuid4())
    return st.session_state[name]


def form_done(form: str) -> None:
    """A submission went through: the next one is a new operation with a new key."""
    st.session_state.pop(f"key:{form}", None)


def attempt(action, *args, **kwargs):
    """Run a service call; on refusal show its message (field and rule) and return None."""
    try:
        return action(*args, **kwargs)
    except RingfenceError as error:
        st.error(describe(error))
        return None


def write(form: str, action, **kwargs):
    """Submit one form through a fund service and show what it changed.

    The form's idempotency key goes with it; the headline position is read before and
    after, so the person sees exactly which figures moved. A refusal shows the service's
    message (naming the field and the rule) and nothing was written.
    """
    person, con = user(), cursor()
    shows_money = may(person.role, Permission.READ_SUMMARY)
    before = portfolio.headline(con, person) if shows_money else None
    result = attempt(action, con, person, key=form_key(form), **kwargs)
    if result is None:
        return None
    form_done(form)
    moved = portfolio.changes(before, portfolio.headline(con, person)) if shows_money else []
    note = (
        " (this request had already been made; nothing new was written)" if result.replayed else ""
    )
    st.success(f"Done: {result.entity} #{result.entity_id}{note}.")
    if moved:
        st.table(
            {
                "Figure": [name for name, _, _ in moved],
                "Before": [format_gbp(b) for _, b, _ in moved],
                "After": [format_gbp(a) for _, _, a in moved],
            }
        )
    return result
