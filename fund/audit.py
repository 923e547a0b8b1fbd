"""The audit chain: every write leaves one row, and each row's hash covers the one before.

A row's hash is SHA-256 over the previous row's hash and the canonical text of the row
(the ``audit_row_text`` macro in the first migration); the row also carries a digest of
the ledger entries the write posted (``ledger_entry_text``). Because every link is stored,
the whole chain can be checked at once in SQL: a row whose hash does not match its content
was altered; a row whose ``prev_hash`` is not its predecessor's hash, or a gap in the
sequence, means rows were inserted or deleted; ``audit_head`` catches the last rows going.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime

import duckdb
import pandas as pd

from fund.auth import Permission, User, require
from fund.db import RACE_LOST, frame, insert_all, transaction
from fund.errors import DatabaseBusy

GENESIS = "0" * 64


@dataclass(frozen=True, kw_only=True)
class PriorWrite:
    """What an idempotency key was first used for."""

    actor_id: int
    operation: str
    details: str
    entity: str
    entity_id: int | None


@dataclass(frozen=True, kw_only=True)
class ChainCheck:
    """The verdict of :func:`verify`: OK, or the first row that is not what was written."""

    rows: int
    entries: int
    problem: str | None = None
    seq: int | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


_PRIOR = (
    "SELECT idempotency_key, actor_id, operation, details, entity, entity_id FROM audit_log"
    " WHERE idempotency_key "
)


def prior_write(con: duckdb.DuckDBPyConnection, key: str) -> PriorWrite | None:
    """What ``key`` was first used for (a point lookup through the key's index)."""
    return _priors(con.execute(_PRIOR + "= ?", [key]).fetchall()).get(key)


def prior_writes(con: duckdb.DuckDBPyConnection, keys: list[str]) -> dict[str, PriorWrite]:
    """What each of ``keys`` was first used for, if it was: one scan, for a run of hundreds."""
    return _priors(con.execute(_PRIOR + "IN (SELECT unnest(?::VARCHAR[]))", [keys]).fetchall())


def _priors(rows: list[tuple]) -> dict[str, PriorWrite]:
    return {
        key: PriorWrite(
            actor_id=actor_id,
            operation=operation,
            details=details,
            entity=entity,
            entity_id=entity_id,
        )
        for key, actor_id, operation, details, entity, entity_id in rows
    }


def head(con: duckdb.DuckDBPyConnection) -> tuple[int, str]:
    """The newest link: (sequence number, hash) that the next audit row follows."""
    return con.execute("SELECT seq, row_hash FROM audit_head").fetchall()[0]


def entries_digest(entry_texts: list[str]) -> str:
    """Digest of the canonical texts of one write's ledger entries, in entry order ('' if none).

    Must equal ``sha256(string_agg(ledger_entry_text(...), chr(10) ORDER BY entry_id))``,
    which is how :func:`verify` recomputes it.
    """
    if not entry_texts:
        return ""
    return hashlib.sha256("\n".join(entry_texts).encode("utf-8")).hexdigest()


def canonical_text(values: list[object]) -> str:
    """The text the chain hashes: the values as a JSON array of strings (None as null).

    It is computed here when writing, and by the ``audit_row_text`` and ``ledger_entry_text``
    SQL macros when verifying; a property test holds the two to the same bytes.
    """
    text = json.dumps([_as_text(v) for v in values], ensure_ascii=False, separators=(",", ":"))
    return _UNICODE_ESCAPE.sub(lambda m: m.group(1) + "\\u" + m.group(2).upper(), text)


# DuckDB writes control characters as \u001F where Python writes \u001f; an escape is a
# backslash preceded by an even number of backslashes (an odd number is a literal one).
_UNICODE_ESCAPE = re.compile(r"(?<!\\)((?:\\\\)*)\\u([0-9a-f]{4})")


def _as_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S.%f")
    return str(value)  # dates as YYYY-MM-DD, Decimals with their two places, ints, text


@dataclass(frozen=True, kw_only=True)
class Link:
    """One write as the audit log records it, before it is chained."""

    at: datetime
    actor: User
    operation: str
    entity: str
    entity_id: int | None
    key: str
    reason: str
    details: str
    entry_texts: list[str]


AUDIT_COLUMNS = [
    "seq",
    "recorded_at",
    "actor_id",
    "actor",
    "operation",
    "entity",
    "entity_id",
    "idempotency_key",
    "reason",
    "details",
    "entries_digest",
    "prev_hash",
    "row_hash",
]
_INSERT_ROW = "INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"


def _chained(seq: int, prev_hash: str, link: Link) -> list[object]:
    """The audit row for ``link`` at ``seq``: its fields, then ``prev_hash`` and its own hash."""
    fields = [
        seq,
        link.at,
        link.actor.user_id,
        link.actor.username,
        link.operation,
        link.entity,
        link.entity_id,
        link.key,
        link.reason,
        link.details,
        entries_digest(link.entry_texts),
    ]
    row_hash = hashlib.sha256((prev_hash + canonical_text(fields)).encode("utf-8")).hexdigest()
    return [*fields, prev_hash, row_hash]


def append(con: duckdb.DuckDBPyConnection, seq: int, prev_hash: str, link: Link) -> None:
    """Add the next link of the chain and move the head to it (inside the caller's transaction)."""
    row = _chained(seq, prev_hash, link)
    with _race_lost_on_duplicate():
        con.execute(_INSERT_ROW, row)
    _move_head(con, seq, row[-1])


def append_all(con: duckdb.DuckDBPyConnection, seq: int, prev_hash: str, links: list[Link]) -> None:
    """Add many links in one statement, ``seq`` being the first; each hash covers the one
    before, so the rows are exactly those that :func:`append` would write one by one."""
    rows = []
    for offset, link in enumerate(links):
        rows.append(_chained(seq + offset, prev_hash, link))
        prev_hash = rows[-1][-1]
    with _race_lost_on_duplicate():
        insert_all(con, "audit_log", AUDIT_COLUMNS, rows)
    _move_head(con, seq + len(rows) - 1, prev_hash)


@contextmanager
def _race_lost_on_duplicate() -> Iterator[None]:
    # The sequence numbers came from the head inside this transaction, so a duplicate
    # can only mean another session's write took them first.
    try:
        yield
    except duckdb.ConstraintException:
        raise DatabaseBusy(RACE_LOST) from None


def _move_head(con: duckdb.DuckDBPyConnection, seq: int, row_hash: str) -> None:
    con.execute("UPDATE audit_head SET seq = ?, row_hash = ?", [seq, row_hash])


_VERIFY = """
WITH chain AS (
    SELECT seq, operation, actor, recorded_at, entries_digest, prev_hash, row_hash,
           lag(row_hash, 1, ?) OVER (ORDER BY seq) AS expected_prev,
           lag(seq, 1, 0) OVER (ORDER BY seq) AS previous_seq,
           sha256(prev_hash || audit_row_text(seq, recorded_at, actor_id, actor, operation,
                  entity, entity_id, idempotency_key, reason, details, entries_digest))
               AS recomputed
    FROM audit_log
),
posted AS (
    SELECT audit_seq,
           sha256(string_agg(ledger_entry_text(entry_id, kind, ringfence_id, programme_id,
                  commitment_id, amount, value_date, recorded_at, actor_id, reason, reverses,
                  virement_id), chr(10) ORDER BY entry_id)) AS digest,
           string_agg(entry_id::VARCHAR, ', ' ORDER BY entry_id) AS entry_ids
    FROM ledger_entry
    GROUP BY audit_seq
),
user_audited AS (
    SELECT entity_id AS user_id, max(seq) AS seq,
           arg_max(json_extract_string(details, '$.username'), seq)
               FILTER (WHERE operation IN ('bootstrap admin', 'add user')) AS username,
           arg_max(CASE operation WHEN 'bootstrap admin' THEN 'admin'
                                  ELSE json_extract_string(details, '$.role') END, seq)
               FILTER (WHERE operation IN ('bootstrap admin', 'add user', 'set role')) AS role,
           coalesce(arg_max(operation = 'activate user', seq)
               FILTER (WHERE operation IN ('activate user', 'deactivate user')), TRUE) AS active
    FROM audit_log
    WHERE entity = 'user'
    GROUP BY entity_id
),
problems AS (
    -- A gap is named by its first missing row; everything else by the row itself.
    SELECT CASE WHEN c.seq >= 1 AND c.seq <> c.previous_seq + 1 THEN c.previous_seq + 1
                ELSE c.seq END AS seq,
           CASE
               WHEN c.seq < 1 THEN
                   format('audit row #{} is numbered before the first row of the chain (inserted)', c.seq)
               WHEN c.seq <> c.previous_seq + 1 THEN
                   format('audit rows #{}–#{} are missing (deleted)', c.previous_seq + 1, c.seq - 1)
               WHEN c.prev_hash <> c.expected_prev THEN
                   format('audit row #{} does not follow the row before it (a row was inserted or deleted)', c.seq)
               WHEN c.recomputed <> c.row_hash THEN
                   format('audit row #{} ({} by {} at {}) was altered', c.seq, c.operation, c.actor,
                          strftime(c.recorded_at, '%Y-%m-%d %H:%M:%S'))
               WHEN coalesce(p.digest, '') <> c.entries_digest THEN
                   format('ledger entries of audit row #{} ({}) were altered, inserted or deleted; entries now: {}',
                          c.seq, c.operation, coalesce(p.entry_ids, 'none'))
           END AS problem
    FROM chain AS c
    LEFT JOIN posted AS p ON p.audit_seq = c.seq
    UNION ALL
    SELECT p.audit_seq,
           format('audit row #{} is missing, yet ledger entries {} name it: the row was deleted '
                  'or the entries inserted', p.audit_seq, p.entry_ids)
    FROM posted AS p
    ANTI JOIN audit_log AS a ON a.seq = p.audit_seq
    UNION ALL
    -- A ring-fence's declared amount is the ceiling of every allocation: it must still be
    -- what its audited declaration says.
    SELECT a.seq,
           CASE WHEN a.seq IS NULL
                THEN format('ring-fence #{} ({}) has no audited declaration', r.ringfence_id, r.name)
                ELSE format('ring-fence #{} ({}) is not what audit row #{} declared',
                            r.ringfence_id, r.name, a.seq)
           END
    FROM ringfence AS r
    LEFT JOIN audit_log AS a
        ON a.operation = 'declare ring-fence' AND a.entity_id = r.ringfence_id
    WHERE a.seq IS NULL
       OR json_extract_string(a.details, '$.name') IS DISTINCT FROM r.name
       OR json_extract_string(a.details, '$.declared_amount')
              IS DISTINCT FROM r.declared_amount::VARCHAR
       OR json_extract_string(a.details, '$.delegated_limit')
              IS DISTINCT FROM r.delegated_limit::VARCHAR
    UNION ALL
    -- A commitment's experiment and counterparty decide where its money is reported: they
    -- must still be what its award said (for an approved one, the request that was approved).
    SELECT a.seq,
           CASE WHEN a.seq IS NULL
                THEN format('commitment #{} has no audited award', c.commitment_id)
                ELSE format('commitment #{} is not what audit row #{} awarded',
                            c.commitment_id, coalesce(q.seq, a.seq))
           END
    FROM commitment AS c
    LEFT JOIN audit_log AS a ON a.entity = 'commitment' AND a.entity_id = c.commitment_id
    LEFT JOIN audit_log AS q
        ON a.operation = 'approve' AND q.operation = 'commit' AND q.entity = 'approval request'
       AND q.entity_id = TRY_CAST(json_extract_string(a.details, '$.request_id') AS BIGINT)
    WHERE a.seq IS NULL
       OR TRY_CAST(trim(json_extract_string(coalesce(q.details, a.details), '$.experiment_id'))
                   AS INTEGER) IS DISTINCT FROM c.experiment_id
       OR json_extract_string(coalesce(q.details, a.details), '$.counterparty')
              IS DISTINCT FROM c.counterparty
    UNION ALL
    -- Who may do what: each user's name, role and whether they may sign in must be what the
    -- audited changes to them said, last one first.
    SELECT s.seq,
           CASE WHEN s.seq IS NULL
                THEN format('user #{} ({}) has no audited creation', u.user_id, u.username)
                ELSE format('user #{} ({}) is not what audit row #{} recorded',
                            u.user_id, u.username, s.seq)
           END
    FROM app_user AS u
    LEFT JOIN user_audited AS s USING (user_id)
    WHERE s.seq IS NULL
       OR s.username IS DISTINCT FROM u.username
       OR s.role IS DISTINCT FROM u.role
       OR s.active IS DISTINCT FROM u.active
)
-- Of two findings about one row, the one naming ledger entries says more, and a broken
-- link more than the standing data that it recorded.
SELECT seq, problem FROM problems WHERE problem IS NOT NULL
ORDER BY seq NULLS LAST, problem LIKE '%ledger entries%' DESC, problem LIKE 'audit row%' DESC
LIMIT 1
"""


def verify(con: duckdb.DuckDBPyConnection, actor: User) -> ChainCheck:
    """Check every link of the chain and every ledger entry against it, in one pass."""
    with transaction(con):
        require(con, actor, Permission.VERIFY_AUDIT)
        rows, last_seq, last_hash = con.execute(
            "SELECT count(*), max(seq), arg_max(row_hash, seq) FROM audit_log"
        ).fetchone()
        entries = con.execute("SELECT count(*) FROM ledger_entry").fetchone()[0]
        found = con.execute(_VERIFY, [GENESIS]).fetchone()
        head_seq, head_hash = con.execute("SELECT seq, row_hash FROM audit_head").fetchone()
    if found is not None:
        return ChainCheck(rows=rows, entries=entries, seq=found[0], problem=found[1])
    tail = _tail_problem(last_seq or 0, last_hash or GENESIS, head_seq, head_hash)
    if tail is not None:
        return ChainCheck(rows=rows, entries=entries, seq=tail[0], problem=tail[1])
    return ChainCheck(rows=rows, entries=entries)


def _tail_problem(
    last_seq: int, last_hash: str, head_seq: int, head_hash: str
) -> tuple[int, str] | None:
    """Compare the chain's last row with the head that every write moves."""
    if last_seq > head_seq:
        return (
            head_seq + 1,
            f"audit row #{head_seq + 1} was added after the chain's head (inserted)",
        )
    if last_seq < head_seq:
        return last_seq + 1, f"audit rows #{last_seq + 1}–#{head_seq} are missing (deleted)"
    if last_hash != head_hash:
        return last_seq, f"audit row #{last_seq} is not the row the chain's head records (replaced)"
    return None


_TRAIL = """
SELECT a.seq, a.recorded_at, a.actor, a.operation, a.entity, a.entity_id, a.reason, a.details
FROM audit_log AS a
WHERE (?::VARCHAR IS NULL OR a.actor = ?::VARCHAR)
  AND (?::VARCHAR IS NULL OR a.operation = ?::VARCHAR)
  AND (?::DATE IS NULL OR a.recorded_at >= ?::DATE)
  AND (?::DATE IS NULL OR a.recorded_at < ?::DATE + INTERVAL 1 DAY)
  AND (?::INTEGER IS NULL
       OR (a.entity = 'experiment' AND a.entity_id = ?::INTEGER)
       OR json_extract_string(a.details, '$.experiment_id') = ?::VARCHAR
       OR a.seq IN (SELECT e.audit_seq FROM ledger_entry AS e
                    JOIN commitment AS c USING (commitment_id)
                    WHERE c.experiment_id = ?::INTEGER))
ORDER BY a.seq DESC
LIMIT ?
"""


def trail(
    con: duckdb.DuckDBPyConnection,
    actor: User,
    *,
    who: str | None = None,
    operation: str | None = None,
    since: date | None = None,
    until: date | None = None,
    experiment_id: int | None = None,
    limit: int = 5000,
) -> pd.DataFrame:
    """Audit rows, newest first, filtered by actor, operation, date range and experiment."""
    require(con, actor, Permission.READ_LEDGER)
    experiment = None if experiment_id is None else int(experiment_id)
    params = [
        who,
        who,
        operation,
        operation,
        since,
        since,
        until,
        until,
        experiment,
        experiment,
        None if experiment is None else str(experiment),
        experiment,
        limit,
    ]
    return frame(con, _TRAIL, params)


def trail_choices(con: duckdb.DuckDBPyConnection, actor: User) -> tuple[list[str], list[str]]:
    """The actors and operations that appear in the trail, for filter lists."""
    require(con, actor, Permission.READ_LEDGER)
    actors = [
        r[0] for r in con.execute("SELECT DISTINCT actor FROM audit_log ORDER BY 1").fetchall()
    ]
    operations = [
        r[0] for r in con.execute("SELECT DISTINCT operation FROM audit_log ORDER BY 1").fetchall()
    ]
    return actors, operations
