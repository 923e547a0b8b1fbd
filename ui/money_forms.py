"""The Allocate page's forms that move money: allocate, commit, record against a commitment,
and request a virement. Each reads the choices it offers and hands one service the rest."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from fund import db, ledger, register
from fund.auth import User
from fund.ledger import queries
from fund.money import format_gbp
from ui import forms, session

# What happened to a commitment, as the person says it, and the service that records it.
MOVEMENTS = {
    "Payment": ledger.pay,
    "Recovery (clawback or repayment)": ledger.recover,
    "Write-off": ledger.write_off,
    "Decommitment (release unspent)": ledger.decommit,
}


def _names(frame: pd.DataFrame, key: str, label: str):
    """A format_func showing each id by its label."""
    return dict(zip(frame[key], frame[label], strict=True)).get


def _value_date(form: forms.Form) -> object:
    today = db.today()
    return st.date_input(
        "Value date", value=today, max_value=today, format="DD/MM/YYYY", key=form.key("on")
    )


def allocate(user: User) -> None:
    programmes = register.programmes(session.cursor(), user)
    with forms.Form(
        "allocate", "Allocate", caption="From the programme's ring-fence to the programme."
    ) as form:
        programme = st.selectbox(
            "Programme",
            programmes["programme_id"],
            format_func=_names(programmes, "programme_id", "programme"),
            key=form.key("programme"),
        )
        amount = st.text_input("Amount (£)", placeholder="e.g. 25,000.00", key=form.key("amount"))
        on = _value_date(form)
        reason = st.text_input("Reason", key=form.key("reason"))
    if form.submitted:
        form.write(ledger.allocate, programme_id=programme, amount=amount, reason=reason, on=on)


def commit(user: User) -> None:
    con = session.cursor()
    listing = register.experiment_choices(con, user)
    with forms.Form("commit", "Commit", caption=_limits(register.ringfences(con, user))) as form:
        experiment = st.selectbox(
            "Experiment",
            listing["experiment_id"],
            format_func=_names(listing, "experiment_id", "label"),
            key=form.key("experiment"),
        )
        counterparty = st.text_input(
            "Counterparty (who receives the money)", key=form.key("counterparty")
        )
        amount = st.text_input("Amount (£)", key=form.key("amount"))
        on = _value_date(form)
        reason = st.text_input("Reason", key=form.key("reason"))
    if form.submitted:
        form.write(
            ledger.commit,
            experiment_id=experiment,
            amount=amount,
            counterparty=counterparty,
            reason=reason,
            on=on,
        )


def _limits(ringfences: pd.DataFrame) -> str:
    """The delegated limit of each ring-fence, where the person decides on an amount."""
    limits = "; ".join(
        f"{name}: {format_gbp(limit)}"
        for name, limit in zip(ringfences["name"], ringfences["delegated_limit"], strict=True)
    )
    return (
        "An award, contract or investment. Delegated limit "
        f"({limits}): above it, a commitment waits for a second fund manager's approval."
    )


def record(user: User) -> None:
    commitments = queries.commitments(session.cursor(), user)
    with forms.Form("pay", "Record") as form:
        kind = st.radio("What happened", list(MOVEMENTS), horizontal=True, key=form.key("kind"))
        chosen = st.selectbox(
            "Commitment",
            commitments["commitment_id"],
            format_func=_names(commitments, "commitment_id", "label"),
            key=form.key("commitment"),
        )
        amount = st.text_input("Amount (£)", key=form.key("amount"))
        on = _value_date(form)
        reason = st.text_input("Reason", key=form.key("reason"))
    if form.submitted:
        form.write(MOVEMENTS[kind], commitment_id=chosen, amount=amount, reason=reason, on=on)


def virement(user: User) -> None:
    programmes = register.programmes(session.cursor(), user)
    name = _names(programmes, "programme_id", "programme")
    with forms.Form(
        "vire",
        "Request virement",
        caption="Moves allocation between two programmes of one ring-fence. "
        "A second fund manager must approve it.",
    ) as form:
        source = st.selectbox(
            "From programme", programmes["programme_id"], format_func=name, key=form.key("from")
        )
        target = st.selectbox(
            "To programme",
            programmes["programme_id"],
            index=min(1, len(programmes) - 1),
            format_func=name,
            key=form.key("to"),
        )
        amount = st.text_input("Amount (£)", key=form.key("amount"))
        reason = st.text_input("Reason", key=form.key("reason"))
    if form.submitted:
        form.write(
            ledger.request_virement,
            from_programme_id=source,
            to_programme_id=target,
            amount=amount,
            reason=reason,
        )
