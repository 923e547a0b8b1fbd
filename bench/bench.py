"""`make bench`: Ringfence at the size of a large fund, measured against its targets.

Builds (once; again with ``--rebuild``) ``bench/bench.duckdb``: 1,000,000 ledger entries
over 50,000 commitments in three ring-fences, 30 programmes and 10,000 experiments across
the four instruments, with three years of value dates. Users, ring-fences, programmes,
experiments and allocations go through the real services; commitments and their entries
are generated set-based in SQL (the services would take hours), with every invariant
holding and a valid audit chain: one audit row per write, hashed exactly as
:mod:`fund.audit` does. The build ends by asserting that ``audit.verify`` says OK.

Then, on a scratch copy so that every run measures the same database, it times the
portfolio position, the burn by month, sustained ledger writes through the services (as
payment runs, and one transaction at a time), and ``audit verify`` over the whole chain; prints them as a table against the targets of
issue #3; and shows how the balance queries of the write path read ``ledger_entry``.

    .venv/bin/python bench/bench.py [--rebuild] [--seconds 10] [--writes 3000] [--runs 5]
                                    [--plans]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script, the package is not necessarily installed
    sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402
import pyarrow as pa  # noqa: E402
from streamlit.runtime.pages_manager import PagesManager  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from fund import audit, db, demo, ledger, portfolio, register, users  # noqa: E402
from fund.auth import User, authenticate, find_user  # noqa: E402
from fund.errors import RingfenceError  # noqa: E402
from fund.ledger import payment_run, posting  # noqa: E402

HERE = Path(__file__).resolve().parent
DATABASE = HERE / "bench.duckdb"
BUILDING = HERE / "bench.building.duckdb"  # renamed to DATABASE only once complete
SCRATCH = HERE / "bench.run.duckdb"  # the copy the measurements write to

ENTRIES = 1_000_000
COMMITMENTS = 50_000
GRANT_COMMITMENTS = 40_000  # small grants are the high-volume instrument
EXPERIMENTS = 10_000
PROGRAMMES_PER_RINGFENCE = 10
HISTORY_DAYS = 1095  # value dates spread over the last three years
DELEGATED_LIMIT = Decimal("10000.00")
PASSWORD = "bench-password-not-secret"
SEED = 20260101

POSITION_TARGET = 0.25  # seconds
WRITES_TARGET = 300  # per second
VERIFY_TARGET = 10.0  # seconds


def say(message: str) -> None:
    print(message, flush=True)


def attach(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table) -> None:
    """Make an Arrow table queryable by name (after any result a fetchone() left open)."""
    con.complete()
    con.register(name, table)


def detach(con: duckdb.DuckDBPyConnection, name: str) -> None:
    con.complete()
    con.unregister(name)


# ---------------------------------------------------------------------------------------
# The shape of the fund
# ---------------------------------------------------------------------------------------

RINGFENCES = [
    ("Northborough Innovation Fund", "Northborough Council", "Money that works"),
    ("Regional Mental Health Innovation Fund", "North Region Health Board", "Minds that mend"),
    ("Youth Transitions Pilot Fund", "Department for Work and Skills", "Routes into work"),
]
THEMES = [
    "Financial inclusion: credit union access",
    "Financial inclusion: debt advice in GP surgeries",
    "Financial inclusion: affordable credit",
    "Financial inclusion: savings for renters",
    "Financial inclusion: digital banking for older people",
    "Financial inclusion: energy debt",
    "Financial inclusion: benefit take-up",
    "Financial inclusion: prison leavers' bank accounts",
    "Financial inclusion: gambling harm",
    "Financial inclusion: community finance hubs",
    "Mental health: peer support after discharge",
    "Mental health: crisis cafes",
    "Mental health: social prescribing",
    "Mental health: young carers",
    "Mental health: workplace return",
    "Mental health: perinatal support",
    "Mental health: loneliness in later life",
    "Mental health: school counselling",
    "Mental health: men's sheds",
    "Mental health: digital talking therapies",
    "Young people into work: apprenticeships in care",
    "Young people into work: care leavers",
    "Young people into work: supported internships",
    "Young people into work: green skills",
    "Young people into work: youth employment zones",
    "Young people into work: reoffending young adults",
    "Young people into work: rural transport",
    "Young people into work: self-employment",
    "Young people into work: digital skills",
    "Young people into work: mentoring",
]
# Programme p's experiments are p, p + 30, p + 60, …; the instrument cycles in tens.
INSTRUMENTS = ["small_grant"] * 6 + [
    "experimental_zone",
    "pbr_contract",
    "social_venture",
    "social_venture",
]
SECTOR_ROLES = {
    "government": "innovation_seeker",
    "business": "investor",
    "civil_society": "innovation_creator",
    "university": "evaluator",
    "service_users": "innovation_creator",
}
PARTNER_NAMES = {
    "government": "Borough Council {}",
    "business": "Enterprise {} Ltd",
    "civil_society": "Community Trust {}",
    "university": "University Centre {}",
    "service_users": "Service User Forum {}",
}
PARTNERS = 400


@dataclass(frozen=True)
class Cast:
    """The people the benchmark acts as."""

    manager: User
    second: User
    auditor: User
    board: User


def experiment_spec() -> pa.Table:
    """Experiment j: its programme (index) and instrument, before any of it exists."""
    js = list(range(EXPERIMENTS))
    programmes = len(RINGFENCES) * PROGRAMMES_PER_RINGFENCE
    return pa.table(
        {
            "j": pa.array(js, pa.int64()),
            "programme": pa.array([j % programmes for j in js], pa.int64()),
            "instrument": [INSTRUMENTS[(j // programmes) % len(INSTRUMENTS)] for j in js],
        }
    )


# ---------------------------------------------------------------------------------------
# The plan: every commitment and what happens to it, decided before anything is written
# ---------------------------------------------------------------------------------------

# Amounts are whole pence (BIGINT) until they are posted; "random" draws are hashes of the
# commitment number, so a rebuild gives the same fund.
_DRAFT = """
CREATE OR REPLACE TEMP TABLE plan_draft AS
WITH slots AS (
    SELECT j, programme, instrument, instrument = 'small_grant' AS grant_scheme,
           row_number() OVER (PARTITION BY instrument = 'small_grant' ORDER BY j) - 1 AS slot,
           count(*) OVER (PARTITION BY instrument = 'small_grant') AS slots
    FROM spec_experiment
),
drawn AS (
    SELECT i, i < $grants AS grant_scheme,
           CASE WHEN i < $grants THEN i ELSE i - $grants END AS n,
           (hash(i, 'amount') % 1000000) / 1e6 AS u_amount,
           (hash(i, 'day') % 1000000) / 1e6 AS u_day,
           (hash(i, 'paid') % 1000000) / 1e6 AS u_paid,
           (hash(i, 'count') % 1000000) / 1e6 AS u_count,
           (hash(i, 'back') % 1000000) / 1e6 AS u_back,
           (hash(i, 'span') % 1000000) / 1e6 AS u_span
    FROM range($commitments) AS t(i)
),
sized AS (
    SELECT d.i, s.j, s.programme, s.instrument, s.grant_scheme, d.u_paid, d.u_count, d.u_back,
           d.u_span,
           CASE s.instrument
               WHEN 'small_grant' THEN (500 + floor(d.u_amount * 106)::BIGINT * 100) * 100
               WHEN 'experimental_zone' THEN (100000 + floor(d.u_amount * 901)::BIGINT * 1000) * 100
               WHEN 'pbr_contract' THEN (200000 + floor(d.u_amount * 1801)::BIGINT * 1000) * 100
               ELSE (50000 + floor(d.u_amount * 451)::BIGINT * 1000) * 100
           END AS committed_p,
           floor(d.u_day * 900)::INTEGER AS d0
    FROM drawn AS d
    JOIN slots AS s ON s.grant_scheme = d.grant_scheme AND s.slot = d.n % s.slots
),
paid AS (
    SELECT *,
           floor(committed_p * CASE WHEN grant_scheme THEN least(1.0, 0.7 + 0.6 * u_paid)
                                    ELSE 0.3 + 0.65 * u_paid END)::BIGINT AS paid_p,
           -- grants are paid within six months; contracts and investments over one to three years
           least(1049 - d0, CASE WHEN grant_scheme THEN 180
                                 ELSE 360 + floor(u_span * 700)::INTEGER END) AS span,
           CASE WHEN grant_scheme THEN 1 + floor(u_count * 3)
                ELSE 20 + floor(u_count * 100) END::BIGINT AS weight
    FROM sized
),
recovered AS (
    SELECT *,
           CASE WHEN i % 5 = 1 AND committed_p - paid_p >= 200
                THEN (committed_p - paid_p) // 2 ELSE 0 END AS decommitted_p,
           CASE WHEN i % 20 IN (2, 12)
                THEN greatest(1, floor(paid_p * (0.05 + 0.3 * u_back)))::BIGINT
                ELSE 0 END AS recovered_p,
           i % 20 IN (7, 17) AS reversed
    FROM paid
)
SELECT *,
       CASE WHEN instrument = 'social_venture' AND i % 20 IN (2, 12)
                THEN (paid_p - recovered_p) // 4
            WHEN instrument = 'social_venture' AND i % 20 = 3 THEN paid_p // 2
            ELSE 0 END AS written_off_p
FROM recovered
"""

_OTHER_ENTRIES = """
SELECT count(*) + count(*) FILTER (decommitted_p > 0) + count(*) FILTER (recovered_p > 0)
       + count(*) FILTER (written_off_p > 0) + count(*) FILTER (reversed), sum(weight)
FROM plan_draft
"""

# Payments per commitment: at least one, the rest shared out in proportion to the weights
# so that the whole ledger comes to exactly ENTRIES.
_PLAN = """
CREATE OR REPLACE TEMP TABLE plan_commitment AS
SELECT *,
       (1 + (cum * $extra) // $weights - ((cum - weight) * $extra) // $weights)::BIGINT
           AS payments
FROM (SELECT *, sum(weight) OVER (ORDER BY i)::BIGINT AS cum FROM plan_draft)
"""

_PROGRAMME_TOTALS = """
SELECT programme, sum(committed_p - decommitted_p) AS committed_p
FROM plan_commitment GROUP BY programme ORDER BY programme
"""


def plan(con: duckdb.DuckDBPyConnection, allocation_entries: int) -> list[int]:
    """Plan the commitments; return the pence each programme will have committed."""
    attach(con, "spec_experiment_arrow", experiment_spec())
    con.execute("CREATE OR REPLACE TEMP TABLE spec_experiment AS FROM spec_experiment_arrow")
    detach(con, "spec_experiment_arrow")
    con.execute(_DRAFT, {"grants": GRANT_COMMITMENTS, "commitments": COMMITMENTS})
    others, weights = con.execute(_OTHER_ENTRIES).fetchone()
    payments = ENTRIES - allocation_entries - others
    extra = payments - COMMITMENTS
    if extra < 0:
        raise SystemExit("bench: the plan has more non-payment entries than the target")
    con.execute(_PLAN, {"extra": extra, "weights": weights})
    return [row[1] for row in con.execute(_PROGRAMME_TOTALS).fetchall()]


# ---------------------------------------------------------------------------------------
# Structure, through the real services
# ---------------------------------------------------------------------------------------


def pounds(pence: int) -> Decimal:
    return (Decimal(pence) / 100).quantize(Decimal("0.01"))


def round_up(pence: int, unit_pounds: int) -> int:
    unit = unit_pounds * 100
    return -(-pence // unit) * unit


def create_people(con: duckdb.DuckDBPyConnection) -> Cast:
    admin = users.bootstrap_admin(
        con, username="admin", display_name="Ada Admin", password=PASSWORD
    )
    for username, shown, role in [
        ("fiona", "Fiona Manager", "fund_manager"),
        ("sam", "Sam Second", "fund_manager"),
        ("audrey", "Audrey Auditor", "auditor"),
        ("bob", "Bob Board", "board_member"),
    ]:
        users.add_user(
            con,
            admin,
            username=username,
            display_name=shown,
            role=role,
            password=PASSWORD,
            key=f"bench-user-{username}",
        )
    return cast(con)


def cast(con: duckdb.DuckDBPyConnection) -> Cast:
    return Cast(
        manager=find_user(con, "fiona"),
        second=find_user(con, "sam"),
        auditor=find_user(con, "audrey"),
        board=find_user(con, "bob"),
    )


def create_structure(
    con: duckdb.DuckDBPyConnection, people: Cast, committed: list[int], start: date
) -> tuple[list[int], list[int], list[int]]:
    """Ring-fences, programmes, experiments and allocations; returns their ids."""
    fm = people.manager
    rng = random.Random(SEED)
    # Each programme is allocated its commitments plus 15%, in three yearly tranches; each
    # ring-fence declares its programmes' allocations plus 10%: room for the write test.
    allocation = [round_up(c * 115 // 100, 1000) for c in committed]
    ringfence_ids = []
    for r, (name, body, slogan) in enumerate(RINGFENCES):
        mine = allocation[r * PROGRAMMES_PER_RINGFENCE : (r + 1) * PROGRAMMES_PER_RINGFENCE]
        declared = round_up(sum(mine) * 110 // 100, 1_000_000)
        ringfence_ids.append(
            register.declare_ringfence(
                con,
                fm,
                name=name,
                owner_body=body,
                financial_years=f"{start.year}-{start.year + 3}",
                declared_amount=pounds(declared),
                purpose=f"{slogan}: risk capital for public-service experiments, declared in advance",
                advertised_on=start - timedelta(days=60),
                delegated_limit=DELEGATED_LIMIT,
                key=f"bench-ringfence-{r}",
            ).entity_id
        )
    programme_ids = []
    for p, theme in enumerate(THEMES):
        programme_ids.append(
            register.add_programme(
                con,
                fm,
                ringfence_id=ringfence_ids[p // PROGRAMMES_PER_RINGFENCE],
                name=theme,
                target=f"Measurable progress on {theme.split(': ')[1]} within three years",
                key=f"bench-programme-{p}",
            ).entity_id
        )
    say(f"building: {len(ringfence_ids)} ring-fences, {len(programme_ids)} programmes")

    partners = [
        (PARTNER_NAMES[sector].format(n + 1), sector)
        for n in range(PARTNERS)
        for sector in [list(SECTOR_ROLES)[n % len(SECTOR_ROLES)]]
    ]
    officials = [f"Official {chr(65 + n % 26)}. {n + 1:02d}" for n in range(60)]
    spec = experiment_spec().to_pylist()
    experiment_ids = []
    began = time.perf_counter()
    for row in spec:
        j = row["j"]
        chosen = rng.sample(partners, 2 if j % 3 == 0 else 1)
        shares = [
            register.PartnerShare(
                name=name,
                sector=sector,
                role=SECTOR_ROLES[sector],
                match_cash=Decimal(rng.randrange(0, 5000)) * 10,
                match_in_kind=Decimal(rng.randrange(0, 2000)) * 10,
            )
            for name, sector in chosen
        ]
        experiment_ids.append(
            register.add_experiment(
                con,
                fm,
                programme_id=programme_ids[row["programme"]],
                title=f"{register.Instrument(row['instrument']).label} {j + 1}: "
                f"{THEMES[row['programme']].split(': ')[1]}",
                instrument=row["instrument"],
                phase=rng.randrange(5),
                risk_rating=rng.choice(["low", "medium", "medium", "high"]),
                official=rng.choice(officials),
                user_involvement=rng.choice(["informed", "consulted", "co-designed", "user-led"]),
                partners=shares,
                key=f"bench-experiment-{j}",
            ).entity_id
        )
        if (j + 1) % 1000 == 0:
            rate = (j + 1) / (time.perf_counter() - began)
            say(f"building: experiments {j + 1:,}/{EXPERIMENTS:,} ({rate:.0f}/s)")

    for p, total in enumerate(allocation):
        first, second = total * 50 // 100, total * 30 // 100
        for year, tranche in enumerate([first, second, total - first - second]):
            ledger.allocate(
                con,
                fm,
                programme_id=programme_ids[p],
                amount=pounds(tranche),
                reason=f"allocation for year {year + 1}",
                key=f"bench-allocation-{p}-{year}",
                on=start + timedelta(days=365 * year),
            )
    say(f"building: {3 * len(allocation)} allocations")
    return ringfence_ids, programme_ids, experiment_ids


# ---------------------------------------------------------------------------------------
# Commitments and ledger entries, set-based, with their audit rows
# ---------------------------------------------------------------------------------------

_COMMITMENTS = """
CREATE OR REPLACE TEMP TABLE bench_commitment AS
WITH ids AS (
    SELECT p.*, x.experiment_id, g.programme_id, g.ringfence_id,
           p.committed_p > $limit_p AS above_limit,
           $commitment_base + row_number() OVER (ORDER BY p.d0, p.i) AS commitment_id
    FROM plan_commitment AS p
    JOIN experiment_ids AS x USING (j)
    JOIN programme_ids AS g USING (programme)
)
SELECT ids.*, q.request_id,
       CASE instrument
           WHEN 'small_grant' THEN 'Frontline group ' || (i + 1)
           WHEN 'experimental_zone' THEN 'Zone partnership ' || (i + 1)
           WHEN 'pbr_contract' THEN 'Outcomes provider ' || (i + 1) || ' (SIB)'
           ELSE 'Social venture ' || (i + 1) || ' CIC'
       END AS counterparty,
       d0 + 1 + span // (payments + 1) AS first_day,
       d0 + 1 + (span * payments) // (payments + 1) AS last_day
FROM ids
LEFT JOIN (SELECT i, $request_base + row_number() OVER (ORDER BY d0, i) AS request_id
           FROM ids WHERE above_limit) AS q USING (i)
"""

# One row per write: an above-limit commitment is two (the request, then a second fund
# manager's approval that posts it); every other write posts one entry.
_EVENTS = """
CREATE OR REPLACE TEMP TABLE bench_event AS
WITH payment AS (
    SELECT i, unnest(range(payments)) AS k FROM bench_commitment
),
events AS (
    SELECT i, 0 AS ord, 0 AS k, d0 AS day, 'commit' AS operation,
           NULL::VARCHAR AS kind, committed_p AS amount_p
    FROM bench_commitment WHERE above_limit
    UNION ALL
    SELECT i, 1, 0, d0, CASE WHEN above_limit THEN 'approve' ELSE 'commit' END,
           'commitment', committed_p
    FROM bench_commitment
    UNION ALL
    SELECT i, 2, k, d0 + 1 + (span * (k + 1)) // (payments + 1), 'pay', 'disbursement',
           paid_p * (k + 1) // payments - paid_p * k // payments
    FROM payment JOIN bench_commitment USING (i)
    UNION ALL
    SELECT i, 3, 0, last_day + 15, 'decommit', 'decommitment', -decommitted_p
    FROM bench_commitment WHERE decommitted_p > 0
    UNION ALL
    SELECT i, 4, 0, last_day + 25, 'recover', 'recovery', recovered_p
    FROM bench_commitment WHERE recovered_p > 0
    UNION ALL
    SELECT i, 5, 0, last_day + 35, 'write off', 'write_off', written_off_p
    FROM bench_commitment WHERE written_off_p > 0
    UNION ALL
    SELECT i, 6, 0, first_day + 7, 'reverse', 'disbursement', -(paid_p // payments)
    FROM bench_commitment WHERE reversed
),
numbered AS (
    SELECT *, $seq_base + row_number() OVER (ORDER BY day, i, ord, k) AS seq FROM events
)
SELECT *,
       CASE WHEN kind IS NOT NULL
            THEN $entry_base + count(kind) OVER (ORDER BY seq ROWS UNBOUNDED PRECEDING)
       END AS entry_id,
       $t0::TIMESTAMP + to_microseconds(seq - $seq_base) AS recorded_at,
       $start::DATE + day::INTEGER AS value_date,
       CAST(CAST(abs(amount_p) AS DECIMAL(18, 0)) * 0.01 AS DECIMAL(18, 2)) AS amount
FROM numbered
"""

_WRITE_FIELDS = """
CREATE OR REPLACE TEMP TABLE bench_write AS
SELECT e.*, c.experiment_id, c.programme_id, c.ringfence_id, c.commitment_id, c.request_id,
       c.counterparty, c.instrument,
       CASE WHEN e.operation = 'approve' OR (e.operation = 'pay' AND e.i % 3 = 0)
            THEN $second ELSE $manager END AS actor_id,
       CASE e.operation
           WHEN 'commit' THEN CASE c.instrument
               WHEN 'small_grant' THEN 'small grant award'
               WHEN 'experimental_zone' THEN 'experimental zone funding agreement'
               WHEN 'pbr_contract' THEN 'payment-by-results contract, maximum liability tranche'
               ELSE 'social venture investment' END
           WHEN 'approve' THEN 'above the delegated limit: checked and approved'
           WHEN 'pay' THEN CASE c.instrument
               WHEN 'small_grant' THEN 'grant instalment'
               WHEN 'experimental_zone' THEN 'zone funding instalment'
               WHEN 'pbr_contract' THEN 'outcome payment for verified results'
               ELSE 'investment drawdown' END
           WHEN 'decommit' THEN 'unspent balance released'
           WHEN 'recover' THEN CASE c.instrument
               WHEN 'social_venture' THEN 'loan repayment' ELSE 'clawback of unspent funds' END
           WHEN 'write off' THEN 'venture failed: balance written off'
           ELSE 'duplicate payment reversed'
       END AS reason,
       CASE WHEN e.ord = 6 THEN r.entry_id END AS reverses
FROM bench_event AS e
JOIN bench_commitment AS c USING (i)
LEFT JOIN bench_event AS r ON e.ord = 6 AND r.i = e.i AND r.ord = 2 AND r.k = 0
"""

_INSERT_COMMITMENTS = """
INSERT INTO commitment (commitment_id, experiment_id, counterparty, approved_by, created_at)
SELECT commitment_id, experiment_id, counterparty,
       CASE WHEN operation = 'approve' THEN actor_id END, recorded_at
FROM bench_write WHERE ord = 1 ORDER BY commitment_id
"""

_INSERT_REQUESTS = """
INSERT INTO approval_request (request_id, kind, amount, requested_by, requested_at, reason,
                              experiment_id, counterparty, value_date)
SELECT request_id, 'commitment', amount, actor_id, recorded_at, reason, experiment_id,
       counterparty, value_date
FROM bench_write WHERE ord = 0 ORDER BY request_id
"""

_INSERT_DECISIONS = """
INSERT INTO approval_decision (request_id, approved, decided_by, decided_at, reason)
SELECT request_id, TRUE, actor_id, recorded_at, reason
FROM bench_write WHERE operation = 'approve' ORDER BY request_id
"""

_INSERT_ENTRIES = """
INSERT INTO ledger_entry (entry_id, audit_seq, kind, ringfence_id, programme_id, commitment_id,
                          amount, value_date, recorded_at, actor_id, reason, reverses,
                          virement_id)
SELECT entry_id, seq, kind, ringfence_id, programme_id, commitment_id,
       CASE WHEN amount_p < 0 THEN -amount ELSE amount END, value_date, recorded_at, actor_id,
       reason, reverses, NULL
FROM bench_write WHERE kind IS NOT NULL ORDER BY entry_id
"""

# The audit rows as the services would have written them: details are the request's
# canonical JSON (sorted keys, compact), the digest covers the write's entries.
_AUDIT_ROWS = """
CREATE OR REPLACE TEMP TABLE bench_audit AS
SELECT w.seq::BIGINT AS seq, w.recorded_at::TIMESTAMP AS recorded_at,
       w.actor_id::INTEGER AS actor_id, u.username AS actor, w.operation,
       CASE w.ord WHEN 0 THEN 'approval request' WHEN 1 THEN 'commitment'
                  ELSE 'ledger entry' END AS entity,
       CASE w.ord WHEN 0 THEN w.request_id WHEN 1 THEN w.commitment_id
                  ELSE w.entry_id END::BIGINT AS entity_id,
       'bench-' || w.seq AS idempotency_key, w.reason,
       CASE
           WHEN w.operation = 'commit' THEN json_object(
               'amount', w.amount::VARCHAR, 'counterparty', w.counterparty,
               'experiment_id', w.experiment_id::VARCHAR, 'value_date', w.value_date::VARCHAR)
           WHEN w.operation = 'approve' THEN json_object('request_id', w.request_id)
           WHEN w.operation = 'reverse' THEN json_object('entry_id', w.reverses::VARCHAR)
           ELSE json_object(
               'amount', w.amount::VARCHAR, 'commitment_id', w.commitment_id::VARCHAR,
               'value_date', w.value_date::VARCHAR)
       END::VARCHAR AS details,
       coalesce(d.digest, '') AS entries_digest
FROM bench_write AS w
JOIN app_user AS u ON u.user_id = w.actor_id
LEFT JOIN (
    SELECT audit_seq,
           sha256(string_agg(ledger_entry_text(entry_id, kind, ringfence_id, programme_id,
                  commitment_id, amount, value_date, recorded_at, actor_id, reason, reverses,
                  virement_id), chr(10) ORDER BY entry_id)) AS digest
    FROM ledger_entry WHERE audit_seq > $seq_base GROUP BY audit_seq
) AS d ON d.audit_seq = w.seq
"""

_AUDIT_TEXTS = """
SELECT audit_row_text(seq, recorded_at, actor_id, actor, operation, entity, entity_id,
                      idempotency_key, reason, details, entries_digest)
FROM bench_audit ORDER BY seq
"""

_INSERT_AUDIT = """
INSERT INTO audit_log
SELECT a.seq, a.recorded_at, a.actor_id, a.actor, a.operation, a.entity, a.entity_id,
       a.idempotency_key, a.reason, a.details, a.entries_digest,
       lag(h.row_hash, 1, $head) OVER (ORDER BY a.seq), h.row_hash
FROM bench_audit AS a JOIN bench_hashes AS h USING (seq)
ORDER BY a.seq
"""

# Sequences cannot be moved directly: draw from them until they pass the ids used.
_ADVANCE = {
    "ledger entry": (
        "SELECT nextval('ledger_entry_id')",
        "SELECT max(nextval('ledger_entry_id')) FROM range(?)",
        "SELECT coalesce(max(entry_id), 0) FROM ledger_entry",
    ),
    "commitment": (
        "SELECT nextval('commitment_id')",
        "SELECT max(nextval('commitment_id')) FROM range(?)",
        "SELECT coalesce(max(commitment_id), 0) FROM commitment",
    ),
    "approval request": (
        "SELECT nextval('approval_request_id')",
        "SELECT max(nextval('approval_request_id')) FROM range(?)",
        "SELECT coalesce(max(request_id), 0) FROM approval_request",
    ),
}


def advance_sequences(con: duckdb.DuckDBPyConnection) -> None:
    for one, many, used in _ADVANCE.values():
        highest = con.execute(used).fetchone()[0]
        drawn = con.execute(one).fetchone()[0]
        if drawn < highest:
            con.execute(many, [highest - drawn]).fetchone()


def chain(con: duckdb.DuckDBPyConnection, head: str) -> tuple[list[str], int]:
    """The row hashes of the staged audit rows, each over the one before (hashlib, in order)."""
    sha256 = hashlib.sha256
    hashes: list[str] = []
    previous = head
    con.complete()
    reader = con.sql(_AUDIT_TEXTS).to_arrow_reader(200_000)
    for batch in reader:
        for text in batch.column(0).to_pylist():
            previous = sha256((previous + text).encode("utf-8")).hexdigest()
            hashes.append(previous)
    return hashes, len(hashes)


def bulk_history(
    con: duckdb.DuckDBPyConnection,
    people: Cast,
    programme_ids: list[int],
    experiment_ids: list[int],
    start: date,
) -> None:
    """Commitments, approvals and ledger entries with their audit rows, in one transaction."""
    attach(
        con,
        "experiment_ids_arrow",
        pa.table({"j": list(range(len(experiment_ids))), "experiment_id": experiment_ids}),
    )
    con.execute("CREATE OR REPLACE TEMP TABLE experiment_ids AS FROM experiment_ids_arrow")
    detach(con, "experiment_ids_arrow")
    attach(
        con,
        "programme_ids_arrow",
        pa.table({"programme": list(range(len(programme_ids))), "programme_id": programme_ids}),
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE programme_ids AS"
        " SELECT a.programme, a.programme_id, p.ringfence_id"
        " FROM programme_ids_arrow AS a JOIN programme AS p USING (programme_id)"
    )
    detach(con, "programme_ids_arrow")

    with db.transaction(con):
        seq_base, head = con.execute("SELECT seq, row_hash FROM audit_head").fetchone()
        entry_base = con.execute("SELECT coalesce(max(entry_id), 0) FROM ledger_entry").fetchone()[
            0
        ]
        commitment_base = con.execute(
            "SELECT coalesce(max(commitment_id), 0) FROM commitment"
        ).fetchone()[0]
        request_base = con.execute(
            "SELECT coalesce(max(request_id), 0) FROM approval_request"
        ).fetchone()[0]
        say("building: commitments…")
        con.execute(
            _COMMITMENTS,
            {
                "limit_p": int(DELEGATED_LIMIT * 100),
                "commitment_base": commitment_base,
                "request_base": request_base,
            },
        )
        say("building: ledger entries…")
        con.execute(
            _EVENTS,
            {
                "seq_base": seq_base,
                "entry_base": entry_base,
                "t0": db.utc_now(),
                "start": start,
            },
        )
        con.execute(
            _WRITE_FIELDS, {"manager": people.manager.user_id, "second": people.second.user_id}
        )
        con.execute(_INSERT_COMMITMENTS)
        con.execute(_INSERT_REQUESTS)
        con.execute(_INSERT_DECISIONS)
        con.execute(_INSERT_ENTRIES)
        say("building: audit rows and entry digests…")
        con.execute(_AUDIT_ROWS, {"seq_base": seq_base})
        say("building: audit chain (SHA-256, in order)…")
        hashes, rows = chain(con, head)
        attach(
            con,
            "bench_hashes",
            pa.table(
                {
                    "seq": pa.array(range(seq_base + 1, seq_base + rows + 1), pa.int64()),
                    "row_hash": pa.array(hashes, pa.string()),
                }
            ),
        )
        con.execute(_INSERT_AUDIT, {"head": head})
        detach(con, "bench_hashes")
        con.execute("UPDATE audit_head SET seq = ?, row_hash = ?", [seq_base + rows, hashes[-1]])
        advance_sequences(con)
    for drop in _DROP_STAGING:
        con.execute(drop)


_DROP_STAGING = [
    "DROP TABLE IF EXISTS bench_write",
    "DROP TABLE IF EXISTS bench_event",
    "DROP TABLE IF EXISTS bench_audit",
    "DROP TABLE IF EXISTS bench_commitment",
]

_INVARIANTS = {
    "paid ≤ committed, per commitment": "SELECT count(*) FROM commitment_balance"
    " WHERE paid > committed",
    "recovered and written off ≤ paid, per commitment": """
        SELECT count(*) FROM commitment_balance AS b
        JOIN commitment AS c USING (commitment_id) JOIN experiment AS x USING (experiment_id)
        WHERE b.written_off + CASE WHEN x.instrument = 'social_venture' THEN 0
                                   ELSE b.recovered END > b.paid""",
    "committed ≤ allocated, per programme": "SELECT count(*) FROM programme_balance"
    " WHERE committed > allocated",
    "allocated ≤ ring-fence": "SELECT count(*) FROM ringfence_balance WHERE allocated > ceiling",
}


def check_invariants(con: duckdb.DuckDBPyConnection) -> None:
    for rule, sql in _INVARIANTS.items():
        broken = con.execute(sql).fetchone()[0]
        if broken:
            raise SystemExit(f"bench: the generated fund breaks '{rule}' in {broken} places")


def build(path: Path) -> float:
    """Build the benchmark database at ``path``; return the seconds it took."""
    began = time.perf_counter()
    for stale in (BUILDING, BUILDING.with_name(BUILDING.name + ".wal")):
        stale.unlink(missing_ok=True)
    con = db.connect(BUILDING)
    start = db.utc_now().date() - timedelta(days=HISTORY_DAYS)
    say("building: users…")
    people = create_people(con)
    allocations = len(THEMES) * 3
    committed = plan(con, allocations)
    _, programme_ids, experiment_ids = create_structure(con, people, committed, start)
    bulk_history(con, people, programme_ids, experiment_ids, start)
    con.execute("CHECKPOINT")
    say("building: checking the invariants and the audit chain…")
    check_invariants(con)
    entries = con.execute("SELECT count(*) FROM ledger_entry").fetchone()[0]
    commitments = con.execute("SELECT count(*) FROM commitment").fetchone()[0]
    if (entries, commitments) != (ENTRIES, COMMITMENTS):
        raise SystemExit(f"bench: built {entries:,} entries over {commitments:,} commitments")
    checked = audit.verify(con, people.auditor)
    assert checked.ok, f"the built audit chain does not verify: {checked.problem}"
    seconds = time.perf_counter() - began
    con.execute("CREATE TABLE bench_build (built_at TIMESTAMP, seconds DOUBLE, entries BIGINT)")
    con.execute("INSERT INTO bench_build VALUES (?, ?, ?)", [db.utc_now(), seconds, entries])
    con.close()
    BUILDING.rename(path)
    return seconds


# ---------------------------------------------------------------------------------------
# Measurements
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    measurement: str
    result: str
    target: str = "—"
    verdict: str = ""


def median_time(run: Callable[[], object], runs: int, warm: int = 1) -> float:
    for _ in range(warm):
        run()
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        run()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def measure_queries(con: duckdb.DuckDBPyConnection, people: Cast, runs: int) -> list[Row]:
    rows = []
    for by in portfolio.Dimension:
        seconds = median_time(lambda by=by: portfolio.position(con, people.auditor, by), runs)
        main = by in (
            portfolio.Dimension.TOTAL,
            portfolio.Dimension.PROGRAMME,
            portfolio.Dimension.INSTRUMENT,
        )
        rows.append(
            Row(
                f"position by {by.value} (median of {runs})",
                f"{seconds:.3f} s",
                f"< {POSITION_TARGET} s" if main else "—",
                verdict(seconds < POSITION_TARGET) if main else "",
            )
        )
    seconds = median_time(lambda: portfolio.burn_by_month(con, people.auditor), runs)
    rows.append(Row(f"burn by month (median of {runs})", f"{seconds:.3f} s"))
    return rows


@dataclass
class OpStats:
    times: list[float]
    refused: int = 0


def unpaid_commitments(con: duckdb.DuckDBPyConnection) -> dict[int, Decimal]:
    """Commitments with at least £100.00 left to pay, and what is left: the payments' targets."""
    return dict(
        con.execute(
            "SELECT commitment_id, committed - paid FROM commitment_balance"
            " WHERE committed - paid >= 100 ORDER BY commitment_id"
        ).fetchall()
    )


def measure_writes(
    con: duckdb.DuckDBPyConnection, people: Cast, seconds: float, limit: int
) -> tuple[list[Row], int]:
    """A working day's mix through the real services: mostly payments, some awards and
    allocations, each one transaction with its invariants and its audit row."""
    rng = random.Random(SEED)
    run = uuid.uuid4().hex[:8]
    open_commitments = unpaid_commitments(con)
    choices = list(open_commitments)
    grant_experiments = [
        r[0]
        for r in con.execute(
            "SELECT experiment_id FROM experiment WHERE instrument = 'small_grant'"
            " ORDER BY experiment_id"
        ).fetchall()
    ]
    programmes = [
        r[0] for r in con.execute("SELECT programme_id FROM programme ORDER BY 1").fetchall()
    ]
    fm = people.manager
    stats = {"pay": OpStats([]), "commit": OpStats([]), "allocate": OpStats([])}

    def pay(n: int) -> None:
        commitment_id = rng.choice(choices)
        amount = Decimal(rng.randrange(100, 5000)) / 100
        if open_commitments[commitment_id] < amount:
            amount = Decimal("0.01")
        ledger.pay(
            con,
            fm,
            commitment_id=commitment_id,
            amount=amount,
            reason="grant instalment",
            key=f"bench-run-{run}-{n}",
        )
        open_commitments[commitment_id] -= amount

    def commit(n: int) -> None:
        ledger.commit(
            con,
            fm,
            experiment_id=rng.choice(grant_experiments),
            amount=Decimal(rng.randrange(500, 9500)),
            counterparty=f"Frontline group r{run}-{n}",
            reason="small grant award",
            key=f"bench-run-{run}-{n}",
        )

    def allocate(n: int) -> None:
        ledger.allocate(
            con,
            fm,
            programme_id=rng.choice(programmes),
            amount=Decimal(rng.randrange(5, 50)) * 1000,
            reason="in-year top-up",
            key=f"bench-run-{run}-{n}",
        )

    operations = {"pay": pay, "commit": commit, "allocate": allocate}
    mix = ["pay"] * 85 + ["commit"] * 10 + ["allocate"] * 5
    began = time.perf_counter()
    n = 0
    while n < limit and time.perf_counter() - began < seconds:
        name = rng.choice(mix)
        t = time.perf_counter()
        try:
            operations[name](n)
        except RingfenceError:
            stats[name].refused += 1
        else:
            stats[name].times.append(time.perf_counter() - t)
        n += 1
    elapsed = time.perf_counter() - began
    written = sum(len(s.times) for s in stats.values())
    rate = written / elapsed
    rows = [
        Row(
            f"ledger writes one at a time, mixed, each its own transaction"
            f" ({written:,} in {elapsed:.1f} s)",
            f"{rate:.0f} /s",
        )
    ]
    for name, s in stats.items():
        if not s.times:
            continue
        ms = sorted(t * 1000 for t in s.times)
        p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
        refused = f", {s.refused} refused" if s.refused else ""
        rows.append(
            Row(
                f"  ledger.{name} ({len(ms):,} writes{refused})",
                f"{len(ms) / sum(s.times):.0f} /s; median {statistics.median(ms):.1f} ms,"
                f" p95 {p95:.1f} ms",
            )
        )
    return rows, written


def measure_batched_payments(
    con: duckdb.DuckDBPyConnection, people: Cast, batches: int, size: int
) -> Row:
    """Payments as an import makes them: ``size`` services calls per transaction, each with
    its permission, idempotency key, invariants and audit row, sharing one commit."""
    run = uuid.uuid4().hex[:8]
    open_commitments = [
        r[0]
        for r in con.execute(
            "SELECT commitment_id FROM commitment_balance WHERE committed - paid >= ?"
            " ORDER BY commitment_id LIMIT ?",
            [batches * size, batches * size],
        ).fetchall()
    ]
    began = time.perf_counter()
    for b in range(batches):
        with db.batch(con):
            for i in range(size):
                ledger.pay(
                    con,
                    people.manager,
                    commitment_id=open_commitments[(b * size + i) % len(open_commitments)],
                    amount=Decimal("0.01"),
                    reason="imported instalment",
                    key=f"bench-batch-{run}-{b}-{i}",
                )
    rate = batches * size / (time.perf_counter() - began)
    return Row(
        f"ledger.pay one by one in db.batch() of {size} (only the commit shared;"
        f" {batches * size:,} writes)",
        f"{rate:.0f} /s",
    )


def measure_payment_runs(
    con: duckdb.DuckDBPyConnection, people: Cast, seconds: float, size: int
) -> list[Row]:
    """Sustained payment runs (``fund pay-run``): ``size`` payments per transaction, each with
    its own key, rules, entry and audit row, on commitments spread over the whole ledger."""
    rng = random.Random(SEED + 2)
    run = uuid.uuid4().hex[:8]
    unpaid = unpaid_commitments(con)
    choices = list(unpaid)
    times = []
    began = time.perf_counter()
    while time.perf_counter() - began < seconds:
        payments = []
        for i in range(size):
            amount = Decimal(rng.randrange(100, 5000)) / 100
            commitment_id = rng.choice(choices)
            while unpaid[commitment_id] < amount:
                commitment_id = rng.choice(choices)
            unpaid[commitment_id] -= amount
            payments.append(
                payment_run.payment(
                    commitment_id=commitment_id,
                    amount=amount,
                    on=None,
                    reason="weekly payment run",
                    key=f"bench-run-{run}-{len(times)}/{i + 1}",
                )
            )
        t = time.perf_counter()
        ledger.pay_run(con, people.manager, payments)
        times.append(time.perf_counter() - t)
    rate = size * len(times) / sum(times)
    return [
        Row(
            f"sustained ledger writes: payment runs of {size} (`fund pay-run`;"
            f" {size * len(times):,} payments in {len(times)} runs)",
            f"{rate:,.0f} /s",
            f"> {WRITES_TARGET} /s",
            verdict(rate > WRITES_TARGET),
        ),
        Row(
            f"  one run of {size}, all in",
            f"median {statistics.median(times) * 1000:.0f} ms",
        ),
    ]


def measure_page(path: Path, user: User, runs: int) -> float:
    """Server time of one run of the Portfolio page (the script, its queries and charts)."""
    os.environ["RINGFENCE_DB"] = str(path)
    PagesManager.uses_pages_directory = False  # as st.navigation in app.py leaves it
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["user"] = user
    at.run()
    at.switch_page("pages/portfolio.py")
    at.run()
    if at.exception:
        raise RuntimeError(f"the portfolio page failed: {at.exception}")
    return median_time(at.run, runs, warm=0)


def measure_pages(scratch: Path, people: Cast, runs: int) -> list[Row]:
    """The Portfolio page on the demo database and on the 1,000,000-entry one."""
    with tempfile.TemporaryDirectory() as folder:
        demo_path = Path(folder) / "demo.duckdb"
        demo_con = db.connect(demo_path)
        demo.build(demo_con)
        manager = authenticate(demo_con, "manager", demo.DEMO_USERS[1].password)
        on_demo = measure_page(demo_path, manager, runs)
        demo_con.close()
    on_bench = measure_page(scratch, people.manager, runs)
    return [
        Row(
            f"portfolio page, demo database (median of {runs})",
            f"{on_demo:.2f} s",
            "< 1.5 s",
            verdict(on_demo < 1.5),
        ),
        Row(
            f"portfolio page, 1,000,000 entries (median of {runs})",
            f"{on_bench:.2f} s",
            "< 3 s",
            verdict(on_bench < 3),
        ),
    ]


class _Timed:
    """The connection, with the time of every statement a service runs through it."""

    def __init__(self, con: duckdb.DuckDBPyConnection, spent: dict[str, list[float]]):
        self._con = con
        self._spent = spent

    def execute(self, sql: str, params: object = None) -> duckdb.DuckDBPyConnection:
        began = time.perf_counter()
        try:
            return self._con.execute(sql, params) if params is not None else self._con.execute(sql)
        finally:
            self._spent.setdefault(" ".join(sql.split()), []).append(time.perf_counter() - began)

    def __getattr__(self, name: str) -> object:
        return getattr(self._con, name)


def pay_breakdown(con: duckdb.DuckDBPyConnection, people: Cast, count: int) -> list[Row]:
    """Where one ledger.pay spends its time, statement by statement (ms per payment)."""
    rng = random.Random(SEED + 1)
    run = uuid.uuid4().hex[:8]
    choices = list(unpaid_commitments(con))
    spent: dict[str, list[float]] = {}
    timed = _Timed(con, spent)
    began = time.perf_counter()
    for n in range(count):
        ledger.pay(
            timed,
            people.manager,
            commitment_id=rng.choice(choices),
            amount=Decimal("0.01"),
            reason="breakdown",
            key=f"bench-breakdown-{run}-{n}",
        )
    total = (time.perf_counter() - began) / count * 1000
    ranked = sorted(spent.items(), key=lambda kv: -sum(kv[1]))
    rows = [
        Row(
            sql[:70] + ("…" if len(sql) > 70 else ""),
            f"{sum(times) / count * 1000:.2f} ms",
            f"{statistics.median(times) * 1000:.2f} ms",
            f"{len(times) / count:.0f}",
        )
        for sql, times in ranked
    ]
    in_sql = sum(sum(t) for t in spent.values()) / count * 1000
    rows.append(
        Row("outside execute() (fetching, Python services and rules)", f"{total - in_sql:.2f} ms")
    )
    rows.append(Row(f"one ledger.pay, all in ({count} payments)", f"{total:.2f} ms"))
    return rows


def measure_verify(con: duckdb.DuckDBPyConnection, people: Cast, runs: int) -> Row:
    results = []

    def run() -> None:
        results.append(audit.verify(con, people.auditor))

    seconds = median_time(run, runs, warm=0)
    checked = results[-1]
    assert checked.ok, (
        f"audit verify failed after the write test: {checked.problem}"
        " (if the schema changed since the build, run with --rebuild)"
    )
    return Row(
        f"audit verify ({checked.rows:,} rows, {checked.entries:,} entries; median of {runs})",
        f"{seconds:.2f} s",
        f"< {VERIFY_TARGET:.0f} s",
        verdict(seconds < VERIFY_TARGET),
    )


# ---------------------------------------------------------------------------------------
# Query plans of the write path
# ---------------------------------------------------------------------------------------


def _scans(node: dict) -> list[dict]:
    found = (
        [node] if "SCAN" in node.get("type", "") and "Table" in node.get("extra_info", {}) else []
    )
    for child in node.get("children", []):
        found += _scans(child)
    return found


def measure_plans(con: duckdb.DuckDBPyConnection, show: bool) -> list[Row]:
    """How the balance reads of the write path get at ledger_entry, each with a real id."""
    busiest = con.execute(
        "SELECT commitment_id FROM ledger_entry WHERE commitment_id IS NOT NULL"
        " GROUP BY commitment_id ORDER BY count(*) DESC, commitment_id LIMIT 1"
    ).fetchone()[0]
    programme_id = con.execute(
        "SELECT programme_id FROM ledger_entry WHERE programme_id IS NOT NULL"
        " GROUP BY programme_id ORDER BY count(*) DESC, programme_id LIMIT 1"
    ).fetchone()[0]
    ringfence_id = con.execute(
        "SELECT ringfence_id FROM ledger_entry GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
    ).fetchone()[0]
    queries = [
        ("_COMMITMENT_STATE", posting._COMMITMENT_STATE, busiest, "commitment"),
        ("_PROGRAMME_STATE", posting._PROGRAMME_STATE, programme_id, "programme"),
        ("_RINGFENCE_STATE", posting._RINGFENCE_STATE, ringfence_id, "ring-fence"),
    ]
    rows = []
    for name, sql, key, what in queries:
        if show:
            text = con.execute("EXPLAIN ANALYZE " + sql, [key] * sql.count("?")).fetchall()[0][1]
            say(f"\n{name} with {what} #{key}:\n{text}")
        profile = json.loads(
            con.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, [key] * sql.count("?")).fetchall()[
                0
            ][1]
        )
        scans = [s for op in profile["operator"] for s in _scans(op)]
        mine = [s for s in scans if s["extra_info"]["Table"].endswith(".ledger_entry")]
        how = "; ".join(
            f"{s['extra_info'].get('Type', s['type'])}, {s['intermediate_rows']:,} rows out"
            f" [{s['extra_info'].get('Filters', 'no filter')}]"
            for s in mine
        )
        scanned = profile["query"].get("total_rows_scanned")
        if scanned is not None:
            how += f"; {scanned:,} rows scanned in all"
        seconds = median_time(
            lambda sql=sql, key=key: con.execute(sql, [key] * sql.count("?")).fetchall(), 20
        )
        indexed = mine and all(s["extra_info"].get("Type") == "Index Scan" for s in mine)
        rows.append(
            Row(
                f"{name} ({what} #{key})",
                f"{seconds * 1000:.1f} ms",
                how or "?",
                "index" if indexed else "full scan",
            )
        )
    return rows


# ---------------------------------------------------------------------------------------


def table(rows: list[Row], headers: tuple[str, str, str, str]) -> str:
    cells = [headers] + [(r.measurement, r.result, r.target, r.verdict) for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(4)]
    out = []
    for n, c in enumerate(cells):
        out.append("| " + " | ".join(v.ljust(w) for v, w in zip(c, widths, strict=True)) + " |")
        if n == 0:
            out.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(out)


def size(path: Path) -> str:
    total = path.stat().st_size
    wal = path.with_name(path.name + ".wal")
    if wal.exists():
        total += wal.stat().st_size
    return f"{total / 1024 / 1024:,.0f} MiB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rebuild", action="store_true", help="build the database again")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of the write test")
    parser.add_argument("--writes", type=int, default=3000, help="most writes in the write test")
    parser.add_argument("--runs", type=int, default=5, help="runs per timed query (median)")
    parser.add_argument("--plans", action="store_true", help="print the full query plans")
    args = parser.parse_args(argv)

    if args.rebuild or not DATABASE.exists():
        DATABASE.unlink(missing_ok=True)
        DATABASE.with_name(DATABASE.name + ".wal").unlink(missing_ok=True)
        say(
            f"building {DATABASE.relative_to(ROOT)}: {ENTRIES:,} entries, {COMMITMENTS:,} commitments"
        )
        build_seconds = build(DATABASE)
        built = f"{build_seconds:.0f} s (this run)"
    else:
        con = duckdb.connect(str(DATABASE), read_only=True)
        try:
            found = con.execute("SELECT seconds, built_at FROM bench_build").fetchone()
        except duckdb.CatalogException:
            found = None
        con.close()
        built = f"{found[0]:.0f} s (at {found[1]:%Y-%m-%d %H:%M})" if found else "unknown"
        say(f"using {DATABASE.relative_to(ROOT)} (--rebuild to build it again)")

    say(
        "machine: {} cores, load average {:.1f} {:.1f} {:.1f}".format(
            os.cpu_count(), *os.getloadavg()
        )
    )
    database_size = size(DATABASE)
    for stale in (SCRATCH, SCRATCH.with_name(SCRATCH.name + ".wal")):
        stale.unlink(missing_ok=True)
    shutil.copyfile(DATABASE, SCRATCH)
    con = db.connect(SCRATCH)
    try:
        people = cast(con)
        entries, commitments, audit_rows = con.execute(
            "SELECT (SELECT count(*) FROM ledger_entry), (SELECT count(*) FROM commitment),"
            " (SELECT count(*) FROM audit_log)"
        ).fetchone()
        say(
            f"measuring on a copy: {entries:,} ledger entries, {commitments:,} commitments,"
            f" {audit_rows:,} audit rows"
        )
        say("measuring: position and burn…")
        rows = measure_queries(con, people, args.runs)
        say("measuring: query plans of the write path…")
        plans = measure_plans(con, args.plans)
        say("measuring: payment runs…")
        rows += measure_payment_runs(con, people, args.seconds, size=500)
        say(f"measuring: ledger writes one at a time for {args.seconds:.0f} s…")
        writes, _ = measure_writes(con, people, args.seconds, args.writes)
        rows += writes
        say("measuring: payments in batches, as an import makes them…")
        rows.append(measure_batched_payments(con, people, batches=20, size=100))
        say("measuring: where a payment's time goes…")
        breakdown = pay_breakdown(con, people, 200)
        say("measuring: audit verify…")
        rows.append(measure_verify(con, people, 3))
        say("measuring: the portfolio page's server time…")
        rows += measure_pages(SCRATCH, people, 3)
    finally:
        con.close()
        for scratch in (SCRATCH, SCRATCH.with_name(SCRATCH.name + ".wal")):
            scratch.unlink(missing_ok=True)

    rows.append(Row("database size", database_size))
    rows.append(Row("build time", built))
    rows.append(Row("load average at the end (1 min)", f"{os.getloadavg()[0]:.1f}"))
    say("")
    say(table(rows, ("measurement", "result", "target", "verdict")))
    say("")
    say(table(plans, ("write-path query", "median time", "how ledger_entry is read", "access")))
    say("")
    say(table(breakdown, ("statement of one ledger.pay", "per payment", "median", "times")))
    missed = [r.measurement.split(" (")[0].strip() for r in rows if r.verdict == "MISS"]
    say("")
    say("all targets met" if not missed else "targets missed: " + "; ".join(missed))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
