"""What the PbR contracts could still cost: every contract's exposure as a table, the chosen
one's as a waterfall, the outcome payments its profile forecasts, and its social
investors' returns. The figures are the services' own (:mod:`fund.pbr.exposure`,
:mod:`fund.pbr.investors`)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from fund.auth import User
from fund.money import format_gbp
from fund.pbr import exposure, investors
from fund.pbr.contracts import Contract
from ui import format, pbr_charts

EXPOSURE = ["name", *exposure.MONEY]  # the contract by name: its money fits the width


def section(con, user: User, chosen: Contract) -> None:
    figures = exposure.exposure(con, user)
    st.subheader("Every contract")
    format.table(figures[EXPOSURE], key="pbr-exposure")
    st.caption(
        "Maximum liability: the commitment, the contract's overall cap. Earned: verified"
        " outcomes × price within the caps. Contingent liability: what the rest of the"
        " contract could still cost. To recover: paid beyond what is now earned, after a"
        " verification was reversed."
    )
    row = figures[figures["contract_id"] == chosen.contract_id].iloc[0]
    st.plotly_chart(pbr_charts.waterfall(row), width="stretch", key="pbr-waterfall")
    if row["to_recover"] > 0:
        st.warning(
            f"{format_gbp(row['to_recover'])} paid on this contract is more than its verified"
            " outcomes have now earned: flagged for recovery."
        )
    _forecast(con, user, chosen)


def _forecast(con, user: User, chosen: Contract) -> None:
    st.subheader("Forecast outcome payments")
    ahead = exposure.forecast(con, user, chosen.contract_id)
    if ahead.empty:
        st.caption("No expected outcomes for periods still to come: nothing to forecast.")
        return
    st.plotly_chart(pbr_charts.forecast(ahead, chosen.name), width="stretch", key="pbr-forecast")
    st.caption(
        "Expected outcomes × price, each metric within what its cap leaves and the whole"
        " within the contingent liability; periods already ended are in the claims."
    )


def investor_returns(con, user, chosen: Contract) -> None:
    """Each social investor: committed, drawn, repaid, money multiple and the rate of their
    dated flows, or why there is none."""
    table = investors.investor_returns(con, user, chosen.contract_id)
    if table.empty:
        st.info("This contract has no social investors recorded.")
        return
    shown = pd.DataFrame(
        {
            "investor": table["name"],
            "committed": table["committed"],
            "drawn": table["drawn"],
            "repaid": table["repaid"],
            "multiple": [_multiple(m) for m in table["multiple"]],
            "annual_return": [
                _rate(r, why) for r, why in zip(table["irr"], table["irr_reason"], strict=True)
            ],
        }
    )
    format.table(shown, key="pbr-investors")
    st.caption(
        "Multiple: repaid over drawn. Annual return: the internal rate of return (IRR, by"
        " XIRR) of each investor's dated drawdowns and repayments, or why there is none."
    )


def _multiple(value) -> str:
    return "–" if value is None or pd.isna(value) else f"{value:.2f}×"


def _rate(rate, why) -> str:
    return f"no rate: {why}" if rate is None or pd.isna(rate) else f"{rate:.2%}"
