"""The demo accounts, and the mark that lets only a demo database's sign-in page list them."""

from __future__ import annotations

from typing import NamedTuple

import duckdb
import pandas as pd

from fund.auth import Permission, Role, User
from fund.unit_of_work import Request, Step, Written, perform


class DemoUser(NamedTuple):
    """A demo account; the README and a demo database's sign-in page show these passwords."""

    username: str
    display_name: str
    role: Role
    password: str


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("admin", "Adam Kowalski", Role.ADMIN, "admin-demo-pw"),
    DemoUser("manager", "Fatima Hussain", Role.FUND_MANAGER, "manager-demo-pw"),
    DemoUser("manager2", "Daniel Okoro", Role.FUND_MANAGER, "manager2-demo-pw"),
    DemoUser("auditor", "Alice Whitfield", Role.AUDITOR, "auditor-demo-pw"),
    DemoUser("board", "Cllr Margaret Bell", Role.BOARD_MEMBER, "board-demo-pw"),
)


def users_table() -> pd.DataFrame:
    """The demo accounts as the sign-in page of a demo database lists them."""
    return pd.DataFrame(
        [(u.username, u.display_name, u.role.label, u.password) for u in DEMO_USERS],
        columns=["user name", "name", "role", "password"],
    )


def is_demo(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether this database was made by :func:`fund.demo.build`: only then may the sign-in page show
    the demo passwords."""
    found = con.execute("SELECT value FROM setting WHERE name = 'demo'").fetchall()
    return bool(found) and found[0][0] == "true"


def mark_as_demo(con: duckdb.DuckDBPyConnection, admin: User, *, key: str) -> Written:
    """Record that :func:`fund.demo.build` made this database (see :func:`is_demo`).

    The mark decides whether the sign-in page shows passwords, so it is an audited write of
    the admin's, like any other setting.
    """
    request = Request(
        operation="mark as demo", key=key, reason="demo database", details={"demo": "true"}
    )

    def change(step: Step) -> tuple[str, int | None]:
        step.con.execute("INSERT INTO setting VALUES ('demo', 'true')")
        step.record("setting", "demo")
        return "setting", None

    return perform(con, admin, Permission.MANAGE_USERS, request, change)
