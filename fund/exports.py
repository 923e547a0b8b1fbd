"""Exports of what an auditor has on screen: CSV for machines, Excel for people.

Both carry what the screen shows: the same headings and the same words for coded values
(:mod:`fund.labels`). Dates leave as ISO dates (CSV) or real Excel dates shown as
yyyy-mm-dd, times likewise (UTC, as the headings say). Money leaves exactly: CSV cells are the
decimal text ("1234.50"); Excel cells are numbers formatted as £ with thousands separators,
since that is what a spreadsheet reader expects. An Excel sheet opens ready to read: columns
as wide as their contents, a filter on every heading and the heading row frozen.

Text that people typed (reasons, names, counterparties) can reach a spreadsheet that will
run it: a reason ``=HYPERLINK("http://…","click")`` would open as a live formula. So, as
OWASP advises against CSV injection, every *text* cell that starts with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return is neutralised by a leading single quote (``'=HYPERLINK…``),
which spreadsheets read as "this is text". CSV follows RFC 4180: rows end in CRLF, and a
cell holding a comma, a quote, a line feed or a carriage return is quoted (Python's CSV
writer quotes a carriage return only when it is part of the line ending, so a lone ``\r``
in a reason would otherwise split its row). Only text columns are touched: money, counts, ids, dates and times
are not text, and a negative amount such as -18150.00 stays a number (in Excel a numeric
cell, never a formula; in CSV the decimal text that a reader parses as a number). In Excel
the workbook writer is also told never to turn a string into a formula or a link.
"""

from __future__ import annotations

import io

import duckdb
import pandas as pd
import pyarrow as pa

from fund import labels
from fund.auth import Permission, User, require
from fund.money import format_gbp

MONEY_FORMAT = "£#,##0.00;-£#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"
TIME_FORMAT = "yyyy-mm-dd hh:mm"
# What a spreadsheet takes as the start of a formula (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_START = r"^[=+\-@\t\r]"
# xlsxwriter would otherwise write "=…" strings as formulas and "http://…" as links.
_EXCEL_OPTIONS = {"options": {"strings_to_formulas": False, "strings_to_urls": False}}
# Column widths in Excel's units (about a character each), and the room the filter's button
# takes beside a heading.
_NARROWEST, _WIDEST, _FILTER_BUTTON = 8, 60, 3


def _is_text(series: pd.Series) -> bool:
    """A column of text: Arrow or pandas strings, or Python objects that are all strings."""
    dtype = series.dtype
    if isinstance(dtype, pd.ArrowDtype):
        kind = dtype.pyarrow_dtype
        return pa.types.is_string(kind) or pa.types.is_large_string(kind)
    if isinstance(dtype, pd.StringDtype):
        return True
    return (
        pd.api.types.is_object_dtype(dtype)
        and pd.api.types.infer_dtype(series, skipna=True) == "string"
    )


def neutralised(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with every text cell a spreadsheet would run as a formula made plain text
    (a leading ``'``); other columns, money above all, exactly as they were."""
    safe = {}
    for column in [c for c in frame.columns if _is_text(frame[c])]:
        text = frame[column].astype("string")
        risky = text.str.contains(_FORMULA_START, regex=True, na=False)
        safe[column] = text.mask(risky, "'" + text)
    return frame.assign(**safe)


def csv_bytes(con: duckdb.DuckDBPyConnection, actor: User, frame: pd.DataFrame) -> bytes:
    """The frame as UTF-8 CSV under its on-screen headings: money as exact decimal text,
    dates ISO, formulas neutralised."""
    require(con, actor, Permission.EXPORT)
    shown = neutralised(labels.for_people(frame))
    return shown.to_csv(index=False, lineterminator="\r\n").encode("utf-8")


def excel_bytes(
    con: duckdb.DuckDBPyConnection, actor: User, frame: pd.DataFrame, *, sheet: str
) -> bytes:
    """The frame as an .xlsx workbook under its on-screen headings: money as £ numbers, real
    dates, columns that fit, a filter on the headings and the heading row frozen; text is
    always written as text, never as a formula or a link."""
    require(con, actor, Permission.EXPORT)
    shown = labels.for_people(frame)
    money = [c for c in shown.columns if labels.is_money(shown[c])]
    cells = neutralised(shown).assign(**{c: shown[c].astype("float64") for c in money})
    buffer = io.BytesIO()
    with pd.ExcelWriter(
        buffer,
        engine="xlsxwriter",
        date_format=DATE_FORMAT,
        datetime_format=TIME_FORMAT,
        engine_kwargs=_EXCEL_OPTIONS,
    ) as writer:
        cells.to_excel(writer, sheet_name=sheet[:31], index=False)
        book, page = writer.book, writer.sheets[sheet[:31]]
        pounds = book.add_format({"num_format": MONEY_FORMAT})
        for position, column in enumerate(shown.columns):
            width = _width(column, shown[column])
            page.set_column(position, position, width, pounds if column in money else None)
        page.autofilter(0, 0, len(shown), max(len(shown.columns) - 1, 0))
        page.freeze_panes(1, 0)
    return buffer.getvalue()


def _width(heading: str, series: pd.Series) -> int:
    """Characters enough for the heading (and its filter button) and the longest cell as the
    sheet shows it: money as £1,234.56, dates and times as their formats print them."""
    if labels.is_money(series):
        texts = series.dropna().map(format_gbp)
    elif labels.is_time(series):
        texts = pd.Series([TIME_FORMAT])
    elif labels.is_date(series):
        texts = pd.Series([DATE_FORMAT])
    else:
        texts = series.dropna().astype("string")
    longest = int(texts.str.len().max()) if len(texts) else 0
    wanted = max(len(heading) + _FILTER_BUTTON, longest + 1)
    return min(_WIDEST, max(_NARROWEST, wanted))
