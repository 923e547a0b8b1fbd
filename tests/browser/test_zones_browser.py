"""The Experimental zones page in a real browser: the fund manager opens the demo's Leeds
zone, whose waiver register (a renewal, a waiver in force to the zone's end, one expiring
soon) is drawn on a timeline with today's line, then the Bradford zone's outcome series
against its comparison areas.

The real server (``streamlit run``) on a free port against its own demo database, driven by
Playwright in headless Chromium; each step leaves a screenshot in ``.screenshots/``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_browser import (  # noqa: F401 - fixtures, used by name
    MANAGER,
    Camera,
    browser,
    build_database,
    camera,
    open_page,
    page,
    served,
    settled,
    sign_in,
)

pytestmark = pytest.mark.browser

PAGE = "Experimental zones"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    path = tmp_path_factory.mktemp("zones") / "fund.duckdb"
    build_database(path)  # the demo holds two zones (fund/demo/zones.py)
    with served(path) as url:
        yield url


def choose_zone(page: Page, area: str) -> None:  # noqa: F811
    page.get_by_role("combobox", name="Zone").click()
    page.get_by_role("option").filter(has_text=area).first.click()
    settled(page)
    expect(page.get_by_test_id("stText").filter(has_text=f"Area: {area}")).to_be_visible()


def test_the_fund_manager_opens_a_zones_waiver_timeline_and_its_outcomes(
    page: Page,  # noqa: F811 - the fixture imported above
    camera: Camera,  # noqa: F811
) -> None:
    sign_in(page, MANAGER)
    open_page(page, PAGE)
    expect(page.get_by_test_id("stDataFrame").first).to_be_visible()
    choose_zone(page, "Leeds")

    timeline = page.get_by_test_id("stPlotlyChart").first
    expect(timeline).to_contain_text("Waivers of Leeds: from grant to expiry")
    expect(timeline).to_contain_text("Today")
    expect(timeline.locator(".legendtext").filter(has_text="Granted")).to_have_count(1)
    expect(timeline.locator("g.point")).not_to_have_count(0)  # a bar per waiver
    expect(page.get_by_role("heading", name="Waiver register")).to_be_visible()
    camera("zones-timeline")

    choose_zone(page, "Bradford")
    page.get_by_role("tab", name="Outcomes").click()
    settled(page)
    outcomes = page.get_by_test_id("stPlotlyChart").first
    expect(outcomes).to_contain_text("Bradford against its comparison areas")
    expect(outcomes).to_contain_text("Zone starts")
    expect(page.get_by_test_id("stMetric").filter(has_text="Evidence level")).to_be_visible()
    camera("zones-outcomes")
