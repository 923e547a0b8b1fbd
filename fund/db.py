"""The database: opening it, migrating it, and one transaction per service call.

DuckDB allows one process per file; :func:`connect` waits a bounded time for the process
holding it to let go, then turns the lock error into a message that names that process.
Migrations are versioned SQL files applied in order, each in its own transaction, and
recorded in ``schema_version``.
"""

from __future__ import annotations

import importlib
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path
from typing import NamedTuple
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd
import pyarrow as pa

from fund.errors import DatabaseBusy

DEFAULT_PATH = Path("data/fund.duckdb")
RACE_LOST = "another change was saved at the same moment; nothing of yours was written, try again"
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
_LOCK_HOLDER = re.compile(r"\(PID (\d+)\)")


def connect(
    path: str | Path = DEFAULT_PATH,
    *,
    read_only: bool = False,
    wait: float = 0.0,
    waiting: Callable[[str], None] | None = None,
) -> duckdb.DuckDBPyConnection:
    """Open (and if needed create and migrate) the database file at ``path``.

    DuckDB lets one process at a time open the file. While another holds it, try again for
    up to ``wait`` seconds (the app lets go between pages, a `fund` command when it ends),
    calling ``waiting`` once with who holds it, so a person can be told why nothing happens;
    then refuse with :class:`DatabaseBusy`, naming that process.
    """
    path = Path(path)
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    con = _open(path, read_only, wait, waiting)
    if not read_only:
        migrate(con)
    return con


RETRY_EVERY = 0.05  # seconds between attempts to open a file another process holds


def _open(
    path: Path, read_only: bool, wait: float, waiting: Callable[[str], None] | None
) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + wait
    told = waiting is None
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as exc:
            holder = _holder(str(exc))
            if holder is None or time.monotonic() >= deadline:
                raise DatabaseBusy(_lock_message(path, str(exc), wait)) from None
        if not told:
            waiting(holder.who)
            told = True
        time.sleep(RETRY_EVERY)


class _Holder(NamedTuple):
    who: str  # "the app (PID 4242)"
    advice: str


class _Program(NamedTuple):
    what: str
    words: frozenset[str]  # any of these as a word of its command line (or a path's name)
    advice: str


# What the process holding the file may be, and what to do about it.
_PROGRAMS = (
    _Program(
        "the app",
        frozenset({"streamlit"}),
        "it lets go of the file between pages: try again when no page is loading, or stop the app",
    ),
    _Program(
        "a `fund` command",
        frozenset({"fund", "fund.cli"}),  # the console script, or `python -m fund.cli`
        "try again when that command has finished",
    ),
)
_ANOTHER = _Program("another process", frozenset(), "try again when it has finished, or stop it")


def _holder(detail: str) -> _Holder | None:
    """Who holds the file, from DuckDB's lock error; None if the error is not a lock."""
    found = _LOCK_HOLDER.search(detail)
    if found is None:
        return None
    pid = found.group(1)
    program = _program(pid)
    return _Holder(f"{program.what} (PID {pid})", program.advice)


def _program(pid: str) -> _Program:
    """The program a process runs, from its command line where the system shows it (Linux's
    /proc); another process when it cannot be told."""
    try:
        words = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return _ANOTHER
    names = {Path(word.decode(errors="replace")).name for word in words}
    return next((program for program in _PROGRAMS if program.words & names), _ANOTHER)


def _lock_message(path: Path, detail: str, waited: float = 0.0) -> str:
    holder = _holder(detail)
    if holder is None:
        return f"cannot open {path}: {detail.splitlines()[0]}"
    after = f" and did not let go within {waited:g} s" if waited else ""
    return f"{path} is in use by {holder.who}{after}; {holder.advice}"


def migrations() -> list[tuple[int, str, str]]:
    """Every migration shipped with the package, in order: (version, name, SQL)."""
    folder = resources.files("fund") / "migrations"
    found = []
    for entry in folder.iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    return sorted(found)


def migrate(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply the migrations this database has not seen yet; return their names."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_version ("
        " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)"
    )
    applied = {row[0] for row in con.execute("SELECT version FROM schema_version").fetchall()}
    done = []
    for version, name, sql in migrations():
        if version in applied:
            continue
        with transaction(con):
            con.execute(sql)
            if version in _FINISH:
                _finish(con, _FINISH[version])
            con.execute("INSERT INTO schema_version VALUES (?, ?, ?)", [version, name, utc_now()])
        done.append(name)
    return done


# Migrations that need a step SQL alone cannot take, run in the migration's transaction:
# "module:function" (imported only then, as those modules import this one).
_FINISH = {
    3: "fund.audit:record_baseline",
    6: "fund.sroi.reference:seed",
    10: "fund.ledger.effects:install",
}


def _finish(con: duckdb.DuckDBPyConnection, target: str) -> None:
    module, function = target.split(":")
    getattr(importlib.import_module(module), function)(con)


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0]


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Exactly one transaction: commit on success, roll back and re-raise on any error.

    DuckDB's COMMIT after a failed statement quietly rolls back, so an error must never be
    swallowed inside this block. A race with another session becomes a clear
    :class:`DatabaseBusy` ("try again"): a write-write conflict, and a duplicate key that no
    service turned into its own refusal first (another session saved the same key since
    this transaction began).
    """
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except duckdb.TransactionException:
        con.execute("ROLLBACK")
        raise DatabaseBusy(RACE_LOST) from None
    except duckdb.ConstraintException as error:
        con.execute("ROLLBACK")
        if duplicate_key(error):
            raise DatabaseBusy(RACE_LOST) from None
        raise
    except BaseException:
        con.execute("ROLLBACK")
        raise
    try:
        con.execute("COMMIT")
    except duckdb.TransactionException:
        raise DatabaseBusy(RACE_LOST) from None


def duplicate_key(error: duckdb.ConstraintException) -> bool:
    """Whether DuckDB refused a row because its primary or unique key is taken.

    Only that is a race (the services check keys and names before inserting); a failed
    CHECK, NOT NULL or foreign key is a missing validation and stays an internal error.
    """
    return "Duplicate key" in str(error)


# The tables that take many rows in one statement: their columns as Arrow types (given, not
# guessed from Python values, which costs far more than the insert) and a fixed statement.
_INT, _BIG, _TEXT, _TIME = pa.int32(), pa.int64(), pa.string(), pa.timestamp("us")
INSERT_SCHEMAS = {
    "audit_log": pa.schema(
        [
            ("seq", _BIG),
            ("recorded_at", _TIME),
            ("actor_id", _INT),
            ("actor", _TEXT),
            ("operation", _TEXT),
            ("entity", _TEXT),
            ("entity_id", _BIG),
            ("idempotency_key", _TEXT),
            ("reason", _TEXT),
            ("details", _TEXT),
            ("entries_digest", _TEXT),
            ("states_digest", _TEXT),
            ("prev_hash", _TEXT),
            ("row_hash", _TEXT),
        ]
    ),
    "ledger_entry": pa.schema(
        [
            ("entry_id", _BIG),
            ("audit_seq", _BIG),
            ("kind", _TEXT),
            ("ringfence_id", _INT),
            ("programme_id", _INT),
            ("commitment_id", _INT),
            ("amount", pa.decimal128(18, 2)),
            ("value_date", pa.date32()),
            ("recorded_at", _TIME),
            ("actor_id", _INT),
            ("reason", _TEXT),
            ("reverses", _BIG),
            ("virement_id", _INT),
        ]
    ),
    # The SROI reference data that migration 0006 loads (fund.sroi.reference).
    "proxy": pa.schema(
        [
            ("code", _TEXT),
            ("category", _TEXT),
            ("description", _TEXT),
            ("unit", _TEXT),
            ("value", pa.decimal128(18, 2)),
            ("agency", _TEXT),
            ("price_year", _TEXT),
            ("source", _TEXT),
            ("licence", _TEXT),
            ("added_at", _TIME),
        ]
    ),
    "deflator_index": pa.schema(
        [("series", _TEXT), ("period", _TEXT), ("value", pa.decimal128(12, 4))]
    ),
    # An impact map's outcomes, saved with each version (fund.sroi.store).
    "impact_outcome": pa.schema(
        [
            ("map_id", _INT),
            ("position", _INT),
            ("stakeholder", _TEXT),
            ("outcome", _TEXT),
            ("indicator", _TEXT),
            ("quantity", pa.decimal128(18, 4)),
            ("proxy", pa.decimal128(18, 2)),
            ("proxy_code", _TEXT),
            ("proxy_source", _TEXT),
            ("duration_years", _INT),
            ("start_year", _INT),
            ("deadweight", pa.decimal128(7, 6)),
            ("displacement", pa.decimal128(7, 6)),
            ("attribution", pa.decimal128(7, 6)),
            ("drop_off", pa.decimal128(7, 6)),
            ("deadweight_why", _TEXT),
            ("displacement_why", _TEXT),
            ("attribution_why", _TEXT),
            ("drop_off_why", _TEXT),
            ("ranges", _TEXT),
        ]
    ),
    # The observations of a results file, saved with its result set (fund.evidence.results).
    "result_observation": pa.schema(
        [
            ("result_id", _INT),
            ("file_row", _INT),
            ("unit", _TEXT),
            ("treated", pa.bool_()),
            ("period", _TEXT),
            ("post", pa.bool_()),
            ("value", pa.float64()),
        ]
    ),
    # A zone's outcome series, saved with the result set it was estimated into (fund.zones).
    "zone_outcome": pa.schema(
        [
            ("result_id", _INT),
            ("zone_id", _INT),
            ("file_row", _INT),
            ("area_code", _TEXT),
            ("period", _TEXT),
            ("period_start", pa.date32()),
            ("value", pa.float64()),
        ]
    ),
    "loan_instalment": pa.schema(
        [
            ("commitment_id", _INT),
            ("number", _INT),
            ("due_on", pa.date32()),
            ("principal", pa.decimal128(18, 2)),
            ("interest", pa.decimal128(18, 2)),
        ]
    ),
}
_INSERT_ALL = {
    table: f"INSERT INTO {table} BY NAME SELECT * FROM incoming_rows"  # noqa: S608 - fixed names
    for table in INSERT_SCHEMAS
}


def insert_all(
    con: duckdb.DuckDBPyConnection, table: str, columns: list[str], rows: list[list]
) -> None:
    """Append ``rows`` (values in ``columns`` order) to ``table`` in one statement.

    A run of hundreds of writes costs one INSERT instead of hundreds; the values travel as
    an Arrow table, never as SQL text.
    """
    statement, schema = _INSERT_ALL[table], INSERT_SCHEMAS[table]
    incoming = pa.table(
        [
            pa.array(values, schema.field(name).type)
            for name, values in zip(columns, zip(*rows, strict=True), strict=True)
        ],
        names=columns,
    )
    con.register("incoming_rows", incoming)
    try:
        con.execute(statement)
    finally:
        con.unregister("incoming_rows")


# The fund's books are kept on UK dates (a value date of "today" at 00:30 BST is today);
# times recorded on rows stay in UTC.
BOOKS_TIMEZONE = ZoneInfo("Europe/London")


# The moment a block of code runs at, when one is set (see :func:`clock_at`).
_CLOCK: ContextVar[datetime | None] = ContextVar("ringfence_clock", default=None)


@contextmanager
def clock_at(moment: datetime) -> Iterator[None]:
    """Run the block as if it were ``moment`` (UTC, without a zone): every time and date the
    services record inside it (:func:`utc_now`, :func:`today`) is that moment's.

    Only the demo sets it, so that two years of history read as they happened, each write at
    its own time; the services never know. A moment in the future is refused: a row must
    never claim a time that has not come. The setting belongs to this thread (and task) and
    ends with the block.
    """
    if moment > _real_utc_now():
        raise ValueError(f"the clock cannot be set to the future ({moment})")
    token = _CLOCK.set(moment)
    try:
        yield
    finally:
        _CLOCK.reset(token)


def _real_utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def today() -> date:
    """Today's date in the UK: the default value date, and the latest one allowed."""
    return utc_now().replace(tzinfo=UTC).astimezone(BOOKS_TIMEZONE).date()


def utc_now() -> datetime:
    """The time recorded on every row: UTC, without a zone, as DuckDB's TIMESTAMP holds it."""
    return _CLOCK.get() or _real_utc_now()


def frame(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> pd.DataFrame:
    """Run a query into a DataFrame whose columns keep their SQL types exactly.

    ``.df()`` would turn DECIMAL into float64 and a nullable integer into ``3.0``; with Arrow
    dtypes money stays :class:`decimal.Decimal` and a missing id stays missing, so figures
    can be compared and exported exactly.
    """
    con.complete()  # a single-row execute() left open would block the relation API
    table = con.sql(sql, params=params or None).to_arrow_table()
    return table.to_pandas(types_mapper=pd.ArrowDtype)
