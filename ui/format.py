"""How figures look on screen: £ with thousands separators, people's words for codes."""

from __future__ import annotations

import json
import re

import pandas as pd
import pyarrow as pa
import streamlit as st

from fund.lifecycle import ScalingRoute
from fund.register import Instrument, phase_label

MONEY_FORMAT = "£%,.2f"

# Column names as people say them; anything not listed is shown capitalised.
HEADINGS = {
    "ringfence": "Ring-fence",
    "ring_fence": "Ring-fence size",
    "written_off": "Written off",
    "risk_rating": "Risk",
    "user_involvement": "Service-user involvement",
    "scaling_route": "Scaling route",
    "match_funding": "Match funding",
    "match_cash": "Match funding (cash)",
    "match_in_kind": "Match funding (in kind)",
    "committed_to_their_experiments": "Committed to their experiments",
    "experiment_id": "Experiment #",
    "entry_id": "Entry #",
    "commitment_id": "Commitment #",
    "request_id": "Request #",
    "audit_seq": "Audit row #",
    "value_date": "Value date",
    "recorded_at": "Recorded at (UTC)",
    "reversed_by": "Reversed by",
    "requested_by": "Requested by",
    "requested_at": "Requested at (UTC)",
    "from_phase": "From phase",
    "to_phase": "To phase",
    "moved_at": "Moved at (UTC)",
    "display_name": "Name",
    "username": "User name",
    "created_at": "Created (UTC)",
    "last_sign_in": "Last sign-in (UTC)",
    "user_id": "User #",
    "seq": "Row #",
    "entity_id": "Record #",
    "from_programme": "From programme",
    "to_programme": "To programme",
    "from_ringfence": "From ring-fence",
    "to_ringfence": "To ring-fence",
}


_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|~<>$])")


def plain(text: str) -> str:
    """Text for a Streamlit message, with Markdown characters escaped: what people typed
    is shown as text, never as links, images or formatting."""
    return _MARKDOWN.sub(r"\\\1", text)


def count(number: int, noun: str, plural: str | None = None) -> str:
    """'1 experiment', '60 experiments', '1,024 audit rows'."""
    return f"{number:,} {noun if number == 1 else plural or noun + 's'}"


def words(code: object) -> str:
    return str(code).replace("_", " ").capitalize()


def details(document: str) -> str:
    """An audit row's recorded request, 'Amount: 25000.00 · Programme #: 2', not raw JSON."""
    try:
        values = json.loads(document)
    except (TypeError, ValueError):
        return str(document)
    if not isinstance(values, dict):
        return str(document)
    return " · ".join(
        f"{heading(name).replace(' id', ' #')}: {value}"
        for name, value in values.items()
        if value not in (None, "None", [], "")
    )


# Coded values as people say them.
VALUE_LABELS = {
    "instrument": lambda code: Instrument(code).label,
    "phase": phase_label,
    "from_phase": phase_label,
    "to_phase": phase_label,
    "risk_rating": words,
    "user_involvement": words,
    "scaling_route": lambda code: ScalingRoute(code).label,
    "sector": words,
    "role": words,
    "kind": words,
    "outcome": words,
    "details": details,
}

# Columns of free text that deserve room.
WIDE = {"reason", "details", "purpose", "target"}


def readable(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with coded values (instrument, phase, kind…) replaced by their labels."""
    changes = {
        column: frame[column].map(lambda v, f=f: None if pd.isna(v) else f(v))
        for column, f in VALUE_LABELS.items()
        if column in frame.columns and frame[column].dtype != "float64"
    }
    return frame.assign(**changes) if changes else frame


def heading(column: str) -> str:
    return HEADINGS.get(column, column.replace("_", " ").capitalize())


def is_money(series: pd.Series) -> bool:
    dtype = series.dtype
    return isinstance(dtype, pd.ArrowDtype) and pa.types.is_decimal(dtype.pyarrow_dtype)


def table(
    frame: pd.DataFrame,
    *,
    height: int | str = "auto",
    key: str | None = None,
    select: str | None = None,
):
    """Show a query result: money as £1,234.56, headings in words, user text as plain text.

    With ``select`` ("single-row"), the person can pick a row; the selection is returned.
    """
    config = {
        column: st.column_config.NumberColumn(heading(column), format=MONEY_FORMAT)
        if is_money(frame[column])
        else st.column_config.Column(heading(column), width="large" if column in WIDE else None)
        for column in frame.columns
    }
    return st.dataframe(
        readable(frame),
        column_config=config,
        hide_index=True,
        width="stretch",
        height=height,
        key=key,
        **({"on_select": "rerun", "selection_mode": select} if select else {}),
    )
