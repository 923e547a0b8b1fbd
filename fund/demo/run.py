"""What a build carries from step to step, so each step stays a short function."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import duckdb

from fund import db
from fund.auth import User
from fund.demo.plan import Plan

# The fund's officers start keying at nine in the morning, UK time, a few minutes per write.
DAY_STARTS = time(9, 0)
BETWEEN_WRITES = timedelta(minutes=6)


@dataclass(kw_only=True)
class Run:
    """The state of a build: its connection, its fund managers and the ids made so far."""

    con: duckdb.DuckDBPyConnection
    plan: Plan
    managers: tuple[User, ...] = ()
    programme_ids: list[int] = field(default_factory=list)
    experiment_ids: list[int] = field(default_factory=list)
    commitments: dict[int, int] = field(default_factory=dict)  # experiment position → id
    reversals: int = 0
    approvals: int = 0
    keys: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    last_write: datetime = datetime.min  # UTC, as rows record it

    def key(self) -> str:
        """Idempotency keys are deterministic, so two builds write the same audit details."""
        return f"demo-{next(self.keys)}"

    def on(self, day: date) -> AbstractContextManager[None]:
        """The clock for the next write, made on ``day``: from nine in the morning, a few
        minutes after the write before it, so times rise strictly along the audit chain as
        the history unfolds; never later than now (a write on the build's own day made
        before nine is recorded when it is built). Every write of a build runs inside one."""
        nine = datetime.combine(day, DAY_STARTS, db.BOOKS_TIMEZONE).astimezone(UTC)
        planned = max(nine.replace(tzinfo=None), self.last_write + BETWEEN_WRITES)
        self.last_write = min(planned, db.utc_now())  # the real time: no clock between writes
        return db.clock_at(self.last_write)

    def manager(self, which: int) -> User:
        return self.managers[which % 2]

    def other(self, which: int) -> User:
        """The second pair of eyes: the fund manager who did not make the request."""
        return self.managers[(which + 1) % 2]
