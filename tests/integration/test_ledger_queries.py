"""The whole ledger for an auditor: every entry, filtered by value date, kind, programme,
experiment, commitment, counterparty and who posted it, with a count and an exact total."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from fund import ledger
from fund.errors import PermissionDenied, ValidationError
from fund.ledger import queries
from fund.ledger.queries import EntryFilter
from tests.conftest import key


@pytest.fixture
def booked(con, people, funded):
    """#1 £100,000.00 allocated (manager); #2 £8,000.00 committed to the small grant for
    Youth Trust; #3 £3,000.00 paid, backdated; #4 £20,000.00 allocated to the other
    programme by the second fund manager, and #5 its reversal."""
    manager = people.manager
    grant = funded.experiments["small_grant"]
    ledger.commit(
        con,
        manager,
        experiment_id=grant,
        amount="8000.00",
        counterparty="Youth Trust",
        reason="grant agreed",
        key=key(),
    )
    ledger.pay(
        con,
        manager,
        commitment_id=1,
        amount="3000.00",
        reason="tranche",
        on=date(2025, 6, 30),
        key=key(),
    )
    other = ledger.allocate(
        con,
        people.second_manager,
        programme_id=funded.other_programme_id,
        amount="20000.00",
        reason="second challenge",
        key=key(),
    )
    ledger.reverse(con, manager, entry_id=other.entity_id, reason="too soon", key=key())
    return funded


def ids(found: queries.Ledger) -> list[int]:
    return list(found.entries["entry_id"])


def test_the_whole_ledger_reads_newest_first_with_its_count_and_total(con, people, booked):
    found = queries.ledger(con, people.auditor)

    assert ids(found) == [5, 4, 3, 2, 1]
    assert (found.count, found.total, found.complete) == (5, Decimal("111000.00"), True)
    assert found.entries["actor"].iloc[0] == "Mo Manager (manager)"
    assert found.entries["reversed_by"].iloc[1] == 5


@pytest.mark.parametrize(
    ("chosen", "expected"),
    [
        ({"kind": "allocation"}, [5, 4, 1]),
        ({"kind": "disbursement"}, [3]),
        ({"programme_id": 2}, [5, 4]),
        ({"experiment_id": 1}, [3, 2]),
        ({"commitment_id": 1}, [3, 2]),
        ({"counterparty": "Youth Trust"}, [3, 2]),
        ({"counterparty": "Nobody"}, []),
        ({"posted_by": "second"}, [4]),
        ({"since": date(2025, 6, 30), "until": date(2025, 6, 30)}, [3]),
        ({"until": "2025-07-01"}, [3]),
        ({"kind": "allocation", "programme_id": 1}, [1]),
    ],
)
def test_each_filter_narrows_the_ledger(con, people, booked, chosen, expected):
    found = queries.ledger(con, people.auditor, EntryFilter(**chosen))

    assert ids(found) == expected
    assert found.count == len(expected)
    assert found.total == sum(found.entries["amount"], Decimal("0.00"))


def test_a_limit_shows_the_newest_while_the_count_and_total_cover_every_match(con, people, booked):
    found = queries.ledger(con, people.auditor, limit=2)

    assert ids(found) == [5, 4]
    assert (found.count, found.total, found.complete) == (5, Decimal("111000.00"), False)


def test_entries_read_oldest_first_with_the_same_filters(con, people, booked):
    assert list(queries.entries(con, people.auditor)["entry_id"]) == [1, 2, 3, 4, 5]
    chosen = queries.entries(con, people.auditor, kind="allocation", posted_by="manager")
    assert list(chosen["entry_id"]) == [1, 5]


@pytest.mark.parametrize(
    ("chosen", "field", "says"),
    [
        ({"kind": "gift"}, "kind", "must be one of allocation, virement"),
        ({"since": "14/01/2025"}, "since", "must be a date as YYYY-MM-DD, not '14/01/2025'"),
        (
            {"since": date(2025, 2, 1), "until": date(2025, 1, 1)},
            "until",
            "must be on or after the first value date 01/02/2025",
        ),
    ],
)
def test_a_bad_filter_is_refused_naming_the_field(chosen, field, says):
    with pytest.raises(ValidationError) as refused:
        EntryFilter(**chosen)
    assert refused.value.field == field
    assert says in str(refused.value)


def test_the_choices_offer_what_the_ledger_holds(con, people, booked):
    offered = queries.choices(con, people.auditor)

    assert offered.kinds[:2] == ["allocation", "virement"]
    assert offered.programmes == {2: "Financial inclusion", 1: "Young people into work"}
    assert offered.commitments == {1: "#1 · Trial of small_grant → Youth Trust"}
    assert offered.counterparties == ["Youth Trust"]
    assert offered.people == {"manager": "Mo Manager (manager)", "second": "Sam Second (second)"}
    assert offered.experiments[1] == "#1 · Trial of small_grant (Young people into work)"


def test_board_members_cannot_read_the_ledger(con, people, booked):
    with pytest.raises(PermissionDenied):
        queries.ledger(con, people.board)
    with pytest.raises(PermissionDenied):
        queries.choices(con, people.board)


def test_reading_the_ledger_writes_nothing(con, people, booked):
    before = con.execute("SELECT count(*) FROM audit_log").fetchone()
    queries.ledger(con, people.auditor, EntryFilter(kind="allocation"), limit=1)
    assert con.execute("SELECT count(*) FROM audit_log").fetchone() == before
