"""A payment run posts many payments as one transaction, each exactly as ``ledger.pay``
would: its own entry, audit row and key, judged by the same rules after the payments
before it; the first refusal names its row and leaves nothing behind."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fund import audit, db, ledger
from fund.errors import (
    IdempotencyConflict,
    InvariantBroken,
    NotFound,
    PermissionDenied,
    RingfenceError,
    RowsRefused,
    ValidationError,
    describe,
)
from fund.ledger import payment_run
from fund.ledger.payment_run import payment, read_csv
from tests.conftest import key
from tests.integration.helpers import counts, nothing_written, one_transaction


@pytest.fixture
def awards(con, people, funded) -> tuple[int, int]:
    """Two small-grant commitments: £8,000.00 and £6,000.00, nothing paid yet."""
    return tuple(
        ledger.commit(
            con,
            people.manager,
            experiment_id=funded.experiments["small_grant"],
            amount=amount,
            counterparty=f"Grantee {n}",
            reason="award",
            key=key(),
        ).entity_id
        for n, amount in enumerate(["8000.00", "6000.00"])
    )


def run_of(*rows: tuple[int, str], run: str | None = None) -> list[payment_run.Payment]:
    run = run or key()
    return [
        payment(commitment_id=c, amount=a, on=None, reason="instalment", key=f"{run}/{n}")
        for n, (c, a) in enumerate(rows, start=1)
    ]


def paid(con, commitment_id: int) -> Decimal:
    return con.execute(
        "SELECT paid FROM commitment_balance WHERE commitment_id = ?", [commitment_id]
    ).fetchone()[0]


def test_a_run_writes_one_entry_and_one_audit_row_per_payment(con, people, awards):
    first, second = awards
    before = counts(con)
    written = ledger.pay_run(
        con, people.manager, run_of((first, "1000.00"), (second, "250.50"), (first, "0.01"))
    )
    after = counts(con)
    assert after["ledger_entry"] - before["ledger_entry"] == 3
    assert after["audit_log"] - before["audit_log"] == 3
    assert [w.entity for w in written] == ["ledger entry"] * 3
    assert not any(w.replayed for w in written)
    assert (paid(con, first), paid(con, second)) == (Decimal("1000.01"), Decimal("250.50"))
    rows = con.execute(
        "SELECT e.entry_id, e.kind, e.amount, e.commitment_id, a.operation, a.entity_id"
        " FROM ledger_entry AS e JOIN audit_log AS a ON a.seq = e.audit_seq"
        " WHERE e.entry_id IN (SELECT unnest(?::BIGINT[])) ORDER BY e.entry_id",
        [[w.entity_id for w in written]],
    ).fetchall()
    assert [r[1:5] for r in rows] == [
        ("disbursement", Decimal("1000.00"), first, "pay"),
        ("disbursement", Decimal("250.50"), second, "pay"),
        ("disbursement", Decimal("0.01"), first, "pay"),
    ]
    assert all(r[0] == r[5] for r in rows), "each audit row names its own entry"
    assert audit.verify(con, people.auditor).ok


def test_a_run_records_what_single_payments_record(con, people, awards):
    """Same audit operation and details, so a run's key replays as a single payment."""
    first, _ = awards
    (written,) = ledger.pay_run(con, people.manager, run_of((first, "40.00"), run="run-a"))
    again = ledger.pay(
        con,
        people.manager,
        commitment_id=str(first),
        amount="40.00",
        reason="instalment",
        key="run-a/1",
    )
    assert again.replayed and again.entity_id == written.entity_id


def test_posting_the_same_run_again_writes_nothing(con, people, awards):
    run = run_of((awards[0], "100.00"), (awards[1], "200.00"))
    first = ledger.pay_run(con, people.manager, run)
    with nothing_written(con):
        again = ledger.pay_run(con, people.manager, run)
    assert all(w.replayed for w in again)
    assert [w.entity_id for w in again] == [w.entity_id for w in first]


def test_a_run_skips_payments_already_made_with_their_key(con, people, awards):
    single = ledger.pay(
        con,
        people.manager,
        commitment_id=str(awards[0]),
        amount="5.00",
        reason="instalment",
        key="run-b/1",
    )
    before = counts(con)
    written = ledger.pay_run(
        con, people.manager, run_of((awards[0], "5.00"), (awards[1], "7.00"), run="run-b")
    )
    assert written[0].replayed and written[0].entity_id == single.entity_id
    assert not written[1].replayed
    assert counts(con)["ledger_entry"] == before["ledger_entry"] + 1


def test_a_key_reused_for_another_amount_refuses_the_run_naming_its_row(con, people, awards):
    ledger.pay_run(con, people.manager, run_of((awards[0], "5.00"), run="run-c"))
    with nothing_written(con), pytest.raises(RowsRefused) as refused:
        ledger.pay_run(
            con, people.manager, run_of((awards[0], "6.00"), (awards[1], "1.00"), run="run-c")
        )
    assert refused.value.rows == [1]
    assert isinstance(refused.value.refusals[0].error, IdempotencyConflict)


def test_payments_are_judged_after_the_runs_earlier_payments(con, people, awards):
    first, _ = awards
    run = run_of((first, "5000.00"), (first, "2000.00"), (first, "1000.01"))
    with nothing_written(con), pytest.raises(RowsRefused) as refused:
        ledger.pay_run(con, people.manager, run)
    assert refused.value.rows == [3]
    assert isinstance(refused.value.refusals[0].error, InvariantBroken)
    assert describe(refused.value) == (
        f"row 3: amount: payment £1,000.01 exceeds commitment #{first} unpaid £1,000.00"
    )


def test_every_bad_row_of_a_run_is_reported_at_once(con, people, awards):
    first, second = awards
    run = run_of((first, "7000.00"), (999_999, "1.00"), (second, "6000.01"), (first, "1000.00"))
    with nothing_written(con), pytest.raises(RowsRefused) as refused:
        ledger.pay_run(con, people.manager, run)
    # Row 4 is judged as if the refused rows were not there: £7,000 + £1,000 fits £8,000.
    assert describe(refused.value) == (
        "row 2: commitment: no commitment 999999; "
        f"row 3: amount: payment £6,000.01 exceeds commitment #{second} unpaid £6,000.00"
    )


def test_an_unknown_commitment_refuses_the_run_naming_its_row(con, people, awards):
    with nothing_written(con), pytest.raises(RowsRefused) as refused:
        ledger.pay_run(con, people.manager, run_of((awards[0], "1.00"), (999_999, "1.00")))
    assert refused.value.rows == [2]
    assert isinstance(refused.value.refusals[0].error, NotFound)
    assert describe(refused.value) == "row 2: commitment: no commitment 999999"


@pytest.mark.parametrize("role", ["auditor", "board", "admin"])
def test_only_fund_managers_make_payment_runs(con, people, awards, role):
    with nothing_written(con), pytest.raises(PermissionDenied):
        ledger.pay_run(con, getattr(people, role), run_of((awards[0], "1.00")))


def test_a_run_must_hold_payments_with_distinct_keys(con, people, awards):
    same = payment(commitment_id=awards[0], amount="1.00", on=None, reason="r", key="dup")
    with nothing_written(con), pytest.raises(RowsRefused) as refused:
        ledger.pay_run(con, people.manager, [same, same])
    assert describe(refused.value) == "row 2: idempotency key: repeats row 1's key"
    with pytest.raises(ValidationError, match="at least one payment"):
        ledger.pay_run(con, people.manager, [])


def test_a_csv_file_becomes_payments_with_keys_per_row():
    text = (
        "\ufeffcommitment_id,amount,value_date,reason\n"
        "12,1500.00,2026-01-05,January instalment\n"
        "13,250,,\n"
    ).encode()
    first, second = read_csv(text, reason="Weekly run", key="run-7")
    assert (first.commitment_id, first.amount, first.value_date, first.reason, first.key) == (
        12,
        Decimal("1500.00"),
        date(2026, 1, 5),
        "January instalment",
        "run-7/1",
    )
    assert (second.amount, second.value_date, second.reason, second.key) == (
        Decimal("250.00"),
        db.today(),
        "Weekly run",
        "run-7/2",
    )
    assert payment_run.total([first, second]) == Decimal("1750.00")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("commitment,amount\n1,2\n", "file: needs the columns commitment_id, amount"),
        ("commitment_id,amount\n", "payments: a payment run needs at least one payment"),
        ("commitment_id,amount\n1,2.50\n2,1.005\n", "row 2: amount: "),
        (
            "commitment_id,amount\nx,2.50\n2,1\n3,\n",
            "row 1: commitment: must be a number, not 'x'; row 3: amount: ",
        ),
        ("commitment_id,amount\n1,2.50\n,1\n", "row 2: commitment: is required"),
        ("commitment_id,amount\n1,-3\n", "row 1: amount: "),
        ("commitment_id,amount,value_date\n1,3,2999-01-01\n", "row 1: value date: must not be"),
        (
            "commitment_id,amount\n1,3,4\n",
            "row 1: columns: the row has 1 more value(s) than the header",
        ),
        ("commitment_id,amount\n1,£3\n".encode("cp1252"), "file: must be text in UTF-8"),
    ],
)
def test_a_bad_csv_file_is_refused_naming_the_row_and_field(text, message):
    with pytest.raises(RingfenceError) as refused:
        read_csv(text, reason="run", key="k")
    assert describe(refused.value).startswith(message)


# --- strict files: header, encoding, every bad row at once ------------------------------


def refusal_of(text: str | bytes) -> str:
    with pytest.raises(RingfenceError) as refused:
        read_csv(text, reason="run", key="k")
    return describe(refused.value)


ALLOWED = "file: needs the columns commitment_id, amount (optional: value_date, reason), each once"


def test_a_duplicated_amount_column_is_refused_naming_it():
    # It used to post the last column's £99,999.00 without a word.
    assert refusal_of("commitment_id,amount,amount\n1,2.00,99999.00\n") == (
        f"{ALLOWED}; 'amount' is given twice (columns 2 and 3)"
    )


def test_a_column_given_twice_once_with_spaces_around_it_is_refused_too():
    assert refusal_of("amount,commitment_id, amount \n1,2,3\n") == (
        f"{ALLOWED}; 'amount' is given twice (columns 1 and 3)"
    )


def test_misspelled_and_unknown_columns_are_refused_naming_each_and_the_columns_allowed():
    assert refusal_of("commitment_id,amount,valuedate,Reason,iban\n1,2,,,GB00\n") == (
        f"{ALLOWED}; 'valuedate' is not a column of a payment run (did you mean value_date?);"
        " 'Reason' is not a column of a payment run (did you mean reason?);"
        " 'iban' is not a column of a payment run"
    )


def test_a_misspelled_required_column_is_named_once_with_the_right_name():
    assert refusal_of("Commitment ID,amount\n1,2\n") == (
        f"{ALLOWED}; 'Commitment ID' is not a column of a payment run (did you mean commitment_id?)"
    )


def test_a_column_with_no_name_is_refused():
    assert refusal_of("commitment_id,amount,\n1,2,\n") == f"{ALLOWED}; column 3 has no name"


def test_an_empty_file_is_refused_saying_the_header_is_missing():
    assert refusal_of(b"") == f"{ALLOWED}; its first line, the header, is empty"


@pytest.mark.parametrize(
    ("encoding", "name"),
    [
        ("utf-16-le", "UTF-16"),
        ("utf-16-be", "UTF-16"),
        ("utf-32-le", "UTF-32"),
        ("utf-32-be", "UTF-32"),
    ],
)
def test_a_utf16_or_utf32_file_is_refused_saying_to_save_it_as_csv_utf8(encoding, name):
    data = "\ufeffcommitment_id,amount\n1,2.00\n".encode(encoding)  # with its byte-order mark
    assert refusal_of(data) == f"file: the file is {name}; save it as CSV UTF-8"


def test_a_utf16_file_without_a_byte_order_mark_is_refused_for_its_nul_bytes():
    assert refusal_of("commitment_id,amount\n1,2.00\n".encode("utf-16-le")) == (
        "file: holds NUL characters, as a UTF-16 or UTF-32 file without a byte-order mark"
        " does; save it as CSV UTF-8"
    )


def test_a_latin1_file_is_refused_naming_the_line_and_byte_that_are_not_utf8():
    data = "commitment_id,amount,reason\n1,2.00,Caf\u00e9 grant\n".encode("latin-1")
    assert refusal_of(data) == (
        "file: must be text in UTF-8 (in Excel, save it as 'CSV UTF-8'); line 2 is not:"
        " byte 11 of the line (byte 39 of the file) is 0xE9"
    )


def test_a_file_in_utf8_with_or_without_its_byte_order_mark_is_read():
    for data in (
        "commitment_id,amount,reason\n1,2.00,Café\n".encode(),
        "\ufeffcommitment_id,amount,reason\n1,2.00,Café\n".encode(),
    ):
        (only,) = read_csv(data, reason="run", key="k")
        assert (only.commitment_id, only.amount, only.reason) == (1, Decimal("2.00"), "Café")


def test_ids_and_amounts_in_digits_other_than_0_to_9_are_refused_on_every_row():
    text = "commitment_id,amount\n１２３,5.00\n١٢٣,5.00\n1,１２３\n1,٣.00\n"
    assert refusal_of(text) == (
        "row 1: commitment: must be a number written with the digits 0-9, not '１２３'; "
        "row 2: commitment: must be a number written with the digits 0-9, not '١٢٣'; "
        "row 3: amount: must be a number of pounds such as 1,234.56, written with the digits"
        " 0-9, not '１２３'; "
        "row 4: amount: must be a number of pounds such as 1,234.56, written with the digits"
        " 0-9, not '٣.00'"
    )


def test_reading_a_run_gives_its_payments_and_every_row_that_cannot_be_one():
    run = payment_run.read_run(
        "commitment_id,amount\n1,2.00\nx,1\n\n2,3.005\n3,4.00\n", reason="r", key="k"
    )
    assert [(p.row, p.commitment_id, p.amount, p.key) for p in run.payments] == [
        (1, 1, Decimal("2.00"), "k/1"),
        (4, 3, Decimal("4.00"), "k/4"),
    ]
    assert [r.row for r in run.refused] == [2, 3]


@pytest.mark.parametrize("big", ["2147483648", "9223372036854775807", "99999999999999999999"])
def test_a_commitment_id_beyond_the_databases_range_is_no_commitment(con, people, awards, big):
    text = f"commitment_id,amount\n{awards[0]},1.00\n{big},1.00\n"
    with nothing_written(con), pytest.raises(RowsRefused) as refused:
        payment_run.pay_csv(con, people.manager, text=text, reason="run", key=key())
    assert describe(refused.value) == f"row 2: commitment: no commitment {big}"


def test_a_refused_run_names_unreadable_rows_and_rule_breaking_rows_together(con, people, awards):
    first, second = awards
    text = (
        "commitment_id,amount,value_date\n"
        f"{first},7000.00,\n"  # fits: £8,000 committed
        f"{first},abc,\n"  # cannot be read
        f"{second},6000.01,\n"  # over what is unpaid
        "999999,1.00,\n"  # no such commitment
        f"{first},1.00,2999-01-01\n"  # cannot be read: a future date
        f"{first},1000.00,\n"  # fits, judged as if the refused rows were not there
    )
    with nothing_written(con), pytest.raises(RowsRefused) as refused:
        payment_run.pay_csv(con, people.manager, text=text, reason="run", key=key())
    assert refused.value.rows == [2, 3, 4, 5]
    said = describe(refused.value).split("; ")
    assert said[0] == "row 2: amount: must be a number of pounds such as 1,234.56, not 'abc'"
    assert said[1] == (
        f"row 3: amount: payment £6,000.01 exceeds commitment #{second} unpaid £6,000.00"
    )
    assert said[2] == "row 4: commitment: no commitment 999999"
    assert said[3].startswith("row 5: value date: must not be")


def test_a_run_whose_readable_rows_pass_is_still_refused_for_its_unreadable_rows(
    con, people, awards
):
    text = f"commitment_id,amount\n{awards[0]},1.00\n{awards[1]},1.5.0\n"
    with nothing_written(con), pytest.raises(RowsRefused) as refused:
        payment_run.pay_csv(con, people.manager, text=text, reason="run", key=key())
    assert refused.value.rows == [2]


def test_a_file_whose_readable_rows_were_all_posted_before_is_still_refused_for_the_rest(
    con, people, awards
):
    run = key()
    good = f"commitment_id,amount\n{awards[0]},1.00\n"
    payment_run.pay_csv(con, people.manager, text=good, reason="run", key=run)
    with nothing_written(con), pytest.raises(RowsRefused) as refused:
        payment_run.pay_csv(con, people.manager, text=good + "x,1\n", reason="run", key=run)
    assert describe(refused.value) == "row 2: commitment: must be a number, not 'x'"


def test_a_key_clash_is_named_by_its_row_in_the_file_not_its_place_among_the_payments(
    con, people, awards
):
    run = key()
    posted = f"commitment_id,amount\n{awards[1]},1.00\n{awards[0]},1.00\n"
    payment_run.pay_csv(con, people.manager, text=posted, reason="run", key=run)
    changed = f"commitment_id,amount\nx,1\n{awards[0]},2.00\n"  # row 2 reuses key run/2
    with nothing_written(con), pytest.raises(RowsRefused) as refused:
        payment_run.pay_csv(con, people.manager, text=changed, reason="run", key=run)
    assert refused.value.rows == [1, 2]
    assert isinstance(refused.value.refusals[1].error, IdempotencyConflict)


def test_a_run_of_payments_without_rows_is_still_numbered_by_place(con, people, awards):
    with nothing_written(con), pytest.raises(RowsRefused) as refused:
        ledger.pay_run(
            con, people.manager, run_of((awards[0], "1.00"), (999_999, "1.00")), refused=()
        )
    assert refused.value.rows == [2]


# --- the run is the same as single payments, one by one ---------------------------------


class _Undo(Exception):
    """Raised to roll back the one-by-one payments once their outcome is known."""


def _one_by_one(con, actor, payments) -> tuple[int | None, dict[int, Decimal]]:
    """The row the first refused single payment is on (None if all pass), and paid amounts
    afterwards; nothing stays written."""
    outcome: tuple[int | None, dict[int, Decimal]] = (None, {})
    try:
        with one_transaction(con):
            for n, p in enumerate(payments, start=1):
                try:
                    ledger.pay(
                        con,
                        actor,
                        commitment_id=str(p.commitment_id),
                        amount=p.amount,
                        reason=p.reason,
                        key=p.key,
                    )
                except RingfenceError:
                    outcome = (n, {})
                    raise _Undo from None
            outcome = (None, {c: paid(con, c) for c in {p.commitment_id for p in payments}})
            raise _Undo
    except _Undo:
        return outcome


amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("7000.00"), places=2)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(st.tuples(st.integers(0, 2), amounts), min_size=1, max_size=8))
def test_a_run_succeeds_or_fails_exactly_as_its_payments_would_one_by_one(
    con, people, awards, rows
):
    choices = [*awards, 999_999]
    payments = run_of(*[(choices[i], str(a)) for i, a in rows])
    refused_at, expected = _one_by_one(con, people.manager, payments)
    before = counts(con)
    try:
        ledger.pay_run(con, people.manager, payments)
    except RowsRefused as refused:
        assert refused.rows[0] == refused_at
        assert counts(con) == before
    else:
        assert refused_at is None
        assert {c: paid(con, c) for c in expected} == expected
