"""A fund manager uploads a zone's outcome series (area, period, value): its first rows and
the effect it would give are shown before anything is saved, as the Evidence page does for
a results file. The file is read and estimated by :func:`fund.zones.series.preview`, exactly
as saving it will; a bad file names every problem at once and offers nothing to save."""

from __future__ import annotations

import streamlit as st

from fund.zones import series
from fund.zones.queries import ZoneView
from ui import evidence_chart, evidence_estimate, format, forms, session
from ui.evidence_words import estimate as estimate_words

SAVE = "Record this series"
SHOWN = 6


def section(chosen: ZoneView) -> None:
    zone_id = int(chosen.zone["zone_id"])
    st.subheader("Upload an outcome series")
    form = forms.Form(f"zones-series-{zone_id}", SAVE)
    upload = st.file_uploader(
        "Outcome series (CSV)",
        type=["csv"],
        key=form.key("file"),
        help=f"Columns: {', '.join(series.COLUMNS)}. area is the ONS code of the zone or of"
        " a comparison area; period is 2025-04, 2025-Q2 or a first day such as 2025-04-01.",
    )
    if upload is None:
        forms.show_outcome(form.name)  # what the last upload did, once
        st.caption(
            "The zone's area is the treated group and its comparison areas the comparison; at"
            " least one period must come before the zone's start. Nothing is saved until you"
            " have seen the first rows and the estimate."
        )
        return
    data = upload.getvalue()
    found = _preview(zone_id, data)
    if found is None:
        return
    _shown(chosen, *found)
    with form:
        reason = st.text_input("Reason", key=form.key("reason"))
    if form.submitted:
        form.write(series.upload, zone_id=zone_id, data=data, reason=reason)


def _preview(zone_id: int, data: bytes):
    """The series read and estimated, or every problem with it, one to a line."""
    return forms.read_file(lambda: series.preview(session.cursor(), session.user(), zone_id, data))


def _shown(chosen: ZoneView, found: series.Series, result) -> None:
    rows = found.rows
    st.write(
        f"The first {format.count(min(SHOWN, len(rows)), 'row')} of"
        f" {format.count(len(rows), 'value')}, {format.count(rows['area_code'].nunique(), 'area')}:"
    )
    format.table(rows.head(SHOWN)[["file_row", "area_code", "group", "period", "post", "value"]])
    st.write(
        "Saved, this series would give an effect of"
        f" {estimate_words(result.effect, result.ci_low, result.ci_high)}"
        f" on {result.n:,} observations, by {format.plain(result.method)}."
    )
    if chosen.judged is not None:
        shown = evidence_estimate.shown(chosen.judged, result.effect, result.ci_low, result.ci_high)
        st.plotly_chart(
            evidence_chart.estimate(shown, label="This series"),
            width="stretch",
            key="zones-preview",
        )
