"""Rates of return and money multiples: the published and computed examples of
/work/shared/reference/irr_examples.json, and properties of the rate on random flows."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
import pyxirr
from hypothesis import given, settings
from hypothesis import strategies as st

from fund import returns
from fund.returns import irr, multiple, multiples, xirr

EXAMPLES = Path("/work/shared/reference/irr_examples.json")
TOLERANCE = 1e-6


def example(name: str) -> dict:
    """The worked example of the reference file whose name starts with ``name``."""
    if not EXAMPLES.exists():
        pytest.skip(f"{EXAMPLES} is not on this machine")
    found = [e for e in json.loads(EXAMPLES.read_text())["examples"] if e["name"].startswith(name)]
    assert len(found) == 1, name
    return found[0]


def npv(rate: float, days: list[date], amounts: list[float]) -> float:
    """Net present value, actual/365 from the first date, written out independently."""
    return sum(
        a / (1 + rate) ** ((d - days[0]).days / 365) for d, a in zip(days, amounts, strict=True)
    )


def test_the_numpy_periodic_irr_example():
    worked = example("periodic IRR")
    found = irr(worked["cash_flows"])
    assert found.reason == ""
    assert found.rate == pytest.approx(worked["expected_irr"], abs=TOLERANCE)
    assert found.roots == (found.rate,)


def test_the_excel_xirr_example():
    worked = example("XIRR and XNPV")
    found = xirr(worked["dates"], worked["cash_flows"])
    assert found.reason == ""
    assert found.rate == pytest.approx(worked["expected_xirr"], abs=TOLERANCE)
    days = [date.fromisoformat(d) for d in worked["dates"]]
    assert xirr(days, [Decimal(a) for a in worked["cash_flows"]]).rate == found.rate


def test_the_private_equity_glossary_multiples():
    worked = example("fund multiples")
    found = multiples(
        Decimal(worked["paid_in"]),
        Decimal(worked["distributions"]),
        Decimal(worked["residual_value"]),
    )
    assert found == pytest.approx(worked["expected"], abs=TOLERANCE)


def test_the_constructed_eight_year_fund():
    worked = example("constructed eight-year fund")
    calls = [Decimal(c) for c in worked["capital_calls_by_year"]]
    paid = [Decimal(d) for d in worked["distributions_by_year"]]
    residual = Decimal(worked["residual_value_end_year_7"])
    expected = worked["expected"]
    assert sum(calls) == expected["paid_in"]
    assert sum(paid) == expected["distributed"]
    found = multiples(sum(calls), sum(paid), residual)
    for name in ("DPI", "RVPI", "TVPI"):
        assert found[name] == pytest.approx(expected[name], abs=TOLERANCE)
    # Years 0 to 7; the residual value counts as a flow at the end of year 7, the last.
    net = [d - c for c, d in zip(calls, paid, strict=True)]
    net[7] += residual
    assert irr(net).rate == pytest.approx(expected["periodic_irr"], abs=TOLERANCE)


def test_a_bond_that_repaid_ten_percent_more_after_two_years():
    found = xirr([date(2021, 1, 1), date(2023, 1, 1)], [-1_000_000, 1_100_000])
    assert found.rate == pytest.approx(1.1 ** (365 / 730) - 1, abs=1e-12)


def test_the_money_multiple_is_exact():
    assert multiple(Decimal("1000000.00"), Decimal("1100000.00")) == Decimal("1.1")
    assert multiple(Decimal("3.00"), Decimal("1.00")) == Decimal(1) / Decimal(3)
    assert multiple(Decimal("0.00"), Decimal("5.00")) is None


def test_nothing_paid_in_has_no_multiples():
    assert multiples(Decimal(0), Decimal(10), Decimal(5)) == {
        "DPI": None,
        "RVPI": None,
        "TVPI": None,
    }


@pytest.mark.parametrize(
    ("amounts", "reason"),
    [
        ([], returns.FEWER_THAN_TWO),
        ([-100], returns.FEWER_THAN_TWO),
        ([-100, -5, 0], returns.NO_SIGN_CHANGE),
        ([0, 0, 0], returns.NO_SIGN_CHANGE),
    ],
)
def test_flows_without_a_rate_say_why(amounts, reason):
    periodic = irr(amounts)
    dated = xirr([date(2020, 1, 1) + timedelta(days=90 * i) for i in range(len(amounts))], amounts)
    for found in (periodic, dated):
        assert (found.rate, found.reason, found.roots) == (None, reason, ())


def test_two_roots_are_both_reported():
    found = irr([-100, 230, -132])  # -100 (1 + r)^2 + 230 (1 + r) - 132 = 0 at 10% and 20%
    assert found.rate is None
    assert found.roots == pytest.approx((0.10, 0.20), abs=1e-9)
    assert found.reason == ("more than one rate makes the net present value zero: 10.0%, 20.0%")
    # The same flows a year apart (365 days each: 2021 and 2022 are not leap years).
    days = [date(2021, 1, 1), date(2022, 1, 1), date(2023, 1, 1)]
    assert xirr(days, [-100, 230, -132]).roots == pytest.approx((0.10, 0.20), abs=1e-9)


def test_roots_close_together_are_told_apart():
    # Roots at -90.00% and -89.96%: one decimal would show both as -90.0%.
    a, b = 0.1, 0.1004
    found = irr([-100, 100 * (a + b), -100 * a * b])
    assert found.roots == pytest.approx((-0.9, -0.8996), abs=1e-9)
    assert found.reason.endswith(": -90.00%, -89.96%")


def test_rates_beyond_the_scanned_range_are_still_found():
    days = [date(2021, 1, 1), date(2022, 1, 1)]
    assert xirr(days, [-100, 2100]).rate == pytest.approx(20.0, abs=TOLERANCE)
    assert xirr(days, [-100, 0.5]).rate == pytest.approx(-0.995, abs=TOLERANCE)


def test_a_double_root_is_the_one_rate():
    # -100 + 200 / (1 + r) - 100 / (1 + r)^2 = -100 (1 - 1/(1 + r))^2 touches zero at 0 only.
    assert irr([-100, 200, -100]).rate == pytest.approx(0.0, abs=TOLERANCE)


# Investments that pay in, then get back: between half and three times what went in, the
# first money back at least a year after the last payment in.
money = st.integers(min_value=1_000, max_value=10_000_000)
gaps = st.integers(min_value=1, max_value=400)


@st.composite
def one_sign_change(draw):
    paid = draw(st.lists(money, min_size=1, max_size=5))
    shares = draw(st.lists(st.integers(min_value=1, max_value=100), min_size=1, max_size=5))
    back = draw(st.floats(min_value=0.5, max_value=3.0)) * sum(paid)
    amounts = [-float(p) for p in paid] + [back * s / sum(shares) for s in shares]
    offsets = [0]
    for i in range(1, len(amounts)):
        wait = draw(st.integers(min_value=365, max_value=800)) if i == len(paid) else draw(gaps)
        offsets.append(offsets[-1] + wait)
    start = draw(st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 1, 1)))
    return [start + timedelta(days=o) for o in offsets], amounts


@settings(max_examples=200, deadline=None)
@given(one_sign_change())
def test_outflows_then_inflows_have_one_rate_that_zeroes_the_npv(flows):
    days, amounts = flows
    found = xirr(days, amounts)
    assert found.reason == ""
    assert found.rate is not None
    assert found.roots == (found.rate,)
    size = sum(abs(a) for a in amounts)
    assert abs(npv(found.rate, days, amounts)) <= 1e-6 * size


@settings(max_examples=200, deadline=None)
@given(one_sign_change())
def test_one_sign_change_skips_the_scan_and_finds_the_scans_one_root(flows):
    # Descartes: one change of sign in time order, one rate; the scan would find only it.
    days, amounts = flows
    years = returns._years(returns._dates(days))
    scanned = returns._scan(years, returns._flows(amounts, len(days)))
    assert len(scanned) == 1
    assert xirr(days, amounts).rate == pytest.approx(
        scanned[0], rel=returns.SAME_ROOT, abs=returns.SAME_ROOT
    )


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.floats(min_value=0, max_value=1e9), min_size=2, max_size=20),
    st.booleans(),
)
def test_flows_all_of_one_sign_have_no_sign_change(amounts, paid_in):
    signed = [-a for a in amounts] if paid_in else amounts
    found = irr(signed)
    assert (found.rate, found.reason) == (None, returns.NO_SIGN_CHANGE)


@settings(max_examples=100, deadline=None)
@given(
    st.floats(min_value=-0.5, max_value=4.0),
    st.floats(min_value=0.01, max_value=3.0),
    st.floats(min_value=1.0, max_value=1e6),
)
def test_flows_made_from_two_rates_report_both(low, apart, size):
    # -size (1 + r)^2 + size (a + b)(1 + r) - size a b is zero exactly at 1 + r = a and b.
    a, b = 1 + low, 1 + low + apart
    found = irr([-size, size * (a + b), -size * a * b])
    assert found.rate is None
    assert found.roots == pytest.approx((a - 1, b - 1), rel=1e-7, abs=1e-7)
    assert found.reason.startswith(returns.MORE_THAN_ONE)


def test_the_rate_is_pyxirrs_when_there_is_one():
    amounts = [-100, 39, 59, 55, 20]
    assert irr(amounts).rate == pyxirr.irr(amounts)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.one_of(one_sign_change(), st.just(([date(2020, 1, 1)], [5.0]))), max_size=6))
def test_many_series_at_once_have_the_rates_each_has_alone(many):
    # Mixed with flows of no rate and flows of two: each series's rate or reason as alone.
    many = [
        *many,
        ([date(2020, 1, 1), date(2021, 1, 1), date(2022, 1, 1)], [-100.0, 230.0, -132.0]),
    ]
    groups = np.concatenate([np.full(len(d), n) for n, (d, _) in enumerate(many)])
    days = np.concatenate([np.array(d, dtype="datetime64[D]") for d, _ in many])
    amounts = np.concatenate([np.array(a, dtype=float) for _, a in many])
    found = returns.xirr_each(groups, days, amounts)
    for (d, a), each in zip(many, found, strict=True):
        alone = xirr(d, a)
        assert each.reason == alone.reason
        if alone.rate is None:
            assert each.rate is None
        else:
            assert each.rate == pytest.approx(alone.rate, rel=1e-12, abs=1e-12)
