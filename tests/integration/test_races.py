"""Races end in refusals a person can read: never a raw DuckDB error, never half a write.

Threads stand in for the app's sessions: each has its own cursor of one connection, as the
app gives each of its threads. A race that DuckDB settles with a duplicate key or a write
conflict reaches the user as "name taken" or "try again"; the lock-out counts parallel
wrong guesses one at a time, so they stop at five.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable

import duckdb
import pytest

from fund import audit, auth, db, ledger, register, users
from fund.auth import MAX_FAILURES
from fund.errors import (
    AuthenticationFailed,
    DatabaseBusy,
    RingfenceError,
    SignInLocked,
    ValidationError,
)
from tests.conftest import FAST_HASHER, PASSWORD, key
from tests.integration.helpers import (
    counts,
    nothing_written,
    one_transaction,
    rebalancing_request,
)

THREADS = 8


def race(
    con: duckdb.DuckDBPyConnection,
    attempt: Callable[[duckdb.DuckDBPyConnection], object],
    n: int = THREADS,
) -> list[object]:
    """Run ``attempt`` in ``n`` threads at once, each with its own cursor; what each ended
    with: its result, or the exception it raised (of any kind, so a raw one is seen)."""
    start = threading.Barrier(n)
    outcomes: list[object] = [None] * n

    def run(i: int) -> None:
        cursor = con.cursor()
        start.wait()
        try:
            outcomes[i] = attempt(cursor)
        except Exception as error:  # every kind, so that a raw one is seen
            outcomes[i] = error
        finally:
            cursor.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def refusals(outcomes: list[object]) -> Counter[str]:
    """The refusals among the outcomes, by message; a raw exception fails the test."""
    raw = [o for o in outcomes if isinstance(o, Exception) and not isinstance(o, RingfenceError)]
    assert not raw, raw
    return Counter(str(o) for o in outcomes if isinstance(o, RingfenceError))


TRY_AGAIN = f"database: {db.RACE_LOST}"


def refused_after_a_save_meanwhile(
    con: duckdb.DuckDBPyConnection, table: str, write: Callable[[duckdb.DuckDBPyConnection], object]
) -> ValidationError:
    """``write`` in a transaction that began (reading ``table``) before another session made
    and committed the same write: how the late one is refused."""
    late = con.cursor()
    with pytest.raises(ValidationError) as refused, one_transaction(late):
        late.execute(f"SELECT count(*) FROM {table}").fetchone()
        write(con.cursor())  # another session saves the name and commits
        write(late)
    return refused.value


# --- names: one wins, the rest are told the name is taken (or to try again) -------------------


def test_eight_people_adding_one_programme_name_at_once_get_one_programme(con, people, portfolio):
    before = counts(con)

    def add(cursor):
        return register.add_programme(
            cursor,
            people.manager,
            ringfence_id=portfolio.ringfence_id,
            name="Healthy homes",
            target="Fewer damp homes",
            key=key(),
        )

    outcomes = race(con, add)

    refused = refusals(outcomes)
    assert sum(refused.values()) == THREADS - 1
    assert set(refused) <= {"name: a programme called 'Healthy homes' already exists", TRY_AGAIN}
    after = counts(con)
    assert con.execute(
        "SELECT count(*) FROM programme WHERE name = 'Healthy homes'"
    ).fetchone() == (1,)
    assert after["programme"] == before["programme"] + 1
    assert after["audit_log"] == before["audit_log"] + 1
    assert audit.verify(con, people.auditor).ok


def test_eight_admins_adding_one_user_name_at_once_get_one_user(con, people):
    before = counts(con)

    def add(cursor):
        return users.add_user(
            cursor,
            people.admin,
            username="newcomer",
            display_name="New Comer",
            role="auditor",
            password=PASSWORD,
            key=key(),
        )

    outcomes = race(con, add)

    refused = refusals(outcomes)
    assert sum(refused.values()) == THREADS - 1
    assert set(refused) <= {"username: 'newcomer' is already taken", TRY_AGAIN}
    after = counts(con)
    assert con.execute("SELECT count(*) FROM app_user WHERE username = 'newcomer'").fetchone() == (
        1,
    )
    assert after["app_user"] == before["app_user"] + 1
    assert after["audit_log"] == before["audit_log"] + 1
    assert audit.verify(con, people.auditor).ok


# The thread race above is settled by whichever statement DuckDB meets first. These replay,
# step by step, the case where the name was saved by another session after this one's
# transaction began: this one cannot see it, and meets it only when it inserts.


# --- approvals: one fund manager decides, the others are told --------------------------------


def test_eight_fund_managers_approving_one_request_at_once_post_it_once(con, people, funded):
    request = rebalancing_request(con, people.manager, funded)
    before = counts(con)

    outcomes = race(
        con,
        lambda cursor: ledger.decide(
            cursor, people.second_manager, request_id=request, approve=True, reason="ok", key=key()
        ),
    )

    refused = refusals(outcomes)
    assert sum(refused.values()) == THREADS - 1
    assert set(refused) <= {
        TRY_AGAIN,
        f"request: request #{request} was already approved by second",
        f"request: request #{request} was decided by someone else at the same moment; "
        "nothing of yours was written (see the approvals queue)",
    }
    after = counts(con)
    assert after["approval_decision"] == before["approval_decision"] + 1
    assert after["ledger_entry"] == before["ledger_entry"] + 2  # the two legs, once
    assert audit.verify(con, people.auditor).ok


def test_a_programme_name_saved_meanwhile_by_another_session_is_refused_as_taken(
    con, people, portfolio
):
    def add(cursor):
        return register.add_programme(
            cursor,
            people.manager,
            ringfence_id=portfolio.ringfence_id,
            name="Healthy homes",
            target="Fewer damp homes",
            key=key(),
        )

    refused = refused_after_a_save_meanwhile(con, "programme", add)

    assert str(refused) == "name: a programme called 'Healthy homes' already exists"
    assert con.execute(
        "SELECT count(*) FROM programme WHERE name = 'Healthy homes'"
    ).fetchone() == (1,)
    assert audit.verify(con, people.auditor).ok


def test_a_ring_fence_name_saved_meanwhile_is_refused_as_taken(con, people):
    def declare(cursor):
        return register.declare_ringfence(
            cursor,
            people.manager,
            name="Third Fund",
            owner_body="Northborough Council",
            financial_years="2026-27",
            declared_amount="5000.00",
            purpose="A third pot",
            advertised_on="2026-04-01",
            delegated_limit="1000.00",
            key=key(),
        )

    refused = refused_after_a_save_meanwhile(con, "ringfence", declare)

    assert str(refused) == "name: a ring-fence called 'Third Fund' already exists"
    assert audit.verify(con, people.auditor).ok


def test_a_user_name_saved_meanwhile_is_refused_as_taken(con, people):
    def add(cursor):
        return users.add_user(
            cursor,
            people.admin,
            username="newcomer",
            display_name="New Comer",
            role="auditor",
            password=PASSWORD,
            key=key(),
        )

    refused = refused_after_a_save_meanwhile(con, "app_user", add)

    assert str(refused) == "username: 'newcomer' is already taken"
    assert audit.verify(con, people.auditor).ok


def test_a_partner_registered_meanwhile_asks_for_a_retry_which_then_uses_it(con, people, portfolio):
    def add(cursor, title):
        return register.add_experiment(
            cursor,
            people.manager,
            programme_id=portfolio.programme_id,
            title=title,
            instrument="small_grant",
            phase=1,
            risk_rating="low",
            official="Pat Official",
            user_involvement="consulted",
            partners=[
                register.PartnerShare(name="Riverside Bank", sector="business", role="investor")
            ],
            key=key(),
        )

    late = con.cursor()
    with pytest.raises(ValidationError) as refused, one_transaction(late):
        late.execute("SELECT count(*) FROM partner").fetchone()
        add(con.cursor(), "Savings club")
        add(late, "Credit union desk")

    assert str(refused.value) == (
        "partner name: 'Riverside Bank' was registered by another change at the same moment; "
        "nothing of yours was written, try again"
    )
    add(con, "Credit union desk")  # the retry finds the partner and uses it
    assert con.execute("SELECT count(*) FROM partner WHERE name = 'Riverside Bank'").fetchone() == (
        1,
    )
    assert audit.verify(con, people.auditor).ok


# --- any other duplicate key: "try again", never a raw error ---------------------------------


def test_a_duplicate_key_no_service_expected_is_a_race_lost(con):
    con.execute("INSERT INTO setting VALUES ('colour', 'green')")
    with nothing_written(con), pytest.raises(DatabaseBusy) as refused, db.transaction(con):
        con.execute("INSERT INTO setting VALUES ('colour', 'blue')")
    assert str(refused.value) == TRY_AGAIN


def test_a_broken_check_constraint_is_not_mistaken_for_a_race(con):
    # A CHECK is a validation the service forgot, not a race: retrying would not help.
    with pytest.raises(duckdb.ConstraintException), db.transaction(con):
        con.execute("INSERT INTO partner (name, sector) VALUES ('Odd', 'guild')")


# --- the lock-out: parallel wrong guesses stop at five ---------------------------------------


class CountingHasher:
    """Argon2 (at its test cost) that counts the password checks and takes a little while
    over each, as the real cost does, so that parallel guesses overlap."""

    def __init__(self) -> None:
        self.checks = 0
        self._lock = threading.Lock()

    def hash(self, password: str) -> str:
        return FAST_HASHER.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        with self._lock:
            self.checks += 1
        time.sleep(0.02)
        return FAST_HASHER.verify(password_hash, password)


@pytest.fixture
def hasher(monkeypatch) -> CountingHasher:
    counting = CountingHasher()
    monkeypatch.setattr(auth, "_hasher", counting)
    return counting


def attempts(con: duckdb.DuckDBPyConnection, name: str) -> list[bool]:
    rows = con.execute(
        "SELECT succeeded FROM sign_in_attempt WHERE username = ? ORDER BY attempted_at", [name]
    ).fetchall()
    return [succeeded for (succeeded,) in rows]


def test_thirty_two_wrong_guesses_at_once_check_five_passwords_and_lock_the_name(
    con, people, hasher
):
    outcomes = race(con, lambda cursor: auth.sign_in(cursor, "auditor", "guess wrong"), n=32)

    kinds = Counter(type(o).__name__ for o in outcomes)
    assert kinds == {"AuthenticationFailed": MAX_FAILURES, "SignInLocked": 32 - MAX_FAILURES}
    refused = refusals(outcomes)
    assert refused["password: the user name or password is not right"] == MAX_FAILURES
    assert hasher.checks == MAX_FAILURES
    assert attempts(con, "auditor") == [False] * MAX_FAILURES
    with pytest.raises(SignInLocked) as locked:
        auth.sign_in(con, "auditor", PASSWORD)  # even the right password
    assert str(locked.value) == (
        "password: too many failed sign-ins for this user name; try again in 15 minutes"
    )
    assert hasher.checks == MAX_FAILURES
    assert auth.sign_in(con, "board", PASSWORD).username == "board"  # another name is not locked


def test_the_right_password_among_parallel_wrong_ones_signs_in(con, people, hasher):
    guesses = ["guess wrong"] * 3 + [PASSWORD]

    outcomes = race(con, lambda cursor: auth.sign_in(cursor, "manager", guesses.pop()), n=4)

    signed_in = [o for o in outcomes if isinstance(o, auth.User)]
    assert [u.username for u in signed_in] == ["manager"]
    assert all(isinstance(o, auth.User | AuthenticationFailed) for o in outcomes)
    assert sorted(attempts(con, "manager")) == [False, False, False, True]


def test_a_right_password_is_recorded_once_as_a_success_and_ends_the_streak(con, people, hasher):
    for _ in range(MAX_FAILURES - 1):
        with pytest.raises(AuthenticationFailed):
            auth.sign_in(con, "manager", "guess wrong")

    assert auth.sign_in(con, "manager", PASSWORD).username == "manager"

    assert attempts(con, "manager") == [False] * (MAX_FAILURES - 1) + [True]
    for _ in range(MAX_FAILURES - 1):  # the count starts again after a success
        with pytest.raises(AuthenticationFailed):
            auth.sign_in(con, "manager", "guess wrong")
    assert auth.sign_in(con, "manager", PASSWORD).username == "manager"
    assert hasher.checks == 2 * MAX_FAILURES
