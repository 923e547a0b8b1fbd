"""Charts of the board's view, drawn once for the board page and the board pack alike. Each
has a title and axis titles; money axes are in £.

Money arrives as Decimal and becomes float only here, at the edge where it is drawn. Names
people typed (programmes, counterparties) are escaped: plotly reads a little HTML in labels,
and what people type is shown as text, never as markup.
"""

from __future__ import annotations

import textwrap

import pandas as pd
import plotly.graph_objects as go

from fund import chart_style
from fund.board.social_return import Band
from fund.chart_style import MONEY_AXIS, RATIO_AXIS, horizontal, text, vertical
from fund.labels import INSTRUMENTS
from fund.lessons.learning import LEVELS, NO_VERDICT, VERDICTS

_PAID, _COMMITTED, _PLAN, _LIMIT = "#1f4e79", "#2e86c1", "#7f8c8d", "#bdc3c7"
_BREACHED, _BREAK_EVEN = "#c0392b", "#7f8c8d"
_BY = {"programme": "Programme", "instrument": "Instrument"}


def _pounds(values: pd.Series) -> list[float | None]:
    """Decimal money as floats for drawing; a missing amount stays a gap in the line."""
    return [None if pd.isna(v) else float(v) for v in values]


def burn(frame: pd.DataFrame) -> go.Figure:
    """Money committed and paid to the end of each month, cumulative, against the plan: the
    ring-fence spent evenly over its declared years. ``frame`` is :attr:`Money.burn`."""
    months = [pd.Timestamp(m).to_pydatetime().date() for m in frame["month"]]
    lines = [
        ("Committed (cumulative)", "cumulative_committed", _COMMITTED, "solid"),
        ("Paid (cumulative)", "cumulative_paid", _PAID, "solid"),
        ("Planned (straight line)", "planned", _PLAN, "dash"),
    ]
    traces = [
        go.Scatter(
            name=name,
            x=months,
            y=_pounds(frame[column]),
            mode="lines",
            line={"color": colour, "dash": dash, "width": 2},
            hovertemplate="%{x|%b %Y}<br>" + name + ": £%{y:,.2f}<extra></extra>",
        )
        for name, column, colour, dash in lines
        if frame[column].notna().any()
    ]
    layout = chart_style.layout(
        "Money committed and paid against the plan, cumulative by month",
        xaxis={"title": {"text": "Month (by value date)"}, "type": "date"},
        yaxis={**MONEY_AXIS, "rangemode": "tozero"},
    )
    return go.Figure(traces, layout=layout)


def sroi_band(band: Band, point: float) -> go.Figure:
    """The fund's ratio over the Monte Carlo draws, with the 5th, 50th and 95th percentiles,
    the point ratio and break-even (1 : 1) marked."""
    histogram = go.Histogram(
        x=band.ratios,
        nbinsx=60,
        marker_color=_COMMITTED,
        name="Draws",
        hovertemplate="Ratio %{x}<br>%{y:,} draws<extra></extra>",
    )
    marks = [  # x, label, colour, dash, label row, which side of the line the label sits
        (band.p5, f"p5 {band.p5:.2f}", _PLAN, "dot", 0, "center"),
        (band.p50, f"p50 {band.p50:.2f}", _PAID, "dot", 0, "right"),
        (band.p95, f"p95 {band.p95:.2f}", _PLAN, "dot", 0, "center"),
        (point, f"point {point:.2f}", _PAID, "solid", 1, "left"),
        (1.0, "break-even 1 : 1", _BREAK_EVEN, "dash", 1, "left"),
    ]
    layout = chart_style.layout(
        f"The fund's SROI ratio over {band.draws:,} draws: 90% between {band.p5:.2f} and "
        f"{band.p95:.2f}, P(ratio > 1) = {band.p_above_one:.1%}",
        xaxis=RATIO_AXIS,
        yaxis={"title": {"text": "Draws"}},
        shapes=[vertical(x, colour, dash) for x, _, colour, dash, _, _ in marks],
        annotations=[_note(x, words, row, side) for x, words, _, _, row, side in marks],
        showlegend=False,
    )
    return go.Figure([histogram], layout=layout)


def sroi_by(frame: pd.DataFrame, by: str) -> go.Figure:
    """The SROI ratio of each programme or instrument (``by``), with break-even marked.
    ``frame`` is :attr:`SocialReturn.by_programme` or ``by_instrument``."""
    names = [text(INSTRUMENTS.get(str(n), n)) for n in frame[by]]
    ratios = [None if pd.isna(r) else float(r) for r in frame["sroi_ratio"]]
    bar = go.Bar(
        x=names,
        y=ratios,
        marker_color=_COMMITTED,
        text=[None if r is None else f"{r:.2f}" for r in ratios],
        textposition="outside",
        hovertemplate="%{x}<br>%{y:.2f} : 1<extra></extra>",
    )
    layout = chart_style.layout(
        f"SROI ratio by {by}",
        xaxis={"title": {"text": _BY.get(by, by)}, "type": "category", "automargin": True},
        yaxis={**RATIO_AXIS, "rangemode": "tozero", "automargin": True},
        shapes=[horizontal(1.0, _BREAK_EVEN, "dash")],
        showlegend=False,
    )
    return go.Figure([bar], layout=layout)


SHOWN_PER_LIMIT = 5  # a chart of every counterparty would be pages long; the table has them


def appetite(frame: pd.DataFrame) -> go.Figure:
    """Each limit's position beside the most it may be, in £, a breached one in red: the
    largest :data:`SHOWN_PER_LIMIT` subjects of each limit (a limit is the same amount for
    each of its subjects, so any breach is among them). ``frame`` is
    :func:`fund.board.appetite.position`, largest first within each limit."""
    frame = frame.groupby(["ringfence", "limit"], sort=False).head(SHOWN_PER_LIMIT)
    several = frame["ringfence"].nunique() > 1
    names = [
        _wrapped(f"{fence}: {limit}, {subject}" if several else f"{limit}: {subject}")
        for fence, limit, subject in zip(
            frame["ringfence"], frame["limit"], frame["subject"], strict=True
        )
    ][::-1]  # plotly draws the first at the bottom
    breached = [bool(b) for b in frame["breached"]][::-1]
    bars = [
        go.Bar(
            name="Limit",
            y=names,
            x=_pounds(frame["limit_amount"])[::-1],
            orientation="h",
            marker_color=_LIMIT,
            hovertemplate="%{y}<br>Limit: £%{x:,.2f}<extra></extra>",
        ),
        go.Bar(
            name="Position (red where over the limit)",
            y=names,
            x=_pounds(frame["position"])[::-1],
            orientation="h",
            marker_color=[_BREACHED if b else _PAID for b in breached],
            hovertemplate="%{y}<br>Position: £%{x:,.2f}<extra></extra>",
        ),
    ]
    layout = chart_style.layout(
        "Position against the risk appetite"
        + (f": {sum(breached)} limit(s) breached" if any(breached) else ", no limit breached"),
        xaxis={**MONEY_AXIS, "rangemode": "tozero"},
        yaxis={"title": {"text": "Limit"}, "type": "category", "automargin": True},
        height=max(320, 140 + 30 * sum(name.count("<br>") + 2 for name in names)),
    )
    return go.Figure(bars, layout=layout | {"barmode": "group"})


def _wrapped(words: str, width: int = 40, lines: int = 3) -> str:
    """A long label over a few short lines (escaped), so the bars keep the chart's width."""
    shown = textwrap.wrap(words, width, max_lines=lines, placeholder=" …")
    return "<br>".join(text(line) for line in shown)


def evidence_levels(figures: pd.DataFrame) -> go.Figure:
    """How many experiments stand at each Nesta evidence level (0 to 5).
    ``figures`` is :attr:`Learning.figures`."""
    return _counts(
        figures,
        {f"level_{level}": f"Level {level}" for level in LEVELS},
        "Experiments by the level of evidence reached",
        "Nesta standard of evidence",
    )


def verdicts(figures: pd.DataFrame) -> go.Figure:
    """How many experiments have each verdict, and how many have none yet."""
    names = {f"verdict_{v}": v.capitalize() for v in VERDICTS} | {
        f"verdict_{NO_VERDICT}": "No verdict yet"
    }
    return _counts(figures, names, "Experiments by verdict", "Verdict")


def _counts(figures: pd.DataFrame, names: dict[str, str], title: str, axis: str) -> go.Figure:
    counts = [0 if figures.empty else int(figures[column].iloc[0]) for column in names]
    bar = go.Bar(
        x=list(names.values()),
        y=counts,
        marker_color=_COMMITTED,
        text=counts,
        textposition="outside",
        hovertemplate="%{x}: %{y}<extra></extra>",
    )
    layout = chart_style.layout(
        title,
        xaxis={"title": {"text": axis}, "type": "category"},
        yaxis={"title": {"text": "Experiments"}, "rangemode": "tozero"},
        showlegend=False,
    )
    return go.Figure([bar], layout=layout)


def _note(x: float, words: str, row: int, side: str) -> dict:
    """A label over a vertical line; ``row`` 1 sits above row 0, so close lines' labels do
    not overlap."""
    return {
        "x": x,
        "y": 1.0,
        "yref": "paper",
        "text": words,
        "showarrow": False,
        "xanchor": side,
        "yshift": 10 + 16 * row,
    }
