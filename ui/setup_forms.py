"""The forms of the Ring-fences and programmes page: declare a ring-fence, edit one (never
its declared amount), declare its risk appetite, add a programme, rename one or restate its
target."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from fund import db, register
from fund.auth import User
from fund.board import appetite
from fund.money import format_gbp
from ui import format, forms, session


def declare_ringfence(user: User) -> None:
    with forms.Form(
        "declare-ringfence",
        "Declare ring-fence",
        caption="The public, advertised ceiling on the fund's risk capital.",
    ) as form:
        left, right = st.columns(2)
        name = left.text_input("Name", key=form.key("name"))
        owner_body = left.text_input("Owner body", key=form.key("owner"))
        years = left.text_input(
            "Financial years", placeholder="e.g. 2025-26 to 2026-27", key=form.key("years")
        )
        amount = right.text_input(
            "Declared amount (£)", placeholder="e.g. 1,000,000.00", key=form.key("amount")
        )
        limit = right.text_input(
            "Delegated limit (£)",
            placeholder="e.g. 10,000.00",
            help="The largest commitment one fund manager may make alone.",
            key=form.key("limit"),
        )
        advertised = right.date_input(
            "Advertised on", value=db.today(), format="DD/MM/YYYY", key=form.key("advertised")
        )
        purpose = st.text_area("Purpose", key=form.key("purpose"))
        reason = st.text_input("Reason", key=form.key("reason"))
    if form.submitted:
        form.write(
            register.declare_ringfence,
            name=name,
            owner_body=owner_body,
            financial_years=years,
            declared_amount=amount,
            purpose=purpose,
            advertised_on=advertised,
            delegated_limit=limit,
            reason=reason,
        )


def edit_ringfence(user: User) -> None:
    ringfences = register.ringfences(session.cursor(), user)
    chosen = _choose("Ring-fence", ringfences, "ringfence_id", "name", key="edit-ringfence")
    if chosen is None:
        return
    current = ringfences.set_index("ringfence_id").loc[chosen]
    with forms.Form(
        f"edit-ringfence-{chosen}",
        "Save ring-fence",
        caption=(
            f"Declared amount {format_gbp(current['declared_amount'])}: only a ring-fence"
            " virement, approved by a second fund manager, changes how much it holds."
        ),
    ) as form:
        left, right = st.columns(2)
        name = left.text_input("Name", current["name"], key=form.key("name"))
        owner_body = left.text_input("Owner body", current["owner_body"], key=form.key("owner"))
        years = right.text_input(
            "Financial years", current["financial_years"], key=form.key("years")
        )
        limit = right.text_input(
            "Delegated limit (£)",
            format_gbp(current["delegated_limit"]),
            help="The largest commitment one fund manager may make alone.",
            key=form.key("limit"),
        )
        purpose = st.text_area("Purpose", current["purpose"], key=form.key("purpose"))
        reason = st.text_input("Reason", key=form.key("reason"))
    if form.submitted:
        form.write(
            register.update_ringfence,
            ringfence_id=chosen,
            name=name,
            owner_body=owner_body,
            financial_years=years,
            purpose=purpose,
            delegated_limit=limit,
            reason=reason,
        )


def add_programme(user: User) -> None:
    ringfences = register.ringfences(session.cursor(), user)
    names = dict(zip(ringfences["ringfence_id"], ringfences["name"], strict=True))
    with forms.Form(
        "add-programme",
        "Add programme",
        caption="A challenge with a common target, tested by several experiments at once.",
    ) as form:
        ringfence = st.selectbox(
            "Ring-fence",
            [int(i) for i in ringfences["ringfence_id"]],
            format_func=names.get,
            key=form.key("ringfence"),
        )
        name = st.text_input("Name", key=form.key("name"))
        target = st.text_area("Target", key=form.key("target"))
        reason = st.text_input("Reason", key=form.key("reason"))
    if form.submitted:
        form.write(
            register.add_programme,
            ringfence_id=ringfence,
            name=name,
            target=target,
            reason=reason,
        )


def edit_programme(user: User) -> None:
    programmes = register.programmes(session.cursor(), user)
    chosen = _choose("Programme", programmes, "programme_id", "programme", key="edit-programme")
    if chosen is None:
        return
    current = programmes.set_index("programme_id").loc[chosen]
    with forms.Form(
        f"edit-programme-{chosen}",
        "Save programme",
        caption=f"In ring-fence {current['ringfence']}, where its allocations are booked.",
    ) as form:
        name = st.text_input("Name", current["programme"], key=form.key("name"))
        target = st.text_area("Target", current["target"], key=form.key("target"))
        reason = st.text_input("Reason", key=form.key("reason"))
    if form.submitted:
        form.write(
            register.update_programme,
            programme_id=chosen,
            name=name,
            target=target,
            reason=reason,
        )


def _choose(label: str, frame: pd.DataFrame, id_column: str, name_column: str, *, key: str):
    """Which ring-fence or programme to edit (None when there is none yet)."""
    if frame.empty:
        st.info(f"No {label.lower()}s yet.")
        return None
    names = dict(zip(frame[id_column], frame[name_column], strict=True))
    return st.selectbox(label, [int(i) for i in frame[id_column]], format_func=names.get, key=key)


def declare_appetite(user: User) -> None:
    """The position against each declared limit, and a form to declare a ring-fence's
    appetite as its next version."""
    found = appetite.position_as_at(session.cursor(), user)
    if found.empty:
        st.info("No risk appetite is declared yet.")
    else:
        percent = {name: found[name].map(lambda v: f"{v}%") for name in ("share_limit", "share")}
        format.table(found.assign(**percent))
    ringfences = register.ringfences(session.cursor(), user)
    chosen = _choose("Ring-fence", ringfences, "ringfence_id", "name", key="appetite-ringfence")
    if chosen is None:
        return
    with forms.Form(
        "declare-appetite",
        "Declare risk appetite",
        caption="The most of the ring-fence, in percent, that may sit in high-risk"
        " experiments, in any one instrument and with any one counterparty. A commitment"
        " past a limit waits for a second fund manager.",
    ) as form:
        high, instrument, counterparty = st.columns(3)
        high_share = high.text_input("High-risk (%)", placeholder="e.g. 40", key=form.key("high"))
        instrument_share = instrument.text_input(
            "Per instrument (%)", placeholder="e.g. 60", key=form.key("instrument")
        )
        counterparty_share = counterparty.text_input(
            "Per counterparty (%)", placeholder="e.g. 15", key=form.key("counterparty")
        )
        reason = st.text_input("Reason", key=form.key("reason"))
    if form.submitted:
        form.write(
            appetite.declare_appetite,
            ringfence_id=chosen,
            high_risk_share=high_share,
            instrument_share=instrument_share,
            counterparty_share=counterparty_share,
            reason=reason,
        )
