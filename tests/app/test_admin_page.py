"""The admin page: add users with a role, change roles, deactivate and reactivate, reset
passwords; an admin cannot change their own account and sees no money pages."""

import json

import pytest

from fund.auth import Role, authenticate
from fund.errors import AuthenticationFailed
from tests.app.helpers import (
    counts,
    errors,
    grew,
    refused_each,
    select,
    submit,
    successes,
    text,
    visible,
)
from tests.conftest import PASSWORD

PAGE = "pages/admin.py"
NEW_PASSWORD = "a brand new passphrase"


def add_user(at, username="newbie", name="Nia Newbie", role=Role.AUDITOR, password=NEW_PASSWORD):
    text(at, "User name").input(username)
    text(at, "Full name").input(name)
    select(at, "Role").set_value(role)
    text(at, "First password").input(password)
    return submit(at, "Add user")


def change_user(at, action: str, who: str, reason: str = "left the council", role=None):
    select(at, "User", 0).set_value(who)
    if role is not None:
        at.selectbox(key="new-role").set_value(role)
    text(at, "Reason", 0).input(reason)
    return submit(at, action)


def reset_password(at, who: str, password: str = NEW_PASSWORD, reason: str = "forgotten"):
    at.selectbox(key="reset-who").set_value(who)
    text(at, "New password").input(password)
    at.text_input(key="reset-reason").input(reason)
    return submit(at, "Reset password")


def user_row(con, username: str) -> tuple:
    return con.execute(
        "SELECT username, display_name, role, active FROM app_user WHERE username = ?",
        [username],
    ).fetchone()


def can_sign_in(con, username: str, password: str) -> bool:
    try:
        authenticate(con, username, password)
    except AuthenticationFailed:
        return False
    return True


def sign_in_form(app, username: str, password: str):
    at = app()
    text(at, "User name").input(username)
    text(at, "Password").input(password)
    return submit(at, "Sign in")


def test_the_admin_sees_every_user_with_role_and_status_and_never_a_hash(app, people, con):
    at = app(people.admin, PAGE)

    assert not at.exception
    assert at.title[0].value == "Users"
    users = at.dataframe[0].value
    assert list(users["username"]) == ["admin", "auditor", "board", "manager", "second"]
    assert list(users["role"]) == [
        "Admin",
        "Auditor",
        "Board member",
        "Fund manager",
        "Fund manager",
    ]
    assert "password_hash" not in users.columns
    assert not at.metric
    assert not at.table


def test_adding_a_user_writes_them_with_the_chosen_role(app, people, con):
    at = app(people.admin, PAGE)
    before = counts(con)

    add_user(at, username="newbie", role=Role.AUDITOR)

    assert not errors(at)
    assert successes(at) == ["Done: user #6."]
    assert grew(before, counts(con)) == {"app_user": 1, "audit_log": 1}
    assert user_row(con, "newbie") == ("newbie", "Nia Newbie", "auditor", True)
    (stored,) = con.execute(
        "SELECT password_hash FROM app_user WHERE username = 'newbie'"
    ).fetchone()
    assert stored.startswith("$argon2") and NEW_PASSWORD not in stored
    assert (
        NEW_PASSWORD
        not in con.execute("SELECT string_agg(details, ' ') FROM audit_log").fetchone()[0]
    )
    assert authenticate(con, "newbie", NEW_PASSWORD).role is Role.AUDITOR


def test_bad_new_users_name_the_field_and_write_nothing(app, people, con):
    at = app(people.admin, PAGE)

    refused_each(
        at,
        con,
        [
            (lambda at: add_user(at, password="short"), "password", "at least 10 characters"),
            (lambda at: add_user(at, username="Not OK!"), "username", "must be 2–40 characters"),
            (lambda at: add_user(at, username=""), "username", "is required"),
            (lambda at: add_user(at, username="manager"), "username", "'manager' is already taken"),
            (lambda at: add_user(at, name="  "), "display name", "is required"),
        ],
    )


def test_a_deactivated_user_cannot_sign_in_until_reactivated(app, people, con):
    at = app(people.admin, PAGE)
    before = counts(con)

    change_user(at, "Deactivate", "board")

    assert not errors(at)
    assert successes(at) == [f"Done: user #{people.board.user_id}."]
    assert grew(before, counts(con)) == {"audit_log": 1}
    assert user_row(con, "board")[3] is False
    refused = sign_in_form(app, "board", PASSWORD)
    assert errors(refused) == ["password: the user name or password is not right"]
    assert "user" not in refused.session_state

    change_user(at, "Reactivate", "board", reason="back from leave")

    assert user_row(con, "board")[3] is True
    welcomed = sign_in_form(app, "board", PASSWORD)
    assert not errors(welcomed)
    assert welcomed.session_state["user"].username == "board"


def test_changing_a_role_writes_the_new_role(app, people, con):
    at = app(people.admin, PAGE)

    refused_each(
        at,
        con,
        [
            (
                lambda at: change_user(at, "Change role", "manager", reason="", role=Role.AUDITOR),
                "reason",
                "is required",
            )
        ],
    )
    change_user(at, "Change role", "manager", reason="moved to internal audit", role=Role.AUDITOR)

    assert successes(at) == [f"Done: user #{people.manager.user_id}."]
    assert user_row(con, "manager")[2] == "auditor"
    assert authenticate(con, "manager", PASSWORD).role is Role.AUDITOR


def test_resetting_a_password_replaces_the_old_one(app, people, con):
    at = app(people.admin, PAGE)

    refused_each(
        at,
        con,
        [
            (
                lambda at: reset_password(at, "auditor", password="too short"),
                "password",
                "at least 10 characters",
            ),
            (lambda at: reset_password(at, "auditor", reason=" "), "reason", "is required"),
        ],
    )
    before = counts(con)
    reset_password(at, "auditor")

    assert successes(at) == [f"Done: user #{people.auditor.user_id}."]
    assert grew(before, counts(con)) == {"audit_log": 1}
    assert not can_sign_in(con, "auditor", PASSWORD)
    assert can_sign_in(con, "auditor", NEW_PASSWORD)


def test_an_admin_is_not_offered_their_own_account_to_change(app, people, con):
    at = app(people.admin, PAGE)

    for who in (select(at, "User", 0), at.selectbox(key="reset-who")):
        assert "admin" not in who.options
        assert sorted(who.options) == ["auditor", "board", "manager", "second"]


def test_an_admin_sees_no_money_pages(app, people, menus):
    at = app(people.admin)
    assert menus[-1] == ["Admin"]
    assert at.title[0].value == "Users"

    for page in (
        "pages/portfolio.py",
        "pages/allocate.py",
        "pages/experiments.py",
        "pages/audit.py",
    ):
        at.switch_page(page).run()
        assert not at.exception, page
        assert visible(at) == ["error"], page
        assert errors(at)[0].startswith("Not permitted:"), page


@pytest.mark.parametrize("role", [Role.FUND_MANAGER, Role.AUDITOR, Role.BOARD_MEMBER])
def test_roles_without_the_manage_users_permission_see_only_not_permitted(app, people, role):
    at = app(people.by_role()[role], PAGE)

    assert not at.exception
    assert visible(at) == ["error"]
    (message,) = errors(at)
    assert message.startswith("Not permitted:")
    assert message.endswith("cannot manage users.")


def test_a_new_user_is_listed_straight_after_adding_them(app, people, con):
    at = app(people.admin, PAGE)

    add_user(at, username="newbie")
    assert successes(at) == ["Done: user #6."]

    assert "newbie" in list(at.dataframe[0].value["username"])


def test_the_admin_makes_a_verified_backup_recorded_in_the_trail_and_downloads_it(app, people, con):
    at = app(people.admin, PAGE)
    before = counts(con)

    submit(at, "Make a backup")

    assert not at.exception
    assert not errors(at)
    (said,) = successes(at)
    assert said.startswith("Backup made and verified up to audit row #")
    assert grew(before, counts(con)) == {"audit_log": 1}
    operation, details = con.execute(
        "SELECT operation, details FROM audit_log ORDER BY seq DESC LIMIT 1"
    ).fetchone()
    assert operation == "backup"
    (download,) = at.get("download_button")
    name = json.loads(details)["file"]
    assert download.label == f"Download {name}"
    assert name.startswith("ringfence-backup-") and name.endswith(".duckdb")
    assert download.proto.url
