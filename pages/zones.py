"""Experimental zones: areas where an idea is tested with national rules suspended. The
zones with their money and waivers, then one zone's terms, its waiver register on a timeline
with expiry, and its outcome series against its comparison areas with the estimate against
the target. Every reading role sees the register (board members see no officials' names:
the services leave them out); fund managers get the forms."""

import streamlit as st

from fund.auth import Permission
from fund.zones import queries
from ui import forms, session, zones_list, zones_new, zones_outcomes, zones_register

user = session.guard(Permission.READ_SUMMARY)
con = session.cursor()
writes = queries.editable(con, user)  # which sections offer forms

st.title("Experimental zones")
st.caption(
    "A zone tests an idea with national rules suspended: each waiver is limited in time, and"
    " the zone's effect is measured against comparison areas where the rules still apply."
)
listing = queries.zones(con, user)
if listing.empty:
    st.info("The fund has no experimental zones yet.")
    if writes:
        st.subheader("Add a zone")
        zones_new.new_zone(user)
        st.session_state["zones-section"] = "Add a zone"  # where its success will be said
    st.stop()

zones_list.table(listing)
chosen = queries.zone(con, user, zones_list.choose(listing))
zones_list.details(chosen)
parts = {
    "Waiver register": lambda: zones_register.section(chosen, writes=writes),
    "Outcomes": lambda: zones_outcomes.section(chosen, writes=writes),
}
if writes:
    parts["Add a zone"] = lambda: zones_new.new_zone(user)
forms.sections("zones-section", parts)
