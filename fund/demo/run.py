"""What a build carries from step to step, so each step stays a short function."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field

import duckdb

from fund.auth import User
from fund.demo.plan import Plan


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

    def key(self) -> str:
        """Idempotency keys are deterministic, so two builds write the same audit details."""
        return f"demo-{next(self.keys)}"

    def manager(self, which: int) -> User:
        return self.managers[which % 2]

    def other(self, which: int) -> User:
        """The second pair of eyes: the fund manager who did not make the request."""
        return self.managers[(which + 1) % 2]
