"""A fund manager's forms on the Ventures page: record an investment's terms on a social
venture commitment (a loan's rate and schedule, or equity's stake, and any follow-on
reserve), and record a valuation. Every field goes to :mod:`fund.ventures` as typed; a
refusal names the field and the rule, and keeps what was typed.

A form's fields cannot change with the type chosen inside it, so every field is shown: the
loan's are read only for a loan, the stake only for equity.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from fund import labels
from fund.auth import User
from fund.db import today
from fund.ventures import queries, terms, valuations
from ui import forms, session


def _offered(rows: pd.DataFrame) -> dict[int, str]:
    return {
        int(row["commitment_id"]): f"#{row['commitment_id']} · {row['experiment']}"
        f" → {row['counterparty']}"
        for row in rows.to_dict("records")
    }


def record(con, actor: User, *, reason: str, key: str, **fields):
    """The terms from the form's fields, then :func:`fund.ventures.terms.record_terms`."""
    return terms.record_terms(con, actor, terms.InvestmentTerms(**fields), key=key, reason=reason)


def investment_terms(user: User) -> None:
    """The terms form, offering the venture commitments that have none yet."""
    offered = _offered(queries.open_to_terms(session.cursor(), user))
    with forms.Form(
        "ventures-terms",
        "Record terms",
        caption="Terms go on the commitment of a social venture investment, once. A loan's"
        " schedule is made from its principal, rate, start, grace and instalments.",
    ) as form:
        left, right = st.columns(2)
        fields = {
            "commitment_id": left.selectbox(
                "Commitment",
                list(offered),
                format_func=offered.get,
                index=None,
                placeholder="Choose the venture commitment",
                key=form.key("commitment"),
            ),
            "investment_type": right.selectbox(
                "Type",
                list(terms.TYPES),
                format_func=lambda code: labels.value("investment_type", code),
                index=None,
                placeholder="Loan, equity or recoverable grant",
                key=form.key("type"),
            ),
        }
        st.write("A loan's terms")
        loan = st.columns(3)
        fields |= {
            "principal": loan[0].text_input(
                "Principal (£, blank: what the commitment holds)", key=form.key("principal")
            ),
            "interest_rate": loan[1].text_input("Interest rate (% a year)", key=form.key("rate")),
            "starts_on": loan[2].date_input(
                "Loan starts", value=None, format="DD/MM/YYYY", key=form.key("starts")
            ),
            "grace_months": loan[0].text_input(
                "Grace period (months)", value="0", key=form.key("grace")
            ),
            "instalments": loan[1].text_input("Instalments", key=form.key("instalments")),
            "every_months": loan[2].selectbox(
                "Repaid every (months)",
                list(terms.EVERY),
                index=None,
                placeholder="1, 3, 6 or 12",
                key=form.key("every"),
            ),
        }
        st.write("Equity, and any investment's reserve")
        rest = st.columns(2)
        fields |= {
            "stake": rest[0].text_input("Stake (% of the venture)", key=form.key("stake")),
            "follow_on_reserve": rest[1].text_input(
                "Follow-on reserve (£)", value="0", key=form.key("reserve")
            ),
        }
        reason = st.text_input("Reason", key=form.key("reason"))
    if form.submitted:
        form.write(record, reason=reason, **fields)


def valuation(listing: pd.DataFrame) -> None:
    """The valuation form, offering the investments with terms (``listing``)."""
    offered = _offered(listing)
    with forms.Form(
        "ventures-valuation",
        "Record valuation",
        caption="What the investment is worth on the day, and on what basis; written off is"
        " worth £0.00. No money moves.",
    ) as form:
        left, right = st.columns(2)
        fields = {
            "commitment_id": left.selectbox(
                "Investment",
                list(offered),
                format_func=offered.get,
                index=None,
                placeholder="Choose the investment",
                key=form.key("commitment"),
            ),
            "valued_on": right.date_input(
                "Valued on",
                value=None,
                max_value=today(),
                format="DD/MM/YYYY",
                key=form.key("on"),
            ),
            "value": left.text_input("Value (£)", key=form.key("value")),
            "basis": right.selectbox(
                "Basis",
                list(valuations.BASES),
                format_func=lambda code: labels.value("basis", code),
                index=None,
                placeholder="Cost, last round, written down or written off",
                key=form.key("basis"),
            ),
        }
        reason = st.text_input("Reason", key=form.key("reason"))
    if form.submitted:
        form.write(valuations.record_valuation, reason=reason, **fields)
