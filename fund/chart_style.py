"""What every chart of Ringfence shares, in the app and in the board pack alike: a title and
a horizontal legend above the plot, money axes in £, the SROI ratio axis named the same way
everywhere, and lines across a chart at a value.

Names people typed are shown through :func:`text`: plotly reads a little HTML in labels, and
what people type is shown as text, never as markup.
"""

from __future__ import annotations

import html

MONEY_AXIS = {"title": {"text": "£"}, "tickprefix": "£", "tickformat": ",.0f"}
RATIO_AXIS = {"title": {"text": "SROI ratio (£ of social value per £1 put in)"}}


def layout(title: str, **axes: object) -> dict:
    """A chart's layout: its title, the legend above the plot, tight margins, and ``axes``
    (and any other layout setting, a height say) as given."""
    return {
        "title": {"text": title},
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0},
        "margin": {"t": 90, "b": 10, "l": 10, "r": 10},
        "height": 440,
        **axes,
    }


def text(value: object) -> str:
    """User text as plotly shows it literally."""
    return html.escape(str(value), quote=False)


def vertical(x: float, colour: str, dash: str) -> dict:
    """A vertical line across a chart at ``x`` (a percentile, a break-even, a target)."""
    return {
        "type": "line",
        "x0": x,
        "x1": x,
        "yref": "paper",
        "y0": 0,
        "y1": 1,
        "line": {"color": colour, "dash": dash, "width": 2},
    }


def horizontal(y: float, colour: str, dash: str) -> dict:
    """A horizontal line across a chart at ``y`` (a break-even)."""
    return {
        "type": "line",
        "y0": y,
        "y1": y,
        "xref": "paper",
        "x0": 0,
        "x1": 1,
        "line": {"color": colour, "dash": dash, "width": 2},
    }
