"""The Evidence page's estimate: the latest results' effect and 95% interval on one chart,
against zero and the registered target, with how it was estimated."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ui import evidence_chart
from ui.evidence_words import missing


def section(row: pd.Series) -> None:
    if missing(row["effect"]):
        st.info("No results yet: the estimate appears here once results are recorded.")
        return
    figure = evidence_chart.estimate(shown(row, row["effect"], row["ci_low"], row["ci_high"]))
    st.plotly_chart(figure, width="stretch", key="evidence-estimate")
    st.caption(
        f"By {row['method']} ({row['design']} design) on {int(row['n']):,} observations;"
        f" judged against the registered plan, version {row['registered_version']}."
    )


def shown(row: pd.Series, effect: float, ci_low: float, ci_high: float) -> evidence_chart.Shown:
    """An estimate (the latest results', or a file's before it is saved) against the plan in
    the experiment's row."""
    target = row["target_effect"]
    return evidence_chart.Shown(
        effect=float(effect),
        ci_low=float(ci_low),
        ci_high=float(ci_high),
        target=None if missing(target) else float(target),
        higher_is_better=bool(row["higher_is_better"]),
        metric=str(row["metric"]),
        unit=str(row["metric_unit"]),
    )
