"""Editing ring-fences and programmes: audited like every write that decides money or
permission, refusing duplicates and bad values by field, never touching the declared amount,
and saying in words what changed."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from fund import audit, register
from fund.errors import NotFound, PermissionDenied, ValidationError, describe
from tests.conftest import key
from tests.integration.helpers import nothing_written


def edit_ringfence(con, who, ringfence_id, **fields):
    return register.update_ringfence(
        con, who, ringfence_id=ringfence_id, reason="restated", key=key(), **fields
    )


def edit_programme(con, who, programme_id, **fields):
    return register.update_programme(
        con, who, programme_id=programme_id, reason="restated", key=key(), **fields
    )


def ringfence_row(con, ringfence_id):
    return con.execute(
        "SELECT name, owner_body, financial_years, declared_amount, purpose, advertised_on,"
        " delegated_limit FROM ringfence WHERE ringfence_id = ?",
        [ringfence_id],
    ).fetchone()


def refused(con, call) -> str:
    with nothing_written(con), pytest.raises((ValidationError, NotFound)) as refusal:
        call()
    return describe(refusal.value)


@pytest.fixture
def bare(con, people):
    """Ring-fence #3 'Bare Fund', with no programmes yet."""
    return register.declare_ringfence(
        con,
        people.manager,
        name="Bare Fund",
        owner_body="Northborough Council",
        financial_years="2026-27",
        declared_amount="50000.00",
        purpose="A pot not yet split",
        advertised_on=date(2026, 3, 1),
        delegated_limit="5000.00",
        key=key(),
    ).entity_id


# --- ring-fences -----------------------------------------------------------------------------


def test_editing_a_ring_fence_changes_what_it_says_and_its_delegated_limit(con, people, portfolio):
    written = edit_ringfence(
        con,
        people.manager,
        portfolio.ringfence_id,
        owner_body="Northborough Borough Council",
        financial_years="2025-26 to 2027-28",
        purpose="Test new ways to help residents into work",
        delegated_limit="£7,500",
    )

    assert ringfence_row(con, portfolio.ringfence_id) == (
        "Innovation Fund",
        "Northborough Borough Council",
        "2025-26 to 2027-28",
        Decimal("1000000.00"),
        "Test new ways to help residents into work",
        date(2025, 3, 1),
        Decimal("7500.00"),
    )
    assert written.said == (
        "Ring-fence #1 'Innovation Fund': owner body, financial years and purpose changed; "
        "delegated limit now £7,500.00 (was £10,000.00)."
    )


def test_a_ring_fence_edit_leaves_its_declared_amount_and_ceiling_as_they_were(
    con, people, portfolio
):
    ceiling = "SELECT ceiling, allocated FROM ringfence_balance WHERE ringfence_id = ?"
    before = con.execute(ceiling, [portfolio.ringfence_id]).fetchone()

    edit_ringfence(con, people.manager, portfolio.ringfence_id, delegated_limit="2000")

    assert con.execute(ceiling, [portfolio.ringfence_id]).fetchone() == before
    assert ringfence_row(con, portfolio.ringfence_id)[3] == Decimal("1000000.00")
    with pytest.raises(TypeError):
        edit_ringfence(con, people.manager, portfolio.ringfence_id, declared_amount="1")


def test_a_ring_fence_edit_is_audited_and_verifies(con, people, portfolio):
    written = edit_ringfence(con, people.manager, portfolio.ringfence_id, purpose="Sharper")

    row = con.execute(
        "SELECT operation, entity, entity_id, reason, details, actor_id FROM audit_log"
        " ORDER BY seq DESC LIMIT 1"
    ).fetchone()
    assert row[:4] == ("edit ring-fence", "ringfence", written.entity_id, "restated")
    assert json.loads(row[4]) == {"ringfence_id": 1, "purpose": "Sharper"}
    assert row[5] == people.manager.user_id
    assert audit.verify(con, people.auditor).ok


def test_a_ring_fence_changed_outside_the_services_after_an_edit_is_named(con, people, portfolio):
    edit_ringfence(con, people.manager, portfolio.ringfence_id, delegated_limit="2000")
    con.execute("UPDATE ringfence SET delegated_limit = 900000 WHERE ringfence_id = 1")

    check = audit.verify(con, people.auditor)

    assert not check.ok
    assert check.problem.startswith("ring-fence #1 is not what audit row #")


def test_a_ring_fence_without_programmes_can_be_renamed(con, people, bare):
    written = edit_ringfence(con, people.manager, bare, name="Open Fund")

    assert ringfence_row(con, bare)[0] == "Open Fund"
    assert written.said == f"Ring-fence #{bare} 'Open Fund': renamed from 'Bare Fund'."
    assert audit.verify(con, people.auditor).ok


def test_a_ring_fence_with_programmes_is_renamed_and_its_programmes_follow(con, people, portfolio):
    written = edit_ringfence(con, people.manager, portfolio.ringfence_id, name="New Fund")

    assert written.said == "Ring-fence #1 'New Fund': renamed from 'Innovation Fund'."
    assert con.execute(
        "SELECT r.name FROM programme AS p JOIN ringfence AS r USING (ringfence_id)"
        " WHERE p.programme_id = ?",
        [portfolio.programme_id],
    ).fetchone() == ("New Fund",)
    assert audit.verify(con, people.auditor).ok


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": "Second Fund"}, "name: a ring-fence called 'Second Fund' already exists"),
        ({"owner_body": "  "}, "owner body: is required and must not be blank"),
        ({"financial_years": "x" * 51}, "financial years: must be at most 50 characters"),
        ({"purpose": ""}, "purpose: is required and must not be blank"),
        ({"delegated_limit": "-1"}, "delegated limit: must not be negative"),
        ({"delegated_limit": "1.005"}, "delegated limit: must have at most two decimal places"),
        (
            {"delegated_limit": "50,000.01"},
            "delegated limit: must not exceed the ring-fence's £50,000.00, not £50,000.01",
        ),
        (
            {"delegated_limit": "5,000.01"},
            "delegated limit: may only be lowered here (£5,000.01 is above £5,000.00);"
            " raising it would let one person commit more alone",
        ),
        ({"delegated_limit": "5000"}, "ring-fence: nothing to change"),
        ({"name": "Bare Fund", "purpose": "A pot not yet split"}, "ring-fence: nothing to change"),
    ],
)
def test_bad_ring_fence_edits_name_the_field_and_write_nothing(con, people, bare, fields, message):
    assert refused(con, lambda: edit_ringfence(con, people.manager, bare, **fields)).startswith(
        message
    )


def test_editing_a_ring_fence_that_does_not_exist_is_refused(con, people, portfolio):
    assert refused(con, lambda: edit_ringfence(con, people.manager, 99, purpose="x")) == (
        "ring-fence: no ring-fence 99"
    )


def test_a_delegated_limit_above_the_ring_fence_is_refused_when_declaring(con, people):
    message = refused(
        con,
        lambda: register.declare_ringfence(
            con,
            people.manager,
            name="Tiny Fund",
            owner_body="Northborough Council",
            financial_years="2026-27",
            declared_amount="1000.00",
            purpose="Small",
            advertised_on=date(2026, 3, 1),
            delegated_limit="1000.01",
            key=key(),
        ),
    )

    assert message == "delegated limit: must not exceed the ring-fence's £1,000.00, not £1,000.01"


# --- programmes ------------------------------------------------------------------------------


def test_a_programme_can_be_renamed_and_its_target_restated(con, people, funded):
    written = edit_programme(
        con, people.manager, funded.programme_id, name="Youth services", target="Halve it by 2028"
    )

    assert con.execute(
        "SELECT ringfence_id, name, target FROM programme WHERE programme_id = ?",
        [funded.programme_id],
    ).fetchone() == (funded.ringfence_id, "Youth services", "Halve it by 2028")
    assert written.said == (
        "Programme #1 'Youth services': renamed from 'Young people into work'; target changed."
    )
    assert audit.verify(con, people.auditor).ok


def test_a_renamed_programme_keeps_its_money_and_experiments(con, people, funded):
    by_programme = register.programmes(con, people.manager)
    before = con.execute("SELECT * FROM programme_balance ORDER BY programme_id").fetchall()

    edit_programme(con, people.manager, funded.programme_id, name="Youth services")

    assert con.execute("SELECT * FROM programme_balance ORDER BY programme_id").fetchall() == before
    after = register.programmes(con, people.manager)
    assert sorted(after["programme_id"]) == sorted(by_programme["programme_id"])
    assert con.execute(
        "SELECT count(*) FROM experiment WHERE programme_id = ?", [funded.programme_id]
    ).fetchone() == (4,)


def test_a_programme_edit_is_audited_and_tampering_after_it_is_named(con, people, funded):
    edit_programme(con, people.manager, funded.programme_id, target="Halve it by 2028")
    (details,) = con.execute(
        "SELECT details FROM audit_log WHERE operation = 'edit programme'"
    ).fetchone()
    assert json.loads(details) == {"programme_id": 1, "target": "Halve it by 2028"}

    con.execute("UPDATE programme SET target = 'Quietly lowered' WHERE programme_id = 1")
    check = audit.verify(con, people.auditor)

    assert not check.ok
    assert check.problem.startswith("programme #1 is not what audit row #")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"name": "Financial inclusion"},
            "name: a programme called 'Financial inclusion' already exists",
        ),
        ({"name": " "}, "name: is required and must not be blank"),
        ({"target": "t" * 1001}, "target: must be at most 1000 characters"),
        ({"name": "Young people into work"}, "programme: nothing to change"),
    ],
)
def test_bad_programme_edits_name_the_field_and_write_nothing(con, people, funded, fields, message):
    shown = refused(con, lambda: edit_programme(con, people.manager, funded.programme_id, **fields))
    assert shown.startswith(message)


@pytest.mark.parametrize("programme_id", ["99", "x", None])
def test_editing_a_programme_that_does_not_exist_is_refused(con, people, funded, programme_id):
    message = refused(con, lambda: edit_programme(con, people.manager, programme_id, target="t"))
    assert message.startswith("programme: ")


# --- who may, and doing it twice ----------------------------------------------------------------


@pytest.mark.parametrize("who", ["auditor", "board", "admin"])
def test_only_fund_managers_may_edit_ring_fences_and_programmes(con, people, funded, who):
    person = getattr(people, who)
    with nothing_written(con), pytest.raises(PermissionDenied):
        edit_ringfence(con, person, funded.ringfence_id, purpose="Quietly changed")
    with nothing_written(con), pytest.raises(PermissionDenied):
        edit_programme(con, person, funded.programme_id, target="Quietly changed")


def test_an_edit_sent_twice_with_one_key_writes_once(con, people, funded):
    once = {"programme_id": funded.programme_id, "target": "Twice", "reason": "r", "key": "k-1"}
    first = register.update_programme(con, people.manager, **once)
    with nothing_written(con):
        again = register.update_programme(con, people.manager, **once)

    assert (again.entity, again.entity_id, again.replayed) == ("programme", 1, True)
    assert not first.replayed
