"""The allocate page: each form's valid input writes exactly the expected ledger rows and
shows what changed; each kind of bad input names the field and writes nothing; the
four-eyes queue; one write per idempotency key.

The fixture ``funded`` has £100,000.00 allocated to "Young people into work" (programme 1)
out of a £1,000,000.00 ring-fence whose delegated limit is £10,000.00.
"""

from datetime import date
from decimal import Decimal

import pytest

from fund import db, ledger, portfolio
from fund.auth import Role
from tests.app.helpers import (
    counts,
    errors,
    form_key,
    grew,
    refused_each,
    select,
    submit,
    successes,
    text,
    visible,
)
from tests.conftest import key

PAGE = "pages/allocate.py"
D = Decimal


# --- filling in the forms -------------------------------------------------------------


def section(at, label: str):
    """Open one of the page's sections (tabs), as clicking its tab does."""
    at.session_state["allocate-section"] = label
    return at.run()


def allocate(at, amount: str, reason: str = "top up", programme: int | None = None):
    if at.session_state["allocate-section"] != "Allocate":
        section(at, "Allocate")
    if programme is not None:
        select(at, "Programme").set_value(programme)
    text(at, "Amount (£)").input(amount)
    text(at, "Reason").input(reason)
    return submit(at, "Allocate")


def commit(at, experiment: int, amount: str, counterparty="Youth Trust", reason="grant agreed"):
    section(at, "Commit")
    select(at, "Experiment").set_value(experiment)
    text(at, "Counterparty (who receives the money)").input(counterparty)
    at.text_input(key=form_key(at, "commit", "amount")).input(amount)
    at.text_input(key=form_key(at, "commit", "reason")).input(reason)
    return submit(at, "Commit")


def record(at, commitment: int, amount: str, kind="Payment", reason="invoice paid"):
    section(at, "Record a payment")
    at.radio[0].set_value(kind)
    select(at, "Commitment").set_value(commitment)
    at.text_input(key=form_key(at, "pay", "amount")).input(amount)
    at.text_input(key=form_key(at, "pay", "reason")).input(reason)
    return submit(at, "Record")


def reverse(at, entry: int, reason: str = "keyed in error", experiment: int | None = None):
    """Find entry #``entry`` in the programme's list (or an experiment's), select it, reverse it."""
    section(at, "Reverse")
    at.selectbox(key="reverse-programme").set_value(1).run()
    at.selectbox(key="reverse-experiment").set_value(experiment).run()
    row = list(entries_listed(at)).index(entry)
    at.session_state[f"reverse-entries-1-{experiment}"] = {
        "selection": {"rows": [row], "columns": [], "cells": []}
    }
    at.run()
    at.text_input(key=form_key(at, "reverse", "reason")).input(reason)
    return submit(at, "Reverse")


def entries_listed(at) -> list[int]:
    """The entry numbers the Reverse section lists, in order."""
    (table,) = [d.value for d in at.dataframe if "entry_id" in d.value.columns]
    return list(table["entry_id"])


def vire(at, source: int, target: int, amount: str, reason: str = "rebalance"):
    section(at, "Request a virement")
    select(at, "From programme").set_value(source)
    select(at, "To programme").set_value(target)
    at.text_input(key=form_key(at, "vire", "amount")).input(amount)
    at.text_input(key=form_key(at, "vire", "reason")).input(reason)
    return submit(at, "Request virement")


def upload_run(at, content: bytes, reason: str = "weekly run", name: str = "run.csv"):
    """Upload a payment-run file and give the run's reason; the page shows its preview."""
    if at.session_state["allocate-section"] != "Payment run":
        section(at, "Payment run")
    at.file_uploader[0].set_value((name, content, "text/csv"))
    at.text_input(key="run-reason").input(reason)
    return at.run()


def preview(at):
    """The payment run's preview: (payments, total), and its table of payments."""
    count, total = (m.value for m in at.metric)
    (table,) = [d.value for d in at.dataframe if "counterparty" in d.value.columns]
    return (count, total), table


def changed(at) -> list[tuple[str, str, str]]:
    """The 'what changed' table: (figure, before, after)."""
    (table,) = at.table
    shown = table.value
    return list(zip(shown["Figure"], shown["Before"], shown["After"], strict=True))


def entries(con, after: int = 0) -> list[tuple]:
    return con.execute(
        "SELECT entry_id, kind, amount, programme_id, commitment_id, reverses, virement_id,"
        " value_date, reason FROM ledger_entry WHERE entry_id > ? ORDER BY entry_id",
        [after],
    ).fetchall()


# --- allocate -------------------------------------------------------------------------


def test_a_valid_allocation_writes_one_allocation_entry_and_shows_what_changed(
    app, people, funded, con
):
    at = app(people.manager, PAGE)
    before = counts(con)

    allocate(at, "25,000.00", "second programme starts", programme=funded.other_programme_id)

    assert not errors(at)
    assert grew(before, counts(con)) == {"ledger_entry": 1, "audit_log": 1}
    assert entries(con, after=1) == [
        (
            2,
            "allocation",
            D("25000.00"),
            funded.other_programme_id,
            None,
            None,
            None,
            db.today(),
            "second programme starts",
        )
    ]
    assert successes(at) == ["£25,000.00 allocated to Financial inclusion (ledger entry #2)."]
    assert changed(at) == [
        ("Allocated", "£100,000.00", "£125,000.00"),
        ("Available", "£100,000.00", "£125,000.00"),
        ("Headroom", "£1,100,000.00", "£1,075,000.00"),
    ]


def test_an_allocation_keeps_the_value_date_chosen(app, people, funded, con):
    at = app(people.manager, PAGE)
    at.date_input[0].set_value(date(2025, 4, 1))

    allocate(at, "500.00", programme=funded.programme_id)

    assert successes(at) == ["£500.00 allocated to Young people into work (ledger entry #2)."]
    assert con.execute("SELECT value_date FROM ledger_entry WHERE entry_id = 2").fetchone() == (
        date(2025, 4, 1),
    )


def test_bad_allocations_name_the_field_and_write_nothing(app, people, funded, con):
    at = app(people.manager, PAGE)
    select(at, "Programme").set_value(funded.programme_id)

    refused_each(
        at,
        con,
        [
            (lambda at: allocate(at, "twenty pounds"), "amount", "must be a number of pounds"),
            (lambda at: allocate(at, "-50.00"), "amount", "must be more than £0.00"),
            (lambda at: allocate(at, "0"), "amount", "must be more than £0.00"),
            (lambda at: allocate(at, "10.005"), "amount", "at most two decimal places"),
            (lambda at: allocate(at, ""), "amount", "is required"),
            (lambda at: allocate(at, "NaN"), "amount", "must be a number of pounds"),
            (lambda at: allocate(at, "100.00", reason="   "), "reason", "is required"),
            (
                lambda at: allocate(at, "900,000.01"),
                "amount",
                "allocation £900,000.01 exceeds ring-fence 'Innovation Fund' unallocated £900,000.00",
            ),
        ],
    )


# --- commit ---------------------------------------------------------------------------


def test_a_commitment_within_the_delegated_limit_is_made_at_once(app, people, funded, con):
    grant = funded.experiments["small_grant"]
    at = app(people.manager, PAGE)
    before = counts(con)

    commit(at, grant, "10,000.00", counterparty="Youth Trust")

    assert not errors(at)
    assert grew(before, counts(con)) == {"commitment": 1, "ledger_entry": 1, "audit_log": 1}
    assert con.execute(
        "SELECT commitment_id, experiment_id, counterparty, approved_by FROM commitment"
    ).fetchall() == [(1, grant, "Youth Trust", None)]
    assert entries(con, after=1) == [
        (
            2,
            "commitment",
            D("10000.00"),
            funded.programme_id,
            1,
            None,
            None,
            db.today(),
            "grant agreed",
        )
    ]
    assert successes(at) == [
        "Committed £10,000.00 to Youth Trust for Trial of small_grant: commitment #1."
    ]
    assert changed(at) == [
        ("Committed", "£0.00", "£10,000.00"),
        ("Outstanding", "£0.00", "£10,000.00"),
        ("Available", "£100,000.00", "£90,000.00"),
    ]


def test_bad_commitments_name_the_field_and_write_nothing(app, people, funded, con):
    grant = funded.experiments["small_grant"]
    at = app(people.manager, PAGE)

    refused_each(
        at,
        con,
        [
            (lambda at: commit(at, grant, "lots"), "amount", "must be a number of pounds"),
            (lambda at: commit(at, grant, "-1.00"), "amount", "must be more than £0.00"),
            (lambda at: commit(at, grant, "1.999"), "amount", "at most two decimal places"),
            (
                lambda at: commit(at, grant, "100.00", counterparty=" "),
                "counterparty",
                "is required",
            ),
            (lambda at: commit(at, grant, "100.00", reason=""), "reason", "is required"),
            # Above the delegated limit too: the request is checked before it is parked.
            (
                lambda at: commit(at, grant, "100,000.01"),
                "amount",
                "commitment £100,000.01 exceeds programme 'Young people into work' available £100,000.00",
            ),
        ],
    )


def test_a_commitment_above_the_limit_waits_for_a_second_fund_manager(app, people, funded, con):
    grant = funded.experiments["small_grant"]
    at = app(people.manager, PAGE)
    before = counts(con)

    commit(at, grant, "25,000.00")

    assert not errors(at)
    assert grew(before, counts(con)) == {"approval_request": 1, "audit_log": 1}
    assert successes(at) == [
        "£25,000.00 to Youth Trust for Trial of small_grant is above the delegated limit of"
        " £10,000.00: it waits for a second fund manager as approval request #1."
    ]
    assert not at.table  # no figure moved
    assert con.execute(
        "SELECT kind, amount, experiment_id, counterparty FROM approval_request"
    ).fetchall() == [("commitment", D("25000.00"), grant, "Youth Trust")]

    # The requester sees the request, cannot approve it, and may withdraw it.
    section(at, "Approvals")
    assert at.button(key="approve-1").disabled
    assert at.button(key="reject-1").label == "Withdraw"
    assert any("another fund manager must approve it" in c.value for c in at.caption)

    # The second fund manager approves it: now the commitment and its entry are written.
    before = counts(con)
    second = section(app(people.second_manager, PAGE), "Approvals")
    assert not second.button(key="approve-1").disabled
    assert second.button(key="reject-1").label == "Reject"
    second.text_input(key="decide-reason-1").input("within programme budget")
    second.button(key="approve-1").click().run()

    assert not errors(second)
    assert grew(before, counts(con)) == {
        "approval_decision": 1,
        "commitment": 1,
        "ledger_entry": 1,
        "audit_log": 1,
    }
    assert successes(second) == [
        "Request #1 approved: commitment #1 of £25,000.00 to Youth Trust"
        " for Trial of small_grant is made."
    ]
    assert changed(second) == [
        ("Committed", "£0.00", "£25,000.00"),
        ("Outstanding", "£0.00", "£25,000.00"),
        ("Available", "£100,000.00", "£75,000.00"),
    ]
    assert con.execute("SELECT approved_by FROM commitment").fetchall() == [
        (people.second_manager.user_id,)
    ]
    assert entries(con, after=1)[0][:5] == (2, "commitment", D("25000.00"), funded.programme_id, 1)
    second.run()
    assert "Nothing is waiting for approval." in [i.value for i in second.info]
    assert not [b for b in second.button if b.key == "approve-1"]


def test_a_decision_needs_a_reason_and_a_withdrawal_moves_no_money(app, people, funded, con):
    ledger.commit(
        con,
        people.manager,
        experiment_id=funded.experiments["small_grant"],
        amount="25000.00",
        counterparty="Youth Trust",
        reason="big grant",
        key=key(),
    )
    at = section(app(people.manager, PAGE), "Approvals")
    before = counts(con)

    at.button(key="reject-1").click().run()
    assert [e.split(":")[0] for e in errors(at)] == ["reason"]
    assert grew(before, counts(con)) == {}

    at.text_input(key="decide-reason-1").input("asked for too much")
    at.button(key="reject-1").click().run()

    assert successes(at) == ["Request #1 withdrawn: no money moved."]
    assert grew(before, counts(con)) == {"approval_decision": 1, "audit_log": 1}
    assert con.execute("SELECT approved FROM approval_decision").fetchall() == [(False,)]
    at.run()
    assert "Nothing is waiting for approval." in [i.value for i in at.info]


# --- payments and the other movements against a commitment ----------------------------


def test_a_payment_within_the_commitment_writes_a_disbursement(app, people, committed, con):
    at = app(people.manager, PAGE)
    before = counts(con)

    record(at, 1, "3,000.00")

    assert not errors(at)
    assert grew(before, counts(con)) == {"ledger_entry": 1, "audit_log": 1}
    assert entries(con, after=2) == [
        (
            3,
            "disbursement",
            D("3000.00"),
            committed.programme_id,
            1,
            None,
            None,
            db.today(),
            "invoice paid",
        )
    ]
    assert successes(at) == ["Payment of £3,000.00 recorded on commitment #1 (ledger entry #3)."]
    assert changed(at) == [
        ("Paid", "£0.00", "£3,000.00"),
        ("Outstanding", "£8,000.00", "£5,000.00"),
    ]


def test_bad_payments_name_the_field_and_write_nothing(app, people, committed, con):
    at = app(people.manager, PAGE)

    refused_each(
        at,
        con,
        [
            (lambda at: record(at, 1, "3k"), "amount", "must be a number of pounds"),
            (lambda at: record(at, 1, "-3000"), "amount", "must be more than £0.00"),
            (lambda at: record(at, 1, "0.001"), "amount", "at most two decimal places"),
            (lambda at: record(at, 1, "100.00", reason="\t"), "reason", "is required"),
            (
                lambda at: record(at, 1, "8,000.01"),
                "amount",
                "payment £8,000.01 exceeds commitment #1 unpaid £8,000.00",
            ),
            (
                lambda at: record(at, 1, "0.01", kind="Recovery (clawback or repayment)"),
                "amount",
                "recovery £0.01 exceeds commitment #1 paid and not yet recovered £0.00",
            ),
        ],
    )


def test_recoveries_write_offs_and_decommitments_post_their_own_kind(app, people, committed, con):
    ledger.pay(con, people.manager, commitment_id=1, amount="3000.00", reason="paid", key=key())
    at = app(people.manager, PAGE)

    for kind, amount, posted in [
        ("Recovery (clawback or repayment)", "500.00", ("recovery", D("500.00"))),
        ("Write-off", "200.00", ("write_off", D("200.00"))),
        ("Decommitment (release unspent)", "1,000.00", ("decommitment", D("-1000.00"))),
    ]:
        before = counts(con)
        record(at, 1, amount, kind=kind)
        assert not errors(at), kind
        assert grew(before, counts(con)) == {"ledger_entry": 1, "audit_log": 1}, kind
        (last,) = con.execute(
            "SELECT kind, amount, commitment_id FROM ledger_entry ORDER BY entry_id DESC LIMIT 1"
        ).fetchall()
        assert last == (*posted, 1), kind

    assert changed(at) == [
        ("Committed", "£8,000.00", "£7,000.00"),
        ("Outstanding", "£5,000.00", "£4,000.00"),
        ("Available", "£92,000.00", "£93,000.00"),
    ]


# --- payment runs ---------------------------------------------------------------------

RUN = (
    b"commitment_id,amount,value_date,reason\r\n"
    b'1,"1,000.00",2025-06-30,first instalment\r\n'
    b"2,250.50,,\r\n"
    b"1,2500.00,2025-07-31,second instalment\r\n"
)


@pytest.fixture
def two_commitments(con, people, committed):
    """Commitments #1 (£8,000.00, Youth Trust) and #2 (£2,000.00, Parks Trust; entry #3)."""
    ledger.commit(
        con,
        people.manager,
        experiment_id=committed.experiments["social_venture"],
        amount="2000.00",
        counterparty="Parks Trust",
        reason="second grant",
        key=key(),
    )
    return committed


def test_a_payment_run_shows_its_payments_then_posts_every_one(app, people, two_commitments, con):
    at = section(app(people.manager, PAGE), "Payment run")
    assert at.file_uploader[0].label == "Payment run (CSV)"
    before = counts(con)

    upload_run(at, RUN, reason="weekly run")

    assert not errors(at)
    figures, table = preview(at)
    assert figures == ("3", "£3,750.50")
    assert table.to_dict("list") == {
        "commitment_id": [1, 2, 1],
        "counterparty": ["Youth Trust", "Parks Trust", "Youth Trust"],
        "amount": [D("1000.00"), D("250.50"), D("2500.00")],
        "value_date": [date(2025, 6, 30), db.today(), date(2025, 7, 31)],
        "reason": ["first instalment", "weekly run", "second instalment"],
    }
    assert grew(before, counts(con)) == {}  # the preview writes nothing

    submit(at, "Post 3 payments")

    assert not errors(at)
    assert grew(before, counts(con)) == {"ledger_entry": 3, "audit_log": 3}
    assert entries(con, after=3) == [
        (4, "disbursement", D("1000.00"), two_commitments.programme_id, 1, None, None,
         date(2025, 6, 30), "first instalment"),
        (5, "disbursement", D("250.50"), two_commitments.programme_id, 2, None, None,
         db.today(), "weekly run"),
        (6, "disbursement", D("2500.00"), two_commitments.programme_id, 1, None, None,
         date(2025, 7, 31), "second instalment"),
    ]  # fmt: skip
    assert portfolio.headline(con, people.manager).paid == D("3750.50")
    assert successes(at) == ["Posted 3 payments totalling £3,750.50 (ledger entries #4–#6)."]
    assert changed(at) == [
        ("Paid", "£0.00", "£3,750.50"),
        ("Outstanding", "£10,000.00", "£6,249.50"),
    ]


def test_posting_the_same_run_again_writes_it_once(app, people, committed, con):
    at = app(people.manager, PAGE)
    upload_run(at, b"commitment_id,amount\n1,100.00\n1,200.00\n")
    before = counts(con)

    submit(at, "Post 2 payments")
    assert successes(at) == ["Posted 2 payments totalling £300.00 (ledger entries #3–#4)."]
    at.run()  # the page as it stands after the write: the file is still there
    assert not successes(at)
    submit(at, "Post 2 payments")

    assert successes(at) == [
        "Posted 0 of 2 payments; 2 had already been posted with their keys,"
        " so were not written again."
    ]
    assert not at.table  # no figure moved
    assert grew(before, counts(con)) == {"ledger_entry": 2, "audit_log": 2}
    assert portfolio.headline(con, people.manager).paid == D("300.00")


def test_a_payment_run_waits_for_its_reason(app, people, committed, con):
    at = app(people.manager, PAGE)

    upload_run(at, b"commitment_id,amount\n1,100.00\n", reason="  ")

    assert "Give the reason to check the payments and post them." in [i.value for i in at.info]
    assert not at.metric
    assert not [b for b in at.button if b.label.startswith("Post")]


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (
            b"commitment_id,amount\n1,100.00\n1,12.345\n",
            "row 2: amount: must have at most two decimal places",
        ),
        (b"commitment_id,amount\n1,100.00\none,5.00\n", "row 2: commitment: must be a number"),
        (
            b"commitment_id,amount,value_date\n1,100.00,\n1,5.00,2099-01-01\n",
            "row 2: value date: ",
        ),
        (b"commitment,amount\n1,100.00\n", "file: needs the columns commitment_id, amount"),
        (b"commitment_id,amount\n", "payments: a payment run needs at least one payment"),
        (b"commitment_id,amount\n1,\xa3100.00\n", "file: must be text in UTF-8"),
    ],
)
def test_a_file_the_run_cannot_read_is_refused_before_any_preview(
    app, people, committed, con, content, says
):
    at = app(people.manager, PAGE)
    before = counts(con)

    upload_run(at, content)

    assert not at.exception
    (shown,) = errors(at)
    assert shown.startswith(says), shown
    assert not at.metric
    assert not [b for b in at.button if b.label.startswith("Post")]
    assert grew(before, counts(con)) == {}


def test_a_run_with_one_payment_the_rules_refuse_writes_none(app, people, committed, con):
    at = app(people.manager, PAGE)
    upload_run(at, b"commitment_id,amount\n1,5000.00\n1,3000.01\n1,10.00\n")
    before = counts(con)

    submit(at, "Post 3 payments")

    assert errors(at) == ["row 2: amount: payment £3,000.01 exceeds commitment #1 unpaid £3,000.00"]
    assert not successes(at)
    assert grew(before, counts(con)) == {}
    assert portfolio.headline(con, people.manager).paid == D("0.00")


# --- reversal -------------------------------------------------------------------------


def test_a_reversal_writes_the_negated_entry_once(app, people, committed, con):
    at = app(people.manager, PAGE)
    before = counts(con)

    reverse(at, 2, experiment=committed.experiments["small_grant"])

    assert not errors(at)
    assert grew(before, counts(con)) == {"ledger_entry": 1, "audit_log": 1}
    assert entries(con, after=2) == [
        (
            3,
            "commitment",
            D("-8000.00"),
            committed.programme_id,
            1,
            2,
            None,
            db.today(),
            "keyed in error",
        )
    ]
    assert successes(at) == ["Entry #2 (commitment, £8,000.00) reversed by entry #3."]
    assert changed(at) == [
        ("Committed", "£8,000.00", "£0.00"),
        ("Outstanding", "£8,000.00", "£0.00"),
        ("Available", "£92,000.00", "£100,000.00"),
    ]


def test_bad_reversals_name_the_field_and_write_nothing(app, people, committed, con):
    ledger.reverse(con, people.manager, entry_id=2, reason="wrong grant", key=key())  # entry #3
    at = app(people.manager, PAGE)

    refused_each(
        at,
        con,
        [
            (lambda at: reverse(at, 2), "entry", "already reversed by entry #3"),
            (lambda at: reverse(at, 3), "entry", "is itself a reversal"),
            (lambda at: reverse(at, 1, reason=""), "reason", "is required"),
        ],
    )


def test_reversing_an_allocation_with_money_committed_against_it_is_refused(
    app, people, committed, con
):
    at = app(people.manager, PAGE)
    before = counts(con)

    reverse(at, 1)

    assert errors(at) == [
        "amount: reversal of entry #1 (allocation) £100,000.00 exceeds programme "
        "'Young people into work' available £92,000.00"
    ]
    assert grew(before, counts(con)) == {}


# --- virements ------------------------------------------------------------------------


def test_a_virement_is_requested_then_posted_as_two_legs_on_approval(app, people, funded, con):
    at = app(people.manager, PAGE)
    before = counts(con)

    vire(at, funded.programme_id, funded.other_programme_id, "10,000.00")

    assert not errors(at)
    assert grew(before, counts(con)) == {"approval_request": 1, "audit_log": 1}
    assert successes(at) == [
        "Virement of £10,000.00 requested: it waits for a second fund manager"
        " as approval request #1."
    ]

    second = section(app(people.second_manager, PAGE), "Approvals")
    second.text_input(key="decide-reason-1").input("agreed at programme board")
    second.button(key="approve-1").click().run()

    assert not errors(second)
    assert grew(before, counts(con)) == {
        "approval_request": 1,
        "approval_decision": 1,
        "ledger_entry": 2,
        "audit_log": 2,
    }
    assert [e[:7] for e in entries(con, after=1)] == [
        (2, "virement", D("-10000.00"), funded.programme_id, None, None, 1),
        (3, "virement", D("10000.00"), funded.other_programme_id, None, None, 1),
    ]
    assert successes(second) == ["Request #1 approved: the virement of £10,000.00 is posted."]
    assert not second.table  # the total allocated did not move


def test_bad_virements_name_the_field_and_write_nothing(app, people, funded, con):
    here, there = funded.programme_id, funded.other_programme_id
    at = app(people.manager, PAGE)

    refused_each(
        at,
        con,
        [
            (lambda at: vire(at, here, there, "a lot"), "amount", "must be a number of pounds"),
            (lambda at: vire(at, here, there, "-10"), "amount", "must be more than £0.00"),
            (lambda at: vire(at, here, there, "10.101"), "amount", "at most two decimal places"),
            (lambda at: vire(at, here, there, "10.00", reason=""), "reason", "is required"),
            (lambda at: vire(at, here, here, "10.00"), "to programme", "must differ"),
            (
                lambda at: vire(at, here, there, "100,000.01"),
                "amount",
                "virement £100,000.01 exceeds programme 'Young people into work' available £100,000.00",
            ),
        ],
    )


# --- one write per submission ---------------------------------------------------------


def test_a_refused_submission_writes_nothing_and_the_corrected_one_writes_once(
    app, people, funded, con
):
    at = app(people.manager, PAGE)
    select(at, "Programme").set_value(funded.programme_id)
    before = counts(con)

    allocate(at, "1.001")
    allocate(at, "1.001")  # the same failing submission again
    assert grew(before, counts(con)) == {}

    allocate(at, "1.00")

    assert successes(at) == ["£1.00 allocated to Young people into work (ledger entry #2)."]
    assert grew(before, counts(con)) == {"ledger_entry": 1, "audit_log": 1}


def test_the_same_submission_again_writes_once_and_says_so(app, people, funded, con):
    """A double click, a resubmitted page or a second press of an unchanged form carries the
    same idempotency key: the first writes, the others are told it was already done."""
    at = app(people.manager, PAGE)
    select(at, "Programme").set_value(funded.programme_id)
    before = counts(con)

    allocate(at, "750.00")  # a success empties the form
    assert successes(at) == ["£750.00 allocated to Young people into work (ledger entry #2)."]
    allocate(at, "750.00", programme=funded.programme_id)

    assert successes(at) == [
        "Already done: this exact request was made before (ledger entry #2); "
        "nothing new was written."
    ]
    assert not at.table
    assert grew(before, counts(con)) == {"ledger_entry": 1, "audit_log": 1}


def test_pressing_allocate_twice_without_a_change_writes_once(app, people, funded, con):
    at = app(people.manager, PAGE)
    before = counts(con)

    allocate(at, "5,000.00", programme=funded.programme_id)
    submit(at, "Allocate")

    assert grew(before, counts(con)) == {"ledger_entry": 1, "audit_log": 1}


def test_a_new_commitment_can_be_paid_straight_away(app, people, funded, con):
    at = app(people.manager, PAGE)

    commit(at, funded.experiments["small_grant"], "5,000.00")
    assert successes(at) == [
        "Committed £5,000.00 to Youth Trust for Trial of small_grant: commitment #1."
    ]

    section(at, "Record a payment")
    assert "#1 · Trial of small_grant → Youth Trust" in select(at, "Commitment").options


# --- who may use the page ---------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.BOARD_MEMBER, Role.ADMIN])
def test_roles_without_the_allocate_permission_see_only_not_permitted(app, people, funded, role):
    at = app(people.by_role()[role], PAGE)

    assert not at.exception
    assert visible(at) == ["error"]
    assert not at.file_uploader
    (message,) = errors(at)
    assert message.startswith("Not permitted:")
    assert message.endswith("cannot allocate money to programmes.")


# --- what the person sees after a write -----------------------------------------------


def test_a_refusal_after_a_success_shows_in_the_section_the_person_is_using(
    app, people, committed, con
):
    """Bug: after a success the page went back to its first tab, so the next refusal was
    written into a tab out of sight. The section stays open; the refusal is under its form
    and every field keeps what was typed."""
    at = app(people.manager, PAGE)
    record(at, 1, "400.00")
    assert successes(at) == ["Payment of £400.00 recorded on commitment #1 (ledger entry #3)."]
    assert at.session_state["allocate-section"] == "Record a payment"
    assert (
        at.text_input(key=form_key(at, "pay", "amount")).value == ""
    )  # a success empties the form

    before = counts(con)
    record(at, 1, "10,000.00")

    assert at.session_state["allocate-section"] == "Record a payment"
    assert errors(at) == ["amount: payment £10,000.00 exceeds commitment #1 unpaid £7,600.00"]
    assert not successes(at)
    assert at.text_input(key=form_key(at, "pay", "amount")).value == "10,000.00"
    assert at.text_input(key=form_key(at, "pay", "reason")).value == "invoice paid"
    assert grew(before, counts(con)) == {}


def test_the_commit_form_shows_the_delegated_limit(app, people, funded):
    at = section(app(people.manager, PAGE), "Commit")

    (caption,) = [c.value for c in at.caption if "Delegated limit" in c.value]
    assert "£10,000.00" in caption


def test_the_approvals_section_counts_the_requests_and_reads_each_as_a_card(
    app, people, funded, con
):
    ledger.request_virement(
        con,
        people.manager,
        amount="20000.00",
        from_programme_id=funded.programme_id,
        to_programme_id=funded.other_programme_id,
        reason="rebalance",
        key=key(),
    )
    at = section(app(people.second_manager, PAGE), "Approvals")

    shown = [m.value.replace("\\", "") for m in at.markdown]  # as read: escapes removed
    assert "**1 request waiting for a second fund manager.**" in shown
    assert any(
        "Request #1: virement of £20,000.00 from Young people into work to" in m for m in shown
    )
    assert any(
        "Asked by Mo Manager (manager)" in t.value and "Why: rebalance" in t.value for t in at.text
    )
