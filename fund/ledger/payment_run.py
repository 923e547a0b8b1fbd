"""A payment run: many disbursements posted as one all-or-nothing transaction.

A fund pays its grants in runs (a weekly file of instalments for the bank). Each payment in
a run is exactly what :func:`fund.ledger.pay` records: its own idempotency key, ledger entry
and audit row, judged by the same rules in the same order, so either one's key replays the
other. The run reads balances, checks keys and appends rows set-based, so hundreds of
payments post in about the time of a few single ones. A run is written whole or not at
all: any refused payment refuses the run, and the refusal names every bad row.

A run's file is read strictly: UTF-8 only, each allowed column at most once and no others
(a near miss is named with the column it was probably meant to be), amounts and ids in the
digits 0-9. Every bad row is reported in one pass, those that cannot be read together with
those the rules refuse, in row order.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

import duckdb
import pandas as pd
import pyarrow as pa

from fund import register
from fund.auth import User
from fund.errors import NotFound, RingfenceError, RowRefused, RowsRefused, ValidationError
from fund.ledger import posting
from fund.ledger.rules import Attempt, Balances, Movement, after, broken
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
_NEEDS = (
    f"needs the columns {', '.join(REQUIRED_COLUMNS)}"
    f" (optional: {', '.join(c for c in COLUMNS if c not in REQUIRED_COLUMNS)}), each once"
)
# Byte-order marks of the encodings a spreadsheet may save as; UTF-32-LE's begins with
# UTF-16-LE's, so it is looked for first.
_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)


@dataclass(frozen=True, kw_only=True)
class Payment:
    """One payment of a run, checked and normalised by :func:`payment`."""

    commitment_id: int
    amount: Decimal
    value_date: date
    reason: str
    key: str
    row: int | None = None  # the row of the file it came from (its place in the run if None)


@dataclass(frozen=True)
class ReadRun:
    """A run's file as read: the payments of the rows that could be read, and a refusal for
    every row that could not (both naming rows counted from 1, after the header)."""

    payments: tuple[Payment, ...]
    refused: tuple[RowRefused, ...]


def payment(
    *,
    commitment_id: object,
    amount: object,
    on: object,
    reason: str,
    key: str,
    row: int | None = None,
) -> Payment:
    """A payment as given (text from a file or a form); a refusal names the field."""
    return Payment(
        commitment_id=register.parse_id(commitment_id, "commitment"),
        amount=to_money(amount, "amount"),
        value_date=value_date(on),
        reason=required_text(reason, "reason", max_length=MAX_REASON_LENGTH),
        key=required_text(key, "idempotency key", max_length=MAX_KEY_LENGTH),
        row=row,
    )


def read_csv(data: str | bytes, *, reason: str, key: str) -> list[Payment]:
    """The payments of a CSV file, read as :func:`read_run` reads it; refused (naming every
    bad row) if any row cannot be read. The app previews a run with it."""
    run = read_run(data, reason=reason, key=key)
    if run.refused:
        raise RowsRefused(run.refused)
    return list(run.payments)


def read_run(data: str | bytes, *, reason: str, key: str) -> ReadRun:
    """Every row of a CSV file (text, or the bytes as uploaded, which must be UTF-8) with the
    columns commitment_id, amount and, optionally, value_date (default today) and reason
    (default ``reason``): a payment, or the reason it cannot be one.

    The file itself is refused when it is not UTF-8 or its header is wrong: a column given
    twice, a column with no name, one that is not a column of a run (the nearest allowed
    name is suggested) or a required one missing. Payment n gets the idempotency key
    ``<key>/<n>``, so posting the same file again with the same key writes nothing twice.
    Rows are counted from 1, after the header; blank lines are skipped.
    """
    key = required_text(key, "idempotency key", max_length=MAX_KEY_LENGTH - 6)
    lines = csv.reader(io.StringIO(_text(data).removeprefix("\ufeff")))
    payments: list[Payment] = []
    refused: list[RowRefused] = []
    try:
        header = _header(next(lines, []))
        for n, values in enumerate((values for values in lines if values), start=1):
            _within_size(n, every=False)
            try:
                payments.append(_from_csv(n, header, values, reason=reason, key=key))
            except RingfenceError as error:
                refused.append(RowRefused(n, error))
    except csv.Error as error:
        raise ValidationError(
            "file", f"is not CSV that can be read: line {lines.line_num}: {error}"
        ) from None
    _within_size(len(payments) + len(refused))
    return ReadRun(payments=tuple(payments), refused=tuple(refused))


def _text(data: str | bytes) -> str:
    """The file as text, if it is UTF-8 (with or without its byte-order mark)."""
    if isinstance(data, str):
        text = data
    else:
        for bom, encoding in _BOMS:
            if data.startswith(bom):
                raise ValidationError("file", f"the file is {encoding}; save it as CSV UTF-8")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise ValidationError("file", _not_utf8(data, error.start)) from None
    if "\x00" in text:
        raise ValidationError(
            "file",
            "holds NUL characters, as a UTF-16 or UTF-32 file without a byte-order mark does;"
            " save it as CSV UTF-8",
        )
    return text


def _not_utf8(data: bytes, start: int) -> str:
    """Where a file stops being UTF-8: its line, the byte within the line and the byte."""
    line = data.count(b"\n", 0, start) + 1
    column = start - (data.rfind(b"\n", 0, start) + 1) + 1
    return (
        "must be text in UTF-8 (in Excel, save it as 'CSV UTF-8'); line"
        f" {line} is not: byte {column} of the line (byte {start + 1} of the file) is"
        f" 0x{data[start]:02X}"
    )


def _header(names: list[str]) -> list[str]:
    """The header's column names, once each is one of :data:`COLUMNS` and the required ones
    are there; otherwise one refusal naming every wrong column and the columns allowed."""
    if not names:
        raise ValidationError("file", f"{_NEEDS}; its first line, the header, is empty")
    header = [name.strip() for name in names]
    problems = []
    for name in dict.fromkeys(header):
        places = [n for n, other in enumerate(header, start=1) if other == name]
        if not name:
            problems += [f"column {n} has no name" for n in places]
        elif len(places) > 1:
            problems.append(f"{name!r} is given {_times(len(places))} (columns {_and(places)})")
    meant = set()
    for name in header:
        if name and name not in COLUMNS:
            near = difflib.get_close_matches(name.lower(), COLUMNS, n=1)
            meant.update(near)
            hint = f" (did you mean {near[0]}?)" if near else ""
            problems.append(f"{name!r} is not a column of a payment run{hint}")
    missing = [c for c in REQUIRED_COLUMNS if c not in header and c not in meant]
    problems += [f"{c} is missing" for c in missing]
    if problems:
        raise ValidationError("file", f"{_NEEDS}; " + "; ".join(problems))
    return header


def _times(count: int) -> str:
    return "twice" if count == 2 else f"{count} times"


def _and(numbers: Sequence[int]) -> str:
    words = [str(n) for n in numbers]
    return ", ".join(words[:-1]) + " and " + words[-1]


def _from_csv(n: int, header: list[str], values: list[str], *, reason: str, key: str) -> Payment:
    if len(values) > len(header):
        extra = len(values) - len(header)
        raise ValidationError("columns", f"the row has {extra} more value(s) than the header")
    row = dict(zip(header, values, strict=False))
    return payment(
        commitment_id=row.get("commitment_id"),
        amount=row.get("amount"),
        on=row.get("value_date"),
        reason=row.get("reason") or reason,
        key=f"{key}/{n}",
        row=n,
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


def pay_run(
    con: duckdb.DuckDBPyConnection,
    actor: User,
    payments: Sequence[Payment],
    *,
    refused: Iterable[RowRefused] = (),
) -> list[Written]:
    """Post every payment, or none: one transaction, one audit row and entry per payment.

    ``refused`` are the rows of the run's file that could not be read (see
    :func:`read_run`). Any of them refuses the run too: the payments are still judged by
    the rules (each as if the refused rows were not there), and one refusal names every bad
    row of either kind in row order. Nothing is written.
    """
    payments, unread = list(payments), tuple(refused)
    _within_size(len(payments) + len(unread))
    if not payments:
        raise RowsRefused(unread)
    file_rows = [p.row if p.row is not None else n for n, p in enumerate(payments, start=1)]
    requests = [
        against_commitment_request("pay", p.commitment_id, p.amount, p.value_date, p.reason, p.key)
        for p in payments
    ]

    def change(steps: list[tuple[int, Step]]) -> list[tuple[str, int]]:
        books = posting.booked_for_payments(
            con, sorted({payments[i].commitment_id for i, _ in steps})
        )
        payer = steps[0][1].actor.user_id
        movements = each_row(
            lambda p: _allowed(p, books, payer), [(i + 1, payments[i]) for i, _ in steps]
        )
        if unread:
            raise _Unread  # the payments pass the rules, but the run is refused: roll back
        ids = posting.append(
            con,
            [
                (step, movement, payments[i].value_date)
                for (i, step), movement in zip(steps, movements, strict=True)
            ],
        )
        return [("ledger entry", entry_id) for entry_id in ids]

    try:
        written = perform_run(con, actor, _PERMISSION, requests, change)
    except RowsRefused as judged:  # rows counted by place in the run: name the file's rows
        named = tuple(RowRefused(file_rows[r.row - 1], r.error) for r in judged.refusals)
        raise RowsRefused(tuple(sorted(unread + named, key=lambda r: r.row))) from None
    except _Unread:
        raise RowsRefused(unread) from None
    if unread:  # every payment read had been posted before with its key: none was written
        raise RowsRefused(unread)
    return written


class _Unread(Exception):
    """Rolls a run back whose payments all pass the rules but whose file has bad rows."""


def pay_csv(
    con: duckdb.DuckDBPyConnection, actor: User, *, text: str | bytes, reason: str, key: str
) -> list[Written]:
    """Read a CSV payment run (see :func:`read_run`) and post it, as a form submits it; a
    refusal names every bad row, those that cannot be read and those the rules refuse."""
    run = read_run(text, reason=reason, key=key)
    return pay_run(con, actor, run.payments, refused=run.refused)


def _allowed(payment: Payment, books: dict[int, posting.Booked], payer: int) -> Movement:
    """The payment's movement, once the rules allow it after the run's earlier payments
    (whose effect is carried forward in ``books``) and its payer is independent of it."""
    found = books.get(payment.commitment_id)
    if found is None:
        raise NotFound("commitment", "commitment", payment.commitment_id)
    posting.independent_payer(found, payer)
    movement = Movement(
        kind=_KIND,
        ringfence_id=found.ringfence_id,
        programme_id=found.programme_id,
        commitment_id=payment.commitment_id,
        amount=_SIGN * payment.amount,
    )
    # The balances after this payment are worked out once: judged, then carried forward.
    state = after(Balances(commitments=(found.state,)), [movement])
    refused = broken(state, Attempt(label=_LABEL, amount=payment.amount))
    if refused:
        raise refused[0]
    books[payment.commitment_id] = replace(found, state=state.commitments[0])
    return movement


def _within_size(count: int, *, every: bool = True) -> None:
    """A run holds 1 to :data:`MAX_PAYMENTS` payments (``every``: ``count`` is all of them)."""
    if every and count == 0:
        raise ValidationError("payments", "a payment run needs at least one payment")
    if count > MAX_PAYMENTS:
        raise ValidationError(
            "payments",
            f"a payment run holds at most {MAX_PAYMENTS:,} payments"
            + (f", not {count:,}" if every else "; this file has more"),
        )
