"""A contract's rate card and expected-outcomes profile, read from the CSV files people keep
them in.

Pure reading, no database: each row becomes a rate card line (:func:`fund.pbr.rate_card.rate`)
or an expected count (:func:`fund.pbr.contracts.expected`), and every row that cannot be one
is reported at once, counted from 1 after the header, as a payment run's file is
(:class:`fund.errors.RowsRefused`), so a card is mended in one pass, not one error at a time.
Whether the card and the profile fit the contract (the term, metrics on the card) is judged
by :func:`fund.pbr.contracts.add_contract`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import TypeVar

from fund.errors import RingfenceError, RowRefused, RowsRefused, ValidationError
from fund.pbr.contracts import Expected, expected
from fund.pbr.rate_card import Rate, rate

RATE_COLUMNS = ("metric", "definition", "unit_price", "cap")
RATE_REQUIRED = ("metric", "definition", "unit_price")
EXPECTED_COLUMNS = ("metric", "period_end", "quantity")

T = TypeVar("T")


def read_rate_card(text: str | bytes) -> list[Rate]:
    """The lines of a rate card file with the columns metric, definition, unit_price and,
    optionally, cap (blank: the metric has no cap of its own); each metric once."""
    lines = _read(text, "rate card", RATE_COLUMNS, RATE_REQUIRED, lambda row: rate(**row))
    return lines


def read_expected(text: str | bytes) -> list[Expected]:
    """The expected-outcomes profile of a file with the columns metric, period_end
    (YYYY-MM-DD) and quantity (a whole number, 0 or more)."""
    return _read(
        text, "expected outcomes", EXPECTED_COLUMNS, EXPECTED_COLUMNS, lambda row: expected(**row)
    )


def _read(
    data: str | bytes,
    what: str,
    columns: tuple[str, ...],
    required: tuple[str, ...],
    make: Callable[..., T],
) -> list[T]:
    """Every row of the file made into a ``T``, or one refusal naming every bad row."""
    rows = csv.reader(io.StringIO(_text(data, what).removeprefix("\ufeff")))
    try:
        header = _header(next(rows, []), what, columns, required)
        made: list[T] = []
        refused: list[RowRefused] = []
        seen: dict[str, int] = {}
        for n, values in enumerate((v for v in rows if any(x.strip() for x in v)), start=1):
            try:
                item = make(_row(header, values))
                _once(item, n, seen)
                made.append(item)
            except RingfenceError as error:
                refused.append(RowRefused(n, error))
    except csv.Error as error:
        raise ValidationError(
            what, f"is not CSV that can be read: line {rows.line_num}: {error}"
        ) from None
    if refused:
        raise RowsRefused(tuple(refused))
    if not made:
        raise ValidationError(what, "has a header but no rows")
    return made


def _text(data: str | bytes, what: str) -> str:
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationError(
            what, "must be text in UTF-8 (in Excel, save it as 'CSV UTF-8')"
        ) from None


def _header(
    names: list[str], what: str, columns: tuple[str, ...], required: tuple[str, ...]
) -> list[str]:
    """The column names, once each is allowed, given once, and the required ones are there."""
    needs = f"needs the columns {', '.join(required)}" + (
        f" (optional: {', '.join(c for c in columns if c not in required)})"
        if len(columns) > len(required)
        else ""
    )
    header = [name.strip().lower() for name in names]
    problems = [f"{name!r} is not one of its columns" for name in header if name not in columns]
    problems += [
        f"{name!r} is given twice" for name in dict.fromkeys(header) if header.count(name) > 1
    ]
    problems += [f"{name} is missing" for name in required if name not in header]
    if problems:
        raise ValidationError(what, f"{needs}; " + "; ".join(problems))
    return header


def _row(header: list[str], values: list[str]) -> dict[str, str]:
    if len(values) > len(header):
        extra = len(values) - len(header)
        raise ValidationError("columns", f"the row has {extra} more value(s) than the header")
    return dict(zip(header, (v.strip() for v in values), strict=False))


def _once(item: object, n: int, seen: dict[str, int]) -> None:
    """A metric is priced once on a card; a metric is expected once by a period's end."""
    name = (
        item.metric.casefold()
        if isinstance(item, Rate)
        else f"{item.metric.casefold()} by {item.period_end}"
    )
    if name in seen:
        raise ValidationError("metric", f"{item.metric!r} is given already in row {seen[name]}")
    seen[name] = n
