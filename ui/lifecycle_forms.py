"""The Experiments page's lifecycle section for one experiment: move it to another phase
(or record a failed attempt), record how it spread, and the moves so far."""

from __future__ import annotations

import streamlit as st

from fund import lifecycle, register
from fund.auth import User
from fund.lifecycle import ScalingRoute
from fund.register import phase_label
from ui import format, forms, session


def section(user: User, experiment_id: int) -> None:
    con = session.cursor()
    phase = register.experiment_details(con, user, experiment_id)["phase"]
    st.subheader(f"Lifecycle: now in {phase_label(phase)}")
    move, spread = st.columns(2)
    with move:
        _move(experiment_id, phase)
    with spread:
        _spread(experiment_id)
    moves = lifecycle.history(con, user, experiment_id)
    if moves.empty:
        st.caption("No lifecycle moves recorded yet.")
    else:
        format.table(moves)


def _move(experiment_id: int, phase: int) -> None:
    """The next phase is offered; any other may be chosen, and the service judges it."""
    with forms.Form(f"move-{experiment_id}", "Record move") as form:
        target = st.selectbox(
            "Move to",
            range(5),
            index=min(phase + 1, 4),
            format_func=phase_label,
            key=form.key("to"),
        )
        failed = st.checkbox(
            "The attempt failed (the phase stays as it is)", key=form.key("failed")
        )
        reason = st.text_input("Reason for the move", key=form.key("reason"))
    if form.submitted:
        form.write(
            lifecycle.move,
            experiment_id=experiment_id,
            to_phase=target,
            failed=failed,
            reason=reason,
        )


def _spread(experiment_id: int) -> None:
    with forms.Form(f"spread-{experiment_id}", "Record scaling route") as form:
        route = st.selectbox(
            "Scaling route",
            list(ScalingRoute),
            format_func=lambda r: r.label,
            key=form.key("route"),
        )
        reason = st.text_input("How it spread", key=form.key("reason"))
    if form.submitted:
        form.write(
            lifecycle.record_scaling_route, experiment_id=experiment_id, route=route, reason=reason
        )
