"""What the integration tests share: a fast copy of the shared fixtures' database, cheap
password hashing, row counts and exact figures.

Building the ``people`` and ``portfolio`` of ``tests/conftest.py`` takes fifteen audited
writes and a migration, a third of a second per test. :func:`fixture_template` runs those
very fixture functions once per process, on a template file, and :func:`copy_of_template`
gives each test its own copy: the same rows, ids and users, at the cost of a file copy.

Argon2 at its production cost takes a tenth of a second per hash, so tests swap in an
argon2 hasher with the lowest cost. The hashes are still argon2 hashes and verification is
unchanged; only the work factor differs.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from fund import db, ledger, portfolio, unit_of_work
from fund.auth import User
from fund.register import Instrument
from tests import conftest

FAST_HASHER = conftest.FAST_HASHER


def fixture_template() -> conftest.Template:
    """The database the shared fixtures are copied from (see ``tests/conftest.py``)."""
    return conftest.template()


@contextmanager
def copy_of_template(folder: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to a private copy of the template database, in ``folder``."""
    path = folder / "fund.duckdb"
    shutil.copy(conftest.template().path, path)
    con = db.connect(path)
    try:
        yield con
    finally:
        con.close()


# Every table a service writes to; a refused call must leave each count as it was.
TABLES = (
    "app_user",
    "ringfence",
    "programme",
    "experiment",
    "partner",
    "experiment_partner",
    "commitment",
    "ledger_entry",
    "approval_request",
    "approval_decision",
    "impact_map",
    "impact_outcome",
    "pbr_contract",
    "pbr_rate",
    "pbr_cohort",
    "pbr_expected",
    "pbr_investor",
    "pbr_investor_flow",
    "pbr_claim",
    "pbr_verification",
    "grant_policy",
    "grant_import",
    "small_grant",
    "grant_decision",
    "grant_commitment",
    "grant_report",
    "grant_closure",
    "zone",
    "zone_comparison",
    "waiver",
    "waiver_decision",
    "zone_outcome",
    "venture_terms",
    "loan_instalment",
    "venture_valuation",
    "result_set",
    "result_observation",
    "audit_log",
)


def counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """How many rows each written table holds, in one query."""
    sql = " UNION ALL ".join(f"SELECT '{t}', count(*) FROM {t}" for t in TABLES)
    return dict(con.execute(sql).fetchall())


def head(con: duckdb.DuckDBPyConnection) -> tuple:
    return con.execute("SELECT seq, row_hash FROM audit_head").fetchone()


@contextmanager
def nothing_written(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Assert that whatever happens inside leaves every table (and the audit head) as it was.

    Put it outside ``pytest.raises`` so the refusal is caught first:
    ``with nothing_written(con), pytest.raises(InvariantBroken): ...``
    """
    before, before_head = counts(con), head(con)
    yield
    assert counts(con) == before
    assert head(con) == before_head


def figures(
    con: duckdb.DuckDBPyConnection, actor: User, by: str, columns: tuple[str, ...]
) -> list[tuple]:
    """The position sliced ``by``, as tuples of exact values (first column is the row's name)."""
    frame = portfolio.position(con, actor, by)
    rows = [tuple(row) for row in frame[list(columns)].itertuples(index=False)]
    for row in rows:
        for value in row[1:]:
            assert isinstance(value, Decimal), f"{value!r} in {by} position is not a Decimal"
    return rows


def money(*values: str) -> tuple[Decimal, ...]:
    return tuple(Decimal(v) for v in values)


def rebalancing_request(con: duckdb.DuckDBPyConnection, requester: User, funded) -> int:
    """A pending £25,000.00 virement from the funded programme to the other one; its id."""
    return ledger.request_virement(
        con,
        requester,
        amount="25000.00",
        from_programme_id=funded.programme_id,
        to_programme_id=funded.other_programme_id,
        reason="rebalance",
        key=conftest.key(),
    ).entity_id


@contextmanager
def one_transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Service calls on ``con`` inside one transaction the test holds open: each call's own
    transaction joins it, so a test can begin a write before another session's (a race) or
    undo writes once their outcome is known. Nothing in the services works this way."""
    real = unit_of_work.transaction

    @contextmanager
    def joining(other: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
        if other is con:
            yield con
        else:
            with real(other) as own:
                yield own

    with pytest.MonkeyPatch.context() as patch, real(con):
        patch.setattr(unit_of_work, "transaction", joining)
        yield con


def pbr_commitment(con, people, portfolio, amount: str = "100000.00") -> int:
    """A commitment to the portfolio's payment-by-results experiment (see
    :func:`instrument_commitment`)."""
    return instrument_commitment(con, people, portfolio, Instrument.PBR_CONTRACT, amount)


def instrument_commitment(
    con, people, portfolio, instrument: Instrument, amount: str = "100000.00"
) -> int:
    """A commitment to the portfolio's experiment of ``instrument``, its programme funded
    first; above the delegated limit, a second fund manager approves it. Its number."""
    ledger.allocate(
        con,
        people.manager,
        programme_id=portfolio.programme_id,
        amount="500000.00",
        reason="fund the programme",
        key=conftest.key(),
    )
    written = ledger.commit(
        con,
        people.manager,
        experiment_id=portfolio.experiments[instrument],
        amount=amount,
        counterparty="Outcomes Provider Ltd",
        reason="outcomes contract signed",
        key=conftest.key(),
    )
    if written.entity == "approval request":
        written = ledger.decide(
            con,
            people.second_manager,
            request_id=written.entity_id,
            approve=True,
            reason="contract reviewed",
            key=conftest.key(),
        )
    return written.entity_id


def grant_policy(con: duckdb.DuckDBPyConnection, people, ringfence_id: int) -> None:
    """The small-grant policy the grants tests share: £500 to £10,000, one fund manager up to
    £5,000, reports due 30 days after a grant's planned end, published as 'northborough'."""
    from fund.grants import policy

    policy.declare(
        con,
        people.manager,
        ringfence_id=ringfence_id,
        min_amount="500",
        max_amount="10000",
        delegated_limit="5000",
        id_prefix="northborough",
        funder_id="GB-LAE-NBR",
        report_days=30,
        reason="small grants open",
        key=conftest.key(),
    )
