"""The Evidence page's results: a fund manager uploads a results file, sees its first rows
and the estimate it would give before saving it, or enters a summary per group and period;
everyone reads the results recorded so far.

The file is read and estimated by the fund (:func:`fund.evidence.views.preview`), by the
registered plan's design, exactly as saving it will; a bad file names every problem at once
and offers nothing to save.
"""

from __future__ import annotations

import duckdb
import pandas as pd
import streamlit as st

from fund.auth import User
from fund.evidence import observations, results, views
from fund.evidence.summary import FIELDS
from ui import evidence_chart, evidence_estimate, format, forms, session
from ui.evidence_words import estimate as estimate_words
from ui.evidence_words import figure, missing

UPLOAD, SUMMARY = "Record these results", "Record the summary"
_CELLS = pd.DataFrame(
    {
        "group": ["treated", "treated", "comparison", "comparison"],
        "post": ["0", "1", "0", "1"],
        "n": [""] * 4,
        "mean": [""] * 4,
        "sd": [""] * 4,
    }
)


def section(con: duckdb.DuckDBPyConnection, user: User, row: pd.Series, editable: bool) -> None:
    experiment_id = int(row["experiment_id"])
    design = row["planned_design"]
    if missing(row["registered_version"]):
        st.info("Results are judged against a registered plan: register one under Plan first.")
        return
    if design == "none":
        st.info(
            "The registered plan has design none (a small grant): there is no comparison to"
            " estimate. What it leaves is its lesson."
        )
    elif editable:
        _upload(experiment_id, row)
        with st.expander("Or enter the results as a summary (n, mean and sd per cell)"):
            _summary(experiment_id)
    _history(con, user, experiment_id)


# --- a results file ------------------------------------------------------------------------


def _upload(experiment_id: int, row: pd.Series) -> None:
    st.subheader("Upload a results file")
    form = forms.Form(f"evidence-upload-{experiment_id}", UPLOAD)
    upload = st.file_uploader(
        "Results file (CSV)",
        type=["csv"],
        key=form.key("file"),
        help=f"Columns: {', '.join(observations.COLUMNS)} (unit is optional). group is treated"
        " or comparison; post is 1 after the experiment began, else 0.",
    )
    if upload is None:
        forms.show_outcome(form.name)  # what the last upload did, once
        st.caption(
            f"Estimated by the registered plan's design, {row['planned_design']}. Nothing is"
            " saved until you have seen the first rows and the estimate."
        )
        return
    found = _read(upload.getvalue(), row["planned_design"])
    if found is None:
        return
    _preview(found, row)
    with form:
        evaluator = st.text_input(
            "Independent evaluator",
            help="Only when these are an independent evaluator's results: their name",
            key=form.key("evaluator"),
        )
        reason = st.text_input("Reason", key=form.key("reason"))
    if form.submitted:
        form.write(
            results.upload_results,
            experiment_id=experiment_id,
            text=found.text,
            evaluator=evaluator,
            reason=reason,
        )


def _read(data: bytes, design: str) -> views.Preview | None:
    """The file read and estimated; otherwise every problem with it, one to a line."""
    return forms.read_file(lambda: views.preview(data, design))


def _preview(found: views.Preview, row: pd.Series) -> None:
    shown = len(found.first)
    st.write(
        f"The first {format.count(shown, 'row')} of {format.count(found.rows, 'observation')}:"
    )
    format.table(found.first)
    result = found.estimate
    st.write(
        f"Saved, this file would give an effect of"
        f" {estimate_words(result.effect, result.ci_low, result.ci_high)}"
        f" on {result.n:,} observations, by {result.method}."
    )
    figure_shown = evidence_estimate.shown(row, result.effect, result.ci_low, result.ci_high)
    st.plotly_chart(
        evidence_chart.estimate(figure_shown, label="This file"),
        width="stretch",
        key="evidence-preview",
    )


# --- a summary -------------------------------------------------------------------------------


def _summary(experiment_id: int) -> None:
    with forms.Form(
        f"evidence-summary-{experiment_id}",
        SUMMARY,
        caption="Fill the cells the registered design uses; rows left blank are ignored, and"
        " a cell the design needs is named if it is missing.",
    ) as form:
        cells = st.data_editor(
            _CELLS,
            key=form.key("cells"),
            hide_index=True,
            width="stretch",
            disabled=["group", "post"],
            column_config={
                "group": st.column_config.TextColumn("Group"),
                "post": st.column_config.TextColumn("Post", help="1: after the start"),
                "n": st.column_config.TextColumn("n", help="How many were measured"),
                "mean": st.column_config.TextColumn("Mean"),
                "sd": st.column_config.TextColumn("Standard deviation"),
            },
        )
        evaluator = st.text_input("Independent evaluator", key=form.key("evaluator"))
        reason = st.text_input("Reason", key=form.key("reason"))
    if form.submitted:
        form.write(
            results.record_summary,
            experiment_id=experiment_id,
            cells=_given(cells),
            evaluator=evaluator,
            reason=reason,
        )


def _given(cells: pd.DataFrame) -> list[dict[str, object]]:
    """The rows with anything typed in them, as the service reads cells."""
    typed = cells[["n", "mean", "sd"]].fillna("").astype(str).apply(lambda c: c.str.strip())
    kept = cells[(typed != "").any(axis=1)]
    return kept[list(FIELDS)].to_dict("records")


# --- the results so far ------------------------------------------------------------------------


def _history(con: duckdb.DuckDBPyConnection, user: User, experiment_id: int) -> None:
    st.subheader("Results recorded")
    found = session.attempt(results.results, con, user, experiment_id)
    if found is None:
        return
    if found.empty:
        st.caption("None yet.")
        return
    shown = found.assign(
        effect=[figure(x, signed=True) for x in found["effect"]],
        interval=[
            f"{figure(low)} to {figure(high)}"
            for low, high in zip(found["ci_low"], found["ci_high"], strict=True)
        ],
    )
    columns = ["result_id", "recorded_at", "source", "plan_version", "design", "method"]
    columns += ["effect", "interval", "n", "evaluator", "recorded_by", "reason"]
    format.table(shown[[c for c in columns if c in shown.columns]])
