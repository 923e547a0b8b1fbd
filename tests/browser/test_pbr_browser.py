"""Payment by results in a real browser: the fund manager records an outcome claim on the demo's
DWP rate-card contract, the auditor verifies it on the Verification page, and a fund manager
pays exactly what it earned; a penny more is refused, naming the contract.

The real server (``streamlit run``) on a free port against its own demo database, driven by
Playwright in headless Chromium; each step leaves a screenshot in ``.screenshots/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from fund import db
from fund.auth import authenticate
from fund.demo.outcome_contracts import DWP_PRICES
from fund.pbr import contracts
from tests.browser.test_browser import (  # noqa: F401 - fixtures, used by name
    AUDITOR,
    MANAGER,
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

CONTRACT = "Youth outcomes, DWP Innovation Fund prices"
METRIC = "ESOL completion"
PARTICIPANT = "YP-BROWSER"
PRICE = DWP_PRICES[METRIC]  # "1200.00"


@pytest.fixture(scope="module")
def demo_fund(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A demo database and the DWP contract's term, for a claim period inside it."""
    path = tmp_path_factory.mktemp("pbr") / "fund.duckdb"
    build_database(path)
    con = db.connect(path)
    try:
        reader = authenticate(con, AUDITOR, PASSWORDS[AUDITOR])
        listing = contracts.contracts(con, reader).set_index("name")
        contract_id = int(listing.loc[CONTRACT, "contract_id"])
        terms = contracts.contract(con, reader, contract_id)
    finally:
        con.close()  # the server must have the file alone
    start = terms.starts_on + timedelta(days=1)
    return path, {
        "contract": f"#{contract_id}",
        "start": start.strftime("%d/%m/%Y"),
        "end": (start + timedelta(days=60)).strftime("%d/%m/%Y"),
    }


@pytest.fixture(scope="module")
def server(demo_fund: tuple[Path, dict[str, str]]) -> Iterator[str]:
    with served(demo_fund[0]) as url:
        yield url


def _date(page: Page, form, label: str, typed: str) -> None:  # noqa: F811
    """Type a date into a date field's day, month and year segments, as a person does."""
    form.get_by_label(label, exact=True).get_by_role("spinbutton").first.click()
    page.keyboard.type(typed.replace("/", ""))


def test_a_claim_is_recorded_verified_by_the_auditor_and_paid(
    page: Page,  # noqa: F811 - the fixture imported above
    camera: Camera,  # noqa: F811
    demo_fund: tuple[Path, dict[str, str]],
) -> None:
    term = demo_fund[1]
    # The fund manager records the claim, with its evidence, on the contract's Claims tab.
    sign_in(page, MANAGER)
    open_page(page, "Payment by results")
    chooser = page.get_by_role("combobox", name="Contract")
    chooser.click()
    page.get_by_role("option").filter(has_text=CONTRACT).first.click()
    settled(page)
    expect(page.get_by_text("Provider: Eastfield Youth Project")).to_be_visible()
    page.get_by_role("tab", name="Claims").click()
    settled(page)
    tab = page.get_by_role("tabpanel", name="Claims")
    form = tab.get_by_test_id("stForm")
    metric = form.get_by_role("combobox", name="Outcome metric")
    metric.click()
    page.keyboard.type(METRIC)  # search the card's nine metrics as a person would
    page.get_by_role("option").filter(has_text=METRIC).first.click()
    expect(metric).to_have_value(METRIC)
    _date(page, form, "Period start", term["start"])
    _date(page, form, "Period end", term["end"])
    form.get_by_label("Quantity (outcomes)", exact=True).fill("1")
    form.get_by_label("Participant (reference)", exact=True).fill(PARTICIPANT)
    form.get_by_label("Evidence", exact=True).fill("ESOL certificate seen, dated last month")
    form.get_by_label("Reason", exact=True).fill("Browser test: a claim")
    camera("pbr-claim-filled")
    form.get_by_role("button", name="Record claim", exact=True).click()
    success = tab.get_by_test_id("stAlertContentSuccess")
    expect(success).to_contain_text("awaiting verification")
    claim = success.inner_text().split("Outcome claim ")[1].split(" ")[0]  # "#13"
    camera("pbr-claim-recorded")
    sign_out(page)

    # The auditor finds it waiting, reads its evidence and accepts it.
    sign_in(page, AUDITOR)
    open_page(page, "Verification")
    chooser = page.get_by_role("combobox", name="Claim to decide")
    chooser.click()
    page.get_by_role("option").filter(has_text=f"Claim {claim} ").first.click()
    settled(page)
    evidence = page.get_by_test_id("stText").filter(has_text="ESOL certificate seen")
    expect(evidence.first).to_be_visible()  # the evidence, read as text beside the form
    form = page.get_by_test_id("stForm").first
    form.get_by_label("Reason", exact=True).fill("Certificate matched to the participant")
    camera("pbr-verify-filled")
    form.get_by_role("button", name="Record decision", exact=True).click()
    expect(page.get_by_test_id("stAlertContentSuccess")).to_contain_text(f"Claim {claim} accepted")
    camera("pbr-verified")
    sign_out(page)

    # A fund manager pays what the outcome earned; a penny more is refused by name.
    sign_in(page, MANAGER)
    open_page(page, "Allocate")
    page.get_by_role("tab", name="Record a payment").click()
    tab = page.get_by_role("tabpanel", name="Record a payment")
    form = tab.get_by_test_id("stForm")
    commitment = form.get_by_role("combobox", name="Commitment")
    commitment.click()
    page.keyboard.type("DWP")
    page.get_by_role("option").filter(has_text="DWP").first.click()
    form.get_by_label("Amount (£)", exact=True).fill("1,200.01")
    form.get_by_label("Reason", exact=True).fill("Browser test: more than earned")
    form.get_by_role("button", name="Record", exact=True).click()
    expect(tab.get_by_test_id("stAlertContentError")).to_contain_text(
        f"exceeds what PbR contract {term['contract']} '{CONTRACT}' has earned and not yet paid,"
        " £1,200.00"
    )
    camera("pbr-payment-refused")
    form.get_by_label("Amount (£)", exact=True).fill(PRICE)
    form.get_by_label("Reason", exact=True).fill("Browser test: outcome payment")
    form.get_by_role("button", name="Record", exact=True).click()
    expect(tab.get_by_test_id("stAlertContentSuccess")).to_contain_text("Payment of £1,200.00")
    camera("pbr-paid")
