"""The board pack's figures and manifest, from a board's view built by hand: every value is
exact text (money to the penny, ratios to two decimals, shares to four), the manifest is
canonical JSON and the same view always gives the same bytes, and a difference between a
pack and the records is named with both values as people read them."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from fund.board import figures
from fund.board.figures import Figure, manifest, text
from fund.board.money import Money
from fund.board.social_return import Band, SocialReturn
from fund.board.verify import differences
from fund.board.view import BoardView, Learning, Risk

HEAD = (41, "ab" * 32)
# The fund's venture metrics as fund.ventures.metrics gives them (money exact, ratios floats).
VENTURES = pd.Series(
    {
        "investments": 3,
        "paid_in": Decimal("10000.00"),
        "distributions": Decimal("1400.00"),
        "written_off": Decimal("0.00"),
        "residual_value": Decimal("9000.00"),
        "dpi": 0.14,
        "rvpi": 0.9,
        "tvpi": 1.04,
        "irr": 0.038637,
        "irr_reason": None,
    }
)


def _money_frame(**columns: list) -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series(values, dtype=object) for name, values in columns.items()})


def _view(
    *, committed: str = "1234.50", band: bool = True, ventures: pd.Series = VENTURES
) -> BoardView:
    money = Money(
        ring_fence=Decimal("1000000.00"),
        allocated=Decimal("100000.00"),
        committed=Decimal(committed),
        paid=Decimal("999.99"),
        recovered=Decimal("0.00"),
        written_off=Decimal("0.00"),
        available=Decimal("100000.00") - Decimal(committed),
        unallocated=Decimal("900000.00"),
        match_funding=Decimal("4000.00"),
        leverage=Decimal("3.24"),
        financial_years="2025-26",
        by_programme=_money_frame(
            ringfence=["Fund"],
            programme=["Young people"],
            allocated=[Decimal("100000.00")],
            committed=[Decimal(committed)],
            paid=[Decimal("999.99")],
            recovered=[Decimal("0.00")],
            available=[Decimal("100000.00") - Decimal(committed)],
        ),
        burn=_money_frame(
            month=[date(2025, 4, 1)],
            paid=[Decimal("999.99")],
            cumulative_committed=[Decimal(committed)],
            cumulative_paid=[Decimal("999.99")],
            planned=[Decimal("83333.33")],
        ),
    )
    sliced = {
        "experiments": [1],
        "incomplete": [0],
        "without_inputs": [0],
        "inputs": [Decimal("999.99")],
        "present_value": [Decimal("2370.01")],
        "net_present_value": [Decimal("1370.02")],
        "sroi_ratio": [2.3700123],
        "price_years": ["2024/25"],
    }
    sroi = SocialReturn(
        fund=pd.DataFrame(sliced),
        by_programme=pd.DataFrame({"programme": ["Young people"], **sliced}),
        by_instrument=pd.DataFrame({"instrument": ["small_grant"], **sliced}),
        experiments=pd.DataFrame(),
        band=Band(
            draws=2000,
            seed=2012,
            p5=1.974999,
            p50=2.305,
            p95=2.68,
            p_above_one=0.98765,
            ratios=np.zeros(1),
        )
        if band
        else None,
    )
    learning = Learning(
        figures=pd.DataFrame(
            {
                "experiments": [4],
                "lessons": [2],
                "share_with_lesson": pd.Series([Decimal("0.6667")], dtype=object),
                "cost_per_lesson": pd.Series([Decimal("499.99")], dtype=object),
            }
        ),
        lessons_per_million=Decimal("1620.09"),
    )
    appetite = pd.DataFrame(
        {
            "ringfence": ["Fund"],
            "limit": ["Per instrument"],
            "subject": ["Small grant"],
            "share_limit": pd.Series([Decimal("25.00")], dtype=object),
            "limit_amount": pd.Series([Decimal("250000.00")], dtype=object),
            "position": pd.Series([Decimal(committed)], dtype=object),
            "share": pd.Series([Decimal("0.12")], dtype=object),
            "headroom": pd.Series([Decimal("250000.00") - Decimal(committed)], dtype=object),
            "breached": [False],
        }
    )
    waiting = pd.DataFrame({"experiment_id": [], "title": [], "programme": [], "why": []})
    return BoardView(
        as_at=date(2026, 3, 31),
        cutoff=datetime(2026, 3, 31, 23, 0),
        money=money,
        ventures=ventures,
        sroi=sroi,
        learning=learning,
        risk=Risk(appetite=appetite, awaiting_decision=waiting),
        newest_lessons=pd.DataFrame(),
        transferable_lessons=pd.DataFrame(),
        audit_head=HEAD,
    )


def _by_key(view: BoardView) -> dict[str, Figure]:
    return {figure.key: figure for figure in figures.figures(view)}


def test_money_is_an_exact_decimal_string_and_shows_as_pounds():
    committed = _by_key(_view())["money.committed"]
    assert committed == Figure("money.committed", "Money", "Committed", "1234.50", "money")
    assert text(committed) == "£1,234.50"


@pytest.mark.parametrize(
    ("key", "value", "shown"),
    [
        ("sroi.ratio", "2.37", "2.37 : 1"),
        ("sroi.band.p5", "1.97", "1.97 : 1"),
        ("sroi.band.p50", "2.31", "2.31 : 1"),  # half-up from its shortest text, 2.305
        ("sroi.band.p_above_one", "0.9877", "98.77%"),
        ("sroi.band.draws", "2000", "2,000"),
        ("learning.share_with_lesson", "0.6667", "66.67%"),
        ("learning.cost_per_lesson", "499.99", "£499.99"),
        ("learning.lessons_per_million", "1620.09", "1620.09"),
        ("money.leverage", "3.24", "£3.24 per £1"),
        ("sroi.programme.Young people.ratio", "2.37", "2.37 : 1"),
        ("sroi.instrument.Small grant.inputs", "999.99", "£999.99"),
        ("money.programme.Fund / Young people.available", "98765.50", "£98,765.50"),
        ("risk.appetite.Fund.Per instrument.Small grant.position", "1234.50", "£1,234.50"),
        ("risk.appetite.Fund.Per instrument.Small grant.share", "0.12", "0.12%"),
        ("risk.awaiting_decision", "0", "0"),
        ("ventures.investments", "3", "3"),
        ("ventures.residual_value", "9000.00", "£9,000.00"),
        ("ventures.dpi", "0.14", "0.14"),
        ("ventures.tvpi", "1.04", "1.04"),
        ("ventures.irr", "0.0386", "3.86%"),
        ("audit.head_row", "41", "41"),
        ("audit.head_hash", "ab" * 32, "ab" * 32),
    ],
)
def test_each_figure_has_a_stable_key_an_exact_value_and_a_shown_text(key, value, shown):
    figure = _by_key(_view())[key]
    assert (figure.value, text(figure)) == (value, shown)


def test_keys_are_unique():
    keys = [figure.key for figure in figures.figures(_view())]
    assert len(keys) == len(set(keys))


def test_without_a_band_there_is_no_band_figure_and_a_missing_value_shows_as_a_dash():
    found = _by_key(_view(band=False))
    assert not [key for key in found if key.startswith("sroi.band.")]
    assert text(found["sroi.ratio"], None) == "–"


def test_the_manifest_is_canonical_json_and_the_same_for_the_same_view():
    packed = manifest(_view())
    assert packed == manifest(_view())
    document = json.loads(packed)
    assert packed == json.dumps(document, sort_keys=True, separators=(",", ":")).encode()
    assert document["as_at"] == "2026-03-31"
    assert document["audit_head"] == {"row": 41, "hash": "ab" * 32}
    assert document["figures"]["money.committed"] == "1234.50"
    assert document["figures"] == {f.key: f.value for f in figures.figures(_view())}


def test_a_changed_figure_changes_the_manifest():
    assert manifest(_view(committed="1234.51")) != manifest(_view())


def test_a_difference_is_named_with_what_the_pack_says_and_what_the_records_say():
    stated = json.loads(manifest(_view()))["figures"]
    found = differences(stated, figures.figures(_view(committed="1000.00")))
    assert "Committed: the pack says £1,234.50, the records now say £1,000.00" in found
    assert "Available to commit: the pack says £98,765.50, the records now say £99,000.00" in found
    assert not [line for line in found if line.startswith("Paid")]


def test_figures_only_in_the_pack_or_only_in_the_records_are_named():
    stated = json.loads(manifest(_view()))["figures"]
    stated["money.old_figure"] = "1.00"
    del stated["money.paid"]
    found = differences(stated, figures.figures(_view()))
    assert found == [
        "Paid: the pack has no such figure, the records now say £999.99",
        "money.old_figure: the pack says 1.00, the records now have no such figure",
    ]


def test_a_value_a_pack_was_altered_to_is_shown_as_written():
    figure = _by_key(_view())["money.committed"]
    assert text(figure, "lots") == "lots"


def test_a_fund_with_no_venture_rate_says_why_in_the_pack():
    none = VENTURES.copy()
    none["irr"], none["irr_reason"] = float("nan"), "no sign change"
    found = _by_key(_view(ventures=none))
    assert (found["ventures.irr"].value, text(found["ventures.irr"])) == (None, "–")
    assert found["ventures.irr_reason"].value == "no sign change"
    assert "ventures.irr_reason" not in _by_key(_view())
