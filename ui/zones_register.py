"""The Zones page's waiver register: every waiver of the zone on a timeline from its grant to
its expiry, against today, then the register itself. Every reading role sees it; who granted
or ended a waiver, and who recorded it, only those who may see people (the query drops the
names for board members)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from fund.db import today
from fund.zones.queries import ZoneView
from ui import format, zones_charts, zones_waivers

REGISTER = ["waiver_id", "rule", "source", "legal_basis", "scope", "status", "granted_on"]
REGISTER += ["granted_by", "expires_on", "days_left", "renews", "renewed_by", "ended_on"]
REGISTER += ["ended_by", "recorded_by", "recorded_at", "reason"]


def section(chosen: ZoneView, *, writes: bool) -> None:
    """The timeline and the register; a fund manager also gets the waivers' forms."""
    register = chosen.waivers
    if register.empty:
        st.info("No waiver is recorded for this zone: every national rule applies in it.")
    else:
        figure = zones_charts.timeline(register, chosen.zone["area_name"], today())
        st.plotly_chart(figure, width="stretch", key="zones-timeline")
        st.caption(
            "A waiver holds to the end of its expiry date. A renewal is a new waiver that names"
            " the one it renews; a revoked or permanent waiver keeps its bar to the expiry it"
            " had, and says when it ended in the register below."
        )
        st.subheader("Waiver register")
        format.table(shown(register), key="zones-register")
    if writes:
        zones_waivers.section(chosen)


def shown(register: pd.DataFrame) -> pd.DataFrame:
    """The register's columns that the reader may see, in order; statuses in words."""
    columns = [c for c in REGISTER if c in register.columns]
    picked = register[columns].assign(status=register["status"].str.capitalize())
    return picked.rename(columns={"source": "legislation_or_guidance"})
