"""The Ventures page's J-curve of the fund's social venture investments: the net cash flow of each month (got
back less paid in) as bars and its running total as a line, which dips while the ventures
draw money and climbs as they pay it back. A title, axis labels and £ on the money axis
(:mod:`fund.chart_style`); plotting is the one place money becomes float, only for drawing.

The months are their first days, never "2026-01" strings, which plotly would read in its
own way.
"""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from fund import chart_style
from ui import format

_MONTH, _CUMULATIVE, _ZERO = "#2e86c1", "#1f4e79", "#7f8c8d"


def _pounds(value: float) -> str:
    """An axis tick as money is written: -£200,000, not plotly's £-200,000."""
    return f"-£{-value:,.0f}" if value < 0 else f"£{value:,.0f}"


def _ticks(values: list[float], count: int = 5) -> dict:
    """About ``count`` round ticks over ``values`` (steps of 1, 2, 2.5 or 5 a power of ten),
    each labelled as money is written, the sign before the £."""
    low, high = min(values), max(values)
    rough = (high - low) / count or 1.0
    power = 10 ** math.floor(math.log10(rough))
    step = next(power * s for s in (1, 2, 2.5, 5, 10) if power * s >= rough)
    ticks = [step * n for n in range(math.floor(low / step), math.ceil(high / step) + 1)]
    return {"tickmode": "array", "tickvals": ticks, "ticktext": [_pounds(t) for t in ticks]}


def j_curve(curve: pd.DataFrame) -> go.Figure:
    """``curve`` is :func:`fund.ventures.queries.j_curve` (month, paid_in, distributions,
    net_cash_flow, cumulative)."""
    months = [m.isoformat() for m in curve["month"]]
    bars = go.Bar(
        name="Net cash flow in the month",
        x=months,
        y=[float(v) for v in curve["net_cash_flow"]],
        marker_color=_MONTH,
        opacity=0.55,
        hovertemplate="%{x|%b %Y}<br>Net cash flow: £%{y:,.2f}<extra></extra>",
    )
    line = go.Scatter(
        name="Cumulative net cash flow",
        x=months,
        y=[float(v) for v in curve["cumulative"]],
        mode="lines+markers",
        line={"color": _CUMULATIVE, "width": 3},
        hovertemplate="%{x|%b %Y}<br>Cumulative: £%{y:,.2f}<extra></extra>",
    )
    layout = chart_style.layout(
        "J-curve: the fund's cumulative net cash flow from its social ventures",
        xaxis={"title": {"text": "Month (value date)"}, "type": "date", "tickformat": "%b %Y"},
        yaxis={
            **_ticks([*line.y, *bars.y, 0.0]),  # in £, as chart_style.MONEY_AXIS, signed
            "title": {"text": "Net cash flow, got back less paid in (£)"},
        },
        shapes=[chart_style.horizontal(0, _ZERO, "dot")],
    )
    return go.Figure([bars, line], layout=layout)


def section(curve: pd.DataFrame) -> None:
    """The chart and its months; a word instead while no money has moved."""
    if curve.empty:
        st.info("No money has moved on the fund's ventures yet: there is no curve to draw.")
        return
    st.plotly_chart(j_curve(curve), width="stretch", key="ventures-j-curve")
    st.caption(
        "Net cash flow: what the ventures paid back in the month less what they drew. The"
        " curve dips while money goes out and climbs as it comes back; residual value is not"
        " cash, so it is not on the curve."
    )
    format.table(curve, key="ventures-j-curve-table")
