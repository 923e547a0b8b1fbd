"""Signing in and out: a clear message for a wrong password, a lock after repeated failures,
each role's own pages in the menu, and a session that follows the user's record."""

import pytest

from fund.auth import MAX_FAILURES, Role
from tests.app.helpers import (
    errors,
    submit,
    text,
    visible,
)
from tests.conftest import PASSWORD

MENU = {
    Role.FUND_MANAGER: ["Portfolio", "Allocate", "Experiments"],
    Role.AUDITOR: ["Portfolio", "Audit"],
    Role.BOARD_MEMBER: ["Portfolio"],
    Role.ADMIN: ["Admin"],
}
FIRST_TITLE = {
    Role.FUND_MANAGER: "Portfolio",
    Role.AUDITOR: "Portfolio",
    Role.BOARD_MEMBER: "Portfolio",
    Role.ADMIN: "Users",
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
