"""A batch of writes is one all-or-nothing transaction in which every write keeps its own
checks and audit row."""

from __future__ import annotations

import pytest

from fund import audit, db, ledger
from fund.errors import InvariantBroken
from tests.conftest import key
from tests.integration.helpers import counts


def test_a_batch_of_allocations_writes_every_entry_and_audit_row(con, people, funded):
    before = counts(con)
    with db.batch(con):
        for _ in range(5):
            ledger.allocate(
                con,
                people.manager,
                programme_id=funded.other_programme_id,
                amount="100.00",
                reason="batched",
                key=key(),
            )
    after = counts(con)
    assert after["ledger_entry"] - before["ledger_entry"] == 5
    assert after["audit_log"] - before["audit_log"] == 5
    assert audit.verify(con, people.auditor).ok


def test_one_refusal_undoes_the_whole_batch(con, people, funded):
    before = counts(con)
    with pytest.raises(InvariantBroken), db.batch(con):
        ledger.allocate(
            con,
            people.manager,
            programme_id=funded.other_programme_id,
            amount="100.00",
            reason="fine on its own",
            key=key(),
        )
        ledger.allocate(
            con,
            people.manager,
            programme_id=funded.other_programme_id,
            amount="99000000.00",
            reason="far beyond the ring-fence",
            key=key(),
        )
    assert counts(con) == before
    assert audit.verify(con, people.auditor).ok
