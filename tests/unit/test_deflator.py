"""The GDP deflator restates a proxy from its price year to a report's, exactly as the ONS
figures and HM Treasury's method say.

Every figure here is worked out by hand from ../shared/data/deflators/ons-ybgb-gdp-deflator.csv
(ONS series YBGB, 2022 = 100, release of 30 June 2025). The quarters used:

    2002 Q2 63.3   2002 Q3 63.6   2002 Q4 64.2   2003 Q1 64.4
    2013 Q2 81.6   2013 Q3 82.2   2013 Q4 82.3   2014 Q1 82.6
    2024 Q2 110.1  2024 Q3 112.1  2024 Q4 113.2  2025 Q1 114.1   (2025 Q2 not yet published)

and the annual values 2013 81.9, 2022 100.0.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fund.errors import ValidationError
from fund.sroi.deflator import Deflator, parse_ons_csv, price_year
from fund.sroi.reference import DEFLATOR, shared_folder


@pytest.fixture(scope="module")
def ybgb() -> Deflator:
    return Deflator(periods=parse_ons_csv((shared_folder() / DEFLATOR).read_text("utf-8")))


def test_the_ons_file_is_read_as_annual_and_quarterly_values(ybgb):
    # 1948–2024 annual (77 values) and 1955 Q1 – 2025 Q1 quarterly (70 × 4 + 1 = 281).
    assert len(ybgb.periods) == 77 + 281
    assert ybgb.periods["1948"] == Decimal("2.7")
    assert ybgb.periods["2022"] == Decimal("100.0")
    assert ybgb.periods["1955 Q1"] == Decimal("3.5")
    assert ybgb.periods["2025 Q1"] == Decimal("114.1")
    assert "Title" not in ybgb.periods  # the eight metadata rows are not values


def test_a_financial_years_index_is_the_mean_of_its_four_quarters(ybgb):
    # 2013/14 = (Q2 81.6 + Q3 82.2 + Q4 82.3 of 2013 + Q1 82.6 of 2014) / 4 = 328.7 / 4
    assert ybgb.index("2013/14") == Decimal("82.175")
    # 2002/03 = (63.3 + 63.6 + 64.2 + 64.4) / 4 = 255.5 / 4
    assert ybgb.index("2002/03") == Decimal("63.875")
    # 2024/25 = (110.1 + 112.1 + 113.2 + 114.1) / 4 = 449.5 / 4
    assert ybgb.index("2024/25") == Decimal("112.375")


def test_a_calendar_years_index_is_its_annual_value(ybgb):
    assert ybgb.index("2013") == Decimal("81.9")


def test_a_2002_03_cost_of_500_pounds_is_879_65_at_2024_25_prices(ybgb):
    # 500.00 × 112.375 / 63.875 = 56,187.5 / 63.875 = 879.6477… → £879.65
    assert ybgb.restate(Decimal("500.00"), "2002/03", "2024/25") == Decimal("879.65")


def test_a_2002_03_cost_of_500_pounds_is_643_25_at_2013_14_prices(ybgb):
    # 500.00 × 82.175 / 63.875 = 41,087.5 / 63.875 = 643.2485… → £643.25
    assert ybgb.restate(Decimal("500.00"), "2002/03", "2013/14") == Decimal("643.25")


def test_a_calendar_year_restates_by_its_annual_values(ybgb):
    # 100.00 × 100.0 / 81.9 = 122.0999… → £122.10
    assert ybgb.restate(Decimal("100.00"), "2013", "2022") == Decimal("122.10")


def test_a_half_penny_rounds_up_not_to_even(ybgb):
    # 12.00 × 112.375 / 100.0 = 13.485 exactly: half-up gives £13.49 (half-even would give £13.48)
    assert ybgb.restate(Decimal("12.00"), "2022", "2024/25") == Decimal("13.49")
    # a disbenefit rounds away from zero the same way
    assert ybgb.restate(Decimal("-12.00"), "2022", "2024/25") == Decimal("-13.49")


def test_a_report_is_stated_in_the_newest_financial_year_with_four_quarters(ybgb):
    # 2025 Q1 is published but 2025 Q2 is not, so 2025/26 is incomplete.
    assert ybgb.latest_financial_year() == "2024/25"


@pytest.mark.parametrize(
    ("typed", "year"),
    [("2013/14", "2013/14"), ("2013-14", "2013/14"), (" 1999/00 ", "1999/00"), ("2013", "2013")],
)
def test_a_price_year_is_a_financial_or_a_calendar_year(typed, year):
    assert price_year(typed) == year


@pytest.mark.parametrize(
    ("typed", "rule"),
    [
        ("2013/15", "'2013/15' is not a financial year: 2013 is followed by 2014"),
        ("13/14", "must be a financial year such as 2013/14 or a calendar year such as 2013, not '13/14'"),
        ("", "must be a financial year such as 2013/14 or a calendar year such as 2013, not ''"),
        ("2013/2014", "must be a financial year such as 2013/14 or a calendar year such as 2013, not '2013/2014'"),
    ],
)  # fmt: skip
def test_anything_else_is_refused_as_a_price_year(typed, rule):
    with pytest.raises(ValidationError) as refused:
        price_year(typed)
    assert str(refused.value) == f"price year: {rule}"


@pytest.mark.parametrize("year", ["2025/26", "1954/55", "1947", "2025"])
def test_a_price_year_the_series_does_not_cover_is_refused_naming_what_it_covers(ybgb, year):
    with pytest.raises(ValidationError) as refused:
        ybgb.restate(Decimal("1.00"), year, "2024/25")
    assert str(refused.value) == (
        f"price year: {year} is not covered: the GDP deflator (YBGB) covers calendar years"
        " 1948–2024 and financial years 1955/56–2024/25"
    )


def test_a_malformed_ons_file_is_refused_with_every_bad_row():
    text = "\n".join(['"Title","x"'] * 8 + ['"2001","1.0"', '"2001 Q5","2"', '"2002","n/a"'])
    with pytest.raises(ValidationError) as refused:
        parse_ons_csv(text)
    assert str(refused.value) == (
        "GDP deflator: row 10: '2001 Q5' is not a new year or quarter; row 11: 'n/a' is not a number"
    )


years = st.sampled_from(["2002/03", "2008/09", "2013/14", "2013", "2022", "2024/25"])
money = st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False)


@given(value=money, year=years)
def test_restating_to_its_own_price_year_changes_nothing(ybgb, value, year):
    assert ybgb.restate(value, year, year) == value


@given(value=money, from_year=years, to_year=years)
def test_a_disbenefit_restates_as_the_mirror_of_a_benefit(ybgb, value, from_year, to_year):
    assert ybgb.restate(-value, from_year, to_year) == -ybgb.restate(value, from_year, to_year)
