"""One write, start to finish: permission, idempotency, the change itself, its audit row.

Every service hands :func:`perform` a :class:`Request` and a function that makes the change.
All of it happens in one transaction, so a refusal anywhere (a permission, an invariant, a
bad reference) leaves nothing behind, and the audit row can never be missing from a write
that happened. A request whose idempotency key was seen before returns what the first one
wrote, so a form submitted twice or a retried CLI command writes once.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import duckdb

from fund import audit
from fund.auth import Permission, User, require
from fund.db import transaction, utc_now
from fund.errors import IdempotencyConflict, ValidationError

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
    """What a write produced; ``replayed`` when the key had already been used for it."""

    entity: str
    entity_id: int
    replayed: bool = False


@dataclass(kw_only=True)
class Step:
    """The context a change runs in: its transaction, its actor, its time and audit row."""

    con: duckdb.DuckDBPyConnection
    actor: User
    seq: int
    at: datetime
    reason: str
    entry_texts: list[str] = field(default_factory=list)


Change = Callable[[Step], tuple[str, int]]


def required_text(value: str | None, field_name: str, *, max_length: int = 500) -> str:
    """Text a user must give (a name, a reason), stripped; refused when blank or too long."""
    text = (value or "").strip()
    if not text:
        raise ValidationError(field_name, "is required and must not be blank")
    if len(text) > max_length:
        raise ValidationError(field_name, f"must be at most {max_length} characters")
    return text


def perform(
    con: duckdb.DuckDBPyConnection,
    actor: User,
    permission: Permission,
    request: Request,
    change: Change,
) -> Written:
    """Run ``change`` as one audited, idempotent transaction by ``actor``."""
    key = required_text(request.key, "idempotency key", max_length=MAX_KEY_LENGTH)
    reason = required_text(request.reason, "reason", max_length=MAX_REASON_LENGTH)
    details = request.canonical_details()
    with transaction(con):
        user = require(con, actor, permission)
        prior = audit.prior_write(con, key)
        if prior is not None:
            # A key replays only the same request by the same person; anything else is a clash.
            if (prior.actor_id, prior.operation, prior.details) != (
                user.user_id,
                request.operation,
                details,
            ):
                raise IdempotencyConflict(key)
            return Written(entity=prior.entity, entity_id=prior.entity_id, replayed=True)
        last_seq, last_hash = audit.head(con)
        step = Step(con=con, actor=user, seq=last_seq + 1, at=utc_now(), reason=reason)
        entity, entity_id = change(step)
        audit.append(
            con,
            seq=step.seq,
            prev_hash=last_hash,
            at=step.at,
            actor=user,
            operation=request.operation,
            entity=entity,
            entity_id=entity_id,
            key=key,
            reason=reason,
            details=details,
            entry_texts=step.entry_texts,
        )
    return Written(entity=entity, entity_id=entity_id)
