"""Signing in and out: a clear message for a wrong password, a lock after repeated failures,
each role's own pages in the menu, and a session that follows the user's record and that a
reload of the page resumes from the browser's cookie until it expires or ends."""

from datetime import timedelta

import pytest

from fund import db, sessions, users
from fund.auth import MAX_FAILURES, Role
from tests.app.helpers import (
    errors,
    submit,
    text,
    visible,
)
from tests.conftest import PASSWORD, key
from ui import sign_in as ui_sign_in

MENU = {
    Role.FUND_MANAGER: [
        "Portfolio",
        "Board",
        "SROI",
        "Evidence",
        "Lessons",
        "Payment by results",
        "Small grants",
        "Experimental zones",
        "Social ventures",
        "Allocate",
        "Experiments",
        "Ring-fences and programmes",
    ],
    Role.AUDITOR: [
        "Portfolio",
        "Board",
        "SROI",
        "Evidence",
        "Lessons",
        "Payment by results",
        "Small grants",
        "Experimental zones",
        "Social ventures",
        "Verification",
        "Audit",
    ],
    Role.BOARD_MEMBER: [
        "Portfolio",
        "Board",
        "SROI",
        "Lessons",
        "Payment by results",
        "Experimental zones",
        "Social ventures",
    ],
    Role.ADMIN: ["Admin"],
}
FIRST_TITLE = {
    Role.FUND_MANAGER: "Portfolio",
    Role.AUDITOR: "Portfolio",
    Role.BOARD_MEMBER: "Portfolio",
    Role.ADMIN: "Admin",
}


def sign_in(at, username: str, password: str):
    text(at, "User name").input(username)
    text(at, "Password").input(password)
    return submit(at, "Sign in")


def sidebar_text(at) -> str:
    return "\n".join(t.value for t in at.sidebar.text)


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(app, people, con):
    at = app()
    sign_in(at, "manager", "not the password")

    assert errors(at) == ["password: the user name or password is not right"]
    assert "user" not in at.session_state
    assert at.title[0].value == "Ringfence"
    sign_in(at, "nobody", PASSWORD)
    assert errors(at) == ["password: the user name or password is not right"]
    recorded = con.execute(
        "SELECT username, succeeded FROM sign_in_attempt ORDER BY attempted_at"
    ).fetchall()
    assert recorded == [("manager", False), ("nobody", False)]


def test_five_wrong_passwords_lock_the_name_even_for_the_right_one(app, people, con):
    at = app()
    for _ in range(MAX_FAILURES):
        sign_in(at, "auditor", "guessing wrong")
        assert errors(at) == ["password: the user name or password is not right"]

    sign_in(at, "auditor", PASSWORD)

    assert errors(at) == [
        "password: too many failed sign-ins for this user name; try again in 15 minutes"
    ]
    assert "user" not in at.session_state
    # Another name is not affected.
    sign_in(at, "board", PASSWORD)
    assert not errors(at)
    assert at.session_state["user"].username == "board"


@pytest.mark.parametrize("role", list(Role))
def test_signing_in_shows_the_roles_own_pages_and_who_is_signed_in(app, people, menus, role):
    person = people.by_role()[role]
    at = app()
    assert menus[-1] == ["Sign in"]

    sign_in(at, f"  {person.username.upper()} ", PASSWORD)

    assert not at.exception
    assert not errors(at)
    assert menus[-1] == MENU[role]
    assert at.title[0].value == FIRST_TITLE[role]
    shown = sidebar_text(at)
    assert f"Signed in as {person.display_name}" in shown
    assert role.label in shown


def test_signing_out_forgets_the_user_and_shows_the_sign_in_form(app, people, menus):
    at = app(people.manager, "pages/allocate.py")
    assert at.title[0].value == "Allocate"
    assert "Signed in as Mo Manager" in sidebar_text(at)

    at.sidebar.button[0].click().run()

    assert at.title[0].value == "Ringfence"
    assert [w.label for w in at.text_input] == ["User name", "Password"]
    assert "user" not in at.session_state
    assert menus[-1] == ["Sign in"]
    assert not at.sidebar.text


def test_a_user_deactivated_while_signed_in_sees_a_message_not_a_traceback(app, people, con):
    at = app(people.board, "pages/portfolio.py")
    assert at.metric

    con.execute("UPDATE app_user SET active = false WHERE username = 'board'")
    at.run()

    assert not at.exception, at.exception[0].message
    assert not at.metric


def test_a_role_changed_while_signed_in_takes_effect_on_the_next_page(app, people, con):
    at = app(people.manager, "pages/allocate.py")
    assert at.title[0].value == "Allocate"

    con.execute("UPDATE app_user SET role = 'board_member' WHERE username = 'manager'")
    at.run()

    assert not at.exception, at.exception[0].message
    assert visible(at) == ["error"]
    assert errors(at)[0].startswith("Not permitted")


# --- sessions: a reload keeps the person signed in -----------------------------------------


@pytest.fixture
def cookie(monkeypatch):
    """The session cookie a newly loaded tab sends: set ``cookie["token"]`` to send one."""
    jar: dict[str, str | None] = {"token": None}
    monkeypatch.setattr(ui_sign_in, "cookie_token", lambda: jar["token"])
    return jar


def cookie_scripts(at) -> list[str]:
    """The scripts the run put in the page to set or delete the cookie."""
    return [element.proto.body for element in at.get("html")]


def signed_in_tab(app, cookie, username: str = "manager"):
    """A tab signed in at the form; the browser now holds its session's cookie."""
    at = sign_in(app(), username, PASSWORD)
    cookie["token"] = at.session_state[ui_sign_in._TOKEN]
    return at


def reload(app, page: str | None = None):
    """The page loaded again: a new tab state; only the cookie remains."""
    return app(page=page)


def test_signing_in_opens_a_session_and_sets_its_cookie_once(app, people, con, cookie):
    at = signed_in_tab(app, cookie)

    assert sessions.resume(con, cookie["token"]) == people.manager
    (script,) = cookie_scripts(at)
    assert f"ringfence_session={cookie['token']}; Path=/; Max-Age=43200; SameSite=Strict" in script
    assert "location.protocol === 'https:' ? '; Secure'" in script
    assert not cookie_scripts(at.run())
    assert con.execute(
        "SELECT operation, actor FROM audit_log ORDER BY seq DESC LIMIT 1"
    ).fetchone() == (
        "sign in",
        "manager",
    )


def test_a_reloaded_page_resumes_the_session_on_the_same_page(app, people, cookie):
    signed_in_tab(app, cookie)

    at = reload(app, "pages/allocate.py")

    assert not at.exception
    assert at.title[0].value == "Allocate"
    assert "Signed in as Mo Manager" in sidebar_text(at)


def test_signing_out_ends_the_session_and_deletes_the_cookie(app, people, con, cookie):
    at = signed_in_tab(app, cookie)

    at.sidebar.button[0].click().run()

    assert [w.label for w in at.text_input] == ["User name", "Password"]
    (script,) = cookie_scripts(at)
    assert "ringfence_session=; Path=/; Max-Age=0; SameSite=Strict" in script
    assert sessions.resume(con, cookie["token"]) is None
    assert con.execute(
        "SELECT operation, actor FROM audit_log ORDER BY seq DESC LIMIT 1"
    ).fetchone() == (
        "sign out",
        "manager",
    )
    # Even if the browser still sent the old cookie, a reload shows the sign-in form.
    again = reload(app)
    assert [w.label for w in again.text_input] == ["User name", "Password"]
    assert not again.sidebar.text


def test_an_expired_session_shows_the_sign_in_form(app, people, cookie, monkeypatch):
    signed_in_tab(app, cookie)
    moment = db.utc_now() + timedelta(hours=sessions.SESSION_HOURS)
    monkeypatch.setattr(sessions, "utc_now", lambda: moment)

    at = reload(app)

    assert [w.label for w in at.text_input] == ["User name", "Password"]
    assert not at.warning  # nothing was open in this tab, so nothing to explain
    (script,) = cookie_scripts(at)
    assert "Max-Age=0" in script


def test_a_deactivated_users_cookie_no_longer_signs_them_in(app, people, con, cookie):
    signed_in_tab(app, cookie, "board")
    users.set_active(con, people.admin, username="board", active=False, reason="left", key=key())

    at = reload(app)

    assert [w.label for w in at.text_input] == ["User name", "Password"]


def test_a_tab_whose_session_was_ended_elsewhere_is_signed_out_and_told(app, people, con, cookie):
    at = signed_in_tab(app, cookie)
    users.reset_password(
        con, people.admin, username="manager", password="a new passphrase", reason="r", key=key()
    )

    at.run()

    assert [w.label for w in at.text_input] == ["User name", "Password"]
    assert [w.value for w in at.warning] == [
        "You were signed out: your session ended or your account was changed."
    ]
