"""Payment-by-results contracts: the terms on which a commitment pays only for outcomes.

A contract sits on one commitment, whose amount is its overall cap (its maximum liability),
of an experiment whose instrument is payment-by-results. It names the provider, who pays
for outcomes, the term and cohorts, the comparison or baseline rule and the independent
verifier, and carries its rate card and the expected-outcomes profile its forecast comes
from. From the moment a contract exists, the ledger pays its commitment only what verified
outcomes have earned (``payments_within_earned``), so a contract must come before any
payment. A contract is never edited: what it decides is audited row by row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import duckdb
import pandas as pd

from fund import labels, register
from fund.auth import Permission, User, may, require
from fund.db import frame
from fund.errors import NotFound, ValidationError
from fund.money import format_gbp, to_money
from fund.pbr.rate_card import Rate, card
from fund.register import Instrument
from fund.unit_of_work import Request, Step, Written, perform, required_text


@dataclass(frozen=True, kw_only=True)
class Cohort:
    """A group of participants whose outcomes are measured together."""

    name: str
    starts_on: date
    participants: int


@dataclass(frozen=True, kw_only=True)
class Expected:
    """How many outcomes of a metric are expected by the end of a period (the forecast's base)."""

    metric: str
    period_end: date
    quantity: int


@dataclass(frozen=True, kw_only=True)
class ContractTerms:
    """A contract's terms as typed, before they are checked against its commitment."""

    commitment_id: object
    name: object
    provider: object
    outcome_payer: object
    starts_on: object
    ends_on: object
    baseline_rule: object
    verifier: object
    rates: list[Rate]
    cohorts: list[Cohort]
    expected: list[Expected] = ()
    max_per_participant: object = None


def parse_date(value: object, field: str) -> date:
    """A date as YYYY-MM-DD (or a date); a refusal names the field."""
    if isinstance(value, date):
        return value
    if value is None or not str(value).strip():
        raise ValidationError(field, "is required")
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError(field, f"must be a date as YYYY-MM-DD, not {value!r}") from None


def whole_number(value: object, field: str, *, least: int) -> int:
    """A count as typed: a whole number of at least ``least``; a refusal names the field."""
    text = str(value).strip() if value is not None else ""
    digits = text[1:] if text[:1] in "+-" else text
    if not (digits.isascii() and digits.isdigit()) or len(digits) > 9:
        raise ValidationError(field, f"must be a whole number, not {value!r}")
    number = int(text)
    if number < least:
        raise ValidationError(field, f"must be at least {least}, not {number}")
    return number


def cohort(*, name: object, starts_on: object, participants: object) -> Cohort:
    return Cohort(
        name=required_text(None if name is None else str(name), "cohort", max_length=200),
        starts_on=parse_date(starts_on, "cohort start"),
        participants=whole_number(participants, "participants", least=1),
    )


def expected(*, metric: object, period_end: object, quantity: object) -> Expected:
    return Expected(
        metric=required_text(None if metric is None else str(metric), "metric", max_length=200),
        period_end=parse_date(period_end, "period end"),
        quantity=whole_number(quantity, "expected quantity", least=0),
    )


_COMMITMENT = """
SELECT c.commitment_id, x.instrument, x.title,
       (SELECT count(*) FROM pbr_contract AS k WHERE k.commitment_id = c.commitment_id),
       (SELECT coalesce(sum(e.paid), 0) FROM ledger_effect AS e
        WHERE e.commitment_id = c.commitment_id)
FROM commitment AS c JOIN experiment AS x USING (experiment_id)
WHERE c.commitment_id = ?
"""


def add_contract(
    con: duckdb.DuckDBPyConnection, actor: User, terms: ContractTerms, *, reason: str, key: str
) -> Written:
    """Put a commitment on payment-by-results terms (fund manager)."""
    checked = _checked(terms)
    request = Request(
        operation="add PbR contract",
        key=key,
        reason=reason,
        details={k: str(v) for k, v in checked.items() if k not in _LISTS}
        | {k: [str(vars(item)) for item in checked[k]] for k in _LISTS},
    )

    def change(step: Step) -> tuple[str, int]:
        _on_payment_by_results(step.con, checked["commitment_id"])
        contract_id = step.con.execute(
            "INSERT INTO pbr_contract (commitment_id, name, provider, outcome_payer, starts_on,"
            " ends_on, max_per_participant, baseline_rule, verifier, created_by, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING contract_id",
            [*(checked[f] for f in _FIELDS), step.actor.user_id, step.at],
        ).fetchone()[0]
        _add_lines(step, contract_id, checked)
        step.said = (
            f"PbR contract #{contract_id} {checked['name']!r} added on commitment"
            f" #{checked['commitment_id']}: {len(checked['rates'])} outcome metric(s),"
            f" {len(checked['cohorts'])} cohort(s)."
        )
        return "PbR contract", contract_id

    return perform(con, actor, Permission.MANAGE_PORTFOLIO, request, change)


_FIELDS = (
    "commitment_id",
    "name",
    "provider",
    "outcome_payer",
    "starts_on",
    "ends_on",
    "max_per_participant",
    "baseline_rule",
    "verifier",
)
_LISTS = ("rates", "cohorts", "expected")


def _checked(terms: ContractTerms) -> dict[str, object]:
    """Every field of the terms, parsed, and the rules between them (term, cohorts, profile)."""
    text = {
        name: required_text(None if value is None else str(value), field, max_length=limit)
        for name, field, value, limit in (
            ("name", "name", terms.name, 200),
            ("provider", "provider", terms.provider, 200),
            ("outcome_payer", "outcome payer", terms.outcome_payer, 200),
            ("baseline_rule", "baseline rule", terms.baseline_rule, 2000),
            ("verifier", "verifier", terms.verifier, 200),
        )
    }
    starts_on = parse_date(terms.starts_on, "start")
    ends_on = parse_date(terms.ends_on, "end")
    if ends_on <= starts_on:
        raise ValidationError("end", f"must be after the start ({starts_on}), not {ends_on}")
    cap = terms.max_per_participant
    blank = cap is None or (isinstance(cap, str) and not cap.strip())
    rates = card(list(terms.rates))
    _cohorts_within(list(terms.cohorts), starts_on, ends_on)
    _profile_within(list(terms.expected), rates, starts_on, ends_on)
    return {
        "commitment_id": register.parse_id(terms.commitment_id, "commitment"),
        **text,
        "starts_on": starts_on,
        "ends_on": ends_on,
        "max_per_participant": None if blank else to_money(cap, "maximum per participant"),
        "rates": rates,
        "cohorts": tuple(terms.cohorts),
        "expected": tuple(terms.expected),
    }


def _cohorts_within(cohorts: list[Cohort], starts_on: date, ends_on: date) -> None:
    if not cohorts:
        raise ValidationError("cohorts", "a contract needs at least one cohort")
    names = [c.name.casefold() for c in cohorts]
    for c in cohorts:
        if names.count(c.name.casefold()) > 1:
            raise ValidationError("cohort", f"{c.name!r} is named twice")
        if not starts_on <= c.starts_on < ends_on:
            raise ValidationError(
                "cohort start",
                f"cohort {c.name!r} starts on {c.starts_on}, outside the term"
                f" {starts_on} to {ends_on}",
            )


def _profile_within(
    profile: list[Expected], rates: tuple[Rate, ...], starts_on: date, ends_on: date
) -> None:
    metrics = {r.metric for r in rates}
    seen = set()
    for e in profile:
        if e.metric not in metrics:
            raise ValidationError(
                "metric", f"{e.metric!r} of the expected outcomes is not on the rate card"
            )
        if not starts_on < e.period_end <= ends_on:
            raise ValidationError(
                "period end",
                f"expected outcomes by {e.period_end} fall outside the term"
                f" {starts_on} to {ends_on}",
            )
        if (e.metric, e.period_end) in seen:
            raise ValidationError(
                "expected outcomes", f"{e.metric!r} by {e.period_end} is given twice"
            )
        seen.add((e.metric, e.period_end))


def _on_payment_by_results(con: duckdb.DuckDBPyConnection, commitment_id: int) -> None:
    """Only a payment-by-results commitment, with no contract yet and nothing paid, takes one."""
    row = con.execute(_COMMITMENT, [commitment_id]).fetchone()
    if row is None:
        raise NotFound("commitment", "commitment", commitment_id)
    _, instrument, title, contracts, paid = row
    if instrument != Instrument.PBR_CONTRACT.value:
        raise ValidationError(
            "commitment",
            f"#{commitment_id} funds {title!r}, a {labels.value('instrument', instrument).lower()}:"
            " only a"
            " payment-by-results experiment's commitment takes a PbR contract",
        )
    if contracts:
        raise ValidationError("commitment", f"#{commitment_id} already has a PbR contract")
    if paid:
        raise ValidationError(
            "commitment",
            f"#{commitment_id} has {format_gbp(paid)} paid already: a PbR contract must be"
            " agreed before any payment, which it then limits to what outcomes earn",
        )


def _add_lines(step: Step, contract_id: int, checked: dict[str, object]) -> None:
    """The contract's rate card, cohorts and profile, each recorded as one group."""
    con = step.con
    con.executemany(
        "INSERT INTO pbr_rate VALUES (?, ?, ?, ?, ?)",
        [[contract_id, r.metric, r.definition, r.unit_price, r.cap] for r in checked["rates"]],
    )
    con.executemany(
        "INSERT INTO pbr_cohort VALUES (?, ?, ?, ?)",
        [[contract_id, c.name, c.starts_on, c.participants] for c in checked["cohorts"]],
    )
    if checked["expected"]:
        con.executemany(
            "INSERT INTO pbr_expected VALUES (?, ?, ?, ?)",
            [[contract_id, e.metric, e.period_end, e.quantity] for e in checked["expected"]],
        )
    for table in ("pbr_contract", "pbr_rate", "pbr_cohort", "pbr_expected"):
        step.record(table, contract_id)


# --- reading --------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Contract:
    """A contract as shown: its terms, rate card (with what each metric has earned), cohorts
    and expected-outcomes profile."""

    contract_id: int
    commitment_id: int
    name: str
    provider: str
    outcome_payer: str
    starts_on: date
    ends_on: date
    max_per_participant: Decimal | None
    baseline_rule: str
    verifier: str
    rate_card: pd.DataFrame
    cohorts: pd.DataFrame
    expected: pd.DataFrame


_CONTRACT = """
SELECT contract_id, commitment_id, name, provider, outcome_payer, starts_on, ends_on,
       max_per_participant, baseline_rule, verifier
FROM pbr_contract WHERE contract_id = ?
"""


def contract(con: duckdb.DuckDBPyConnection, actor: User, contract_id: object) -> Contract:
    """One contract with its rate card, cohorts and profile (every reading role)."""
    require(con, actor, Permission.READ_SUMMARY)
    number = register.parse_id(contract_id, "contract")
    row = con.execute(_CONTRACT, [number]).fetchone()
    if row is None:
        raise NotFound("contract", "PbR contract", contract_id)
    names = [d[0] for d in con.description]
    return Contract(
        **dict(zip(names, row, strict=True)),
        rate_card=frame(
            con,
            "SELECT r.metric, r.unit_price, r.cap, e.verified, e.uncapped, e.earned,"
            " r.definition FROM pbr_rate AS r"
            " JOIN pbr_metric_earned AS e USING (contract_id, metric)"
            " WHERE r.contract_id = ? ORDER BY r.metric",
            [number],
        ),
        cohorts=frame(
            con,
            "SELECT cohort, starts_on, participants FROM pbr_cohort WHERE contract_id = ?"
            " ORDER BY starts_on, cohort",
            [number],
        ),
        expected=frame(
            con,
            "SELECT metric, period_end, quantity FROM pbr_expected WHERE contract_id = ?"
            " ORDER BY period_end, metric",
            [number],
        ),
    )


def editable(con: duckdb.DuckDBPyConnection, actor: User) -> bool:
    """Whether the person may add contracts and record claims (fund managers), rather than
    read them."""
    user = require(con, actor, Permission.READ_SUMMARY)
    return may(user.role, Permission.MANAGE_PORTFOLIO)


_OPEN_TO_CONTRACT = """
SELECT c.commitment_id, format('#{} · {} → {}', c.commitment_id, x.title, c.counterparty) AS label
FROM commitment AS c
JOIN experiment AS x USING (experiment_id)
WHERE x.instrument = ?
  AND NOT EXISTS (SELECT 1 FROM pbr_contract AS k WHERE k.commitment_id = c.commitment_id)
  AND NOT EXISTS (SELECT 1 FROM ledger_entry AS e
                  WHERE e.commitment_id = c.commitment_id AND e.kind = 'disbursement')
ORDER BY c.commitment_id
"""


def open_to_contract(con: duckdb.DuckDBPyConnection, actor: User) -> pd.DataFrame:
    """The commitments a contract may be added to: a payment-by-results experiment's, with
    no contract and nothing paid (commitment_id, label), for the form's picker."""
    require(con, actor, Permission.MANAGE_PORTFOLIO)
    return frame(con, _OPEN_TO_CONTRACT, [Instrument.PBR_CONTRACT.value])


def contracts(con: duckdb.DuckDBPyConnection, actor: User) -> pd.DataFrame:
    """Every contract, one row each, for lists and pickers (every reading role)."""
    require(con, actor, Permission.READ_SUMMARY)
    return frame(
        con,
        "SELECT k.contract_id, k.name, k.commitment_id, x.title AS experiment, k.provider,"
        " k.outcome_payer, k.starts_on, k.ends_on, k.verifier"
        " FROM pbr_contract AS k JOIN commitment AS c USING (commitment_id)"
        " JOIN experiment AS x USING (experiment_id) ORDER BY k.contract_id",
    )
