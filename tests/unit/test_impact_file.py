"""An impact map file is checked whole: every problem at once, each with its place."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from fund.errors import FileRefused
from fund.sroi import impact_file
from fund.sroi.model import Input

CONTEXT = impact_file.Context(schedules={"green-book-standard", "green-book-health"})


def outcome(**changes) -> dict:
    row = {
        "stakeholder": "young people",
        "outcome": "into sustained work",
        "indicator": "in work at 26 weeks",
        "quantity": 20,
        "proxy": "5000.00",
        "duration_years": 3,
        "start_year": 1,
        "deadweight": 0.25,
        "displacement": 0.1,
        "attribution": 0.2,
        "drop_off": 0.1,
    }
    return row | changes


def document(*outcomes: dict, **top) -> dict:
    return {
        "inputs": [{"description": "grant", "amount": "50000.00"}],
        "discount": {"schedule": "green-book-standard", "first_year_discounted": True},
        "outcomes": list(outcomes) or [outcome()],
    } | top


def problems(data: object, context: impact_file.Context = CONTEXT) -> list[str]:
    with pytest.raises(FileRefused) as refused:
        impact_file.from_json(data, context)
    return [p.message() for p in refused.value.problems]


def test_the_issues_examples_are_reported_in_the_checkers_words():
    found = problems(
        document(
            outcome(),
            outcome(proxy="12.345"),
            outcome(),
            outcome(deadweight=1.2),
            discount={"schedule": "green"},
        )
    )
    assert "outcomes/3/deadweight: 1.2 is not a fraction between 0 and 1" in found
    assert "outcomes/1/proxy: 12.345 has more than two decimals" in found
    assert any(p.startswith("discount/schedule: unknown schedule 'green'") for p in found)
    assert len(found) == 3


def test_every_kind_of_bad_outcome_is_named_at_once():
    bad = outcome(quantity=-3, duration_years=0, start_year=3)
    del bad["indicator"]
    found = problems(document(bad, outcome(duration_years=101), outcome(attribution="a lot")))
    assert "outcomes/0/indicator: is required" in found
    assert "outcomes/0/quantity: -3 is negative; a quantity counts what changed" in found
    assert "outcomes/0/duration_years: 0 is not a whole number from 1 to 100" in found
    assert "outcomes/0/start_year: 3 is not 1 or 2" in found
    assert "outcomes/1/duration_years: 101 is not a whole number from 1 to 100" in found
    assert "outcomes/2/attribution: 'a lot' is not a number" in found


def test_a_misspelt_field_is_reported_never_dropped():
    row = outcome()
    row["deadwieght_note"] = "typo"
    found = problems(document(row))
    assert found[0].startswith("outcomes/0/deadwieght_note: is not a field here")


def test_a_file_computed_alone_needs_its_inputs_but_an_import_does_not():
    assert problems(document(inputs=[]))[0].startswith("inputs: must be a list")
    without = {k: v for k, v in document().items() if k != "inputs"}
    imported = impact_file.from_json(
        without, impact_file.Context(schedules=CONTEXT.schedules, inputs_required=False)
    )
    assert imported.inputs == ()


def test_numbers_are_read_exactly_from_json_text():
    text = json.dumps(document(outcome(deadweight=0.1)))
    impact_map = impact_file.read(text, ".json", CONTEXT)
    assert impact_map.outcomes[0].deadweight == Decimal("0.1")
    assert impact_map.inputs == (Input(description="grant", amount=Decimal("50000.00")),)


def test_a_file_that_is_not_json_says_so():
    with pytest.raises(FileRefused, match="file: is not JSON"):
        impact_file.read("{not json", ".json", CONTEXT)


def test_a_flat_rate_is_a_fraction_below_one():
    found = problems(document(discount={"schedule": {"rate": 1.5}}))
    assert found == ["discount/schedule/rate: 1.5 is not a fraction between 0 and below 1"]
    flat = impact_file.from_json(document(discount={"schedule": {"rate": "0.05"}}), CONTEXT)
    assert (flat.discount.schedule, flat.discount.rate) == ("flat", Decimal("0.05"))


def test_ranges_must_hold_the_point_value_and_name_a_known_distribution():
    row = outcome(
        ranges={
            "deadweight": {"low": 0.3, "high": 0.5},
            "quantity": {"low": 10, "high": 30, "distribution": "normal"},
        }
    )
    found = problems(document(row))
    assert (
        "outcomes/0/ranges/deadweight: must hold the value 0.25: low 0.3 ≤ value ≤ high 0.5"
        in found
    )
    assert any(
        p.startswith("outcomes/0/ranges/quantity/distribution: must be one of") for p in found
    )


class Library:
    """A stand-in library: one proxy, restated to the map's price year."""

    class Proxy:
        restated = Decimal("612.40")
        price_year = "2024/25"

    def __call__(self, codes, price_year):
        return {code: self.Proxy() for code in codes if code == "CR1.0"}


def test_a_library_proxy_takes_the_librarys_restated_value():
    row = outcome(proxy_code="CR1.0")
    del row["proxy"]
    context = impact_file.Context(schedules=CONTEXT.schedules, library=Library())
    impact_map = impact_file.from_json(document(row), context)
    assert impact_map.outcomes[0].proxy == Decimal("612.40")
    assert "outcomes/0/proxy_source" not in impact_map.gaps()


def test_an_unknown_proxy_or_one_that_disagrees_with_the_library_is_named():
    context = impact_file.Context(schedules=CONTEXT.schedules, library=Library())
    found = problems(document(outcome(proxy_code="ZZ9"), outcome(proxy_code="CR1.0")), context)
    assert found[0] == "outcomes/0/proxy_code: no proxy 'ZZ9' in the library"
    assert found[1].startswith("outcomes/1/proxy: 5000.00 is not library proxy CR1.0's 612.40")


CSV = (
    "stakeholder,outcome,indicator,quantity,proxy,proxy_source,duration_years,start_year,"
    "deadweight,displacement,attribution,drop_off,deadweight_justification,quantity_low,quantity_high\n"
    "young people,into work,in work at 26 weeks,20,5000.00,DWP,3,1,0.25,0.1,0.2,0.1,DWP cohort,15,25\n"
    "NHS,fewer GP visits,visits avoided,30,120.00,PSSRU,5,2,0.4,0,0.25,0.2,,,\n"
)


def test_a_csv_has_one_outcome_per_row_with_justification_and_range_columns():
    impact_map = impact_file.from_csv(
        CSV, CONTEXT, inputs=(Input(description="grant", amount=Decimal("50000.00")),)
    )
    first, second = impact_map.outcomes
    assert first.justifications == {"deadweight": "DWP cohort"}
    assert first.ranges["quantity"].low == Decimal(15)
    assert second.start_year == 2 and not second.ranges


def test_csv_problems_are_placed_by_spreadsheet_row():
    broken = CSV.replace("0.25,0.1,0.2,0.1,DWP", "0.25,0.1,2,0.1,DWP").replace(",5,2,", ",5,7,")
    with pytest.raises(FileRefused) as refused:
        impact_file.from_csv(
            broken + "x\n", CONTEXT, inputs=(Input(description="g", amount=Decimal(1)),)
        )
    found = [p.message() for p in refused.value.problems]
    assert "row 2/attribution: 2 is not a fraction between 0 and 1" in found
    assert "row 3/start_year: 7 is not 1 or 2" in found
    assert "row 4/outcome: is required" in found


def test_a_csv_with_an_unknown_column_or_no_inputs_is_refused():
    with pytest.raises(FileRefused) as refused:
        impact_file.from_csv(CSV.replace("drop_off,", "dropoff,", 1), CONTEXT)
    found = [p.message() for p in refused.value.problems]
    assert "columns: 'dropoff' is not a column of an impact map" in found
    assert "inputs: are required: give at least one input with its amount" in found


def test_a_map_written_out_reads_back_the_same():
    row = outcome(
        justifications={"deadweight": "national rate"},
        ranges={"proxy": {"low": "4000.00", "high": "6000.00", "distribution": "pert"}},
    )
    impact_map = impact_file.from_json(document(row, price_year="2024/25"), CONTEXT)
    again = impact_file.from_json(json.loads(json.dumps(impact_file.as_json(impact_map))), CONTEXT)
    assert again == impact_map


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"proxy": "1" + "0" * 30},
            "outcomes/0/proxy: 1000000000000000000000000000000 is too large a number",
        ),
        ({"quantity": Decimal("1e30")}, "outcomes/0/quantity: 1E+30 is too large a number"),
        (
            {"deadweight": "1" + "0" * 40},
            "outcomes/0/deadweight: " + "1" + "0" * 40 + " is too large a number",
        ),
        (
            {"proxy": "99999999999999999.00"},
            "outcomes/0/proxy: 99999999999999999.00 is more than the largest amount, 9999999999999999.99",
        ),
    ],
    ids=["long-proxy", "huge-quantity", "long-fraction", "over-the-largest-amount"],
)
def test_numbers_too_large_for_money_are_named_never_an_internal_error(changes, message):
    assert problems(document(outcome(**changes))) == [message]


def test_a_schedule_that_is_neither_a_name_nor_a_rate_is_named():
    found = problems(document(discount={"schedule": ["green-book-standard"]}))
    assert found[0].startswith("discount/schedule: must be a schedule's name")


@pytest.mark.parametrize(
    "text", ["[" * 100_000 + "]" * 100_000, '{"outcomes": ' + "9" * 5000 + "}"]
)
def test_json_nested_too_deep_or_with_too_long_a_number_is_refused_plainly(text):
    with pytest.raises(FileRefused, match="file: is not an impact map: too deep or too long"):
        impact_file.read(text, ".json", CONTEXT)


def test_a_price_year_must_be_one_the_deflator_could_name():
    assert problems(document(price_year="last year"))[0].startswith("price_year: ")


def test_a_file_not_in_utf8_is_refused_plainly():
    with pytest.raises(FileRefused, match="file: must be text in UTF-8"):
        impact_file.decode("quantité".encode("latin-1"))
    assert impact_file.decode("\ufeffstakeholder".encode()) == "stakeholder"


def test_a_csv_column_given_twice_or_a_row_with_extra_cells_is_named():
    header, first, _ = CSV.splitlines()
    twice = f"{header},quantity\n{first},999\n"
    with pytest.raises(FileRefused) as refused:
        impact_file.from_csv(twice, CONTEXT, inputs=(Input(description="g", amount=Decimal(1)),))
    assert "columns: 'quantity' is given twice" in refused.value.message()
    extra = f"{header}\n{first},surplus\n"
    with pytest.raises(FileRefused) as refused:
        impact_file.from_csv(extra, CONTEXT, inputs=(Input(description="g", amount=Decimal(1)),))
    assert "row 2: has 16 cells, more than the 15 columns" in refused.value.message()


def test_a_csv_cell_too_long_for_the_reader_is_refused_plainly():
    header = CSV.splitlines()[0]
    with pytest.raises(FileRefused, match="file: is not a CSV file"):
        impact_file.from_csv(f'{header}\n"{"x" * 200_000}"\n', CONTEXT)
