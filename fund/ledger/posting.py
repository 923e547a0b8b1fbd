"""Reading the balances a write touches, and posting its entries once the rules allow it.

Balances are read inside the write's own transaction, so the rules judge the database as
it is, not a cache.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import duckdb

from fund.audit import canonical_text
from fund.ledger.rules import (
    ALLOCATED,
    COMMITTED,
    Attempt,
    Balances,
    CommitmentState,
    Kind,
    Movement,
    ProgrammeState,
    RingfenceState,
    breaches,
)
from fund.register import ExperimentInfo
from fund.unit_of_work import Step

# Point reads of the ``ledger_effect`` view (the one definition of which kind feeds which
# balance), so that DuckDB filters the ledger by id (with the commitment index) instead of
# aggregating every balance first as the ``*_balance`` views do for reports.
_COMMITMENT_STATE = """
SELECT ?::INTEGER,
       (SELECT x.instrument = 'social_venture' FROM experiment AS x
        WHERE x.experiment_id = (SELECT c.experiment_id FROM commitment AS c
                                 WHERE c.commitment_id = ?)),
       coalesce(sum(committed), 0), coalesce(sum(paid), 0), coalesce(sum(recovered), 0),
       coalesce(sum(written_off), 0)
FROM ledger_effect
WHERE commitment_id = ?
"""
_PROGRAMME_STATE = """
SELECT ?::INTEGER, (SELECT name FROM programme WHERE programme_id = ?),
       coalesce(sum(allocated), 0), coalesce(sum(committed), 0)
FROM ledger_effect
WHERE programme_id = ?
"""
_RINGFENCE_STATE = """
SELECT ?::INTEGER, (SELECT name FROM ringfence WHERE ringfence_id = ?),
       (SELECT declared_amount FROM ringfence WHERE ringfence_id = ?)
           + coalesce(sum(ceiling_moved), 0),
       coalesce(sum(allocated), 0)
FROM ledger_effect
WHERE ringfence_id = ?
"""


def balances(con: duckdb.DuckDBPyConnection, movements: list[Movement]) -> Balances:
    """The current balances of every commitment, programme and ring-fence the movements touch."""
    commitment_ids = sorted({m.commitment_id for m in movements if m.commitment_id is not None})
    programme_ids = sorted(
        {m.programme_id for m in movements if m.kind in ALLOCATED | COMMITTED and m.programme_id}
    )
    ringfence_ids = sorted(
        {m.ringfence_id for m in movements if m.kind in ALLOCATED | {Kind.RINGFENCE_VIREMENT}}
    )
    return Balances(
        commitments=tuple(
            CommitmentState(
                commitment_id=r[0],
                recoverable_gains=r[1],
                committed=r[2],
                paid=r[3],
                recovered=r[4],
                written_off=r[5],
            )
            for r in _rows(con, _COMMITMENT_STATE, commitment_ids)
        ),
        programmes=tuple(
            ProgrammeState(programme_id=r[0], name=r[1], allocated=r[2], committed=r[3])
            for r in _rows(con, _PROGRAMME_STATE, programme_ids)
        ),
        ringfences=tuple(
            RingfenceState(ringfence_id=r[0], name=r[1], ceiling=r[2], allocated=r[3])
            for r in _rows(con, _RINGFENCE_STATE, ringfence_ids)
        ),
    )


def _rows(con: duckdb.DuckDBPyConnection, sql: str, ids: list[int]) -> list[tuple]:
    # One point query per scope (a write touches one or two); each names its id in every slot.
    slots = sql.count("?")
    return [row for i in ids for row in con.execute(sql, [i] * slots).fetchall()]


def check(con: duckdb.DuckDBPyConnection, movements: list[Movement], attempt: Attempt) -> None:
    """Raise the first broken rule, if the movements would break any."""
    found = breaches(balances(con, movements), movements, attempt)
    if found:
        raise found[0]


_POST = """
INSERT INTO ledger_entry (entry_id, audit_seq, kind, ringfence_id, programme_id, commitment_id,
                          amount, value_date, recorded_at, actor_id, reason, reverses,
                          virement_id)
VALUES (nextval('ledger_entry_id'), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
RETURNING entry_id
"""


def post(step: Step, movements: list[Movement], attempt: Attempt, value_date: date) -> list[int]:
    """Check the rules against the database, then append the entries; returns their ids.

    Each entry's canonical text (what the audit row's digest covers) is built here, in the
    same order as the ``ledger_entry_text`` macro that :func:`fund.audit.verify` uses.
    """
    check(step.con, movements, attempt)
    ids = []
    for m in movements:
        fields = [
            m.kind.value,
            m.ringfence_id,
            m.programme_id,
            m.commitment_id,
            m.amount,
            value_date,
            step.at,
            step.actor.user_id,
            step.reason,
            m.reverses,
            m.virement_id,
        ]
        params = [step.seq, *fields[:5], *fields[5:]]
        (entry_id,) = step.con.execute(_POST, params).fetchall()[0]
        ids.append(entry_id)
        step.entry_texts.append(canonical_text([entry_id, *fields]))
    return ids


def open_commitment(
    step: Step,
    target: ExperimentInfo,
    amount: Decimal,
    counterparty: str,
    day: date,
    approved_by: int | None,
) -> int:
    """Create the commitment record and its entry (directly, or on approval)."""
    commitment_id = step.con.execute(
        "INSERT INTO commitment (experiment_id, counterparty, approved_by, created_at)"
        " VALUES (?, ?, ?, ?) RETURNING commitment_id",
        [target.experiment_id, counterparty, approved_by, step.at],
    ).fetchone()[0]
    movement = Movement(
        kind=Kind.COMMITMENT,
        ringfence_id=target.ringfence_id,
        programme_id=target.programme_id,
        commitment_id=commitment_id,
        amount=amount,
    )
    post(step, [movement], Attempt(label="commitment", amount=amount), day)
    return commitment_id
