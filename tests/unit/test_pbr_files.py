"""A rate card and an expected-outcomes profile read from CSV: every bad row named at once."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from fund.errors import RowsRefused, ValidationError
from fund.pbr.files import read_expected, read_rate_card
from fund.pbr.rate_card import Rate

D = Decimal


def test_a_rate_card_is_read_with_its_caps_exactly():
    card = read_rate_card(
        "metric,definition,unit_price,cap\n"
        "Entered work,Started a job of 16 hours a week,1500.00,30000\n"
        "Sustained work,In work 26 weeks later,2500.50,\n"
    )
    assert card == [
        Rate(
            metric="Entered work",
            definition="Started a job of 16 hours a week",
            unit_price=D("1500.00"),
            cap=D("30000.00"),
        ),
        Rate(metric="Sustained work", definition="In work 26 weeks later", unit_price=D("2500.50")),
    ]


def test_the_cap_column_may_be_left_out_and_a_byte_order_mark_and_blank_lines_are_ignored():
    card = read_rate_card("\ufeffMetric,Definition,Unit_price\r\n\r\nA,means a,10\r\n".encode())
    assert card == [Rate(metric="A", definition="means a", unit_price=D("10.00"))]


def test_every_bad_row_of_a_rate_card_is_named_at_once():
    with pytest.raises(RowsRefused) as refused:
        read_rate_card(
            "metric,definition,unit_price,cap\n"
            "Good,fine,100,\n"
            "Bad price,no price,-5,\n"
            ",no metric,100,\n"
            "Good,again,200,\n"
            "Pennies,too fine,1.234,\n"
        )
    assert refused.value.rows == [2, 3, 4, 5]
    message = refused.value.message()
    assert message.startswith("row 2: unit price:")
    assert "row 3: metric: " in message
    assert "row 4: metric: 'Good' is given already in row 1" in message
    assert "row 5: unit price:" in message


def test_a_rate_card_header_names_every_wrong_column():
    with pytest.raises(ValidationError) as refused:
        read_rate_card("metric,price,cap,cap\nA,10,,\n")
    assert refused.value.field == "rate card"
    rule = refused.value.rule
    assert "'price' is not one of its columns" in rule
    assert "'cap' is given twice" in rule
    assert "definition is missing" in rule and "unit_price is missing" in rule


def test_a_rate_card_with_no_rows_or_not_in_utf8_is_refused():
    with pytest.raises(ValidationError, match="has a header but no rows"):
        read_rate_card("metric,definition,unit_price\n")
    with pytest.raises(ValidationError, match="UTF-8"):
        read_rate_card("metric,definition,unit_price\nCaf\xe9,x,1\n".encode("latin-1"))


def test_a_row_with_more_values_than_the_header_is_refused():
    with pytest.raises(RowsRefused) as refused:
        read_rate_card("metric,definition,unit_price\nA,x,1,2\n")
    assert refused.value.message() == (
        "row 1: columns: the row has 1 more value(s) than the header"
    )


def test_an_expected_profile_is_read_and_every_bad_row_named():
    profile = read_expected("metric,period_end,quantity\nA,2026-12-31,4\nB,2027-06-30,0\n")
    assert [(e.metric, e.period_end, e.quantity) for e in profile] == [
        ("A", date(2026, 12, 31), 4),
        ("B", date(2027, 6, 30), 0),
    ]
    with pytest.raises(RowsRefused) as refused:
        read_expected(
            "metric,period_end,quantity\n"
            "A,31/12/2026,4\n"
            "A,2026-12-31,-1\n"
            "A,2026-12-31,2\n"
            "A,2026-12-31,3\n"
        )
    assert refused.value.rows == [1, 2, 4]
    assert "row 1: period end: must be a date as YYYY-MM-DD" in refused.value.message()
    assert "row 4: metric: 'A' is given already in row 3" in refused.value.message()
