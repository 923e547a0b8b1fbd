"""Exports of what an auditor has on screen: CSV for machines, Excel for people.

Money leaves exactly: CSV cells are the decimal text ("1234.50"); Excel cells are numbers
formatted as £ with thousands separators, since that is what a spreadsheet reader expects.

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

from fund.auth import Permission, User, require

MONEY_FORMAT = "£#,##0.00;-£#,##0.00"
# What a spreadsheet takes as the start of a formula (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_START = r"^[=+\-@\t\r]"
# xlsxwriter would otherwise write "=…" strings as formulas and "http://…" as links.
_EXCEL_OPTIONS = {"options": {"strings_to_formulas": False, "strings_to_urls": False}}


def _money_columns(frame: pd.DataFrame) -> list[str]:
    return [
        column
        for column, dtype in frame.dtypes.items()
        if isinstance(dtype, pd.ArrowDtype) and pa.types.is_decimal(dtype.pyarrow_dtype)
    ]


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
    """The frame as UTF-8 CSV, money as exact decimal text, formulas neutralised."""
    require(con, actor, Permission.EXPORT)
    return neutralised(frame).to_csv(index=False, lineterminator="\r\n").encode("utf-8")


def excel_bytes(
    con: duckdb.DuckDBPyConnection, actor: User, frame: pd.DataFrame, *, sheet: str
) -> bytes:
    """The frame as an .xlsx workbook with £ formatting, a frozen header and sized columns;
    text is always written as text, never as a formula or a link."""
    require(con, actor, Permission.EXPORT)
    money = _money_columns(frame)
    plain = neutralised(frame).assign(**{c: frame[c].astype("float64") for c in money})
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="xlsxwriter", engine_kwargs=_EXCEL_OPTIONS) as writer:
        plain.to_excel(writer, sheet_name=sheet[:31], index=False)
        book, page = writer.book, writer.sheets[sheet[:31]]
        pounds = book.add_format({"num_format": MONEY_FORMAT})
        for position, column in enumerate(frame.columns):
            width = max(12, min(60, len(str(column)) + 2))
            page.set_column(position, position, width, pounds if column in money else None)
        page.freeze_panes(1, 0)
    return buffer.getvalue()
