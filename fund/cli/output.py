"""Output: tables for people, one JSON document for machines, money as £1,234.56."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal

import click
import pandas as pd
import pyarrow as pa

from fund import portfolio
from fund.money import format_gbp, to_money

LABELS = {
    "scope": "Scope",
    "ringfence": "Ring-fence",
    "ringfence_id": "Ring-fence #",
    "programme": "Programme",
    "programme_id": "Programme #",
    "experiment": "Experiment",
    "experiment_id": "Experiment #",
    "commitment_id": "Commitment #",
    "request_id": "Request #",
    "instrument": "Instrument",
    "phase": "Lifecycle phase",
    "risk_rating": "Risk rating",
    "official": "Responsible official",
    "sector": "Partner sector",
    "ring_fence": "Ring-fence",
    "allocated": "Allocated",
    "committed": "Committed",
    "paid": "Paid",
    "unpaid": "Unpaid",
    "recovered": "Recovered",
    "written_off": "Written off",
    "outstanding": "Outstanding",
    "available": "Available",
    "headroom": "Headroom",
    "experiments": "Experiments",
    "committed_to_their_experiments": "Committed to their experiments",
    "match_cash": "Match (cash)",
    "match_in_kind": "Match (in kind)",
    "match_funding": "Match funding",
    "month": "Month",
    "cumulative_committed": "Committed to date",
    "cumulative_paid": "Paid to date",
    "kind": "Kind",
    "amount": "Amount",
    "requested_by": "Requested by",
    "requested_at": "Requested at",
    "reason": "Reason",
    "counterparty": "Counterparty",
    "title": "Title",
    "name": "Name",
    "owner_body": "Owner body",
    "financial_years": "Financial years",
    "declared_amount": "Declared",
    "delegated_limit": "Delegated limit",
    "advertised_on": "Advertised",
    "user_id": "User #",
    "username": "User",
    "display_name": "Name",
    "role": "Role",
    "active": "Active",
    "last_sign_in": "Last sign-in",
    "from": "From",
    "to": "To",
}


def _is_money(series: pd.Series) -> bool:
    dtype = series.dtype
    return isinstance(dtype, pd.ArrowDtype) and pa.types.is_decimal(dtype.pyarrow_dtype)


def _cell(value: object) -> str:
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, float) and value != value:  # NaN
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format_gbp(value)
    # Text people typed is shown as text: no line breaks or terminal control sequences.
    return "".join(char if char.isprintable() else " " for char in str(value))


def render_table(frame: pd.DataFrame) -> str:
    """A plain-text table: human column labels, money as £1,234.56, numbers right-aligned."""
    if frame.empty:
        return "(nothing to show)"
    columns = [_column(name, frame[name]) for name in frame.columns]
    return "\n".join("  ".join(row).rstrip() for row in zip(*columns, strict=True))


def _column(name: object, series: pd.Series) -> list[str]:
    """One column of a table, top to bottom: its label, a rule, then its cells."""
    right = _is_money(series) or pd.api.types.is_numeric_dtype(series.dtype)
    cells = series.astype(object).map(_cell).tolist()
    header = LABELS.get(name, portfolio.label(str(name)))
    width = max(len(header), *(len(c) for c in cells))
    justify = str.rjust if right and not pd.api.types.is_bool_dtype(series.dtype) else str.ljust
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
