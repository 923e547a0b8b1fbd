"""The SROI page in a real browser: the fund manager opens an experiment's impact map, edits
one outcome in the table, saves it and sees the report computed from the new version, then
downloads the map and imports a changed copy as the next version; an
auditor and a board member read the same page without an editor, the board without names.

The real server (``streamlit run``) on a free port against a demo database given an impact
map through the service, driven by Playwright in headless Chromium; each step leaves a
screenshot in ``.screenshots/`` (see tests/browser/test_browser.py's Camera).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from fund import db
from fund.auth import authenticate
from fund.demo import DEMO_USERS
from fund.sroi import service, store, views
from tests.browser.test_browser import (  # noqa: F401 - fixtures, used by name
    PASSWORDS,
    Camera,
    browser,
    build_database,
    camera,
    open_page,
    page,
    served,
    settled,
    sign_in,
    sign_out,
)

pytestmark = pytest.mark.browser

OUTCOME = {
    "stakeholder": "Residents",
    "outcome": "Out of problem debt",
    "indicator": "households with no arrears at 12 months",
    "quantity": "30",
    "proxy": "1500.00",
    "proxy_source": "Browser test: a typed proxy",
    "duration_years": 2,
    "start_year": 1,
    "deadweight": "0.2",
    "displacement": "0",
    "attribution": "0.25",
    "drop_off": "0.3",
    "justifications": {
        "deadweight": "Arrears cleared without help",
        "displacement": "Nobody else's debt rises",
        "attribution": "The advice line shares the credit",
    },
}
NEW_QUANTITY = "45"
IMPORTED_QUANTITY = "50"
MANAGER_NAME = next(u.display_name for u in DEMO_USERS if u.username == "manager")


@pytest.fixture(scope="module")
def mapped(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int, int]:
    """A demo database whose first experiment has an impact map saved by the demo manager:
    (the database, the experiment, the map's version)."""
    path = tmp_path_factory.mktemp("sroi") / "fund.duckdb"
    build_database(path)
    con = db.connect(path)
    try:
        manager = authenticate(con, "manager", PASSWORDS["manager"])
        experiment = int(views.choices(con, manager)["experiment_id"].iloc[0])
        document = {
            "discount": {"schedule": "green-book-standard", "first_year_discounted": True},
            "outcomes": [OUTCOME],
        }
        service.save_document(
            con, manager, experiment, document, key="browser-sroi", reason="Browser test map"
        )
        version = store.read(con, experiment).version
    finally:
        con.close()  # the server must have the file alone
    return path, experiment, version


@pytest.fixture(scope="module")
def server(mapped: tuple[Path, int, int]) -> Iterator[str]:
    with served(mapped[0]) as url:
        yield url


def choose_experiment(tab: Page, experiment: int) -> None:
    """Search the experiments as a person would, and pick this one."""
    tab.get_by_role("combobox", name="Experiment").click()
    tab.keyboard.type(f"#{experiment} ·")
    tab.get_by_role("option").filter(has_text=f"#{experiment} ·").first.click()
    settled(tab)


def edit_cell(tab: Page, grid: Locator, *, right_of_stakeholder: int, text: str) -> None:
    """Type ``text`` into the first row's cell that many columns right of Stakeholder: click
    the Stakeholder cell, move with the arrow keys, open the cell's editor with Enter, replace
    what it holds, and Enter again, as a person does. The grid draws on a canvas, so the
    first row is found by position (under its 35-pixel heading row); the cell's editor is a
    text box laid over the canvas. A busy browser may still be laying the page out when the
    cell is clicked (the click then lands elsewhere): then it is clicked again."""
    editor = tab.locator("textarea.gdg-input")
    for _ in range(3):
        settled(tab)
        grid.scroll_into_view_if_needed()
        headings = grid.get_by_test_id("data-grid-canvas").locator("table thead th")
        expect(headings.first).to_have_text("Row")
        box = grid.bounding_box()
        tab.mouse.click(box["x"] + 120, box["y"] + 52)
        for _ in range(right_of_stakeholder):
            tab.keyboard.press("ArrowRight")
        tab.keyboard.press("Enter")
        try:
            expect(editor).to_be_visible(timeout=5000)
            break
        except AssertionError:
            tab.keyboard.press("Escape")
    editor.fill(text)
    expect(editor).to_have_value(text)
    tab.keyboard.press("Enter")
    expect(editor).to_be_hidden()


def report_caption(tab: Page):
    return tab.get_by_text("Computed from version")


def test_the_manager_edits_one_outcome_and_sees_the_new_version(
    page: Page,  # noqa: F811 - the fixture imported above
    camera: Camera,  # noqa: F811
    mapped: tuple[Path, int, int],
    tmp_path: Path,
) -> None:
    _, experiment, version = mapped
    sign_in(page, "manager")
    open_page(page, "SROI")
    choose_experiment(page, experiment)
    expect(report_caption(page)).to_contain_text(f"version {version}, saved")
    camera("sroi-manager-result")

    page.get_by_role("tab", name="Sensitivity").click()
    expect(page.get_by_text("P(ratio > 1)")).to_be_visible()
    camera("sroi-manager-sensitivity")

    page.get_by_role("tab", name="Impact map").click()
    form = page.get_by_test_id("stForm").first  # the map; the import's is below it
    expect(form.get_by_test_id("stDataFrame")).to_be_visible()
    edit_cell(page, form.get_by_test_id("stDataFrame"), right_of_stakeholder=3, text=NEW_QUANTITY)
    form.get_by_label("Reason", exact=True).fill("Browser test: more households reached")
    camera("sroi-manager-edited")
    form.get_by_role("button", name="Save as a new version").click()

    expect(page.get_by_test_id("stAlertContentSuccess")).to_contain_text(
        f"saved as version {version + 1}"
    )
    expect(report_caption(page)).to_contain_text(f"version {version + 1}, saved")
    expect(report_caption(page)).to_contain_text("more households reached")
    rows = form.get_by_test_id("data-grid-canvas").locator("table tbody tr")
    expect(rows.first).to_contain_text(NEW_QUANTITY)
    camera("sroi-manager-saved")

    # The map downloads as a file that computes alone, and a changed copy imports as the next
    # version; the file's inputs are not used (an experiment's come from its ledger).
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the impact map (JSON)").click()
    exported = json.loads(Path(download.value.path()).read_text("utf-8"))
    assert exported["outcomes"][0]["quantity"] == NEW_QUANTITY
    assert exported["inputs"], "the export carries the ledger's inputs"
    exported["outcomes"][0]["quantity"] = IMPORTED_QUANTITY
    changed = tmp_path / "impact-map.json"
    changed.write_text(json.dumps(exported), "utf-8")
    page.get_by_text("Import a file as a new version").click()
    upload = page.get_by_test_id("stForm").last
    upload.locator("input[type=file]").set_input_files(changed)
    # The browser sends the file to the server on its own; submitting before it has arrived
    # submits the form without it (as a busy machine showed).
    expect(upload.get_by_text(changed.name)).to_be_visible()
    page.wait_for_load_state("networkidle")
    upload.get_by_label("Reason", exact=True).fill("Browser test: the evaluator's file")
    upload.get_by_role("button", name="Import as a new version").click()
    imported = page.get_by_test_id("stAlertContentSuccess")
    expect(imported).to_contain_text(f"saved as version {version + 2}")
    expect(imported).to_contain_text("were not used")
    expect(report_caption(page)).to_contain_text("the evaluator's file")
    camera("sroi-manager-imported")
    sign_out(page)


@pytest.mark.parametrize("username", ["auditor", "board"])
def test_auditors_and_board_members_read_the_page_without_an_editor(
    page: Page,  # noqa: F811
    camera: Camera,  # noqa: F811
    mapped: tuple[Path, int, int],
    username: str,
) -> None:
    _, experiment, _ = mapped
    sign_in(page, username)
    open_page(page, "SROI")
    choose_experiment(page, experiment)
    expect(report_caption(page)).to_be_visible()
    if username == "auditor":
        expect(report_caption(page)).to_contain_text(f"by {MANAGER_NAME}")
    else:
        expect(report_caption(page)).not_to_contain_text(MANAGER_NAME)
    camera(f"sroi-{username}-result")
    page.get_by_role("tab", name="Impact map").click()
    expect(page.get_by_role("button", name="Download the impact map (JSON)")).to_be_visible()
    expect(page.get_by_role("button", name="Save as a new version")).to_have_count(0)
    camera(f"sroi-{username}-map")
    open_page(page, "Portfolio")
    expect(page.get_by_text("SROI by programme and instrument")).to_be_visible()
    camera(f"sroi-{username}-portfolio")
