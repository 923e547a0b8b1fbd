"""The SROI page's table: an impact map drawn as text and sent back as the file's JSON, so a
saved map edited in nothing reads back the same, and every cell reaches the checker as typed."""

from __future__ import annotations

from decimal import Decimal
from types import MappingProxyType

from fund.sroi import impact_file, views
from fund.sroi.model import Discount, ImpactMap, Outcome, Range

TYPED = Outcome(
    stakeholder="Young people",
    outcome="Into sustained work",
    indicator="in work at 26 weeks",
    quantity=Decimal("20"),
    proxy=Decimal("5000.00"),
    proxy_source="DWP evaluation",
    duration_years=3,
    start_year=1,
    deadweight=Decimal("0.25"),
    displacement=Decimal("0.1"),
    attribution=Decimal("0.2"),
    drop_off=Decimal("0.1"),
    justifications=MappingProxyType({"deadweight": "ONS rate", "drop_off": "Retention"}),
    ranges=MappingProxyType({"quantity": Range(low=Decimal(15), high=Decimal(25))}),
)
CODED = Outcome(
    stakeholder="Families",
    outcome="Less debt",
    indicator="households out of arrears",
    quantity=Decimal("8"),
    proxy=Decimal("1234.56"),  # the library's value in the map's prices
    proxy_code="E&S8.0",
    duration_years=2,
    start_year=2,
    deadweight=Decimal("0"),
    displacement=Decimal("0"),
    attribution=Decimal("0"),
    drop_off=Decimal("0.5"),
)
MAP = ImpactMap(
    inputs=(),
    discount=Discount(schedule="green-book-standard", first_year_discounted=False),
    outcomes=(TYPED, CODED),
    price_year="2024/25",
)


def settings(**changed) -> dict:
    chosen = {
        "schedule": "green-book-standard",
        "rate": "",
        "first_year_discounted": False,
        "price_year": "2024/25",
    }
    return chosen | changed


def test_a_map_drawn_as_a_table_and_sent_back_unedited_is_the_same_map():
    document = views.document(views.editor_rows(MAP), **settings())
    library = {"E&S8.0": type("P", (), {"restated": Decimal("1234.56"), "price_year": "2024/25"})}
    context = impact_file.Context(
        schedules={"green-book-standard"},
        library=lambda codes, year: library,
        inputs_required=False,
    )
    assert impact_file.from_json(document, context) == MAP


def test_a_library_proxy_shows_its_value_beside_its_code_and_is_not_sent_as_typed():
    rows = views.editor_rows(MAP)
    assert rows.loc[1, "proxy_code"] == "E&S8.0"
    assert rows.loc[1, "library_value"] == "1234.56"
    assert rows.loc[1, "proxy"] is None
    sent = views.document(rows, **settings())["outcomes"][1]
    assert "proxy" not in sent and sent["proxy_code"] == "E&S8.0"


def test_picking_a_proxy_replaces_the_typed_value_and_its_source_and_keeps_the_rest():
    rows = views.with_proxy(views.editor_rows(MAP), 0, "H1.0", Decimal("321.00"))
    sent = views.document(rows, **settings())["outcomes"][0]
    assert sent["proxy_code"] == "H1.0"
    assert "proxy" not in sent and "proxy_source" not in sent
    assert sent["justifications"] == {"deadweight": "ONS rate", "drop_off": "Retention"}


def test_blank_cells_are_missing_fields_and_a_wholly_blank_row_is_no_outcome():
    rows = views.editor_rows(MAP)
    rows.loc[0, "start_year"] = "  "
    rows.loc[2] = [None] * len(rows.columns)
    outcomes = views.document(rows, **settings())["outcomes"]
    assert len(outcomes) == 2
    assert "start_year" not in outcomes[0]


def test_a_flat_rate_and_unreadable_ranges_go_to_the_checker_as_typed():
    rows = views.editor_rows(MAP)
    rows.loc[0, "ranges"] = "{not json"
    document = views.document(rows, **settings(schedule="flat", rate=" 0.05 ", price_year=""))
    assert document["discount"]["schedule"] == {"rate": "0.05"}
    assert "price_year" not in document
    assert document["outcomes"][0]["ranges"] == "{not json"
