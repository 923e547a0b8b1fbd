"""The ring-fences and programmes as a fund manager sets them up: what each ring-fence
declares and delegates, and each programme's target beside the money given to it."""

from __future__ import annotations

import streamlit as st

from fund import portfolio, register
from fund.auth import User
from ui import format, session

# Money first, free text last: the text columns are wide and the grid scrolls sideways.
RINGFENCE_COLUMNS = [
    "ringfence_id",
    "name",
    "declared_amount",
    "delegated_limit",
    "financial_years",
    "advertised_on",
    "owner_body",
    "purpose",
]
PROGRAMME_COLUMNS = [
    "programme_id",
    "programme",
    "allocated",
    "committed",
    "available",
    "experiments",
    "target",
    "ringfence",
]


def show(user: User) -> None:
    con = session.cursor()
    st.subheader("Ring-fences")
    format.table(register.ringfences(con, user)[RINGFENCE_COLUMNS], key="setup-ringfences")
    st.subheader("Programmes")
    money = portfolio.position(con, user, portfolio.Dimension.PROGRAMME)
    listing = register.programmes(con, user).merge(money, on=["ringfence", "programme"])
    format.table(listing[PROGRAMME_COLUMNS], key="setup-programmes")
