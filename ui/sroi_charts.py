"""Charts of an experiment's SROI: its value by year stacked by outcome, the tornado of its
assumptions and the Monte Carlo distribution of its ratio. Each has a title and axis labels;
money axes are in £.

Names typed by people (stakeholders, outcomes) are escaped: plotly reads a little HTML in
labels, and what people type is shown as text, never as markup.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from fund import chart_style
from fund.chart_style import MONEY_AXIS, RATIO_AXIS, text, vertical

_LOW, _HIGH, _POINT = "#c0392b", "#2e86c1", "#1f4e79"


def values_by_year(frame: pd.DataFrame) -> go.Figure:
    """Each year's value (before discounting), one stacked bar segment per outcome.
    ``frame`` is long: outcome, year ('Year 1' …, category words, not dates), value."""
    years = list(dict.fromkeys(frame["year"]))
    bars = [
        go.Bar(
            name=text(outcome),
            x=list(part["year"]),
            y=part["value"].astype(float),
            hovertemplate="%{x}<br>" + text(outcome) + ": £%{y:,.2f}<extra></extra>",
        )
        for outcome, part in frame.groupby("outcome", sort=False)
    ]
    layout = chart_style.layout(
        "Value by year, stacked by outcome (before discounting)",
        xaxis={
            "title": {"text": "Year of the outcomes"},
            "type": "category",
            "categoryorder": "array",
            "categoryarray": years,
        },
        yaxis={**MONEY_AXIS, "rangemode": "tozero"},
    )
    # Outcomes are named in sentences: their legend goes under the chart, one per line,
    # where it can be as long as it needs without running into the title.
    below = {"orientation": "v", "yanchor": "top", "y": -0.22, "x": 0}
    margin = {"t": 60, "b": 40 + 22 * len(bars), "l": 10, "r": 10}
    layout |= {"legend": below, "margin": margin, "height": 420 + 22 * len(bars)}
    return go.Figure(bars, layout=layout | {"barmode": "relative", "showlegend": True})


def tornado(frame: pd.DataFrame, point: float) -> go.Figure:
    """One bar per assumption from the ratio at its low value to the ratio at its high value,
    around the map's own ratio, the widest swing on top. ``frame`` has the columns
    bar (which assumption of which outcome), ratio_low and ratio_high, widest first."""
    names = [text(n) for n in frame["bar"]][::-1]  # plotly draws the first at the bottom
    low = frame["ratio_low"].astype(float).to_numpy()[::-1]
    high = frame["ratio_high"].astype(float).to_numpy()[::-1]
    bars = [
        go.Bar(
            name=label,
            y=names,
            x=ends - point,
            base=point,
            orientation="h",
            marker_color=colour,
            customdata=ends,
            hovertemplate="%{y}<br>" + label + ": %{customdata:.2f} : 1<extra></extra>",
        )
        for label, ends, colour in (
            ("At the low value", low, _LOW),
            ("At the high value", high, _HIGH),
        )
    ]
    layout = chart_style.layout(
        f"One-way sensitivity: the ratio at each assumption's low and high (point {point:.2f} : 1)",
        xaxis=RATIO_AXIS,
        yaxis={"title": {"text": "Assumption"}, "automargin": True, "type": "category"},
        height=max(320, 90 + 28 * len(names)),
        shapes=[vertical(point, _POINT, "solid"), vertical(1.0, "#7f8c8d", "dash")],
    )
    return go.Figure(bars, layout=layout | {"barmode": "overlay"})


def monte_carlo(ratios: np.ndarray, above_one: float, point: float) -> go.Figure:
    """The distribution of the ratio over the draws, with a line at 1 (break-even) and the
    probability that the ratio exceeds it in the title."""
    histogram = go.Histogram(
        x=ratios,
        nbinsx=60,
        marker_color=_HIGH,
        name="Draws",
        hovertemplate="Ratio %{x}<br>%{y:,} draws<extra></extra>",
    )
    layout = chart_style.layout(
        f"Monte Carlo, {len(ratios):,} draws: P(ratio > 1) = {above_one:.1%}",
        xaxis=RATIO_AXIS,
        yaxis={"title": {"text": "Draws"}},
        shapes=[vertical(1.0, "#7f8c8d", "dash"), vertical(point, _POINT, "solid")],
        annotations=[
            _note(1.0, "break-even 1 : 1"),
            _note(point, f"point {point:.2f} : 1"),
        ],
        showlegend=False,
    )
    return go.Figure([histogram], layout=layout)


def _note(x: float, words: str) -> dict:
    return {"x": x, "y": 1.0, "yref": "paper", "text": words, "showarrow": False, "yshift": 10}
