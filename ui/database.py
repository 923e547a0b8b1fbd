"""The app's one connection to the database file, held only while pages run.

DuckDB lets one process at a time open a file. An app that kept it open for its lifetime
would shut every `fund` command out, reads included, for as long as it runs. So the app
leases the file: the first script run that needs the database opens it, runs at the same
moment share that one connection (each on its own cursor), and :data:`LINGER` seconds
after the last of them has ended it is closed, so that a `fund` command can run between
clicks. A run that finds a `fund` command holding the file waits for it (up to
:data:`OPEN_WAIT` seconds), then says so (:class:`fund.errors.DatabaseBusy`).

A run holds the lease from its first :func:`cursor` until its thread ends: Streamlit runs
each script run (with any reruns it asks for) in a thread of its own, so the lease ends with
the run without app.py doing anything.
"""

from __future__ import annotations

import os
import threading
import time
import weakref
from collections.abc import Callable
from functools import partial

import duckdb

from fund import db

# Seconds the file stays open after the last run ends: a burst of clicks shares one opening,
# and a `fund` command waits no longer than this (plus a run) for the app to let go.
LINGER = 2.0
# Seconds a run waits for a `fund` command to let go of the file before saying so.
OPEN_WAIT = 10.0


class Lease:
    """One connection shared by the runs that hold it, closed ``linger`` seconds after the
    last one lets go, and opened again by the next run that takes it.

    ``take`` gives the taker a cursor of its own (a DuckDB connection refuses use from two
    threads at once) and counts it; ``give_back`` uncounts it. A closer thread, started with
    each opening, closes returned cursors and, once nobody has held the lease for
    ``linger`` seconds, the connection: the file is then free for other processes.
    """

    def __init__(self, opener: Callable[[], duckdb.DuckDBPyConnection], linger: float) -> None:
        self._opener = opener
        self._linger = linger
        self._changed = threading.Condition()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._holders = 0
        self._idle_since = 0.0
        self._returned: list[duckdb.DuckDBPyConnection] = []
        self._closer: threading.Thread | None = None

    @property
    def is_open(self) -> bool:
        with self._changed:
            return self._con is not None

    def take(self) -> duckdb.DuckDBPyConnection:
        """A new cursor on the open connection (opening it first if it is closed)."""
        with self._changed:
            if self._con is None:
                self._con = self._opener()
            if self._closer is None:
                self._closer = threading.Thread(
                    target=self._close_when_idle, name="ringfence-lease", daemon=True
                )
                self._closer.start()
            taken = self._con.cursor()
            self._holders += 1
            return taken

    def give_back(self, cursor: duckdb.DuckDBPyConnection) -> None:
        """A run has ended: its cursor is closed, and the lease lingers if it was the last."""
        with self._changed:
            self._returned.append(cursor)
            self._holders -= 1
            self._idle_since = time.monotonic()
            self._changed.notify_all()

    def _close_when_idle(self) -> None:
        with self._changed:
            while self._con is not None:
                for cursor in self._returned:
                    cursor.close()
                self._returned.clear()
                idle_for = time.monotonic() - self._idle_since
                if self._holders:
                    self._changed.wait()
                elif idle_for < self._linger:
                    self._changed.wait(self._linger - idle_for)
                else:
                    self._con.close()
                    self._con = None
            self._closer = None


_LEASES: dict[str, Lease] = {}
_LEASES_LOCK = threading.Lock()


def _lease(path: str) -> Lease:
    """The lease on one database file, the same for every run of this process."""
    with _LEASES_LOCK:
        if path not in _LEASES:
            _LEASES[path] = Lease(partial(db.connect, path, wait=OPEN_WAIT), LINGER)
        return _LEASES[path]


def path() -> str:
    """The database file the app works on: ``RINGFENCE_DB``, or the default."""
    return os.environ.get("RINGFENCE_DB", str(db.DEFAULT_PATH))


def is_open(at: str) -> bool:
    """Whether this process holds the file at ``at`` open now (for the benchmark and tests)."""
    with _LEASES_LOCK:
        lease = _LEASES.get(at)
    return lease is not None and lease.is_open


class _Held:
    """The cursors this thread has taken, by file; given back when the thread ends, which
    for a Streamlit script thread is when its run (and any rerun it asked for) has ended."""

    def __init__(self) -> None:
        self.cursors: dict[str, duckdb.DuckDBPyConnection] = {}
        weakref.finalize(self, _give_back_all, self.cursors).atexit = False


def _give_back_all(cursors: dict[str, duckdb.DuckDBPyConnection]) -> None:
    for at, cursor in cursors.items():
        _lease(at).give_back(cursor)


_thread = threading.local()


def cursor() -> duckdb.DuckDBPyConnection:
    """This script run's own cursor. A DuckDB connection refuses use from two threads at
    once, and a click can start a session's next run while its last one is still finishing
    a query, so cursors belong to the thread that runs the script, not to the session."""
    held = getattr(_thread, "held", None)
    if held is None:
        held = _thread.held = _Held()
    at = path()
    if at not in held.cursors:
        held.cursors[at] = _lease(at).take()
    return held.cursors[at]
