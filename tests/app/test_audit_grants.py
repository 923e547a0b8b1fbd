"""The Audit page's small-grant flags: a split award (two awards to one recipient in one
programme within 90 days that together pass the delegated limit) and an award above the
limit are listed, each with what the flag means; with neither, the page says none."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from fund import db
from fund.grants import applications
from tests.app.test_grants_page import applied, award, declare_policy

PAGE = "pages/audit.py"


@pytest.fixture
def grants(con, people, funded):
    return declare_policy(con, people, funded)


def captions(at) -> str:
    return "\n".join(c.value for c in at.caption)


def flagged(at, column: str):
    (found,) = [d for d in at.dataframe if column in d.value.columns]
    return found.value


def test_the_audit_page_shows_a_split_award_and_an_award_above_the_limit(app, con, people, grants):
    with db.clock_at(db.utc_now() - timedelta(days=30)):
        first = applied(con, people, grants, amount="4000.00", recipient="Hillside Tenants Group")
    second = applied(con, people, grants, amount="3000.00", recipient="hillside tenants GROUP")
    large = applied(con, people, grants, amount="7500.00", recipient="Riverside Youth")
    award(con, people, first, on=db.today() - timedelta(days=30))
    award(con, people, second)
    award(con, people, large)

    at = app(people.auditor, PAGE)

    assert not at.exception, at.exception
    split = flagged(at, "awarded_with")
    assert sorted(split["grant_id"].tolist()) == [first, second]
    assert set(split["together"]) == {Decimal("7000.00")}
    assert split.set_index("grant_id").loc[second, "second_approver"]
    assert not split.set_index("grant_id").loc[first, "second_approver"]
    above = flagged(at, "approved_by")
    assert above["grant_id"].tolist() == [large]
    assert above["awarded"].tolist() == [Decimal("7500.00")]
    said = captions(at)
    assert "together exceed the delegated limit" in said
    assert "Each needs a second fund manager's approval" in said
    assert applications.grant(con, second).commitment_id is None


def test_without_flags_the_audit_page_says_none(app, people, grants):
    at = app(people.auditor, PAGE)
    assert not at.exception, at.exception
    said = captions(at)
    assert "None: no recipient's awards" in said
    assert "None: no award is above" in said
