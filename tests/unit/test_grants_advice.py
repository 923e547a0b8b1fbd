"""The 360Giving data checker's advice on a grants file: each notice fires on the grant that
earns it and on no clean grant, counts grants, and reads dates against the day it is given.

The checks and thresholds follow lib-cove-360 (``lib360dataquality/cove/threesixtygiving.py``);
the Wolfson Foundation file in ../shared/data/360giving/ is the real-world case.
"""

from __future__ import annotations

import copy
import datetime
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fund.grants.advice import CHECKS, Finding, findings
from fund.sroi.reference import shared_folder

TODAY = datetime.date(2026, 12, 2)

CLEAN = {
    "id": "360G-RF-1",
    "title": "Peer support for young adults leaving care",
    "description": "Weekly peer support sessions run by care leavers, with a trained facilitator.",
    "currency": "GBP",
    "amountAwarded": 5000,
    "awardDate": "2026-03-01",
    "recipientOrganization": [
        {
            "id": "GB-CHC-1234567",
            "name": "Leaving Care Trust",
            "charityNumber": "1234567",
            "companyNumber": "09876543",
            "postalCode": "NW1 2DB",
        }
    ],
    "fundingOrganization": [{"id": "GB-GOV-12", "name": "Borough Council"}],
    "plannedDates": [{"startDate": "2026-04-01", "endDate": "2027-03-31", "duration": 12}],
    "actualDates": [{"startDate": "2026-04-06", "endDate": "2026-11-30"}],
    "beneficiaryLocation": [{"name": "Camden", "geoCode": "E09000007", "geoCodeType": "LAD"}],
    "grantProgramme": [{"code": "MH", "title": "Mental health"}],
    "dateModified": "2026-03-01T10:00:00+00:00",
    "dataSource": "https://example.org/grants/2026",
}


def _recipient(grant: dict, **changes) -> None:
    org = grant["recipientOrganization"][0]
    org.update(changes)
    for field in [name for name, value in changes.items() if value is None]:
        del org[field]


def _individual(grant: dict) -> None:
    del grant["recipientOrganization"]
    grant["recipientIndividual"] = {"id": "360G-RF-IND-1", "name": "Individual recipient"}
    grant["toIndividualsDetails"] = {"primaryGrantReason": "GTIR040", "grantPurpose": ["GTIP040"]}


def _individual_without_purpose(grant: dict) -> None:
    _individual(grant)
    del grant["toIndividualsDetails"]


def _individual_with_dei(grant: dict) -> None:
    _individual(grant)
    grant["project"] = [{"id": "p1", "title": "Project", "description": "About the people"}]


def _individual_postcode(grant: dict) -> None:
    _individual(grant)
    grant["beneficiaryLocation"] = [{"name": "Home", "geoCode": " nw1 2db "}]


# One way to trip each check; the test below insists every check has one.
TRIPS = {
    "zero_amount": lambda g: g.update(amountAwarded=0),
    "charity_number_looks_wrong": lambda g: _recipient(g, charityNumber="12345"),
    "company_number_looks_wrong": lambda g: _recipient(g, companyNumber="1234567"),
    "organisation_identifier_looks_wrong": lambda g: _recipient(g, id="GB-CHC-12AB"),
    "looks_like_email": lambda g: g.update(description="Contact jo.bloggs@example.org first"),
    "impossible_dates": lambda g: g["plannedDates"][0].update(endDate="2027-02-29"),
    "planned_start_after_end": lambda g: g["plannedDates"][0].update(startDate="2027-04-01"),
    "actual_start_after_end": lambda g: g["actualDates"][0].update(endDate="2026-04-05"),
    "planned_dates_far_ahead": lambda g: g["plannedDates"][0].update(endDate="2038-12-03"),
    "actual_dates_far_ahead": lambda g: g["actualDates"][0].update(endDate="2031-12-03"),
    "dates_far_past": lambda g: g.update(awardDate="2001-12-01"),
    "future_award_date": lambda g: g.update(awardDate="2026-12-03"),
    "individual_without_purpose": _individual_without_purpose,
    "individual_with_dei": _individual_with_dei,
    "individual_postcode": _individual_postcode,
    "recipient_identifier_not_registered": lambda g: _recipient(g, id="360G-RF-ORG-9"),
    "funder_identifier_not_registered": lambda g: g.update(
        fundingOrganization=[{"id": "360G-RF", "name": "Borough Council"}]
    ),
    "no_charity_or_company_number": lambda g: _recipient(g, charityNumber=None, companyNumber=None),
    "no_recipient_location": lambda g: _recipient(g, postalCode=None),
    "no_grant_programme": lambda g: g.pop("grantProgramme"),
    "no_beneficiary_location": lambda g: g.update(beneficiaryLocation=[]),
    "title_equals_description": lambda g: g.update(description=g["title"]),
    "title_too_long": lambda g: g.update(title="x" * 141),
    "no_last_modified": lambda g: g.pop("dateModified"),
    "no_data_source": lambda g: g.pop("dataSource"),
}


def _grant(number: int, trip: str | None = None) -> dict:
    grant = copy.deepcopy(CLEAN)
    grant["id"] = f"360G-RF-{number}"
    if trip:
        TRIPS[trip](grant)
    return grant


def _by_check(found: list[Finding]) -> dict[str, Finding]:
    return {finding.check: finding for finding in found}


def test_a_clean_file_gets_no_advice():
    assert findings([_grant(n) for n in range(5)], TODAY) == []


def test_an_empty_file_gets_no_advice():
    assert findings([], TODAY) == []


def test_every_check_has_a_grant_built_to_trip_it():
    assert sorted(TRIPS) == sorted(check.name for check in CHECKS)


@pytest.mark.parametrize("check", sorted(TRIPS))
def test_each_check_names_the_one_grant_that_trips_it_and_nothing_else_fires(check):
    found = _by_check(findings([_grant(1), _grant(2, check)], TODAY))

    assert list(found) == [check]
    finding = found[check]
    assert (finding.count, finding.share, finding.examples) == (1, 0.5, ("360G-RF-2",))
    assert finding.heading and finding.advice.endswith(".")


def test_findings_come_in_the_checkers_order_whatever_the_grants_order():
    trips = ["no_data_source", "zero_amount", "title_too_long", "future_award_date"]
    grants = [_grant(n, trip) for n, trip in enumerate(trips)]

    names = [finding.check for finding in findings(grants, TODAY)]

    assert names == [check.name for check in CHECKS if check.name in trips]


def test_counts_share_and_the_first_three_examples_in_file_order():
    grants = [_grant(n, "title_equals_description" if n % 2 else None) for n in range(10)]

    (finding,) = findings(grants, TODAY)

    assert finding.count == 5
    assert finding.share == 0.5
    assert finding.examples == ("360G-RF-1", "360G-RF-3", "360G-RF-5")


def test_an_award_date_is_future_only_after_the_day_given():
    grant = _grant(1)
    grant["awardDate"] = "2026-12-02"

    assert findings([grant], datetime.date(2026, 12, 2)) == []
    assert [f.check for f in findings([grant], datetime.date(2026, 12, 1))] == ["future_award_date"]


def test_planned_dates_twelve_years_ahead_are_fine_and_a_day_more_is_not():
    grant = _grant(1)
    grant["plannedDates"][0]["endDate"] = "2038-12-02"
    assert findings([grant], TODAY) == []

    grant["plannedDates"][0]["endDate"] = "2038-12-03"
    assert [f.check for f in findings([grant], TODAY)] == ["planned_dates_far_ahead"]


def test_a_twenty_ninth_of_february_is_impossible_only_outside_a_leap_year():
    leap, common = _grant(1), _grant(2)
    leap["plannedDates"][0]["endDate"] = "2028-02-29"
    common["plannedDates"][0]["endDate"] = "2027-02-29"

    found = _by_check(findings([leap, common], TODAY))

    assert list(found) == ["impossible_dates"]
    assert found["impossible_dates"].examples == ("360G-RF-2",)


def test_dates_not_written_yyyy_mm_dd_are_left_to_the_schema():
    grant = _grant(1)
    grant["awardDate"] = "05/06/2099"
    grant["plannedDates"][0]["startDate"] = "31/02/2026"

    assert findings([grant], TODAY) == []


def test_a_time_after_the_date_is_ignored():
    grant = _grant(1)
    grant["awardDate"] = "2026-12-03T09:00:00Z"

    assert [f.check for f in findings([grant], TODAY)] == ["future_award_date"]


def test_an_email_in_a_field_meant_for_email_is_not_advice():
    grant = _grant(1)
    grant["recipientOrganization"][0]["email"] = "office@example.org"
    grant["contact"] = {"emailAddress": "grants@example.org"}

    assert findings([grant], TODAY) == []


def test_a_scottish_charity_number_with_its_prefix_looks_right():
    grant = _grant(1)
    _recipient(grant, charityNumber="SC012345", companyNumber="SC123459")

    assert findings([grant], TODAY) == []


def test_a_grant_without_an_identifier_is_named_by_its_place_in_the_file():
    grant = _grant(1, "zero_amount")
    del grant["id"]

    (finding,) = findings([_grant(2), grant], TODAY)

    assert finding.examples == ("grant 2",)


@pytest.fixture(scope="module")
def wolfson() -> list[dict]:
    path = shared_folder() / "data/360giving/a002400000KeYdsAAF.json"
    return json.loads(path.read_text("utf-8"))["grants"]


def test_the_wolfson_file_gets_the_advice_its_data_earns(wolfson):
    counts = {f.check: f.count for f in findings(wolfson, TODAY)}

    # 114 grants of £0; every recipient but one (XI-GRID-) has a 360G- identifier; no
    # recipient has a charity or company number; no grant has a beneficiary location or data
    # source. Its dates are DD/MM/YYYY, which the schema (not this advice) reports.
    assert counts == {
        "zero_amount": 114,
        "recipient_identifier_not_registered": 378,
        "no_charity_or_company_number": 379,
        "no_beneficiary_location": 379,
        "no_data_source": 379,
    }


def test_the_wolfson_examples_are_its_first_grants(wolfson):
    found = _by_check(findings(wolfson, TODAY))

    assert found["no_data_source"].examples == tuple(g["id"] for g in wolfson[:3])
    assert found["no_data_source"].share == 1.0


_DATES = st.one_of(
    st.dates(datetime.date(1990, 1, 1), datetime.date(2045, 12, 31)).map(str),
    st.sampled_from(["2027-02-29", "2028-02-29", "2026-13-01", "05/06/2014", "2026-01-01T09:00"]),
)
_ORG_IDS = st.sampled_from(["GB-CHC-1234567", "GB-CHC-12", "GB-COH-09876543", "360G-x-1", "XI-1"])
_ORGS = st.fixed_dictionaries(
    {"id": _ORG_IDS, "name": st.text(max_size=5)},
    optional={
        "charityNumber": st.sampled_from(["1234567", "SC012345", "12", "abc"]),
        "companyNumber": st.sampled_from(["09876543", "123", ""]),
        "postalCode": st.sampled_from(["NW1 2DB", ""]),
        "email": st.just("a@b.org"),
    },
)
_PERIOD = st.fixed_dictionaries({}, optional={"startDate": _DATES, "endDate": _DATES})
_GRANT = st.fixed_dictionaries(
    {},
    optional={
        "title": st.sampled_from(["Grant", "Same", "y" * 141, "me@x.org"]),
        "description": st.sampled_from(["Same", "A longer description"]),
        "amountAwarded": st.sampled_from([0, 0.0, 10, 500]),
        "awardDate": _DATES,
        "recipientOrganization": st.lists(_ORGS, min_size=1, max_size=2),
        "fundingOrganization": st.lists(_ORGS, min_size=1, max_size=2),
        "recipientIndividual": st.just({"id": "i", "name": "n"}),
        "plannedDates": st.lists(_PERIOD, max_size=2),
        "actualDates": st.lists(_PERIOD, max_size=2),
        "beneficiaryLocation": st.lists(
            st.fixed_dictionaries({"geoCode": st.sampled_from(["E09000007", "NW1 2DB"])}),
            max_size=2,
        ),
        "grantProgramme": st.lists(st.just({"title": "P"}), max_size=1),
        "dateModified": st.sampled_from(["", "2026-01-01"]),
        "dataSource": st.sampled_from(["", "https://x.org"]),
        "project": st.just([]),
    },
)


def _numbered(grants: list[dict]) -> list[dict]:
    return [{**grant, "id": f"g{n}"} for n, grant in enumerate(grants)]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(_GRANT, max_size=12).map(_numbered),
    st.dates(datetime.date(1950, 1, 1), datetime.date(2100, 12, 31)),
)
def test_advice_counts_grants_and_shows_grants_that_earn_it(grants, today):
    found = findings(grants, today)
    alone = {g["id"]: {f.check for f in findings([g], today)} for g in grants}

    for finding in found:
        affected = [id_ for id_, checks in alone.items() if finding.check in checks]
        assert finding.count == len(affected) <= len(grants)
        assert finding.share == finding.count / len(grants)
        assert finding.examples == tuple(affected[:3])
    assert {f.check for f in found} == set().union(*alone.values())
