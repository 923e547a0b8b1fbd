"""What a page's table shows: its column settings, the text of its styled cells, and a check
that every money column shows each amount whole (bug 7)."""

from __future__ import annotations

import json
from decimal import Decimal

import pandas as pd
from streamlit import dataframe_util

from fund.money import format_gbp


def columns(table) -> dict[str, dict]:
    """Each column's settings as the page gave them: label, width, type and format."""
    return json.loads(table.proto.columns)


def shown(table) -> pd.DataFrame:
    """The text each cell shows, where the page styles it (money, 'never')."""
    return dataframe_util.convert_arrow_bytes_to_pandas_df(
        table.proto.arrow_data.styler.display_values
    )


def money_columns(table) -> list[str]:
    """Each money column of a table, checked: every amount shown whole as £1,234.56 or
    -£18,150.00, in a column wide enough for the longest of them and the heading.

    Streamlit's own format ("£%,.2f") shows amounts of £0 and more right; a table with a
    negative amount gets the text of each cell from the page instead."""
    data, checked = table.value, []
    for column, config in columns(table).items():
        if column == "_index" or data.empty or not isinstance(data[column].iloc[0], Decimal):
            continue
        expected = [format_gbp(v) for v in data[column]]
        if "format" in config["type_config"]:
            assert config["type_config"]["format"] == "£%,.2f", column
            assert min(data[column]) >= 0, column
        else:
            assert list(shown(table)[column]) == expected, column
        longest = max(len(t) for t in [*expected, config["label"]])
        # The grid's 14px font: digits, £ and commas at most 7px, plus 8px padding each side
        # (measured in Chromium: "£5,000,000.00" is 79px wide).
        assert config["width"] >= longest * 7 + 16, (column, config)
        checked.append(column)
    return checked
