"""The SROI page's sensitivity: the tornado of one-way swings, the switching values, and the
Monte Carlo distribution of the ratio with the chance that it exceeds 1."""

from __future__ import annotations

import streamlit as st

from fund import labels
from fund.sroi import sensitivity, views
from fund.sroi.report import Report
from ui import format, session, sroi_charts

TORNADO_BARS = 15  # the widest swings; the switching values list every assumption
_DEFAULT = sensitivity.DEFAULT_RANGE


def section(report: Report) -> None:
    """Sensitivity of the report's ratio; a map without inputs has no ratio to test."""
    if report.result.sroi_ratio is None:
        st.info("Nothing has been paid or pledged to this experiment yet: no ratio to test.")
        return
    drawn = st.toggle(
        "Also draw the assumptions the map gives no range for, from the default ranges",
        value=not views.has_ranges(report.impact_map),
        key=f"sroi-default-ranges-{report.experiment.experiment_id}",
        help=f"Quantity and proxy ±{_DEFAULT.relative:.0%} of their value; each deduction and"
        f" drop-off ±{_DEFAULT.absolute} (within 0 to 1); {_DEFAULT.distribution}.",
    )
    with st.spinner("Drawing 10,000 variations of the map…"):
        found = session.attempt(views.sensitivities, report, default_ranges=drawn)
    if found is None:
        return
    _monte_carlo(found.monte_carlo)
    point = found.monte_carlo.point
    top = found.tornado.head(TORNADO_BARS)
    st.plotly_chart(sroi_charts.tornado(top, point), width="stretch", key="sroi-tornado")
    st.caption(
        f"The {len(top)} widest of {len(found.tornado)} swings. * marks an assumption the map"
        " gives no range for: it swings over the default range."
    )
    st.subheader("Switching values")
    st.caption(
        "How far each assumption must move, all else held, for the ratio to fall (or rise) to 1 : 1."
    )
    format.table(found.switching)


def _monte_carlo(result: sensitivity.MonteCarlo) -> None:
    if not result.drawn:
        st.info(
            "The map gives no ranges, so nothing was drawn: switch on the default ranges above,"
            " or give ranges in the impact map."
        )
        return
    st.plotly_chart(
        sroi_charts.monte_carlo(result.ratios, result.p_above_one, result.point),
        width="stretch",
        key="sroi-monte-carlo",
    )
    st.caption(
        f"{format.count(len(result.drawn), 'assumption')} drawn over"
        f" {result.draws:,} draws (seed {result.seed}). The ratio's 5th percentile is"
        f" {labels.ratio(result.p5)}, its median {labels.ratio(result.p50)}, its 95th"
        f" {labels.ratio(result.p95)}."
    )
