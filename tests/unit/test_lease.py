"""The app's lease on the database file: one opening shared by the runs that hold it, closed a
moment after the last lets go, opened again by the next (ui/database.py)."""

from __future__ import annotations

import time

import pytest

from ui.database import Lease

LONG = 60.0  # a linger no test outlives: the lease is still lingering when it asserts
SHORT = 0.01


class FakeConnection:
    """Stands in for a DuckDB connection: counts its cursors and records closing."""

    def __init__(self) -> None:
        self.cursors: list[FakeConnection] = []
        self.closed = False

    def cursor(self) -> FakeConnection:
        made = FakeConnection()
        self.cursors.append(made)
        return made

    def close(self) -> None:
        self.closed = True


class Opener:
    def __init__(self) -> None:
        self.opened: list[FakeConnection] = []

    def __call__(self) -> FakeConnection:
        self.opened.append(FakeConnection())
        return self.opened[-1]


def eventually(condition, what: str) -> None:
    """Wait for the lease's closer thread to act (bounded; nothing here is timed)."""
    deadline = time.monotonic() + 10
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"never happened: {what}")
        time.sleep(0.01)


def test_runs_at_the_same_moment_share_one_opening_each_with_its_own_cursor():
    opener = Opener()
    lease = Lease(opener, LONG)
    first, second = lease.take(), lease.take()
    assert len(opener.opened) == 1
    assert first is not second
    assert opener.opened[0].cursors == [first, second]


def test_the_file_stays_open_while_any_run_holds_it():
    opener = Opener()
    lease = Lease(opener, SHORT)
    first, second = lease.take(), lease.take()
    lease.give_back(first)
    eventually(lambda: first.closed, "the returned cursor is closed")
    assert lease.is_open
    assert not opener.opened[0].closed
    assert not second.closed
    lease.give_back(second)
    eventually(lambda: not lease.is_open, "the lease closes after the last run")


def test_the_connection_and_its_cursors_close_after_the_last_run_lets_go():
    opener = Opener()
    lease = Lease(opener, SHORT)
    taken = lease.take()
    lease.give_back(taken)
    eventually(lambda: not lease.is_open, "the lease closes")
    assert taken.closed
    assert opener.opened[0].closed


def test_a_run_while_the_lease_lingers_keeps_the_same_opening():
    opener = Opener()
    lease = Lease(opener, LONG)
    lease.give_back(lease.take())
    lease.take()
    assert len(opener.opened) == 1
    assert lease.is_open


def test_a_run_after_the_close_opens_the_file_again():
    opener = Opener()
    lease = Lease(opener, SHORT)
    lease.give_back(lease.take())
    eventually(lambda: not lease.is_open, "the lease closes")
    again = lease.take()
    assert len(opener.opened) == 2
    assert opener.opened[1].cursors == [again]
    lease.give_back(again)
    eventually(lambda: not lease.is_open, "the second opening closes too")


def test_a_refused_opening_holds_nothing():
    def busy() -> FakeConnection:
        raise RuntimeError("in use")

    lease = Lease(busy, SHORT)
    with pytest.raises(RuntimeError):
        lease.take()
    assert not lease.is_open
