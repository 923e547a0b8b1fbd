"""Social investors of a bond: what each committed, what they put in and got back, and their
returns.

In a social impact bond investors fund the provider up front and are repaid from outcome
payments. Their money is theirs, not the fund's, so their drawdowns and repayments are
records kept for their returns, never ledger entries; but they are audited row by row like
every record that decides money. An investor never puts in more than they committed. Their
return is the rate of their dated flows (drawdowns paid in, repayments got back) by
:func:`fund.returns.xirr`, with the reason when there is none, and their money multiple.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import duckdb
import pandas as pd
import pyarrow as pa

from fund import db, register, returns
from fund.auth import Permission, User, require
from fund.db import duplicate_key, frame
from fund.errors import InvariantBroken, NotFound, ValidationError
from fund.money import format_gbp, to_money
from fund.unit_of_work import Request, Step, Written, perform, required_text

DRAWDOWN = "drawdown"
REPAYMENT = "repayment"
KINDS = (DRAWDOWN, REPAYMENT)


def add_investor(
    con: duckdb.DuckDBPyConnection,
    actor: User,
    *,
    contract_id: object,
    name: object,
    committed: object,
    reason: str,
    key: str,
) -> Written:
    """Name a social investor of a PbR contract and the capital they committed (fund manager)."""
    contract = register.parse_id(contract_id, "contract")
    investor = required_text(None if name is None else str(name), "name", max_length=200)
    amount = to_money(committed, "committed")
    request = Request(
        operation="add PbR investor",
        key=key,
        reason=reason,
        details={"contract_id": contract, "name": investor, "committed": str(amount)},
    )

    def change(step: Step) -> tuple[str, int]:
        bond = _contract_name(step.con, contract)
        taken = ValidationError(
            "name", f"PbR contract #{contract} already has an investor called {investor!r}"
        )
        if step.con.execute(_SAME_NAME, [contract, investor]).fetchone():
            raise taken
        try:
            investor_id = step.con.execute(
                "INSERT INTO pbr_investor (contract_id, name, committed, created_by, created_at)"
                " VALUES (?, ?, ?, ?, ?) RETURNING investor_id",
                [contract, investor, amount, step.actor.user_id, step.at],
            ).fetchone()[0]
        except duckdb.ConstraintException as error:  # saved by another session meanwhile
            if not duplicate_key(error):
                raise
            raise taken from None
        step.record("pbr_investor", investor_id)
        step.said = (
            f"Investor #{investor_id} {investor!r} of PbR contract #{contract} {bond!r}"
            f" added, committing {format_gbp(amount)}."
        )
        return "PbR investor", investor_id

    return perform(con, actor, Permission.MANAGE_PORTFOLIO, request, change)


# A name is taken whatever its case: 'Big Society Capital' and 'big society capital' are one.
_SAME_NAME = "SELECT 1 FROM pbr_investor WHERE contract_id = ? AND lower(name) = lower(?)"


def _contract_name(con: duckdb.DuckDBPyConnection, contract_id: int) -> str:
    row = con.execute("SELECT name FROM pbr_contract WHERE contract_id = ?", [contract_id])
    found = row.fetchone()
    if found is None:
        raise NotFound("contract", "PbR contract", contract_id)
    return found[0]


def record_flow(
    con: duckdb.DuckDBPyConnection,
    actor: User,
    *,
    investor_id: object,
    kind: object,
    amount: object,
    on: object,
    reason: str,
    key: str,
) -> Written:
    """Record an investor's drawdown (capital they put in) or repayment (money they got back)
    on the day it moved (fund manager)."""
    investor = register.parse_id(investor_id, "investor")
    flow_kind = _kind(kind)
    money = to_money(amount, "amount")
    day = flow_date(on)
    request = Request(
        operation=f"record PbR investor {flow_kind}",
        key=key,
        reason=reason,
        details={
            "investor_id": investor,
            "kind": flow_kind,
            "amount": str(money),
            "on": day.isoformat(),
        },
    )

    def change(step: Step) -> tuple[str, int]:
        name, committed, drawn = _investor(step.con, investor)
        if flow_kind == DRAWDOWN and drawn + money > committed:
            raise InvariantBroken(
                field="amount",
                rule=(
                    f"drawdowns of {format_gbp(drawn + money)} would exceed the"
                    f" {format_gbp(committed)} {name} committed ({format_gbp(drawn)} drawn"
                    f" already, {format_gbp(committed - drawn)} left to draw)"
                ),
                limit=committed,
                attempted=drawn + money,
            )
        flow_id = step.con.execute(
            "INSERT INTO pbr_investor_flow (investor_id, kind, amount, flow_date, recorded_by,"
            " recorded_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING flow_id",
            [investor, flow_kind, money, day, step.actor.user_id, step.at],
        ).fetchone()[0]
        step.record("pbr_investor_flow", flow_id)
        step.said = f"{flow_kind.capitalize()} of {format_gbp(money)} by {name} on {day} recorded."
        return "PbR investor flow", flow_id

    return perform(con, actor, Permission.MANAGE_PORTFOLIO, request, change)


def _kind(value: object) -> str:
    kind = str(value).strip().lower() if value is not None else ""
    if kind not in KINDS:
        raise ValidationError("kind", f"must be {DRAWDOWN} or {REPAYMENT}, not {value!r}")
    return kind


def flow_date(value: object) -> date:
    """The day an investor's money moved: a date, or text as YYYY-MM-DD; never in the future
    (a flow is recorded once it has happened)."""
    if isinstance(value, date):
        day = date(value.year, value.month, value.day)  # a datetime counts by its day
    elif value is None or not str(value).strip():
        raise ValidationError("date", "is required")
    else:
        try:
            day = date.fromisoformat(str(value).strip())
        except ValueError:
            raise ValidationError("date", f"must be a date as YYYY-MM-DD, not {value!r}") from None
    today = db.today()
    if day > today:
        raise ValidationError("date", f"must not be in the future ({day} is after {today})")
    return day


_INVESTOR = """
SELECT i.name, i.committed,
       coalesce(sum(f.amount) FILTER (WHERE f.kind = 'drawdown'), 0) AS drawn
FROM pbr_investor AS i
LEFT JOIN pbr_investor_flow AS f USING (investor_id)
WHERE i.investor_id = ?
GROUP BY i.name, i.committed
"""


def _investor(con: duckdb.DuckDBPyConnection, investor_id: int) -> tuple[str, Decimal, Decimal]:
    row = con.execute(_INVESTOR, [investor_id]).fetchone()
    if row is None:
        raise NotFound("investor", "PbR investor", investor_id)
    return row[0], row[1], row[2]


# Each investor of a contract with what they committed, drew and got back, and their dated
# flows (drawdowns negative, repayments positive) in date order for the rate.
_RETURNS = """
WITH flows AS (
    SELECT investor_id,
           sum(amount) FILTER (WHERE kind = 'drawdown') AS drawn,
           sum(amount) FILTER (WHERE kind = 'repayment') AS repaid,
           list(flow_date ORDER BY flow_date, flow_id) AS dates,
           list(CASE kind WHEN 'drawdown' THEN -amount ELSE amount END
                ORDER BY flow_date, flow_id) AS amounts
    FROM pbr_investor_flow
    GROUP BY investor_id
)
SELECT i.investor_id, i.name, i.committed,
       CAST(coalesce(f.drawn, 0) AS DECIMAL(38, 2)) AS drawn,
       CAST(coalesce(f.repaid, 0) AS DECIMAL(38, 2)) AS repaid,
       coalesce(f.dates, []) AS dates,
       coalesce(f.amounts, []) AS amounts
FROM pbr_investor AS i
LEFT JOIN flows AS f USING (investor_id)
WHERE i.contract_id = ?
ORDER BY i.name, i.investor_id
"""
RETURN_COLUMNS = [
    "investor_id",
    "name",
    "committed",
    "drawn",
    "repaid",
    "multiple",
    "irr",
    "irr_reason",
]


def investor_returns(
    con: duckdb.DuckDBPyConnection, actor: User, contract_id: object
) -> pd.DataFrame:
    """A contract's investors, one row each: committed, drawn and repaid (exact money), the
    money multiple (repaid over drawn, exact; empty while nothing is drawn), the rate of
    their dated flows (``irr``, a fraction) and, when there is no rate, why (``irr_reason``).
    Every reading role: investors are organisations, not officials."""
    require(con, actor, Permission.READ_SUMMARY)
    contract = register.parse_id(contract_id, "contract")
    found = frame(con, _RETURNS, [contract])
    if found.empty:
        _contract_name(con, contract)  # an unknown contract is refused, not shown as empty
    rates = [
        returns.xirr(list(dates), list(amounts))
        for dates, amounts in zip(found["dates"], found["amounts"], strict=True)
    ]
    multiples = [
        returns.multiple(drawn, repaid)
        for drawn, repaid in zip(found["drawn"], found["repaid"], strict=True)
    ]
    return found.assign(
        multiple=pd.Series(multiples, index=found.index, dtype=object),
        irr=pd.Series(
            pd.array([r.rate for r in rates], dtype=pd.ArrowDtype(pa.float64())),
            index=found.index,
        ),
        irr_reason=pd.Series([r.reason for r in rates], index=found.index, dtype=object),
    )[RETURN_COLUMNS]
