"""A process killed (SIGKILL) in the middle of payment runs leaves whole runs or nothing:
on reopening, the write-ahead log is replayed, every run is all there or absent, the kept
balances agree with the ledger and the audit chain verifies."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from fund import audit, db, ledger
from fund.auth import find_user
from tests.conftest import key, template

RUN = 2000  # payments per run

# Posts payment runs of RUN payments of £0.01 until it is killed, saying after each commit.
_WORKER = textwrap.dedent(
    f"""
    import sys
    from fund import db, ledger
    from fund.auth import find_user
    from fund.ledger import payment_run

    con = db.connect(sys.argv[1])
    manager = find_user(con, "manager")
    (commitment,) = con.execute("SELECT max(commitment_id) FROM commitment").fetchone()
    for n in range(10_000):
        run = [
            payment_run.payment(commitment_id=commitment, amount="0.01", on=None,
                                reason="killed run", key=f"run-{{n}}/{{i}}")
            for i in range({RUN})
        ]
        ledger.pay_run(con, manager, run)
        print(n, flush=True)
    """
)


@pytest.fixture
def awarded(tmp_path):
    """A copy of the shared database (this process holds no connection to it) with one
    £9,000.00 grant to pay in pennies."""
    built = template()
    path = tmp_path / "killed.duckdb"
    shutil.copy(built.path, path)
    con = db.connect(path)
    manager = built.people.manager
    ledger.allocate(con, manager, programme_id=1, amount="10000", reason="x", key=key())
    ledger.commit(
        con,
        manager,
        experiment_id=1,
        amount="9000",
        counterparty="Grantee",
        reason="award",
        key=key(),
    )
    con.close()
    return path


@pytest.mark.parametrize("delay", [0.0, 0.07, 0.19])
def test_a_payment_run_killed_midway_leaves_whole_runs_and_a_verified_chain(awarded, delay):
    worker = subprocess.Popen(
        [sys.executable, "-c", _WORKER, str(awarded)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.getcwd()},
    )
    first = worker.stdout.readline()  # one run is in; the next is being posted
    time.sleep(delay)
    os.kill(worker.pid, signal.SIGKILL)
    rest, _ = worker.communicate(timeout=30)
    committed_runs = len((first + rest).split())
    assert committed_runs >= 1

    con = db.connect(awarded)
    try:
        (paid_entries,) = con.execute(
            "SELECT count(*) FROM ledger_entry WHERE reason = 'killed run'"
        ).fetchone()
        assert paid_entries % RUN == 0  # never part of a run
        assert paid_entries // RUN in (committed_runs, committed_runs + 1)
        check = audit.verify(con, find_user(con, "auditor"))
        assert check.ok, check.problem
    finally:
        con.close()
