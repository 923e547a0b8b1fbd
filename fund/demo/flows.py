"""How each kind of experiment's money moves after it is committed: grants paid in tranches,
zones monthly, outcomes contracts quarterly, ventures drawn down (and loans repaid); and the
mistakes any real fund makes, keyed twice and then reversed."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal
from functools import partial
from typing import NamedTuple

from fund.demo.amounts import PENNY, share_of
from fund.demo.catalogue import MH, YP
from fund.demo.experiments import CLAWBACK_AFTER, ExperimentPlan
from fund.demo.timeline import Window, month_after
from fund.money import format_gbp
from fund.register import Instrument


class Flow(NamedTuple):
    """A money movement against an experiment's commitment (see :class:`fund.demo.plan.Move`)."""

    on: date
    op: str
    amount: Decimal
    reason: str
    undo: str | None = None


COMMIT_REASONS = {
    Instrument.SMALL_GRANT: "Small grant awarded under delegated authority",
    Instrument.EXPERIMENTAL_ZONE: "Zone funding agreement signed",
    Instrument.PBR_CONTRACT: "Outcomes contract signed: maximum liability",
    Instrument.SOCIAL_VENTURE: "Investment agreement completed",
}


OUTCOME_PRICES = {YP: Decimal("3200.00"), MH: Decimal("2750.00")}


def commit_flows(experiment: ExperimentPlan) -> list[Flow]:
    """The award; a mistyped one is keyed a day early at the wrong amount, then reversed."""
    reason = COMMIT_REASONS[experiment.instrument]
    right = Flow(experiment.start, "commit", experiment.amount, reason)
    if experiment.story != "grant keyed wrongly":
        return [right]
    wrong = experiment.amount + 1000
    undo = f"amount keyed as {format_gbp(wrong)} instead of {format_gbp(experiment.amount)}"
    return [Flow(experiment.start - timedelta(days=1), "commit", wrong, reason, undo), right]


def _grant_flows(rng: random.Random, grant: ExperimentPlan, window: Window) -> list[Flow]:
    """Small grants are paid in full on award, or 60% on award and the rest on the report."""
    first = grant.start + timedelta(days=10)
    if grant.amount <= 2000:
        return [Flow(first, "pay", grant.amount, "Grant paid in full on award")]
    tranche = share_of(grant.amount, "0.6")
    flows = [Flow(first, "pay", tranche, "First tranche (60%) of grant on signed agreement")]
    report = grant.start + timedelta(days=rng.randrange(120, 301))
    if grant.phase >= 2:
        reason = "Final tranche of grant on receipt of the end-of-project report"
        flows.append(Flow(report, "pay", grant.amount - tranche, reason))
    return flows


def _clawed_back_flows(rng: random.Random, grant: ExperimentPlan, window: Window) -> list[Flow]:
    """A grant whose project stopped after a pilot month: part of the first tranche returns."""
    flows = _grant_flows(rng, grant, window)[:1]
    returned = share_of(flows[0].amount, "0.25")
    reason = "Clawback: project stopped after its pilot month; unspent grant returned"
    return [*flows, Flow(grant.start + timedelta(days=CLAWBACK_AFTER), "recover", returned, reason)]


def _twice(flows: list[Flow], window: Window, op: str, undo: str) -> list[Flow]:
    """The latest movement keyed a second time by mistake, to be reversed at once (the latest,
    so the audit trail's recent rows show a correction)."""
    latest = max(n for n, flow in enumerate(flows) if flow.op == op and flow.on <= window.today)
    return [*flows[: latest + 1], flows[latest]._replace(undo=undo), *flows[latest + 1 :]]


def _zone_flows(
    rng: random.Random,
    zone: ExperimentPlan,
    window: Window,
    *,
    months_open: int = 24,
    duplicate: bool = False,
) -> list[Flow]:
    """Zones are paid monthly in arrears over two years; one may close early."""
    instalment = (zone.amount / 24).quantize(PENNY, rounding=ROUND_DOWN)
    flows = []
    for month in range(1, months_open + 1):
        day = month_after(zone.start, month)
        amount = zone.amount - 23 * instalment if month == 24 else instalment
        reason = f"Zone running costs for {month_after(zone.start, month - 1):%B %Y}"
        flows.append(Flow(day, "pay", amount, reason))
    if duplicate:
        flows = _twice(flows, window, "pay", "duplicate payment keyed twice")
    if months_open < 24:
        closed = month_after(zone.start, months_open) + timedelta(days=10)
        reason = (
            f"Zone closed early: no difference against the comparison wards after "
            f"{months_open} months; unspent balance released"
        )
        flows.append(Flow(closed, "decommit", zone.amount - months_open * instalment, reason))
    return flows


def _outcome_flows(rng: random.Random, contract: ExperimentPlan, window: Window) -> list[Flow]:
    """Payment by results: quarterly payments for verified outcomes, from month nine."""
    price = OUTCOME_PRICES[contract.programme]
    left = contract.amount
    flows = []
    for quarter in range(12):
        day = month_after(contract.start, 9 + 3 * quarter)
        outcomes = 3 + 3 * quarter + rng.randrange(0, 4)
        amount = min(outcomes * price, left)
        if day > window.today or amount <= 0:
            break
        reason = (
            f"Outcome payment: {outcomes} verified outcomes at {format_gbp(price)}, "
            f"quarter to {day:%B %Y}"
        )
        if amount < outcomes * price:
            reason += "; capped at the contract's maximum liability"
        flows.append(Flow(day, "pay", amount, reason))
        left -= amount
    return flows


def _drawdowns(
    rng: random.Random, venture: ExperimentPlan, window: Window, *, count: int = 3
) -> list[Flow]:
    """Investments are drawn in three quarterly tranches: 40%, 30%, 30%."""
    first = share_of(venture.amount, "0.4")
    second = share_of(venture.amount, "0.3")
    amounts = (first, second, venture.amount - first - second)
    return [
        Flow(
            venture.start + timedelta(days=14 + 91 * n), "pay", amounts[n], f"Drawdown {n + 1} of 3"
        )
        for n in range(count)
    ]


def _loan_flows(
    rng: random.Random, loan: ExperimentPlan, window: Window, *, duplicate: bool = False
) -> list[Flow]:
    """A loan is drawn down, then repaid quarterly from its first anniversary."""
    repayment = share_of(loan.amount, "0.075")
    flows = _drawdowns(rng, loan, window)
    for quarter in range(8):
        day = month_after(loan.start, 12 + 3 * quarter)
        reason = f"Loan repayment (capital and interest), quarter to {day:%B %Y}"
        flows.append(Flow(day, "recover", repayment, reason))
    if duplicate:
        flows = _twice(
            flows, window, "recover", "repayment recorded twice from the same bank statement line"
        )
    return flows


def _failed_flows(rng: random.Random, venture: ExperimentPlan, window: Window) -> list[Flow]:
    """A venture that failed after two drawdowns: the rest released, what was paid written off."""
    flows = _drawdowns(rng, venture, window, count=2)
    paid = sum((flow.amount for flow in flows), Decimal("0.00"))
    day = venture.start + timedelta(days=280)
    return [
        *flows,
        Flow(day, "decommit", venture.amount - paid, "Undrawn investment released: venture failed"),
        Flow(day, "write_off", paid, "Venture entered administration; nothing expected back"),
    ]


FLOWS: dict[str, Callable[[random.Random, ExperimentPlan, Window], list[Flow]]] = {
    "grant": _grant_flows,
    "grant keyed wrongly": _grant_flows,
    "grant clawed back": _clawed_back_flows,
    "zone": _zone_flows,
    "zone with a duplicate payment": partial(_zone_flows, duplicate=True),
    "zone closed early": partial(_zone_flows, months_open=8),
    "outcomes": _outcome_flows,
    "equity": _drawdowns,
    "loan": _loan_flows,
    "loan with a duplicate repayment": partial(_loan_flows, duplicate=True),
    "failed venture": _failed_flows,
}
