"""The SROI reference data: where it is, loading it into the database, and reading it back.

Three published files beside the project (``../shared``, or ``$RINGFENCE_SHARED``) decide
every SROI ratio: the GMCA Unit Cost Database v1.4 (the proxy library), the ONS GDP deflator
YBGB (restating proxies to a report's price year) and HM Treasury's Green Book discount
rates. Migration 0006 loads them (:func:`seed`) and records their state in one audit row,
so an edit made to them outside the services is named by ``fund audit verify``. An impact
map computed from a file alone (``fund sroi compute FILE``) reads the same files with the
same parsers (:func:`file_library`, :func:`file_schedule`), without a database.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb

import fund
from fund import audit
from fund.db import insert_all, utc_now
from fund.errors import ValidationError
from fund.sroi import proxies, unit_costs
from fund.sroi.deflator import Deflator, parse_ons_csv
from fund.sroi.discount import Band, Schedule

SHARED_ENV = "RINGFENCE_SHARED"
UNIT_COSTS = Path("data/unit-costs/gmca-unit-costs-full.json")
DEFLATOR = Path("data/deflators/ons-ybgb-gdp-deflator.csv")
GREEN_BOOK = Path("reference/green_book_discounting.json")

# The Green Book of 2003 set both its standard and its health schedules, so both are taken
# to have stood from the start of that year; a revision is loaded as a later schedule.
GREEN_BOOK_FROM = date(2003, 1, 1)
GREEN_BOOK_SCHEDULES = {"standard": "green-book-standard", "health": "green-book-health"}
RATE_PLACES = 6  # discount_band.rate is DECIMAL(8,6)

REFERENCE_KEY = "reference-0006"
REFERENCE_TABLES = ("proxy", "deflator_index", "discount_schedule", "discount_band")


def shared_folder() -> Path:
    """The folder of shared data: ``$RINGFENCE_SHARED``, else ``shared`` beside the project."""
    given = os.environ.get(SHARED_ENV)
    folder = Path(given) if given else Path(fund.__file__).resolve().parents[2] / "shared"
    if not folder.is_dir():
        rule = (
            f"the shared data folder {folder} does not exist; set {SHARED_ENV} to the folder"
            " that holds data/unit-costs, data/deflators and reference"
        )
        raise ValidationError("reference data", rule)
    return folder


def _read(folder: Path, relative: Path) -> str:
    path = folder / relative
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ValidationError("reference data", f"{path} is missing") from None


# --- the files, parsed -------------------------------------------------------------------


def read_deflator() -> Deflator:
    """The ONS GDP deflator (YBGB) as the shared CSV holds it."""
    return _deflator_in(shared_folder())


def read_proxies() -> tuple[unit_costs.Proxy, ...]:
    """The GMCA unit costs as the shared JSON holds them."""
    return _proxies_in(shared_folder())


def read_schedules() -> tuple[Schedule, ...]:
    """The Green Book's standard and health schedules as the shared JSON holds them."""
    return _schedules_in(shared_folder())


# Each file is parsed once per process and folder: the files are published, never edited.
@functools.cache
def _deflator_in(folder: Path) -> Deflator:
    return Deflator(periods=parse_ons_csv(_read(folder, DEFLATOR)))


@functools.cache
def _proxies_in(folder: Path) -> tuple[unit_costs.Proxy, ...]:
    return unit_costs.parse_gmca(json.loads(_read(folder, UNIT_COSTS)))


@functools.cache
def _schedules_in(folder: Path) -> tuple[Schedule, ...]:
    return green_book_schedules(json.loads(_read(folder, GREEN_BOOK)))


def green_book_schedules(document: dict) -> tuple[Schedule, ...]:
    """The schedules of the Green Book JSON: one per rate column, bands of years each."""
    return tuple(
        Schedule(
            name=name,
            effective_from=GREEN_BOOK_FROM,
            bands=tuple(_band(band, column) for band in document["bands"]),
            source=document["source"],
        )
        for column, name in GREEN_BOOK_SCHEDULES.items()
    )


def _band(band: dict, column: str) -> Band:
    rate = Decimal(str(band[column]))
    if rate != round(rate, RATE_PLACES) or not 0 <= rate < 1:
        raise ValidationError(
            f"bands/{band['from']}/{column}",
            f"{rate} is not a rate from 0 to 1 with at most six decimals",
        )
    return Band(year_from=band["from"], year_to=band["to"], rate=rate)


# --- loading them (migration 0006) -----------------------------------------------------


def seed(con: duckdb.DuckDBPyConnection) -> None:
    """Load the proxy library, the deflator and the Green Book schedules, inside the
    migration's transaction, and record them all in one audit row by the system."""
    series, library, schedules = read_deflator(), read_proxies(), read_schedules()
    for year in sorted({proxy.price_year for proxy in library}):
        series.index(year, "unit costs: price year")  # every proxy can be restated
    _load_deflator(con, series)
    _load_schedules(con, schedules)
    _load_proxies(con, library)
    audit.record_system_write(
        con,
        operation="load reference data",
        key=REFERENCE_KEY,
        reason=(
            f"SROI reference data loaded: {len(library)} unit costs of the GMCA Unit Cost"
            f" Database v1.4 (New Economy Manchester; Creative Commons, via GO Lab); the ONS"
            f" GDP deflator {series.series} to {series.latest_financial_year()} (Open"
            " Government Licence v3.0); the HM Treasury Green Book (2003) discount schedules "
            + " and ".join(s.name for s in schedules)
        ),
        details=json.dumps(
            {
                "proxies": len(library),
                "deflator_periods": len(series.periods),
                "schedules": ", ".join(s.name for s in schedules),
            }
        ),
        tables=REFERENCE_TABLES,
    )


def _load_deflator(con: duckdb.DuckDBPyConnection, series: Deflator) -> None:
    rows = [[series.series, period, value] for period, value in series.periods.items()]
    insert_all(con, "deflator_index", ["series", "period", "value"], rows)


def _load_schedules(con: duckdb.DuckDBPyConnection, schedules: Iterable[Schedule]) -> None:
    for schedule in schedules:  # two schedules of six bands each
        (schedule_id,) = con.execute(
            "INSERT INTO discount_schedule (name, effective_from, source) VALUES (?, ?, ?)"
            " RETURNING schedule_id",
            [schedule.name, schedule.effective_from, schedule.source],
        ).fetchone()
        con.executemany(
            "INSERT INTO discount_band VALUES (?, ?, ?, ?)",
            [[schedule_id, b.year_from, b.year_to, b.rate] for b in schedule.bands],
        )


def _load_proxies(con: duckdb.DuckDBPyConnection, library: Iterable[unit_costs.Proxy]) -> None:
    columns = [*proxies.COLUMNS, "added_at"]
    at = utc_now()
    rows = [[*proxies.row(proxy), at] for proxy in library]
    insert_all(con, "proxy", columns, rows)


# --- discount schedules, read back -------------------------------------------------------


def schedule(con: duckdb.DuckDBPyConnection, name: str, on: date) -> Schedule:
    """The schedule called ``name`` as it stood on ``on``: the one of that name with the
    latest effective date on or before it."""
    return chosen(_stored_schedules(con), name, on)


def schedule_names(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The names an impact map may ask for (each may have several editions)."""
    return {
        name for (name,) in con.execute("SELECT DISTINCT name FROM discount_schedule").fetchall()
    }


def file_schedule(name: str, on: date) -> Schedule:
    """The same, from the shared Green Book file alone (no database)."""
    return chosen(read_schedules(), name, on)


def chosen(schedules: Iterable[Schedule], name: str, on: date) -> Schedule:
    """Of ``schedules``, the one called ``name`` that stood on ``on``."""
    schedules = list(schedules)
    named = [s for s in schedules if s.name == name]
    if not named:
        known = ", ".join(sorted({s.name for s in schedules}))
        raise ValidationError("discount/schedule", f"unknown schedule {name!r}; known: {known}")
    standing = [s for s in named if s.effective_from <= on]
    if not standing:
        first = min(s.effective_from for s in named)
        rule = f"{name!r} took effect on {first.isoformat()}, after {on.isoformat()}"
        raise ValidationError("discount/schedule", rule)
    return max(standing, key=lambda s: s.effective_from)


_SCHEDULES = """
SELECT s.name, s.effective_from, s.source,
       list({'year_from': b.year_from, 'year_to': b.year_to, 'rate': b.rate}
            ORDER BY b.year_from) AS bands
FROM discount_schedule AS s
JOIN discount_band AS b USING (schedule_id)
GROUP BY ALL
"""


def _stored_schedules(con: duckdb.DuckDBPyConnection) -> list[Schedule]:
    return [
        Schedule(
            name=name,
            effective_from=effective_from,
            bands=tuple(
                Band(year_from=b["year_from"], year_to=b["year_to"], rate=b["rate"]) for b in bands
            ),
            source=source,
        )
        for name, effective_from, source, bands in con.execute(_SCHEDULES).fetchall()
    ]


# --- the proxy library from the files alone ----------------------------------------------


def file_library(
    codes: Iterable[str], year: str | None = None
) -> dict[str, unit_costs.LibraryProxy]:
    """What :func:`fund.sroi.proxies.lookup` gives, from the shared files alone: the GMCA
    proxies of these codes restated to ``year`` (default: the newest financial year).
    Proxies users added live only in a database, so a file computed alone cannot use them."""
    wanted = set(codes)
    return unit_costs.resolved(
        (p for p in read_proxies() if p.code in wanted), read_deflator(), year
    )
