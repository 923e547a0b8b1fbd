"""The proxy library as the GMCA Unit Cost Database v1.4 gives it: 674 unit costs, each with
its code, unit, exact value, agency and price year, and the library from the files alone
restating them the same way the database does."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import fields
from decimal import Decimal

import pytest

from fund.errors import ValidationError
from fund.sroi import reference, unit_costs
from fund.sroi.unit_costs import Proxy, parse_gmca


@pytest.fixture(scope="module")
def document() -> dict:
    return json.loads((reference.shared_folder() / reference.UNIT_COSTS).read_text("utf-8"))


@pytest.fixture(scope="module")
def library(document) -> tuple[Proxy, ...]:
    return parse_gmca(document)


def test_every_one_of_the_674_unit_costs_is_in_the_library_once(library):
    assert len(library) == 674
    assert len({p.code for p in library}) == 674
    assert Counter(p.category for p in library) == {
        "Health": 201,
        "Crime": 184,
        "Social Services": 137,
        "Employment & Economy": 75,
        "Housing": 36,
        "Education & Skills": 26,
        "Fire": 15,
    }


def test_each_unit_cost_keeps_its_price_year_from_its_source(library):
    years = Counter(p.price_year for p in library)
    assert years["2010/11"] == 229
    assert years["2013/14"] == 172
    assert years["2002/03"] == 3
    assert sum(years.values()) == 674


def test_a_unit_cost_reads_as_the_spreadsheet_gives_it(library):
    (first,) = [p for p in library if p.code == "CR1.0"]
    assert first == Proxy(
        code="CR1.0",
        category="Crime",
        description="Anti-social behaviour further action necessary (cost of dealing with incident)",
        unit="Per incident",
        value=Decimal("500.00"),
        agency="Police (Local authority)",
        price_year="2002/03",
        source="GMCA Unit Cost Database v1.4 (New Economy Manchester)",
        licence="Creative Commons (via GO Lab, Oxford University)",
    )
    (plain,) = [p for p in library if p.code == "CR1.1"]
    assert plain.agency == "Police"  # no detail given


def test_values_are_exact_pounds_and_pence(library):
    assert all(isinstance(p.value, Decimal) for p in library)
    assert all(p.value.as_tuple().exponent == -2 for p in library)
    assert max(p.value for p in library) == Decimal("16865251.00")


def test_the_spreadsheet_formulas_in_notes_are_never_kept(library):
    assert "notes" not in {f.name for f in fields(Proxy)}
    texts = [getattr(p, f.name) for p in library for f in fields(Proxy)]
    assert not [t for t in texts if isinstance(t, str) and t.startswith("=")]


def test_a_bad_unit_cost_file_is_refused_with_every_problem_at_once():
    document = {
        "source": "A database",
        "license": "CC",
        "categories": {
            "crime": {
                "sheet": "Crime",
                "entries": [
                    _entry(code="C1", cost_gbp=12.345),
                    _entry(code="C2", source_detail="2013/15"),
                    _entry(code="C3", cost_gbp="12"),
                    _entry(code="C4", unit=" "),
                ],
            }
        },
    }
    with pytest.raises(ValidationError) as refused:
        parse_gmca(document)
    assert str(refused.value) == (
        "unit costs: categories/crime/entries/0/cost_gbp: must have at most two decimal places,"
        " not 12.345; categories/crime/entries/1/source_detail: '2013/15' is not a financial"
        " year: 2013 is followed by 2014; categories/crime/entries/2/cost_gbp: '12' is not a"
        " number; categories/crime/entries/3/unit: is required"
    )


def test_hact_social_value_bank_values_are_never_taken_in():
    document = {
        "source": "HACT Social Value Bank",
        "license": "HACT licence",
        "categories": {"wellbeing": {"entries": [_entry()]}},
    }
    with pytest.raises(ValidationError) as refused:
        parse_gmca(document)
    assert "HACT Social Value Bank" in str(refused.value)


def _entry(**changes: object) -> dict:
    entry = {
        "code": "X1",
        "description": "A cost",
        "unit": "Per incident",
        "cost_gbp": 10.0,
        "agency": "Police",
        "agency_detail": None,
        "source_detail": "2013/14",
        "notes": "=IF(H3>0,1,0)",
    }
    return entry | changes


def test_the_library_from_the_files_alone_restates_to_the_newest_financial_year():
    found = reference.file_library(["CR1.0", "CR1.1", "NOT-A-CODE"])
    assert set(found) == {"CR1.0", "CR1.1"}  # an unknown code is simply absent
    first = found["CR1.0"]
    # 500.00 × 112.375 (2024/25) / 63.875 (2002/03) = 879.6477… → £879.65
    assert (first.value, first.price_year) == (Decimal("500.00"), "2002/03")
    assert (first.restated, first.restated_year) == (Decimal("879.65"), "2024/25")
    assert first.source == "GMCA Unit Cost Database v1.4 (New Economy Manchester)"


def test_the_library_from_the_files_alone_restates_to_a_report_year_asked_for():
    # 500.00 × 82.175 (2013/14) / 63.875 (2002/03) = 643.2485… → £643.25
    found = reference.file_library(["CR1.0"], "2013-14")
    assert (found["CR1.0"].restated, found["CR1.0"].restated_year) == (Decimal("643.25"), "2013/14")


def test_a_report_year_the_deflator_does_not_cover_is_refused():
    with pytest.raises(ValidationError) as refused:
        unit_costs.report_year(reference.read_deflator(), "2030/31")
    assert str(refused.value).startswith("price year: 2030/31 is not covered: ")


def test_the_green_book_file_gives_both_schedules_from_2003():
    standard, health = reference.read_schedules()
    assert (standard.name, health.name) == ("green-book-standard", "green-book-health")
    assert standard.effective_from.isoformat() == health.effective_from.isoformat() == "2003-01-01"
    assert standard.rate(30) == Decimal("0.035") and standard.rate(31) == Decimal("0.03")
    assert health.rate(500) == Decimal("0.0043")


def test_an_unknown_schedule_is_refused_naming_the_known_ones():
    with pytest.raises(ValidationError) as refused:
        reference.chosen(reference.read_schedules(), "green", reference.GREEN_BOOK_FROM)
    assert str(refused.value) == (
        "discount/schedule: unknown schedule 'green'; known: green-book-health, green-book-standard"
    )


def test_a_missing_shared_folder_is_named_with_the_variable_that_moves_it(monkeypatch, tmp_path):
    monkeypatch.setenv(reference.SHARED_ENV, str(tmp_path / "nowhere"))
    with pytest.raises(ValidationError) as refused:
        reference.shared_folder()
    assert str(tmp_path / "nowhere") in str(refused.value)
    assert "RINGFENCE_SHARED" in str(refused.value)
