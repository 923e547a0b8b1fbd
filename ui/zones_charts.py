"""Charts of an experimental zone: its waiver register as a timeline (each waiver from its
grant to its expiry, against today), and its outcome series against its comparison areas
(the zone's start marked). Every chart has a title and axis labels (:mod:`fund.chart_style`).

The dates on the axes are the periods' first days, never "2026-01" strings, which plotly
would read in its own way. Rules and area names are typed by people: shown as text.
"""

from __future__ import annotations

import textwrap
from datetime import date, datetime

import pandas as pd
import plotly.graph_objects as go

from fund import chart_style
from fund.labels import DATE
from fund.zones.waivers import STATUSES

STATUS_COLOURS = {
    "requested": "#7f8c8d",
    "granted": "#1e8449",
    "expired": "#c0392b",
    "revoked": "#6c3483",
    "made permanent": "#2e86c1",
}
_TODAY, _START = "#f39c12", "#34495e"
_ZONE, _COMPARED = "#1f4e79", ("#e67e22", "#16a085", "#8e44ad", "#7f8c8d", "#c0392b")
_DAY_MS = 24 * 60 * 60 * 1000


def _start(row: pd.Series) -> date:
    """A waiver's bar begins when it was granted or, while only requested, recorded."""
    granted = row["granted_on"]
    if not pd.isna(granted):
        return granted
    recorded = row["recorded_at"]
    return recorded.date() if isinstance(recorded, datetime) else pd.Timestamp(recorded).date()


def _wrapped(words: str, width: int = 45) -> str:
    """A long axis title (a metric and its unit) over lines, not cut at the chart's edge."""
    return "<br>".join(chart_style.text(line) for line in textwrap.wrap(words, width))


def _label(row: pd.Series, width: int = 48) -> str:
    """The waiver's number and rule, a long rule shortened (the hover gives it whole)."""
    rule = textwrap.shorten(str(row["rule"]), width, placeholder="…")
    return f"#{row['waiver_id']} {chart_style.text(rule)}"


def _line_note(x: date, words: str, colour: str) -> dict:
    return {
        "x": x.isoformat(),
        "y": 1,
        "yref": "paper",
        "text": words,
        "showarrow": False,
        "xanchor": "left",
        "yanchor": "top",  # inside the plot, below the legend
        "bgcolor": "rgba(255, 255, 255, 0.8)",
        "font": {"color": colour},
    }


def timeline(waivers: pd.DataFrame, zone: str, today: date) -> go.Figure:
    """One bar per waiver, from its grant (or its recording, while requested) to its expiry,
    coloured by status, with a line at ``today``. ``waivers`` is the zone's register."""
    starts = [_start(row) for _, row in waivers.iterrows()]
    shown = waivers.assign(_start=starts, _label=[_label(r) for _, r in waivers.iterrows()])
    bars = []
    for status in STATUSES:
        rows = shown[shown["status"] == status]
        if rows.empty:
            continue
        bars.append(
            go.Bar(
                name=status.capitalize(),
                orientation="h",
                y=list(rows["_label"]),
                base=[d.isoformat() for d in rows["_start"]],
                x=[
                    (e - s).days * _DAY_MS
                    for s, e in zip(rows["_start"], rows["expires_on"], strict=True)
                ],
                marker_color=STATUS_COLOURS[status],
                customdata=[
                    [f"#{n} {chart_style.text(r)}", s.strftime(DATE), e.strftime(DATE)]
                    for n, r, s, e in zip(
                        rows["waiver_id"],
                        rows["rule"],
                        rows["_start"],
                        rows["expires_on"],
                        strict=True,
                    )
                ],
                hovertemplate="%{customdata[0]}<br>%{customdata[1]} to %{customdata[2]}<br>"
                + status.capitalize()
                + "<extra></extra>",
            )
        )
    order = list(reversed(shown["_label"]))  # the first waiver at the top
    layout = chart_style.layout(
        f"Waivers of {chart_style.text(zone)}: from grant to expiry",
        xaxis={"title": {"text": "Date (from grant, or request, to expiry)"}, "type": "date"},
        yaxis={
            "title": {"text": "Waiver"},
            "type": "category",
            "categoryorder": "array",
            "categoryarray": order,
            "automargin": True,
        },
        barmode="overlay",
        showlegend=True,  # the colour is the status, even when every waiver shares one
        height=max(240, 160 + 45 * len(order)),
        shapes=[chart_style.vertical(today.isoformat(), _TODAY, "dash")],
        annotations=[_line_note(today, f"Today, {today.strftime(DATE)}", _TODAY)],
    )
    return go.Figure(bars, layout=layout)


def outcomes(series: pd.DataFrame, zone: str, starts_on: date, metric: str, unit: str) -> go.Figure:
    """The zone's area against each comparison area over the periods, one line per area (the
    zone's bold), with the zone's start marked. ``series`` is :attr:`ZoneView.series`."""
    lines = []
    compared = iter(_COMPARED * (1 + len(series) // len(_COMPARED)))
    for code, rows in series.groupby("area_code", sort=False):
        own = rows["group"].iloc[0] == "zone"
        name = f"{chart_style.text(rows['area_name'].iloc[0])} ({code})"
        lines.append(
            go.Scatter(
                name=("Zone: " if own else "") + name,
                x=[d.isoformat() for d in rows.sort_values("period_start")["period_start"]],
                y=list(rows.sort_values("period_start")["value"].astype(float)),
                mode="lines+markers" if len(rows) <= 12 else "lines",
                line={"color": _ZONE if own else next(compared), "width": 4 if own else 2},
                hovertemplate="%{x|%b %Y}<br>" + name + ": %{y:,.4g}<extra></extra>",
            )
        )
    lines.sort(key=lambda line: not line.name.startswith("Zone: "))  # the zone first in the key
    layout = chart_style.layout(
        f"{chart_style.text(zone)} against its comparison areas",
        xaxis={"title": {"text": "Period (its first day)"}, "type": "date", "tickformat": "%b %Y"},
        yaxis={"title": {"text": _wrapped(f"{metric} ({unit})")}},
        shapes=[chart_style.vertical(starts_on.isoformat(), _START, "dot")],
        annotations=[_line_note(starts_on, f"Zone starts, {starts_on.strftime(DATE)}", _START)],
    )
    return go.Figure(lines, layout=layout)
