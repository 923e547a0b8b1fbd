"""The board pack's Excel workbook: the tables behind every figure, one sheet per table, with
money as numbers in a £ currency format (never text), dates as dates, and the manifest on
its own sheet so the workbook can be verified like the PDF.

Excel stores numbers as doubles, so money becomes a float here and only here, at the edge:
a two-decimal amount below 10¹³ survives the round trip to the penny. Text a person typed is
always written as a string, so a lesson that begins with "=" never becomes a formula.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from numbers import Number
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from fund import labels
from fund.board import figures as board_figures
from fund.board.figures import Figure
from fund.board.view import BoardView

MANIFEST_SHEET = "Manifest"
MANIFEST_TITLE = "Board pack manifest (canonical JSON, read by 'fund board-pack verify')"
_CHUNK = 30_000  # characters per manifest cell; Excel holds at most 32,767 in one
_FORMATS = {
    "header": {"bold": True, "bottom": 1, "text_wrap": True, "valign": "top"},
    "money": {"num_format": "£#,##0.00;-£#,##0.00"},
    "ratio": {"num_format": "0.00"},
    "leverage": {"num_format": '"£"0.00" per £1"'},
    "share": {"num_format": "0.00%"},
    "percent": {"num_format": '0.00"%"'},
    "count": {"num_format": "#,##0"},
    "id": {"num_format": "0"},
    "number": {"num_format": "0.00"},
    "date": {"num_format": "dd/mm/yyyy"},
    "datetime": {"num_format": "dd/mm/yyyy hh:mm"},
}
# Columns that hold a percentage of the ring-fence (25.00 is 25%), not pounds.
_PERCENT_COLUMNS = {"share_limit", "share"}
_MIN_WIDTH, _MAX_WIDTH = 8, 60


def write(view: BoardView, figs: list[Figure], path: Path, *, manifest: bytes) -> Path:
    """Write the workbook of ``view`` to ``path``: the figures, every table and the manifest."""
    book = xlsxwriter.Workbook(
        str(path),
        {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False},
    )
    # The same view gives the same file: the workbook says it was made on the pack's date.
    book.set_properties(
        {
            "title": f"Board pack as at {view.as_at:%d/%m/%Y}",
            "created": datetime.combine(view.as_at, time()),
        }
    )
    formats = {name: book.add_format(spec) for name, spec in _FORMATS.items()}
    for name, content in sheets(view, figs).items():
        if isinstance(content, pd.DataFrame):
            _table(book.add_worksheet(name), content, formats)
        else:
            _figures(book.add_worksheet(name), content, formats)
    _manifest(book.add_worksheet(MANIFEST_SHEET), manifest, formats)
    book.close()
    return path


def sheets(view: BoardView, figs: list[Figure]) -> dict[str, pd.DataFrame | list[Figure]]:
    """The sheets by name, in the order the pack shows them: the figures (all of them, then
    the learning measures) and the tables behind them."""
    return {
        "Summary": figs,
        "Money by programme": view.money.by_programme,
        "Burn": view.money.burn,
        "SROI by programme": view.sroi.by_programme,
        "SROI by instrument": view.sroi.by_instrument,
        "SROI experiments": view.sroi.experiments,
        "Learning": [f for f in figs if f.section == "Learning"],
        "Appetite": view.risk.appetite,
        "Awaiting decision": view.risk.awaiting_decision,
        "Newest lessons": view.newest_lessons,
        "Transferable lessons": view.transferable_lessons,
    }


def read_manifest(sheet_values: list[object]) -> bytes:
    """The manifest's bytes from the Manifest sheet's first column, title row first."""
    return "".join(str(v) for v in sheet_values[1:] if v is not None).encode("utf-8")


# --- sheets ---------------------------------------------------------------------------------


def _figures(sheet: Worksheet, figs: list[Figure], formats: dict[str, Format]) -> None:
    headers = ["Section", "Figure", "Value", "Key"]
    _headers(sheet, headers, formats)
    for row, figure in enumerate(figs, start=1):
        sheet.write_string(row, 0, figure.section)
        sheet.write_string(row, 1, figure.label)
        _cell(sheet, row, 2, _number(figure), figure.kind, formats)
        sheet.write_string(row, 3, figure.key)
    shown = [[f.section, f.label, board_figures.text(f), f.key] for f in figs]
    _finish(sheet, headers, shown, len(figs))


def _table(sheet: Worksheet, frame: pd.DataFrame, formats: dict[str, Format]) -> None:
    frame = labels.readable(frame)
    headers = [labels.heading(column) for column in frame.columns]
    _headers(sheet, headers, formats)
    shown = [[] for _ in range(len(frame))]
    for col, column in enumerate(frame.columns):
        kind = _kind(column, frame[column])
        for row, value in enumerate(frame[column].astype(object), start=1):
            _cell(sheet, row, col, _plain(value), kind, formats)
            shown[row - 1].append(_plain_text(value))
    _finish(sheet, headers, shown, len(frame))


def _manifest(sheet: Worksheet, manifest: bytes, formats: dict[str, Format]) -> None:
    document = manifest.decode("utf-8")
    sheet.write_string(0, 0, MANIFEST_TITLE, formats["header"])
    for row, start in enumerate(range(0, len(document), _CHUNK), start=1):
        sheet.write_string(row, 0, document[start : start + _CHUNK])
    sheet.set_column(0, 0, 100)


def _headers(sheet: Worksheet, headers: list[str], formats: dict[str, Format]) -> None:
    for col, header in enumerate(headers):
        sheet.write_string(0, col, header, formats["header"])
    sheet.freeze_panes(1, 0)


def _finish(sheet: Worksheet, headers: list[str], shown: list[list[str]], rows: int) -> None:
    """Column widths to fit what each column shows, and a filter over the table."""
    for col, header in enumerate(headers):
        longest = max([len(header), *(len(line[col]) for line in shown)])
        sheet.set_column(col, col, min(max(longest + 2, _MIN_WIDTH), _MAX_WIDTH))
    if headers:
        sheet.autofilter(0, 0, rows, len(headers) - 1)


# --- cells ----------------------------------------------------------------------------------


def _kind(column: str, series: pd.Series) -> str:
    """How a column's cells are written: money, a percentage, a date, a number or text."""
    if column in _PERCENT_COLUMNS:
        return "percent"
    if column.endswith("_id") or column == "version":
        return "id"
    if labels.is_money(series) or any(isinstance(v, Decimal) for v in series.astype(object)):
        return "money"
    if labels.is_date(series):
        return "date"
    if labels.is_time(series):
        return "datetime"
    if pd.api.types.is_bool_dtype(series.dtype):
        return "bool"
    if pd.api.types.is_integer_dtype(series.dtype):
        return "count"
    if pd.api.types.is_float_dtype(series.dtype) or _arrow_float(series):
        return "ratio"
    return "text"


def _arrow_float(series: pd.Series) -> bool:
    dtype = series.dtype
    return isinstance(dtype, pd.ArrowDtype) and pa.types.is_floating(dtype.pyarrow_dtype)


def _cell(
    sheet: Worksheet, row: int, col: int, value: object, kind: str, formats: dict[str, Format]
) -> None:
    if value is None:
        sheet.write_blank(row, col, None, formats.get(kind))
    elif kind == "bool":
        sheet.write_boolean(row, col, bool(value))
    elif kind in ("date", "datetime") and isinstance(value, date):
        sheet.write_datetime(row, col, value, formats[kind])
    elif kind in _FORMATS and isinstance(value, Number):
        sheet.write_number(row, col, float(value), formats[kind])
    else:
        sheet.write_string(row, col, _plain_text(value))


def _number(figure: Figure) -> object:
    """A figure's value as the workbook holds it: a number, except for text figures."""
    if figure.value is None or figure.kind == board_figures.TEXT:
        return figure.value
    return Decimal(figure.value)


def _plain(value: object) -> object:
    """A cell's value as Python: no pandas missing markers, timestamps as datetimes."""
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.to_pydatetime()
    if isinstance(value, list | tuple | np.ndarray):
        return "; ".join(str(v) for v in list(value))
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and value != value:
        return None
    return value


def _plain_text(value: object) -> str:
    value = _plain(value)
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"£{value:,.2f}"
    if isinstance(value, datetime | date):
        return labels.when(value)
    return str(value)
