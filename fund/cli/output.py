"""Output: tables for people in the words of :mod:`fund.labels`, one JSON document for
machines; money as £1,234.56 (JSON: "1234.56"), dates as 14/01/2025 (JSON: ISO)."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal

import click
import pandas as pd

from fund import labels
from fund.money import format_gbp, to_money


def _cell(value: object, column: str) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return format_gbp(value)
    if isinstance(value, date) or value is None or pd.isna(value):
        return labels.when(value, column)  # DD/MM/YYYY, or 'never' where blank means that
    # Text people typed is shown as text: no line breaks or terminal control sequences.
    return "".join(char if char.isprintable() else " " for char in str(value))


def render_table(frame: pd.DataFrame) -> str:
    """A plain-text table: headings and codes in words, money as £1,234.56, dates as
    DD/MM/YYYY, numbers right-aligned."""
    if frame.empty:
        return "(nothing to show)"
    shown = labels.readable(frame)
    columns = [_column(name, shown[name]) for name in shown.columns]
    return "\n".join("  ".join(row).rstrip() for row in zip(*columns, strict=True))


def _column(name: str, series: pd.Series) -> list[str]:
    """One column of a table, top to bottom: its heading, a rule, then its cells."""
    numeric = labels.is_money(series) or pd.api.types.is_numeric_dtype(series.dtype)
    right = numeric and not pd.api.types.is_bool_dtype(series.dtype)
    cells = [_cell(value, name) for value in series.astype(object)]
    header = labels.heading(name)
    width = max(len(header), *(len(c) for c in cells))
    justify = str.rjust if right else str.ljust
    return [justify(header, width), "-" * width, *(justify(c, width) for c in cells)]


def _json_value(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "item"):  # a numpy scalar
        return value.item()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def records(frame: pd.DataFrame) -> list[dict[str, object]]:
    """The rows of a frame as JSON-ready dicts: exact decimals, and null for missing values."""
    plain = frame.astype(object)
    return plain.where(frame.notna(), None).to_dict(orient="records")


def emit_json(document: object) -> None:
    click.echo(json.dumps(document, default=_json_value, indent=2, ensure_ascii=False))


def show(frame: pd.DataFrame, as_json: bool, name: str, **extra: object) -> None:
    """Print a query result as a table, or as ``{"<name>": [rows...], **extra}``."""
    if as_json:
        emit_json({**extra, name: records(frame)})
    else:
        click.echo(render_table(frame))


json_option = click.option(
    "--json", "as_json", is_flag=True, help="Print one JSON document (money as decimal strings)."
)


def gbp(amount: object, field: str = "amount") -> str:
    """An amount the service has already accepted, as £1,234.56."""
    return format_gbp(to_money(amount, field))
