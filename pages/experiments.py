"""Experiments: create and edit them, move them through the lifecycle, record how they spread."""

import pandas as pd
import streamlit as st

from fund import lifecycle, register
from fund.auth import Permission
from fund.lifecycle import ScalingRoute
from fund.register import Instrument, Involvement, PartnerRole, RiskRating, Sector, phase_label
from ui import format, forms, session

user = session.guard(Permission.MANAGE_PORTFOLIO)
con = session.cursor()

st.title("Experiments")
for written in [k for k in st.session_state if str(k).startswith("outcome:edit-")]:
    forms.show_outcome(written.removeprefix("outcome:"))
programmes = register.programmes(con, user)
listing = register.experiment_choices(con, user)
names = dict(zip(listing["experiment_id"], listing["label"], strict=True))
programme_name = dict(zip(programmes["programme_id"], programmes["programme"], strict=True)).get

chosen = st.selectbox(
    "Experiment",
    [None, *listing["experiment_id"]],
    format_func=lambda v: "New experiment…" if v is None else names[v],
)
current = register.experiment_details(con, user, chosen) if chosen else {}
partners = (
    register.partners(con, user, chosen)
    if chosen
    else pd.DataFrame(columns=["name", "sector", "role", "match_cash", "match_in_kind"])
)


def pick(options, value, **kwargs):
    """A select box that starts at the experiment's current value."""
    options = list(options)
    index = options.index(value) if value in options else 0
    return st.selectbox(options=options, index=index, **kwargs)


with st.form(f"experiment-{chosen}"):
    left, right = st.columns(2)
    with left:
        title = st.text_input("Title", value=current.get("title", ""))
        programme = pick(
            programmes["programme_id"],
            current.get("programme_id"),
            label="Programme",
            format_func=programme_name,
        )
        instrument = pick(
            Instrument, current.get("instrument"), label="Instrument", format_func=lambda i: i.label
        )
        official = st.text_input("Responsible official", value=current.get("official", ""))
    with right:
        risk = pick(
            RiskRating,
            current.get("risk_rating"),
            label="Risk rating",
            format_func=lambda r: r.value.capitalize(),
        )
        involvement = pick(
            Involvement,
            current.get("user_involvement"),
            label="Service-user involvement",
            format_func=lambda v: v.value.capitalize(),
        )
        if chosen:
            phase = current["phase"]
            st.text_input("Phase", phase_label(phase), disabled=True, help="Move phases below")
        else:
            phase = st.selectbox("Starting phase", range(5), format_func=phase_label)
        reason = st.text_input("Reason", value="" if chosen else "new experiment")
    st.write("Partners and their match funding (amounts in £, e.g. 2,500.00)")
    edited = st.data_editor(
        format.readable(partners.astype({"match_cash": "str", "match_in_kind": "str"})),
        num_rows="dynamic",
        hide_index=True,
        width="stretch",
        column_config={
            "name": st.column_config.TextColumn("Partner", required=True),
            "sector": st.column_config.SelectboxColumn(
                "Sector", options=[format.words(s) for s in Sector], required=True
            ),
            "role": st.column_config.SelectboxColumn(
                "Role", options=[format.words(r) for r in PartnerRole], required=True
            ),
            "match_cash": st.column_config.TextColumn("Match funding, cash (£)", default="0.00"),
            "match_in_kind": st.column_config.TextColumn(
                "Match funding, in kind (£)", default="0.00"
            ),
        },
    )
    saved = st.form_submit_button("Save experiment", type="primary")
for done in (f"edit-{chosen}", "new-experiment"):
    forms.show_outcome(done)
if saved:
    money = {"match_cash": "0.00", "match_in_kind": "0.00"}  # a blank amount means none
    rows = edited.fillna(money).replace({"": None}).to_dict("records")
    shares = [
        register.PartnerShare(**{**row, **{k: row[k] or "0.00" for k in money}})
        for row in rows
        if row.get("name")
    ]
    fields = dict(
        programme_id=programme,
        title=title,
        instrument=instrument,
        risk_rating=risk,
        official=official,
        user_involvement=involvement,
        partners=shares,
        reason=reason,
    )
    if chosen:
        forms.write(f"edit-{chosen}", register.update_experiment, experiment_id=chosen, **fields)
    else:
        forms.write("new-experiment", register.add_experiment, phase=phase, **fields)

if chosen:
    st.subheader(f"Lifecycle: now in {phase_label(current['phase'])}")
    move, spread = st.columns(2)
    with move.form("move"):
        target = st.selectbox(
            "Move to", range(5), index=min(current["phase"] + 1, 4), format_func=phase_label
        )
        failed = st.checkbox("The attempt failed (the phase stays as it is)")
        why = st.text_input("Reason for the move")
        moved = st.form_submit_button("Record move")
    with move:
        forms.show_outcome(f"move-{chosen}")
    if moved:
        with move:
            forms.write(
                f"move-{chosen}",
                lifecycle.move,
                experiment_id=chosen,
                to_phase=target,
                failed=failed,
                reason=why,
            )
    with spread.form("spread"):
        route = st.selectbox("Scaling route", list(ScalingRoute), format_func=lambda r: r.label)
        why = st.text_input("How it spread")
        spread_saved = st.form_submit_button("Record scaling route")
    with spread:
        forms.show_outcome(f"spread-{chosen}")
    if spread_saved:
        with spread:
            forms.write(
                f"spread-{chosen}",
                lifecycle.record_scaling_route,
                experiment_id=chosen,
                route=route,
                reason=why,
            )
    moves = lifecycle.history(con, user, chosen)
    if moves.empty:
        st.caption("No lifecycle moves recorded yet.")
    else:
        format.table(moves)
