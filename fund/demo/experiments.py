"""The sixty experiments the demo fund holds: the catalogue's twelve bigger bets, sized at
random, and forty-eight small grants spread across every phase, risk and involvement."""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

from fund.demo.amounts import PENNY
from fund.demo.catalogue import (
    CREATOR,
    GRANT_INVOLVEMENT,
    GRANT_PHASES,
    GRANT_RISKS,
    GRANT_SUPPORT,
    GRANT_TITLES,
    INVESTOR,
    LARGE,
    PARTNERS,
    PHASE_STARTS,
    PROGRAMMES,
    USER_LED,
    ProgrammeSpec,
)
from fund.demo.timeline import Window
from fund.register import Instrument, Involvement, PartnerRole, PartnerShare, RiskRating

CLAWBACK_AFTER = 100  # days from award to the clawback of a grant stopped early


@dataclass(frozen=True, kw_only=True)
class ExperimentPlan:
    programme: int
    title: str
    instrument: Instrument
    phase: int
    risk: RiskRating
    official: str
    involvement: Involvement
    partners: tuple[PartnerShare, ...]
    counterparty: str
    amount: Decimal | None  # None: a latent idea, nothing committed yet
    start: date | None
    story: str  # how its money moves: a key of flows.FLOWS


def _shares(partners: tuple[tuple[str, PartnerRole, int, int], ...]) -> tuple[PartnerShare, ...]:
    """Partners as the register takes them; each name's sector comes from :data:`PARTNERS`."""
    return tuple(
        PartnerShare(
            name=name,
            sector=PARTNERS[name].value,
            role=role.value,
            match_cash=Decimal(cash).quantize(PENNY),
            match_in_kind=Decimal(in_kind).quantize(PENNY),
        )
        for name, role, cash, in_kind in partners
    )


def large_experiments(rng: random.Random, window: Window) -> list[ExperimentPlan]:
    """The twelve bigger bets, sized at random within their realistic range."""
    return [
        ExperimentPlan(
            programme=spec.programme,
            title=spec.title,
            instrument=spec.instrument,
            phase=spec.phase,
            risk=spec.risk,
            official=rng.choice(PROGRAMMES[spec.programme].officials),
            involvement=spec.involvement,
            partners=_shares(spec.partners),
            counterparty=spec.partners[0][0],
            amount=Decimal(rng.randrange(spec.low, spec.high + 1) * 1000).quantize(PENNY),
            start=window.at(spec.start),
            story=spec.story,
        )
        for spec in LARGE
    ]


def _spread(rng: random.Random, counts: dict) -> list:
    """Each value as many times as counted, shuffled: every value is sure to appear."""
    values = [value for value, count in counts.items() for _ in range(count)]
    rng.shuffle(values)
    return values


def small_grants(rng: random.Random, window: Window) -> list[ExperimentPlan]:
    """Forty-eight small grants, £500 to £10,000, across every phase, risk and involvement."""
    slots = [(programme, title) for programme, titles in GRANT_TITLES.items() for title in titles]
    phases = _spread(rng, GRANT_PHASES)
    risks = _spread(rng, GRANT_RISKS)
    involvement = _spread(rng, GRANT_INVOLVEMENT)
    grants = [
        _grant(rng, window, programme, title, phase, risk, level)
        for (programme, title), phase, risk, level in zip(
            slots, phases, risks, involvement, strict=True
        )
    ]
    return _mishaps(rng, window, grants)


def _mishaps(
    rng: random.Random, window: Window, grants: list[ExperimentPlan]
) -> list[ExperimentPlan]:
    """Two grants whose money goes wrong, as it does in any real fund: one stopped early and
    clawed back, and the newest award keyed with the wrong amount and corrected by a reversal
    (newest, so the audit trail's recent rows show a correction)."""
    clawback_by = window.today - timedelta(days=CLAWBACK_AFTER)
    stopped = rng.choice(
        [g for g in grants if g.phase == 2 and g.amount >= 2500 and g.start <= clawback_by]
    )
    mistyped = max(
        (g for g in grants if g.amount is not None and g.amount <= 9000), key=lambda g: g.start
    )
    chosen = {id(stopped): "grant clawed back", id(mistyped): "grant keyed wrongly"}
    return [replace(g, story=chosen.get(id(g), g.story)) for g in grants]


def _grant(
    rng: random.Random,
    window: Window,
    programme: int,
    title: str,
    phase: int,
    risk: RiskRating,
    involvement: Involvement,
) -> ExperimentPlan:
    spec = PROGRAMMES[programme]
    creators = spec.user_groups if involvement == USER_LED else spec.creators
    creator = rng.choice(creators)
    partners = ((creator, CREATOR, 0, rng.randrange(2, 41) * 50), *_support(rng, spec, creator))
    latent = phase == 0
    return ExperimentPlan(
        programme=programme,
        title=title,
        instrument=Instrument.SMALL_GRANT,
        phase=phase,
        risk=risk,
        official=rng.choice(spec.officials),
        involvement=involvement,
        partners=_shares(partners),
        counterparty=creator,
        amount=None if latent else Decimal(rng.randrange(10, 201) * 50).quantize(PENNY),
        start=None if latent else window.at(rng.uniform(*PHASE_STARTS[phase])),
        story="latent" if latent else "grant",
    )


def _support(rng: random.Random, spec: ProgrammeSpec, creator: str) -> list[tuple]:
    """One or two supporting partners: an evaluator, a funder, a broker or a commissioner."""
    chosen = []
    for role, names in rng.sample(GRANT_SUPPORT, rng.randint(1, 2)):
        name = rng.choice(names or spec.seekers)
        if name == creator:
            continue
        cash = rng.randrange(10, 101) * 50 if role == INVESTOR else 0
        in_kind = 0 if role == INVESTOR else rng.randrange(4, 61) * 50
        chosen.append((name, role, cash, in_kind))
    return chosen
