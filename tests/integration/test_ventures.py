"""Social venture investments through the services: a loan's, an equity stake's and a
recoverable grant's terms recorded with the loan's schedule; bad input refused naming the
field with nothing written; board members and auditors refused; the chain verified after
the writes; a loan's arrears against its schedule, on the day and as at a day before; and
the J-curve's cumulative net cash flow."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pandas as pd
import pytest

from fund import audit, db, ledger
from fund.errors import PermissionDenied, ValidationError
from fund.register import Instrument
from fund.ventures import queries, terms, valuations
from fund.ventures.terms import InvestmentTerms
from tests.conftest import key
from tests.integration.helpers import nothing_written, pbr_commitment


@pytest.fixture
def venture(con, people, portfolio):
    """Make commitments to the portfolio's social venture experiment, its programme funded."""
    ledger.allocate(
        con,
        people.manager,
        programme_id=portfolio.programme_id,
        amount="500000.00",
        reason="fund the programme",
        key=key(),
    )

    def commit(amount: str = "10000.00") -> int:
        written = ledger.commit(
            con,
            people.manager,
            experiment_id=portfolio.experiments[Instrument.SOCIAL_VENTURE],
            amount=amount,
            counterparty="Bakery CIC",
            reason="investment agreed",
            key=key(),
        )
        if written.entity == "approval request":
            written = ledger.decide(
                con,
                people.second_manager,
                request_id=written.entity_id,
                approve=True,
                reason="reviewed",
                key=key(),
            )
        return written.entity_id

    return commit


def loan(commitment: int, **changes: object) -> InvestmentTerms:
    given = {
        "commitment_id": commitment,
        "investment_type": "loan",
        "interest_rate": "5",
        "starts_on": "2025-06-01",
        "grace_months": "6",
        "instalments": "8",
        "every_months": "3",
    }
    return InvestmentTerms(**(given | changes))


def record(con, actor, given: InvestmentTerms):
    return terms.record_terms(con, actor, given, key=key(), reason="terms agreed")


def value(con, actor, commitment: int, **changes: object):
    given = {"valued_on": "2025-12-31", "value": "8000", "basis": "last_round"}
    return valuations.record_valuation(
        con, actor, commitment_id=commitment, **(given | changes), key=key(), reason="valued"
    )


def refused(con, call, field: str) -> str:
    with nothing_written(con), pytest.raises(ValidationError) as caught:
        call()
    assert caught.value.field == field
    return caught.value.rule


# ---------------------------------------------------------------------------------------
# Terms and valuations
# ---------------------------------------------------------------------------------------


def test_a_loan_records_its_terms_and_schedule(con, people, venture):
    commitment = venture()  # £10,000.00, the principal when none is given
    written = record(con, people.manager, loan(commitment, follow_on_reserve="2500"))
    assert written.entity == "commitment"
    assert written.entity_id == commitment
    assert "at 5% a year" in written.said
    assert "£2,500.00 reserved for follow-on rounds" in written.said
    (principal, rate, reserve) = con.execute(
        "SELECT principal, interest_rate, follow_on_reserve FROM venture_terms"
        " WHERE commitment_id = ?",
        [commitment],
    ).fetchone()
    assert (principal, rate, reserve) == (
        Decimal("10000.00"),
        Decimal("5.0000"),
        Decimal("2500.00"),
    )
    instalments = con.execute(
        "SELECT number, due_on, principal, interest FROM loan_instalment"
        " WHERE commitment_id = ? ORDER BY number",
        [commitment],
    ).fetchall()
    assert len(instalments) == 8
    assert instalments[0] == (1, date(2026, 3, 1), Decimal("1196.33"), Decimal("125.00"))
    assert instalments[-1] == (8, date(2027, 12, 1), Decimal("1305.02"), Decimal("16.31"))
    assert sum(i[2] for i in instalments) == Decimal("10000.00")
    assert audit.verify(con, people.auditor).ok


def test_equity_and_a_recoverable_grant_record_their_terms(con, people, venture):
    stake, grant = venture(), venture("5000")
    record(
        con,
        people.manager,
        InvestmentTerms(commitment_id=stake, investment_type="Equity", stake="12.5%"),
    )
    record(
        con,
        people.manager,
        InvestmentTerms(commitment_id=grant, investment_type="recoverable grant"),
    )
    rows = con.execute(
        "SELECT commitment_id, investment_type, stake, principal, follow_on_reserve"
        " FROM venture_terms ORDER BY 1"
    ).fetchall()
    assert rows == [
        (stake, "equity", Decimal("12.5000"), None, Decimal("0.00")),
        (grant, "recoverable_grant", None, None, Decimal("0.00")),
    ]
    assert con.execute("SELECT count(*) FROM loan_instalment").fetchone() == (0,)
    value(con, people.manager, stake, value="15000", basis="last round")
    value(con, people.manager, grant, value="0", basis="written_off")
    assert list(queries.valuations(con, people.manager)["basis"]) == ["last_round", "written_off"]
    assert queries.open_to_terms(con, people.manager).empty
    board = queries.investments(con, people.board)
    assert "official" not in board.columns and "recorded_by" not in board.columns
    assert list(board["committed"]) == [Decimal("10000.00"), Decimal("5000.00")]
    assert audit.verify(con, people.auditor).ok


def test_terms_are_refused_naming_the_field_with_nothing_written(con, people, venture, portfolio):
    fm = people.manager
    commitment = venture()
    other = pbr_commitment(con, people, portfolio, "5000.00")
    rule = refused(con, lambda: record(con, fm, loan(other)), "commitment")
    assert "only a social venture investment's commitment takes investment terms" in rule
    for changes, field in (
        ({"investment_type": "bond"}, "investment type"),
        ({"interest_rate": "101"}, "interest rate"),
        ({"interest_rate": "five"}, "interest rate"),
        ({"interest_rate": ""}, "interest rate"),
        ({"every_months": "5"}, "repayment every (months)"),
        ({"instalments": "0"}, "instalments"),
        ({"instalments": "361"}, "instalments"),
        ({"principal": "10000.01"}, "principal"),
        ({"starts_on": "01/06/2025"}, "loan start"),
        ({"follow_on_reserve": "12.345"}, "follow-on reserve"),
    ):
        refused(con, lambda c=changes: record(con, fm, loan(commitment, **c)), field)
    rule = refused(
        con, lambda: record(con, fm, loan(commitment, principal="10000.01")), "principal"
    )
    assert rule == f"£10,000.01 is more than commitment #{commitment} holds (£10,000.00)"
    equity = InvestmentTerms(commitment_id=commitment, investment_type="equity", stake="0")
    refused(con, lambda: record(con, fm, equity), "stake")
    record(con, fm, loan(commitment))
    rule = refused(con, lambda: record(con, fm, loan(commitment)), "commitment")
    assert rule == f"#{commitment} has its investment terms already"


def test_valuations_are_refused_naming_the_field_with_nothing_written(con, people, venture):
    fm = people.manager
    bare, held = venture(), venture()
    record(con, fm, loan(held))
    tomorrow = db.today() + timedelta(days=1)
    refused(con, lambda: value(con, fm, held, valued_on=tomorrow), "valued on")
    rule = refused(con, lambda: value(con, fm, held, basis="written_off"), "value")
    assert rule == "must be £0.00 when written off (worth nothing), not £8,000.00"
    refused(con, lambda: value(con, fm, held, basis="guess"), "basis")
    refused(con, lambda: value(con, fm, held, value="eight"), "value")
    rule = refused(con, lambda: value(con, fm, bare), "commitment")
    assert "has no investment terms" in rule


@pytest.mark.parametrize(
    ("what", "changes", "field"),
    [
        pytest.param(
            "terms",
            {"follow_on_reserve": "-1"},
            "follow-on reserve",
        ),
        pytest.param(
            "terms",
            {"interest_rate": "100"},
            "interest rate",
        ),
        pytest.param(
            "valuation",
            {"value": "-1"},
            "value",
        ),
    ],
)
def test_values_the_tables_refuse_are_refused_naming_the_field(
    con, people, venture, what, changes, field
):
    commitment = venture()
    if what == "terms":
        refused(con, lambda: record(con, people.manager, loan(commitment, **changes)), field)
    else:
        record(con, people.manager, loan(commitment))
        refused(con, lambda: value(con, people.manager, commitment, **changes), field)


@pytest.mark.parametrize("who", ["board", "auditor"])
def test_board_members_and_auditors_cannot_write(con, people, venture, who):
    actor = getattr(people, who)
    commitment = venture()
    with nothing_written(con), pytest.raises(PermissionDenied):
        record(con, actor, loan(commitment))
    record(con, people.manager, loan(commitment))
    with nothing_written(con), pytest.raises(PermissionDenied):
        value(con, actor, commitment)
    assert not queries.editable(con, actor)
    assert queries.editable(con, people.manager)


# ---------------------------------------------------------------------------------------
# Arrears against the schedule
# ---------------------------------------------------------------------------------------


def months_after(day: date, months: int) -> date:
    return (pd.Timestamp(day) + pd.DateOffset(months=months)).date()


@pytest.fixture
def year_old_loans(con, people, venture):
    """Two interest-free loans of £12,000.00 repaid monthly over two years from the first of
    the month a year ago (£500.00 each, twelve due by today): one behind, one on time."""
    today = db.today()
    start = date(today.year - 1, today.month, 1)
    made = []
    for _ in range(2):
        commitment = venture("12000")
        with db.clock_at(datetime.combine(start, time(12))):  # agreed on its day
            record(
                con,
                people.manager,
                loan(
                    commitment,
                    interest_rate="0",
                    starts_on=start,
                    grace_months="0",
                    instalments="24",
                    every_months="1",
                ),
            )
        ledger.pay(
            con,
            people.manager,
            commitment_id=commitment,
            amount="12000",
            reason="drawn",
            key=key(),
            on=start,
        )
        made.append(commitment)
    behind, on_time = made
    for months, amount in ((1, "500"), (2, "500"), (4, "1500"), (9, "1750")):
        ledger.recover(
            con,
            people.manager,
            commitment_id=behind,
            amount=amount,
            reason="repaid",
            key=key(),
            on=months_after(start, months),
        )
    for months in range(1, 13):
        ledger.recover(
            con,
            people.manager,
            commitment_id=on_time,
            amount="500",
            reason="repaid",
            key=key(),
            on=months_after(start, months),
        )
    return start, behind, on_time


def test_a_loan_behind_its_schedule_shows_its_exact_arrears(con, people, year_old_loans):
    start, behind, on_time = year_old_loans
    today = db.today()
    found = queries.arrears(con, people.board).set_index("commitment_id")
    late = found.loc[behind]
    assert late["due_to_date"] == Decimal("6000.00")
    assert late["repaid_against_schedule"] == Decimal("4250.00")
    assert late["arrears"] == Decimal("1750.00")
    assert late["instalments_overdue"] == 4
    assert late["overdue_since"] == months_after(start, 9)
    assert late["days_overdue"] == (today - months_after(start, 9)).days
    assert late["next_due"] == months_after(start, 13)
    kept = found.loc[on_time]
    assert kept["due_to_date"] == kept["repaid_against_schedule"] == Decimal("6000.00")
    assert kept["arrears"] == Decimal("0.00")
    assert kept["instalments_overdue"] == 0
    assert pd.isna(kept["overdue_since"]) and pd.isna(kept["days_overdue"])
    assert kept["next_due"] == months_after(start, 13)

    rows = queries.schedule(con, people.board, behind)
    assert list(rows["status"]) == ["paid"] * 8 + ["overdue"] * 4 + ["to come"] * 12
    assert rows.loc[8, "covered"] == Decimal("250.00")
    assert rows.loc[9, "covered"] == Decimal("0.00")
    assert sum(rows["covered"], Decimal(0)) == Decimal("4250.00")


def test_as_at_a_past_day_the_schedule_reads_as_it_stood(con, people, year_old_loans):
    start, behind, _ = year_old_loans
    day = months_after(start, 3)  # the third instalment falls due
    rows = queries.schedule(con, people.manager, behind, as_of=day)
    # The repayments were recorded today, so as at that day none had been: three overdue.
    assert list(rows["status"][:4]) == ["overdue", "overdue", "overdue", "to come"]
    assert sum(rows["covered"], Decimal(0)) == Decimal("0.00")


def test_a_loan_recorded_after_the_day_asked_is_not_in_its_arrears(con, people, venture):
    commitment = venture("12000")
    record(con, people.manager, loan(commitment, starts_on="2025-01-01", grace_months="0"))
    assert queries.arrears(con, people.manager, as_of=date(2026, 1, 1)).empty
    assert queries.schedule(con, people.manager, commitment, as_of=date(2026, 1, 1)).empty
    assert not queries.arrears(con, people.manager).empty


# ---------------------------------------------------------------------------------------
# The J-curve
# ---------------------------------------------------------------------------------------


def test_the_j_curve_dips_then_rises_with_exact_cumulative_figures(con, people, venture):
    fm = people.manager
    first, second, untermed = venture(), venture("5000"), venture("3000")
    record(con, fm, loan(first))
    record(con, fm, InvestmentTerms(commitment_id=second, investment_type="equity", stake="5"))
    for pay, commitment, amount, on in (
        (ledger.pay, first, "10000", "2025-01-15"),
        (ledger.pay, second, "2000", "2025-01-20"),
        (ledger.pay, untermed, "3000", "2025-01-21"),  # no terms: not a venture investment
        (ledger.recover, first, "3000", "2025-03-10"),
        (ledger.pay, second, "1000", "2025-04-02"),
        (ledger.recover, second, "4000.50", "2025-04-30"),
        (ledger.write_off, first, "500", "2025-05-05"),  # a loss, not cash
    ):
        pay(con, fm, commitment_id=commitment, amount=amount, reason="moved", key=key(), on=on)
    curve = queries.j_curve(con, people.board)
    assert [tuple(r) for r in curve.itertuples(index=False)] == [
        (
            date(2025, 1, 1),
            Decimal("12000.00"),
            Decimal("0.00"),
            Decimal("-12000.00"),
            Decimal("-12000.00"),
        ),
        (
            date(2025, 3, 1),
            Decimal("0.00"),
            Decimal("3000.00"),
            Decimal("3000.00"),
            Decimal("-9000.00"),
        ),
        (
            date(2025, 4, 1),
            Decimal("1000.00"),
            Decimal("4000.50"),
            Decimal("3000.50"),
            Decimal("-5999.50"),
        ),
    ]
    # As at a day in 2025 the books are read as recorded by its end: nothing was, then.
    assert queries.j_curve(con, people.board, as_of=date(2025, 2, 1)).empty
    assert curve["cumulative"].iloc[-1] == sum(curve["net_cash_flow"], Decimal(0))
    assert audit.verify(con, people.auditor).ok
