"""Who is signed in, the database they work on, the guard at the top of every page, and
what a write needs around it (its key, the figures it moved); forms are in :mod:`ui.forms`."""

from __future__ import annotations

import hashlib
import uuid
from decimal import Decimal

import duckdb
import streamlit as st

from fund import portfolio, sessions
from fund.auth import Permission, User, may, refresh
from fund.errors import RingfenceError, describe
from fund.money import format_gbp
from ui import sign_in
from ui.database import cursor
from ui.format import plain


def user() -> User | None:
    """The signed-in user as the database knows them on this run: a changed role applies at
    once. A tab that has a session (the token it signed in with, or after a reload the
    browser's cookie) is signed out when the session has expired or ended (signed out in
    another tab, a password reset) or the account was deactivated."""
    person, token = st.session_state.get("user"), sign_in.token()
    if token is None and person is None:
        return None
    # A tab without a token was signed in by a page test (tests/app/conftest.py).
    fresh = sessions.resume(cursor(), token) if token else refresh(cursor(), person)
    if fresh is None:
        sign_out()
        if person is not None:
            st.session_state.flash = (
                "warning",
                "You were signed out: your session ended or your account was changed.",
            )
        return None
    st.session_state.user = fresh
    return fresh


def sign_out() -> None:
    """End this tab's session (if it is still open), forget everything the tab held, and
    delete the browser's cookie. Should ending it be refused (another write at the same
    moment), the tab stays signed in and says so, to be tried again."""
    token = sign_in.token()
    if token:
        sessions.end(cursor(), token)
    for name in list(st.session_state.keys()):
        del st.session_state[name]
    sign_in.forget()


def show_flash() -> None:
    """A message for the next run that belongs to no form (e.g. "you were signed out")."""
    kind, message = st.session_state.pop("flash", (None, None))
    if kind == "success":
        st.success(message)
    elif kind == "warning":
        st.warning(message)


def figures(con: duckdb.DuckDBPyConnection, person: User) -> portfolio.Headline | None:
    """The headline figures before a write, for those who may read them."""
    return portfolio.headline(con, person) if may(person.role, Permission.READ_SUMMARY) else None


def moved(
    con: duckdb.DuckDBPyConnection, person: User, before: portfolio.Headline | None
) -> list[tuple[str, Decimal, Decimal]]:
    """The headline figures a write changed, as (figure, before, after)."""
    return [] if before is None else portfolio.changes(before, portfolio.headline(con, person))


def moved_table(changed: list[tuple[str, Decimal, Decimal]]) -> None:
    st.table(
        {
            "Figure": [name for name, _, _ in changed],
            "Before": [format_gbp(b) for _, b, _ in changed],
            "After": [format_gbp(a) for _, _, a in changed],
        }
    )


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


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
        role = current.role.label
        st.error(f"Not permitted: {_article(role)} {role} cannot {permission.value}.")
        st.stop()
    show_flash()
    return current


def form_key(form: str, values: dict) -> str:
    """The idempotency key of a submission: the same for the same values, so a double click,
    a resubmitted page or pressing again after success writes once; new values, new key."""
    fingerprint = hashlib.sha256(repr(sorted(values.items())).encode()).hexdigest()
    last = st.session_state.get(f"key:{form}")
    if last is None or last[0] != fingerprint:
        last = (fingerprint, str(uuid.uuid4()))
        st.session_state[f"key:{form}"] = last
    return last[1]


def attempt(action, *args, **kwargs):
    """Run a service call; on refusal show its message (field and rule) and return None."""
    try:
        return action(*args, **kwargs)
    except RingfenceError as error:
        st.error(plain(describe(error)))
        return None
