"""Who is signed in, the database they work on, the guard at the top of every page, and
the one way a page submits a form."""

from __future__ import annotations

import hashlib
import uuid

import streamlit as st

from fund import portfolio
from fund.auth import Permission, User, may, refresh
from fund.errors import RingfenceError, describe
from fund.money import format_gbp
from ui.database import cursor
from ui.format import plain

# A request that waits for a second person is not "done"; everything else is.
_WAITING = "Waiting for a second fund manager: approval request #{id}"


def user() -> User | None:
    """The signed-in user as the database knows them on this run: a changed role applies at
    once, and a deactivated account is signed out."""
    person = st.session_state.get("user")
    if person is None:
        return None
    fresh = refresh(cursor(), person)
    if fresh is None:
        sign_out()
        st.session_state.flash = (
            "warning",
            "Your account is no longer active; you were signed out.",
        )
        return None
    st.session_state.user = fresh
    return fresh


def sign_out() -> None:
    for name in list(st.session_state.keys()):
        del st.session_state[name]


def show_flash() -> None:
    """The confirmation of the last write, shown once on the run after it (see :func:`write`)."""
    kind, message, *moved = st.session_state.pop("flash", (None, None))
    if kind == "success":
        st.success(message)
    elif kind == "warning":
        st.warning(message)
    if moved and moved[0]:
        st.table(
            {
                "Figure": [name for name, _, _ in moved[0]],
                "Before": [format_gbp(b) for _, b, _ in moved[0]],
                "After": [format_gbp(a) for _, _, a in moved[0]],
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


def write(form: str, action, *, said=None, **kwargs):
    """Submit one form through a fund service; on success, rerun and confirm what changed.

    The headline position is read before and after, so the person sees exactly which
    figures moved; the page then reruns so that every table and list on it is current. A
    refusal shows the service's message (naming the field and the rule) and nothing was
    written. ``said``, given the service's result, words the confirmation instead, for a
    service that writes many records at once (a payment run).
    """
    person, con = user(), cursor()
    shows_money = may(person.role, Permission.READ_SUMMARY)
    before = portfolio.headline(con, person) if shows_money else None
    result = attempt(action, con, person, key=form_key(form, kwargs), **kwargs)
    if result is None:
        return None
    moved = portfolio.changes(before, portfolio.headline(con, person)) if shows_money else []
    st.session_state.flash = ("success", (said or _confirmation)(result), moved)
    st.rerun()


def _confirmation(result) -> str:
    """What one write did, or that its key had already done it (and nothing moved)."""
    if result.replayed:
        return (
            "Already done: this exact request was made before"
            f" ({result.entity} #{result.entity_id}); nothing new was written."
        )
    done = _WAITING if result.entity == "approval request" else "Done: {entity} #{id}"
    return done.format(entity=result.entity, id=result.entity_id) + "."
