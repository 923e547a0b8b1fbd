"""Allocate: move money from the ring-fence to programmes, commitments and payments."""

import streamlit as st

from fund import db, ledger, portfolio, register
from fund.auth import Permission
from fund.ledger import queries
from ui import approval_queue, format, payment_run, session

user = session.guard(Permission.ALLOCATE)
con = session.cursor()
today = db.today()

st.title("Allocate")
programmes = register.programmes(con, user)
listing = register.experiment_choices(con, user)
commitments = queries.commitments(con, user)
pending = ledger.pending(con, user)

# Filled at the end of the script, so that it shows the figures after any write below.
standing = st.expander("Where the money stands", expanded=True)

allocate, commit, pay, run, reverse, vire, approvals = st.tabs(
    [
        "Allocate",
        "Commit",
        "Record a payment",
        "Payment run",
        "Reverse",
        "Request a virement",
        "Approvals",
    ]
)


programme_name = dict(zip(programmes["programme_id"], programmes["programme"], strict=True)).get
experiment_name = dict(zip(listing["experiment_id"], listing["label"], strict=True)).get
commitment_name = dict(zip(commitments["commitment_id"], commitments["label"], strict=True)).get
counterparty_of = dict(
    zip(commitments["commitment_id"], commitments["counterparty"], strict=True)
).get

with allocate.form("allocate", clear_on_submit=False):
    st.caption("From the programme's ring-fence to the programme.")
    programme = st.selectbox("Programme", programmes["programme_id"], format_func=programme_name)
    amount = st.text_input("Amount (£)", placeholder="e.g. 25,000.00")
    on = st.date_input("Value date", value=today, max_value=today, format="DD/MM/YYYY")
    reason = st.text_input("Reason")
    submitted = st.form_submit_button("Allocate", type="primary")
if submitted:
    with allocate:
        session.write(
            "allocate", ledger.allocate, programme_id=programme, amount=amount, reason=reason, on=on
        )

with commit.form("commit"):
    st.caption(
        "An award, contract or investment. Above the ring-fence's delegated limit it waits for a second fund manager."
    )
    experiment = st.selectbox(
        "Experiment",
        listing["experiment_id"],
        format_func=experiment_name,
    )
    counterparty = st.text_input("Counterparty (who receives the money)")
    amount = st.text_input("Amount (£)", key="commit-amount")
    on = st.date_input(
        "Value date", value=today, max_value=today, key="commit-date", format="DD/MM/YYYY"
    )
    reason = st.text_input("Reason", key="commit-reason")
    submitted = st.form_submit_button("Commit", type="primary")
if submitted:
    with commit:
        session.write(
            "commit",
            ledger.commit,
            experiment_id=experiment,
            amount=amount,
            counterparty=counterparty,
            reason=reason,
            on=on,
        )

with pay.form("pay"):
    kinds = {
        "Payment": ledger.pay,
        "Recovery (clawback or repayment)": ledger.recover,
        "Write-off": ledger.write_off,
        "Decommitment (release unspent)": ledger.decommit,
    }
    kind = st.radio("What happened", list(kinds), horizontal=True)
    chosen = st.selectbox(
        "Commitment",
        commitments["commitment_id"],
        format_func=commitment_name,
    )
    amount = st.text_input("Amount (£)", key="pay-amount")
    on = st.date_input(
        "Value date", value=today, max_value=today, key="pay-date", format="DD/MM/YYYY"
    )
    reason = st.text_input("Reason", key="pay-reason")
    submitted = st.form_submit_button("Record", type="primary")
if submitted:
    with pay:
        session.write("pay", kinds[kind], commitment_id=chosen, amount=amount, reason=reason, on=on)

with run:
    payment_run.section(counterparty_of)

with reverse.form("reverse"):
    st.caption(
        "A correction posts the opposite entry, dated today; the original stays on the record."
    )
    entry = st.text_input("Entry # to reverse")
    reason = st.text_input("Reason", key="reverse-reason")
    submitted = st.form_submit_button("Reverse", type="primary")
if submitted:
    with reverse:
        session.write("reverse", ledger.reverse, entry_id=entry, reason=reason)

with vire.form("vire"):
    st.caption(
        "Moves allocation between two programmes of one ring-fence. A second fund manager must approve it."
    )
    source = st.selectbox("From programme", programmes["programme_id"], format_func=programme_name)
    target = st.selectbox(
        "To programme",
        programmes["programme_id"],
        index=min(1, len(programmes) - 1),
        format_func=programme_name,
    )
    amount = st.text_input("Amount (£)", key="vire-amount")
    reason = st.text_input("Reason", key="vire-reason")
    submitted = st.form_submit_button("Request virement", type="primary")
if submitted:
    with vire:
        session.write(
            "vire",
            ledger.request_virement,
            from_programme_id=source,
            to_programme_id=target,
            amount=amount,
            reason=reason,
        )

with approvals:
    approval_queue.show(pending, user)

with standing:
    ringfences = portfolio.position(con, user, portfolio.Dimension.RINGFENCE)
    format.table(
        ringfences[["ringfence", "ring_fence", "allocated", "headroom", "committed", "paid"]]
    )
    by_programme = portfolio.position(con, user, portfolio.Dimension.PROGRAMME)
    format.table(by_programme[["programme", "allocated", "committed", "available", "paid"]])
