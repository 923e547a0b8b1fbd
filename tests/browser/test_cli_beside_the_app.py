"""The `fund` command works while the app runs: the app lets go of the database file a moment
after each page, so the README's CLI examples (a read and a write) succeed with the server
still up, and the app's next page shows what the command wrote.

The real server (``streamlit run``) on a free port against a demo database, a person signed in
with Playwright in headless Chromium, and the `fund` command run beside it.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_browser import (  # noqa: F401 - fixtures, used by name
    ROOT,
    Camera,
    browser,
    build_database,
    camera,
    metric,
    open_page,
    page,
    pounds,
    served,
    sign_in,
)
from tests.e2e.test_cli import FUND

pytestmark = pytest.mark.browser

TOP_UP = Decimal("1000.00")
PROGRAMME_ID = "1"  # Financial inclusion in the demo


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("beside") / "fund.duckdb"
    build_database(path)
    return path


@pytest.fixture(scope="module")
def server(database: Path) -> Iterator[str]:
    """`streamlit run app.py` on a free port against the demo database; always stopped."""
    with served(database) as url:
        yield url


def fund(database: Path, *words: str) -> subprocess.CompletedProcess[str]:
    """`fund --db DATABASE --as manager WORDS…`, as the README shows it; it must succeed."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("RINGFENCE_")}
    done = subprocess.run(
        [*FUND, "--db", str(database), "--as", "manager", *words],
        capture_output=True,
        text=True,
        env={**env, "RINGFENCE_PASSWORD": "manager-demo-pw"},
        stdin=subprocess.DEVNULL,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done


def test_fund_commands_read_and_write_while_the_app_runs(
    page: Page,  # noqa: F811 - the fixture imported above
    camera: Camera,  # noqa: F811
    database: Path,
    server: str,
):
    sign_in(page, "manager")
    open_page(page, "Portfolio")
    camera("beside-portfolio-before")
    shown = pounds(metric(page, "Allocated").inner_text())

    read = json.loads(fund(database, "position", "--json").stdout)
    assert Decimal(read["headline"]["allocated"]) == shown
    fund(database, "allocate", PROGRAMME_ID, str(TOP_UP), "--reason", "Top-up keyed from the CLI")

    open_page(page, "Allocate")  # a new run: the app opens the file again
    open_page(page, "Portfolio")
    expect(metric(page, "Allocated")).to_have_text(f"£{shown + TOP_UP:,.2f}")
    camera("beside-portfolio-after")
