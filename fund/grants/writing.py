"""Writing grants as a 360Giving file: JSON, or the flat CSV and XLSX forms.

The flat forms have one row per grant and the standard's column titles (those flattentool's
``flatten --use-titles`` gives, e.g. "Recipient Org:Identifier"), so :func:`fund.grants.
reading.read` and any 360Giving tool read them back as the same grants. Only the standard's
fields are written in the flat forms (a grant's extra keys go out in JSON only); a grant
with more than one item in a list (two recipient organisations, say) cannot be one row and
is refused rather than cut short. Amounts are numbers, written exactly or not at all.

Text that a spreadsheet would run as a formula (beginning with ``=``, ``+``, ``-`` or ``@``)
is written to XLSX as a text cell, so it is shown, never run. In CSV it is written exactly as
it is: a CSV has no cell types, and the usual defence (a leading apostrophe) would change the
data every 360Giving reader takes from the file; whoever opens a CSV in a spreadsheet must
import it as text.
"""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from typing import BinaryIO

import xlsxwriter

from fund.errors import ValidationError
from fund.grants import standard

FORMS = ("json", "csv", "xlsx")


def package(grants: list[dict]) -> dict:
    """The grants as a 360Giving package, the JSON form the package schema describes."""
    return {"grants": grants}


def write(grants: list[dict], form: str, out: BinaryIO) -> None:
    """Write the grants to ``out`` in one of the standard's forms (json, csv or xlsx)."""
    if form not in FORMS:
        raise ValidationError("format", f"'{form}' is not one of {', '.join(FORMS)}")
    if form == "json":
        text = json.dumps(package(grants), default=json_number, ensure_ascii=False, indent=2)
        out.write(text.encode("utf-8"))
        return
    titles, rows = _flat(grants)
    if form == "csv":
        _write_csv(titles, rows, out)
    else:
        _write_xlsx(titles, rows, out)


def json_number(value: object) -> object:
    """A Decimal as a JSON number that reads back as the same amount, or a refusal."""
    if not isinstance(value, Decimal):
        raise TypeError(f"{value!r} cannot be written as JSON")
    if value == value.to_integral_value():
        return int(value)
    number = float(value)
    if Decimal(repr(number)) != value:
        raise ValidationError("amount", f"{value} has too many digits to be written exactly")
    return number


def _flat(grants: list[dict]) -> tuple[list[str], list[list]]:
    """The standard fields any grant has, as titled columns, and one row per grant."""
    for position, grant in enumerate(grants):
        _refuse_long_lists(grant, position)
    used = [
        field
        for field in standard.fields()
        if field.title and any(_at(grant, field.path) is not None for grant in grants)
    ]
    rows = [[_cell(_at(grant, field.path)) for field in used] for grant in grants]
    return [field.title for field in used], rows


def _refuse_long_lists(grant: dict, position: int) -> None:
    for key, value in grant.items():
        if isinstance(value, list) and len(value) > 1 and isinstance(value[0], dict):
            rule = f"has {len(value)} items; a flat 360Giving file holds one a grant"
            raise ValidationError(f"grants[{position}]/{key}", rule)


def _at(grant: dict, path: tuple) -> object:
    node: object = grant
    for step in path:
        if isinstance(step, int):
            node = node[step] if isinstance(node, list) and node else None
        else:
            node = node.get(step) if isinstance(node, dict) else None
        if node is None:
            return None
    return node


def _cell(value: object) -> object:
    """A value as a flat cell: lists of strings joined by ';' as flattentool splits them."""
    if isinstance(value, list):
        return ";".join(value)
    return value


def _write_csv(titles: list[str], rows: list[list], out: BinaryIO) -> None:
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow(titles)
    writer.writerows([[_csv_cell(value) for value in row] for row in rows])
    out.write(text.getvalue().encode("utf-8"))


def _csv_cell(value: object) -> object:
    """A Decimal in plain notation (never 1E+3), kept to its pence; a blank for no value."""
    if value is None:
        return ""
    return format(value, "f") if isinstance(value, Decimal) else value


def _write_xlsx(titles: list[str], rows: list[list], out: BinaryIO) -> None:
    """Text as text cells (never a formula), amounts as number cells, one sheet "grants"."""
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_numbers": False})
    sheet = book.add_worksheet("grants")
    for column, title in enumerate(titles):
        sheet.write_string(0, column, title)
    for line, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            if isinstance(value, Decimal):
                sheet.write_number(line, column, json_number(value))
            elif isinstance(value, int | float) and not isinstance(value, bool):
                sheet.write_number(line, column, value)
            elif value is not None:
                sheet.write_string(line, column, str(value))
    book.close()
