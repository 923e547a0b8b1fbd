"""Proxies as their sources give them, and restated: the pure part of the proxy library.

A proxy keeps the value and price year its source gives (the GMCA Unit Cost Database v1.4,
or a fund manager's own source); its value in a report's prices is worked out when it is
read, with the GDP deflator (:mod:`fund.sroi.deflator`), by :func:`resolved`, the one way
whether the library comes from the database (:mod:`fund.sroi.proxies`) or from the shared
files alone (:mod:`fund.sroi.reference`). HACT Social Value Bank values are never taken:
their licence forbids it. Nothing here touches the database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from fund.errors import RingfenceError, ValidationError
from fund.money import to_money
from fund.sroi.deflator import Deflator
from fund.sroi.deflator import price_year as read_price_year

USER_CATEGORY = "user"
_FORBIDDEN_SOURCES = ("hact", "social value bank")


@dataclass(frozen=True, kw_only=True)
class Proxy:
    """One financial proxy as its source gives it: a value at one price year."""

    code: str
    category: str
    description: str
    unit: str
    value: Decimal
    agency: str | None
    price_year: str
    source: str
    licence: str


@dataclass(frozen=True, kw_only=True)
class LibraryProxy:
    """A proxy as an impact map uses it: its value as the source gives it, and restated to
    the report's price year (``restated_year``)."""

    code: str
    description: str
    unit: str
    value: Decimal
    price_year: str
    restated: Decimal
    restated_year: str
    source: str
    licence: str


# --- the GMCA unit cost database, parsed ------------------------------------------------


def parse_gmca(document: Mapping) -> tuple[Proxy, ...]:
    """Every unit cost of the GMCA database (its JSON export), or every problem at once.

    Each entry's ``notes`` is a spreadsheet formula of the original workbook, not a note:
    it is never read.
    """
    source, licence = document.get("source"), document.get("license")
    found, problems = [], []
    if not source or not licence:
        problems.append("source and license: are required at the top of the file")
    elif forbidden_source(source):
        problems.append(f"source: {source!r} is HACT Social Value Bank data, which may not be used")
    for name, category in (document.get("categories") or {}).items():
        for n, entry in enumerate(category.get("entries") or []):
            try:
                found.append(_entry(entry, category.get("sheet") or name, source, licence))
            except RingfenceError as error:
                problems.append(f"categories/{name}/entries/{n}/{error}")
    if problems or not found:
        raise ValidationError("unit costs", "; ".join(problems) or "holds no entries")
    return tuple(found)


def _entry(entry: Mapping, category: str, source: str, licence: str) -> Proxy:
    cost = entry.get("cost_gbp")
    if not isinstance(cost, int | float) or isinstance(cost, bool):
        raise ValidationError("cost_gbp", f"{cost!r} is not a number")
    return Proxy(
        code=_text(entry, "code"),
        category=category,
        description=_text(entry, "description"),
        unit=_text(entry, "unit"),
        value=to_money(str(Decimal(str(cost))), "cost_gbp", positive=False),
        agency=_agency(entry.get("agency"), entry.get("agency_detail")),
        price_year=read_price_year(entry.get("source_detail"), "source_detail"),
        source=source,
        licence=licence,
    )


def _text(entry: Mapping, key: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(key, "is required")
    return value.strip()


def _agency(agency: str | None, detail: str | None) -> str | None:
    """'Local Authority (Housing Services)': the agency that bears the cost, and which part."""
    if not agency:
        return detail or None
    if not detail or detail.strip().lower() == agency.strip().lower():
        return agency.strip()
    return f"{agency.strip()} ({detail.strip()})"


def forbidden_source(source: str) -> bool:
    lowered = source.lower()
    return any(name in lowered for name in _FORBIDDEN_SOURCES)


# --- restating, one way for the database and the files ------------------------------------


def report_year(deflator: Deflator, year: str | None) -> str:
    """The price year a report is stated in: the one asked for (if the deflator covers it),
    else the newest financial year the deflator has."""
    if year is None:
        return deflator.latest_financial_year()
    chosen = read_price_year(year)
    deflator.index(chosen)
    return chosen


def restated(
    values: Iterable[Decimal], years: Iterable[str], deflator: Deflator, to_year: str
) -> list[Decimal]:
    """Each value restated from its price year to ``to_year``: one restatement per price
    year (a library has a few dozen), applied to every value of that year."""
    values, years = list(values), list(years)
    factors = {year: deflator.factor(year, to_year) for year in set(years)}
    return [factors[year].apply(value) for value, year in zip(values, years, strict=True)]


def resolved(
    proxies: Iterable[Proxy], deflator: Deflator, year: str | None = None
) -> dict[str, LibraryProxy]:
    """The proxies by code, each with its value restated to the report's price year."""
    proxies = list(proxies)
    to_year = report_year(deflator, year)
    values = restated(
        (p.value for p in proxies), (p.price_year for p in proxies), deflator, to_year
    )
    return {
        p.code: LibraryProxy(
            code=p.code,
            description=p.description,
            unit=p.unit,
            value=p.value,
            price_year=p.price_year,
            restated=value,
            restated_year=to_year,
            source=p.source,
            licence=p.licence,
        )
        for p, value in zip(proxies, values, strict=True)
    }
