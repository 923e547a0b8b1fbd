"""The audit chain: every write leaves one hash-chained row, and ``fund.audit.verify`` finds
any row altered, inserted or deleted directly in the database, naming the row."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from decimal import Decimal

import pytest

from fund import audit, db, ledger, register, users
from fund.audit import GENESIS
from tests.conftest import PASSWORD, key


@dataclass(frozen=True)
class Story:
    """What was written, so a test can tamper with a known row."""

    commitment_id: int
    commit_seq: int
    commit_entry: int
    pay_seq: int
    pay_entry: int
    last_seq: int


def seq_of_last_write(con) -> int:
    return con.execute("SELECT max(seq) FROM audit_log").fetchone()[0]


@pytest.fixture
def story(con, people, funded) -> Story:
    """A few money movements on top of the funded portfolio; ends with a write with no entries."""
    fm = people.manager
    grant = ledger.commit(
        con,
        fm,
        experiment_id=funded.experiments["small_grant"],
        amount="5000",
        counterparty="Youth Trust",
        reason="award",
        key=key(),
    ).entity_id
    commit_seq = seq_of_last_write(con)
    pay = ledger.pay(con, fm, commitment_id=grant, amount="1200.50", reason="first", key=key())
    pay_seq = seq_of_last_write(con)
    ledger.request_virement(
        con,
        fm,
        amount="1000",
        from_programme_id=funded.programme_id,
        to_programme_id=funded.other_programme_id,
        reason="rebalance",
        key=key(),
    )
    commit_entry = con.execute(
        "SELECT entry_id FROM ledger_entry WHERE audit_seq = ?", [commit_seq]
    ).fetchone()[0]
    return Story(
        commitment_id=grant,
        commit_seq=commit_seq,
        commit_entry=commit_entry,
        pay_seq=pay_seq,
        pay_entry=pay.entity_id,
        last_seq=seq_of_last_write(con),
    )


def verdict(con, people) -> audit.ChainCheck:
    return audit.verify(con, people.auditor)


# --- the chain as written ----------------------------------------------------------------


def test_the_chain_verifies_after_a_series_of_writes(con, people, story):
    fm, second = people.manager, people.second_manager
    ledger.decide(con, second, request_id=1, approve=True, reason="ok", key=key())
    ledger.reverse(con, fm, entry_id=story.pay_entry, reason="paid twice", key=key())
    ledger.decommit(con, fm, commitment_id=story.commitment_id, amount="100", reason="x", key=key())
    check = verdict(con, people)
    rows, entries = con.execute(
        "SELECT (SELECT count(*) FROM audit_log), (SELECT count(*) FROM ledger_entry)"
    ).fetchone()
    assert check.ok
    assert (check.rows, check.entries, check.problem, check.seq) == (rows, entries, None, None)


def test_a_new_database_with_only_its_first_admin_verifies(tmp_path):
    con = db.connect(tmp_path / "new.duckdb")
    try:
        loaded, _ = audit.head(con)  # the reference data a new database is made with
        admin = users.bootstrap_admin(
            con, username="first", display_name="First Admin", password=PASSWORD
        )
        check = audit.verify(con, admin)
        assert (check.ok, check.rows, check.entries) == (True, loaded + 1, 0)
    finally:
        con.close()


def test_every_write_appends_one_row_naming_actor_operation_key_and_reason(con, people, funded):
    before = seq_of_last_write(con)
    k = key()
    ledger.allocate(
        con,
        people.manager,
        programme_id=funded.programme_id,
        amount="250.00",
        reason="top up",
        key=k,
    )
    rows = con.execute(
        "SELECT seq, actor_id, actor, operation, idempotency_key, reason, details"
        " FROM audit_log WHERE seq > ?",
        [before],
    ).fetchall()
    assert len(rows) == 1
    seq, actor_id, actor, operation, stored_key, reason, details = rows[0]
    assert (seq, actor_id, actor) == (before + 1, people.manager.user_id, "manager")
    assert (operation, stored_key, reason) == ("allocate", k, "top up")
    assert '"amount":"250.00"' in details
    assert con.execute(
        "SELECT count(*) FROM ledger_entry WHERE audit_seq = ?", [seq]
    ).fetchone() == (1,)


def test_each_row_hash_covers_the_one_before(con, people, story):
    rows = con.execute("SELECT seq, prev_hash, row_hash FROM audit_log ORDER BY seq").fetchall()
    assert [r[0] for r in rows] == list(range(1, len(rows) + 1))
    assert rows[0][1] == GENESIS
    for previous, row in itertools.pairwise(rows):
        assert row[1] == previous[2]
    assert con.execute("SELECT seq, row_hash FROM audit_head").fetchone() == (
        rows[-1][0],
        rows[-1][2],
    )


def test_bootstrap_and_admin_writes_are_chained_too(con, people):
    loaded, *first = con.execute(
        "SELECT seq, actor, operation, entity, prev_hash FROM audit_log ORDER BY seq LIMIT 6"
    ).fetchall()
    # A new database's chain starts with the reference data its migrations loaded.
    assert loaded == (1, "system", "load reference data", "database", GENESIS)
    assert first[0][:4] == (2, "admin", "bootstrap admin", "user")
    assert [row[2] for row in first[1:]] == ["add user"] * 4
    assert {row[1] for row in first} == {"admin"}
    # An admin adding a user later is chained like any other write.
    users.add_user(
        con,
        people.admin,
        username="later",
        display_name="Late Comer",
        role="auditor",
        password=PASSWORD,
        key=key(),
    )
    assert verdict(con, people).ok
    added = seq_of_last_write(con)
    assert con.execute(
        "SELECT actor, operation FROM audit_log WHERE seq = ?", [added]
    ).fetchone() == (
        "admin",
        "add user",
    )
    con.execute(
        "UPDATE audit_log SET details = replace(details, 'auditor', 'admin') WHERE seq = ?", [added]
    )
    check = verdict(con, people)
    assert check.seq == added
    assert f"audit row #{added} (add user by admin" in check.problem


def test_altering_the_first_admin_is_detected(con, people):
    (seq,) = con.execute("SELECT seq FROM audit_log WHERE operation = 'bootstrap admin'").fetchone()
    con.execute("UPDATE audit_log SET actor = 'mallory' WHERE seq = ?", [seq])
    check = verdict(con, people)
    assert not check.ok
    assert check.seq == seq
    assert check.problem.startswith(f"audit row #{seq} (bootstrap admin by mallory")
    assert check.problem.endswith("was altered")


# --- tampering with the ledger -------------------------------------------------------------


def test_changing_an_amount_in_the_ledger_is_found(con, people, story):
    con.execute("UPDATE ledger_entry SET amount = 1.50 WHERE entry_id = ?", [story.pay_entry])
    check = verdict(con, people)
    assert not check.ok
    assert check.seq == story.pay_seq
    assert check.problem == (
        f"ledger entries of audit row #{story.pay_seq} (pay) were altered, inserted or deleted; "
        f"entries now: {story.pay_entry}"
    )


@pytest.mark.parametrize(
    "change",
    [
        "kind = 'recovery'",
        "programme_id = programme_id + 1",
        "commitment_id = NULL",
        "value_date = value_date - 1",
        "reason = 'nothing to see'",
        "actor_id = actor_id + 1",
        "recorded_at = recorded_at + INTERVAL 1 SECOND",
    ],
)
def test_changing_any_field_of_a_ledger_entry_is_found(con, people, story, change):
    con.execute(f"UPDATE ledger_entry SET {change} WHERE entry_id = ?", [story.commit_entry])
    check = verdict(con, people)
    assert check.seq == story.commit_seq
    assert f"audit row #{story.commit_seq} (commit)" in check.problem


def test_inserting_a_ledger_entry_under_an_existing_write_is_found(con, people, story):
    con.execute(
        "INSERT INTO ledger_entry SELECT 1000, audit_seq, kind, ringfence_id, programme_id,"
        " commitment_id, amount, value_date, recorded_at, actor_id, reason, reverses, virement_id"
        " FROM ledger_entry WHERE entry_id = ?",
        [story.pay_entry],
    )
    check = verdict(con, people)
    assert check.seq == story.pay_seq
    assert check.problem.endswith(f"entries now: {story.pay_entry}, 1000")


def test_inserting_a_ledger_entry_with_no_write_behind_it_is_found(con, people, story):
    ghost_seq = story.last_seq + 5
    con.execute(
        "INSERT INTO ledger_entry SELECT 1000, ?, kind, ringfence_id, programme_id,"
        " commitment_id, amount, value_date, recorded_at, actor_id, reason, reverses, virement_id"
        " FROM ledger_entry WHERE entry_id = ?",
        [ghost_seq, story.pay_entry],
    )
    check = verdict(con, people)
    assert check.seq == ghost_seq
    assert check.problem == (
        f"audit row #{ghost_seq} is missing, yet ledger entries 1000 name it: the row was deleted "
        "or the entries inserted"
    )


def test_deleting_a_ledger_entry_is_found(con, people, story):
    con.execute("DELETE FROM ledger_entry WHERE entry_id = ?", [story.commit_entry])
    check = verdict(con, people)
    assert check.seq == story.commit_seq
    assert check.problem == (
        f"ledger entries of audit row #{story.commit_seq} (commit) were altered, inserted or "
        "deleted; entries now: none"
    )


# --- tampering with the audit log ----------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        "reason = 'routine'",
        "actor = 'second'",
        "actor_id = actor_id + 1",
        "operation = 'recover'",
        "details = replace(details, '1200.50', '12.50')",
        "idempotency_key = idempotency_key || '-x'",
        "recorded_at = recorded_at - INTERVAL 1 DAY",
        "entity_id = entity_id + 1",
    ],
)
def test_changing_a_field_of_an_audit_row_is_found(con, people, story, change):
    con.execute(f"UPDATE audit_log SET {change} WHERE seq = ?", [story.pay_seq])
    check = verdict(con, people)
    assert check.seq == story.pay_seq
    assert check.problem.startswith(f"audit row #{story.pay_seq} (")
    assert check.problem.endswith("was altered")


def test_rewriting_a_row_with_a_fresh_hash_breaks_the_link_to_the_next(con, people, story):
    con.execute(
        "UPDATE audit_log SET reason = 'routine', row_hash = sha256(prev_hash ||"
        " audit_row_text(seq, recorded_at, actor_id, actor, operation, entity, entity_id,"
        " idempotency_key, 'routine', details, entries_digest, states_digest)) WHERE seq = ?",
        [story.pay_seq],
    )
    check = verdict(con, people)
    assert check.seq == story.pay_seq + 1
    assert check.problem == (
        f"audit row #{story.pay_seq + 1} does not follow the row before it "
        "(a row was inserted or deleted)"
    )


def test_inserting_an_audit_row_at_the_end_is_found(con, people, story):
    con.execute(
        "INSERT INTO audit_log SELECT seq + 1, recorded_at, actor_id, actor, operation, entity,"
        " entity_id, idempotency_key || '-again', reason, details, '', row_hash, 'forged', ''"
        " FROM audit_log WHERE seq = ?",
        [story.last_seq],
    )
    check = verdict(con, people)
    assert check.seq == story.last_seq + 1
    assert check.problem.startswith(f"audit row #{story.last_seq + 1} (")


def _append_forged_row(con, seq: int) -> None:
    """A row made the way the service would make it, but not through the service."""
    con.execute(
        "INSERT INTO audit_log SELECT seq + 1, recorded_at, actor_id, actor, 'add programme',"
        " entity, entity_id, idempotency_key || '-forged', reason, details, '', row_hash,"
        " sha256(row_hash || audit_row_text(seq + 1, recorded_at, actor_id, actor,"
        " 'add programme', entity, entity_id, idempotency_key || '-forged', reason, details, '',"
        " '')), ''"
        " FROM audit_log WHERE seq = ?",
        [seq],
    )


def test_a_well_forged_row_appended_at_the_end_is_found_by_the_head(con, people, story):
    _append_forged_row(con, story.last_seq)
    check = verdict(con, people)
    assert not check.ok
    assert check.seq == story.last_seq + 1
    assert f"#{story.last_seq + 1}" in check.problem
    assert "inserted" in check.problem


def test_inserting_an_audit_row_in_the_middle_is_found(con, people, story):
    # A forger moves the later rows up by one and slips a well-formed row into the gap.
    con.execute("UPDATE audit_log SET seq = seq + 1000 WHERE seq > ?", [story.pay_seq])
    con.execute("UPDATE audit_log SET seq = seq - 999 WHERE seq > 1000")
    con.execute(
        "UPDATE audit_state SET audit_seq = audit_seq + 1 WHERE audit_seq > ?", [story.pay_seq]
    )
    con.execute("UPDATE audit_head SET seq = seq + 1")
    _append_forged_row(con, story.pay_seq)
    check = verdict(con, people)
    assert check.seq == story.pay_seq + 2
    assert check.problem == (
        f"audit row #{story.pay_seq + 2} does not follow the row before it "
        "(a row was inserted or deleted)"
    )


def test_a_row_inserted_before_the_first_is_named(con, people, story):
    con.execute(
        "INSERT INTO audit_log SELECT 0, recorded_at, actor_id, actor, operation, entity,"
        " entity_id, idempotency_key || '-x', reason, details, entries_digest, prev_hash,"
        " row_hash, states_digest FROM audit_log WHERE seq = 1"
    )
    check = verdict(con, people)
    assert check.seq == 0
    assert "audit row #0" in check.problem
    assert "#-1" not in check.problem
    assert "inserted" in check.problem


def test_deleting_an_audit_row_in_the_middle_is_found(con, people, story):
    gone = 4  # a register write, with no ledger entries of its own
    con.execute("DELETE FROM audit_log WHERE seq = ?", [gone])
    check = verdict(con, people)
    assert not check.ok
    assert check.problem == f"audit rows #{gone}–#{gone} are missing (deleted)"


def test_a_row_deleted_in_the_middle_is_the_row_named(con, people, story):
    con.execute("DELETE FROM audit_log WHERE seq = 4")
    assert verdict(con, people).seq == 4


def test_deleting_the_declaration_of_a_ring_fence_names_the_deleted_row(con, people, story):
    declared = con.execute(
        "SELECT seq FROM audit_log WHERE operation = 'declare ring-fence' ORDER BY seq LIMIT 1"
    ).fetchone()[0]
    con.execute("DELETE FROM audit_log WHERE seq = ?", [declared])
    check = verdict(con, people)
    assert check.seq == declared
    assert f"#{declared}" in check.problem
    assert "#?" not in check.problem


def test_deleting_several_audit_rows_in_the_middle_is_found(con, people, story):
    con.execute("DELETE FROM audit_log WHERE seq BETWEEN 3 AND 5")
    assert verdict(con, people).problem == "audit rows #3–#5 are missing (deleted)"


def test_deleting_an_audit_row_that_posted_money_is_found(con, people, story):
    con.execute("DELETE FROM audit_log WHERE seq = ?", [story.commit_seq])
    check = verdict(con, people)
    assert check.seq == story.commit_seq
    assert f"#{story.commit_seq}" in check.problem
    assert str(story.commit_entry) in check.problem


def test_deleting_the_last_audit_row_is_found(con, people, story):
    con.execute("DELETE FROM audit_log WHERE seq = ?", [story.last_seq])
    check = verdict(con, people)
    assert check.seq == story.last_seq
    assert f"#{story.last_seq}" in check.problem
    assert "deleted" in check.problem


def test_deleting_the_last_audit_rows_and_their_entries_is_found(con, people, story):
    # The pay write and the one after it go, with the pay's ledger entry.
    con.execute("DELETE FROM audit_log WHERE seq >= ?", [story.pay_seq])
    con.execute("DELETE FROM ledger_entry WHERE audit_seq >= ?", [story.pay_seq])
    check = verdict(con, people)
    assert check.seq == story.pay_seq
    assert f"#{story.pay_seq}" in check.problem
    assert "deleted" in check.problem


def test_deleting_every_row_is_found(con, people, story):
    con.execute("DELETE FROM ledger_entry")
    con.execute("DELETE FROM audit_log")
    check = verdict(con, people)
    assert not check.ok


def test_the_first_problem_in_the_chain_is_the_one_reported(con, people, story):
    con.execute("UPDATE audit_log SET reason = 'x' WHERE seq = ?", [story.pay_seq])
    con.execute("UPDATE ledger_entry SET amount = 1 WHERE entry_id = ?", [story.commit_entry])
    assert verdict(con, people).seq == story.commit_seq


@pytest.mark.parametrize(
    "change",
    ["declared_amount = 99000000", "delegated_limit = 5000000"],
)
def test_altering_a_declared_ring_fence_is_found(con, people, story, change):
    # The declared amount is the ceiling of every allocation, the limit the four-eyes rule.
    con.execute(f"UPDATE ringfence SET {change} WHERE ringfence_id = 1")
    check = verdict(con, people)
    assert not check.ok
    assert "ring-fence #1" in check.problem


@pytest.mark.parametrize(
    "change",
    ["experiment_id = experiment_id + 1", "counterparty = 'Mallory Ltd'"],
)
def test_moving_a_commitment_to_another_experiment_or_payee_is_found(con, people, story, change):
    # Where a commitment's money is reported, and who receives it, are not in the ledger.
    con.execute(f"UPDATE commitment SET {change} WHERE commitment_id = ?", [story.commitment_id])
    check = verdict(con, people)
    assert check.problem == (
        f"commitment #{story.commitment_id} is not what audit row #{story.commit_seq} recorded"
        " (altered outside the services)"
    )


def test_an_approved_commitment_is_checked_against_what_its_approval_recorded(con, people, funded):
    request = ledger.commit(
        con,
        people.manager,
        experiment_id=funded.experiments["pbr_contract"],
        amount="50000.00",
        counterparty="Acme Outcomes",
        reason="contract",
        key=key(),
    ).entity_id
    approved = ledger.decide(
        con, people.second_manager, request_id=request, approve=True, reason="ok", key=key()
    ).entity_id
    decided = seq_of_last_write(con)
    assert verdict(con, people).ok
    con.execute(
        "UPDATE commitment SET counterparty = 'Mallory' WHERE commitment_id = ?", [approved]
    )
    assert verdict(con, people).problem == (
        f"commitment #{approved} is not what audit row #{decided} recorded"
        " (altered outside the services)"
    )


@pytest.mark.parametrize(
    ("change", "who"),
    [
        ("role = 'fund_manager' WHERE username = 'auditor'", 4),
        ("active = FALSE WHERE username = 'manager'", 2),
        ("username = 'boss' WHERE username = 'board'", 5),
    ],
)
def test_changing_a_user_outside_the_services_is_found(con, people, change, who):
    # A role granted by editing the table would let someone move money unaudited.
    con.execute(f"UPDATE app_user SET {change}")
    check = verdict(con, people)
    assert check.problem is not None
    assert f"user #{who} is not what audit row #" in check.problem


def test_role_changes_made_through_the_service_verify(con, people):
    users.set_role(
        con, people.admin, username="auditor", role="fund_manager", reason="move", key=key()
    )
    users.set_active(con, people.admin, username="board", active=False, reason="left", key=key())
    assert verdict(con, people).ok


# --- reading the trail ---------------------------------------------------------------------


def test_the_trail_shows_the_newest_writes_first(con, people, story):
    trail = audit.trail(con, people.auditor, limit=3)
    assert list(trail["seq"]) == [story.last_seq, story.last_seq - 1, story.last_seq - 2]
    assert list(trail["operation"]) == ["request virement", "pay", "commit"]
    assert trail.iloc[1]["reason"] == "first"


def test_verifying_writes_nothing(con, people, story):
    before = con.execute("SELECT count(*), max(seq) FROM audit_log").fetchone()
    verdict(con, people)
    assert con.execute("SELECT count(*), max(seq) FROM audit_log").fetchone() == before


def test_a_money_write_after_tampering_still_verifies_as_tampered(con, people, story):
    con.execute("UPDATE ledger_entry SET amount = 1 WHERE entry_id = ?", [story.pay_entry])
    ledger.allocate(con, people.manager, programme_id=1, amount="1", reason="later", key=key())
    assert verdict(con, people).seq == story.pay_seq
    assert register.programme(con, 1).name == "Young people into work"
    assert (
        Decimal("1.00")
        == con.execute(
            "SELECT amount FROM ledger_entry WHERE entry_id = ?", [story.pay_entry]
        ).fetchone()[0]
    )
