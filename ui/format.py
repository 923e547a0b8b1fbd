"""How tables look on screen: money as £1,234.56 (-£18,150.00), dates as 14/01/2025,
headings and coded values in the words of :mod:`fund.labels`."""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from fund import labels
from fund.labels import heading, readable, words  # noqa: F401 - the names pages use
from fund.money import format_gbp

# Streamlit's own number format: right for amounts of £0 and more, but it puts a minus after
# the £ (£-18,150.00), so a table with a negative amount is styled instead (see _styled).
MONEY_FORMAT = "£%,.2f"

# Columns of free text that deserve room.
WIDE = {"reason", "details", "purpose", "target"}

# A money column is as wide as its longest amount: the grid sizes a column from the rows
# first in view, and cut a longer amount further down ("£242,000.00" read "242,000.00").
# Pixels per character in the grid's font, and a cell's padding with room for the sort mark.
_CHAR_PX = 7.5
_PADDING_PX = 28

_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|~<>$])")


def plain(text: str) -> str:
    """Text for a Streamlit message, with Markdown characters escaped: what people typed
    is shown as text, never as links, images or formatting."""
    return _MARKDOWN.sub(r"\\\1", text)


def count(number: int, noun: str, plural: str | None = None) -> str:
    """'1 experiment', '60 experiments', '1,024 audit rows'."""
    return f"{number:,} {noun if number == 1 else plural or noun + 's'}"


def table(
    frame: pd.DataFrame,
    *,
    height: int | str = "auto",
    key: str | None = None,
    select: str | None = None,
):
    """Show a query result: money as £1,234.56, dates as DD/MM/YYYY, headings and codes in
    words, user text as plain text.

    With ``select`` ("single-row"), the person can pick a row; the selection is returned.
    """
    styled = _can_style(frame)
    config = {column: _column(column, frame[column], styled) for column in frame.columns}
    shown = _never(readable(frame))
    return st.dataframe(
        _styled(shown) if styled else shown,
        column_config=config,
        hide_index=True,
        width="stretch",
        height=height,
        placeholder="",  # an empty cell, not "None"
        key=key,
        **({"on_select": "rerun", "selection_mode": select} if select else {}),
    )


def _column(column: str, series: pd.Series, styled: bool):
    label = heading(column)
    if labels.is_money(series):
        width = money_width(series, label)
        return st.column_config.NumberColumn(
            label, width=width, format=None if styled else MONEY_FORMAT
        )
    if column in labels.NEVER:
        return st.column_config.Column(label)  # text: see _never
    if labels.is_time(series):
        return st.column_config.DatetimeColumn(label, format=labels.GRID_TIME)
    if labels.is_date(series):
        return st.column_config.DateColumn(label, format=labels.GRID_DATE)
    return st.column_config.Column(label, width="large" if column in WIDE else None)


def money_width(series: pd.Series, label: str) -> int:
    """Pixels enough for the column's heading and its longest amount, sign and £ included."""
    amounts = [format_gbp(v) for v in (series.min(), series.max()) if not pd.isna(v)]
    characters = max(len(text) for text in [label, *amounts])
    return round(characters * _CHAR_PX) + _PADDING_PX


def _never(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns where an empty cell means 'not yet' (a last sign-in) as text that says
    'never': the grid shows one placeholder for every empty cell of a table, and most
    empty cells (no reversal, no commitment) should stay empty."""
    never = {
        column: frame[column].map(lambda value, c=column: labels.when(value, c))
        for column in frame.columns
        if column in labels.NEVER
    }
    return frame.assign(**never) if never else frame


def _can_style(frame: pd.DataFrame) -> bool:
    """Whether the table's money gets its text from a Styler: only when an amount is
    negative (Streamlit's own format shows the rest right, and costs nothing on a long
    table), and the table is small enough for pandas to style."""
    money = [c for c in frame.columns if labels.is_money(frame[c])]
    negative = any((frame[c] < 0).any() for c in money)
    return negative and frame.size <= pd.get_option("styler.render.max_elements")


def _styled(frame: pd.DataFrame):
    """Money as -£18,150.00: Streamlit's number format would say £-18,150.00. The Styler
    gives only the text: each cell keeps its value, so a money column sorts by amount."""
    money = [c for c in frame.columns if labels.is_money(frame[c])]
    return frame.style.format(format_gbp, subset=money, na_rep="")
