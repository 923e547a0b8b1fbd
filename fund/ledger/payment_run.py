"""A payment run: many disbursements posted as one all-or-nothing transaction.

A fund pays its grants in runs (a weekly file of instalments for the bank). Each payment in
a run is exactly what :func:`fund.ledger.pay` records: its own idempotency key, ledger entry
and audit row, judged by the same rules in the same order, so either one's key replays the
other. The run reads balances, checks keys and appends rows set-based, so hundreds of
payments post in about the time of a few single ones. A run is written whole or not at
all: any refused payment refuses the run, and the refusal names every bad row.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

import duckdb
import pandas as pd
import pyarrow as pa

from fund import db, register
from fund.audit import canonical_text
from fund.auth import User
from fund.errors import NotFound, ValidationError
from fund.ledger import posting
from fund.ledger.rules import Attempt, Balances, Movement, after, breaches
from fund.ledger.service import AGAINST_COMMITMENT, against_commitment_request, value_date
from fund.money import ZERO, format_gbp, to_money
from fund.unit_of_work import (
    MAX_KEY_LENGTH,
    MAX_REASON_LENGTH,
    Step,
    Written,
    each_row,
    perform_run,
    required_text,
)

MAX_PAYMENTS = 10_000
COLUMNS = ("commitment_id", "amount", "value_date", "reason")
REQUIRED_COLUMNS = ("commitment_id", "amount")
_KIND, _SIGN, _LABEL, _PERMISSION = AGAINST_COMMITMENT["pay"]
MONEY_DTYPE = pd.ArrowDtype(pa.decimal128(18, 2))  # as the ledger's DECIMAL(18,2) reads back


@dataclass(frozen=True, kw_only=True)
class Payment:
    """One payment of a run, checked and normalised by :func:`payment`."""

    commitment_id: int
    amount: Decimal
    value_date: date
    reason: str
    key: str


def payment(*, commitment_id: object, amount: object, on: object, reason: str, key: str) -> Payment:
    """A payment as given (text from a file or a form); a refusal names the field."""
    return Payment(
        commitment_id=register.parse_id(commitment_id, "commitment"),
        amount=to_money(amount, "amount"),
        value_date=value_date(on),
        reason=required_text(reason, "reason", max_length=MAX_REASON_LENGTH),
        key=required_text(key, "idempotency key", max_length=MAX_KEY_LENGTH),
    )


def read_csv(data: str | bytes, *, reason: str, key: str) -> list[Payment]:
    """The payments of a CSV file (text, or UTF-8 bytes as uploaded) with columns
    commitment_id, amount and, optionally, value_date (default today) and reason (default
    ``reason``).

    Payment n gets the idempotency key ``<key>/<n>``, so posting the same file again with
    the same key writes nothing twice. Rows are counted from 1, after the header.
    """
    key = required_text(key, "idempotency key", max_length=MAX_KEY_LENGTH - 6)
    reader = csv.DictReader(io.StringIO(_text(data).lstrip("\ufeff")))
    header = [name.strip() for name in reader.fieldnames or []]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        raise ValidationError(
            "file",
            f"needs the columns {', '.join(REQUIRED_COLUMNS)}"
            f" (optional: {', '.join(c for c in COLUMNS if c not in REQUIRED_COLUMNS)});"
            f" missing {', '.join(missing)}",
        )
    reader.fieldnames = header
    rows = enumerate(reader, start=1)
    payments = each_row(
        lambda item: _from_csv(*item, reason=reason, key=key), ((n, (n, row)) for n, row in rows)
    )
    _within_size(payments)
    return payments


def _text(data: str | bytes) -> str:
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationError(
            "file", "must be text in UTF-8 (in Excel, save it as 'CSV UTF-8')"
        ) from None


def _from_csv(n: int, row: dict[str, str], *, reason: str, key: str) -> Payment:
    extra = row.get(None)  # DictReader gathers values beyond the header's columns here
    if extra:
        raise ValidationError("columns", f"the row has {len(extra)} more value(s) than the header")
    return payment(
        commitment_id=row["commitment_id"],
        amount=row["amount"],
        on=row.get("value_date"),
        reason=row.get("reason") or reason,
        key=f"{key}/{n}",
    )


def table(payments: list[Payment]) -> pd.DataFrame:
    """The payments as a table to check before posting, money as exact decimals."""
    return pd.DataFrame(
        {
            "commitment_id": [p.commitment_id for p in payments],
            "amount": pd.array([p.amount for p in payments], dtype=MONEY_DTYPE),
            "value_date": [p.value_date for p in payments],
            "reason": [p.reason for p in payments],
        }
    )


def total(payments: list[Payment]) -> Decimal:
    """What the run pays out in all."""
    return sum((p.amount for p in payments), ZERO)


def said(payments: list[Payment], written: list[Written]) -> str:
    """What a posted run did, in one sentence for people (the app and the CLI both say it)."""
    new = [w.entity_id for w in written if not w.replayed]
    replayed = len(written) - len(new)
    parts = [
        f"Posted {len(new):,} of {len(payments):,} payments"
        if replayed
        else f"Posted {len(payments):,} payment{'s' if len(payments) != 1 else ''}",
        f" totalling {format_gbp(total(payments))}" if not replayed else "",
    ]
    if new:
        span = f"#{min(new)}" if len(new) == 1 else f"#{min(new)}–#{max(new)}"
        parts.append(f" (ledger entr{'y' if len(new) == 1 else 'ies'} {span})")
    if replayed:
        parts.append(
            f"; {replayed:,} had already been posted with their keys, so were not written again"
        )
    return "".join(parts) + "."


def pay_run(con: duckdb.DuckDBPyConnection, actor: User, payments: list[Payment]) -> list[Written]:
    """Post every payment, or none: one transaction, one audit row and entry per payment."""
    _within_size(payments)
    requests = [
        against_commitment_request("pay", p.commitment_id, p.amount, p.value_date, p.reason, p.key)
        for p in payments
    ]

    def change(steps: list[tuple[int, Step]]) -> list[tuple[str, int]]:
        books = posting.booked_for_payments(
            con, sorted({payments[i].commitment_id for i, _ in steps})
        )
        movements = each_row(lambda p: _allowed(p, books), [(i + 1, payments[i]) for i, _ in steps])
        ids = posting.next_entry_ids(con, len(steps))
        rows = []
        for entry_id, (i, step), movement in zip(ids, steps, movements, strict=True):
            fields = posting.entry_fields(step, movement, payments[i].value_date)
            rows.append([entry_id, step.seq, *fields])
            step.entry_texts.append(canonical_text([entry_id, *fields]))
        db.insert_all(con, "ledger_entry", posting.ENTRY_COLUMNS, rows)
        return [("ledger entry", entry_id) for entry_id in ids]

    return perform_run(con, actor, _PERMISSION, requests, change)


def pay_csv(
    con: duckdb.DuckDBPyConnection, actor: User, *, text: str | bytes, reason: str, key: str
) -> list[Written]:
    """Read a CSV payment run (see :func:`read_csv`) and post it, as a form submits it."""
    return pay_run(con, actor, read_csv(text, reason=reason, key=key))


def _allowed(payment: Payment, books: dict[int, posting.Booked]) -> Movement:
    """The payment's movement, once the rules allow it after the run's earlier payments
    (whose effect is carried forward in ``books``)."""
    found = books.get(payment.commitment_id)
    if found is None:
        raise NotFound("commitment", "commitment", payment.commitment_id)
    movement = Movement(
        kind=_KIND,
        ringfence_id=found.ringfence_id,
        programme_id=found.programme_id,
        commitment_id=payment.commitment_id,
        amount=_SIGN * payment.amount,
    )
    before = Balances(commitments=(found.state,))
    refused = breaches(before, [movement], Attempt(label=_LABEL, amount=payment.amount))
    if refused:
        raise refused[0]
    (state,) = after(before, [movement]).commitments
    books[payment.commitment_id] = replace(found, state=state)
    return movement


def _within_size(payments: list[Payment]) -> None:
    if not payments:
        raise ValidationError("payments", "a payment run needs at least one payment")
    if len(payments) > MAX_PAYMENTS:
        raise ValidationError(
            "payments",
            f"a payment run holds at most {MAX_PAYMENTS:,} payments, not {len(payments):,}",
        )
