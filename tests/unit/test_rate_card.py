"""A rate card as typed, and the forecast of what an expected profile of outcomes would still
bring within the caps, to the penny. (The DWP Innovation Fund's published checks are
reproduced through the ledger's own SQL in tests/integration/test_pbr.py.)"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fund.demo.outcome_contracts import DWP_MAX_PER_PARTICIPANT, DWP_PRICES
from fund.errors import ValidationError
from fund.pbr.rate_card import card, forecast, rate

D = Decimal
REFERENCE = json.loads(
    (Path(__file__).parents[3] / "shared" / "reference" / "pbr_reference.json").read_text()
)["rate_cards"][0]
DWP = card([rate(metric=m, definition=m, unit_price=p) for m, p in REFERENCE["prices"].items()])


def test_the_demo_carries_the_reference_prices():
    assert REFERENCE["prices"] == DWP_PRICES
    assert REFERENCE["max_per_participant"] == DWP_MAX_PER_PARTICIPANT


def test_a_card_prices_each_metric_once_and_at_least_one():
    line = rate(metric="ESOL completion", definition="d", unit_price="1200.00")
    with pytest.raises(ValidationError, match="twice"):
        card([line, line])
    with pytest.raises(ValidationError, match="at least one"):
        card([])
    with pytest.raises(ValidationError, match="unit price"):
        rate(metric="m", definition="d", unit_price="-5")


def _profile(rows):
    return pd.DataFrame(rows, columns=["metric", "period_end", "quantity"])


def test_the_forecast_stops_at_each_metric_cap_and_at_the_room_left():
    lines = card(
        [
            rate(metric="a", definition="a", unit_price="100.00", cap="250.00"),
            rate(metric="b", definition="b", unit_price="10.00"),
        ]
    )
    profile = _profile(
        [
            ("a", date(2027, 3, 31), 2),
            ("b", date(2027, 3, 31), 5),
            ("a", date(2027, 6, 30), 2),
            ("b", date(2027, 6, 30), 5),
        ]
    )
    paid = forecast(lines, profile, {"a": D("100.00")}, room=D("1000.00"))["payment"].tolist()
    assert paid == [D("150.00"), D("50.00"), D("0.00"), D("50.00")]  # a: 100 earned + 150 = cap
    tight = forecast(lines, profile, {}, room=D("220.00"))["payment"].tolist()
    assert tight == [D("200.00"), D("20.00"), D("0.00"), D("0.00")]


@given(
    st.lists(
        st.tuples(st.sampled_from(list(REFERENCE["prices"])), st.integers(0, 40)), max_size=12
    ),
    st.integers(0, 5_000_000),
)
@settings(deadline=None)
def test_a_forecast_never_passes_the_room_left(rows, room_pence):
    profile = _profile([(m, date(2027, 1, 1 + i), q) for i, (m, q) in enumerate(rows)])
    room = D(room_pence) / 100
    paid = forecast(DWP, profile, {}, room)["payment"]
    assert sum(paid.tolist(), D(0)) <= room
    assert all(p >= 0 for p in paid.tolist())


def test_a_forecast_is_exact_at_any_size():
    lines = card([rate(metric="a", definition="a", unit_price="99999999.99")])
    profile = _profile([("a", date(2027, 3, 31), 999_999_999)])
    (paid,) = forecast(lines, profile, {}, room=D("9999999999999999.99"))["payment"].tolist()
    assert paid == D("9999999999999999.99")  # the room, not an overflowed int64
