"""The Experiments page's editor: one experiment's fields and partners, or a new one's."""

from __future__ import annotations

from collections.abc import Iterable

import streamlit as st

from fund import register
from fund.auth import User
from fund.register import Instrument, Involvement, RiskRating, phase_label
from ui import format, forms, partner_editor, session


def form(user: User, chosen: int | None) -> None:
    """The form for experiment ``chosen`` (None: a new experiment), saved in one write."""
    con = session.cursor()
    programmes = register.programmes(con, user)
    current = register.experiment_details(con, user, chosen) if chosen else {}
    partners = register.partners(con, user, chosen) if chosen else None
    programme_name = dict(zip(programmes["programme_id"], programmes["programme"], strict=True))

    with forms.Form(f"experiment-{chosen or 'new'}", "Save experiment") as experiment:
        left, right = st.columns(2)
        with left:
            title = st.text_input("Title", current.get("title", ""), key=experiment.key("title"))
            programme = _pick(
                experiment,
                "Programme",
                [int(p) for p in programmes["programme_id"]],
                current.get("programme_id"),
                format_func=programme_name.get,
            )
            instrument = _pick(
                experiment,
                "Instrument",
                Instrument,
                current.get("instrument"),
                format_func=lambda i: i.label,
            )
            official = st.text_input(
                "Responsible official", current.get("official", ""), key=experiment.key("official")
            )
        with right:
            risk = _pick(
                experiment,
                "Risk rating",
                RiskRating,
                current.get("risk_rating"),
                format_func=format.words,
            )
            involvement = _pick(
                experiment,
                "Service-user involvement",
                Involvement,
                current.get("user_involvement"),
                format_func=format.words,
            )
            phase = _phase(experiment, current.get("phase"))
            reason = st.text_input("Reason", key=experiment.key("reason"))
        shares = partner_editor.editor(partners, key=experiment.key("partners"))
    if experiment.submitted:
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
            experiment.write(register.update_experiment, experiment_id=chosen, **fields)
        else:
            experiment.write(register.add_experiment, phase=phase, **fields)


def _pick(form: forms.Form, label: str, options: Iterable, value, **kwargs):
    """A select box of this form that starts at the experiment's current value."""
    options = list(options)
    index = options.index(value) if value in options else 0
    field = label.lower().replace(" ", "-")
    return st.selectbox(label, options, index=index, key=form.key(field), **kwargs)


def _phase(form: forms.Form, phase: int | None) -> int | None:
    """A new experiment's starting phase; an existing one's phase, shown (moves are below)."""
    if phase is None:
        return st.selectbox(
            "Starting phase", range(5), format_func=phase_label, key=form.key("phase")
        )
    st.text_input("Phase", phase_label(phase), disabled=True, help="Move phases below")
    return phase
