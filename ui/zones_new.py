"""A fund manager's forms for the zones themselves: make a commitment of an experimental-zone
experiment a zone, and add comparison areas to one. Areas are typed one to a line as
``CODE=Name`` (as `fund zones add` takes them); each is checked for the shape of an ONS code,
and a refusal names the field and the rule."""

from __future__ import annotations

import streamlit as st

from fund.auth import User
from fund.ledger import queries
from fund.zones import areas, zone
from ui import forms, session

AREAS_HELP = "One area a line, as its ONS code, = and its name: E08000036=Wakefield"


def parse_areas(text: str | None) -> list[areas.Area]:
    """The areas typed, one a line; a refusal names the line's area and the rule."""
    return [areas.parse(line) for line in (text or "").splitlines() if line.strip()]


def add(con, actor: User, *, comparisons: str, key: str, reason: str, **fields):
    """The zone's terms from the form (its comparison areas read from their lines), then
    :func:`fund.zones.zone.add_zone`."""
    terms = zone.ZoneTerms(**fields, comparisons=parse_areas(comparisons))
    return zone.add_zone(con, actor, terms, key=key, reason=reason)


def compare(con, actor: User, *, zone_id: int, comparisons: str, key: str, reason: str):
    """:func:`fund.zones.zone.add_comparisons` with the areas read from their lines."""
    given = parse_areas(comparisons)
    return zone.add_comparisons(con, actor, zone_id, given, key=key, reason=reason)


def new_zone(user: User) -> None:
    """The form, offering the fund's commitments (only an experimental zone's is taken)."""
    offered = queries.choices(session.cursor(), user).commitments
    with forms.Form(
        "zones-new",
        "Add zone",
        caption="A zone sits on the commitment (its budget) of an experiment whose instrument"
        " is the experimental zone; compare it with at least one area before measuring it.",
    ) as form:
        commitment = st.selectbox(
            "Commitment",
            list(offered),
            format_func=offered.get,
            index=None,
            placeholder="Choose the commitment the zone is funded by",
            key=form.key("commitment"),
        )
        left, right = st.columns(2)
        fields = {
            "commitment_id": commitment,
            "area_name": left.text_input("Area name", key=form.key("name")),
            "area_code": right.text_input(
                "Area code (ONS)", help="Such as E08000035", key=form.key("code")
            ),
            "starts_on": left.date_input(
                "Starts on", value=None, format="DD/MM/YYYY", key=form.key("starts")
            ),
            "ends_on": right.date_input(
                "Ends on", value=None, format="DD/MM/YYYY", key=form.key("ends")
            ),
            "official": left.text_input("Accountable official", key=form.key("official")),
        }
        comparisons = st.text_area(
            "Comparison areas", help=AREAS_HELP, key=form.key("comparisons"), height=90
        )
        reason = st.text_input("Reason", key=form.key("reason"))
    if form.submitted:
        form.write(add, comparisons=comparisons, reason=reason, **fields)


def new_comparisons(zone_id: int) -> None:
    with forms.Form(
        f"zones-compare-{zone_id}",
        "Add comparison areas",
        caption="Areas like the zone where the rules still apply: its effect is measured"
        " against them.",
    ) as form:
        comparisons = st.text_area(
            "Comparison areas", help=AREAS_HELP, key=form.key("comparisons"), height=90
        )
        reason = st.text_input("Reason", key=form.key("reason"))
    if form.submitted:
        form.write(compare, zone_id=zone_id, comparisons=comparisons, reason=reason)
