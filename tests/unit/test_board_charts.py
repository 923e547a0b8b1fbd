"""The board's charts: each has a title and axis titles, money is drawn in £, dates are dates,
a breached limit stands out, and what people typed is shown as text, never as markup."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from fund.board import charts
from fund.board.social_return import Band

RATIO = "SROI ratio (£ of social value per £1 put in)"


def burn() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "month": [date(2025, 4, 1), date(2025, 5, 1), date(2025, 6, 1)],
            "paid": [Decimal("100.00"), Decimal("50.50"), Decimal("0.00")],
            "cumulative_committed": [Decimal("1000.00"), Decimal("1500.00"), Decimal("1500.00")],
            "cumulative_paid": [Decimal("100.00"), Decimal("150.50"), Decimal("150.50")],
            "planned": pd.Series(
                [Decimal("416.67"), Decimal("833.33"), Decimal("1250.00")], dtype=object
            ),
        }
    )


def band() -> Band:
    ratios = np.linspace(0.8, 3.2, 200)
    return Band(draws=200, seed=1, p5=0.92, p50=2.0, p95=3.08, p_above_one=0.92, ratios=ratios)


def appetite(breached: bool) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "ringfence": ["Fund A", "Fund A"],
            "limit": ["High-risk experiments", "Per counterparty"],
            "subject": ["High risk", "<b>Acme</b> Ltd, a counterparty with a long name " * 3],
            "share_limit": [Decimal("25.00"), Decimal("10.00")],
            "limit_amount": [Decimal("250000.00"), Decimal("100000.00")],
            "position": [Decimal("300000.00") if breached else Decimal("1.00"), Decimal("5.00")],
            "share": [Decimal("30.00"), Decimal("0.01")],
            "headroom": [Decimal("-50000.00"), Decimal("99995.00")],
            "breached": [breached, False],
        }
    )


def by(name: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            name: ["Mental health", "small_grant"],
            "sroi_ratio": [2.5, None],
        }
    )


def figures() -> pd.DataFrame:
    counts = {f"level_{n}": n for n in range(6)} | {
        "verdict_scale": 4,
        "verdict_adapt": 2,
        "verdict_stop": 1,
        "verdict_inconclusive": 0,
        "verdict_none": 9,
    }
    return pd.DataFrame([counts])


def titled(figure: go.Figure) -> None:
    layout = figure.layout
    assert layout.title.text
    assert layout.xaxis.title.text
    assert layout.yaxis.title.text


def in_pounds(axis: go.layout.XAxis | go.layout.YAxis) -> None:
    assert axis.tickprefix == "£"
    assert "£" in axis.title.text


def test_the_burn_draws_committed_paid_and_the_plan_in_pounds_by_real_dates() -> None:
    figure = charts.burn(burn())
    titled(figure)
    in_pounds(figure.layout.yaxis)
    assert figure.layout.xaxis.type == "date"
    assert [t.name for t in figure.data] == [
        "Committed (cumulative)",
        "Paid (cumulative)",
        "Planned (straight line)",
    ]
    assert all(isinstance(x, date) for x in figure.data[0].x)
    assert list(figure.data[1].y) == [100.0, 150.5, 150.5]


def test_the_burn_has_no_plan_line_when_the_years_name_no_plan() -> None:
    frame = burn().assign(planned=pd.Series([None] * 3, dtype=object))
    assert "Planned (straight line)" not in [t.name for t in charts.burn(frame).data]


def test_the_band_marks_its_percentiles_the_point_and_break_even() -> None:
    figure = charts.sroi_band(band(), 2.1)
    titled(figure)
    assert figure.layout.xaxis.title.text == RATIO
    assert sorted(shape.x0 for shape in figure.layout.shapes) == [0.92, 1.0, 2.0, 2.1, 3.08]
    notes = " ".join(note.text for note in figure.layout.annotations)
    assert all(word in notes for word in ("p5 0.92", "p50 2.00", "p95 3.08", "1 : 1"))
    assert "92.0%" in figure.layout.title.text


@pytest.mark.parametrize("name", ["programme", "instrument"])
def test_the_ratio_by_programme_or_instrument_marks_break_even(name: str) -> None:
    figure = charts.sroi_by(by(name), name)
    titled(figure)
    assert figure.layout.yaxis.title.text == RATIO
    assert figure.layout.xaxis.title.text == name.capitalize()
    assert list(figure.data[0].x) == ["Mental health", "Small grant"]
    assert list(figure.data[0].y) == [2.5, None]
    assert figure.layout.shapes[0].y0 == 1.0


def test_a_breached_limit_is_drawn_in_the_warning_colour_in_pounds() -> None:
    figure = charts.appetite(appetite(breached=True))
    titled(figure)
    in_pounds(figure.layout.xaxis)
    colours = figure.data[1].marker.color
    assert colours[-1] == "#c0392b"  # the first row is drawn at the top, so last
    assert colours[0] != "#c0392b"
    assert "1 limit(s) breached" in figure.layout.title.text
    assert list(figure.data[1].x) == [5.0, 300000.0]


def test_no_breach_is_said_in_the_title_and_no_bar_is_red() -> None:
    figure = charts.appetite(appetite(breached=False))
    assert "no limit breached" in figure.layout.title.text
    assert "#c0392b" not in figure.data[1].marker.color


def test_typed_names_are_shown_as_text_and_wrapped_not_markup() -> None:
    names = charts.appetite(appetite(breached=False)).data[0].y
    long = names[0]
    assert "<b>" not in long
    assert "&lt;b&gt;Acme&lt;/b&gt;" in long
    assert 1 <= long.count("<br>") <= 2


def test_evidence_levels_and_verdicts_count_experiments() -> None:
    levels = charts.evidence_levels(figures())
    verdicts = charts.verdicts(figures())
    for figure in (levels, verdicts):
        titled(figure)
        assert figure.layout.yaxis.title.text == "Experiments"
    assert list(levels.data[0].x) == [f"Level {n}" for n in range(6)]
    assert list(levels.data[0].y) == list(range(6))
    assert list(verdicts.data[0].x) == ["Scale", "Adapt", "Stop", "Inconclusive", "No verdict yet"]
    assert list(verdicts.data[0].y) == [4, 2, 1, 0, 9]
