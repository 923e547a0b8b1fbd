"""The admin page: add users with a role (never a default one), change roles, deactivate and
reactivate, reset passwords, see and lift lock-outs, each with a reason and confirmed in
words; verify the audit chain; an admin cannot change their own account and sees no money
pages. A refused form keeps everything that was typed."""

import json

import pytest

from fund import auth
from fund.auth import MAX_FAILURES, Role, authenticate
from fund.errors import AuthenticationFailed
from tests.app.helpers import (
    button,
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


def section(at, label: str):
    """Open one of the page's sections (tabs), as clicking its tab does."""
    at.session_state["admin-section"] = label
    return at.run()


def add_user(
    at,
    username="newbie",
    name="Nia Newbie",
    role=Role.AUDITOR,
    password=NEW_PASSWORD,
    reason="new starter",
):
    text(at, "User name").input(username)
    text(at, "Full name").input(name)
    select(at, "Role").set_value(role)
    text(at, "First password").input(password)
    text(at, "Reason").input(reason)
    return submit(at, "Add user")


def change_user(at, action: str, who: str, reason: str = "left the council", role=None):
    section(at, "Change role or access")
    select(at, "User").set_value(who)
    select(at, "New role").set_value(role)
    text(at, "Reason").input(reason)
    return submit(at, action)


def reset_password(at, who: str, password: str = NEW_PASSWORD, reason: str = "forgotten"):
    section(at, "Reset a password")
    select(at, "User").set_value(who)
    text(at, "New password").input(password)
    text(at, "Reason").input(reason)
    return submit(at, "Reset password")


def unlock(at, who: str, reason: str = "called the help desk"):
    section(at, "Lift a lock-out")
    select(at, "User").set_value(who)
    text(at, "Reason").input(reason)
    return submit(at, "Unlock")


def lock_out(con, username: str) -> None:
    """Five wrong passwords for ``username``: the name is locked."""
    for _ in range(MAX_FAILURES):
        with pytest.raises(AuthenticationFailed):
            auth.sign_in(con, username, "guessing wrong")


def locked_names(at) -> list[str]:
    users = at.dataframe[0].value
    return list(users.loc[users["locked_until"].notna(), "username"])


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


def test_the_admin_sees_every_user_with_role_status_and_lock_and_never_a_hash(app, people, con):
    lock_out(con, "auditor")
    at = app(people.admin, PAGE)

    assert not at.exception
    assert at.title[0].value == "Admin"
    users = at.dataframe[0].value
    assert list(users["username"]) == ["admin", "auditor", "board", "manager", "second"]
    assert list(users["role"]) == [
        "Admin",
        "Auditor",
        "Board member",
        "Fund manager",
        "Fund manager",
    ]
    assert locked_names(at) == ["auditor"]
    assert "password_hash" not in users.columns
    assert not at.metric
    assert not at.table


def test_adding_a_user_writes_them_with_the_chosen_role_and_says_so(app, people, con):
    at = app(people.admin, PAGE)
    before = counts(con)

    add_user(at, username="newbie", role=Role.AUDITOR)

    assert not errors(at)
    assert successes(at) == ["newbie was added as an auditor."]
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
    assert con.execute("SELECT reason FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone() == (
        "new starter",
    )
    assert authenticate(con, "newbie", NEW_PASSWORD).role is Role.AUDITOR
    assert "newbie" in list(at.dataframe[0].value["username"])  # listed straight away


def test_bad_new_users_name_the_field_and_write_nothing(app, people, con):
    at = app(people.admin, PAGE)

    refused_each(
        at,
        con,
        [
            (lambda at: add_user(at, role=None), "role", "choose one"),
            (lambda at: add_user(at, password="short"), "password", "at least 10 characters"),
            (lambda at: add_user(at, username="Not OK!"), "username", "must be 2–40 characters"),
            (lambda at: add_user(at, username=""), "username", "is required"),
            (lambda at: add_user(at, username="manager"), "username", "'manager' is already taken"),
            (lambda at: add_user(at, name="  "), "display name", "is required"),
            (lambda at: add_user(at, reason=" "), "reason", "is required"),
        ],
    )


def test_a_refused_new_user_keeps_every_field_and_no_role_is_chosen_for_them(app, people, con):
    """Bug 3: a refusal cleared the form, and the role then defaulted to fund manager."""
    at = app(people.admin, PAGE)
    assert select(at, "Role").value is None

    add_user(at, username="jdoe", name="Jo Doe", role=Role.AUDITOR, password="short")

    assert errors(at) == ["password: must be at least 10 characters"]
    assert text(at, "User name").value == "jdoe"
    assert text(at, "Full name").value == "Jo Doe"
    assert select(at, "Role").value is Role.AUDITOR
    assert text(at, "First password").value == "short"
    assert text(at, "Reason").value == "new starter"
    # Only the password is typed again; the role chosen before still holds.
    text(at, "First password").input(NEW_PASSWORD)
    submit(at, "Add user")
    assert successes(at) == ["jdoe was added as an auditor."]
    assert user_row(con, "jdoe") == ("jdoe", "Jo Doe", "auditor", True)
    assert text(at, "User name").value == ""  # emptied for the next user


def test_a_new_user_sent_without_a_role_is_refused_not_made_a_fund_manager(app, people, con):
    at = app(people.admin, PAGE)

    add_user(at, username="jdoe", role=None)

    assert errors(at) == ["role: choose one"]
    assert user_row(con, "jdoe") is None
    assert text(at, "User name").value == "jdoe"


def test_a_deactivated_user_cannot_sign_in_until_reactivated(app, people, con):
    at = app(people.admin, PAGE)
    before = counts(con)

    change_user(at, "Deactivate", "board")

    assert not errors(at)
    assert successes(at) == ["board was deactivated: they can no longer sign in or act."]
    assert grew(before, counts(con)) == {"audit_log": 1}
    assert user_row(con, "board")[3] is False
    refused = sign_in_form(app, "board", PASSWORD)
    assert errors(refused) == ["password: the user name or password is not right"]
    assert "user" not in refused.session_state

    change_user(at, "Reactivate", "board", reason="back from leave")

    assert successes(at) == ["board was reactivated: they can sign in again."]
    assert user_row(con, "board")[3] is True
    welcomed = sign_in_form(app, "board", PASSWORD)
    assert not errors(welcomed)
    assert welcomed.session_state["user"].username == "board"


def test_changing_a_role_writes_the_new_role_and_says_so(app, people, con):
    at = app(people.admin, PAGE)

    refused_each(
        at,
        con,
        [
            (
                lambda at: change_user(at, "Change role", "manager", reason="", role=Role.AUDITOR),
                "reason",
                "is required",
            ),
            (lambda at: change_user(at, "Change role", "manager", role=None), "role", "choose one"),
        ],
    )
    change_user(at, "Change role", "manager", reason="moved to internal audit", role=Role.AUDITOR)

    assert successes(at) == ["manager is now an auditor."]
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

    assert successes(at) == ["auditor's password was reset."]
    assert grew(before, counts(con)) == {"audit_log": 1}
    assert not can_sign_in(con, "auditor", PASSWORD)
    assert can_sign_in(con, "auditor", NEW_PASSWORD)


def test_a_password_reset_lifts_the_users_lock(app, people, con):
    lock_out(con, "auditor")
    at = app(people.admin, PAGE)

    reset_password(at, "auditor")

    assert successes(at) == ["auditor's password was reset and their lock lifted."]
    assert locked_names(at) == []
    assert auth.sign_in(con, "auditor", NEW_PASSWORD).username == "auditor"


def test_the_admin_lifts_a_lock_out_and_the_user_signs_in(app, people, con):
    lock_out(con, "auditor")
    at = app(people.admin, PAGE)
    section(at, "Lift a lock-out")
    assert select(at, "User").options == ["auditor"]  # only locked names are offered

    refused_each(at, con, [(lambda at: unlock(at, "auditor", reason=""), "reason", "is required")])
    assert select(at, "User").value == "auditor"  # the refused form keeps its choice
    unlock(at, "auditor")

    assert successes(at) == ["auditor's lock was lifted: they can sign in again."]
    assert locked_names(at) == []
    assert [c.value for c in at.caption] == ["Nobody is locked out."]
    assert auth.sign_in(con, "auditor", PASSWORD).username == "auditor"


def test_with_nobody_locked_out_there_is_nothing_to_unlock(app, people):
    at = section(app(people.admin, PAGE), "Lift a lock-out")
    assert [c.value for c in at.caption] == ["Nobody is locked out."]
    assert not [b for b in at.button if b.label == "Unlock"]


def test_the_admin_verifies_the_audit_chain_from_the_admin_page(app, people, con):
    at = section(app(people.admin, PAGE), "Audit chain")

    button(at, "Verify the audit chain").click().run()

    assert not errors(at)
    (said,) = successes(at)
    (rows,) = con.execute("SELECT count(*) FROM audit_log").fetchone()
    assert said.startswith(f"OK: {rows:,} audit rows")


def test_an_admin_is_not_offered_their_own_account_to_change(app, people, con):
    at = app(people.admin, PAGE)

    for tab in ("Change role or access", "Reset a password"):
        who = select(section(at, tab), "User")
        assert sorted(who.options) == ["auditor", "board", "manager", "second"], tab


def test_an_admin_sees_no_money_pages(app, people, menus):
    at = app(people.admin)
    assert menus[-1] == ["Admin"]
    assert at.title[0].value == "Admin"

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


def test_the_admin_makes_a_verified_backup_recorded_in_the_trail_and_downloads_it(app, people, con):
    at = section(app(people.admin, PAGE), "Backup")
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
