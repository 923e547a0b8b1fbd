"""A small grant's life through the services: application, decision (one fund manager up to
the delegated limit, two above it or for a split award), reversal, report, closure."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from fund import audit, db, ledger
from fund.errors import SecondPersonRequired, ValidationError
from fund.grants import applications
from fund.ledger import approvals
from tests.conftest import key
from tests.integration.helpers import grant_policy, nothing_written


@pytest.fixture
def grants(con, people, funded):
    """The funded portfolio with the shared small-grant policy (helpers.grant_policy)."""
    grant_policy(con, people, funded.ringfence_id)
    return funded


def applied(
    con, people, portfolio, amount="3000.00", recipient="Hillside Tenants Group", days_ago=0, **more
):
    values = {
        "programme_id": portfolio.programme_id,
        "applicant_type": "service_user_group",
        "applicant": "Sam Applicant",
        "recipient": recipient,
        "title": "Job club in the community centre",
        "purpose": "Weekly job club run by tenants for young people",
        "amount": amount,
        "planned_start": "2026-01-05",
        "planned_end": "2026-06-30",
        **more,
    }
    with db.clock_at(db.utc_now() - timedelta(days=days_ago)):
        return applications.apply(con, people.manager, key=key(), **values).entity_id


def award(con, user, grant_id, **more):
    return applications.decide(
        con, user, grant_id=grant_id, award=True, reason="panel agreed", key=key(), **more
    )


def test_an_award_within_the_limit_is_committed_at_once(con, people, grants):
    grant_id = applied(con, people, grants)
    written = award(con, people.manager, grant_id)
    found = applications.grant(con, grant_id)
    assert found.identifier == f"360G-northborough-{grant_id}"
    assert found.commitment_id is not None and found.awarded == Decimal("3000.00")
    assert "report due 2026-07-30" in written.said
    committed = con.execute(
        "SELECT sum(amount) FROM ledger_entry WHERE commitment_id = ?", [found.commitment_id]
    ).fetchone()[0]
    assert committed == Decimal("3000.00")
    assert audit.verify(con, people.auditor).ok


def test_an_award_above_the_limit_waits_for_a_second_fund_manager(con, people, grants):
    grant_id = applied(con, people, grants, amount="7500.00")
    written = award(con, people.manager, grant_id)
    assert "waits for a second fund manager" in written.said
    found = applications.grant(con, grant_id)
    assert found.commitment_id is None and found.request_id is not None
    with pytest.raises(SecondPersonRequired):
        approvals.decide(
            con, people.manager, request_id=found.request_id, approve=True, reason="x", key=key()
        )
    approvals.decide(
        con,
        people.second_manager,
        request_id=found.request_id,
        approve=True,
        reason="ok",
        key=key(),
    )
    assert applications.grant(con, grant_id).commitment_id is not None
    assert audit.verify(con, people.auditor).ok


def test_the_award_that_completes_a_split_award_needs_a_second_approver(con, people, grants):
    first = applied(
        con, people, grants, amount="4000.00", recipient="Hillside  Tenants group", days_ago=30
    )
    second = applied(con, people, grants, amount="3000.00", recipient="hillside tenants GROUP")
    award(con, people.manager, first, on=db.today() - timedelta(days=30))
    written = award(con, people.manager, second)
    assert "split award with 360G-northborough-" in written.said
    assert applications.grant(con, second).commitment_id is None


def test_awards_ninety_days_apart_are_not_a_split(con, people, grants):
    first = applied(con, people, grants, amount="4000.00", days_ago=90)
    second = applied(con, people, grants, amount="3000.00")
    award(con, people.manager, first, on=db.today() - timedelta(days=90))
    award(con, people.manager, second)
    assert applications.grant(con, second).commitment_id is not None


def test_an_application_outside_the_range_is_refused(con, people, grants):
    with nothing_written(con), pytest.raises(ValidationError, match="outside the small-grant"):
        applied(con, people, grants, amount="12000.00")


def test_a_decision_is_reconsidered_only_by_a_reversal(con, people, grants):
    grant_id = applied(con, people, grants)
    applications.decide(
        con, people.manager, grant_id=grant_id, award=False, reason="not a fit", key=key()
    )
    with pytest.raises(ValidationError, match="reverse that decision"):
        award(con, people.manager, grant_id)
    applications.reverse(con, people.manager, grant_id=grant_id, reason="appeal upheld", key=key())
    award(con, people.manager, grant_id)
    found = applications.grant(con, grant_id)
    applications.reverse(con, people.manager, grant_id=grant_id, reason="withdrawn", key=key())
    released = con.execute(
        "SELECT sum(amount) FROM ledger_entry WHERE commitment_id = ?", [found.commitment_id]
    ).fetchone()[0]
    assert released == 0
    decisions = con.execute(
        "SELECT decision FROM grant_decision WHERE grant_id = ? ORDER BY decision_id", [grant_id]
    ).fetchall()
    assert [d for (d,) in decisions] == ["decline", "reversal", "award", "reversal"]
    assert audit.verify(con, people.auditor).ok


def test_report_then_close_releases_what_was_not_paid(con, people, grants):
    grant_id = applied(con, people, grants)
    award(con, people.manager, grant_id)
    found = applications.grant(con, grant_id)
    ledger.pay(
        con,
        people.manager,
        commitment_id=found.commitment_id,
        amount="2000.00",
        reason="first tranche",
        key=key(),
    )
    with pytest.raises(ValidationError, match="no end-of-grant report"):
        applications.close(con, people.manager, grant_id=grant_id, reason="done", key=key())
    applications.report(
        con,
        people.manager,
        grant_id=grant_id,
        what_done="Ran 20 sessions",
        learned="Evenings work better",
        spent="2000.00",
        key=key(),
    )
    written = applications.close(con, people.manager, grant_id=grant_id, reason="done", key=key())
    assert "£1,000.00 unpaid released" in written.said
    left = con.execute(
        "SELECT sum(amount) FILTER (kind IN ('commitment', 'decommitment'))"
        " FROM ledger_entry WHERE commitment_id = ?",
        [found.commitment_id],
    ).fetchone()[0]
    assert left == Decimal("2000.00")
    assert audit.verify(con, people.auditor).ok


def test_the_lists_show_status_money_reports_due_and_split_flags(con, people, grants):
    from fund.grants import queries

    first = applied(con, people, grants, amount="4000.00", days_ago=10)
    second = applied(con, people, grants, amount="3000.00")
    waiting = applied(con, people, grants, amount="9000.00", recipient="Riverside Café")
    award(con, people.manager, first, on=db.today() - timedelta(days=10))
    split = award(con, people.manager, second)
    approvals.decide(
        con,
        people.second_manager,
        request_id=applications.grant(con, second).request_id,
        approve=True,
        reason="checked: two phases of one project",
        key=key(),
    )
    award(con, people.manager, waiting)
    listed = queries.grants(con, people.manager).set_index("grant_id")
    assert listed.loc[first, "status"] == "awarded"
    assert listed.loc[waiting, "status"] == "awaiting approval"
    assert listed.loc[first, "applicant"] == "Sam Applicant"
    assert bool(listed.loc[waiting, "above_limit"]) is True
    due = queries.reports_due(con, people.manager, on=date(2026, 7, 31))
    assert set(due["grant_id"]) == {first, second}
    assert set(due["state"]) == {"overdue"}
    flags = queries.split_flags(con, people.auditor)
    assert set(flags["grant_id"]) == {first, second}
    assert set(flags["together"]) == {Decimal("7000.00")}
    assert "split award" in split.said
    above = queries.above_limit(con, people.auditor)
    assert list(above["grant_id"]) == [waiting]


def test_an_award_is_never_dated_before_its_application(con, people, grants):
    grant_id = applied(con, people, grants)
    with nothing_written(con), pytest.raises(ValidationError, match="before the application"):
        award(con, people.manager, grant_id, on=db.today() - timedelta(days=120))


def test_a_report_may_not_spend_more_than_was_awarded(con, people, grants):
    grant_id = applied(con, people, grants)
    award(con, people.manager, grant_id)
    with nothing_written(con), pytest.raises(ValidationError, match="more than was awarded"):
        applications.report(
            con,
            people.manager,
            grant_id=grant_id,
            what_done="x",
            learned="y",
            spent="3000.01",
            key=key(),
        )


def test_a_commitment_made_outside_the_grants_service_is_held_to_the_small_grant_limit(
    con, people, grants
):
    written = ledger.commit(
        con,
        people.manager,
        experiment_id=grants.experiments["small_grant"],
        amount="9500",
        counterparty="Hillside Tenants Group",
        reason="direct",
        key=key(),
    )
    assert written.entity == "approval request"
    assert "small-grant delegated limit of £5,000.00" in written.said
