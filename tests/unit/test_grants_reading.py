"""Reading 360Giving files: the three published files read whole with their quirks repaired
and reported; corrupted copies of them (made here, in tmp_path) are refused with every bad
row named; and the fast flat check finds exactly what validating every grant finds."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
import xlsxwriter
from python_calamine import CalamineWorkbook

from fund.errors import FileRefused, Problem
from fund.grants import reading

DATA = Path(__file__).parents[2].parent / "shared" / "data" / "360giving"
INDIGO = DATA / "a002400000G4KGJAA3.csv"
LLOYDS = DATA / "a002400000OiDBQAA3.xlsx"
WOLFSON = DATA / "a002400000KeYdsAAF.json"


def indigo_rows() -> list[list[str]]:
    return list(csv.reader(io.StringIO(INDIGO.read_text("utf-8-sig"), newline="")))


def write_csv(path: Path, rows: list[list[str]], bom: bool = False) -> Path:
    text = io.StringIO(newline="")
    csv.writer(text).writerows(rows)
    path.write_text(("\ufeff" if bom else "") + text.getvalue(), "utf-8")
    return path


def corrupt_indigo(tmp_path: Path, changes: dict[tuple[int, str], str]) -> Path:
    """A copy of the Indigo CSV with cells changed: {(row as a person counts, title): value}."""
    rows = indigo_rows()
    for (row, title), value in changes.items():
        rows[row - 1][rows[0].index(title)] = value
    return write_csv(tmp_path / "grants.csv", rows)


def lloyds_table() -> list[list]:
    return CalamineWorkbook.from_path(str(LLOYDS)).get_sheet_by_name("grants").to_python()


def write_xlsx(path: Path, table: list[list]) -> Path:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("grants")
    dates = book.add_format({"num_format": "yyyy-mm-dd"})
    for line, row in enumerate(table):
        for column, value in enumerate(row):
            if isinstance(value, str):
                sheet.write_string(line, column, value)
            elif hasattr(value, "year"):
                sheet.write_datetime(line, column, value, dates)
            else:
                sheet.write(line, column, value)
    book.close()
    return path


def corrupt_lloyds(tmp_path: Path, changes: dict[tuple[int, str], object]) -> Path:
    table = lloyds_table()
    for (row, title), value in changes.items():
        table[row - 1][table[0].index(title)] = value
    return write_xlsx(tmp_path / "grants.xlsx", table)


def refusal(path: Path) -> list[Problem]:
    with pytest.raises(FileRefused) as refused:
        reading.read(path)
    return list(refused.value.problems)


# ---------------------------------------------------------------- the published files


def test_the_indigo_csv_reads_whole_with_its_uk_dates_and_worded_durations_repaired():
    result = reading.read(INDIGO)
    assert len(result.grants) == 269
    assert result.places[0] == "row 2" and result.places[-1] == "row 270"
    first = result.grants[0]
    assert first["awardDate"] == "2001-03-26"
    assert first["dateModified"] == "2015-04-29T12:10:00+00:00"
    assert first["plannedDates"] == [{"duration": Decimal(12)}]
    assert first["amountAwarded"] == Decimal(10000)
    assert first["Internal Organisation ID"] == "6997"
    assert "Award Date: 269 UK-style dates (DD/MM/YYYY) read as YYYY-MM-DD" in result.repairs
    assert "Internal Organisation ID" in result.extra_fields
    assert result.typos == []


def test_a_duration_that_is_not_a_number_is_kept_beside_the_grant_and_reported():
    result = reading.read(INDIGO)
    kept = [g for g in result.grants if "Planned Dates:Duration (months)" in g]
    assert [g["Planned Dates:Duration (months)"] for g in kept] == ["Undefined"] * 3
    assert all("plannedDates" not in g for g in kept)
    assert any(
        line.startswith("Planned Dates:Duration (months): 3 durations that are not a number")
        for line in result.repairs
    )


def test_the_lloyds_xlsx_reads_whole_with_its_quirks_repaired_and_counted():
    result = reading.read(LLOYDS)
    assert len(result.grants) == 4116
    first = result.grants[0]
    assert first["awardDate"] == "2015-06-10"
    assert first["plannedDates"] == [
        {"startDate": "2015-07-01", "endDate": "2016-06-30", "duration": Decimal(12)}
    ]
    assert first["fromOpenCall"] == "Yes"
    assert first["amountAwarded"] == Decimal(15000)
    assert "From an open call?: 4116 'Y'/'N' read as 'Yes'/'No'" in result.repairs
    assert "Description: 5 missing, the grant's title used in its place" in result.repairs
    moved = [g for g in result.grants if "Recipient Org:Web Address" in g]
    assert len(moved) == 2005 and "url" not in moved[0]["recipientOrganization"][0]


def test_the_wolfson_json_reads_whole_keeping_its_own_keys():
    result = reading.read(WOLFSON)
    assert len(result.grants) == 379
    first = result.grants[0]
    assert first["awardDate"] == "2014-06-05"
    assert first["dateModified"] == "2015-08-17T00:00:00+00:00"
    assert first["Open Call?"] == "YES"
    assert first["amountAwarded"] == Decimal("40000.0")
    assert {"Open Call?", "Grant Programme", "additional_data"} <= set(result.extra_fields)
    assert result.places[3] == "grants[3]"


def test_reading_reports_its_progress_up_to_done():
    seen: list[float] = []
    reading.read(INDIGO, lambda fraction, words: seen.append(fraction))
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) >= 3


def test_a_csv_with_a_byte_order_mark_reads_the_same(tmp_path):
    copy = write_csv(tmp_path / "bom.CSV", indigo_rows(), bom=True)
    assert reading.read(copy).grants == reading.read(INDIGO).grants


# ---------------------------------------------------------------- refusals, every row named


def test_a_corrupted_csv_is_refused_naming_every_bad_row(tmp_path):
    copy = corrupt_indigo(
        tmp_path,
        {
            (3, "Amount Awarded"): "ten thousand",
            (5, "Identifier"): "",
            (7, "Award Date"): "31/02/2020",
            (9, "Award Date"): "2020-02-31",
            (11, "Currency"): "XYZ",
            (12, "Identifier"): "360G-indigotrust:IND1",
        },
    )
    assert refusal(copy) == [
        Problem("row 3, Amount Awarded", "'ten thousand' is not of type 'number'"),
        Problem("row 5, Identifier", "'id' is a required property"),
        Problem("row 7, Award Date", "'31/02/2020' is not a real date"),
        Problem("row 9, Award Date", "'2020-02-31' is not a real date"),
        Problem("row 11, Currency", "'XYZ' is not in the currency codelist"),
        Problem(
            "row 12, Identifier",
            "'360G-indigotrust:IND1' is already the identifier of the grant in row 2",
        ),
    ]


def test_a_corrupted_xlsx_is_refused_naming_every_bad_row(tmp_path):
    copy = corrupt_lloyds(
        tmp_path,
        {
            (4, "Amount Awarded"): "£5,000",
            (100, "Identifier"): "",
            (4117, "Award Date"): "2020-02-31",
            (50, "Recipient Org:Name"): "",
        },
    )
    assert refusal(copy) == [
        Problem("row 4, Amount Awarded", "'£5,000' is not of type 'number'"),
        Problem("row 50, Recipient Org:Name", "'name' is a required property"),
        Problem("row 100, Identifier", "'id' is a required property"),
        Problem("row 4117, Award Date", "'2020-02-31' is not a real date"),
    ]


def test_a_corrupted_json_is_refused_naming_every_bad_grant_by_path(tmp_path):
    data = json.loads(WOLFSON.read_text("utf-8"))
    data["grants"][3]["amountAwarded"] = "ten thousand"
    del data["grants"][5]["id"]
    data["grants"][7]["awardDate"] = "31/02/2020"
    del data["grants"][9]["recipientOrganization"]
    copy = tmp_path / "grants.JSON"
    copy.write_text(json.dumps(data), "utf-8")
    assert refusal(copy) == [
        Problem("grants[3]/amountAwarded", "'ten thousand' is not of type 'number'"),
        Problem("grants[5]/id", "'id' is a required property"),
        Problem("grants[7]/awardDate", "'31/02/2020' is not a real date"),
        Problem(
            "grants[9]",
            "'recipientOrganization' or 'recipientIndividual' is a required property",
        ),
    ]


def test_a_misspelled_standard_title_is_named_as_a_likely_typo(tmp_path):
    rows = indigo_rows()
    rows[0][rows[0].index("Amount Awarded")] = "Amount Awardd"
    problems = refusal(write_csv(tmp_path / "typo.csv", rows))
    assert problems[0] == Problem(
        "column 'Amount Awardd'", "is not a 360Giving title; is it 'Amount Awarded'?"
    )
    assert problems[1] == Problem("row 2, Amount Awarded", "'amountAwarded' is a required property")


def test_a_misspelled_optional_title_is_read_and_reported(tmp_path):
    rows = indigo_rows()
    rows[0][rows[0].index("Recipient Org:Postal Code")] = "Recipient Org:Postal Cod"
    result = reading.read(write_csv(tmp_path / "typo.csv", rows))
    assert ("Recipient Org:Postal Cod", "Recipient Org:Postal Code") in result.typos


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("grants.txt", b"id\n1\n", "is not a 360Giving file"),
        ("grants.csv", b"", "is empty"),
        ("grants.xlsx", b"not a workbook", "cannot be read as XLSX"),
        ("grants.json", b"{not json", "cannot be read as JSON"),
        ("grants.json", b'{"grants": []}', "holds no grants"),
        ("grants.csv", b"Identifier,Amount Awarded\r\n", "holds no grants"),
    ],
)
def test_a_file_that_is_not_a_360giving_file_is_refused(tmp_path, name, content, words):
    path = tmp_path / name
    path.write_bytes(content)
    [problem] = refusal(path)
    assert problem.place == "file" and words in problem.rule


# ---------------------------------------------------------------- the fast check is exact


def many_corruptions_csv(tmp_path: Path) -> Path:
    return corrupt_indigo(
        tmp_path,
        {
            (2, "Amount Awarded"): "ten thousand",
            (3, "Identifier"): "",
            (4, "Award Date"): "2001-13-01",
            (5, "Recipient Org:Identifier"): "",
            (5, "Recipient Org:Name"): "",
            (6, "Currency"): "",
            (6, "Description"): "",
            (7, "Last modified"): "yesterday",
            (8, "Beneficiary Location:Country Code"): "XX",
            (9, "Planned Dates:Duration (months)"): "-3",
            (10, "Recipient Org:Charity Number"): "",
            (10, "Recipient Org:Name"): "",
            (10, "Recipient Org:Street Address"): "",
            (10, "Recipient Org:City"): "",
            (10, "Recipient Org:Postal Code"): "",
            (10, "Recipient Org:Country"): "",
            (10, "Recipient Org:Identifier"): "",
            (11, "From an open call?"): "maybe",
            (12, "Award Date"): "2020-02-31",
        },
    )


def many_corruptions_xlsx(tmp_path: Path) -> Path:
    return corrupt_lloyds(
        tmp_path,
        {
            (2, "Amount Awarded"): "lots",
            (3, "Funding Org:Identifier"): "",
            (4, "Planned Dates:Start Date"): "2015-02-30",
            (5, "Currency"): "gbp",
            (6, "Grant Programme:URL"): "http://[bad",
            (7, "Beneficiary Location:Latitude"): "north",
        },
    )


@pytest.mark.parametrize(
    ("make", "found"),
    [
        (lambda _: INDIGO, 0),
        (lambda _: LLOYDS, 0),
        (many_corruptions_csv, 13),  # a recipient with no name gets no identifier made for it
        (many_corruptions_xlsx, 5),
    ],
    ids=["indigo", "lloyds", "corrupted-csv", "corrupted-xlsx"],
)
def test_the_fast_check_finds_exactly_what_validating_every_grant_finds(tmp_path, make, found):
    sheet = reading.read_sheet(make(tmp_path))
    fast = reading.flat_problems(sheet)
    assert fast == reading.grant_by_grant_problems(sheet)
    assert len(fast) == found


def test_two_columns_for_one_field_are_refused(tmp_path):
    rows = indigo_rows()
    rows[0][rows[0].index("WebAddress")] = "Internal Organisation ID:Code"
    assert refusal(write_csv(tmp_path / "clash.csv", rows)) == [
        Problem(
            "column 'Internal Organisation ID:Code'",
            "names a field inside the column 'Internal Organisation ID'",
        )
    ]


def test_a_grant_to_both_an_organisation_and_an_individual_is_refused(tmp_path):
    rows = indigo_rows()
    rows[0] += ["Recipient Ind:Identifier", "Recipient Ind:Name"]
    rows[1] += ["360G-indigotrust:person-1", "A Person"]
    for row in rows[2:]:
        row += ["", ""]
    assert refusal(write_csv(tmp_path / "both.csv", rows)) == [
        Problem("row 2", "a grant has a recipient organisation or a recipient individual, not both")
    ]
