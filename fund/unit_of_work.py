"""One write, start to finish: permission, idempotency, the change itself, its audit row.

Every service hands :func:`perform` a :class:`Request` and a function that makes the change.
All of it happens in one transaction, so a refusal anywhere (a permission, an invariant, a
bad reference) leaves nothing behind, and the audit row can never be missing from a write
that happened. A request whose idempotency key was seen before returns what the first one
wrote, so a form submitted twice or a retried CLI command writes once.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

import duckdb

from fund import audit, audit_state
from fund.auth import Permission, User, require
from fund.db import transaction, utc_now
from fund.errors import (
    IdempotencyConflict,
    RingfenceError,
    RowRefused,
    RowsRefused,
    ValidationError,
)

MAX_KEY_LENGTH = 200
MAX_REASON_LENGTH = 2000


@dataclass(frozen=True, kw_only=True)
class Request:
    """What the user asked for, as it is recorded in the audit log."""

    operation: str
    key: str
    reason: str
    details: dict[str, object]

    def canonical_details(self) -> str:
        return json.dumps(self.details, sort_keys=True, separators=(",", ":"), default=str)


@dataclass(frozen=True, kw_only=True)
class Written:
    """What a write produced; ``replayed`` when the key had already been used for it.

    ``said`` is the service's own sentence for what it did ("£400.00 paid on commitment
    #57"), so the app and the CLI confirm a write in the same words, and a request that
    waits for a second person never reads as done. Services fill it in with
    :func:`dataclasses.replace` once the write has happened (or replayed).
    """

    entity: str
    entity_id: int
    replayed: bool = False
    said: str = ""


@dataclass(kw_only=True)
class Step:
    """The context a change runs in: its transaction, its actor, its time and audit row."""

    con: duckdb.DuckDBPyConnection
    actor: User
    seq: int
    at: datetime
    reason: str
    entry_texts: list[str] = field(default_factory=list)
    written: dict[str, set[str]] = field(default_factory=dict)
    said: str = ""  # the change's sentence for what it did, see Written.said

    def record(self, table: str, key: object) -> None:
        """Name a row (or group of child rows) this write changed, so that the audit row
        records the state it left and ``verify`` can tell if it is changed outside the
        services. Every write to a table of :data:`fund.audit_state.RECORDED` must."""
        self.record_all(table, (key,))

    def record_all(self, table: str, keys: Iterable[object]) -> None:
        """:meth:`record` for many rows of one table (an import's)."""
        if table not in audit_state.BY_TABLE:
            raise KeyError(f"{table} is not a recorded table")
        self.written.setdefault(table, set()).update(map(str, keys))


Change = Callable[[Step], tuple[str, int]]
T = TypeVar("T")
X = TypeVar("X")


def required_text(value: str | None, field_name: str, *, max_length: int = 500) -> str:
    """Text a user must give (a name, a reason), stripped; refused when blank or too long."""
    text = (value or "").strip()
    if not text:
        raise ValidationError(field_name, "is required and must not be blank")
    if len(text) > max_length:
        raise ValidationError(field_name, f"must be at most {max_length} characters")
    if not text.isascii():  # lone surrogates: bytes that were not UTF-8, decoded leniently
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise ValidationError(field_name, "must be text in UTF-8") from None
    return text


def perform(
    con: duckdb.DuckDBPyConnection,
    actor: User,
    permission: Permission,
    request: Request,
    change: Change,
) -> Written:
    """Run ``change`` as one audited, idempotent transaction by ``actor``."""
    key, reason, details = _checked(request)
    with transaction(con):
        user = require(con, actor, permission)
        prior = audit.prior_write(con, key)
        if prior is not None:
            return _replayed(prior, user, request.operation, details, key)
        last_seq, last_hash = audit.head(con)
        step = Step(con=con, actor=user, seq=last_seq + 1, at=utc_now(), reason=reason)
        entity, entity_id = change(step)
        link = _link(step, request.operation, key, details, entity, entity_id)
        audit.append(con, step.seq, last_hash, link)
    return Written(entity=entity, entity_id=entity_id, said=step.said)


RunChange = Callable[[list[tuple[int, Step]]], list[tuple[str, int]]]


def perform_run(
    con: duckdb.DuckDBPyConnection,
    actor: User,
    permission: Permission,
    requests: list[Request],
    change: RunChange,
) -> list[Written]:
    """Many requests by one person as one all-or-nothing transaction: a payment run, an import.

    Each request is what :func:`perform` would record on its own (its key replays it, it has
    its own audit row, its rules are checked), but the statements are shared and set-based,
    so a run of hundreds costs about what a handful of single writes do. ``change`` receives
    (index in ``requests``, step) for each request not written before, in order, and returns
    what each wrote. A refusal names every bad row (counted from 1).
    """
    checked = each_row(_checked, enumerate(requests, start=1))
    _distinct_keys([key for key, _, _ in checked])
    with transaction(con):
        user = require(con, actor, permission)
        priors = audit.prior_writes(con, [key for key, _, _ in checked])
        written: list[Written | None] = [None] * len(requests)
        for i, replay in _replays(requests, checked, priors, user).items():
            written[i] = replay
        fresh = [i for i, w in enumerate(written) if w is None]
        if fresh:
            last_seq, last_hash = audit.head(con)
            at = utc_now()
            steps = [
                Step(con=con, actor=user, seq=last_seq + 1 + n, at=at, reason=checked[i][1])
                for n, i in enumerate(fresh)
            ]
            made = change(list(zip(fresh, steps, strict=True)))
            links = []
            for i, step, (entity, entity_id) in zip(fresh, steps, made, strict=True):
                key, _, details = checked[i]
                links.append(_link(step, requests[i].operation, key, details, entity, entity_id))
                written[i] = Written(entity=entity, entity_id=entity_id, said=step.said)
            audit.append_all(con, last_seq + 1, last_hash, links)
    return written


def _replays(
    requests: list[Request],
    checked: list[tuple[str, str, str]],
    priors: dict[str, audit.PriorWrite],
    user: User,
) -> dict[int, Written]:
    """What the requests whose keys were used before wrote then (by index), or every clash."""
    used = [i for i, (key, _, _) in enumerate(checked) if key in priors]

    def replay(i: int) -> Written:
        key, _, details = checked[i]
        return _replayed(priors[key], user, requests[i].operation, details, key)

    return dict(zip(used, each_row(replay, [(i + 1, i) for i in used]), strict=True))


def _checked(request: Request) -> tuple[str, str, str]:
    """The request's key, reason and canonical details, once its key and reason are valid."""
    key = required_text(request.key, "idempotency key", max_length=MAX_KEY_LENGTH)
    reason = required_text(request.reason, "reason", max_length=MAX_REASON_LENGTH)
    return key, reason, request.canonical_details()


def _replayed(
    prior: audit.PriorWrite, user: User, operation: str, details: str, key: str
) -> Written:
    """A key replays only the same request by the same person; anything else is a clash."""
    if (prior.actor_id, prior.operation, prior.details) != (user.user_id, operation, details):
        raise IdempotencyConflict(key)
    return Written(entity=prior.entity, entity_id=prior.entity_id, replayed=True)


def _link(
    step: Step, operation: str, key: str, details: str, entity: str, entity_id: int
) -> audit.Link:
    """The audit row of a step, with the state of every row it recorded (read back now)."""
    digested = None
    if audit_state.is_bulk(step.written):
        digested = audit_state.record_digested(step.con, step.seq, step.written)
    return audit.Link(
        at=step.at,
        actor=step.actor,
        operation=operation,
        entity=entity,
        entity_id=entity_id,
        key=key,
        reason=step.reason,
        details=details,
        entry_texts=step.entry_texts,
        states=audit_state.record(step.con, step.seq, step.written)
        if step.written and digested is None
        else [],
        digested=digested,
    )


def _distinct_keys(keys: list[str]) -> None:
    """Requests of one run may not share a key: the second would only replay the first."""
    first_row: dict[str, int] = {}
    repeats = []
    for n, key in enumerate(keys, start=1):
        first = first_row.setdefault(key, n)
        if first != n:
            rule = f"repeats row {first}'s key"
            repeats.append(RowRefused(n, ValidationError("idempotency key", rule)))
    if repeats:
        raise RowsRefused(tuple(repeats))


def each_row(check: Callable[[X], T], rows: Iterable[tuple[int, X]]) -> list[T]:
    """``check`` of every (row number, item); every refusal is gathered, naming its row, into
    one :class:`RowsRefused`, as a run or an import reports all its bad rows at once."""
    results, refusals = [], []
    for row, item in rows:
        try:
            results.append(check(item))
        except RingfenceError as error:
            refusals.append(RowRefused(row, error))
    if refusals:
        raise RowsRefused(tuple(refusals))
    return results
