"""A fund manager puts a commitment on payment-by-results terms: the contract's fields, its
rate card, cohorts and expected-outcomes profile, each edited as a table, in one write.

Every cell goes to :mod:`fund.pbr.contracts` as typed; a refusal names the field and the
rule, and for a table's line its row ("rate card row 2: unit price: …"). A row left wholly
empty is no line.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from fund.auth import User
from fund.errors import ValidationError
from fund.pbr import contracts
from fund.pbr.rate_card import rate
from ui import forms, session

RATES = {
    "metric": st.column_config.TextColumn("Outcome metric"),
    "definition": st.column_config.TextColumn("Definition", width="large"),
    "unit_price": st.column_config.TextColumn("Unit price (£)"),
    "cap": st.column_config.TextColumn("Cap (£, blank: none)"),
}
COHORTS = {
    "name": st.column_config.TextColumn("Cohort"),
    "starts_on": st.column_config.TextColumn("Starts on (YYYY-MM-DD)"),
    "participants": st.column_config.TextColumn("Participants"),
}
EXPECTED = {
    "metric": st.column_config.TextColumn("Outcome metric"),
    "period_end": st.column_config.TextColumn("By (YYYY-MM-DD)"),
    "quantity": st.column_config.TextColumn("Expected outcomes"),
}


def section(user: User) -> None:
    """The form, offering the commitments a contract may go on."""
    free = contracts.open_to_contract(session.cursor(), user)
    labels = dict(zip(free["commitment_id"], free["label"], strict=True))
    with forms.Form(
        "pbr-contract",
        "Add contract",
        caption="Only the commitment of a payment-by-results experiment, with nothing paid"
        " yet, takes a contract: from then on it pays only what verified outcomes earn.",
    ) as form:
        fields = _fields(form, labels)
        st.write("Rate card")
        rates = _table(form, "rates", RATES)
        left, right = st.columns(2)
        with left:
            st.write("Cohorts")
            cohorts = _table(form, "cohorts", COHORTS)
        with right:
            st.write("Expected outcomes (optional; the forecast's base)")
            expected = _table(form, "expected", EXPECTED)
        reason = st.text_input("Reason", key=form.key("reason"))
    if form.submitted:
        form.write(add, rates=rates, cohorts=cohorts, expected=expected, reason=reason, **fields)


def _fields(form: forms.Form, commitments: dict) -> dict[str, object]:
    commitment = st.selectbox(
        "Commitment",
        list(commitments),
        format_func=commitments.get,
        index=None,
        placeholder="Choose the commitment the contract pays on",
        key=form.key("commitment"),
    )
    left, right = st.columns(2)
    fields = {
        "commitment_id": commitment,
        "name": left.text_input("Contract name", key=form.key("name")),
        "provider": right.text_input("Provider", key=form.key("provider")),
        "outcome_payer": left.text_input("Outcome payer", key=form.key("payer")),
        "verifier": right.text_input("Verifier", key=form.key("verifier")),
        "starts_on": left.date_input(
            "Term starts", value=None, format="DD/MM/YYYY", key=form.key("starts")
        ),
        "ends_on": right.date_input(
            "Term ends", value=None, format="DD/MM/YYYY", key=form.key("ends")
        ),
        "max_per_participant": left.text_input(
            "Most one participant may earn (£, blank: no such cap)", key=form.key("per-person")
        ),
    }
    fields["baseline_rule"] = st.text_area(
        "Comparison or baseline rule", key=form.key("baseline"), height=80
    )
    return fields


def _table(form: forms.Form, name: str, config: dict) -> list[dict]:
    """An editable table of text cells; its rows as typed, blank cells as None."""
    empty = pd.DataFrame({column: pd.Series(dtype="object") for column in config})
    edited = st.data_editor(
        empty,
        key=form.key(name),
        num_rows="dynamic",
        hide_index=True,
        width="stretch",
        column_config=config,
    )
    typed = edited[list(config)].astype("object")
    return typed.where(typed.notna(), None).to_dict("records")


def add(con, actor: User, *, rates, cohorts, expected, reason: str, key: str, **fields):
    """The terms from the form's fields and tables, then :func:`contracts.add_contract`."""
    terms = contracts.ContractTerms(
        **fields,
        rates=_lines("rate card", rates, rate),
        cohorts=_lines("cohorts", cohorts, contracts.cohort),
        expected=_lines("expected outcomes", expected, contracts.expected),
    )
    return contracts.add_contract(con, actor, terms, reason=reason, key=key)


def _lines(table: str, rows: list[dict], make) -> list:
    """Each row not wholly empty as a line; a refusal says which row of which table."""
    lines = []
    for number, row in enumerate(rows, start=1):
        if all(value is None or not str(value).strip() for value in row.values()):
            continue
        try:
            lines.append(make(**row))
        except ValidationError as refused:
            raise ValidationError(f"{table} row {number}: {refused.field}", refused.rule) from None
    return lines
