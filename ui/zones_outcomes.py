"""The Zones page's outcomes: the zone's area against its comparison areas over the periods,
and the estimate against the target. The effect, its 95% interval, the verdict and the
evidence level are the evidence module's judgement of the experiment (its difference in
differences): shown here, never computed."""

from __future__ import annotations

import streamlit as st

from fund.evidence import standards
from fund.zones.queries import ZoneView
from ui import evidence_chart, evidence_estimate, format, zones_charts, zones_new, zones_series
from ui.evidence_words import estimate as estimate_words
from ui.evidence_words import figure, missing, number, verdict


def section(chosen: ZoneView, *, writes: bool) -> None:
    chart(chosen)
    judged(chosen)
    if writes:
        st.subheader("Add comparison areas")
        zones_new.new_comparisons(int(chosen.zone["zone_id"]))
        zones_series.section(chosen)


def chart(chosen: ZoneView) -> None:
    """The latest outcome series, one line per area, the zone's bold and its start marked."""
    if chosen.series.empty:
        st.info("No outcome series yet: upload one (area, period, value) to measure the zone.")
        return
    plan = chosen.judged
    metric, unit = (
        ("Value", "as uploaded") if plan is None else (plan["metric"], plan["metric_unit"])
    )
    row = chosen.zone
    figure_shown = zones_charts.outcomes(
        chosen.series, row["area_name"], row["starts_on"], str(metric), str(unit)
    )
    st.plotly_chart(figure_shown, width="stretch", key="zones-series")
    st.caption(
        f"Results #{chosen.series['result_id'].iloc[0]}: the latest series uploaded. Periods"
        " beginning on or after the zone's start are after it."
    )


def judged(chosen: ZoneView) -> None:
    """The effect against the registered target, with the verdict and evidence level."""
    st.subheader("Estimate against the target")
    row = chosen.judged
    if row is None or missing(row["effect"]):
        st.info("No estimate yet: it appears once the experiment has results.")
        return
    level = standards.level(int(row["evidence_level"]))
    target = row["target_effect"]
    shown = st.container(horizontal=True, gap="medium")
    for label, value, why in (
        ("Effect", figure(row["effect"], signed=True), "The difference in differences"),
        ("95% interval", f"{figure(row['ci_low'])} to {figure(row['ci_high'])}", None),
        ("Target", "none" if missing(target) else number(target), "The registered plan's"),
        ("Verdict", verdict(row["verdict"]), f"Derived: {verdict(row['derived_verdict'])}"),
        ("Evidence level", f"{level.level} of {standards.HIGHEST}", level.label),
    ):
        shown.metric(label, value, help=why, width="content")
    st.plotly_chart(
        evidence_chart.estimate(
            evidence_estimate.shown(row, row["effect"], row["ci_low"], row["ci_high"])
        ),
        width="stretch",
        key="zones-estimate",
    )
    said = (
        f"{row['metric']} ({row['metric_unit']}): effect"
        f" {estimate_words(row['effect'], row['ci_low'], row['ci_high'])}, by {row['method']}."
        f" Evidence level {level.level}, {level.label}."
    )
    st.caption(format.plain(said))
    if not chosen.from_series:
        st.warning(
            f"This is the experiment's latest estimate (results #{row['result_id']}), not one"
            " of this zone's outcome series: upload the series to measure the zone against"
            " its comparison areas."
        )
