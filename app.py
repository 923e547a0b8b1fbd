"""Ringfence: sign in, then the pages your role may use.

Every page is registered so that a URL always resolves; pages outside the user's role are
hidden from the menu and, if reached anyway, show "not permitted" (the services refuse too).
Signing in opens a session that a reload of the page resumes (see ``ui/sign_in.py``).
"""

from __future__ import annotations

import logging
from pathlib import Path

import streamlit as st

from fund import demo, sessions
from fund.auth import User, may
from fund.errors import RingfenceError, describe
from ui import format, session, sign_in
from ui.navigation import PAGES

st.set_page_config(page_title="Ringfence", page_icon="🛡️", layout="wide")


def sign_in_page() -> None:
    st.title("Ringfence")
    session.show_flash()
    st.caption("Portfolio manager for public-sector risk capital")
    with st.form("sign-in"):
        username = st.text_input("User name")
        password = st.text_input("Password", type="password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        started = session.attempt(sessions.start, session.cursor(), username, password)
        if started is not None:
            st.session_state.user = started.user
            sign_in.remember(started.token)
            st.rerun()
    if demo.is_demo(session.cursor()):
        st.info("This is a demo database. Sign in as one of the demo users:")
        st.table(demo.users_table())


def navigation(person: User) -> st.navigation:
    pages = [
        st.Page(
            path,
            title=title,
            icon=icon,
            visibility="visible" if may(person.role, permission) else "hidden",
        )
        for path, title, icon, permission in PAGES
    ]
    visible = [p for p in pages if p.visibility == "visible"]
    return st.navigation([*visible, *(p for p in pages if p not in visible)])


def sidebar(person: User) -> None:
    st.sidebar.text(f"Signed in as {person.display_name}\nRole: {person.role.label}")
    if st.sidebar.button("Sign out", icon=":material/logout:"):
        session.sign_out()
        st.rerun()


def signed_out() -> st.navigation:
    """Only the sign-in form; a bookmarked page URL shows it too, then that page after sign-in."""
    bookmarks = [
        st.Page(sign_in_page, title="Sign in", url_path=Path(path).stem, visibility="hidden")
        for path, *_ in PAGES
    ]
    return st.navigation(
        [st.Page(sign_in_page, title="Sign in", icon=":material/login:"), *bookmarks]
    )


def main() -> None:
    person = session.user()  # read from the database once for this run
    sign_in.write_cookie()  # what the last sign-in or sign-out asked of the browser
    if person is None:
        signed_out().run()
        return
    page = navigation(person)
    sidebar(person)
    page.run()


try:
    main()
except RingfenceError as refusal:  # e.g. a permission withdrawn between two clicks
    st.error(format.plain(describe(refusal)))
except Exception:  # never a traceback for the person at the screen; the log keeps it
    logging.getLogger("ringfence").exception("a page failed")
    st.error(
        "Something went wrong on our side and the page stopped. Nothing was half-written: "
        "every change is one transaction. The details are in the server's log."
    )
