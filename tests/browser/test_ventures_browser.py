"""The Social ventures page in a real browser: the fund manager reads the fund's venture
metrics, finds a loan in arrears against its schedule, and sees the J-curve.

The database is the demo's with a venture of the test's own added through the services (a
£60,000.00 loan drawn a year ago, repaid once, and valued since), so the test does not hang
on what the demo holds. The real server (``streamlit run``) on a free port, driven by
Playwright in headless Chromium; each step leaves a screenshot in ``.screenshots/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from fund import db, ledger
from fund.auth import authenticate
from fund.ventures import terms, valuations
from tests.browser.test_browser import (  # noqa: F401 - fixtures, used by name
    MANAGER,
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

PAGE = "Social ventures"
BORROWER = "Browser Test Ventures CIC"
# A social venture experiment of the demo that takes money: its plan registered, not closed.
OPEN_VENTURE = """
SELECT experiment_id, programme_id FROM experiment
WHERE instrument = 'social_venture'
  AND experiment_id IN (SELECT experiment_id FROM evaluation_plan)
  AND experiment_id NOT IN (SELECT experiment_id FROM experiment_closure)
ORDER BY experiment_id LIMIT 1
"""


def _months_ago(n: int) -> date:
    today = db.today()
    month = today.year * 12 + today.month - 1 - n
    return date(month // 12, month % 12 + 1, 1)


def _add_loan(path: Path) -> int:
    """A £60,000.00 loan at 6% from a year ago, four half-yearly instalments, drawn in full
    and repaid £10,000.00 once (so in arrears), valued at £45,000.00 last month."""
    con = db.connect(path)
    try:
        fm = authenticate(con, MANAGER, PASSWORDS[MANAGER])
        second = authenticate(con, "manager2", PASSWORDS["manager2"])
        (experiment_id, programme_id) = con.execute(OPEN_VENTURE).fetchone()
        ledger.allocate(
            con, fm, programme_id=programme_id, amount="60000.00", reason="loan", key="bt-1"
        )
        written = ledger.commit(
            con,
            fm,
            experiment_id=experiment_id,
            amount="60000.00",
            counterparty=BORROWER,
            reason="loan agreed",
            key="bt-2",
        )
        if written.entity == "approval request":
            written = ledger.decide(
                con, second, request_id=written.entity_id, approve=True, reason="ok", key="bt-3"
            )
        loan = written.entity_id
        start = _months_ago(12)
        terms.record_terms(
            con,
            fm,
            terms.InvestmentTerms(
                commitment_id=loan,
                investment_type="loan",
                interest_rate="6",
                starts_on=start,
                instalments=4,
                every_months=6,
            ),
            key="bt-4",
            reason="loan agreed",
        )
        ledger.pay(
            con, fm, commitment_id=loan, amount="60000.00", reason="drawn", key="bt-5", on=start
        )
        ledger.recover(
            con,
            fm,
            commitment_id=loan,
            amount="10000.00",
            reason="first repayment",
            key="bt-6",
            on=start + timedelta(days=190),
        )
        valuations.record_valuation(
            con,
            fm,
            commitment_id=loan,
            valued_on=_months_ago(1),
            value="45000.00",
            basis="written_down",
            key="bt-7",
            reason="behind on repayments",
        )
        return loan
    finally:
        con.close()  # the server must have the file alone


@pytest.fixture(scope="module")
def loan_fund(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    path = tmp_path_factory.mktemp("ventures") / "fund.duckdb"
    build_database(path)
    return path, _add_loan(path)


@pytest.fixture(scope="module")
def server(loan_fund: tuple[Path, int]) -> Iterator[str]:
    with served(loan_fund[0]) as url:
        yield url


def test_the_fund_manager_finds_a_loan_in_arrears_and_the_j_curve(
    page: Page,  # noqa: F811 - the fixture imported above
    camera: Camera,  # noqa: F811
    loan_fund: tuple[Path, int],
) -> None:
    loan = loan_fund[1]
    sign_in(page, MANAGER)
    open_page(page, PAGE)
    for figure in ("Paid in", "Distributions", "Residual value"):
        expect(metric(page, figure)).to_contain_text("£")
    for figure in ("DPI", "RVPI", "TVPI"):
        expect(metric(page, figure)).to_contain_text("×")
    investments = page.get_by_test_id("stDataFrame").first
    expect(investments).to_contain_text(BORROWER)
    camera("ventures-investments")

    page.get_by_role("tab", name="Schedules and arrears").click()
    settled(page)
    page.get_by_role("combobox", name="Loan").click()
    page.get_by_role("option").filter(has_text=BORROWER).first.click()
    settled(page)
    expect(page.get_by_role("heading", name=f"Schedule of loan #{loan}")).to_be_visible()
    expect(page.get_by_test_id("stAlertContentWarning")).to_contain_text("In arrears by £")
    camera("ventures-schedule")

    page.get_by_role("tab", name="J-curve").click()
    settled(page)
    chart = page.get_by_test_id("stPlotlyChart").first
    expect(chart).to_contain_text("J-curve")
    expect(chart).to_contain_text("Cumulative net cash flow")
    expect(chart).to_contain_text("Month (value date)")
    camera("ventures-j-curve")
