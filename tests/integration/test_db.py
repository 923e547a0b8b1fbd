"""The database itself: versioned migrations, exact money columns, one transaction per
call, and a clear answer when another process holds the file."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from fund import db
from fund.errors import DatabaseBusy
from tests.file_holder import held


@pytest.fixture
def fresh(tmp_path):
    con = db.connect(tmp_path / "fund.duckdb")
    yield con
    con.close()


def test_a_new_database_records_every_migration_in_order(fresh):
    shipped = [(version, name) for version, name, _ in db.migrations()]
    assert shipped == sorted(shipped)
    assert shipped[0][0] == 1
    recorded = fresh.execute("SELECT version, name FROM schema_version ORDER BY version").fetchall()
    assert recorded == shipped
    assert db.schema_version(fresh) == shipped[-1][0]


def test_reopening_a_database_applies_nothing_twice(tmp_path):
    db.connect(tmp_path / "fund.duckdb").close()
    con = db.connect(tmp_path / "fund.duckdb")
    try:
        assert db.migrate(con) == []
        assert con.execute("SELECT count(*) FROM schema_version").fetchone()[0] == len(
            db.migrations()
        )
    finally:
        con.close()


# The columns that hold floats on purpose: an experiment's measured results and the effect
# estimated from them (fund.evidence), a zone's outcome series (fund.zones), analytics that
# never become money.
ANALYTICS = {
    ("result_set", column)
    for column in ("effect", "std_error", "ci_low", "ci_high", "treated_post_mean")
} | {("result_observation", "value"), ("result_cell", "mean"), ("result_cell", "sd")}
ANALYTICS |= {("zone_outcome", "value")}
MONEY = {"amount", "declared_amount", "delegated_limit", "match_cash", "match_in_kind"}
MONEY |= {"principal", "interest", "follow_on_reserve"}  # a venture's terms and its schedule


def test_money_columns_are_decimal_18_2_and_only_analytics_are_floats(fresh):
    columns = fresh.execute(
        "SELECT table_name, column_name, data_type FROM information_schema.columns"
        " WHERE table_schema = 'main'"
    ).fetchall()
    floats = {(c[0], c[1]) for c in columns if c[2] in ("FLOAT", "DOUBLE", "REAL")}
    assert floats == ANALYTICS  # estimates and measurements, never money
    money = {
        (table, column): kind
        for table, column, kind in columns
        if column in MONEY or (table, column) == ("venture_valuation", "value")
    }
    assert money  # the ledger, ring-fences, approvals and partners all hold money
    assert set(money.values()) == {"DECIMAL(18,2)"}, money


def test_a_transaction_that_fails_leaves_nothing_behind(fresh):
    fresh.execute("CREATE TABLE scratch (n INTEGER)")
    with pytest.raises(ZeroDivisionError), db.transaction(fresh):
        fresh.execute("INSERT INTO scratch VALUES (1)")
        _ = 1 / 0
    assert fresh.execute("SELECT count(*) FROM scratch").fetchone() == (0,)
    with db.transaction(fresh):
        fresh.execute("INSERT INTO scratch VALUES (2)")
    assert fresh.execute("SELECT n FROM scratch").fetchall() == [(2,)]


def test_a_frame_keeps_money_exact(fresh):
    frame = db.frame(fresh, "SELECT CAST(? AS DECIMAL(18,2)) AS amount", [Decimal("0.10")])
    value = frame.iloc[0]["amount"]
    assert isinstance(value, Decimal)
    assert value * 3 == Decimal("0.30")


def test_a_file_held_by_another_process_is_refused_naming_that_process(tmp_path):
    path = tmp_path / "fund.duckdb"
    db.connect(path).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]);"
            " print('holding', flush=True); time.sleep(60)",
            str(path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        with pytest.raises(DatabaseBusy) as refused:
            db.connect(path)
        assert refused.value.field == "database"
        assert f"PID {holder.pid}" in str(refused.value)
        assert str(path) in str(refused.value)
    finally:
        holder.kill()
        holder.wait()


# --- the clock ---------------------------------------------------------------------------------


def test_the_clock_dates_every_write_of_its_block_and_only_those(tmp_path):
    moment = datetime(2025, 3, 31, 23, 30)  # 00:30 on 1 April in the UK (BST)
    with db.clock_at(moment):
        assert db.utc_now() == moment
        assert db.today() == date(2025, 4, 1)  # the books are kept on UK dates
    assert db.utc_now() - datetime.now(UTC).replace(tzinfo=None) < timedelta(minutes=1)
    assert db.today() != date(2025, 4, 1)


def test_the_clock_belongs_to_the_thread_that_set_it():
    seen = []
    with db.clock_at(datetime(2025, 1, 1, 9, 0)):
        worker = threading.Thread(target=lambda: seen.append(db.utc_now()))
        worker.start()
        worker.join()
    assert seen[0].year == datetime.now(UTC).year


def test_the_clock_cannot_be_set_to_the_future():
    with pytest.raises(ValueError, match="future"), db.clock_at(datetime(2999, 1, 1)):
        pass


# --- waiting for the process that holds the file ---------------------------------------------


def test_opening_waits_for_the_process_holding_the_file_to_let_go(tmp_path):
    path = tmp_path / "fund.duckdb"
    db.connect(path).close()
    told = []
    with held(path, tmp_path) as holder:

        def waiting(who: str) -> None:
            told.append(who)
            holder.let_go()

        con = db.connect(path, wait=60, waiting=waiting)
    con.close()
    assert told == [f"another process (PID {holder.pid})"]


@pytest.mark.parametrize(
    ("program", "named", "advice"),
    [
        (
            "streamlit",
            "the app",
            "it lets go of the file between pages: try again when no page is loading,"
            " or stop the app",
        ),
        ("fund", "a `fund` command", "try again when that command has finished"),
        ("backup-tool", "another process", "try again when it has finished, or stop it"),
    ],
)
def test_a_refusal_names_the_program_holding_the_file_and_how_long_it_waited(
    tmp_path, program, named, advice
):
    path = tmp_path / "fund.duckdb"
    db.connect(path).close()
    with held(path, tmp_path, program) as holder, pytest.raises(DatabaseBusy) as refused:
        db.connect(path, wait=0.2)
    assert refused.value.detail == (
        f"{path} is in use by {named} (PID {holder.pid}) and did not let go within 0.2 s; {advice}"
    )
