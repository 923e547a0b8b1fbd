"""Reading the balances a write touches, and posting its entries once the rules allow it.

Balances are read inside the write's own transaction, so the rules judge the database as
it is, not a cache.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

import duckdb

from fund import db
from fund.audit import canonical_text
from fund.errors import NotFound, ValidationError
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
    Terms,
    after,
    breaches,
)
from fund.money import ZERO
from fund.register import ExperimentInfo, Instrument, ProgrammeInfo, parse_id
from fund.unit_of_work import Step

# A commitment's booking, balances and terms (see :class:`Terms`), for one commitment or a
# payment run's many: the same query, filtered by key (one id: an index lookup of the ledger)
# or by a list (one pass over it). Only the two fixed filters below are formatted in.
_BOOKED = """
WITH state AS (
    SELECT commitment_id, any_value(ringfence_id) AS ringfence_id,
           any_value(programme_id) AS programme_id,
           coalesce(sum(committed), 0) AS committed, coalesce(sum(paid), 0) AS paid,
           coalesce(sum(recovered), 0) AS recovered, coalesce(sum(written_off), 0) AS written_off
    FROM ledger_effect
    WHERE {state}
    GROUP BY commitment_id
)
SELECT s.commitment_id, s.ringfence_id, s.programme_id, s.committed, s.paid, s.recovered,
       s.written_off, x.instrument, list_contains($may_return_more, x.instrument),
       k.contract_id, k.name
FROM state AS s
JOIN commitment AS c ON {commitment}
JOIN experiment AS x ON x.experiment_id = c.experiment_id
LEFT JOIN pbr_contract AS k ON {contract}
"""
# One commitment: every filter a constant key, so each table is read through its index.
_ONE = _BOOKED.format(
    state="commitment_id = $ids[1]",
    commitment="c.commitment_id = $ids[1]",
    contract="k.commitment_id = $ids[1]",
)
_MANY = _BOOKED.format(
    state="commitment_id IN (SELECT unnest($ids))",
    commitment="c.commitment_id = s.commitment_id",
    contract="k.commitment_id = s.commitment_id",
)
# What outcomes have earned on the contracts among them, and who verified their claims (read
# only when there are contracts: the views cost more than the rest of a write's reads).
_EARNED = """
SELECT e.contract_id, e.earned, e.by_metric,
       (SELECT list(DISTINCT v.verified_by) FROM pbr_verification AS v
        JOIN pbr_claim AS q USING (claim_id) WHERE q.contract_id = e.contract_id)
FROM pbr_card_earned AS e
WHERE e.contract_id IN (SELECT unnest($contracts))
"""
# The instruments whose commitments may return more than was paid (a venture's gains).
MAY_RETURN_MORE = [Instrument.SOCIAL_VENTURE.value]
# Programme and ring-fence balances are kept current by every posting (see _KEEP), so a
# write reads them by key instead of summing a whole programme's entries.
_PROGRAMME_STATE = """
SELECT b.programme_id, p.name, b.allocated, b.committed
FROM programme_balance AS b JOIN programme AS p USING (programme_id)
WHERE b.programme_id = ?
"""
_RINGFENCE_STATE = """
SELECT b.ringfence_id, r.name, b.ceiling, b.allocated
FROM ringfence_balance AS b JOIN ringfence AS r USING (ringfence_id)
WHERE b.ringfence_id = ?
"""
# What each posting adds to the kept balances, in its own transaction (one or two rows).
_KEEP_PROGRAMME = (
    "UPDATE programme_balance SET allocated = allocated + ?, committed = committed + ?"
    " WHERE programme_id = ?"
)
_KEEP_RINGFENCE = (
    "UPDATE ringfence_balance SET ceiling = ceiling + ?, allocated = allocated + ?"
    " WHERE ringfence_id = ?"
)


NOTHING_KNOWN = Balances()


@dataclass(frozen=True, kw_only=True)
class Booked:
    """Where a commitment's money is booked, and its balances now."""

    ringfence_id: int
    programme_id: int
    state: CommitmentState


def booked(con: duckdb.DuckDBPyConnection, commitment_id: int) -> Booked:
    """A commitment's booking, balances and terms, read by its key."""
    found = _read(con, _ONE, [commitment_id]).get(commitment_id)
    if found is None:
        raise NotFound("commitment", "commitment", commitment_id)
    return found


def independent_payer(found: Booked, actor_id: int) -> None:
    """Nobody pays a contract whose outcome claims they verified (nor verifies one they have
    paid: :mod:`fund.pbr.claims`), whatever role they hold now."""
    terms = found.state.terms
    if actor_id in terms.verifiers:
        raise ValidationError(
            "payer",
            f"you verified outcome claims of {terms.contract}; its payments are made by"
            " someone who does not verify them",
        )


def booked_for_payments(
    con: duckdb.DuckDBPyConnection, commitment_ids: list[int]
) -> dict[int, Booked]:
    """The booking, balances and terms of many commitments (a payment run's) at once."""
    return _read(con, _MANY, commitment_ids)


def _read(con: duckdb.DuckDBPyConnection, sql: str, ids: list[int]) -> dict[int, Booked]:
    rows = con.execute(sql, {"ids": ids, "may_return_more": MAY_RETURN_MORE}).fetchall()
    contracts = [row[9] for row in rows if row[9] is not None]
    earned = {}
    if contracts:
        earned = {e[0]: e[1:] for e in con.execute(_EARNED, {"contracts": contracts}).fetchall()}
    return {row[0]: _booked(row, earned.get(row[9])) for row in rows}


def _booked(row: tuple, outcomes: tuple | None) -> Booked:
    """A commitment's booking, balances and terms; ``outcomes`` (earned, by metric,
    verifiers) when a contract pays it only for verified outcomes."""
    commitment_id, ringfence_id, programme_id, committed, paid, recovered, written_off = row[:7]
    instrument, may_return_more, contract_id, name = row[7:]
    terms = Terms(instrument=instrument, may_return_more=may_return_more)
    if contract_id is not None:
        earned, by_metric, verifiers = outcomes
        terms = replace(
            terms,
            earned=earned,
            # what was paid, if a reversal has since lowered what is earned below it
            payable=max(earned, paid - recovered),
            contract=f"PbR contract #{contract_id} {name!r}",
            by_metric=tuple((m["metric"], m["earned"]) for m in by_metric),
            verifiers=frozenset(verifiers or ()),
        )
    state = CommitmentState(
        commitment_id=commitment_id,
        terms=terms,
        committed=committed,
        paid=paid,
        recovered=recovered,
        written_off=written_off,
    )
    return Booked(ringfence_id=ringfence_id, programme_id=programme_id, state=state)


def balances(
    con: duckdb.DuckDBPyConnection, movements: list[Movement], known: Balances = NOTHING_KNOWN
) -> Balances:
    """The current balances of every commitment, programme and ring-fence the movements touch
    (reusing any the caller has just read)."""
    have = {c.commitment_id for c in known.commitments}
    commitment_ids = sorted(
        {m.commitment_id for m in movements if m.commitment_id is not None} - have
    )
    programme_ids = set(_programme_ids(movements)) - {p.programme_id for p in known.programmes}
    ringfence_ids = set(_ringfence_ids(movements)) - {r.ringfence_id for r in known.ringfences}
    return Balances(
        commitments=known.commitments + tuple(booked(con, i).state for i in commitment_ids),
        programmes=known.programmes
        + tuple(
            ProgrammeState(programme_id=r[0], name=r[1], allocated=r[2], committed=r[3])
            for r in _rows(con, _PROGRAMME_STATE, sorted(programme_ids))
        ),
        ringfences=known.ringfences
        + tuple(
            RingfenceState(ringfence_id=r[0], name=r[1], ceiling=r[2], allocated=r[3])
            for r in _rows(con, _RINGFENCE_STATE, sorted(ringfence_ids))
        ),
    )


def _rows(con: duckdb.DuckDBPyConnection, sql: str, ids: list[int]) -> list[tuple]:
    # One point query per scope (a write touches one or two).
    return [row for i in ids for row in con.execute(sql, [i]).fetchall()]


def keep_balances(con: duckdb.DuckDBPyConnection, movements: list[Movement]) -> None:
    """Move the kept programme and ring-fence balances by what ``movements`` post: the rules
    judged them against these balances, and ``verify`` holds them to the ledger."""
    moved = after(_zero_balances(movements), movements)
    for p in moved.programmes:
        con.execute(_KEEP_PROGRAMME, [p.allocated, p.committed, p.programme_id])
    for r in moved.ringfences:
        con.execute(_KEEP_RINGFENCE, [r.ceiling, r.allocated, r.ringfence_id])


def _zero_balances(movements: list[Movement]) -> Balances:
    """Zero balances for every programme and ring-fence the movements change."""
    return Balances(
        programmes=tuple(
            ProgrammeState(programme_id=i, name="", allocated=ZERO, committed=ZERO)
            for i in _programme_ids(movements)
        ),
        ringfences=tuple(
            RingfenceState(ringfence_id=i, name="", ceiling=ZERO, allocated=ZERO)
            for i in _ringfence_ids(movements)
        ),
    )


def _programme_ids(movements: list[Movement]) -> list[int]:
    return sorted(
        {m.programme_id for m in movements if m.kind in ALLOCATED | COMMITTED and m.programme_id}
    )


def _ringfence_ids(movements: list[Movement]) -> list[int]:
    return sorted(
        {m.ringfence_id for m in movements if m.kind in ALLOCATED | {Kind.RINGFENCE_VIREMENT}}
    )


def check(
    con: duckdb.DuckDBPyConnection,
    movements: list[Movement],
    attempt: Attempt,
    known: Balances = NOTHING_KNOWN,
) -> None:
    """Raise the first broken rule, if the movements would break any."""
    found = breaches(balances(con, movements, known), movements, attempt)
    if found:
        raise found[0]


ENTRY_COLUMNS = [
    "entry_id",
    "audit_seq",
    "kind",
    "ringfence_id",
    "programme_id",
    "commitment_id",
    "amount",
    "value_date",
    "recorded_at",
    "actor_id",
    "reason",
    "reverses",
    "virement_id",
]


def post(
    step: Step,
    movements: list[Movement],
    attempt: Attempt,
    value_date: date,
    known: Balances = NOTHING_KNOWN,
) -> list[int]:
    """Check the rules against the database, then append the entries; returns their ids."""
    check(step.con, movements, attempt, known)
    ids = append(step.con, [(step, m, value_date) for m in movements])
    keep_balances(step.con, movements)
    return ids


def append(con: duckdb.DuckDBPyConnection, entries: list[tuple[Step, Movement, date]]) -> list[int]:
    """Append entries the rules allowed, each under its write's audit row: the one way
    entries reach the ledger, for a single write and a payment run alike. Each write's step
    gets its entries' canonical text, as ``verify`` hashes it. A single write's one or two
    entries go in by a prepared statement each, their text made here; a run's go in as one
    Arrow table, their texts made in SQL by the macro ``verify`` uses (a test holds the two
    texts equal): each the cheaper at its size."""
    if len(entries) <= _ONE_BY_ONE:
        return [_append_one(con, *entry) for entry in entries]
    ids = next_entry_ids(con, len(entries))
    rows = [
        [entry_id, step.seq, *entry_fields(step, movement, day)]
        for entry_id, (step, movement, day) in zip(ids, entries, strict=True)
    ]
    db.insert_all(con, "ledger_entry", ENTRY_COLUMNS, rows)
    texts = dict(con.execute(_ENTRY_TEXTS, [ids[0], ids[-1]]).fetchall())
    for entry_id, (step, _, _) in zip(ids, entries, strict=True):
        step.entry_texts.append(texts[entry_id])
    return ids


_ONE_BY_ONE = 2  # a single write's entries (a virement's two legs at most)
_POST = """
INSERT INTO ledger_entry (entry_id, audit_seq, kind, ringfence_id, programme_id, commitment_id,
                          amount, value_date, recorded_at, actor_id, reason, reverses,
                          virement_id)
VALUES (nextval('ledger_entry_id'), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
RETURNING entry_id
"""


def _append_one(con: duckdb.DuckDBPyConnection, step: Step, movement: Movement, day: date) -> int:
    fields = entry_fields(step, movement, day)
    (entry_id,) = con.execute(_POST, [step.seq, *fields]).fetchone()
    step.entry_texts.append(canonical_text([entry_id, *fields]))
    return entry_id


def entry_fields(step: Step, m: Movement, value_date: date) -> list[object]:
    """An entry's values after its id, in the order of ``ENTRY_COLUMNS[2:]``, which is also
    the order of the ``ledger_entry_text`` macro that :func:`fund.audit.verify` hashes."""
    return [
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


_ENTRY_TEXTS = """
SELECT entry_id, ledger_entry_text(entry_id, kind, ringfence_id, programme_id, commitment_id,
                                   amount, value_date, recorded_at, actor_id, reason, reverses,
                                   virement_id)
FROM ledger_entry
WHERE entry_id BETWEEN ? AND ?
"""


def next_entry_ids(con: duckdb.DuckDBPyConnection, count: int) -> list[int]:
    """``count`` new entry ids, ascending, for entries appended in one statement."""
    rows = con.execute("SELECT nextval('ledger_entry_id') FROM range(?)", [count]).fetchall()
    return sorted(row[0] for row in rows)


# What an award or an allocation is judged against, read in one query each: the write path
# reads by key, never by summing the ledger.
_COMMIT_TARGET = """
SELECT x.experiment_id, x.programme_id, p.ringfence_id, x.title, x.instrument,
       r.delegated_limit, p.name, b.allocated, b.committed,
       EXISTS (SELECT 1 FROM risk_appetite AS a WHERE a.ringfence_id = p.ringfence_id),
       CASE WHEN x.instrument = 'small_grant' THEN
           (SELECT g.delegated_limit FROM grant_policy AS g WHERE g.ringfence_id = p.ringfence_id
            ORDER BY g.version DESC LIMIT 1) END
FROM experiment AS x
JOIN programme AS p USING (programme_id)
JOIN ringfence AS r USING (ringfence_id)
JOIN programme_balance AS b USING (programme_id)
WHERE x.experiment_id = ?
"""
_ALLOCATION_TARGET = """
SELECT p.programme_id, p.ringfence_id, p.name, b.allocated, b.committed,
       r.name, k.ceiling, k.allocated
FROM programme AS p
JOIN programme_balance AS b USING (programme_id)
JOIN ringfence AS r USING (ringfence_id)
JOIN ringfence_balance AS k USING (ringfence_id)
WHERE p.programme_id = ?
"""


@dataclass(frozen=True, kw_only=True)
class CommitTarget:
    """An experiment about to receive a commitment: where it is booked, the delegated limit
    that decides whether a second person must approve, and its programme's balances."""

    experiment: ExperimentInfo
    delegated_limit: Decimal
    appetite_declared: bool  # only then can a commitment breach a risk appetite
    known: Balances
    # A small grant's ring-fence's small-grant delegated limit, where its policy declares one
    # (:mod:`fund.grants.policy`): a commitment made to it outside `fund grants` is held to it.
    small_grant_limit: Decimal | None = None


def commit_target(
    con: duckdb.DuckDBPyConnection, experiment_id: object, *, imported: bool = False
) -> CommitTarget:
    """Where a commitment to ``experiment_id`` is booked, once it may take money (awards
    ``imported`` from another system need no registered plan: they are shown as having none)."""
    number = parse_id(experiment_id, "experiment")
    row = con.execute(_COMMIT_TARGET, [number]).fetchone()
    if row is None:
        raise NotFound("experiment", "experiment", experiment_id)
    experiment = ExperimentInfo(
        experiment_id=row[0],
        programme_id=row[1],
        ringfence_id=row[2],
        title=row[3],
        instrument=Instrument(row[4]),
    )
    _open_to_money(con, experiment, imported)
    programme = ProgrammeState(programme_id=row[1], name=row[6], allocated=row[7], committed=row[8])
    return CommitTarget(
        experiment=experiment,
        delegated_limit=row[5],
        appetite_declared=row[9],
        known=Balances(programmes=(programme,)),
        small_grant_limit=row[10],
    )


# Whether an experiment may take money, by its key: a plan and a closing are looked up
# directly; the commitments only when there is no plan (money held from before plans).
_PLANNED_OR_CLOSED = """
SELECT EXISTS (SELECT 1 FROM evaluation_plan WHERE experiment_id = $id),
       EXISTS (SELECT 1 FROM experiment_closure WHERE experiment_id = $id)
"""
_HOLDS_MONEY = "SELECT EXISTS (SELECT 1 FROM commitment WHERE experiment_id = ?)"


def _open_to_money(
    con: duckdb.DuckDBPyConnection, experiment: ExperimentInfo, imported: bool
) -> None:
    """Money goes only to a disciplined test: an experiment with a registered evaluation plan
    that is not closed. One that held money before plans were asked for (or whose awards were
    made elsewhere and imported) is shown as having no registered plan, never refused for it."""
    number = experiment.experiment_id
    has_plan, closed = con.execute(_PLANNED_OR_CLOSED, {"id": number}).fetchone()
    named = f"experiment #{number} '{experiment.title}'"
    if closed:
        raise ValidationError("experiment", f"{named} is closed: it takes no new commitment")
    if not (has_plan or imported) and not con.execute(_HOLDS_MONEY, [number]).fetchone()[0]:
        raise ValidationError(
            "evaluation plan",
            f"{named} has no registered evaluation plan: register one before committing money",
        )


def allocation_target(
    con: duckdb.DuckDBPyConnection, programme_id: object
) -> tuple[ProgrammeInfo, Balances]:
    """A programme about to receive an allocation, with its and its ring-fence's balances."""
    number = parse_id(programme_id, "programme")
    row = con.execute(_ALLOCATION_TARGET, [number]).fetchone()
    if row is None:
        raise NotFound("programme", "programme", programme_id)
    programme_id, ringfence_id, name, allocated, committed, ringfence_name, ceiling, spent = row
    target = ProgrammeInfo(programme_id=programme_id, ringfence_id=ringfence_id, name=name)
    known = Balances(
        programmes=(
            ProgrammeState(
                programme_id=programme_id, name=name, allocated=allocated, committed=committed
            ),
        ),
        ringfences=(
            RingfenceState(
                ringfence_id=ringfence_id, name=ringfence_name, ceiling=ceiling, allocated=spent
            ),
        ),
    )
    return target, known


def open_commitment(
    step: Step,
    target: ExperimentInfo,
    amount: Decimal,
    counterparty: str,
    day: date,
    approved_by: int | None,
    known: Balances = NOTHING_KNOWN,
) -> int:
    """Create the commitment record and its entry (directly, or on approval). A new
    commitment has no balances yet, so none are read for it."""
    commitment_id = step.con.execute(
        "INSERT INTO commitment (experiment_id, counterparty, approved_by, created_at)"
        " VALUES (?, ?, ?, ?) RETURNING commitment_id",
        [target.experiment_id, counterparty, approved_by, step.at],
    ).fetchone()[0]
    step.record("commitment", commitment_id)
    movement = Movement(
        kind=Kind.COMMITMENT,
        ringfence_id=target.ringfence_id,
        programme_id=target.programme_id,
        commitment_id=commitment_id,
        amount=amount,
    )
    new = CommitmentState(
        commitment_id=commitment_id,
        terms=Terms(
            instrument=target.instrument.value,
            may_return_more=target.instrument.value in MAY_RETURN_MORE,
        ),
        committed=ZERO,
        paid=ZERO,
        recovered=ZERO,
        written_off=ZERO,
    )
    known = replace(known, commitments=(new,))
    post(step, [movement], Attempt(label="commitment", amount=amount), day, known)
    return commitment_id
