"""The SROI engine reproduces the worked examples exactly, by DESIGN.md §4's conventions."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from fund.sroi import calculate, impact_file
from fund.sroi.discount import Band, Schedule, flat

REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference"
EXAMPLES = json.loads((REFERENCE / "sroi_examples.json").read_text())["examples"]
GREEN_BOOK = json.loads((REFERENCE / "green_book_discounting.json").read_text())
CONTEXT = impact_file.Context(schedules={"green-book-standard", "green-book-health"})


def green_book(kind: str) -> Schedule:
    """A Green Book schedule straight from the reference file."""
    bands = tuple(
        Band(year_from=b["from"], year_to=b["to"], rate=Decimal(str(b[kind])))
        for b in GREEN_BOOK["bands"]
    )
    return Schedule(name=f"green-book-{kind}", effective_from=date(2003, 1, 1), bands=bands)


def example(name_part: str) -> dict:
    return next(e for e in EXAMPLES if name_part in e["name"])


def computed(ex: dict, schedule: Schedule | None = None) -> calculate.Result:
    impact_map = impact_file.from_json(ex["impact_map"], CONTEXT)
    return calculate.compute(impact_map, schedule or green_book("standard"))


@pytest.mark.parametrize("ex", EXAMPLES, ids=lambda e: e["name"])
def test_every_worked_example_is_reproduced_to_the_penny(ex):
    result, expected = computed(ex), ex["expected"]
    assert str(result.present_value) == expected["present_value"]
    assert str(result.net_present_value) == expected["net_present_value"]
    assert result.sroi_ratio == pytest.approx(expected["sroi_ratio"], abs=1e-6)
    assert result.net_sroi_ratio == pytest.approx(expected["net_sroi_ratio"], abs=1e-6)
    assert result.payback_months == pytest.approx(expected["payback_months"], abs=1e-6)
    by_year = expected.get("values_by_year") or expected["totals_by_year"]
    assert [str(v) for v in result.values_by_year] == by_year


def test_first_year_impact_multiplies_the_deductions_out():
    single = computed(example("single outcome"))
    assert [str(v) for v in single.impact_first_year] == ["54000.00"]
    programme = example("grant programme")
    assert [str(v) for v in computed(programme).impact_first_year] == programme["expected"][
        "impact_first_year_by_outcome"
    ]
    assert str(computed(programme).inputs_total) == programme["expected"]["inputs_total"]


def test_the_green_books_t_zero_for_the_first_year_gives_the_undiscounted_figure():
    ex = example("single outcome")
    impact_map = impact_file.from_json(ex["impact_map"], CONTEXT)
    undiscounted = replace(
        impact_map, discount=replace(impact_map.discount, first_year_discounted=False)
    )
    result = calculate.compute(undiscounted, green_book("standard"))
    assert str(result.present_value) == ex["expected"]["present_value_if_first_year_undiscounted"]


def test_the_health_schedule_discounts_at_one_and_a_half_per_cent():
    ex = example("single outcome")
    result = computed(ex, green_book("health"))
    assert str(result.present_value) == ex["expected"]["present_value_at_health_rate_1_5pc"]
    assert str(computed(ex, flat(Decimal("0.015"))).present_value) == str(result.present_value)


@pytest.mark.parametrize("kind", ["standard", "health"])
def test_green_book_factors_match_the_treasurys_check_figures_to_six_decimals(kind):
    checks = GREEN_BOOK["check_factors"][kind]
    factors = green_book(kind).factors(max(int(t) for t in checks))
    for t, expected in checks.items():
        assert round(float(factors[int(t)]), 6) == expected, t
    assert green_book(kind).float_factors(80)[31] == pytest.approx(float(factors[31]))


def test_an_outcome_starting_in_year_two_is_worth_nothing_in_year_one():
    programme = computed(example("grant programme"))
    gp_visits = programme.values_by_outcome[3]
    assert gp_visits[0] == Decimal("0.00")
    assert gp_visits[1:6] == tuple(
        Decimal(v) for v in ("1620.00", "1296.00", "1036.80", "829.44", "663.55")
    )


def test_no_inputs_give_no_ratio_and_a_first_year_of_nothing_gives_no_payback():
    ex = example("single outcome")
    impact_map = impact_file.from_json(ex["impact_map"], CONTEXT)
    result = calculate.compute(replace(impact_map, inputs=()), green_book("standard"))
    assert result.sroi_ratio is None and result.net_sroi_ratio is None
    assert result.payback_months is not None
    late = replace(impact_map.outcomes[0], start_year=2)
    result = calculate.compute(replace(impact_map, outcomes=(late,)), green_book("standard"))
    assert result.payback_months is None


def test_a_map_without_justifications_computes_but_is_incomplete():
    result = computed(example("single outcome"))
    assert not result.complete
    assert "outcomes/0/deadweight" in result.gaps
    assert "outcomes/0/proxy_source" in result.gaps


def test_a_map_with_every_deduction_justified_and_its_proxy_sourced_is_complete():
    document = json.loads(json.dumps(example("single outcome")["impact_map"]))
    outcome = document["outcomes"][0]
    outcome["justifications"] = {
        "deadweight": "a quarter find work anyway (DWP cohort data)",
        "displacement": "no jobs displaced: new vacancies",
        "attribution": "a fifth is the college's work",
        "drop_off": "a tenth leave work each year (ONS)",
    }
    outcome["proxy_source"] = "fiscal saving per person into work, GMCA EW1.0"
    result = calculate.compute(impact_file.from_json(document, CONTEXT), green_book("standard"))
    assert result.complete and result.gaps == ()


def test_a_drop_off_of_one_keeps_the_first_year_and_nothing_after():
    document = json.loads(json.dumps(example("single outcome")["impact_map"]))
    document["outcomes"][0]["drop_off"] = 1
    result = calculate.compute(impact_file.from_json(document, CONTEXT), green_book("standard"))
    assert result.values_by_year == (Decimal("54000.00"), Decimal("0.00"), Decimal("0.00"))
