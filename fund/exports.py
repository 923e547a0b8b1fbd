"""Exports of what an auditor has on screen: CSV for machines, Excel for people.

Money leaves exactly: CSV cells are the decimal text ("1234.50"); Excel cells are numbers
formatted as £ with thousands separators, since that is what a spreadsheet reader expects.
"""

from __future__ import annotations

import io

import duckdb
import pandas as pd
import pyarrow as pa

from fund.auth import Permission, User, require

MONEY_FORMAT = "£#,##0.00;-£#,##0.00"


def _money_columns(frame: pd.DataFrame) -> list[str]:
    return [
        column
        for column, dtype in frame.dtypes.items()
        if isinstance(dtype, pd.ArrowDtype) and pa.types.is_decimal(dtype.pyarrow_dtype)
    ]


def csv_bytes(con: duckdb.DuckDBPyConnection, actor: User, frame: pd.DataFrame) -> bytes:
    """The frame as UTF-8 CSV, money as exact decimal text."""
    require(con, actor, Permission.EXPORT)
    return frame.to_csv(index=False).encode("utf-8")


def excel_bytes(
    con: duckdb.DuckDBPyConnection, actor: User, frame: pd.DataFrame, *, sheet: str
) -> bytes:
    """The frame as an .xlsx workbook with £ formatting, a frozen header and sized columns."""
    require(con, actor, Permission.EXPORT)
    money = _money_columns(frame)
    plain = frame.assign(**{c: frame[c].astype("float64") for c in money})
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="xlsxwriter") as writer:
        plain.to_excel(writer, sheet_name=sheet[:31], index=False)
        book, page = writer.book, writer.sheets[sheet[:31]]
        pounds = book.add_format({"num_format": MONEY_FORMAT})
        for position, column in enumerate(frame.columns):
            width = max(12, min(60, len(str(column)) + 2))
            page.set_column(position, position, width, pounds if column in money else None)
        page.freeze_panes(1, 0)
    return buffer.getvalue()
