"""The real app in a real browser: Streamlit served on a free port, driven by Playwright in
Debian's headless Chromium (``/usr/bin/chromium``; ``ensure_chromium.sh`` beside this file
installs it when it is missing).

A fund manager allocates money and sees the portfolio's available figure move by exactly
that amount; an auditor then finds the allocation in the audit trail. Each step leaves a
screenshot in the test's temporary folder and a copy in ``.screenshots/`` at the top of the
repository (git-ignored), so a person can look at what the browser saw.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright

from fund import db, demo
from fund.money import format_gbp

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SHOTS = ROOT / ".screenshots"
PASSWORDS = {u.username: u.password for u in demo.DEMO_USERS}
STARTUP_SECONDS = 60
TIMEOUT_MS = 45_000  # a Streamlit rerun takes a moment, more so on a busy CI machine

MANAGER = "manager"
AUDITOR = "auditor"
PROGRAMME = "Financial inclusion"
AMOUNT = "25,000.00"
REASON = "Browser test: top-up for the financial inclusion pilots"
GRANTEE = "Browser Test Community Group"

pytestmark = pytest.mark.browser


# --------------------------------------------------------------------------------------
# The database, the server, the browser
# --------------------------------------------------------------------------------------


def build_database(path: Path) -> None:
    """A temporary demo database: the £5,000,000.00 demo fund and its demo users."""
    with demo.founded():
        con = db.connect(path)
    try:
        demo.build(con)
    finally:
        # DuckDB lets one process at a time open the file: the server must have it alone.
        con.close()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_healthy(url: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"streamlit exited with {server.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                if answer.read().decode().strip() == "ok":
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.25)
    pytest.fail(f"streamlit did not answer 'ok' within {STARTUP_SECONDS} s:\n{log.read_text()}")


@contextmanager
def served(database: Path) -> Iterator[str]:
    """`streamlit run app.py` on a free port against ``database``; its URL. Always stopped."""
    port = free_port()
    log = database.with_name("streamlit.log")
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "app.py",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--server.fileWatcherType",
        "none",
        "--browser.gatherUsageStats",
        "false",
    ]
    with log.open("w") as output:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, "RINGFENCE_DB": str(database)},
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_healthy(url, process, log)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on a free port against a fresh database; its URL. Always stopped afterwards."""
    database = tmp_path_factory.mktemp("server") / "fund.duckdb"
    build_database(database)
    with served(database) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: run tests/browser/ensure_chromium.sh (as root) to install "
            "Debian's chromium"
        )
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Browser, server: str) -> Iterator[Page]:
    context = browser.new_context(
        base_url=server, viewport={"width": 1440, "height": 1000}, accept_downloads=True
    )
    context.set_default_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)
    tab = context.new_page()
    try:
        yield tab
    finally:
        context.close()


def settled(page: Page) -> None:
    """Wait until the script run has finished and every element has drawn itself.

    Call it after waiting for something the run shows: just after a click the app can still
    say "not running" from the run before. Charts and grids load their code lazily and show
    a skeleton meanwhile (the first Plotly chart takes seconds).
    """
    expect(page.get_by_test_id("stApp")).to_have_attribute("data-test-script-state", "notRunning")
    expect(page.get_by_test_id("stSkeleton")).to_have_count(0)
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=stPlotlyChart]')]"
        ".every(chart => chart.querySelector('.main-svg'))"
    )


@dataclass
class Camera:
    """Numbered screenshots of each step, into the test's folder and a copy in .screenshots/.

    Streamlit scrolls inside its main section, not the document, so a full-page screenshot
    alone shows one screenful: the viewport is stretched to the section's height first.
    """

    page: Page
    folder: Path
    taken: int = 0

    def __call__(self, name: str) -> Path:
        settled(self.page)
        self.taken += 1
        shot = self.folder / f"browser-{self.taken:02d}-{name}.png"
        viewport = self.page.viewport_size
        height = self.page.evaluate(
            "() => document.querySelector('[data-testid=stMain]')?.scrollHeight ?? 0"
        )
        if height > viewport["height"]:
            self.page.set_viewport_size({"width": viewport["width"], "height": height})
        try:
            self.page.screenshot(path=shot, full_page=True)
        finally:
            self.page.set_viewport_size(viewport)
        SHOTS.mkdir(exist_ok=True)
        shutil.copy2(shot, SHOTS / shot.name)
        return shot


@pytest.fixture
def camera(page: Page, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Camera]:
    """The test's camera; when the test fails it also photographs where it stopped."""
    (SHOTS / "browser-failure.png").unlink(missing_ok=True)
    failed_before = request.session.testsfailed
    shoot = Camera(page, tmp_path)
    yield shoot
    if request.session.testsfailed > failed_before:
        shot = tmp_path / "browser-failure.png"
        page.screenshot(path=shot, full_page=True)
        SHOTS.mkdir(exist_ok=True)
        shutil.copy2(shot, SHOTS / shot.name)


# --------------------------------------------------------------------------------------
# What a person does
# --------------------------------------------------------------------------------------


def sign_in(page: Page, username: str) -> None:
    page.goto("/")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    page.get_by_label("User name", exact=True).fill(username)
    page.get_by_label("Password", exact=True).fill(PASSWORDS[username])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_label("User name", exact=True)).to_be_visible()


def open_page(page: Page, title: str) -> None:
    """Follow the sidebar link, as a person moves between pages. While the page runs,
    Streamlit may still show the heading of the run before beside the new one (two, for a
    moment, when the page was already open): wait for the run to finish and one to be left."""
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=title).click()
    expect(page.get_by_role("heading", name=title, level=1).first).to_be_visible()
    settled(page)
    expect(page.get_by_role("heading", name=title, level=1)).to_have_count(1)


def metric(page: Page, label: str) -> Locator:
    """The value of the st.metric labelled ``label``."""
    return (
        page.get_by_test_id("stMetric")
        .filter(has=page.get_by_test_id("stMetricLabel").get_by_text(label, exact=True))
        .get_by_test_id("stMetricValue")
    )


def pounds(text: str) -> Decimal:
    """'£1,234.56' (or '1,234.56') as Decimal('1234.56')."""
    return Decimal(text.strip().replace("£", "").replace(",", ""))


def grid_row(frame: Locator, containing: str) -> dict[str, str]:
    """The one row of an st.dataframe that contains ``containing``, as {heading: text}.

    The grid draws on a canvas; beneath it is an accessible table of the cells in view,
    hidden from sight (so read by text content, not by role).
    """
    table = frame.get_by_test_id("data-grid-canvas").locator("table")
    row = table.locator("tbody tr").filter(has_text=containing)
    expect(row).to_have_count(1)
    headings = table.locator("thead th").all_text_contents()
    return dict(zip(headings, row.locator("td").all_text_contents(), strict=True))


# --------------------------------------------------------------------------------------
# The test
# --------------------------------------------------------------------------------------


def test_allocation_moves_available_and_reaches_the_audit_trail(page: Page, camera: Camera) -> None:
    # The fund manager signs in and reads where the money stands.
    page.goto("/")
    expect(page.get_by_label("User name", exact=True)).to_be_visible()
    camera("sign-in")
    sign_in(page, MANAGER)
    open_page(page, "Portfolio")
    expect(metric(page, "Available")).to_contain_text("£")
    before = pounds(metric(page, "Available").inner_text())
    after = format_gbp(before + pounds(AMOUNT))
    camera("manager-portfolio-before")

    # ... allocates money to a programme ...
    open_page(page, "Allocate")
    tab = page.get_by_role("tabpanel", name="Allocate")
    form = tab.get_by_test_id("stForm")
    programme = form.get_by_role("combobox", name="Programme")
    programme.click()
    page.get_by_role("option", name=PROGRAMME, exact=True).click()
    expect(programme).to_have_value(PROGRAMME)
    form.get_by_label("Amount (£)", exact=True).fill(AMOUNT)
    form.get_by_label("Reason", exact=True).fill(REASON)
    camera("manager-allocate-filled")
    form.get_by_role("button", name="Allocate", exact=True).click()
    # The page reruns with fresh figures and confirms the write under its form.
    expect(tab.get_by_test_id("stAlertContentSuccess")).to_contain_text(
        f"£{AMOUNT} allocated to {PROGRAMME}"
    )
    moved = page.get_by_test_id("stTable").get_by_role("row").filter(has_text="Available")
    expect(moved).to_contain_text(format_gbp(before))
    expect(moved).to_contain_text(after)
    camera("manager-allocate-done")

    # ... and sees the available figure move by exactly that amount.
    open_page(page, "Portfolio")
    expect(metric(page, "Available")).to_have_text(after)
    camera("manager-portfolio-after")
    sign_out(page)

    # The auditor signs in (no Allocate page for them) and finds the allocation in the
    # audit trail, filtered to allocations, on screen and in the CSV export of the screen.
    sign_in(page, AUDITOR)
    menu = page.get_by_test_id("stSidebarNav")
    expect(menu.get_by_role("link", name="Allocate")).to_have_count(0)
    open_page(page, "Audit")
    trail = page.get_by_role("tabpanel", name="Audit trail")
    operation = trail.get_by_role("combobox", name="Operation")
    operation.click()
    page.get_by_role("option", name="allocate", exact=True).click()
    expect(operation).to_have_value("allocate")
    expect(trail.get_by_text("audit rows, newest first")).to_be_visible()
    camera("auditor-audit-trail")
    shown = grid_row(trail.get_by_test_id("stDataFrame"), REASON)
    assert (shown["Operation"], shown["Reason"]) == ("allocate", REASON)
    assert shown["Actor"].endswith(f"({MANAGER})")  # actors by name, then user name

    with page.expect_download() as download:
        trail.get_by_role("button", name="Download CSV").click()
    exported = Path(download.value.path()).read_text("utf-8")
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert {row["Operation"] for row in rows} == {"allocate"}, exported  # on-screen headings
    newest = rows[0]
    assert (newest["Actor"], newest["Reason"]) == (shown["Actor"], REASON), exported
    assert f"Amount: £{AMOUNT}" in newest["Details"], exported


def test_a_reload_keeps_the_person_signed_in_until_they_sign_out(
    page: Page, camera: Camera
) -> None:
    # Signed in, a reload of the page comes back to the same page, still signed in ...
    sign_in(page, MANAGER)
    open_page(page, "Allocate")
    page.reload()
    expect(page.get_by_role("heading", name="Allocate", level=1)).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    assert page.url.endswith("/allocate")
    camera("reload-still-signed-in")

    # ... and once signed out, a reload shows the sign-in form: the session has ended.
    sign_out(page)
    page.reload()
    expect(page.get_by_label("User name", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    camera("reload-signed-out")


def test_a_refusal_after_a_success_shows_where_the_person_is_and_an_approval_says_done(
    page: Page, camera: Camera
) -> None:
    # A small award is made, then a payment on it: the section stays open and says what
    # was done ...
    sign_in(page, MANAGER)
    open_page(page, "Allocate")
    page.get_by_role("tab", name="Commit").click()
    tab = page.get_by_role("tabpanel", name="Commit")
    form = tab.get_by_test_id("stForm")
    form.get_by_label("Counterparty (who receives the money)").fill(GRANTEE)
    form.get_by_label("Amount (£)", exact=True).fill("100.00")
    form.get_by_label("Reason", exact=True).fill("Browser test: a small award")
    form.get_by_role("button", name="Commit", exact=True).click()
    expect(tab.get_by_test_id("stAlertContentSuccess")).to_contain_text(f"to {GRANTEE}")

    page.get_by_role("tab", name="Record a payment").click()
    tab = page.get_by_role("tabpanel", name="Record a payment")
    form = tab.get_by_test_id("stForm")
    commitment = form.get_by_role("combobox", name="Commitment")
    commitment.click()
    page.keyboard.type(GRANTEE)  # the list is long: search it as a person would
    page.get_by_role("option").filter(has_text=GRANTEE).first.click()
    form.get_by_label("Amount (£)", exact=True).fill("1.00")
    form.get_by_label("Reason", exact=True).fill("Browser test: a small payment")
    form.get_by_role("button", name="Record", exact=True).click()
    expect(tab.get_by_test_id("stAlertContentSuccess")).to_contain_text("Payment of £1.00")
    expect(page.get_by_role("tab", name="Record a payment")).to_have_attribute(
        "aria-selected", "true"
    )
    settled(page)  # the run has finished: the form is drawn afresh, emptied for the next entry
    expect(form.get_by_label("Amount (£)", exact=True)).to_have_value("")
    camera("payment-done")

    # ... and the refusal of the next one appears in that same section, the fields kept.
    form.get_by_label("Amount (£)", exact=True).fill("1,000.00")
    form.get_by_label("Reason", exact=True).fill("Browser test: far too much")
    form.get_by_role("button", name="Record", exact=True).click()
    expect(tab.get_by_test_id("stAlertContentError")).to_contain_text("exceeds")
    expect(form.get_by_label("Amount (£)", exact=True)).to_have_value("1,000.00")
    camera("payment-refused-in-place")

    # A virement requested by one fund manager ...
    page.get_by_role("tab", name="Request a virement").click()
    tab = page.get_by_role("tabpanel", name="Request a virement")
    form = tab.get_by_test_id("stForm")
    form.get_by_label("Amount (£)", exact=True).fill("1,000.00")
    form.get_by_label("Reason", exact=True).fill("Browser test: rebalance")
    form.get_by_role("button", name="Request virement", exact=True).click()
    expect(tab.get_by_test_id("stAlertContentSuccess")).to_contain_text(
        "waits for a second fund manager"
    )
    sign_out(page)

    # ... is approved by the other, and the message says it is done, not waiting.
    sign_in(page, "manager2")
    open_page(page, "Allocate")
    page.get_by_role("tab", name="Approvals").click()
    tab = page.get_by_role("tabpanel", name="Approvals")
    expect(tab.get_by_text("virement of £1,000.00", exact=False).last).to_be_visible()
    tab.get_by_label("Reason for the decision").last.fill("Browser test: agreed")
    tab.get_by_role("button", name="Approve").last.click()
    success = tab.get_by_test_id("stAlertContentSuccess")
    expect(success).to_contain_text("approved: the virement of £1,000.00 is posted")
    expect(success).not_to_contain_text("Waiting")
    camera("approval-done")


LESSON_EXPERIMENT = 13  # a small grant of the demo with no lesson yet
LESSON = {
    "What worked": "Browser test: evening drop-ins at the depot reached night-shift workers",
    "What did not": "Leaflets in the canteen went unread",
    "What we would do differently": "Ask the shift supervisors to introduce the adviser",
    "Where it transfers (other programmes, other places)": "Any service for shift workers",
}


def test_a_lesson_the_manager_records_is_found_by_a_board_member_on_the_lessons_page(
    page: Page, camera: Camera
) -> None:
    # The fund manager writes up what an experiment taught, on its Evidence page ...
    sign_in(page, MANAGER)
    open_page(page, "Evidence")
    page.get_by_role("combobox", name="Experiment").click()
    page.keyboard.type(f"#{LESSON_EXPERIMENT} ·")
    page.get_by_role("option").filter(has_text=f"#{LESSON_EXPERIMENT} ·").first.click()
    settled(page)
    page.get_by_role("tab", name="Lesson").click()
    tab = page.get_by_role("tabpanel", name="Lesson")
    form = tab.get_by_test_id("stForm").first
    for question, answer in LESSON.items():
        form.get_by_label(question, exact=True).fill(answer)
    form.get_by_label("Tags", exact=True).fill("Shift Work, outreach")
    form.get_by_label("Reason", exact=True).fill("Browser test: end-of-grant review")
    camera("lesson-typed")
    form.get_by_role("button", name="Record the lesson", exact=True).click()
    expect(tab.get_by_test_id("stAlertContentSuccess")).to_contain_text(
        f"Lesson of experiment #{LESSON_EXPERIMENT}"
    )
    expect(tab.get_by_text(LESSON["What worked"], exact=True).first).to_be_visible()
    camera("lesson-recorded")
    sign_out(page)

    # ... and a board member finds it by a few of its words on the Lessons page.
    sign_in(page, "board")
    open_page(page, "Lessons")
    search = page.get_by_label("Search the lessons", exact=True)
    search.fill("night-shift workers")
    search.press("Enter")
    expect(page.get_by_text("1 lesson found", exact=False)).to_be_visible()
    found = grid_row(page.get_by_test_id("stDataFrame").first, "night-shift workers")
    assert found["Experiment #"] == str(LESSON_EXPERIMENT)
    assert found["What worked"] == LESSON["What worked"]
    camera("lesson-found-by-board")
