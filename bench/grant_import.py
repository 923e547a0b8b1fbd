"""The 360Giving import at the size of a large grants programme, for `make bench`.

A 100,000-grant 360Giving CSV (the standard's column titles, UK-style award dates as real
files have them, a column the standard does not define) is imported into a programme of
its own, all or nothing: every grant read, validated against the schema, recorded,
awarded and committed in one audited write. Then the same file with one bad amount in its
last row is refused: every row judged, nothing written.
"""

from __future__ import annotations

import csv
import random
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb

from fund import ledger, register
from fund.auth import User
from fund.errors import FileRefused
from fund.grants import imports, policy, reading

GRANTS = 100_000
COLUMNS = [
    "Identifier", "Title", "Description", "Currency", "Amount Awarded", "Award Date",
    "Recipient Org:Identifier", "Recipient Org:Name", "Funding Org:Identifier",
    "Funding Org:Name", "Grant Programme:Title", "Internal Reference",
]  # fmt: skip
COUNTED = ("small_grant", "grant_decision", "commitment", "ledger_entry", "audit_log")


@dataclass(frozen=True)
class Measured:
    imported: float  # seconds for the whole import
    read: float  # seconds to read and validate the same file alone (no database)
    refused: float  # seconds to refuse the file with one bad row at the end
    grants: int
    problems: int  # the problems the refusal named
    untouched: bool  # nothing written by the refusal


def write_file(path: Path, *, bad_last_row: bool = False) -> None:
    """The benchmark's 360Giving CSV: distinct recipients, amounts within the limit."""
    rng = random.Random(14)
    start = date(2025, 4, 1)
    with path.open("w", encoding="utf-8", newline="") as file:
        out = csv.writer(file)
        out.writerow(COLUMNS)
        for n in range(1, GRANTS + 1):
            amount = f"{rng.randrange(50_000, 500_000) / 100:.2f}"
            if bad_last_row and n == GRANTS:
                amount = "four thousand"
            day = start + timedelta(days=rng.randrange(365))
            out.writerow([
                f"360G-bench-{n}", f"Community grant {n}", f"What grant {n} is for", "GBP",
                amount, f"{day:%d/%m/%Y}", f"GB-CHC-{1_000_000 + n}", f"Group number {n}",
                "GB-LAE-BEN", "Bench Council", "Community grants", f"REF-{n}",
            ])  # fmt: skip


def _scheme(con: duckdb.DuckDBPyConnection, manager: User) -> tuple[int, int]:
    """A ring-fence, its small-grant policy, a programme with room and its experiment."""
    fence = register.declare_ringfence(
        con,
        manager,
        name="Bench grants fund",
        owner_body="Bench Council",
        financial_years="2025-26",
        declared_amount="900000000.00",
        purpose="Grants",
        advertised_on=date(2025, 3, 1),
        delegated_limit="10000.00",
        key="bench-grants-fence",
    ).entity_id
    policy.declare(
        con,
        manager,
        ringfence_id=fence,
        min_amount="500",
        max_amount="10000",
        delegated_limit="5000",
        id_prefix="bench",
        funder_id="GB-LAE-BEN",
        report_days=60,
        reason="bench",
        key="bench-grants-policy",
    )
    programme = register.add_programme(
        con,
        manager,
        ringfence_id=fence,
        name="Bench community grants",
        target="Many groups",
        key="bench-grants-programme",
    ).entity_id
    experiment = register.add_experiment(
        con,
        manager,
        programme_id=programme,
        title="Grants from the old system",
        instrument="small_grant",
        phase=1,
        risk_rating="low",
        official="Pat Official",
        user_involvement="consulted",
        partners=[],
        key="bench-grants-experiment",
    ).entity_id
    ledger.allocate(
        con,
        manager,
        programme_id=programme,
        amount="800000000.00",
        reason="bench",
        key="bench-grants-allocation",
    )
    return programme, experiment


def _counts(con: duckdb.DuckDBPyConnection) -> tuple[int, ...]:
    sql = " UNION ALL ".join(f"SELECT count(*) FROM {t}" for t in COUNTED)  # noqa: S608
    return tuple(row[0] for row in con.execute(sql).fetchall())


def measure(con: duckdb.DuckDBPyConnection, manager: User, folder: Path) -> Measured:
    """Import the 100,000-grant file, then refuse its copy with a bad last row."""
    programme, experiment = _scheme(con, manager)
    good, bad = folder / "grants-100k.csv", folder / "grants-100k-bad.csv"
    write_file(good)
    write_file(bad, bad_last_row=True)
    began = time.perf_counter()
    reading.read(good)
    read = time.perf_counter() - began
    began = time.perf_counter()
    outcome = imports.import_file(
        con,
        manager,
        path=good,
        programme_id=programme,
        experiment_id=experiment,
        key="bench-grants-import",
    )
    imported = time.perf_counter() - began
    if outcome.new != GRANTS or outcome.written is None:
        raise AssertionError(f"the bench import wrote {outcome.new} grants: {outcome.said}")
    before = _counts(con)
    began = time.perf_counter()
    try:
        imports.import_file(
            con,
            manager,
            path=bad,
            programme_id=programme,
            experiment_id=experiment,
            key="bench-grants-refused",
        )
    except FileRefused as refused:
        problems = len(refused.problems)
    else:
        raise AssertionError("the file with a bad last row was not refused")
    refused_seconds = time.perf_counter() - began
    for path in (good, bad):
        path.unlink()
    return Measured(
        imported=imported,
        read=read,
        refused=refused_seconds,
        grants=outcome.new,
        problems=problems,
        untouched=_counts(con) == before,
    )
