"""The board pack, built for real on a small funded portfolio: a fresh pack matches the
records, from its PDF and from its workbook; a payment reversed after the pack, or an audit
row altered, makes verification fail naming the figure or the chain; the workbook holds money
as numbers in a £ format, a sheet per table, and user text never as a formula."""

from __future__ import annotations

import io
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from fpdf import FPDF
from openpyxl import load_workbook

from fund import db, ledger
from fund.board import figures, pack, workbook
from fund.board.pack import build_pack, pack_bytes
from fund.board.verify import read_manifest, verify_pack
from fund.board.view import board
from fund.errors import PermissionDenied, ValidationError
from fund.lessons.register import record_lesson
from fund.sroi import service
from tests import conftest
from tests.conftest import key
from tests.integration.test_sroi_service import MAP

SHEETS = [
    "Summary",
    "Money by programme",
    "Burn",
    "SROI by programme",
    "SROI by instrument",
    "SROI experiments",
    "Learning",
    "Appetite",
    "Awaiting decision",
    "Newest lessons",
    "Transferable lessons",
    "Manifest",
]


@dataclass(frozen=True)
class Made:
    database: Path
    pdf: Path
    workbook: Path
    people: conftest.People
    head: tuple[int, str]


def _fund(con, people, portfolio) -> None:
    """£100,000 allocated, a £20,000 contract and an £8,000 grant, £5,500 paid out, and the
    grant's impact map."""
    fm = people.manager
    ledger.allocate(
        con, fm, programme_id=portfolio.programme_id, amount="100000", reason="r", key=key()
    )
    contract = ledger.commit(
        con,
        fm,
        experiment_id=portfolio.experiments["pbr_contract"],
        amount="20000.00",
        counterparty="Outcomes Ltd",
        reason="contract",
        key=key(),
    ).entity_id
    grant = ledger.commit(
        con,
        fm,
        experiment_id=portfolio.experiments["small_grant"],
        amount="8000.00",
        counterparty="Youth Trust",
        reason="grant",
        key=key(),
    ).entity_id
    ledger.pay(con, fm, commitment_id=contract, amount="4000.50", reason="outcomes", key=key())
    ledger.pay(con, fm, commitment_id=grant, amount="1499.50", reason="first half", key=key())
    service.save_document(
        con, fm, portfolio.experiments["small_grant"], MAP, key=key(), reason="assessed"
    )


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> Made:
    """One pack as at today, built once (drawing its charts takes a browser), with the
    database it was built from."""
    folder = tmp_path_factory.mktemp("pack")
    template = conftest.template()
    path = folder / "fund.duckdb"
    shutil.copy(template.path, path)
    con = db.connect(path)
    try:
        _fund(con, template.people, template.portfolio)
        built = build_pack(con, template.people.board, None, folder / "out")
    finally:
        con.close()
    return Made(path, built.pdf, built.workbook, template.people, built.audit_head)


@pytest.fixture
def records(made, tmp_path):
    """This test's own copy of the database the pack was built from."""
    path = tmp_path / "fund.duckdb"
    shutil.copy(made.database, path)
    con = db.connect(path)
    yield con
    con.close()


@pytest.fixture(params=["pdf", "workbook"])
def pack_file(request, made) -> Path:
    return getattr(made, request.param)


def test_a_pack_is_named_for_its_date_and_states_the_chain_head(made, records):
    today = db.today().isoformat()
    assert made.pdf.name == f"board-pack-{today}.pdf"
    assert made.workbook.name == f"board-pack-{today}.xlsx"
    assert (
        made.head
        == records.execute(
            "SELECT seq, row_hash FROM audit_log ORDER BY seq DESC LIMIT 1"
        ).fetchone()
    )


def test_a_fresh_pack_matches_the_records(made, records, pack_file):
    check = verify_pack(records, made.people.auditor, pack_file)
    assert check.problems == []
    assert check.matches
    assert (check.as_at, check.audit_head) == (db.today(), made.head)


def test_both_files_carry_the_same_manifest(made):
    assert read_manifest(made.pdf) == read_manifest(made.workbook)


def test_a_payment_reversed_after_the_pack_is_named_with_both_amounts(made, records, pack_file):
    paid = records.execute(
        "SELECT max(entry_id) FROM ledger_entry WHERE kind = 'disbursement'"
    ).fetchone()[0]
    ledger.reverse(records, made.people.manager, entry_id=paid, reason="paid twice", key=key())

    check = verify_pack(records, made.people.manager, pack_file)

    assert not check.matches
    assert "Paid: the pack says £5,500.00, the records now say £4,000.50" in check.problems
    assert any(p.startswith("Audit chain head: row: the pack says") for p in check.problems)
    assert not any(p.startswith("Committed:") for p in check.problems)


def test_an_altered_audit_row_fails_naming_the_audit_chain(made, records, pack_file):
    records.execute("UPDATE audit_log SET reason = 'x' WHERE seq = 3")

    check = verify_pack(records, made.people.auditor, pack_file)

    assert not check.matches
    assert [p for p in check.problems if p.startswith("audit chain: audit row #3")]


def test_a_replaced_hash_of_the_row_the_pack_states_is_named(made, records, pack_file):
    row = made.head[0]
    records.execute("UPDATE audit_log SET row_hash = repeat('0', 64) WHERE seq = ?", [row])

    check = verify_pack(records, made.people.auditor, pack_file)

    assert f"audit chain row #{row} no longer has the hash the pack states" in check.problems


def test_a_file_that_is_not_a_pack_is_refused_naming_it(made, records, tmp_path):
    plain = FPDF()
    plain.add_page()
    plain.output(str(tmp_path / "minutes.pdf"))
    (tmp_path / "notes.xlsx").write_bytes(b"not a workbook")
    for name in ("minutes.pdf", "notes.xlsx"):
        with pytest.raises(ValidationError) as refused:
            verify_pack(records, made.people.auditor, tmp_path / name)
        assert refused.value.rule == f"{name} is not a board pack: it carries no manifest"
    with pytest.raises(ValidationError, match="not a board pack"):
        verify_pack(records, made.people.auditor, made.database)


def test_a_board_member_may_make_a_pack_but_not_verify_the_chain(made, records):
    with pytest.raises(PermissionDenied):
        verify_pack(records, made.people.board, made.workbook)


def test_the_workbook_has_a_sheet_per_table_and_money_as_pound_numbers(made, records):
    book = load_workbook(made.workbook)
    assert book.sheetnames == SHEETS
    view = board(records, made.people.board)
    kinds = {f.key: f.kind for f in figures.figures(view)}
    summary = book["Summary"]
    assert summary.freeze_panes == "A2"
    assert summary["A1"].font.b
    money_rows = [r for r in summary.iter_rows(min_row=2) if kinds[r[3].value] == figures.MONEY]
    assert len(money_rows) > 10
    for _, label, value, _ in money_rows:
        assert value.data_type == "n", label.value
        assert "£" in value.number_format, label.value
    paid = next(r[2] for r in money_rows if r[3].value == "money.paid")
    assert paid.value == 5500.00
    for sheet, columns in {
        "Money by programme": "CDEFG",
        "Burn": "BCDE",
        "SROI by programme": "EFG",
        "SROI by instrument": "EFG",
    }.items():
        for column in columns:
            cells = [c for c in book[sheet][column][1:] if c.value is not None]
            assert cells, (sheet, column)
            for cell in cells:
                assert cell.data_type == "n" and "£" in cell.number_format, (sheet, cell)
    month = book["Burn"]["A2"]
    assert month.is_date and month.number_format == "dd/mm/yyyy"


def test_user_text_is_written_as_text_never_as_a_formula(made, records, tmp_path):
    record_lesson(
        records,
        made.people.manager,
        conftest.template().portfolio.experiments["small_grant"],
        {
            "what_worked": '=HYPERLINK("http://example.com")',
            "what_did_not": "+1+1",
            "do_differently": "-2",
            "transfers_to": "@SUM(A1)",
        },
        key=key(),
        reason="trial over",
    )
    view = board(records, made.people.manager)
    figs = figures.figures(view)
    path = workbook.write(view, figs, tmp_path / "pack.xlsx", manifest=figures.manifest(view))
    sheet = load_workbook(path)["Newest lessons"]
    headings = [c.value for c in sheet[1]]
    row = sheet[2]
    for heading, text in (
        ("What worked", '=HYPERLINK("http://example.com")'),
        ("What did not", "+1+1"),
        ("Do differently", "-2"),
        ("Transfers to", "@SUM(A1)"),
    ):
        cell = row[headings.index(heading)]
        assert (cell.value, cell.data_type) == (text, "s")


def test_the_pack_downloads_as_one_zip_of_both_files(made, records, monkeypatch):
    monkeypatch.setattr(pack.pdf, "write", lambda view, rows, path, **_: path.write_bytes(b"%PDF"))
    name, data = pack_bytes(records, made.people.board)
    today = db.today().isoformat()
    assert name == f"board-pack-{today}.zip"
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert names == [f"board-pack-{today}.pdf", f"board-pack-{today}.xlsx"]
