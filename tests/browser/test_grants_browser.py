"""360Giving import in a real browser: the fund manager uploads a CSV of several hundred small
grants on the Small grants page, watches the progress bar move while the file is read and
recorded, reads the outcome and the import's report, then imports the same file again and is
told nothing new was written.

The real server (``streamlit run``) on a free port against its own demo database, driven by
Playwright in headless Chromium; each step leaves a screenshot in ``.screenshots/`` (see
tests/browser/test_browser.py's Camera), the one taken while the bar runs included.
"""

from __future__ import annotations

import csv
import re
import shutil
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from fund import db, portfolio
from fund.auth import authenticate
from fund.money import format_gbp
from tests.browser.test_browser import (  # noqa: F401 - fixtures, used by name
    MANAGER,
    PASSWORDS,
    SHOTS,
    Camera,
    browser,
    build_database,
    camera,
    grid_row,
    metric,
    open_page,
    page,
    served,
    settled,
    sign_in,
)

pytestmark = pytest.mark.browser

PROGRAMME = "Mental health"  # the demo programme with the most room left (about £350k)
EXPERIMENT = "Walk-and-talk peer support for men over 40"  # one of its small-grant experiments
GRANTS = 600  # enough for the bar to be on screen for a moment; £500–£560 each fits the room
REASON = "Browser test: awards made by the old grants system"
FILE_NAME = "browser-test-grants.csv"
HEADINGS = [
    "Identifier",
    "Title",
    "Description",
    "Currency",
    "Amount Awarded",
    "Award Date",
    "Recipient Org:Identifier",
    "Recipient Org:Name",
    "Funding Org:Identifier",
    "Funding Org:Name",
    "Last Modified",
]

# Every fraction and text the progress bar shows, as the browser draws them: the run is too
# quick to poll for each step, so the page records them itself from the moment it is armed.
WATCH_PROGRESS = """() => {
    window.progressSeen = [];
    const note = () => document.querySelectorAll('[data-testid=stProgress]').forEach(bar => {
        const meter = bar.querySelector('[role=progressbar]');
        const seen = [meter?.getAttribute('aria-valuenow'), bar.innerText.trim()].join(' ');
        if (window.progressSeen.at(-1) !== seen) window.progressSeen.push(seen);
    });
    new MutationObserver(note).observe(document.body, {
        subtree: true, childList: true, characterData: true, attributes: true,
    });
}"""
# The import's longest step, writing the grants: the one to photograph the bar in.
RECORDING = "() => window.progressSeen.some(state => state.includes('recording them'))"


def grants_file(path: Path) -> Decimal:
    """A 360Giving CSV of ``GRANTS`` awards to distinct groups, as a council's grants team
    publishes it (UK-style dates); its total."""
    total = Decimal(0)
    with path.open("w", newline="", encoding="utf-8") as file:
        rows = csv.writer(file)
        rows.writerow(HEADINGS)
        for n in range(1, GRANTS + 1):
            amount = 500 + (n * 37) % 61
            total += amount
            awarded = date(2025, 4, 1) + timedelta(days=n % 240)
            rows.writerow(
                [
                    f"360G-browsertest-{n:05d}",
                    f"Peer support start-up {n}",
                    f"Start-up costs for walk-and-talk group {n}",
                    "GBP",
                    amount,
                    awarded.strftime("%d/%m/%Y"),
                    f"GB-COH-BT{n:06d}",
                    f"Browser Test Walking Group {n}",
                    "GB-LAE-CALD",
                    "Calderbrook Metropolitan Borough Council",
                    "01/11/2025 09:00",
                ]
            )
    return total


@pytest.fixture(scope="module")
def demo_fund(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Decimal]:
    """A demo database, and a grants file whose total fits what the programme has left:
    (the database, the file, its total)."""
    folder = tmp_path_factory.mktemp("grants")
    path = folder / "fund.duckdb"
    build_database(path)
    con = db.connect(path)
    try:
        manager = authenticate(con, MANAGER, PASSWORDS[MANAGER])
        room = portfolio.position(con, manager, "programme").set_index("programme")
        available = Decimal(str(room.loc[PROGRAMME, "available"]))
    finally:
        con.close()  # the server must have the file alone
    upload = folder / FILE_NAME
    total = grants_file(upload)
    assert total <= available, f"{FILE_NAME} ({total}) no longer fits {PROGRAMME} ({available})"
    return path, upload, total


@pytest.fixture(scope="module")
def server(demo_fund: tuple[Path, Path, Decimal]) -> Iterator[str]:
    with served(demo_fund[0]) as url:
        yield url


def snapshot(camera: Camera, name: str) -> None:  # noqa: F811
    """A screenshot of the page as it is now, mid-run (the camera waits for the run to end)."""
    camera.taken += 1
    shot = camera.folder / f"browser-{camera.taken:02d}-{name}.png"
    camera.page.screenshot(path=shot)
    SHOTS.mkdir(exist_ok=True)
    shutil.copy2(shot, SHOTS / shot.name)


def press_import(page: Page, tab: Locator) -> None:  # noqa: F811
    """Press Import with the progress bar watched (see ``WATCH_PROGRESS``), and wait for the
    browser to draw the bar (polled every frame: the bar lasts about a second)."""
    page.evaluate(WATCH_PROGRESS)
    tab.get_by_role("button", name="Import", exact=True).click()
    page.wait_for_function("() => window.progressSeen.length > 0")


def progress_seen(page: Page) -> list[tuple[int, str]]:  # noqa: F811
    """What the bar showed since Import was pressed, in order, once the run has ended: (its
    percentage, its text)."""
    settled(page)
    expect(page.get_by_test_id("stProgress")).to_have_count(0)  # the outcome replaced it
    seen = page.evaluate("() => window.progressSeen")
    states = [(int(percent), words) for percent, _, words in (s.partition(" ") for s in seen)]
    percents = [percent for percent, _ in states]
    assert percents == sorted(percents) and percents[0] >= 0 and percents[-1] <= 100, seen
    return states


def test_a_360giving_file_is_imported_with_progress_and_again_writes_nothing(
    page: Page,  # noqa: F811 - the fixture imported above
    camera: Camera,  # noqa: F811
    demo_fund: tuple[Path, Path, Decimal],
) -> None:
    upload, total = demo_fund[1], demo_fund[2]
    # The fund manager opens Small grants, goes to Import and chooses the file and scheme.
    sign_in(page, MANAGER)
    open_page(page, "Small grants")
    page.get_by_role("tab", name="Import").click()
    settled(page)
    tab = page.get_by_role("tabpanel", name="Import")
    tab.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(upload)
    expect(tab.get_by_role("button", name=f"Remove {FILE_NAME}")).to_be_visible()
    settled(page)
    scheme = tab.get_by_role("combobox", name="Programme · small-grant experiment")
    scheme.click()
    page.keyboard.type(EXPERIMENT)  # forty-odd schemes: search as a person would
    page.get_by_role("option").filter(has_text=f"{PROGRAMME} · {EXPERIMENT}").click()
    expect(scheme).to_have_value(re.compile(re.escape(f"{PROGRAMME} · {EXPERIMENT} (#")))
    reason = tab.get_by_label("Reason", exact=True)
    reason.fill(REASON)
    reason.press("Enter")
    settled(page)
    camera("grants-import-chosen")

    # Import: the bar shows while the file is read and recorded, then gives way to the outcome.
    press_import(page, tab)
    page.wait_for_function(RECORDING)
    snapshot(camera, "grants-import-progress")
    success = tab.get_by_test_id("stAlertContentSuccess")
    expect(success).to_contain_text(
        f"{GRANTS:,} grants from {FILE_NAME} committed, {format_gbp(total)} in all."
    )
    # Streamlit sends only the latest of the bar's updates queued between two sends, so the
    # quick reading steps may not all be drawn; the write lasts long enough to be, every time.
    seen = progress_seen(page)
    assert (75, f"{GRANTS:,} grants checked; recording them") in seen, seen
    assert metric(page, "Grants in the file").inner_text() == f"{GRANTS:,}"
    assert metric(page, "Recorded now").inner_text() == f"{GRANTS:,}"
    assert metric(page, "Already recorded").inner_text() == "0"
    assert metric(page, "Total recorded now").inner_text() == format_gbp(total)
    report = tab.get_by_test_id("stDataFrame")
    for finding in ("Outside the small-grant range", "Above the delegated limit", "Split awards"):
        assert grid_row(report, finding)["Count"] == "0"
    repairs = grid_row(report, "Repairs made while reading")
    assert repairs["Count"] == "2", repairs  # award and modified dates, both UK-style
    assert "UK-style dates (DD/MM/YYYY)" in repairs["Examples"], repairs
    camera("grants-imported")

    # The same file again: read and checked as before, and nothing new is written.
    press_import(page, tab)
    expect(success).to_contain_text(
        f"Nothing new: all {GRANTS} grants of the file are already recorded."
    )
    progress_seen(page)  # the file is read and checked again, under the bar
    assert metric(page, "Recorded now").inner_text() == "0"
    assert metric(page, "Already recorded").inner_text() == f"{GRANTS:,}"
    camera("grants-imported-again")
