"""The browser's half of a session: the cookie that keeps its token across page reloads.

Streamlit forgets ``st.session_state`` when the page reloads; a cookie survives. After a
sign-in the page sets a cookie holding the session's token (the database keeps only its
sha256, see :mod:`fund.sessions`); a reloaded tab reads it back from
``st.context.cookies`` (the cookies of the tab's first request, read-only) and resumes the
session. Signing out ends the session and deletes the cookie.

The cookie is ``SameSite=Strict`` (never sent with a request another site starts), ``Path=/``,
``Secure`` when the app is served over https, and lives as long as the session, which does
not slide (:data:`fund.sessions.SESSION_HOURS`). It is written by a script in the page
(``st.html`` with JavaScript, which Streamlit runs in the page, not an iframe), so it cannot
be ``HttpOnly``: a script injected into the page could read it. Everything people type is
shown as text, never HTML, which is what keeps such scripts out.
"""

from __future__ import annotations

import json

import streamlit as st

from fund.sessions import SESSION_HOURS

COOKIE = "ringfence_session"
MAX_AGE = SESSION_HOURS * 60 * 60  # seconds
_TOKEN = "sign_in:token"  # this tab's token; None once the cookie's was found wanting
_PENDING = "sign_in:cookie"  # the cookie change to make on the next run


def cookie_token() -> str | None:
    """The session token the browser sent when this tab connected, if any. (Without a
    browser, as in Streamlit's AppTest, there is no such mapping: no token.)"""
    found = st.context.cookies.get(COOKIE)
    return found if isinstance(found, str) and found else None


def token() -> str | None:
    """This tab's session token: the one it signed in with, else the cookie's (once)."""
    if _TOKEN not in st.session_state:
        st.session_state[_TOKEN] = cookie_token()
    return st.session_state[_TOKEN]


def remember(new_token: str) -> None:
    """Keep a new session's token in this tab, and in the browser's cookie from the next run."""
    st.session_state[_TOKEN] = new_token
    st.session_state[_PENDING] = _cookie(new_token, MAX_AGE)


def forget() -> None:
    """This tab has no session; the browser's cookie is deleted on the next run. The cookie
    sent when the tab connected is not read again."""
    st.session_state[_TOKEN] = None
    st.session_state[_PENDING] = _cookie("", 0)


def write_cookie() -> None:
    """Make, once, the cookie change the last sign-in or sign-out asked for. Called at the
    top of every run, after which the page reruns or draws, so the script reaches the page."""
    script = st.session_state.pop(_PENDING, None)
    if script is not None:
        st.html(script, unsafe_allow_javascript=True)


def _cookie(value: str, max_age: int) -> str:
    """A script that sets the cookie (or, with ``max_age`` 0, deletes it). The token is
    URL-safe text; written as a JavaScript string, a '<' could still not end the script."""
    cookie = json.dumps(f"{COOKIE}={value}; Path=/; Max-Age={max_age}; SameSite=Strict")
    return (
        "<script>document.cookie = "
        + cookie.replace("<", "\\u003c")
        + " + (location.protocol === 'https:' ? '; Secure' : '');</script>"
    )
