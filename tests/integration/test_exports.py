"""Exports are safe to open and read as people expect: text that looks like a formula leaves
as text, money as numbers, under the headings the screen shows, in a sheet that filters,
freezes its heading row and fits its columns.

A reason typed as ``=HYPERLINK(...)`` must not become a live formula in the auditor's
spreadsheet (OWASP, "CSV Injection"), while a reversal's -£18,150.00 stays a number that
sums. The workbook is read back from its XML (an .xlsx is a zip of XML parts), so what is
checked is what a spreadsheet would load.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import date, timedelta
from decimal import Decimal
from xml.etree import ElementTree

import pandas as pd
import pytest

from fund import db, exports, labels, ledger
from fund.ledger import queries
from tests.conftest import key

HOSTILE = ['=HYPERLINK("http://x","y")', "+1", "-1+2", "@SUM(A1)"]
# Reasons are stripped of surrounding blanks as they are typed, so a leading tab or carriage
# return cannot reach the ledger through a service; these come from a query instead.
HOSTILE_BLANKS = ["\tx", "\rx", "\t=1+2"]

_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def sheet_rows(workbook: bytes) -> list[dict[str, tuple[str, object]]]:
    """The first sheet's data rows as {header: (kind, value)}; kind is 'formula', 'text' or
    'number'."""
    with zipfile.ZipFile(io.BytesIO(workbook)) as book:
        names = book.namelist()
        shared = []
        if "xl/sharedStrings.xml" in names:
            table = ElementTree.fromstring(book.read("xl/sharedStrings.xml"))
            shared = ["".join(t.text or "" for t in item.iter(f"{_NS}t")) for item in table]
        sheet = ElementTree.fromstring(book.read("xl/worksheets/sheet1.xml"))
    grid = []
    for row in sheet.iter(f"{_NS}row"):
        cells = {}
        for cell in row.iter(f"{_NS}c"):
            column = re.match(r"[A-Z]+", cell.get("r")).group()
            formula, value = cell.find(f"{_NS}f"), cell.find(f"{_NS}v")
            if formula is not None:
                cells[column] = ("formula", formula.text)
            elif cell.get("t") == "s":
                cells[column] = ("text", _unescape(shared[int(value.text)]))
            elif cell.get("t") in {"str", "inlineStr"}:
                cells[column] = ("text", _unescape("".join(cell.itertext())))
            elif value is not None:
                cells[column] = ("number", Decimal(value.text))
        grid.append(cells)
    header = {column: text for column, (_, text) in grid[0].items()}
    return [{header[c]: cell for c, cell in cells.items()} for cells in grid[1:]]


def _unescape(text: str) -> str:
    """Undo the OOXML escape of control characters (``_x000D_`` is a carriage return)."""
    return re.sub(r"_x([0-9A-F]{4})_", lambda m: chr(int(m.group(1), 16)), text)


def csv_rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))


@pytest.fixture
def hostile_ledger(con, people, funded):
    """Allocations whose reasons are formulas, and a reversal: an amount of -£18,150.00."""
    for reason in HOSTILE:
        ledger.allocate(
            con, people.manager, programme_id=funded.programme_id, amount="10.00", reason=reason, key=key()
        )  # fmt: skip
    entry = ledger.allocate(
        con, people.manager, programme_id=funded.programme_id, amount="18150.00", reason="top-up", key=key()
    )  # fmt: skip
    ledger.reverse(con, people.manager, entry_id=entry.entity_id, reason="typed twice", key=key())
    return queries.entries(con, people.auditor)


def test_a_csv_export_neutralises_formula_reasons_and_keeps_negative_amounts_as_numbers(
    con, people, hostile_ledger
):
    rows = csv_rows(exports.csv_bytes(con, people.auditor, hostile_ledger))

    reasons = [row["Reason"] for row in rows]
    assert reasons == ["first allocation", *(f"'{r}" for r in HOSTILE), "top-up", "typed twice"]
    assert [row["Amount"] for row in rows][-2:] == ["18150.00", "-18150.00"]
    # Nothing else was touched: ids, dates and plain text read as before.
    assert rows[-1]["Programme"] == "Young people into work"
    assert rows[-1]["Value date"] == str(db.today())
    assert rows[-1]["Reverses entry #"] == rows[-2]["Entry #"]


def test_an_excel_export_writes_formula_reasons_as_text_and_amounts_as_numbers(
    con, people, hostile_ledger
):
    rows = sheet_rows(exports.excel_bytes(con, people.auditor, hostile_ledger, sheet="ledger"))

    cells = [cell for row in rows for cell in row.values()]
    assert not [cell for cell in cells if cell[0] == "formula"]
    assert [row["Reason"] for row in rows] == [
        ("text", "first allocation"),
        *(("text", f"'{r}") for r in HOSTILE),
        ("text", "top-up"),
        ("text", "typed twice"),
    ]
    assert [row["Amount"] for row in rows][-2:] == [
        ("number", Decimal("18150")),
        ("number", Decimal("-18150")),
    ]


def test_text_starting_with_a_tab_or_carriage_return_is_neutralised_in_both_formats(con, people):
    frame = db.frame(
        con,
        "SELECT * FROM (VALUES (1, ?, -5.25::DECIMAL(18,2)), (2, ?, 7.00), (3, ?, -1.00),"
        " (4, 'a - b = c', -2.00), (5, ' =1', 0.00), (6, NULL, 1.00)) AS t(n, note, amount)",
        HOSTILE_BLANKS,
    )

    rows = csv_rows(exports.csv_bytes(con, people.auditor, frame))
    sheet = sheet_rows(exports.excel_bytes(con, people.auditor, frame, sheet="notes"))

    expected = [f"'{text}" for text in HOSTILE_BLANKS] + ["a - b = c", " =1", ""]
    assert [row["Note"] for row in rows] == expected
    assert [row["Amount"] for row in rows] == ["-5.25", "7.00", "-1.00", "-2.00", "0.00", "1.00"]
    assert [row.get("Note", ("text", ""))[1] for row in sheet] == expected
    assert all(row["Note"][0] == "text" for row in sheet if "Note" in row)
    assert sheet[0]["Amount"] == ("number", Decimal("-5.25"))


def test_only_text_columns_are_neutralised(con):
    frame = pd.DataFrame(
        {
            "label": ["-1", "ok"],
            "amount": pd.array([Decimal("-3.00"), Decimal("4.00")], dtype=object),
            "count": [-1, 2],
        }
    )

    safe = exports.neutralised(frame)

    assert safe["label"].tolist() == ["'-1", "ok"]
    assert safe["amount"].tolist() == [Decimal("-3.00"), Decimal("4.00")]
    assert safe["count"].tolist() == [-1, 2]
    assert frame["label"].tolist() == ["-1", "ok"]  # the frame on screen is left as it was


# --- exports as people expect them ------------------------------------------------------------


def sheet_xml(workbook: bytes) -> ElementTree.Element:
    with zipfile.ZipFile(io.BytesIO(workbook)) as book:
        return ElementTree.fromstring(book.read("xl/worksheets/sheet1.xml"))


def number_formats(workbook: bytes) -> dict[int, str]:
    """The style index of each cell format → its number format code ('General' when none)."""
    with zipfile.ZipFile(io.BytesIO(workbook)) as book:
        styles = ElementTree.fromstring(book.read("xl/styles.xml"))
    codes = {int(f.get("numFmtId")): f.get("formatCode") for f in styles.iter(f"{_NS}numFmt")}
    cells = styles.find(f"{_NS}cellXfs")
    return {n: codes.get(int(xf.get("numFmtId")), "General") for n, xf in enumerate(cells)}


def test_exports_carry_the_headings_and_words_shown_on_screen(con, people, hostile_ledger):
    rows = csv_rows(exports.csv_bytes(con, people.auditor, hostile_ledger))
    sheet = sheet_rows(exports.excel_bytes(con, people.auditor, hostile_ledger, sheet="ledger"))

    expected = [labels.heading(column) for column in hostile_ledger.columns]
    assert list(rows[0]) == expected
    assert list(sheet[0]) == [h for h in expected if h in sheet[0]]
    assert rows[0]["Kind"] == "Allocation"
    assert sheet[0]["Kind"] == ("text", "Allocation")
    assert rows[0]["Actor"] == "Mo Manager (manager)"
    assert rows[0]["Recorded at (UTC)"].startswith(str(db.today()))


def test_an_excel_sheet_filters_freezes_its_headings_and_fits_its_columns(
    con, people, hostile_ledger
):
    workbook = exports.excel_bytes(con, people.auditor, hostile_ledger, sheet="ledger")
    sheet = sheet_xml(workbook)

    last = len(hostile_ledger)
    span = f"A1:{chr(ord('A') + len(hostile_ledger.columns) - 1)}{last + 1}"
    assert sheet.find(f"{_NS}autoFilter").get("ref") == span
    pane = sheet.find(f".//{_NS}pane")
    assert (pane.get("ySplit"), pane.get("topLeftCell"), pane.get("state")) == ("1", "A2", "frozen")
    widths = {  # a <col> element spans neighbouring columns of the same width
        n: float(c.get("width"))
        for c in sheet.iter(f"{_NS}col")
        for n in range(int(c.get("min")), int(c.get("max")) + 1)
    }
    shown = labels.for_people(hostile_ledger)
    width = {heading: widths[n] for n, heading in enumerate(shown.columns, start=1)}
    for heading in shown.columns:  # a heading and its filter button
        assert width[heading] >= min(len(heading) + 3, 60), heading
    for heading in ["Ring-fence", "Programme", "Reason", "Actor"]:  # the longest text
        assert width[heading] >= shown[heading].str.len().max(), heading
    assert width["Amount"] >= len("-£18,150.00")
    assert width["Recorded at (UTC)"] >= len("yyyy-mm-dd hh:mm")
    assert max(width.values()) <= 61  # a long reason wraps past 60 rather than widening


def test_an_excel_sheet_holds_real_dates_and_money_in_pounds(con, people, hostile_ledger):
    workbook = exports.excel_bytes(con, people.auditor, hostile_ledger, sheet="ledger")
    formats = number_formats(workbook)
    rows = list(sheet_xml(workbook).iter(f"{_NS}row"))
    first = {re.match(r"[A-Z]+", c.get("r")).group(): c for c in rows[1].iter(f"{_NS}c")}
    # Entry #, Value date, Recorded at (UTC), Kind, Amount: columns A to E.
    value_date, recorded_at, amount = first["B"], first["C"], first["E"]

    assert value_date.get("t") is None  # a number: Excel's serial date
    assert formats[int(value_date.get("s"))] == "yyyy-mm-dd"
    day = date(1899, 12, 30) + timedelta(days=int(value_date.find(f"{_NS}v").text))
    assert day == db.today()
    assert formats[int(recorded_at.get("s"))] == "yyyy-mm-dd hh:mm"
    assert formats[int(amount.get("s"))] == exports.MONEY_FORMAT
    assert Decimal(amount.find(f"{_NS}v").text) == Decimal("100000")
