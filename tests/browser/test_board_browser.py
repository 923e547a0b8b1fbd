"""The Board page in a real browser: a board member signs in to the demo fund, opens the Board
page, reads the headline figures the board's view computes, prepares the board pack and
downloads its PDF and its Excel workbook.

The real server (``streamlit run``) on a free port against a demo database, driven by
Playwright in headless Chromium; each step leaves a screenshot in ``.screenshots/`` (see
tests/browser/test_browser.py's Camera).
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from fund import db
from fund.auth import authenticate
from fund.board.view import board
from fund.money import format_gbp
from tests.browser.test_browser import (  # noqa: F401 - fixtures, used by name
    PASSWORDS,
    Camera,
    browser,
    build_database,
    camera,
    metric,
    open_page,
    page,
    served,
    settled,
    sign_in,
)

pytestmark = pytest.mark.browser

BOARD = "board"
HEADLINE = ("ring_fence", "allocated", "committed", "paid", "available")
LABELS = {
    "ring_fence": "Ring-fence size",
    "allocated": "Allocated",
    "committed": "Committed",
    "paid": "Paid",
    "available": "Available",
}
PACK_MS = 120_000  # the pack draws every chart through kaleido: allow a busy machine


@pytest.fixture(scope="module")
def demo_fund(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A demo database and its headline figures as the board's view computes them today."""
    path = tmp_path_factory.mktemp("board") / "fund.duckdb"
    build_database(path)
    con = db.connect(path)
    try:
        view = board(con, authenticate(con, BOARD, PASSWORDS[BOARD]))
        shown = {name: format_gbp(getattr(view.money, name)) for name in HEADLINE}
        shown["sroi"] = f"{view.sroi.ratio:,.2f} : 1"
    finally:
        con.close()  # the server must have the file alone
    return path, shown


@pytest.fixture(scope="module")
def server(demo_fund: tuple[Path, dict[str, str]]) -> Iterator[str]:
    with served(demo_fund[0]) as url:
        yield url


def test_a_board_member_reads_the_board_page_and_downloads_the_pack(
    page: Page,  # noqa: F811 - the fixture imported above
    camera: Camera,  # noqa: F811
    demo_fund: tuple[Path, dict[str, str]],
    tmp_path: Path,
) -> None:
    expected = demo_fund[1]
    sign_in(page, BOARD)
    open_page(page, "Board")
    for name in HEADLINE:
        expect(metric(page, LABELS[name])).to_have_text(expected[name])
    expect(metric(page, "SROI ratio")).to_have_text(expected["sroi"])
    camera("board-page")

    page.get_by_role("button", name="Prepare the board pack").click()
    pdf_button = page.get_by_role("button", name="Download the PDF")
    expect(pdf_button).to_be_visible(timeout=PACK_MS)
    settled(page)
    expect(page.get_by_text("It stands on audit row")).to_be_visible()
    camera("board-pack-ready")

    with page.expect_download() as pdf:
        pdf_button.click()
    assert pdf.value.suggested_filename.endswith(".pdf")
    assert Path(pdf.value.path()).read_bytes().startswith(b"%PDF")

    with page.expect_download() as excel:
        page.get_by_role("button", name="Download the Excel workbook").click()
    assert excel.value.suggested_filename.endswith(".xlsx")
    saved = tmp_path / excel.value.suggested_filename
    excel.value.save_as(saved)
    assert zipfile.is_zipfile(saved)  # an .xlsx is a zip of the workbook's parts
    expect(pdf_button).to_be_visible()  # downloading does not lose the pack
