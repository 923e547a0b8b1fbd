"""Charts of the payment-by-results contracts: one contract's exposure as a waterfall, and the
outcome payments its expected-outcomes profile forecasts. Every chart has a title, axis
labels and £ on its money axis (:mod:`fund.chart_style`).

The figures come whole from :mod:`fund.pbr.exposure`; plotting is the one place money
becomes float, and only for drawing.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from fund import chart_style
from fund.labels import DATE

_PAID, _UNPAID, _CONTINGENT, _LIABILITY = "#f39c12", "#2e86c1", "#7f8c8d", "#1f4e79"


def waterfall(row: pd.Series) -> go.Figure:
    """From the contract's maximum liability, down by what was paid and what is verified but
    unpaid, to the contingent liability the rest of the contract could still cost. ``row`` is
    one contract of :func:`fund.pbr.exposure.exposure`; the last bar is its own figure."""
    steps = [
        ("Maximum liability", "absolute", row["maximum_liability"]),
        ("Paid", "relative", -row["paid"]),
        ("Verified, unpaid", "relative", -row["verified_unpaid"]),
        ("Contingent liability", "absolute", row["contingent_liability"]),
    ]
    chart = go.Waterfall(
        x=[name for name, _, _ in steps],
        measure=[measure for _, measure, _ in steps],
        y=[float(amount) for _, _, amount in steps],
        text=[f"£{abs(float(amount)):,.2f}" for _, _, amount in steps],
        textposition="outside",
        connector={"line": {"color": "#bbbbbb", "dash": "dot"}},
        decreasing={"marker": {"color": _PAID}},
        increasing={"marker": {"color": _UNPAID}},
        totals={"marker": {"color": _LIABILITY}},
        hovertemplate="%{x}: %{text}<extra></extra>",
        showlegend=False,
    )
    title = f"Exposure of {chart_style.text(row['name'])}"
    layout = chart_style.layout(
        title,
        xaxis={"title": {"text": "Stage of the contract's money"}, "type": "category"},
        yaxis={**chart_style.MONEY_AXIS, "rangemode": "tozero"},
    )
    return go.Figure(chart, layout=layout)


def forecast(frame: pd.DataFrame, contract: str) -> go.Figure:
    """Forecast outcome payments by period end, one bar per metric, stacked: ``frame`` is
    :func:`fund.pbr.exposure.forecast` (metric, period_end, quantity, payment)."""
    ends = pd.to_datetime(frame["period_end"])
    bars = [
        go.Bar(
            name=chart_style.text(metric),
            x=list(ends[frame["metric"] == metric].dt.strftime(DATE)),
            y=[float(p) for p in frame.loc[frame["metric"] == metric, "payment"]],
            hovertemplate="%{x}<br>" + chart_style.text(metric) + ": £%{y:,.2f}<extra></extra>",
        )
        for metric in frame["metric"].unique()
    ]
    layout = chart_style.layout(
        f"Forecast outcome payments of {chart_style.text(contract)}",
        xaxis={
            "title": {"text": "Period ending"},
            "type": "category",
            "categoryorder": "array",
            "categoryarray": list(dict.fromkeys(ends.sort_values().dt.strftime(DATE))),
        },
        yaxis={**chart_style.MONEY_AXIS, "rangemode": "tozero"},
        barmode="stack",
        height=380,
    )
    return go.Figure(bars, layout=layout)
