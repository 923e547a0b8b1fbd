"""The Social ventures page: every reading role sees the fund's venture metrics, each
investment with its terms, the loans against their schedules with their arrears, the
valuations, the metrics per programme and the J-curve; only fund managers get the forms;
board members see no officials' names; admins are refused. Terms recorded for a loan
through the form make its schedule; a valuation recorded through the form moves the
residual value; a bad field is refused by name with every field kept and nothing written.
The Audit page lists the loans in arrears."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest

from fund import db, ledger
from fund.register import Instrument
from fund.ventures import terms, valuations
from tests.app.helpers import button, errors, form_key, successes, visible
from tests.app.test_board_page import everything
from tests.conftest import key

PAGE = "pages/ventures.py"
VENTURE_TABLES = ("venture_terms", "loan_instalment", "venture_valuation", "audit_log")
OFFICIAL, RECORDER = "Pat Official", "Mo Manager"


def months_ago(n: int) -> date:
    today = db.today()
    month = today.year * 12 + today.month - 1 - n
    return date(month // 12, month % 12 + 1, 1)


def new_commitment(con, people, portfolio, amount: str) -> int:
    """A commitment to the portfolio's social venture experiment (approved by a second fund
    manager when above the delegated limit); its number. The programme is funded first."""
    written = ledger.commit(
        con,
        people.manager,
        experiment_id=portfolio.experiments[Instrument.SOCIAL_VENTURE],
        amount=amount,
        counterparty="Venture Health Ltd",
        reason="investment agreed",
        key=key(),
    )
    if written.entity == "approval request":
        written = ledger.decide(
            con,
            people.second_manager,
            request_id=written.entity_id,
            approve=True,
            reason="investment reviewed",
            key=key(),
        )
    return written.entity_id


@pytest.fixture
def ventures(con, people, portfolio) -> dict[str, int]:
    """A £120,000.00 loan at 5% from twelve months ago, eight quarterly instalments of
    £15,855.98, drawn in full and repaid £16,500.00 once (in arrears since its second
    instalment); an equity stake of £50,000.00, paid in and valued at £80,000.00 on its last
    round; and a £100,000.00 commitment still without terms."""
    fm = people.manager
    ledger.allocate(
        con, fm, programme_id=portfolio.programme_id, amount="500000.00", reason="fund", key=key()
    )
    loan = new_commitment(con, people, portfolio, "120000.00")
    equity = new_commitment(con, people, portfolio, "50000.00")
    open_ = new_commitment(con, people, portfolio, "100000.00")
    start = months_ago(12)
    terms.record_terms(
        con,
        fm,
        terms.InvestmentTerms(
            commitment_id=loan,
            investment_type="loan",
            interest_rate="5",
            starts_on=start,
            instalments=8,
            every_months=3,
            follow_on_reserve="20000.00",
        ),
        key=key(),
        reason="loan agreed",
    )
    terms.record_terms(
        con,
        fm,
        terms.InvestmentTerms(commitment_id=equity, investment_type="equity", stake="12.5"),
        key=key(),
        reason="seed round",
    )
    ledger.pay(con, fm, commitment_id=loan, amount="120000.00", reason="drawn", key=key(), on=start)
    ledger.recover(
        con,
        fm,
        commitment_id=loan,
        amount="16500.00",
        reason="first repayment",
        key=key(),
        on=start + timedelta(days=100),
    )
    ledger.pay(
        con, fm, commitment_id=equity, amount="50000.00", reason="shares", key=key(), on=start
    )
    valuations.record_valuation(
        con,
        fm,
        commitment_id=equity,
        valued_on=months_ago(1),
        value="80000.00",
        basis="last_round",
        key=key(),
        reason="series A priced",
    )
    return {"loan": loan, "equity": equity, "open": open_}


def open_page(app, user, section: str | None = None):
    at = app(user, PAGE)
    assert not at.exception, at.exception
    if section is not None:
        at.session_state["ventures-section"] = section
        at.run()
        assert not at.exception, at.exception
    return at


def table_with(at, column: str):
    (found,) = [d for d in at.dataframe if column in d.value.columns]
    return found.value


def rows(con) -> dict[str, int]:
    return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in VENTURE_TABLES}


# --- who sees what --------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["manager", "auditor", "board"])
def test_every_reading_role_sees_the_funds_venture_metrics_and_investments(
    app, people, ventures, role
):
    at = open_page(app, getattr(people, role))

    assert at.title[0].value == "Social ventures"
    figures = {m.label: m.value for m in at.metric}
    assert figures["Paid in"] == "£170,000.00"
    assert figures["Distributions"] == "£16,500.00"
    # The loan at amortised cost (£120,000.00 less the £14,355.98 principal of the one
    # instalment repaid; the £644.02 beyond it paid the next one's interest) and the equity
    # at its last round.
    assert figures["Residual value"] == "£185,644.02"
    assert figures["DPI"] == "0.10×"  # 16,500 / 170,000
    assert figures["RVPI"] == "1.09×"  # 185,644.02 / 170,000
    assert figures["TVPI"] == "1.19×"  # 202,144.02 / 170,000
    assert figures["IRR"].endswith("%")
    listing = table_with(at, "follow_on_reserve").set_index("commitment_id")
    assert listing.loc[ventures["loan"], "investment_type"] == "Loan"
    assert listing.loc[ventures["loan"], "follow_on_reserve"] == Decimal("20000.00")
    assert listing.loc[ventures["loan"], "residual_value"] == Decimal("105644.02")
    assert listing.loc[ventures["equity"], "residual_value"] == Decimal("80000.00")
    assert listing.loc[ventures["equity"], "basis"] == "Last round"
    assert listing.loc[ventures["equity"], "tvpi"] == "1.60×"
    terms_shown = table_with(at, "interest_rate").set_index("commitment_id")
    assert terms_shown.loc[ventures["loan"], "interest_rate"] == "5"  # a percentage, not £
    assert terms_shown.loc[ventures["equity"], "stake"] == "12.5"
    assert ventures["open"] not in listing.index
    assert not errors(at)


@pytest.mark.parametrize("role", ["manager", "auditor", "board"])
def test_a_loan_shows_its_schedule_and_its_arrears(app, people, ventures, role):
    at = open_page(app, getattr(people, role), "Schedules and arrears")

    arrears = table_with(at, "days_overdue").set_index("commitment_id")
    assert list(arrears.index) == [ventures["loan"]]  # equity has no schedule
    row = arrears.loc[ventures["loan"]]
    # Four instalments of £15,855.98 due (months 3, 6, 9, 12); £16,500.00 repaid.
    assert row["due_to_date"] == Decimal("63423.92")
    assert row["arrears"] == Decimal("46923.92")
    assert row["instalments_overdue"] == 3
    assert row["overdue_since"] == months_ago(6)
    schedule = table_with(at, "covered")
    assert list(schedule["number"]) == list(range(1, 9))
    assert list(schedule["status"][:5]) == ["Paid", "Overdue", "Overdue", "Overdue", "To come"]
    assert schedule["covered"].iloc[1] == Decimal("644.02")
    assert sum(schedule["principal"]) == Decimal("120000.00")
    (warned,) = [w.value for w in at.warning]
    assert warned.startswith("In arrears by £46,923.92: 3 instalments overdue")


@pytest.mark.parametrize("role", ["manager", "auditor", "board"])
def test_valuations_programmes_and_the_j_curve_are_shown(app, people, ventures, role):
    at = open_page(app, getattr(people, role), "Valuations")
    valued = table_with(at, "valued_on")
    assert list(valued["value"]) == [Decimal("80000.00")]
    assert list(valued["basis"]) == ["Last round"]

    at = open_page(app, getattr(people, role), "Programmes")
    programmes = table_with(at, "programme")
    assert list(programmes["investments"]) == [2]
    assert list(programmes["paid_in"]) == [Decimal("170000.00")]
    assert list(programmes["residual_value"]) == [Decimal("185644.02")]
    assert programmes["programme"].iloc[0]  # named, not only numbered

    at = open_page(app, getattr(people, role), "J-curve")
    (chart,) = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    layout = chart["layout"]
    assert layout["title"]["text"].startswith("J-curve")
    assert layout["yaxis"]["title"]["text"] == "Net cash flow, got back less paid in (£)"
    ticks = dict(zip(layout["yaxis"]["tickvals"], layout["yaxis"]["ticktext"], strict=True))
    assert ticks[-150000] == "-£150,000" and ticks[0] == "£0"
    assert layout["xaxis"]["title"]["text"] == "Month (value date)"
    cumulative = next(d for d in chart["data"] if d["name"] == "Cumulative net cash flow")
    assert cumulative["y"] == [-170000.0, -153500.0]
    assert cumulative["x"][0] == months_ago(12).isoformat()


@pytest.mark.parametrize("role", ["auditor", "board"])
def test_readers_get_no_forms(app, people, ventures, role):
    for section in ("Investments", "Valuations"):
        at = open_page(app, getattr(people, role), section)
        assert [t.label for t in at.tabs] == [
            "Investments",
            "Schedules and arrears",
            "Valuations",
            "Programmes",
            "J-curve",
        ]
        assert not at.text_input
        assert not [b for b in at.button if b.label.startswith("Record")]


def test_board_members_see_no_officials_name(app, people, ventures):
    sections = ("Investments", "Valuations", "Schedules and arrears")
    manager = "".join(everything(open_page(app, people.manager, s)) for s in sections)
    assert OFFICIAL in manager and RECORDER in manager

    board = "".join(everything(open_page(app, people.board, s)) for s in sections)
    for name in (OFFICIAL, RECORDER):
        assert name not in board, name


def test_an_admin_is_refused(app, people, ventures):
    at = app(people.admin, PAGE)
    assert not at.exception
    assert visible(at) == ["error"]
    assert errors(at) == ["Not permitted: an admin cannot read portfolio summaries."]


def test_a_fund_without_investments_offers_the_terms_form(app, people):
    at = open_page(app, people.manager)
    assert at.info[0].value == "The fund has no social venture investment with terms yet."
    assert button(at, "Record terms")

    at = open_page(app, people.board)
    assert at.info[0].value == "The fund has no social venture investment with terms yet."
    assert [b.label for b in at.button] == ["Sign out"]


# --- the fund manager's forms ---------------------------------------------------------------


def fill_terms(at, **typed) -> None:
    form = "ventures-terms"
    for field, value in typed.items():
        if field in ("commitment", "type", "every"):
            at.selectbox(key=form_key(at, form, field)).set_value(value)
        elif field == "starts":
            at.date_input(key=form_key(at, form, field)).set_value(value)
        else:
            at.text_input(key=form_key(at, form, field)).set_value(value)


def test_a_loan_recorded_through_the_form_shows_its_schedule(app, con, people, ventures):
    at = open_page(app, people.manager, "Record terms")
    fill_terms(
        at,
        commitment=ventures["open"],
        type="loan",
        rate="6",
        starts=months_ago(2),
        grace="3",
        instalments="4",
        every=6,
        reserve="10000.00",
        reason="loan to the venture",
    )

    at = button(at, "Record terms").click().run()

    assert not at.exception, at.exception
    assert not errors(at)
    (said,) = successes(at)
    assert said.startswith(
        f"Terms recorded on commitment #{ventures['open']} of 'Trial of social_venture': loan"
    )
    assert "of £100,000.00 at 6% a year" in said
    assert "£10,000.00 reserved for follow-on rounds" in said

    at.session_state["ventures-section"] = "Schedules and arrears"
    at.run()
    at.selectbox(key="ventures-loan").set_value(ventures["open"]).run()
    assert not at.exception, at.exception
    assert list(table_with(at, "days_overdue")["commitment_id"]) == [
        ventures["loan"],
        ventures["open"],
    ]
    schedule = table_with(at, "covered")
    assert list(schedule["number"]) == [1, 2, 3, 4]
    assert sum(schedule["principal"]) == Decimal("100000.00")
    # Interest for the first six months on £100,000.00 at 6% a year: £3,000.00.
    assert schedule["interest"].iloc[0] == Decimal("3000.00")
    assert list(schedule["status"]) == ["To come"] * 4


def test_terms_without_instalments_are_refused_naming_the_field_and_kept(
    app, con, people, ventures
):
    at = open_page(app, people.manager, "Record terms")
    typed = {"rate": "6", "reason": "loan to the venture", "reserve": "0"}
    fill_terms(at, commitment=ventures["open"], type="loan", starts=months_ago(2), every=3, **typed)
    before = rows(con)

    at = button(at, "Record terms").click().run()

    assert not at.exception, at.exception
    assert errors(at) == ["instalments: must be a whole number, not ''"]
    assert not successes(at)
    assert rows(con) == before
    for field, value in typed.items():
        assert at.text_input(key=form_key(at, "ventures-terms", field)).value == value
    assert at.selectbox(key=form_key(at, "ventures-terms", "commitment")).value == ventures["open"]


def test_a_valuation_recorded_through_the_form_moves_the_residual_value(app, con, people, ventures):
    at = open_page(app, people.manager, "Valuations")
    form = "ventures-valuation"
    at.selectbox(key=form_key(at, form, "commitment")).set_value(ventures["loan"])
    at.date_input(key=form_key(at, form, "on")).set_value(db.today())
    at.text_input(key=form_key(at, form, "value")).set_value("60000.00")
    at.selectbox(key=form_key(at, form, "basis")).set_value("written_down")
    at.text_input(key=form_key(at, form, "reason")).set_value("arrears: written down")

    at = button(at, "Record valuation").click().run()

    assert not at.exception, at.exception
    assert not errors(at)
    (said,) = successes(at)
    assert said.startswith(f"Valuation #2: commitment #{ventures['loan']}")
    assert "worth £60,000.00" in said and "(written down)" in said
    valued = table_with(at, "valued_on")
    assert list(valued["value"]) == [Decimal("60000.00"), Decimal("80000.00")]
    figures = {m.label: m.value for m in at.metric}
    assert figures["Residual value"] == "£140,000.00"  # £60,000.00 + £80,000.00


def test_a_written_off_valuation_above_zero_is_refused_naming_the_field(app, con, people, ventures):
    at = open_page(app, people.manager, "Valuations")
    form = "ventures-valuation"
    at.selectbox(key=form_key(at, form, "commitment")).set_value(ventures["equity"])
    at.date_input(key=form_key(at, form, "on")).set_value(db.today())
    at.text_input(key=form_key(at, form, "value")).set_value("5000.00")
    at.selectbox(key=form_key(at, form, "basis")).set_value("written_off")
    at.text_input(key=form_key(at, form, "reason")).set_value("venture closed")
    before = rows(con)

    at = button(at, "Record valuation").click().run()

    assert not at.exception, at.exception
    (refused,) = errors(at)
    assert refused.startswith("value: must be £0.00 when written off")
    assert rows(con) == before
    assert at.text_input(key=form_key(at, form, "value")).value == "5000.00"


# --- the Audit page -------------------------------------------------------------------------


def test_the_audit_page_lists_the_loans_in_arrears(app, people, ventures):
    at = app(people.auditor, "pages/audit.py")

    assert not at.exception, at.exception
    (expander,) = [e for e in at.expander if e.label.startswith("Social ventures")]
    found = table_with(at, "days_overdue")
    assert list(found["commitment_id"]) == [ventures["loan"]]
    assert list(found["arrears"]) == [Decimal("46923.92")]
    assert list(found["overdue_since"]) == [months_ago(6)]
    assert expander.caption[0].value.startswith("Arrears: instalments due")


def test_without_arrears_the_audit_page_says_none(app, people):
    at = app(people.auditor, "pages/audit.py")

    assert not at.exception, at.exception
    (expander,) = [e for e in at.expander if e.label.startswith("Social ventures")]
    assert expander.caption[0].value.startswith("None: every loan's repayments cover")
