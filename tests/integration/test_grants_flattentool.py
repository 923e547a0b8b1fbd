"""Our flat reading is flattentool's: the Indigo CSV and the Lloyds XLSX unflattened by
flattentool (the converter the 360Giving data checker uses) give the same grants as
:func:`fund.grants.reading.read_sheet` with ``repaired=False``.

The comparison is before quirk repair, on every field: ``read_sheet(path, repaired=False)``
gives the grants as flattentool would (UK dates, "12 months", "Y" and spreadsheet dates as
flattentool leaves them), and the repairs are tested on their own in the unit tests. Numbers
are compared as Decimal, as flattentool makes them. One difference is allowed, in XLSX only:
calamine (our reader) drops the spaces around text that the workbook does not mark
``xml:space="preserve"``, where openpyxl (flattentool's) keeps them, so XLSX text is compared
without its surrounding spaces.
"""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path

import flattentool
import pytest

from fund.grants import reading, standard

# flattentool warns of every text it finds in a number column ("12 months"): expected here.
pytestmark = pytest.mark.filterwarnings("ignore::flattentool.exceptions.DataErrorWarning")

DATA = Path(__file__).parents[2].parent / "shared" / "data" / "360giving"


def unflattened(source: Path, form: str, folder: Path) -> list[dict]:
    output = folder / "unflattened.json"
    flattentool.unflatten(
        str(source),
        output_name=str(output),
        input_format=form,
        schema=str(standard.schema_path(standard.GRANT_SCHEMA)),
        root_list_path="grants",
        convert_titles=True,
    )
    return json.loads(output.read_text("utf-8"), parse_float=Decimal)["grants"]


def stripped(node: object) -> object:
    if isinstance(node, dict):
        return {key: stripped(value) for key, value in node.items()}
    if isinstance(node, list):
        return [stripped(value) for value in node]
    return node.strip() if isinstance(node, str) else node


def test_the_indigo_csv_reads_as_flattentool_reads_it(tmp_path):
    folder = tmp_path / "csv"
    folder.mkdir()
    shutil.copy(
        DATA / "a002400000G4KGJAA3.csv", folder / "grants.csv"
    )  # flattentool wants a folder
    ours = reading.read_sheet(DATA / "a002400000G4KGJAA3.csv", repaired=False).grants
    assert ours == unflattened(folder, "csv", tmp_path)


def test_the_lloyds_xlsx_reads_as_flattentool_reads_it(tmp_path):
    ours = reading.read_sheet(DATA / "a002400000OiDBQAA3.xlsx", repaired=False).grants
    theirs = unflattened(DATA / "a002400000OiDBQAA3.xlsx", "xlsx", tmp_path)
    assert len(ours) == len(theirs) == 4116
    assert ours == stripped(theirs)


def test_odd_titles_read_as_flattentool_reads_them(tmp_path):
    """Unknown titles nest at ':' and '/', titles match without case or spaces, lists split
    at ';' (and ',' inside), numbers with spaces or exponents are still numbers."""
    folder = tmp_path / "csv"
    folder.mkdir()
    (folder / "grants.csv").write_text(
        "Identifier,Application Date:Start Date,Beneficiary Location:Latitude/Longitude,"
        " amount awarded ,Recipient Org:Town,TITLE,Recipient Ind:Name,Related Activity,"
        "Amount Disbursed,Internal ID\r\n"
        'A1,2020-01-01,"1,2",12.50,Leeds,T,Jo,"a,b;c", 1e3 ,7\r\n'
        "A2,,,ten,,,,x,,\r\n",
        "utf-8",
    )
    ours = reading.read_sheet(folder / "grants.csv", repaired=False).grants
    assert ours == unflattened(folder, "csv", tmp_path)
