"""A fund manager's forms for a zone's waivers: record one (requested, or granted already),
and decide on one (grant, renew, revoke, make permanent). Every value goes to
:mod:`fund.zones.waivers` as typed; a refusal names the field and the rule, and nothing is
written."""

from __future__ import annotations

import streamlit as st

from fund.zones import waivers
from fund.zones.queries import ZoneView
from ui import forms

REQUEST, GRANTED = "Request waiver", "Record as granted"
# Each decision's button, its service and the name its service gives the decision.
DECISIONS = {
    "Grant": (waivers.grant_waiver, "granted"),
    "Renew": (waivers.renew_waiver, "granted"),
    "Revoke": (waivers.revoke_waiver, "revoked"),
    "Make permanent": (waivers.make_permanent, "decided"),
}


def section(chosen: ZoneView) -> None:
    zone_id = int(chosen.zone["zone_id"])
    st.subheader("Record a waiver")
    record(zone_id)
    if not chosen.waivers.empty:
        st.subheader("Decide on a waiver")
        decide(zone_id, chosen)


def _date(place, label: str, form: forms.Form, key: str):
    return place.date_input(label, value=None, format="DD/MM/YYYY", key=form.key(key))


def record(zone_id: int) -> None:
    """A waiver as asked for, or one granted before it was recorded here (with who granted
    it and when). Every waiver has an expiry."""
    with forms.Form(
        f"zones-waiver-{zone_id}",
        (REQUEST, GRANTED),
        caption="A waiver is limited in time: one without an expiry is refused. Record it as"
        " granted only with who granted it and on what day.",
    ) as form:
        left, right = st.columns(2)
        terms = waivers.WaiverTerms(
            rule=left.text_input("Rule suspended", key=form.key("rule")),
            source=right.text_input("Legislation or guidance", key=form.key("source")),
            legal_basis=left.text_input("Legal basis for the waiver", key=form.key("basis")),
            scope=right.text_input(
                "Scope", help="The whole zone, or a client group in it", key=form.key("scope")
            ),
            expires_on=_date(left, "Expires on", form, "expires"),
        )
        granted = waivers.Decision(
            authority=left.text_input("Granted by (when granted)", key=form.key("by")),
            decided_on=_date(right, "Granted on (when granted)", form, "on"),
        )
        reason = st.text_input("Reason", key=form.key("reason"))
    if form.pressed == REQUEST:
        form.write(waivers.request_waiver, zone_id=zone_id, terms=terms, reason=reason)
    elif form.pressed == GRANTED:
        form.write(
            waivers.record_granted, zone_id=zone_id, terms=terms, granted=granted, reason=reason
        )


def decide(zone_id: int, chosen: ZoneView) -> None:
    """Grant a requested waiver, renew one granted (to a later expiry), revoke it, or record
    that it was made permanent."""
    register = chosen.waivers
    names = {
        int(row["waiver_id"]): f"#{row['waiver_id']} · {row['rule']} ({row['status']})"
        for row in register.to_dict("records")
    }
    with forms.Form(
        f"zones-decide-{zone_id}",
        tuple(DECISIONS),
        caption="Renewing makes a new waiver to the new expiry, granted afresh: the reason"
        " says why it is still needed.",
    ) as form:
        waiver = st.selectbox("Waiver", list(names), format_func=names.get, key=form.key("waiver"))
        left, right = st.columns(2)
        decision = waivers.Decision(
            authority=left.text_input("Decided by", key=form.key("by")),
            decided_on=_date(right, "Decided on", form, "on"),
        )
        expires_on = _date(left, "New expiry (renewal only)", form, "expires")
        reason = st.text_input("Reason", key=form.key("reason"))
    if form.submitted:
        action, name = DECISIONS[form.pressed]
        extra = {"expires_on": expires_on} if form.pressed == "Renew" else {}
        form.write(action, waiver_id=waiver, **{name: decision}, **extra, reason=reason)
