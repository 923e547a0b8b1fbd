"""Shared fixtures: a migrated database on a temporary file holding users for every role and
a small portfolio, and that portfolio funded.

Building them takes fifteen audited writes and a migration, so :func:`template` builds them
once per process and each test gets its own copy of that file (same rows, ids and users).
Argon2 runs at its lowest cost in tests: the hashes are still argon2, only cheaper.
"""

from __future__ import annotations

import atexit
import functools
import itertools
import shutil
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pytest
from argon2 import PasswordHasher

from fund import auth, db, ledger, register, users
from fund.auth import Role, User, authenticate
from fund.evidence import plans

FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)

PASSWORD = "correct horse battery"
_keys = itertools.count(1)


def key() -> str:
    """A fresh idempotency key, as a form or CLI invocation would generate."""
    return f"test-{next(_keys)}"


@dataclass(frozen=True)
class People:
    admin: User
    manager: User
    second_manager: User
    auditor: User
    board: User

    def by_role(self) -> dict[Role, User]:
        return {
            Role.ADMIN: self.admin,
            Role.FUND_MANAGER: self.manager,
            Role.AUDITOR: self.auditor,
            Role.BOARD_MEMBER: self.board,
        }


@dataclass(frozen=True)
class Portfolio:
    """A £1,000,000.00 ring-fence, two programmes and one experiment of each instrument."""

    ringfence_id: int
    other_ringfence_id: int
    programme_id: int
    other_programme_id: int
    experiments: dict[str, int]


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "fund.duckdb"


def build_people(con: duckdb.DuckDBPyConnection) -> People:
    admin = users.bootstrap_admin(
        con, username="admin", display_name="Ada Admin", password=PASSWORD
    )
    for name, shown, role in [
        ("manager", "Mo Manager", "fund_manager"),
        ("second", "Sam Second", "fund_manager"),
        ("auditor", "Aud Itor", "auditor"),
        ("board", "Bo Ard", "board_member"),
    ]:
        users.add_user(
            con, admin, username=name, display_name=shown, role=role, password=PASSWORD, key=key()
        )
    return People(
        admin=admin,
        manager=authenticate(con, "manager", PASSWORD),
        second_manager=authenticate(con, "second", PASSWORD),
        auditor=authenticate(con, "auditor", PASSWORD),
        board=authenticate(con, "board", PASSWORD),
    )


def build_portfolio(
    con: duckdb.DuckDBPyConnection, people: People, *, with_plans: bool = True
) -> Portfolio:
    """The portfolio, each experiment with an evaluation plan (``with_plans``: a database
    made before plans existed has none)."""
    fm = people.manager
    ringfence_id = register.declare_ringfence(
        con,
        fm,
        name="Innovation Fund",
        owner_body="Northborough Council",
        financial_years="2025-26 to 2026-27",
        declared_amount="1000000.00",
        purpose="Test new ways to help residents",
        advertised_on=date(2025, 3, 1),
        delegated_limit="10000.00",
        key=key(),
    ).entity_id
    other_ringfence_id = register.declare_ringfence(
        con,
        fm,
        name="Second Fund",
        owner_body="Northborough Council",
        financial_years="2025-26",
        declared_amount="200000.00",
        purpose="A second pot",
        advertised_on=date(2025, 3, 1),
        delegated_limit="10000.00",
        key=key(),
    ).entity_id
    programme_id = register.add_programme(
        con,
        fm,
        ringfence_id=ringfence_id,
        name="Young people into work",
        target="Halve youth unemployment in the borough",
        key=key(),
    ).entity_id
    other_programme_id = register.add_programme(
        con,
        fm,
        ringfence_id=ringfence_id,
        name="Financial inclusion",
        target="Every resident has a bank account",
        key=key(),
    ).entity_id
    experiments = {
        instrument.value: register.add_experiment(
            con,
            fm,
            programme_id=programme_id,
            title=f"Trial of {instrument.value}",
            instrument=instrument.value,
            phase=1,
            risk_rating="medium",
            official="Pat Official",
            user_involvement="co-designed",
            partners=[
                register.PartnerShare(
                    name="Northborough University",
                    sector="university",
                    role="evaluator",
                    match_in_kind="1500.00",
                ),
                register.PartnerShare(
                    name="Youth Trust",
                    sector="civil_society",
                    role="innovation_creator",
                    match_cash="2500.00",
                ),
            ],
            key=key(),
        ).entity_id
        for instrument in register.Instrument
    }
    for instrument, experiment_id in experiments.items() if with_plans else ():
        plans.register_plan(
            con, fm, experiment_id, plan_for(instrument), key=key(), reason="plan before money"
        )
    return Portfolio(
        ringfence_id, other_ringfence_id, programme_id, other_programme_id, experiments
    )


SMALL_GRANT_PLAN = {
    "hypothesis": "A peer mentor helps young people keep a first job",
    "metric": "Young people in work after six months",
    "metric_unit": "share of participants",
    "higher_is_better": True,
    "design": "none",
}
FULL_PLAN = {
    **SMALL_GRANT_PLAN,
    "design": "two-group",
    "baseline": "0.40",
    "target_effect": "0.05",
    "planned_sample": "400",
    "review_date": "2026-09-30",
    "kill_threshold": "0.30",
    "kill_by": "2026-06-30",
}


def plan_for(instrument: str) -> dict[str, object]:
    """An evaluation plan for a test experiment of ``instrument``: the least a small grant
    needs, a full test otherwise."""
    return SMALL_GRANT_PLAN if instrument == "small_grant" else FULL_PLAN


@dataclass(frozen=True)
class Template:
    path: Path
    people: People
    portfolio: Portfolio


@functools.cache
def template() -> Template:
    """The database of :func:`build_people` and :func:`build_portfolio`, built once."""
    folder = Path(tempfile.mkdtemp(prefix="ringfence-template-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    path = folder / "fund.duckdb"
    real_hasher, auth._hasher = auth._hasher, FAST_HASHER
    try:
        con = db.connect(path)
        people = build_people(con)
        built = build_portfolio(con, people)
        con.close()
    finally:
        auth._hasher = real_hasher
    return Template(path=path, people=people, portfolio=built)


@pytest.fixture(autouse=True)
def _cheap_argon2(monkeypatch):
    monkeypatch.setattr(auth, "_hasher", FAST_HASHER)


@pytest.fixture
def con(db_path) -> duckdb.DuckDBPyConnection:
    """This test's own copy of the template database, at ``db_path`` (where the app looks)."""
    shutil.copy(template().path, db_path)
    connection = db.connect(db_path)
    yield connection
    connection.close()


@pytest.fixture
def people(con) -> People:
    return template().people


@pytest.fixture
def portfolio(con, people) -> Portfolio:
    return template().portfolio


@pytest.fixture
def funded(con, people, portfolio) -> Portfolio:
    """The portfolio with £100,000.00 allocated to the first programme."""
    ledger.allocate(
        con,
        people.manager,
        programme_id=portfolio.programme_id,
        amount="100000.00",
        reason="first allocation",
        key=key(),
    )
    return portfolio
