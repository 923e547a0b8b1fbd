"""Sizing the demo's impact maps: whole counts that land a map near the ratio it is meant
to show, without a small grant claiming outcomes it could never have paid for."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from fund.demo.impact import sized
from fund.demo.outcomes import OUTCOMES

JOB, WORRY, GP, HARM = (
    OUTCOMES[k] for k in ("work", "recovery", "mental health gp", "repeat claims")
)
UNITS = {
    JOB: Decimal("15000.00"),
    WORRY: Decimal("1100.00"),
    GP: Decimal("31.00"),
    HARM: Decimal("-317.26"),  # a disbenefit: a cost
}


def worth(counted) -> Decimal:
    return sum((count * UNITS[spec] for spec, count in counted), Decimal(0))


@given(value=st.integers(min_value=20_000, max_value=5_000_000).map(Decimal))
def test_a_map_lands_within_one_consultation_of_the_value_it_is_sized_for(value):
    counted = sized(value, [(JOB, UNITS[JOB]), (WORRY, UNITS[WORRY]), (GP, UNITS[GP])])
    assert all(count >= 1 and count == count.to_integral_value() for _, count in counted)
    assert abs(worth(counted) - value) < UNITS[GP]


def test_a_small_grant_does_not_claim_a_job_it_could_not_have_paid_for():
    counted = sized(Decimal("3000"), [(JOB, UNITS[JOB]), (WORRY, UNITS[WORRY]), (GP, UNITS[GP])])
    assert [spec for spec, _ in counted] == [WORRY, GP]
    assert abs(worth(counted) - Decimal("3000")) < UNITS[GP]


def test_a_disbenefit_is_counted_against_the_map_as_a_share_of_its_first_outcome():
    counted = dict(
        sized(
            Decimal("900000"),
            [(JOB, UNITS[JOB]), (WORRY, UNITS[WORRY]), (HARM, UNITS[HARM]), (GP, UNITS[GP])],
        )
    )
    assert counted[HARM] == (counted[JOB] * Decimal(HARM.follows)).quantize(Decimal(1))
    assert abs(worth(counted.items()) - Decimal("900000")) < UNITS[GP]
