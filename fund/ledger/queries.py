"""Reading the ledger: the entries as people and exports see them, filtered every way an
auditor asks (value dates, kind, programme, experiment, commitment, counterparty, who)."""

from __future__ import annotations

from dataclasses import astuple, dataclass
from datetime import date
from decimal import Decimal

import duckdb
import pandas as pd

from fund.auth import Permission, User, require
from fund.db import frame, transaction
from fund.errors import ValidationError
from fund.ledger.rules import Kind


@dataclass(frozen=True, kw_only=True)
class EntryFilter:
    """Which ledger entries to read; a field left None matches every entry."""

    since: date | None = None  # value date on or after
    until: date | None = None  # value date on or before
    kind: str | None = None
    programme_id: int | None = None
    experiment_id: int | None = None
    commitment_id: int | None = None
    counterparty: str | None = None
    posted_by: str | None = None  # the user name of who posted the entry

    def __post_init__(self) -> None:
        for name in ("since", "until"):  # the CLI gives text, the app dates
            object.__setattr__(self, name, _day(getattr(self, name), name))
        if self.kind is not None and self.kind not in set(Kind):
            raise ValidationError("kind", f"must be one of {', '.join(Kind)}, not {self.kind!r}")
        if self.since and self.until and self.until < self.since:
            raise ValidationError(
                "until", f"must be on or after the first value date {self.since:%d/%m/%Y}"
            )

    def params(self) -> list[object]:
        """Each value twice, in the order of _WHERE's conditions."""
        return [value for value in astuple(self) for _ in range(2)]


def _day(value: object, field: str) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError(field, f"must be a date as YYYY-MM-DD, not {value!r}") from None


# One condition per field of EntryFilter, in the same order; values travel as parameters.
_WHERE = """
WHERE (?::DATE IS NULL OR e.value_date >= ?::DATE)
  AND (?::DATE IS NULL OR e.value_date <= ?::DATE)
  AND (?::VARCHAR IS NULL OR e.kind = ?::VARCHAR)
  AND (?::INTEGER IS NULL OR e.programme_id = ?::INTEGER)
  AND (?::INTEGER IS NULL OR x.experiment_id = ?::INTEGER)
  AND (?::INTEGER IS NULL OR e.commitment_id = ?::INTEGER)
  AND (?::VARCHAR IS NULL OR c.counterparty = ?::VARCHAR)
  AND (?::VARCHAR IS NULL OR u.username = ?::VARCHAR)
"""

_FROM = """
FROM ledger_entry AS e
JOIN ringfence AS r USING (ringfence_id)
LEFT JOIN programme AS p ON p.programme_id = e.programme_id
LEFT JOIN commitment AS c ON c.commitment_id = e.commitment_id
LEFT JOIN experiment AS x ON x.experiment_id = c.experiment_id
JOIN app_user AS u ON u.user_id = e.actor_id
"""

_ENTRIES = f"""
SELECT e.entry_id, e.value_date, e.recorded_at, e.kind, e.amount,
       r.name AS ringfence, p.name AS programme, x.experiment_id, x.title AS experiment,
       e.commitment_id, c.counterparty, format('{{}} ({{}})', u.display_name, u.username) AS actor,
       e.reason, e.reverses, rv.entry_id AS reversed_by, e.virement_id AS request_id, e.audit_seq
{_FROM}
LEFT JOIN ledger_entry AS rv ON rv.reverses = e.entry_id
{_WHERE}
ORDER BY e.entry_id {{order}}
LIMIT ?
"""

_SUMMARY = f"""
SELECT count(*), CAST(coalesce(sum(e.amount), 0) AS DECIMAL(18,2))
{_FROM}
{_WHERE}
"""


def entries(con: duckdb.DuckDBPyConnection, actor: User, **filters: object) -> pd.DataFrame:
    """Ledger entries with the names of what they belong to, oldest first; amounts exact.
    ``filters`` are the fields of :class:`EntryFilter` (experiment_id=…, since=…)."""
    require(con, actor, Permission.READ_LEDGER)
    chosen = EntryFilter(**filters)
    return frame(con, _ENTRIES.replace("{order}", "ASC"), [*chosen.params(), None])


@dataclass(frozen=True, kw_only=True)
class Ledger:
    """The entries a filter matches, newest first, with how many there are and their total."""

    entries: pd.DataFrame  # at most the limit asked for: the newest
    count: int  # every entry the filter matches
    total: Decimal  # the sum of their signed amounts

    @property
    def complete(self) -> bool:
        """Whether every matching entry is in ``entries``."""
        return len(self.entries) == self.count


def ledger(
    con: duckdb.DuckDBPyConnection,
    actor: User,
    chosen: EntryFilter | None = None,
    *,
    limit: int | None = None,
) -> Ledger:
    """The whole ledger, or the part ``chosen`` selects: newest first (the newest ``limit``
    of them when given), their count and total read in the same transaction."""
    chosen = chosen or EntryFilter()
    with transaction(con):
        require(con, actor, Permission.READ_LEDGER)
        count, total = con.execute(_SUMMARY, chosen.params()).fetchone()
        rows = frame(con, _ENTRIES.replace("{order}", "DESC"), [*chosen.params(), limit])
    return Ledger(entries=rows, count=count, total=total)


@dataclass(frozen=True, kw_only=True)
class EntryChoices:
    """What the ledger can be filtered by, each with the words to pick it by."""

    kinds: list[str]
    programmes: dict[int, str]
    experiments: dict[int, str]  # '#12 · Title (Programme)'
    commitments: dict[int, str]  # '#7 · Title → Counterparty'
    counterparties: list[str]
    people: dict[str, str]  # user name → 'Display name (user name)', of those who posted


def choices(con: duckdb.DuckDBPyConnection, actor: User) -> EntryChoices:
    """The programmes, experiments, commitments, counterparties and people in the ledger."""
    require(con, actor, Permission.READ_LEDGER)

    def pairs(sql: str) -> dict:
        return dict(con.execute(sql).fetchall())

    def column(sql: str) -> list:
        return [row[0] for row in con.execute(sql).fetchall()]

    return EntryChoices(
        kinds=list(Kind),
        programmes=pairs("SELECT programme_id, name FROM programme ORDER BY name"),
        experiments=pairs(
            "SELECT x.experiment_id, format('#{} · {} ({})', x.experiment_id, x.title, p.name)"
            " FROM experiment AS x JOIN programme AS p USING (programme_id)"
            " ORDER BY p.name, x.title"
        ),
        commitments=pairs(
            "SELECT c.commitment_id, format('#{} · {} → {}', c.commitment_id, x.title,"
            " c.counterparty) FROM commitment AS c JOIN experiment AS x USING (experiment_id)"
            " ORDER BY c.commitment_id"
        ),
        counterparties=column("SELECT DISTINCT counterparty FROM commitment ORDER BY 1"),
        people=pairs(
            "SELECT DISTINCT u.username, format('{} ({})', u.display_name, u.username)"
            " FROM ledger_entry AS e JOIN app_user AS u ON u.user_id = e.actor_id ORDER BY 2"
        ),
    )


_COMMITMENTS = """
SELECT c.commitment_id, x.experiment_id, x.title AS experiment, c.counterparty,
       format('#{} · {} → {}', c.commitment_id, x.title, c.counterparty) AS label,
       CAST(b.committed AS DECIMAL(18,2)) AS committed, CAST(b.paid AS DECIMAL(18,2)) AS paid,
       CAST(b.committed - b.paid AS DECIMAL(18,2)) AS unpaid,
       CAST(b.recovered AS DECIMAL(18,2)) AS recovered,
       CAST(b.written_off AS DECIMAL(18,2)) AS written_off
FROM commitment AS c
JOIN experiment AS x USING (experiment_id)
JOIN commitment_balance AS b USING (commitment_id)
WHERE (?::INTEGER IS NULL OR x.experiment_id = ?::INTEGER)
ORDER BY c.commitment_id
"""


def commitments(
    con: duckdb.DuckDBPyConnection, actor: User, *, experiment_id: int | None = None
) -> pd.DataFrame:
    """Every commitment with what has been paid, recovered and written off against it."""
    require(con, actor, Permission.READ_LEDGER)
    return frame(con, _COMMITMENTS, [experiment_id, experiment_id])
