"""The demo's plan: pure data, decided by the seed and the date alone.

:func:`plan` decides the whole portfolio (its experiments, every money move on its value
date, the virements, what each impact map counts) without touching a database; :mod:`fund.demo.build` carries it out.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from fund import db
from fund.demo.amounts import ceil_to
from fund.demo.catalogue import DECLARED, FI, MH, OWNER_BODY, PROGRAMMES, YP
from fund.demo.experiments import ExperimentPlan, large_experiments, small_grants
from fund.demo.flows import FLOWS, commit_flows
from fund.demo.impact import MapPlan, plan_maps
from fund.demo.timeline import Window, financial_years, window_as_of
from fund.money import format_gbp


@dataclass(frozen=True, kw_only=True)
class Move:
    """One planned money operation on a value date.

    ``target`` is a programme position for an allocation and an experiment position for
    everything else. ``undo`` is the reason for reversing the entry straight after it is
    keyed: the demo's corrections of its own mistakes.
    """

    on: date
    op: str
    target: int
    amount: Decimal
    reason: str
    by: int = 0  # which of the two fund managers keys it
    undo: str | None = None


@dataclass(frozen=True, kw_only=True)
class VirementPlan:
    source: int
    destination: int
    amount: Decimal
    reason: str
    by: int
    approval: str | None  # None: left waiting for a second person


@dataclass(frozen=True, kw_only=True)
class Plan:
    window: Window
    financial_years: str
    purpose: str
    experiments: tuple[ExperimentPlan, ...]
    moves: tuple[Move, ...]  # in value-date order
    virements: tuple[VirementPlan, ...]
    impact: tuple[MapPlan, ...]  # the impact maps of the SROI review, on the last day


def plan(*, seed: int = 2026, today: date | None = None) -> Plan:
    """Decide the whole demo portfolio; the same seed and day always give the same plan."""
    rng = random.Random(seed)
    window = window_as_of(today or db.today())
    experiments = large_experiments(rng, window) + small_grants(rng, window)
    moves = _allocations(experiments, window)
    for position, experiment in enumerate(experiments):
        moves += _money_moves(rng, position, experiment, window)
    moves.sort(key=lambda move: move.on)  # stable: same-day moves keep their planned order
    years = financial_years(window.launch)
    return Plan(
        window=window,
        financial_years=years,
        purpose=_purpose(years),
        experiments=tuple(experiments),
        moves=tuple(moves),
        virements=_virements(),
        impact=plan_maps(rng, experiments),
    )


def _purpose(years: str) -> str:
    return (
        f"{OWNER_BODY} sets aside {format_gbp(DECLARED)} of its budget for {years} as declared "
        "risk capital for experiments in public services. The fund tests new approaches to "
        "financial inclusion, young people's transition to work and mental health through small "
        "grants, experimental zones, payment-by-results contracts and social venture "
        "investments. Some experiments will fail: the fund is judged by the lessons they produce "
        "and by how quickly what works is taken up."
    )


MH_TOP_UP = Decimal("100000.00")
TOP_UP_DAYS_AGO = 20
WRONG_PROGRAMME = "allocation keyed to the wrong programme; re-entered against Mental health"


def _allocations(experiments: list[ExperimentPlan], window: Window) -> list[Move]:
    """Each programme opens with its planned commitments plus a tenth and £60,000 of headroom,
    so the virements have room; Mental health gets a recent top-up (first keyed against the
    wrong programme, then reversed); the rest of the ring-fence stays in reserve."""
    needs = [Decimal("0.00")] * len(PROGRAMMES)
    for experiment in experiments:
        needs[experiment.programme] += experiment.amount or 0
    amounts = [ceil_to(need * Decimal("1.1") + 60000, 50000) for need in needs]
    opening = f"Opening allocation for {financial_years(window.launch)}"
    top_up = {
        "on": window.today - timedelta(days=TOP_UP_DAYS_AGO),
        "op": "allocate",
        "amount": MH_TOP_UP,
        "reason": "Top-up from the reserve: demand for the crisis café and talking therapies",
        "by": 1,
    }
    return [
        *(
            Move(on=window.launch, op="allocate", target=p, amount=amounts[p], reason=opening)
            for p in (FI, YP, MH)
        ),
        Move(target=YP, undo=WRONG_PROGRAMME, **top_up),
        Move(target=MH, **top_up),
    ]


def _money_moves(
    rng: random.Random, position: int, experiment: ExperimentPlan, window: Window
) -> list[Move]:
    """The commitment of one experiment and everything paid or returned against it since."""
    if experiment.amount is None:
        return []
    by = position % 2  # the two fund managers share the work, and approve each other's
    flows = [*commit_flows(experiment), *FLOWS[experiment.story](rng, experiment, window)]
    return [
        Move(target=position, by=by, **flow._asdict()) for flow in flows if flow.on <= window.today
    ]


def _virements() -> tuple[VirementPlan, ...]:
    """One virement approved by the other fund manager, and one still waiting for them: asked
    by ``manager``, so that ``manager2`` approves it in the README's walk-through."""
    return (
        VirementPlan(
            source=FI,
            destination=MH,
            amount=Decimal("40000.00"),
            reason="Move £40,000.00 to Mental health: the peer-support app is ready to scale",
            by=1,
            approval="Approved: evidence reviewed at the quarterly investment panel",
        ),
        VirementPlan(
            source=YP,
            destination=MH,
            amount=Decimal("25000.00"),
            reason="Move £25,000.00 to Mental health to open the crisis café at weekends",
            by=0,
            approval=None,
        ),
    )
