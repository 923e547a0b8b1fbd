"""An investment's terms on its commitment, through the write path.

A social venture investment is a loan, an equity stake or a recoverable grant, made on a
commitment of an experiment whose instrument is the social venture investment. Its money
moves on the ledger; its terms say what is expected back. A loan's terms make its
repayment schedule (:mod:`fund.ventures.schedule`), recorded with them in the same write;
equity's say the stake held. Every investment may set aside a follow-on reserve for later
rounds, shown apart from what is committed. Terms are recorded once: a restructured loan is
a matter for a new commitment, never an edit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import duckdb

from fund import db, labels, register
from fund.auth import Permission, User
from fund.errors import NotFound, ValidationError
from fund.money import format_gbp, to_money
from fund.pbr.contracts import parse_date, whole_number
from fund.register import Instrument
from fund.unit_of_work import Request, Step, Written, perform
from fund.ventures import schedule
from fund.ventures.schedule import LoanTerms

TYPES = ("loan", "equity", "recoverable_grant")
EVERY = (1, 3, 6, 12)
MAX_INSTALMENTS = 360
MAX_GRACE_MONTHS = 120
# A loan starts within the years a fund could hold it (its schedule's dates must exist).
EARLIEST, LATEST = date(1990, 1, 1), date(2100, 12, 31)
_PERCENT = re.compile(r"[0-9]{1,2}(\.[0-9]{1,4})?|100(\.0{1,4})?", re.ASCII)


@dataclass(frozen=True, kw_only=True)
class InvestmentTerms:
    """An investment's terms as typed, before they are checked. Loans give ``principal``
    (default: what the commitment holds), ``interest_rate`` (per cent a year),
    ``starts_on``, ``grace_months``, ``instalments`` and ``every_months``; equity its
    ``stake`` (per cent held)."""

    commitment_id: object
    investment_type: object
    follow_on_reserve: object = "0"
    principal: object = None
    interest_rate: object = None
    starts_on: object = None
    grace_months: object = 0
    instalments: object = None
    every_months: object = None
    stake: object = None


def record_terms(
    con: duckdb.DuckDBPyConnection,
    actor: User,
    terms: InvestmentTerms,
    *,
    key: str,
    reason: str,
) -> Written:
    """Record an investment's terms, and a loan's schedule, on its commitment (fund manager)."""
    commitment = register.parse_id(terms.commitment_id, "commitment")
    kind = _type(terms.investment_type)
    reserve = to_money(terms.follow_on_reserve or "0", "follow-on reserve", positive=False)
    if reserve < 0:
        raise ValidationError("follow-on reserve", f"must not be negative, not {reserve}")
    loan = _loan(terms) if kind == "loan" else None
    stake = _percent(terms.stake, "stake", above_zero=True) if kind == "equity" else None
    request = Request(
        operation="record investment terms",
        key=key,
        reason=reason,
        details={
            "commitment_id": commitment,
            "investment_type": kind,
            "follow_on_reserve": str(reserve),
            **({} if loan is None else {k: str(v) for k, v in vars(loan).items()}),
            **({} if stake is None else {"stake": str(stake)}),
        },
    )

    def change(step: Step) -> tuple[str, int]:
        title, committed = _on_venture(step.con, commitment)
        if committed <= 0:
            raise ValidationError(
                "commitment", f"#{commitment} holds {format_gbp(committed)}: nothing to invest"
            )
        checked = loan if loan is None or loan.principal else _with_principal(loan, committed)
        if checked is not None and checked.principal > committed:
            raise ValidationError(
                "principal",
                f"{format_gbp(checked.principal)} is more than commitment #{commitment} holds"
                f" ({format_gbp(committed)})",
            )
        _insert(step, commitment, kind, reserve, checked, stake)
        step.said = (
            f"Terms recorded on commitment #{commitment} of {title!r}:"
            f" {labels.value('investment_type', kind).lower()}{_said(checked, stake, reserve)}."
        )
        return "commitment", commitment

    return perform(con, actor, Permission.MANAGE_PORTFOLIO, request, change)


def _type(value: object) -> str:
    kind = (
        str(value).strip().lower().replace(" ", "_").replace("-", "_") if value is not None else ""
    )
    if kind not in TYPES:
        raise ValidationError(
            "investment type", f"must be loan, equity or recoverable grant, not {value!r}"
        )
    return kind


def _loan(terms: InvestmentTerms) -> LoanTerms:
    """A loan's terms checked; a principal left blank is the commitment's (filled in later)."""
    every = whole_number(terms.every_months, "repayment every (months)", least=1)
    if every not in EVERY:
        raise ValidationError(
            "repayment every (months)", f"must be 1, 3, 6 or 12 months, not {every}"
        )
    count = whole_number(terms.instalments, "instalments", least=1)
    if count > MAX_INSTALMENTS:
        raise ValidationError("instalments", f"must be at most {MAX_INSTALMENTS}, not {count}")
    blank = terms.principal is None or not str(terms.principal).strip()
    starts_on = parse_date(terms.starts_on, "loan start")
    if not EARLIEST <= starts_on <= LATEST:
        raise ValidationError(
            "loan start", f"must be between {EARLIEST} and {LATEST}, not {starts_on}"
        )
    grace = whole_number(terms.grace_months or 0, "grace period (months)", least=0)
    if grace > MAX_GRACE_MONTHS:
        raise ValidationError(
            "grace period (months)", f"must be at most {MAX_GRACE_MONTHS} months, not {grace}"
        )
    return LoanTerms(
        principal=Decimal("0") if blank else to_money(terms.principal, "principal"),
        interest_rate=_rate(terms.interest_rate),
        starts_on=starts_on,
        grace_months=grace,
        instalments=count,
        every_months=every,
    )


def _percent(value: object, field: str, *, above_zero: bool) -> Decimal:
    """A percentage as typed (up to four decimal places, at most 100)."""
    text = str(value).strip().rstrip("%").strip() if value is not None else ""
    if not text:
        raise ValidationError(field, "is required (per cent, such as 5 or 7.25)")
    if not _PERCENT.fullmatch(text):
        raise ValidationError(
            field, f"must be a percentage from 0 to 100 with at most four decimals, not {value!r}"
        )
    percent = Decimal(text)
    if above_zero and percent == 0:
        raise ValidationError(field, "must be more than 0%")
    return percent


def _rate(value: object) -> Decimal:
    """A loan's interest rate: a percentage below 100 (a rate of 100% a year or more is a
    typing mistake, never a social loan)."""
    rate = _percent(value, "interest rate", above_zero=False)
    if rate >= 100:
        raise ValidationError("interest rate", f"must be below 100% a year, not {rate}%")
    return rate


def _with_principal(loan: LoanTerms, committed: Decimal) -> LoanTerms:
    return LoanTerms(**{**vars(loan), "principal": committed})


def _on_venture(con: duckdb.DuckDBPyConnection, commitment_id: int) -> tuple[str, Decimal]:
    """The experiment's title and what the commitment holds; refused unless it funds a
    social venture investment and has no terms yet."""
    row = con.execute(
        "SELECT x.title, x.instrument, b.committed, t.commitment_id FROM commitment AS c"
        " JOIN experiment AS x USING (experiment_id)"
        " JOIN commitment_balance AS b USING (commitment_id)"
        " LEFT JOIN venture_terms AS t USING (commitment_id)"
        " WHERE c.commitment_id = ?",
        [commitment_id],
    ).fetchone()
    if row is None:
        raise NotFound("commitment", "commitment", commitment_id)
    title, instrument, committed, held = row
    if instrument != Instrument.SOCIAL_VENTURE.value:
        raise ValidationError(
            "commitment",
            f"#{commitment_id} funds {title!r}, a"
            f" {labels.value('instrument', instrument).lower()}: only a social venture"
            " investment's commitment takes investment terms",
        )
    if held is not None:
        raise ValidationError("commitment", f"#{commitment_id} has its investment terms already")
    return title, committed


def _insert(
    step: Step,
    commitment: int,
    kind: str,
    reserve: Decimal,
    loan: LoanTerms | None,
    stake: Decimal | None,
) -> None:
    given = {} if loan is None else vars(loan)
    step.con.execute(
        "INSERT INTO venture_terms (commitment_id, investment_type, principal, interest_rate,"
        " starts_on, grace_months, instalments, every_months, stake, follow_on_reserve,"
        " recorded_by, recorded_at, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            commitment,
            kind,
            *(
                given.get(name)
                for name in (
                    "principal",
                    "interest_rate",
                    "starts_on",
                    "grace_months",
                    "instalments",
                    "every_months",
                )
            ),
            stake,
            reserve,
            step.actor.user_id,
            step.at,
            step.reason,
        ],
    )
    step.record("venture_terms", commitment)
    if loan is not None:
        rows = schedule.schedule(loan).assign(commitment_id=commitment)
        db.insert_all(
            step.con,
            "loan_instalment",
            ["commitment_id", "number", "due_on", "principal", "interest"],
            rows[["commitment_id", "number", "due_on", "principal", "interest"]].to_numpy(),
        )
        step.record("loan_instalment", commitment)


def _said(loan: LoanTerms | None, stake: Decimal | None, reserve: Decimal) -> str:
    parts = []
    if loan is not None:
        parts.append(
            f" of {format_gbp(loan.principal)} at {loan.interest_rate}% a year from"
            f" {loan.starts_on}, repaid in {loan.instalments} instalments every"
            f" {loan.every_months} months after {loan.grace_months} months' grace"
        )
    if stake is not None:
        parts.append(f" of {stake}% of the venture")
    if reserve:
        parts.append(f", with {format_gbp(reserve)} reserved for follow-on rounds")
    return "".join(parts)
