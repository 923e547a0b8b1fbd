"""An area is typed as its ONS code (a nation's letter and eight digits) and a name; a period
of an outcome series as a month, a quarter or a first day."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fund.errors import ValidationError
from fund.zones import areas
from fund.zones.areas import Area
from fund.zones.series import period_start

LEEDS = Area("E08000035", "Leeds")
NATIONS = "EKNSW"
codes = st.builds(
    lambda nation, digits: nation + digits,
    st.sampled_from(NATIONS),
    st.text(alphabet="0123456789", min_size=8, max_size=8),
)


def refused(call, *args, **kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as error:
        call(*args, **kwargs)
    return error.value


def test_a_code_is_trimmed_and_upper_cased():
    assert areas.code("  e08000035 ") == "E08000035"
    assert areas.code("w06000015") == "W06000015"


@pytest.mark.parametrize(
    "given", ["X123", "E0800003", "E080000350", "X08000035", "E08 000035", "08000035", "E0800003A"]
)
def test_a_code_not_of_the_ons_shape_is_refused_naming_the_field(given):
    error = refused(areas.code, given)
    assert error.field == "area code"
    assert error.rule.startswith(f"{given.strip()!r} is not an ONS area code")


@pytest.mark.parametrize("given", [None, "", "   "])
def test_a_missing_code_is_required(given):
    error = refused(areas.code, given, "comparison area code")
    assert (error.field, error.rule) == (
        "comparison area code",
        "is required (an ONS area code such as E08000035)",
    )


@given(codes, st.booleans(), st.text(alphabet=" \t", max_size=3))
def test_every_valid_code_round_trips(code, lower, padding):
    typed = padding + (code.lower() if lower else code) + padding
    assert areas.code(typed) == code
    assert areas.code(areas.code(typed)) == code


@given(st.text(max_size=12))
def test_whatever_is_accepted_is_a_nation_letter_and_eight_digits(text):
    try:
        found = areas.code(text)
    except ValidationError as error:
        assert error.field == "area code"
    else:
        assert len(found) == 9 and found[0] in NATIONS and found[1:].isascii()
        assert found[1:].isdigit()


def test_an_area_is_parsed_from_code_equals_name():
    assert areas.parse(" e08000036 =  Wakefield ") == Area("E08000036", "Wakefield")


@pytest.mark.parametrize(
    ("text", "field", "starts"),
    [
        ("E08000036", "comparison area", "'E08000036' must be CODE=Name"),
        ("Wakefield", "comparison area", "'Wakefield' must be CODE=Name"),
        ("E0800003=Wakefield", "comparison area code", "'E0800003' is not an ONS area code"),
        ("E08000036=", "comparison area name", ""),
        ("=Wakefield", "comparison area code", "is required"),
    ],
)
def test_a_badly_typed_area_is_refused_naming_the_field(text, field, starts):
    error = refused(areas.parse, text)
    assert error.field == field
    assert error.rule.startswith(starts)


def test_comparison_areas_are_checked_and_kept_in_order():
    given = [Area(" e08000036", "Wakefield"), Area("E08000032", "Bradford")]
    assert areas.distinct(LEEDS, given) == [
        Area("E08000036", "Wakefield"),
        Area("E08000032", "Bradford"),
    ]
    assert areas.distinct(LEEDS, []) == []


def test_the_zones_own_area_is_no_comparison():
    error = refused(areas.distinct, LEEDS, [Area("e08000035", "Leeds again")])
    assert (error.field, error.rule) == (
        "comparison area",
        "E08000035 is the zone's own area; compare it with others",
    )


def test_a_comparison_area_given_twice_is_refused():
    twice = [Area("E08000036", "Wakefield"), Area("e08000036 ", "Wakefield District")]
    error = refused(areas.distinct, LEEDS, twice)
    assert (error.field, error.rule) == ("comparison area", "E08000036 is given twice")


def test_an_area_built_directly_with_a_bad_code_is_still_refused():
    error = refused(areas.distinct, LEEDS, [Area("E0800003", "Wakefield")])
    assert error.field == "comparison area code"
    assert error.rule.startswith("'E0800003' is not an ONS area code")


@pytest.mark.parametrize(
    ("text", "first_day"),
    [
        ("2025-04", date(2025, 4, 1)),
        ("2025-12", date(2025, 12, 1)),
        ("2025-Q1", date(2025, 1, 1)),
        ("2025-Q2", date(2025, 4, 1)),
        ("2025-q3", date(2025, 7, 1)),
        ("2025-Q4", date(2025, 10, 1)),
        ("2025-04-01", date(2025, 4, 1)),
        ("2024-02-29", date(2024, 2, 29)),
    ],
)
def test_a_period_starts_on_its_first_day(text, first_day):
    assert period_start(text) == first_day


@pytest.mark.parametrize(
    "text",
    ["", "2025", "2025-13", "2025-00", "2025-Q5", "2025-Q0", "2025-4", "April 2025",
     "2025-02-30", "2025/04", "25-04", "2025-04-1"],
)  # fmt: skip
def test_text_that_is_no_period_has_no_start(text):
    assert period_start(text) is None


@given(st.integers(1000, 9999), st.integers(1, 12))
def test_every_month_starts_on_its_first_day(year, month):
    assert period_start(f"{year:04d}-{month:02d}") == date(year, month, 1)


@given(st.integers(1000, 9999), st.integers(1, 4))
def test_every_quarter_starts_in_january_april_july_or_october(year, quarter):
    found = period_start(f"{year:04d}-Q{quarter}")
    assert found == date(year, (1, 4, 7, 10)[quarter - 1], 1)


@given(st.dates(min_value=date(1000, 1, 1)))
def test_every_day_starts_on_itself(day):
    assert period_start(day.isoformat()) == day
