"""The Zones page's list of zones, which one the page is about, and the chosen zone's terms."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from fund.zones.queries import ZoneView
from ui import format

LISTED = ["zone_id", "area_name", "area_code", "budget", "paid", "stage", "comparison_areas"]
LISTED += ["waivers_in_force", "next_expiry", "starts_on", "ends_on", "experiment"]


def table(listing: pd.DataFrame) -> None:
    """Every zone with its money, stage, comparison areas and waivers in force."""
    format.table(listing[LISTED], key="zones-list")
    st.caption(
        "Budget: what the zone's commitment holds; paid: what has gone out on it. Waivers in"
        " force are granted and not yet expired; next expiry is the first of them to end."
    )


def choose(listing: pd.DataFrame) -> int:
    """The zone the rest of the page is about, picked by its number, area and code."""
    names = {
        int(row["zone_id"]): f"#{row['zone_id']} · {row['area_name']} ({row['area_code']})"
        for row in listing.to_dict("records")
    }
    return st.selectbox("Zone", list(names), format_func=names.get, key="zones-zone")


def details(chosen: ZoneView) -> None:
    """The zone's terms as recorded; the accountable official only for those who may see
    people (the query leaves the name out for the others). User text shown as text."""
    row = chosen.zone
    lines = [
        f"Area: {row['area_name']} ({row['area_code']})",
        f"Experiment: #{row['experiment_id']} {row['experiment']} ({row['programme']})",
        f"Commitment: #{row['commitment_id']} to {row['counterparty']}",
        f"Term: {row['starts_on']:%d/%m/%Y} to {row['ends_on']:%d/%m/%Y} ({row['stage']})",
    ]
    if "official" in row.index:
        lines.append(f"Accountable official: {row['official']}")
    st.text("\n".join(lines))
    if chosen.comparisons.empty:
        st.warning(
            "No comparison area: any effect claimed for this zone has nothing to be measured"
            " against."
        )
    else:
        areas = ", ".join(
            f"{a} ({c})"
            for c, a in zip(
                chosen.comparisons["area_code"], chosen.comparisons["area_name"], strict=True
            )
        )
        st.text(f"Compared with: {areas}")
