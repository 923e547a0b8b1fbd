"""Exports are safe to open: text that looks like a formula leaves as text, money as numbers.

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
from decimal import Decimal
from xml.etree import ElementTree

import pandas as pd
import pytest

from fund import db, exports, ledger
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

    reasons = [row["reason"] for row in rows]
    assert reasons == ["first allocation", *(f"'{r}" for r in HOSTILE), "top-up", "typed twice"]
    assert [row["amount"] for row in rows][-2:] == ["18150.00", "-18150.00"]
    # Nothing else was touched: ids, dates and plain text read as before.
    assert rows[-1]["programme"] == "Young people into work"
    assert rows[-1]["value_date"] == str(db.today())
    assert rows[-1]["reverses"] == rows[-2]["entry_id"]


def test_an_excel_export_writes_formula_reasons_as_text_and_amounts_as_numbers(
    con, people, hostile_ledger
):
    rows = sheet_rows(exports.excel_bytes(con, people.auditor, hostile_ledger, sheet="ledger"))

    cells = [cell for row in rows for cell in row.values()]
    assert not [cell for cell in cells if cell[0] == "formula"]
    assert [row["reason"] for row in rows] == [
        ("text", "first allocation"),
        *(("text", f"'{r}") for r in HOSTILE),
        ("text", "top-up"),
        ("text", "typed twice"),
    ]
    assert [row["amount"] for row in rows][-2:] == [
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
    assert [row["note"] for row in rows] == expected
    assert [row["amount"] for row in rows] == ["-5.25", "7.00", "-1.00", "-2.00", "0.00", "1.00"]
    assert [row.get("note", ("text", ""))[1] for row in sheet] == expected
    assert all(row["note"][0] == "text" for row in sheet if "note" in row)
    assert sheet[0]["amount"] == ("number", Decimal("-5.25"))


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
