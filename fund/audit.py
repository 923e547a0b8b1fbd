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
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime

import duckdb
import pandas as pd
import pyarrow as pa

from fund import audit_state, labels
from fund.auth import Permission, Role, User, require
from fund.db import INSERT_SCHEMAS, RACE_LOST, frame, insert_all, transaction, utc_now
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


_ANCHOR_LINE = "Ringfence audit anchor: row #{seq} sha256 {hash} at {at:%Y-%m-%dT%H:%M:%S}Z"


@dataclass(frozen=True, kw_only=True)
class Anchor:
    """A published chain head: the row and its hash, and when it was printed."""

    seq: int
    row_hash: str
    at: str | None = None

    def line(self) -> str:
        """The one line that is published and kept."""
        return _ANCHOR_LINE.format(
            seq=self.seq, hash=self.row_hash, at=datetime.fromisoformat(self.at)
        )


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


def states_digest(states: list[tuple[str, str, str | None]]) -> str:
    """Digest of the states one write recorded, by table then key ('' if none).

    Must equal ``sha256(string_agg(audit_state_text(tbl, row_key, state), chr(10) ORDER BY
    tbl, row_key))``, which is how :func:`verify` recomputes it.
    """
    if not states:
        return ""
    return hashlib.sha256("\n".join(canonical_text(list(s)) for s in states).encode()).hexdigest()


def canonical_text(values: list[object]) -> str:
    """The text the chain hashes: the values as a JSON array of strings (None as null).

    It is computed here when writing, and by the ``audit_row_text`` and ``ledger_entry_text``
    SQL macros when verifying; a property test holds the two to the same bytes.
    """
    text = json.dumps([_as_text(v) for v in values], ensure_ascii=False, separators=(",", ":"))
    if "\\u" not in text:  # only control characters are escaped; most texts have none
        return text
    return _UNICODE_ESCAPE.sub(lambda m: m.group(1) + "\\u" + m.group(2).upper(), text)


# DuckDB writes control characters as \u001F where Python writes \u001f; an escape is a
# backslash preceded by an even number of backslashes (an odd number is a literal one).
_UNICODE_ESCAPE = re.compile(r"(?<!\\)((?:\\\\)*)\\u([0-9a-f]{4})")


def _as_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat(timespec="microseconds")  # as strftime('%Y-%m-%dT%H:%M:%S.%f')
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
    states: list[tuple[str, str, str | None]] = ()
    digested: str | None = None  # the states' digest when SQL made it (an import's)


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
    "states_digest",
    "prev_hash",
    "row_hash",
]
_INSERT_ROW = (
    f"INSERT INTO audit_log ({', '.join(AUDIT_COLUMNS)})"  # noqa: S608 - fixed names
    f" VALUES ({', '.join('?' * len(AUDIT_COLUMNS))})"
)


def _fields(seq: int, link: Link) -> list[object]:
    """The audit row for ``link`` at ``seq``, before its two hashes."""
    return [
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
        states_digest(link.states) if link.digested is None else link.digested,
    ]


def _linked(fields: list[object], prev_hash: str, text: str) -> list[object]:
    """The row: its fields, then ``prev_hash`` and its own hash over ``prev_hash`` and ``text``."""
    row_hash = hashlib.sha256((prev_hash + text).encode("utf-8")).hexdigest()
    return [*fields, prev_hash, row_hash]


def _chained(seq: int, prev_hash: str, link: Link) -> list[object]:
    """The audit row for ``link`` at ``seq``: its fields, then ``prev_hash`` and its own hash."""
    fields = _fields(seq, link)
    # A write that recorded no state hashes the text it did before states were recorded.
    hashed = fields if fields[-1] else fields[:-1]
    return _linked(fields, prev_hash, canonical_text(hashed))


def append(con: duckdb.DuckDBPyConnection, seq: int, prev_hash: str, link: Link) -> None:
    """Add the next link of the chain and move the head to it (inside the caller's transaction)."""
    row = _chained(seq, prev_hash, link)
    with _race_lost_on_duplicate():
        con.execute(_INSERT_ROW, row)
    _move_head(con, seq, row[-1])


def append_all(con: duckdb.DuckDBPyConnection, seq: int, prev_hash: str, links: list[Link]) -> None:
    """Add many links in one statement, ``seq`` being the first; each hash covers the one
    before, so the rows are exactly those that :func:`append` would write one by one.

    The rows' canonical texts are made by the ``audit_row_text`` macro that :func:`verify`
    uses, set-based (a run of thousands would spend most of its time building them one by
    one); only the chaining itself, which is sequential by nature, is done row by row.
    """
    fields = [_fields(seq + offset, link) for offset, link in enumerate(links)]
    rows = []
    for row_fields, text in zip(fields, _texts(con, fields), strict=True):
        rows.append(_linked(row_fields, prev_hash, text))
        prev_hash = rows[-1][-1]
    with _race_lost_on_duplicate():
        insert_all(con, "audit_log", AUDIT_COLUMNS, rows)
    _move_head(con, seq + len(rows) - 1, prev_hash)


_FIELDS = pa.schema(list(INSERT_SCHEMAS["audit_log"])[:12])  # the fields before the hashes
_TEXTS = f"""
SELECT audit_row_text({", ".join(AUDIT_COLUMNS[:12])})
FROM audit_fields ORDER BY seq
"""  # noqa: S608 - fixed column names


def _texts(con: duckdb.DuckDBPyConnection, fields: list[list[object]]) -> list[str]:
    """The canonical texts of many audit rows, by the SQL macro, in ``seq`` order."""
    columns = zip(*fields, strict=True)
    table = pa.table(
        [pa.array(column, kind.type) for column, kind in zip(columns, _FIELDS, strict=True)],
        schema=_FIELDS,
    )
    con.register("audit_fields", table)
    try:
        return [text for (text,) in con.execute(_TEXTS).fetchall()]
    finally:
        con.unregister("audit_fields")


BASELINE_KEY = "baseline-0003"
_SYSTEM = User(user_id=0, username="system", display_name="Ringfence", role=Role.ADMIN)


def record_baseline(con: duckdb.DuckDBPyConnection) -> None:
    """Record the state of every recorded row of a database made before states were recorded
    (migration 0003), so that later changes outside the services can be told. An empty
    database needs none; changes made outside the services before this row cannot be told."""
    if not con.execute("SELECT count(*) FROM audit_log").fetchone()[0]:
        return
    record_system_write(
        con,
        operation="record baseline",
        key=BASELINE_KEY,
        reason="states recorded from here on; changes made outside the services before this "
        "row cannot be told",
    )


def record_system_write(
    con: duckdb.DuckDBPyConnection,
    *,
    operation: str,
    key: str,
    reason: str,
    details: str = "{}",
    tables: Collection[str] | None = None,
) -> None:
    """Append one audit row by the system (a migration's own write), recording the state of
    every row of the recorded ``tables`` (default: all of them), inside the caller's
    transaction."""
    last_seq, last_hash = head(con)
    link = Link(
        at=utc_now(),
        actor=_SYSTEM,
        operation=operation,
        entity="database",
        entity_id=None,
        key=key,
        reason=reason,
        details=details,
        entry_texts=[],
        states=audit_state.record_all(con, last_seq + 1, tables),
    )
    append(con, last_seq + 1, last_hash, link)


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


_ANCHOR_PROBLEMS = """
    SELECT a.seq,
           CASE WHEN l.seq IS NULL THEN
                    format('audit row #{} is missing, yet it was anchored (sha256 {}…{}): the chain was '
                           'cut back or rewritten from there', a.seq, left(a.row_hash, 12),
                           coalesce(' published ' || a.at, ''))
                ELSE
                    format('audit row #{} is not the row that was anchored (sha256 {}…{}): the chain '
                           'was rewritten from there', a.seq, left(a.row_hash, 12),
                           coalesce(' published ' || a.at, ''))
           END AS problem,
           1 AS rank
    FROM (SELECT unnest($anchor_seqs::BIGINT[]) AS seq,
                 unnest($anchor_hashes::VARCHAR[]) AS row_hash,
                 unnest($anchor_times::VARCHAR[]) AS at) AS a
    LEFT JOIN audit_log AS l USING (seq)
    WHERE l.row_hash IS DISTINCT FROM a.row_hash
    UNION ALL
    SELECT s.seq,
           format('audit row #{} is not the row anchor #{} recorded (sha256 {}…): the chain was '
                  'rewritten from there', s.seq, s.anchor_id, left(s.row_hash, 12)),
           2  -- an anchor kept outside the database says more than one inside it
    FROM audit_anchor AS s
    LEFT JOIN audit_log AS l USING (seq)
    WHERE s.seq > 0 AND l.row_hash IS DISTINCT FROM s.row_hash
"""

_VERIFY = """
WITH chain AS (
    SELECT seq, operation, actor, recorded_at, entries_digest, states_digest, prev_hash, row_hash,
           lag(row_hash, 1, $genesis) OVER (ORDER BY seq) AS expected_prev,
           lag(seq, 1, 0) OVER (ORDER BY seq) AS previous_seq,
           sha256(prev_hash || audit_row_text(seq, recorded_at, actor_id, actor, operation,
                  entity, entity_id, idempotency_key, reason, details, entries_digest,
                  states_digest)) AS recomputed
    FROM audit_log
),
posted AS (
    SELECT audit_seq,
           sha256(string_agg(ledger_entry_text(entry_id, kind, ringfence_id, programme_id,
                  commitment_id, amount, value_date, recorded_at, actor_id, reason, reverses,
                  virement_id), chr(10) ORDER BY entry_id)) AS digest
    FROM ledger_entry
    GROUP BY audit_seq
),
stated AS (
    SELECT audit_seq,
           sha256(string_agg(audit_state_text(tbl, row_key, state), chr(10)
                             ORDER BY tbl, row_key)) AS digest
    FROM audit_state
    GROUP BY audit_seq
),
last_state AS (
    SELECT tbl, row_key, max(audit_seq) AS seq, arg_max_null(state, audit_seq) AS state
    FROM audit_state
    GROUP BY tbl, row_key
),
current_state AS (
<current states>
),
named AS (SELECT unnest($tables) AS tbl, unnest($names) AS name),
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
                   format('ledger entries of audit row #{} ({}) were altered, inserted or deleted; entries now: <entries>',
                          c.seq, c.operation)
               WHEN coalesce(s.digest, '') <> c.states_digest THEN
                   format('the states recorded by audit row #{} ({}) were altered, inserted or deleted',
                          c.seq, c.operation)
           END AS problem,
           CASE WHEN coalesce(p.digest, '') <> c.entries_digest THEN 0 ELSE 1 END AS rank
    FROM chain AS c
    LEFT JOIN posted AS p ON p.audit_seq = c.seq
    LEFT JOIN stated AS s ON s.audit_seq = c.seq
    UNION ALL
    SELECT p.audit_seq,
           format('audit row #{} is missing, yet ledger entries <entries> name it: the row was deleted '
                  'or the entries inserted', p.audit_seq),
           0
    FROM posted AS p
    ANTI JOIN audit_log AS a ON a.seq = p.audit_seq
    UNION ALL
    SELECT s.audit_seq,
           format('audit row #{} is missing, yet states recorded by it remain: the row was deleted '
                  'or the states inserted', s.audit_seq),
           2
    FROM stated AS s
    ANTI JOIN audit_log AS a ON a.seq = s.audit_seq
    UNION ALL
    -- Every record that decides money or permission must be what its last audited write left.
    SELECT l.seq,
           CASE WHEN l.seq IS NULL OR l.state IS NULL THEN
                    format('{} has no audited write (inserted outside the services)',
                           replace(n.name, '{}', row_key))
                WHEN cs.state IS NULL THEN
                    format('{} was deleted outside the services (audit row #{} recorded it)',
                           replace(n.name, '{}', row_key), l.seq)
                ELSE
                    format('{} is not what audit row #{} recorded (altered outside the services)',
                           replace(n.name, '{}', row_key), l.seq)
           END,
           3
    FROM last_state AS l
    FULL JOIN current_state AS cs USING (tbl, row_key)
    JOIN named AS n USING (tbl)
    WHERE l.state IS DISTINCT FROM cs.state
    UNION ALL
    -- The balances awards and allocations are checked against must be what the ledger says.
    SELECT NULL,
           format('the kept balance of programme #{} (allocated £{}, committed £{}) is not what '
                  'its ledger entries add up to (allocated £{}, committed £{})',
                  programme_id, k.allocated::VARCHAR, k.committed::VARCHAR,
                  d.allocated::VARCHAR, d.committed::VARCHAR),
           3
    FROM programme_balance AS k
    FULL JOIN programme_balance_from_ledger AS d USING (programme_id)
    WHERE k.allocated IS DISTINCT FROM d.allocated OR k.committed IS DISTINCT FROM d.committed
    UNION ALL
    SELECT NULL,
           format('the kept balance of ring-fence #{} (ceiling £{}, allocated £{}) is not what '
                  'its declaration and ledger entries add up to (ceiling £{}, allocated £{})',
                  ringfence_id, k.ceiling::VARCHAR, k.allocated::VARCHAR,
                  d.ceiling::VARCHAR, d.allocated::VARCHAR),
           3
    FROM ringfence_balance AS k
    FULL JOIN ringfence_balance_from_ledger AS d USING (ringfence_id)
    WHERE k.ceiling IS DISTINCT FROM d.ceiling OR k.allocated IS DISTINCT FROM d.allocated
    UNION ALL
    -- Every anchored head (published, or stored) must still be the row and hash of the chain.
    SELECT seq, problem, rank FROM (
<anchor problems>    )
),
-- Of two findings about one row, the one naming ledger entries says more, then a broken
-- link or a published anchor, then states left behind or a stored anchor, then the standing
-- data it recorded (the rank); the text settles any tie, so the same file always gives the
-- same answer.
first AS (
    SELECT seq, problem FROM problems WHERE problem IS NOT NULL
    ORDER BY seq NULLS LAST, rank, problem
    LIMIT 1
)
-- Only the finding reported needs the list of its entries.
SELECT f.seq,
       replace(f.problem, '<entries>',
               coalesce((SELECT string_agg(e.entry_id::VARCHAR, ', ' ORDER BY e.entry_id)
                         FROM ledger_entry AS e WHERE e.audit_seq = f.seq), 'none'))
FROM first AS f
"""
# The recorded tables are declared in fund.audit_state; only their declared names go in.
_VERIFY = _VERIFY.replace("<current states>", audit_state.current_states())
_VERIFY = _VERIFY.replace("<anchor problems>", _ANCHOR_PROBLEMS)


def verify(
    con: duckdb.DuckDBPyConnection, actor: User, anchors: Sequence[Anchor] = ()
) -> ChainCheck:
    """Check every link of the chain, every ledger entry and every recorded state against
    it, the kept balances against the ledger, and each anchor against the chain, in one pass.

    Without an anchor kept outside the database, a tail rewritten consistently (rows deleted
    or added at the end, the chain recomputed, the head moved) cannot be told from a real one.
    """
    with transaction(con):
        require(con, actor, Permission.VERIFY_AUDIT)
        rows, last_seq, last_hash = con.execute(
            "SELECT count(*), max(seq), arg_max(row_hash, seq) FROM audit_log"
        ).fetchone()
        entries = con.execute("SELECT count(*) FROM ledger_entry").fetchone()[0]
        tables, names = audit_state.names()
        found = con.execute(
            _VERIFY,
            {"genesis": GENESIS, "tables": tables, "names": names, **_anchored(anchors)},
        ).fetchone()
        head_seq, head_hash = con.execute("SELECT seq, row_hash FROM audit_head").fetchone()
    tail = _tail_problem(last_seq or 0, last_hash or GENESIS, head_seq, head_hash)
    # The first problem in the chain is the one reported; standing data (no row) comes last.
    first = min(
        (p for p in (found, tail) if p is not None),
        key=lambda p: (p[0] is None, p[0] or 0),
        default=None,
    )
    if first is None:
        return ChainCheck(rows=rows, entries=entries)
    return ChainCheck(rows=rows, entries=entries, seq=first[0], problem=first[1])


def _anchored(anchors: Sequence[Anchor]) -> dict[str, list]:
    """The anchors as the parallel lists the verify query reads."""
    return {
        "anchor_seqs": [a.seq for a in anchors],
        "anchor_hashes": [a.row_hash for a in anchors],
        "anchor_times": [a.at for a in anchors],
    }


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


# What an audit row names, by kind and id: its record (entity, entity_id) and the ids in its
# details ("programme_id", "from_programme_id"…), so the trail reads in names, not numbers.
_NAMED = """
SELECT 'programme' AS kind, programme_id::VARCHAR AS id, name, name AS label FROM programme
UNION ALL SELECT 'ringfence', ringfence_id::VARCHAR, name, name FROM ringfence
UNION ALL SELECT 'experiment', experiment_id::VARCHAR, title, title FROM experiment
UNION ALL SELECT 'commitment', c.commitment_id::VARCHAR, format('{} → {}', x.title, c.counterparty),
                 format('#{} · {} → {}', c.commitment_id, x.title, c.counterparty)
          FROM commitment AS c JOIN experiment AS x USING (experiment_id)
UNION ALL SELECT 'user', user_id::VARCHAR, format('{} ({})', display_name, username),
                 format('{} ({})', display_name, username)
          FROM app_user
"""

_TRAIL = f"""
WITH shown AS (
    SELECT a.seq, a.recorded_at, a.actor_id, a.actor, a.operation, a.entity, a.entity_id,
           a.reason, a.details
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
),
named AS ({_NAMED}),
ids AS (
    SELECT s.seq, k.key, s.details ->> k.key AS id,
           regexp_extract(k.key, '^(?:from_|to_)?(.+)_id$', 1) AS kind
    FROM shown AS s, unnest(json_keys(s.details)) AS k(key)
    WHERE json_valid(s.details)  -- a row altered into bad JSON still shows, as it is
),
names AS (
    SELECT i.seq, json_group_object(i.key, n.label)::VARCHAR AS names
    FROM ids AS i JOIN named AS n USING (kind, id)
    GROUP BY i.seq
)
SELECT s.seq, s.recorded_at,
       coalesce(format('{{}} ({{}})', u.display_name, s.actor), s.actor) AS actor,
       s.operation,
       concat(upper(s.entity[1]), replace(s.entity[2:], 'ingfence', 'ing-fence'),
              ' #' || s.entity_id, ': ' || r.name) AS record,
       s.reason, s.details, coalesce(nm.names, '{{}}') AS names
FROM shown AS s
LEFT JOIN app_user AS u ON u.user_id = s.actor_id
LEFT JOIN named AS r ON r.kind = s.entity AND r.id = s.entity_id::VARCHAR
LEFT JOIN names AS nm USING (seq)
ORDER BY s.seq DESC
"""  # noqa: S608 - a fixed fragment


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
    """Audit rows, newest first, filtered by actor (user name), operation, date range and
    experiment; actors and records by name, details in words with the names of the ids."""
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
    rows = frame(con, _TRAIL, params)
    worded = [
        labels.details(document, json.loads(names))
        for document, names in zip(rows["details"], rows["names"], strict=True)
    ]
    return rows.assign(details=pd.array(worded, dtype="string")).drop(columns=["names"])


def trail_choices(con: duckdb.DuckDBPyConnection, actor: User) -> tuple[dict[str, str], list[str]]:
    """The actors (user name → 'Display name (user name)') and operations that appear in the
    trail, for filter lists."""
    require(con, actor, Permission.READ_LEDGER)
    actors = con.execute(
        "SELECT DISTINCT a.actor, coalesce(format('{} ({})', u.display_name, a.actor), a.actor)"
        " FROM audit_log AS a LEFT JOIN app_user AS u ON u.user_id = a.actor_id ORDER BY 2"
    ).fetchall()
    operations = [
        r[0] for r in con.execute("SELECT DISTINCT operation FROM audit_log ORDER BY 1").fetchall()
    ]
    return dict(actors), operations
