"""Writing grants as 360Giving files: every file written passes the schema, and reading it
back gives the same grants, in all three forms."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from fund.errors import ValidationError
from fund.grants import reading, standard, writing

# Text a publisher might write: commas, quotes, newlines, formula-like starts, any script;
# spaces around it; not carriage returns or NULs, and not blank (a blank cell is no value).
TEXT = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\r")
    | st.sampled_from(',"\n=+-@;'),
    min_size=1,
    max_size=40,
).filter(str.strip)
AMOUNT = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9999999.99"), places=2)
DAY = st.dates().map(lambda day: day.isoformat())


@st.composite
def grants(draw) -> list[dict]:
    count = draw(st.integers(min_value=1, max_value=4))
    made = []
    for number in range(count):
        grant = {
            "id": f"360G-test-{number}-{draw(TEXT)}",
            "title": draw(TEXT),
            "description": draw(TEXT),
            "currency": "GBP",
            "amountAwarded": draw(AMOUNT),
            "awardDate": draw(DAY),
            "fundingOrganization": [{"id": "GB-GOR-PB123", "name": draw(TEXT)}],
            "grantProgramme": [{"title": draw(TEXT)}],
        }
        if draw(st.booleans()):
            grant["recipientOrganization"] = [{"id": draw(TEXT), "name": draw(TEXT)}]
        else:
            grant["recipientIndividual"] = {"id": draw(TEXT), "name": draw(TEXT)}
        if draw(st.booleans()):
            grant["plannedDates"] = [{"startDate": draw(DAY), "endDate": draw(DAY)}]
        made.append(grant)
    return made


def written(grants_: list[dict], form: str, folder: Path) -> Path:
    path = folder / f"grants.{form}"
    with path.open("wb") as out:
        writing.write(grants_, form, out)
    return path


@pytest.mark.parametrize("form", writing.FORMS)
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(made=grants())
def test_a_written_file_reads_back_as_the_same_grants_and_passes_the_schema(tmp_path, form, made):
    result = reading.read(written(made, form, tmp_path))
    assert result.grants == made
    assert result.repairs == [] and result.extra_fields == []
    errors = list(standard.package_validator().iter_errors(writing.package(result.grants)))
    assert errors == []


def test_the_published_files_written_again_read_back_the_same(tmp_path):
    read = reading.read(
        Path(__file__).parents[2].parent / "shared/data/360giving/a002400000G4KGJAA3.csv"
    )
    standard_only = [
        {k: v for k, v in grant.items() if k in {f.path[0] for f in standard.fields()}}
        for grant in read.grants
    ]
    for form in writing.FORMS:
        assert reading.read(written(standard_only, form, tmp_path)).grants == standard_only


def test_flat_files_have_the_standard_titles_and_amounts_as_numbers(tmp_path):
    grant = {
        "id": "360G-test-1",
        "title": "Peer mentors",
        "description": '=HYPERLINK("http://example.org")',
        "currency": "GBP",
        "amountAwarded": Decimal("2500.50"),
        "awardDate": "2026-04-01",
        "recipientOrganization": [{"id": "GB-CHC-1", "name": "Mentors"}],
        "fundingOrganization": [{"id": "GB-GOR-PB123", "name": "The Council"}],
    }
    table = (
        CalamineWorkbook.from_path(str(written([grant], "xlsx", tmp_path)))
        .get_sheet_by_name("grants")
        .to_python()
    )
    assert table[0][:6] == [
        "Identifier",
        "Title",
        "Description",
        "Currency",
        "Amount Awarded",
        "Award Date",
    ]
    assert table[1][2] == grant["description"]  # a text cell, shown not run
    assert table[1][4] == 2500.5 and table[1][5] == "2026-04-01"
    assert "Recipient Org:Identifier" in table[0] and "Funding Org:Name" in table[0]
    text = written([grant], "csv", tmp_path).read_text("utf-8")
    assert '"=HYPERLINK(""http://example.org"")"' in text  # kept exact, not prefixed
    assert ",2500.50," in text


def test_amounts_given_as_json_numbers_are_written_as_numbers_too(tmp_path):
    grant = {
        "id": "360G-test-1",
        "title": "Peer mentors",
        "description": "Mentoring",
        "currency": "GBP",
        "amountAwarded": 2500.5,
        "amountDisbursed": 0,
        "awardDate": "2026-04-01",
        "recipientOrganization": [{"id": "GB-CHC-1", "name": "Mentors"}],
        "fundingOrganization": [{"id": "GB-GOR-PB123", "name": "The Council"}],
    }
    for form in writing.FORMS:
        read = reading.read(written([grant], form, tmp_path)).grants[0]
        assert read["amountAwarded"] == Decimal("2500.5") and read["amountDisbursed"] == 0


def test_a_grant_with_two_recipients_cannot_be_one_flat_row():
    grant = {"id": "360G-test-1", "recipientOrganization": [{"id": "a"}, {"id": "b"}]}
    with pytest.raises(ValidationError, match="recipientOrganization"):
        writing.write([grant], "csv", io.BytesIO())


def test_an_unknown_form_is_refused():
    with pytest.raises(ValidationError, match="'ods' is not one of json, csv, xlsx"):
        writing.write([], "ods", io.BytesIO())
