"""Charts of the position. Every chart has a title, axis labels and £ on its money axis;
figures are named as everywhere else (fund.labels).

Plotting is the one place money becomes float, and only for drawing.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from fund.labels import heading

_MONEY_AXIS = {"title": {"text": "£"}, "tickprefix": "£", "tickformat": ",.0f"}
_COLOURS = {
    "allocated": "#1f4e79",
    "committed": "#2e86c1",
    "paid": "#f39c12",
    "ring_fence": "#7f8c8d",
}


def _layout(title: str, x_axis: dict, *, empty: bool = False) -> dict:
    """The layout every chart shares. Built whole and given to the figure at once: plotly
    checks each later update path by path, which took most of a page's chart time."""
    layout = {
        "title": {"text": title},
        "xaxis": x_axis,
        "yaxis": {**_MONEY_AXIS, "rangemode": "tozero"},
        "barmode": "group",
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0},
        "margin": {"t": 80, "b": 10, "l": 10, "r": 10},
        "height": 420,
    }
    if empty:  # an all-zero chart says so, rather than drawing an axis of £-1 to £1
        layout["yaxis"] |= {"range": [0, 1], "showticklabels": False}
        layout["annotations"] = [
            {
                "text": "No money here yet",
                "showarrow": False,
                "xref": "paper",
                "yref": "paper",
                "x": 0.5,
                "y": 0.5,
            }
        ]
    return layout


def _wrapped(label: object, width: int = 12) -> str:
    """Long category names broken over lines, so they need not be tilted or cut."""
    words, lines = str(label).split(), [""]
    for word in words:
        if lines[-1] and len(lines[-1]) + len(word) >= width:
            lines.append("")
        lines[-1] = f"{lines[-1]} {word}".strip()
    return "<br>".join(lines)


def _bars(frame: pd.DataFrame, category: str, measures: list[str]) -> list[go.Bar]:
    return [
        go.Bar(
            name=heading(m),
            x=frame[category].map(_wrapped),
            y=frame[m].astype(float),
            marker_color=_COLOURS.get(m),
            hovertemplate="%{x}<br>" + heading(m) + ": £%{y:,.2f}<extra></extra>",
        )
        for m in measures
    ]


def money_bars(frame: pd.DataFrame, category: str, measures: list[str], title: str) -> go.Figure:
    """Grouped bars of money per category, e.g. allocated/committed/paid per programme."""
    x_axis = {"title": {"text": heading(category)}, "type": "category", "tickangle": 0}
    empty = not frame[measures].astype(float).to_numpy().any()
    return go.Figure(_bars(frame, category, measures), layout=_layout(title, x_axis, empty=empty))


def burn(frame: pd.DataFrame) -> go.Figure:
    """Cumulative commitments and payments by month against the ring-fence."""
    lines = [
        (column, heading(column), _COLOURS[colour], dash)
        for column, colour, dash in [
            ("cumulative_committed", "committed", None),
            ("cumulative_paid", "paid", None),
            ("ring_fence", "ring_fence", "dash"),
        ]
    ]
    x_axis = {
        "title": {"text": "Month (value date)"},
        "tickformat": "%b %Y",
        "dtick": "M3" if len(frame) > 12 else "M1",
    }
    return go.Figure(
        [
            go.Scatter(
                x=pd.to_datetime(frame["month"]),
                y=frame[column].astype(float),
                name=name,
                mode="lines" if len(frame) > 2 else "lines+markers",
                line={"color": colour, "dash": dash},
                hovertemplate="%{x|%b %Y}<br>" + name + ": £%{y:,.2f}<extra></extra>",
            )
            for column, name, colour, dash in lines
        ],
        layout=_layout("Burn by month against the ring-fence", x_axis),
    )
