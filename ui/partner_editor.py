"""An experiment's partners, edited as a table: name, sector, role and match funding.

Money is shown as £12,500.00 and sent back as typed ("£12,500", "12500.00", "12,500.50"), for
:func:`fund.money.to_money` to read. Every row goes to the service as the person left it,
blank cells as None: the service, not the screen, decides that a wholly blank row is no
partner and refuses any other incomplete row by its number.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from fund.money import format_gbp
from fund.register import PartnerRole, PartnerShare, Sector
from ui import format

MONEY = ("match_cash", "match_in_kind")
COLUMNS = ["name", "sector", "role", *MONEY]

_CONFIG = {
    "name": st.column_config.TextColumn("Partner"),
    "sector": st.column_config.SelectboxColumn("Sector", options=[format.words(s) for s in Sector]),
    "role": st.column_config.SelectboxColumn(
        "Role", options=[format.words(r) for r in PartnerRole]
    ),
    "match_cash": st.column_config.TextColumn("Match funding, cash (£)"),
    "match_in_kind": st.column_config.TextColumn("Match funding, in kind (£)"),
}


def editor(partners: pd.DataFrame | None, *, key: str) -> list[PartnerShare]:
    """The partner table (``partners`` as :func:`fund.register.partners` reads them, None
    for a new experiment); every row as typed."""
    st.write("Partners and their match funding")
    st.caption(
        "Amounts in pounds, e.g. £12,500.00 or 12500; a blank amount means none. A row left"
        " wholly empty is ignored; any other row needs a partner, a sector and a role."
    )
    edited = st.data_editor(
        _shown(partners),
        key=key,
        num_rows="dynamic",
        hide_index=True,
        width="stretch",
        column_config=_CONFIG,
    )
    return rows(edited)


def _shown(partners: pd.DataFrame | None) -> pd.DataFrame:
    """Codes in words and money as £12,500.00: what the person reads and edits."""
    if partners is None:
        return pd.DataFrame({column: pd.Series(dtype="object") for column in COLUMNS})
    money = {column: partners[column].map(format_gbp).astype("object") for column in MONEY}
    return format.readable(partners[COLUMNS]).assign(**money)


def rows(edited: pd.DataFrame) -> list[PartnerShare]:
    """Every row of the edited table, blank cells as None; none is dropped here."""
    typed = edited[COLUMNS].astype("object")
    typed = typed.where(typed.notna(), None)
    return [PartnerShare(**row) for row in typed.to_dict("records")]
