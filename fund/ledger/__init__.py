"""The ledger: every money movement of the fund, append-only, checked as it is written."""

from fund.ledger.approvals import decide, pending, request_virement
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
    "allocate",
    "commit",
    "decide",
    "decommit",
    "pay",
    "pending",
    "recover",
    "request_virement",
    "reverse",
    "value_date",
    "write_off",
]
