"""A results file is read exactly and checked whole: every bad row with its row and field."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fund.errors import FileRefused
from fund.evidence import observations


def refused(text: str) -> list[str]:
    with pytest.raises(FileRefused) as error:
        observations.read(text)
    return [problem.message() for problem in error.value.problems]


def test_a_good_file_is_read_exactly_with_its_spreadsheet_rows():
    text = "\ufeffunit,group,period,post,value\na,treated,2024,0,0.1\n\na,Treated,2025,1,12.30\n"
    found = observations.read(text)
    assert [(o.row, o.unit, o.group, o.post, o.value) for o in found] == [
        (2, "a", "treated", False, Decimal("0.1")),
        (4, "a", "treated", True, Decimal("12.30")),
    ]


def test_the_unit_column_is_optional():
    (found,) = observations.read("group,period,post,value\ncomparison,1,1,-3e2\n")
    assert found.unit is None and found.value == Decimal("-300")


def test_missing_and_unknown_columns_are_named_together():
    assert refused("group,post,value,colour\n") == [
        "columns: 'period' is required (columns: unit, group, period, post, value)",
        "columns: 'colour' is not a column of a results file",
    ]


def test_every_bad_row_is_reported_with_its_row_and_field():
    text = (
        "group,period,post,value\n"
        "control,1,1,3\n"
        "treated,1,yes,abc\n"
        "treated,,1,\n"
        "treated,2,0,1,extra\n"
    )
    assert refused(text) == [
        "row 2/group: 'control' is not treated or comparison",
        "row 3/post: 'yes' is not 0 or 1 (1: after the experiment began)",
        "row 3/value: 'abc' is not a number",
        "row 4/period: is required",
        "row 4/value: is required",
        "row 5: has 5 cells, more than the 4 columns",
    ]


def test_a_period_cannot_be_both_before_and_after_the_start():
    text = "group,period,post,value\ntreated,2024,0,1\ncomparison,2024,1,2\n"
    assert refused(text) == ["row 3/post: period '2024' is post 0 in row 2"]


@pytest.mark.parametrize("value", ["nan", "inf", "1,5", "£3", "0x10"])
def test_a_value_that_is_not_a_plain_number_is_refused(value):
    assert refused(f'group,period,post,value\ntreated,1,1,"{value}"\n') == [
        f"row 2/value: {value!r} is not a number"
    ]


def test_an_empty_file_says_it_has_no_observations():
    assert refused("group,period,post,value\n") == [
        "file: has no observations (one per row under a header row)"
    ]
