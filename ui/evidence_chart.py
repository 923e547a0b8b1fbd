"""The chart of an experiment's estimate: the effect with its 95% interval as a horizontal
error bar, against a line at zero (no effect) and a line at the registered target.

For a metric where lower is better the target is a fall, so its line is drawn below zero
and the chart says so. Names typed by people (the metric, its unit) are escaped: plotly
reads a little HTML in labels, and what people type is shown as text.
"""

from __future__ import annotations

from dataclasses import dataclass

import plotly.graph_objects as go

from ui.evidence_words import estimate as estimate_words
from ui.evidence_words import figure
from ui.sroi_charts import text, vertical

_POINT, _ZERO, _TARGET = "#1f4e79", "#7f8c8d", "#c0392b"


@dataclass(frozen=True, kw_only=True)
class Shown:
    """What the chart draws: an estimate and the plan it is judged against."""

    effect: float
    ci_low: float
    ci_high: float
    target: float | None  # the smallest improvement worth having (positive), if any
    higher_is_better: bool
    metric: str
    unit: str


def estimate(shown: Shown, *, label: str = "Latest results") -> go.Figure:
    """One horizontal error bar, with the zero and target lines and their labels."""
    target = _target_on_axis(shown)
    marker = go.Scatter(
        x=[shown.effect],
        y=[label],
        mode="markers",
        marker={"size": 14, "color": _POINT},
        error_x={
            "type": "data",
            "symmetric": False,
            "array": [shown.ci_high - shown.effect],
            "arrayminus": [shown.effect - shown.ci_low],
            "thickness": 3,
            "width": 10,
            "color": _POINT,
        },
        name="Effect, 95% interval",
        hovertemplate=(
            f"Effect {figure(shown.effect, signed=True)}<br>95% CI {figure(shown.ci_low)}"
            f" to {figure(shown.ci_high)}<extra></extra>"
        ),
    )
    lines = [vertical(0.0, _ZERO, "dash")]
    notes = [_note(0.0, "no effect")]
    if target is not None:
        lines.append(vertical(target, _TARGET, "dot"))
        notes.append(_note(target, f"target {figure(target, signed=True)}"))
    layout = {
        "title": {"text": _title(shown, target)},
        "xaxis": {
            "title": {
                "text": f"Change in {text(shown.metric)} ({text(shown.unit)}): {_direction(shown)}"
            },
            "range": _range(shown, target),
            "zeroline": False,
        },
        "yaxis": {"showticklabels": True, "automargin": True},
        "shapes": lines,
        "annotations": notes,
        "showlegend": False,
        "height": 260,
        "margin": {"t": 80, "b": 50, "l": 10, "r": 10},
    }
    return go.Figure([marker], layout=layout)


def _title(shown: Shown, target: float | None) -> str:
    said = "Effect " + estimate_words(shown.effect, shown.ci_low, shown.ci_high)
    if target is None:
        return said + "; the plan sets no target"
    return f"{said} against a target of {figure(target, signed=True)}"


def _target_on_axis(shown: Shown) -> float | None:
    """The target as an effect: a rise where higher is better, a fall where lower is."""
    if shown.target is None:
        return None
    return shown.target if shown.higher_is_better else -shown.target


def _direction(shown: Shown) -> str:
    if shown.higher_is_better:
        return "higher is better"
    return "lower is better, so the target is a fall, below zero"


def _range(shown: Shown, target: float | None) -> list[float]:
    """Wide enough for the interval, zero and the target, with room for their labels."""
    ends = [shown.ci_low, shown.ci_high, 0.0, *([] if target is None else [target])]
    low, high = min(ends), max(ends)
    pad = (high - low) * 0.12 or 1.0
    return [low - pad, high + pad]


def _note(x: float, words: str) -> dict:
    return {
        "x": x,
        "y": 1.0,
        "yref": "paper",
        "yanchor": "bottom",
        "text": words,
        "showarrow": False,
        "yshift": 4,
    }
