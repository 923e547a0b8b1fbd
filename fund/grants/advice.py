"""The 360Giving data checker's advice on a file of grants, as warnings a grants officer can act on.

A file can pass the schema and still be hard to use: grants with no beneficiary location, a
title that repeats the description, award dates in the future. The 360Giving data checker
(lib-cove-360, ``lib360dataquality/cove/threesixtygiving.py``) reports these as "quality" and
"usefulness" notices beside its validation; this module runs the same checks on grants in
360Giving JSON shape, so the Grants page can show them for our own export and for files we
import. Thresholds and rules follow the checker: titles over 140 characters, planned dates more
than 12 years ahead, actual dates more than 5 years ahead, any date more than 25 years ago,
and only the first entry of ``plannedDates`` and ``actualDates``. Where the checker counts
organisations or fields, we count grants, so every figure means "grants affected".

Dates that are not ``YYYY-MM-DD`` are the schema's business, not advice: they are skipped here.

Not here: the checker's unrecognised-prefix notices need the org-id.guide register list, which
we do not hold, and its "more than one funding organisation" notice is about the file, not
about grants.

Each check reads every grant once in a list comprehension, and what several checks share
(dates, organisations) is read once in :class:`_Batch`: no per-grant schema validation, no
per-grant objects. The email check is the one that reads every value, and the dearest.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

TITLE_LIMIT = 140
PLANNED_YEARS_AHEAD = 12
ACTUAL_YEARS_AHEAD = 5
YEARS_AGO = 25
EXAMPLES = 3

_SHAPE = re.compile(r"\d{4}-\d{2}-\d{2}")
_EMAIL = re.compile(r"[\w.-]+@[\w.-]+\.[\w.-]+")
_COMPANY = re.compile(r"\w{8}")
_POSTCODE = re.compile(r"\s*[a-z]{1,2}\d[a-z\d]?\s*\d[a-z]{2}\s*", re.IGNORECASE)
# The five dates the checker reads, as positions in _Batch.days.
AWARD, PLANNED_START, PLANNED_END, ACTUAL_START, ACTUAL_END = range(5)


@dataclass(frozen=True)
class Finding:
    """One piece of advice: what is wrong, how many grants it touches, and how to fix it."""

    check: str
    heading: str
    count: int
    share: float
    examples: tuple[str, ...]
    advice: str


def _read_day(text: str) -> tuple[datetime.date | None, bool]:
    """The day a 360Giving date names, and whether it is shaped like a day that cannot exist.

    A time after ``T`` is ignored, as the checker does; text that is not ``YYYY-MM-DD`` reads
    as no day and is not called impossible (schema validation reports its format).
    """
    day = text.split("T", 1)[0]
    if not _SHAPE.fullmatch(day):
        return None, False
    try:
        return datetime.date.fromisoformat(day), False
    except ValueError:
        return None, True


_NOTHING: Mapping[str, object] = MappingProxyType({})


def _first(grant: dict, key: str) -> Mapping[str, object]:
    """The first entry of a list of dates (``plannedDates``, ``actualDates``), or nothing."""
    entries = grant.get(key)
    return entries[0] if isinstance(entries, list) and entries else _NOTHING


def _date_columns(grants: list[dict]) -> list[list[str]]:
    """The five dates the checker reads, as text, a column each in the order of ``AWARD``…"""
    planned = [_first(grant, "plannedDates") for grant in grants]
    actual = [_first(grant, "actualDates") for grant in grants]
    return [
        [str(grant.get("awardDate", "")) for grant in grants],
        [str(entry.get("startDate", "")) for entry in planned],
        [str(entry.get("endDate", "")) for entry in planned],
        [str(entry.get("startDate", "")) for entry in actual],
        [str(entry.get("endDate", "")) for entry in actual],
    ]


def _years_from(day: datetime.date, years: int) -> datetime.date:
    """The same day ``years`` later (earlier if negative); 29 February becomes the 28th."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _orgs(grant: dict, key: str) -> list[dict]:
    """The grant's funding or recipient organisations; an absent list is an empty one."""
    return grant.get(key) or []


def _org_id(org: dict) -> str:
    return str(org.get("id") or "")


@dataclass(frozen=True)
class _Batch:
    """The grants with what several checks read (dates, organisations) read once.

    Nothing here is a new container per grant, since 100,000 of them, kept alive, cost more in
    garbage collection than in building: dates are five columns in which each distinct text is
    read once (a file holds few distinct dates), and organisations are the grants' own lists.
    """

    grants: list[dict]
    days: list[list[datetime.date | None]]
    impossible: list[bool]
    recipients: list[list[dict]]
    funders: list[list[dict]]
    today: datetime.date

    @classmethod
    def of(cls, grants: list[dict], today: datetime.date) -> _Batch:
        columns = _date_columns(grants)
        read = {text: _read_day(text) for text in set().union(*columns)}
        bad = {text for text, (_, impossible) in read.items() if impossible}
        return cls(
            grants=grants,
            days=[[read[text][0] for text in column] for column in columns],
            impossible=[not bad.isdisjoint(row) for row in zip(*columns, strict=True)]
            if bad
            else [False] * len(grants),
            recipients=[_orgs(grant, "recipientOrganization") for grant in grants],
            funders=[_orgs(grant, "fundingOrganization") for grant in grants],
            today=today,
        )


def _has_email(grant: dict) -> bool:
    """Whether any text in the grant looks like an email address.

    Fields whose name contains "email" are skipped with everything under them, as in the
    checker: they hold an address on purpose. The walk appends to the list it is reading
    instead of recursing, and tests ``"@"`` before the pattern, because this is the one check
    that reads every value of every grant.
    """
    pending: list[object] = [grant]
    for value in pending:
        if type(value) is str:
            if "@" in value and _EMAIL.search(value):
                return True
        elif isinstance(value, dict):
            pending.extend([item for name, item in value.items() if "email" not in name])
        elif isinstance(value, list):
            pending.extend(value)
    return False


def _charity_number_ok(number: object) -> bool:
    """UK charity numbers are 6 or 7 digits, sometimes after a two-letter prefix (``SC``)."""
    text = str(number)
    digits = text[2:] if text[:2].isalpha() else text
    return digits.isdigit() and len(digits) in (6, 7)


def _company_number_ok(number: object) -> bool:
    """Company numbers are 8 letters or digits: ``09876543``, ``SC123459``."""
    return _COMPANY.fullmatch(str(number)) is not None


def _org_id_ok(org: dict) -> bool:
    """A ``GB-CHC-`` or ``GB-COH-`` identifier must carry a charity or company number."""
    org_id = _org_id(org)
    register = org_id[:7].upper()
    if register == "GB-CHC-":
        return _charity_number_ok(org_id[7:])
    if register == "GB-COH-":
        return _company_number_ok(org_id[7:])
    return True


def _zero_amount(b: _Batch) -> list[bool]:
    return [grant.get("amountAwarded") == 0 for grant in b.grants]


def _charity_number_looks_wrong(b: _Batch) -> list[bool]:
    return [
        any("charityNumber" in org and not _charity_number_ok(org["charityNumber"]) for org in orgs)
        for orgs in b.recipients
    ]


def _company_number_looks_wrong(b: _Batch) -> list[bool]:
    return [
        any("companyNumber" in org and not _company_number_ok(org["companyNumber"]) for org in orgs)
        for orgs in b.recipients
    ]


def _org_identifier_looks_wrong(b: _Batch) -> list[bool]:
    return [
        not (all(map(_org_id_ok, funders)) and all(map(_org_id_ok, recipients)))
        for funders, recipients in zip(b.funders, b.recipients, strict=True)
    ]


def _looks_like_email(b: _Batch) -> list[bool]:
    return [_has_email(grant) for grant in b.grants]


def _impossible_dates(b: _Batch) -> list[bool]:
    return b.impossible


def _start_after_end(start: int, end: int) -> Callable[[_Batch], list[bool]]:
    def check(b: _Batch) -> list[bool]:
        pairs = zip(b.days[start], b.days[end], strict=True)
        return [bool(first and last and first > last) for first, last in pairs]

    return check


def _after(b: _Batch, which: tuple[int, ...], limit: datetime.date) -> list[bool]:
    """Grants with any of the ``which`` dates after ``limit``."""
    rows = zip(*(b.days[i] for i in which), strict=True)
    return [any(day and day > limit for day in row) for row in rows]


def _later_than(years: int, *which: int) -> Callable[[_Batch], list[bool]]:
    def check(b: _Batch) -> list[bool]:
        return _after(b, which, _years_from(b.today, years))

    return check


def _far_past(b: _Batch) -> list[bool]:
    limit = _years_from(b.today, -YEARS_AGO)
    return [any(day and day < limit for day in row) for row in zip(*b.days, strict=True)]


def _individual(grant: dict) -> bool:
    return "recipientIndividual" in grant


def _individual_without_purpose(b: _Batch) -> list[bool]:
    return [_individual(g) and "toIndividualsDetails" not in g for g in b.grants]


def _individual_with_dei(b: _Batch) -> list[bool]:
    return [_individual(g) and "project" in g for g in b.grants]


def _individual_postcode(b: _Batch) -> list[bool]:
    return [
        _individual(grant)
        and any(
            _POSTCODE.fullmatch(str(place.get("geoCode", "")))
            for place in grant.get("beneficiaryLocation") or []
        )
        for grant in b.grants
    ]


def _prefixed_360g(org: dict) -> bool:
    """An identifier from the publisher's own systems rather than a register."""
    return _org_id(org)[:4].lower() == "360g"


def _recipient_360g(b: _Batch) -> list[bool]:
    return [any(map(_prefixed_360g, orgs)) for orgs in b.recipients]


def _funder_360g(b: _Batch) -> list[bool]:
    return [any(map(_prefixed_360g, orgs)) for orgs in b.funders]


def _no_registered_number(b: _Batch) -> list[bool]:
    return [
        any(not (org.get("companyNumber") or org.get("charityNumber")) for org in orgs)
        for orgs in b.recipients
    ]


def _located(org: dict) -> bool:
    """A postcode, or a geographic code with its type, places an organisation on a map."""
    places = org.get("location") or []
    return bool(org.get("postalCode")) or any(
        place.get("geoCode") and place.get("geoCodeType") for place in places
    )


def _no_recipient_location(b: _Batch) -> list[bool]:
    return [not all(map(_located, orgs)) for orgs in b.recipients]


def _missing(field: str) -> Callable[[_Batch], list[bool]]:
    def check(b: _Batch) -> list[bool]:
        return [not grant.get(field) for grant in b.grants]

    return check


def _title_equals_description(b: _Batch) -> list[bool]:
    return [bool(g.get("title")) and g.get("title") == g.get("description") for g in b.grants]


def _title_too_long(b: _Batch) -> list[bool]:
    return [len(str(grant.get("title", ""))) > TITLE_LIMIT for grant in b.grants]


@dataclass(frozen=True)
class _Check:
    """A notice: its stable name, what the officer reads, and the grants it picks out."""

    name: str
    heading: str
    advice: str
    affected: Callable[[_Batch], list[bool]]


# The checker's quality notices first, then its usefulness notices, each in the checker's
# order; the comment names the lib-cove-360 class each check follows.
CHECKS: tuple[_Check, ...] = (
    _Check(  # ZeroAmountTest
        "zero_amount",
        "Amount awarded is zero",
        "Check whether these grants belong in the file; if they do, say why in the description.",
        _zero_amount,
    ),
    _Check(  # RecipientOrgCharityNumber
        "charity_number_looks_wrong",
        "Recipient charity number does not look like a UK charity number",
        "Check the number for missing or extra digits on the Charity Commission register.",
        _charity_number_looks_wrong,
    ),
    _Check(  # RecipientOrgCompanyNumber
        "company_number_looks_wrong",
        "Recipient company number does not look like a company number",
        "Check the number at Companies House: eight characters, such as 09876543 or SC123459.",
        _company_number_looks_wrong,
    ),
    _Check(  # OrganizationIdLooksInvalid
        "organisation_identifier_looks_wrong",
        "Funder or recipient identifier may not be valid for its register",
        "Check that a GB-CHC- identifier holds a charity number and GB-COH- a company number.",
        _org_identifier_looks_wrong,
    ),
    _Check(  # LooksLikeEmail
        "looks_like_email",
        "Text that looks like an email address",
        "Remove email addresses before publishing unless the person has agreed to it.",
        _looks_like_email,
    ),
    _Check(  # ImpossibleDates
        "impossible_dates",
        "Dates that do not exist",
        "Correct the date: it names a day such as 31 September or 29 February in a common year.",
        _impossible_dates,
    ),
    _Check(  # PlannedStartDateBeforeEndDate
        "planned_start_after_end",
        "Planned start date is after the planned end date",
        "Check whether the planned start and end dates were swapped or mistyped.",
        _start_after_end(PLANNED_START, PLANNED_END),
    ),
    _Check(  # ActualStartDateBeforeEndDate
        "actual_start_after_end",
        "Actual start date is after the actual end date",
        "Check whether the actual start and end dates were swapped or mistyped.",
        _start_after_end(ACTUAL_START, ACTUAL_END),
    ),
    _Check(  # FarFuturePlannedDates
        "planned_dates_far_ahead",
        f"Planned dates more than {PLANNED_YEARS_AHEAD} years ahead",
        "Check the planned dates for typing errors unless the work really runs that long.",
        _later_than(PLANNED_YEARS_AHEAD, PLANNED_START, PLANNED_END),
    ),
    _Check(  # FarFutureActualDates
        "actual_dates_far_ahead",
        f"Actual dates more than {ACTUAL_YEARS_AHEAD} years ahead",
        "Check the actual dates for typing errors; actual dates are normally in the past.",
        _later_than(ACTUAL_YEARS_AHEAD, ACTUAL_START, ACTUAL_END),
    ),
    _Check(  # FarPastDates
        "dates_far_past",
        f"Dates more than {YEARS_AGO} years ago",
        "Check the dates for typing errors unless the grants really are that old.",
        _far_past,
    ),
    _Check(  # PostDatedAwardDates
        "future_award_date",
        "Award date is in the future",
        "Publish a grant once it is awarded, or correct the award date if it is mistyped.",
        _later_than(0, AWARD),
    ),
    _Check(  # RecipientIndWithoutToIndividualsDetails
        "individual_without_purpose",
        "Grant to an individual without a grant purpose or reason",
        "Add the grant purpose and primary grant reason codes for every grant to an individual.",
        _individual_without_purpose,
    ),
    _Check(  # RecipientIndDEI
        "individual_with_dei",
        "Grant to an individual carries diversity, equity and inclusion details",
        "Remove DEI details from grants to individuals: with the rest they can identify a person.",
        _individual_with_dei,
    ),
    _Check(  # GeoCodePostcode
        "individual_postcode",
        "Grant to an individual has a beneficiary location that looks like a postcode",
        "Replace the postcode with a wider area code so that the person cannot be identified.",
        _individual_postcode,
    ),
    _Check(  # RecipientOrg360GPrefix
        "recipient_identifier_not_registered",
        "Recipient identifier starts with 360G- instead of a register",
        "Identify recipients by charity or company number where they have one (GB-CHC-, GB-COH-).",
        _recipient_360g,
    ),
    _Check(  # FundingOrg360GPrefix
        "funder_identifier_not_registered",
        "Funder identifier starts with 360G- instead of a register",
        "Identify the funder by its register number where it has one.",
        _funder_360g,
    ),
    _Check(  # NoRecipientOrgCompanyCharityNumber
        "no_charity_or_company_number",
        "Recipient has neither a company number nor a charity number",
        "Add the recipient's company or charity number; ignore this for unregistered groups.",
        _no_registered_number,
    ),
    _Check(  # IncompleteRecipientOrg
        "no_recipient_location",
        "Recipient has no postcode or geographic code",
        "Add the recipient's postcode so the grant can be mapped.",
        _no_recipient_location,
    ),
    _Check(  # NoGrantProgramme
        "no_grant_programme",
        "No grant programme",
        "Name the grant programme so readers can compare grants within and across programmes.",
        _missing("grantProgramme"),
    ),
    _Check(  # NoBeneficiaryLocation
        "no_beneficiary_location",
        "No beneficiary location",
        "Add where the people who benefit are, as a place name and geographic code.",
        _missing("beneficiaryLocation"),
    ),
    _Check(  # TitleDescriptionSame
        "title_equals_description",
        "Title is the same as the description",
        "Write a description that says more than the title: what the money is for and who gains.",
        _title_equals_description,
    ),
    _Check(  # TitleLength
        "title_too_long",
        f"Title longer than {TITLE_LIMIT} characters",
        f"Shorten the title to under {TITLE_LIMIT} characters and move detail to the description.",
        _title_too_long,
    ),
    _Check(  # NoLastModified
        "no_last_modified",
        "No last modified date",
        "Record when each grant's data was last changed so readers can reconcile versions.",
        _missing("dateModified"),
    ),
    _Check(  # NoDataSource
        "no_data_source",
        "No data source",
        "Link each grant to where its data came from, such as the published file or web page.",
        _missing("dataSource"),
    ),
)


def _identifier(grant: dict, position: int) -> str:
    """The grant's 360Giving identifier, or its place in the file when it has none."""
    return str(grant.get("id") or f"grant {position + 1}")


def _finding(check: _Check, batch: _Batch) -> Finding | None:
    hits = [i for i, hit in enumerate(check.affected(batch)) if hit]
    if not hits:
        return None
    return Finding(
        check=check.name,
        heading=check.heading,
        count=len(hits),
        share=len(hits) / len(batch.grants),
        examples=tuple(_identifier(batch.grants[i], i) for i in hits[:EXAMPLES]),
        advice=check.advice,
    )


def findings(grants: list[dict], today: datetime.date) -> list[Finding]:
    """The checks that fire on ``grants``, in :data:`CHECKS` order; none for a clean file.

    ``grants`` are 360Giving grants as the schema shapes them (validate first): this is advice
    on data that is already valid, not a second validator.

    ``today`` fixes what "future" and "ago" mean, so the advice is the same on every rerun.
    """
    batch = _Batch.of(grants, today)
    results = (_finding(check, batch) for check in CHECKS)
    return [finding for finding in results if finding]
