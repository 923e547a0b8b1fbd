"""Money as exact pounds and pence: what :func:`fund.money.to_money` accepts and refuses,
and the one way amounts are printed."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fund.errors import ValidationError
from fund.money import MAX_AMOUNT, PENNY, format_gbp, to_money


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("1,234.56", Decimal("1234.56")),
        ("£10", Decimal("10.00")),
        ("£1,000,000.00", Decimal("1000000.00")),
        ("  42.5  ", Decimal("42.50")),
        ("0.01", Decimal("0.01")),
        ("7.100", Decimal("7.10")),
        (Decimal("12.34"), Decimal("12.34")),
        (Decimal("12"), Decimal("12.00")),
        (25, Decimal("25.00")),
        ("9999999999999999.99", MAX_AMOUNT),
        ("£9,999,999,999,999,999.99", MAX_AMOUNT),
    ],
)
def test_an_amount_typed_in_pounds_becomes_exact_pounds_and_pence(typed, amount):
    result = to_money(typed, "amount")
    assert result == amount
    assert isinstance(result, Decimal)
    assert result.as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("typed", "rule"),
    [
        (10.5, "must be given as a decimal string, not a float"),
        (0.1, "must be given as a decimal string, not a float"),
        (True, "must be given as a decimal string, not a float"),
        ("1.005", "must have at most two decimal places, not 1.005"),
        (Decimal("0.001"), "must have at most two decimal places"),
        ("-5", "must be more than £0.00, not -£5.00"),
        ("£-1,000.00", "must be more than £0.00, not -£1,000.00"),
        (-3, "must be more than £0.00, not -£3.00"),
        ("0", "must be more than £0.00, not £0.00"),
        ("0.00", "must be more than £0.00, not £0.00"),
        ("ten pounds", "must be a number of pounds"),
        ("12abc", "must be a number of pounds"),
        ("£", "must be a number of pounds"),
        ("5£", "must be a number of pounds"),
        ("", "is required"),
        ("   ", "is required"),
        (None, "is required"),
        ("NaN", "number of pounds"),
        ("Infinity", "number of pounds"),
        ("-Infinity", "number of pounds"),
        (Decimal("NaN"), "must be a finite number of pounds"),
        (Decimal("-Infinity"), "must be a finite number of pounds"),
        ("10000000000000000.00", "must not exceed £9,999,999,999,999,999.99"),
        ("£10,000,000,000,000,000", "must not exceed £9,999,999,999,999,999.99"),
        (Decimal("1e30"), "must not exceed £9,999,999,999,999,999.99"),
        (10**17, "must not exceed £9,999,999,999,999,999.99"),
    ],
)
def test_an_amount_that_is_not_exact_money_is_refused_naming_the_field(typed, rule):
    with pytest.raises(ValidationError) as refused:
        to_money(typed, "declared amount")
    assert refused.value.field == "declared amount"
    assert rule in refused.value.rule
    assert str(refused.value).startswith("declared amount: ")


def test_a_refusal_names_whichever_field_the_amount_came_from():
    with pytest.raises(ValidationError) as refused:
        to_money("abc", "match funding (cash)")
    assert refused.value.field == "match funding (cash)"
    assert str(refused.value).startswith("match funding (cash): must be a number of pounds")
    assert str(refused.value).endswith("not 'abc'")


def test_zero_is_allowed_where_the_field_may_be_zero():
    assert to_money("0", "delegated limit", positive=False) == Decimal("0.00")
    assert to_money("£0.00", "delegated limit", positive=False) == Decimal("0.00")


def test_a_negative_figure_comes_back_signed_when_the_caller_allows_it():
    # The caller (for example the register) then applies its own sign rule.
    assert to_money("-5", "delegated limit", positive=False) == Decimal("-5.00")


def test_the_largest_amount_is_exactly_what_decimal_18_2_holds():
    assert str(MAX_AMOUNT) == "9999999999999999.99"
    with pytest.raises(ValidationError):
        to_money(MAX_AMOUNT + PENNY, "amount")


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        (Decimal("1234.56"), "£1,234.56"),
        (Decimal("-5"), "-£5.00"),
        (Decimal("-5.00"), "-£5.00"),
        (Decimal("0"), "£0.00"),
        (Decimal("-0.00"), "£0.00"),
        (Decimal("0.5"), "£0.50"),
        (Decimal("60000"), "£60,000.00"),
        (Decimal("1000000.01"), "£1,000,000.01"),
        (MAX_AMOUNT, "£9,999,999,999,999,999.99"),
        (-MAX_AMOUNT, "-£9,999,999,999,999,999.99"),
    ],
)
def test_money_is_printed_in_pounds_with_thousands_and_pence(amount, shown):
    assert format_gbp(amount) == shown


pence = st.integers(min_value=1, max_value=int(MAX_AMOUNT * 100))


@given(pence)
def test_any_amount_in_pence_within_range_round_trips_exactly(cents):
    amount = Decimal(cents).scaleb(-2)
    assert to_money(amount, "amount") == amount
    assert to_money(str(amount), "amount") == amount
    assert to_money(format_gbp(amount), "amount") == amount


@given(
    st.decimals(
        min_value=Decimal("0.01"),
        max_value=MAX_AMOUNT,
        places=2,
        allow_nan=False,
        allow_infinity=False,
    )
)
def test_any_decimal_with_at_most_two_places_round_trips_exactly(amount):
    result = to_money(amount, "amount")
    assert result == amount
    assert result.as_tuple().exponent == -2
    assert to_money(format_gbp(result), "amount") == result


@given(
    st.decimals(
        min_value=Decimal("-1000"),
        max_value=Decimal("1000"),
        places=3,
        allow_nan=False,
        allow_infinity=False,
    ).filter(lambda d: d != d.quantize(PENNY))
)
def test_a_third_decimal_place_is_always_refused_never_rounded(amount):
    with pytest.raises(ValidationError) as refused:
        to_money(amount, "amount")
    assert refused.value.field == "amount"


@pytest.mark.parametrize("typed", ["12,34", "1,2,3", "1,0000", "1e3", "1_000", "1.2.3", "0x10"])
def test_an_amount_that_is_not_written_as_pounds_and_pence_is_refused(typed):
    # '12,34' must never quietly become £1,234.00, nor '1e3' £1,000.00.
    with pytest.raises(ValidationError) as refused:
        to_money(typed, "amount")
    assert refused.value.field == "amount"
    assert repr(typed) in refused.value.rule


@pytest.mark.parametrize("typed", ["１２３", "١٢٣", "۱۲۳", "1,２34.00", "12.٥0", "£１０", "²"])
def test_an_amount_written_with_digits_other_than_0_to_9_is_refused_saying_so(typed):
    # Python's Decimal() reads '１２３' and '١٢٣' as 123; the fund takes only ASCII digits.
    with pytest.raises(ValidationError) as refused:
        to_money(typed, "amount")
    assert str(refused.value) == (
        "amount: must be a number of pounds such as 1,234.56, written with the digits 0-9,"
        f" not {typed!r}"
    )


def test_an_amount_with_no_digits_at_all_is_refused_without_mentioning_other_digits():
    with pytest.raises(ValidationError) as refused:
        to_money("twelve", "amount")
    assert str(refused.value) == "amount: must be a number of pounds such as 1,234.56, not 'twelve'"


def test_an_amount_holding_bytes_that_were_not_utf8_is_refused_not_crashed_on():
    with pytest.raises(ValidationError) as refused:
        to_money("12\udca3", "amount")
    assert refused.value.field == "amount"


@given(st.text(alphabet=st.characters(categories=["Nd"]), min_size=1, max_size=6))
def test_only_ascii_digits_make_an_amount(digits):
    if digits.isascii():
        assert to_money(digits, "amount", positive=False) == Decimal(digits)
    else:
        with pytest.raises(ValidationError):
            to_money(digits, "amount", positive=False)
