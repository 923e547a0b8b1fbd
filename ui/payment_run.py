"""The payment run section of the Allocate page: upload a CSV file, check it, post it."""

import streamlit as st

from fund.auth import User
from fund.ledger import payment_run, queries
from fund.money import format_gbp
from ui import format, forms, session


def section(user: User) -> None:
    """Upload a CSV of payments, check what it holds, then post it as one run."""
    forms.show_outcome("pay-run")
    st.caption(
        "A CSV file in UTF-8 (in Excel, *CSV UTF-8*) with the columns `commitment_id`, `amount`"
        " and, optionally, `value_date` (YYYY-MM-DD, default today) and `reason` (default: the"
        " reason below), each once and no others. Every row that cannot be read is named at"
        " once. The run posts every payment or none."
    )
    uploaded = st.file_uploader("Payment run (CSV)", type="csv")
    reason = st.text_input(
        "Reason", key="run-reason", help="Recorded with every payment whose row gives none."
    )
    if uploaded is None:
        return
    if not reason.strip():
        st.info("Give the reason to check the payments and post them.")
        return
    text = uploaded.getvalue()
    submission = {"text": text, "reason": reason}
    key = session.form_key("pay-run", submission)
    payments = session.attempt(payment_run.read_csv, text, reason=reason, key=key)
    if payments is None:
        return
    count, total = st.columns(2)
    count.metric("Payments", f"{len(payments):,}")
    total.metric("Total", format_gbp(payment_run.total(payments)))
    preview = payment_run.table(payments)
    commitments = queries.commitments(session.cursor(), user)
    counterparty_of = dict(
        zip(commitments["commitment_id"], commitments["counterparty"], strict=True)
    ).get
    preview.insert(1, "counterparty", preview["commitment_id"].map(counterparty_of))
    format.table(preview)
    if st.button(f"Post {format.count(len(payments), 'payment')}", type="primary"):
        forms.write(
            "pay-run",
            payment_run.pay_csv,
            said=lambda written: payment_run.said(payments, written),
            **submission,
        )
