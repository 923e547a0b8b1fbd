"""The Experimental zones page: every reading role sees the zones, a zone's waiver register on
a timeline and its outcome series against its comparison areas; only fund managers get the
forms; board members see no official's name; admins are refused. A bad form input names the
field and the rule and writes nothing; the Audit page lists the zones' exceptions."""

from __future__ import annotations

import dataclasses
import json
from datetime import date, timedelta
from decimal import Decimal

import pytest

from fund import db
from fund.evidence import plans
from fund.register import Instrument
from fund.zones import series, waivers, zone
from fund.zones.areas import Area
from tests.app.helpers import button, errors, form_key, successes, visible
from tests.app.test_board_page import everything
from tests.conftest import FULL_PLAN, key
from tests.integration.helpers import instrument_commitment

PAGE = "pages/zones.py"
OFFICIAL, GRANTER = "Pat Zoneofficial", "Lord Granter"
ZONE_TABLES = ("zone", "zone_comparison", "waiver", "waiver_decision", "zone_outcome", "audit_log")


def series_csv(starts: date) -> bytes:
    """Six months before the start and six after, for the zone and two comparison areas;
    the zone gains 5 points after its start."""
    rows = ["area,period,value"]
    for n in range(-6, 6):
        month = date(starts.year + (starts.month - 1 + n) // 12, (starts.month - 1 + n) % 12 + 1, 1)
        for code, level in (("E08000101", 40), ("E08000102", 42), ("E08000103", 38)):
            gain = 5 if code == "E08000101" and n >= 0 else 0
            rows.append(f"{code},{month:%Y-%m},{level + gain + (n % 3) * 0.5}")
    return ("\n".join(rows) + "\n").encode()


@pytest.fixture
def zoned(con, people, portfolio) -> int:
    """Zone #1 on £100,000.00, Eastfield against Westmoor and Northby, with a waiver granted
    by a named minister, one only requested, and an outcome series uploaded."""
    fm = people.manager
    experiment_id = portfolio.experiments[Instrument.EXPERIMENTAL_ZONE]
    plans.amend_plan(
        con, fm, experiment_id, {**FULL_PLAN, "design": "did"}, key=key(), reason="a zone: did"
    )
    commitment_id = instrument_commitment(con, people, portfolio, Instrument.EXPERIMENTAL_ZONE)
    starts = date(db.today().year - 1, db.today().month, 1)
    zone_id = zone.add_zone(
        con,
        fm,
        zone.ZoneTerms(
            commitment_id=commitment_id,
            area_name="Eastfield",
            area_code="E08000101",
            starts_on=starts,
            ends_on=starts + timedelta(days=730),
            official=OFFICIAL,
            comparisons=[Area("E08000102", "Westmoor"), Area("E08000103", "Northby")],
        ),
        key=key(),
        reason="zone agreed",
    ).entity_id
    terms = waivers.WaiverTerms(
        rule="16-hour rule",
        source="JSA Regulations 1996 reg. 53",
        legal_basis="Employment and Training Act 1973 s.2",
        scope="the whole zone",
        expires_on=db.today() + timedelta(days=30),
    )
    waivers.record_granted(
        con,
        fm,
        zone_id,
        terms,
        waivers.Decision(authority=GRANTER, decided_on=starts),
        key=key(),
        reason="granted",
    )
    asked = dataclasses.replace(terms, rule="Sanctions")
    waivers.request_waiver(con, fm, zone_id, asked, key=key(), reason="asked")
    series.upload(con, fm, zone_id, series_csv(starts), key=key(), reason="ONS extract")
    return zone_id


def open_page(app, user, section: str | None = None):
    at = app(user, PAGE)
    assert not at.exception, at.exception
    if section is not None:
        at.session_state["zones-section"] = section
        at.run()
        assert not at.exception, at.exception
    return at


def charts(at) -> dict[str, dict]:
    """Each chart's spec, by its title."""
    found = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    return {spec["layout"]["title"]["text"]: spec for spec in found}


def table_with(at, column: str):
    (found,) = [d for d in at.dataframe if column in d.value.columns]
    return found.value


def rows(con) -> dict[str, int]:
    return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ZONE_TABLES}


# --- who sees what --------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["manager", "auditor", "board"])
def test_every_reading_role_sees_the_zones_and_the_waiver_timeline(app, people, zoned, role):
    at = open_page(app, getattr(people, role))

    assert at.title[0].value == "Experimental zones"
    listing = table_with(at, "waivers_in_force").set_index("zone_id")
    assert listing.loc[zoned, "budget"] == Decimal("100000.00")
    assert listing.loc[zoned, "stage"] == "running"
    assert listing.loc[zoned, "waivers_in_force"] == 1
    assert listing.loc[zoned, "comparison_areas"] == "Westmoor (E08000102), Northby (E08000103)"
    timeline = charts(at)["Waivers of Eastfield: from grant to expiry"]
    statuses = {bar["name"] for bar in timeline["data"]}
    assert statuses == {"Granted", "Requested"}
    assert timeline["layout"]["xaxis"]["type"] == "date"
    assert timeline["layout"]["shapes"][0]["x0"] == db.today().isoformat()  # today's line
    register = table_with(at, "legal_basis")
    assert list(register["status"]) == ["Granted", "Requested"]
    assert not errors(at)


@pytest.mark.parametrize("role", ["manager", "auditor", "board"])
def test_a_zone_shows_its_series_against_its_comparison_areas_and_its_estimate(
    app, people, zoned, role
):
    at = open_page(app, getattr(people, role), "Outcomes")

    spec = charts(at)["Eastfield against its comparison areas"]
    names = [line["name"] for line in spec["data"]]
    assert names == ["Zone: Eastfield (E08000101)", "Westmoor (E08000102)", "Northby (E08000103)"]
    widths = [line["line"]["width"] for line in spec["data"]]
    assert widths[0] > max(widths[1:])  # the zone bold
    assert spec["data"][0]["x"][0].count("-") == 2  # first days, never "2026-01"
    assert spec["layout"]["shapes"][0]["x0"] == spec["data"][0]["x"][6]  # the start marked
    axis = spec["layout"]["yaxis"]["title"]["text"].replace("<br>", " ")
    assert axis == "Young people in work after six months (share of participants)"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Effect"].startswith("+5")
    assert metrics["Target"] == "0.05"
    assert set(metrics) == {"Effect", "95% interval", "Target", "Verdict", "Evidence level"}


@pytest.mark.parametrize("role", ["auditor", "board"])
def test_readers_get_no_forms(app, people, zoned, role):
    for section in ("Waiver register", "Outcomes"):
        at = open_page(app, getattr(people, role), section)
        assert [t.label for t in at.tabs] == ["Waiver register", "Outcomes"]
        assert not at.text_input
        assert not at.get("file_uploader")


def test_board_members_see_no_officials_name(app, people, zoned):
    manager = everything(open_page(app, people.manager)) + everything(
        open_page(app, people.manager, "Outcomes")
    )
    assert OFFICIAL in manager and GRANTER in manager and "Mo Manager" in manager

    board = everything(open_page(app, people.board)) + everything(
        open_page(app, people.board, "Outcomes")
    )
    for name in (OFFICIAL, GRANTER, "Mo Manager", "Pat Official"):
        assert name not in board, name


def test_an_admin_is_refused(app, people, zoned):
    at = app(people.admin, PAGE)
    assert not at.exception
    assert visible(at) == ["error"]
    assert errors(at) == ["Not permitted: an admin cannot read portfolio summaries."]


# --- the fund manager's forms ---------------------------------------------------------------


def fill_waiver(at, zone_id: int, **typed) -> None:
    form = f"zones-waiver-{zone_id}"
    for field, value in typed.items():
        widget = (
            at.date_input(key=form_key(at, form, field))
            if field in ("expires", "on")
            else at.text_input(key=form_key(at, form, field))
        )
        widget.set_value(value)


WAIVER = {
    "rule": "Work-search requirement",
    "source": "UC Regulations 2013 reg. 95",
    "basis": "Welfare Reform Act 2012 s.41",
    "scope": "16-24 year olds",
    "reason": "asked by the provider",
}


def test_a_waiver_without_expiry_is_refused_naming_the_field_and_nothing_is_written(
    app, con, people, zoned
):
    at = open_page(app, people.manager, "Waiver register")
    fill_waiver(at, zoned, **WAIVER)
    before = rows(con)

    at = button(at, "Request waiver").click().run()

    assert not at.exception, at.exception
    assert errors(at) == ["expiry: is required: a waiver is limited in time"]
    assert not successes(at)
    assert rows(con) == before
    assert at.text_input(key=form_key(at, f"zones-waiver-{zoned}", "rule")).value == WAIVER["rule"]


def test_a_waiver_requested_through_the_form_joins_the_register(app, con, people, zoned):
    at = open_page(app, people.manager, "Waiver register")
    fill_waiver(at, zoned, **WAIVER, expires=db.today() + timedelta(days=200))

    at = button(at, "Request waiver").click().run()

    assert not at.exception, at.exception
    assert not errors(at)
    (said,) = successes(at)
    assert said.startswith("Waiver #3 (Work-search requirement) requested for zone #1")
    assert list(table_with(at, "legal_basis")["status"]) == ["Granted", "Requested", "Requested"]


def test_a_comparison_area_of_the_wrong_shape_is_refused_and_nothing_is_written(
    app, con, people, zoned
):
    at = open_page(app, people.manager, "Outcomes")
    form = f"zones-compare-{zoned}"
    at.text_area(key=form_key(at, form, "comparisons")).set_value("E0800003=Southby")
    at.text_input(key=form_key(at, form, "reason")).set_value("a third area")
    before = rows(con)

    at = button(at, "Add comparison areas").click().run()

    assert not at.exception, at.exception
    (refused,) = errors(at)
    assert refused.startswith("comparison area code: 'E0800003' is not an ONS area code")
    assert rows(con) == before


def test_a_zone_with_a_bad_area_code_is_refused_naming_the_field(app, con, people, zoned):
    at = open_page(app, people.manager, "Add a zone")
    at.text_input(key=form_key(at, "zones-new", "name")).set_value("Southby")
    at.text_input(key=form_key(at, "zones-new", "code")).set_value("E0800003")
    before = rows(con)

    at = button(at, "Add zone").click().run()

    assert not at.exception, at.exception
    (refused,) = errors(at)
    assert refused.startswith("area code: 'E0800003' is not an ONS area code")
    assert rows(con) == before


# --- the Audit page -------------------------------------------------------------------------


def test_the_audit_page_lists_a_waiver_expiring_within_60_days(app, people, zoned):
    at = app(people.auditor, "pages/audit.py")

    assert not at.exception, at.exception
    (expander,) = [e for e in at.expander if e.label.startswith("Experimental zones")]
    found = table_with(at, "detail")
    assert list(found["exception"]) == ["waiver expiring within 60 days"]
    assert list(found["waiver_id"]) == [1]
    assert list(found["days"]) == [30]
    assert found["detail"].iloc[0].startswith("Waiver #")
    assert "16-hour rule" in found["detail"].iloc[0]
    assert expander.caption[0].value.startswith("Date: a waiver's expiry")


def test_without_exceptions_the_audit_page_says_none(app, people):
    at = app(people.auditor, "pages/audit.py")

    assert not at.exception, at.exception
    (expander,) = [e for e in at.expander if e.label.startswith("Experimental zones")]
    assert expander.caption[0].value.startswith("None: no waiver expires within 60 days")
