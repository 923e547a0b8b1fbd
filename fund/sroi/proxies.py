"""The proxy library in the database: reading it (restated to a report's price year) and
adding a fund manager's own proxies through the write path.

Seeded from the GMCA (New Economy Manchester) Unit Cost Database v1.4 by migration 0006;
fund managers add their own proxies, each with its source, licence and price year, so that
every figure in an impact map can be checked. What a proxy is and how it is restated is
:mod:`fund.sroi.unit_costs`, pure and shared with the files-alone library.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

import duckdb
import pandas as pd
import pyarrow as pa

from fund.auth import Permission, User, require
from fund.db import frame, transaction
from fund.errors import ValidationError
from fund.money import MAX_AMOUNT, format_gbp, to_money
from fund.sroi.deflator import SERIES, Deflator
from fund.sroi.deflator import price_year as read_price_year
from fund.sroi.unit_costs import (
    USER_CATEGORY,
    LibraryProxy,
    Proxy,
    forbidden_source,
    report_year,
    resolved,
    restated,
)
from fund.unit_of_work import Request, Step, Written, perform, required_text

# --- the library in the database --------------------------------------------------------------


def deflator(con: duckdb.DuckDBPyConnection, series: str = SERIES) -> Deflator:
    """The GDP deflator series as the database holds it (loaded by migration 0006)."""
    rows = con.execute(
        "SELECT period, value FROM deflator_index WHERE series = ?", [series]
    ).fetchall()
    return Deflator.from_rows(rows, series)


COLUMNS = (
    "code",
    "category",
    "description",
    "unit",
    "value",
    "agency",
    "price_year",
    "source",
    "licence",
)
_COLUMNS = ", ".join(COLUMNS)


def lookup(
    con: duckdb.DuckDBPyConnection, codes: Iterable[str], year: str | None = None
) -> dict[str, LibraryProxy]:
    """The library's proxies of these codes, restated to the report's price year ``year``
    (default: the newest financial year); a code the library does not hold is absent."""
    rows = con.execute(
        f"SELECT {_COLUMNS} FROM proxy WHERE code IN (SELECT unnest(?::VARCHAR[]))",  # noqa: S608
        [sorted(set(codes))],
    ).fetchall()
    found = [Proxy(**dict(zip(COLUMNS, row, strict=True))) for row in rows]
    return resolved(found, deflator(con), year)


_LIBRARY = f"""
SELECT {_COLUMNS}
FROM proxy
WHERE $pattern IS NULL
   OR code ILIKE $pattern ESCAPE '\\' OR description ILIKE $pattern ESCAPE '\\'
   OR unit ILIKE $pattern ESCAPE '\\' OR agency ILIKE $pattern ESCAPE '\\'
   OR category ILIKE $pattern ESCAPE '\\'
ORDER BY proxy_id
"""  # noqa: S608 - fixed column names


def library(
    con: duckdb.DuckDBPyConnection,
    actor: User,
    *,
    search: str | None = None,
    price_year: str | None = None,
) -> pd.DataFrame:
    """The proxy library, or the proxies whose code, description, unit, agency or category
    holds ``search`` (any case): each with its value and price year as its source gives
    them, and that value restated to ``price_year`` (default: the newest financial year)
    in the column ``restated``, money exact."""
    with transaction(con):
        require(con, actor, Permission.READ_SUMMARY)
        found = frame(con, _LIBRARY, {"pattern": _pattern(search)})
        series = deflator(con)
    to_year = report_year(series, price_year)
    values = restated(found["value"], found["price_year"], series, to_year)
    money = pd.ArrowDtype(pa.decimal128(18, 2))
    at = found.columns.get_loc("price_year") + 1
    found.insert(at, "restated", pd.array(values, dtype=money))
    return found.assign(restated_year=pd.array([to_year] * len(found), dtype="string"))


def _pattern(search: str | None) -> str | None:
    """``search`` as an ILIKE pattern matching it anywhere, its own % and _ taken literally."""
    text = (search or "").strip()
    if not text:
        return None
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


# --- adding a proxy -------------------------------------------------------------------------

_TEXTS = {"description": 500, "unit": 100, "licence": 200, "agency": 200, "category": 100}


def add_proxy(
    con: duckdb.DuckDBPyConnection,
    actor: User,
    *,
    code: str | None = None,
    description: str,
    unit: str,
    value: object,
    price_year: str,
    source: str | None,
    licence: str,
    agency: str | None = None,
    category: str = USER_CATEGORY,
    key: str,
    reason: str,
) -> Written:
    """Add a proxy of one's own to the library: what it values, per what unit, its value at
    its price year, and where it comes from (source and licence), so that anyone can check
    it. A proxy without a source is refused; without a code it gets the next U1, U2, …"""
    proxy = _user_proxy(
        code=code,
        description=description,
        unit=unit,
        value=value,
        price_year=price_year,
        source=source,
        licence=licence,
        agency=agency,
        category=category,
    )

    def change(step: Step) -> tuple[str, int]:
        _restatable(proxy, deflator(step.con))
        chosen = replace(proxy, code=proxy.code or _next_code(step.con))
        _refuse_taken(step.con, chosen.code)
        new_id = step.con.execute(
            f"INSERT INTO proxy ({_COLUMNS}, added_by, added_at)"  # noqa: S608 - fixed names
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING proxy_id",
            [*row(chosen), step.actor.user_id, step.at],
        ).fetchone()[0]
        step.record("proxy", chosen.code)
        step.said = (
            f"Proxy {chosen.code} added: {chosen.description} ({chosen.unit}),"
            f" {format_gbp(chosen.value)} at {chosen.price_year} prices."
        )
        return "proxy", new_id

    details = dict(zip(COLUMNS, row(proxy), strict=True))
    request = Request(operation="add proxy", key=key, reason=reason, details=details)
    return perform(con, actor, Permission.ASSESS, request, change)


def _restatable(proxy: Proxy, series: Deflator) -> None:
    """A proxy the deflator covers, whose value in today's prices the fund can record."""
    latest = series.latest_financial_year()
    (now,) = restated([proxy.value], [proxy.price_year], series, latest)
    if abs(now) > MAX_AMOUNT:
        raise ValidationError(
            "value",
            f"would be {format_gbp(now)} in {latest} prices, more than the largest amount the"
            f" fund records ({format_gbp(MAX_AMOUNT)})",
        )


def _user_proxy(
    *, code: str | None, value: object, price_year: str, source: str | None, **texts: str | None
) -> Proxy:
    """The proxy as typed, once every rule that needs no database holds."""
    given_source = (source or "").strip()
    if not given_source:
        raise ValidationError("source", "is required: a proxy without a source cannot be checked")
    if forbidden_source(given_source):
        raise ValidationError(
            "source", "HACT Social Value Bank values may not be stored: their licence forbids it"
        )
    amount = to_money(value, "value", positive=False)
    if amount == 0:
        raise ValidationError("value", "must not be £0.00: a proxy worth nothing values nothing")
    if not (texts.get("agency") or "").strip():
        texts["agency"] = None
    checked = {
        name: required_text(text, name, max_length=_TEXTS[name]) if text is not None else None
        for name, text in texts.items()
    }
    return Proxy(
        code=_code(code),
        value=amount,
        price_year=read_price_year(price_year),
        source=required_text(given_source, "source", max_length=500),
        **checked,
    )


def _code(code: str | None) -> str:
    """A code typed for the proxy ('' if none, so that one is given): short, no spaces."""
    text = (code or "").strip()
    if text and (len(text) > 40 or not text.isprintable() or " " in text):
        raise ValidationError("code", f"must be at most 40 characters without spaces, not {code!r}")
    return text


def _next_code(con: duckdb.DuckDBPyConnection) -> str:
    """The next free user code: U1, U2, … after the highest given so far."""
    (highest,) = con.execute(
        "SELECT coalesce(max(CAST(code[2:] AS BIGINT)), 0) FROM proxy"
        " WHERE regexp_full_match(code, 'U[0-9]{1,18}')"
    ).fetchone()
    return f"U{highest + 1}"


def _refuse_taken(con: duckdb.DuckDBPyConnection, code: str) -> None:
    taken = con.execute("SELECT code FROM proxy WHERE lower(code) = lower(?)", [code]).fetchone()
    if taken:
        raise ValidationError("code", f"{taken[0]} is already in the proxy library; choose another")


def row(proxy: Proxy) -> list[object]:
    """The proxy's values in the order of :data:`COLUMNS`."""
    return [getattr(proxy, name) for name in COLUMNS]
