"""The ledger: every money movement of the fund, append-only, checked as it is written."""

from fund.ledger.approvals import decide, pending, request_virement
from fund.ledger.payment_run import Payment, pay_run
from fund.ledger.rules import Kind
from fund.ledger.service import (
    allocate,
    commit,
    decommit,
    pay,
    recover,
    reverse,
    value_date,
    write_off,
)

__all__ = [
    "Kind",
    "Payment",
    "allocate",
    "commit",
    "decide",
    "decommit",
    "pay",
    "pay_run",
    "pending",
    "recover",
    "request_virement",
    "reverse",
    "value_date",
    "write_off",
]
