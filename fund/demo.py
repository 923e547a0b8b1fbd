"""The demo portfolio: a believable two-year-old fund, built only through the real services.

A demo is how a council officer, an auditor or a board member first meets Ringfence, so it
tells the fund's story the way a real one would: a £5,000,000.00 ring-fence advertised by a
metropolitan borough council, three programmes on the Inclusive Economy Partnership's
challenge areas, sixty experiments across the four instruments and the five lifecycle
phases, and two years of money moving, including the awkward parts (a clawback, a failed
venture written off, a zone closed early, mistakes corrected by reversing entries, a
virement still waiting for a second person).

:func:`plan` decides everything from the seed and the date (a pure function: the same seed
and day always give the same portfolio); :func:`build` carries the plan out through the
same services, permissions and invariants as real input, so a demo that builds is also
evidence that those services accept a realistic fund.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_HALF_UP, Decimal
from functools import partial
from typing import NamedTuple

import duckdb
import pandas as pd

from fund import ledger, users
from fund.auth import Role, User
from fund.db import transaction, utc_now
from fund.errors import ValidationError
from fund.money import format_gbp
from fund.register import (
    Instrument,
    Involvement,
    PartnerRole,
    PartnerShare,
    RiskRating,
    Sector,
    add_experiment,
    add_programme,
    declare_ringfence,
)
from fund.unit_of_work import Written

__all__ = [
    "DEMO_USERS",
    "DemoSummary",
    "DemoUser",
    "Plan",
    "build",
    "is_demo",
    "plan",
    "users_table",
]

PENNY = Decimal("0.01")
POUND = Decimal("1")


class DemoUser(NamedTuple):
    """A demo account; the README and a demo database's sign-in page show these passwords."""

    username: str
    display_name: str
    role: Role
    password: str


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("admin", "Adam Kowalski", Role.ADMIN, "admin-demo-pw"),
    DemoUser("manager", "Fatima Hussain", Role.FUND_MANAGER, "manager-demo-pw"),
    DemoUser("manager2", "Daniel Okoro", Role.FUND_MANAGER, "manager2-demo-pw"),
    DemoUser("auditor", "Alice Whitfield", Role.AUDITOR, "auditor-demo-pw"),
    DemoUser("board", "Cllr Margaret Bell", Role.BOARD_MEMBER, "board-demo-pw"),
)

OWNER_BODY = "Calderbrook Metropolitan Borough Council"
RINGFENCE_NAME = "Calderbrook Innovation Risk Fund"
DECLARED = Decimal("5000000.00")
DELEGATED_LIMIT = Decimal("10000.00")

# ---------------------------------------------------------------------------------------
# Who is who: partners (name → sector), programmes, the officials responsible.
# ---------------------------------------------------------------------------------------

GOV, BIZ, CIV, UNI, USR = (
    Sector.GOVERNMENT,
    Sector.BUSINESS,
    Sector.CIVIL_SOCIETY,
    Sector.UNIVERSITY,
    Sector.SERVICE_USERS,
)
CREATOR, SEEKER, INVESTOR, POLICY, BROKER, EVALUATOR = (
    PartnerRole.INNOVATION_CREATOR,
    PartnerRole.INNOVATION_SEEKER,
    PartnerRole.INVESTOR,
    PartnerRole.POLICY_MAKER,
    PartnerRole.BROKER,
    PartnerRole.EVALUATOR,
)

PARTNERS: dict[str, Sector] = {
    "Calderbrook Jobcentre Plus": GOV,
    "Calderbrook Council Housing Services": GOV,
    "Calderbrook Council Children's Services": GOV,
    "Calderbrook Public Health": GOV,
    "NHS Calderbrook Integrated Care Board": GOV,
    "West Pennine Combined Authority": GOV,
    "Pennine Building Society": BIZ,
    "Moorside Manufacturing Ltd": BIZ,
    "Calder Valley Buses": BIZ,
    "Brightlink Digital Ltd": BIZ,
    "Hollins & Shaw Accountants": BIZ,
    "Northern Grid Energy": BIZ,
    "Calderbrook Credit Union": CIV,
    "Calderbrook Advice Centre": CIV,
    "Moorside Community Trust": CIV,
    "Calderbrook Food Bank Network": CIV,
    "Eastfield Youth Project": CIV,
    "Calderbrook Mental Wellbeing Trust": CIV,
    "St Aidan's Community Hall Trust": CIV,
    "Calder Valley Men's Shed": CIV,
    "Pennine Community Foundation": CIV,
    "Northern Social Investment Fund": CIV,
    "Calderbrook Voluntary Action": CIV,
    "University of Calderbrook": UNI,
    "Pennine Metropolitan University": UNI,
    "Calderbrook Tenants' Federation": USR,
    "Calderbrook Young People's Forum": USR,
    "Care Leavers' Voice Calderbrook": USR,
    "Lived Experience Collective": USR,
    "Carers' Circle Calderbrook": USR,
}

FI, YP, MH = 0, 1, 2  # programme positions in PROGRAMMES


class ProgrammeSpec(NamedTuple):
    name: str
    target: str
    officials: tuple[str, ...]
    creators: tuple[str, ...]  # who runs its small grants (civil society, business)
    user_groups: tuple[str, ...]  # who runs its user-led small grants
    seekers: tuple[str, ...]  # the public bodies that want its answers


PROGRAMMES: tuple[ProgrammeSpec, ...] = (
    ProgrammeSpec(
        "Financial inclusion",
        "Cut the share of Calderbrook households with no savings buffer from one in four to "
        "one in six, and problem-debt referrals by a fifth, by March 2028",
        ("Helen Achebe", "Tom Brierley", "Nadia Rahman"),
        ("Calderbrook Credit Union", "Calderbrook Advice Centre", "Moorside Community Trust",
         "Calderbrook Food Bank Network"),
        ("Calderbrook Tenants' Federation",),
        ("Calderbrook Council Housing Services", "Calderbrook Public Health"),
    ),
    ProgrammeSpec(
        "Young people's transition to work",
        "Reduce the number of 16–24 year olds not in education, employment or training by "
        "20%, and double the number of care leavers in sustained work",
        ("Sunita Kaur", "Gareth Lloyd", "Liam Doherty"),
        ("Eastfield Youth Project", "Moorside Manufacturing Ltd", "Calderbrook Voluntary Action",
         "Moorside Community Trust"),
        ("Calderbrook Young People's Forum", "Care Leavers' Voice Calderbrook"),
        ("Calderbrook Jobcentre Plus", "Calderbrook Council Children's Services"),
    ),
    ProgrammeSpec(
        "Mental health",
        "Help 1,000 residents with common mental health problems stay in or return to work, "
        "and halve the wait for first support from twelve weeks to six",
        ("Rachel Dunmore", "Imran Siddiqui", "Claire Hepworth"),
        ("Calderbrook Mental Wellbeing Trust", "St Aidan's Community Hall Trust",
         "Calder Valley Men's Shed"),
        ("Lived Experience Collective", "Carers' Circle Calderbrook"),
        ("NHS Calderbrook Integrated Care Board", "Calderbrook Public Health"),
    ),
)  # fmt: skip

GRANT_TITLES: dict[int, tuple[str, ...]] = {
    FI: (
        "Credit union savings nudges for shift workers",
        "Payroll savings scheme for care home staff",
        "Energy debt advice at the school gate",
        "Cash-first crisis support in food banks",
        "Peer budgeting circles for new tenants",
        "Benefits check-ups in GP waiting rooms",
        "No-interest loans for white goods",
        "Money mentors for care leavers",
        "Digital banking drop-ins at branch libraries",
        "Rent arrears early-warning texts",
        "Bill-splitting advice for house shares",
        "Savings clubs in primary schools",
        "Debt advice by WhatsApp for young parents",
        "Council tax hardship triage at the one-stop shop",
        "Mobile phone social tariff sign-up days",
        "Illegal money lending awareness in barbers' shops",
    ),
    YP: (
        "Paid taster days with local manufacturers",
        "Travel passes for first-month apprentices",
        "Youth-led job club at the skate park",
        "Interview clothing bank with mock interviews",
        "Guaranteed interviews for care leavers",
        "Driving lessons for rural job seekers",
        "Digital skills bootcamp for 18–24s out of work",
        "Work experience brokerage for students with SEND",
        "Mentoring by recent apprentices",
        "Construction pre-employment course for young women",
        "CV workshops on social media led by young people",
        "Market-stall trading weekends for young entrepreneurs",
        "Speed networking between sixth forms and employers",
        "Supported internships in the council's depots",
        "Summer work tasters with a hot lunch",
        "Peer text reminders to stay in training",
    ),
    MH: (
        "Walk-and-talk peer support for men over 40",
        "Mental health first aiders in small firms",
        "Joint debt and anxiety clinic at the health centre",
        "Allotment therapy for people off work with stress",
        "Crisis café open until midnight",
        "Text listening service for night-shift workers",
        "Employment advisers inside talking therapies",
        "Youth wellbeing conversations in barbershops",
        "Creative writing groups for carers",
        "Bereavement peer circles in faith centres",
        "Football therapy sessions for young men",
        "Social prescribing link workers in pharmacies",
        "Workplace anxiety toolkit co-designed with bus drivers",
        "Online CBT with weekly phone check-ins",
        "Buddying for recently retired residents",
        "Sleep and fatigue clinic for shift workers",
    ),
}


class LargeSpec(NamedTuple):
    """One of the fund's bigger bets, written out by hand because each tells a story."""

    programme: int
    title: str
    instrument: Instrument
    phase: int
    risk: RiskRating
    involvement: Involvement
    low: int  # size range in thousands of pounds
    high: int
    start: float  # when it was committed, as a fraction of the commitment window
    story: str  # how its money moves: a key of _FLOWS
    partners: tuple[tuple[str, PartnerRole, int, int], ...]  # name, role, cash, in kind


LOW, MEDIUM, HIGH = RiskRating.LOW, RiskRating.MEDIUM, RiskRating.HIGH
INFORMED, CONSULTED, CO_DESIGNED, USER_LED = (
    Involvement.INFORMED,
    Involvement.CONSULTED,
    Involvement.CO_DESIGNED,
    Involvement.USER_LED,
)
ZONE, PBR, VENTURE = (
    Instrument.EXPERIMENTAL_ZONE,
    Instrument.PBR_CONTRACT,
    Instrument.SOCIAL_VENTURE,
)

LARGE: tuple[LargeSpec, ...] = (
    LargeSpec(YP, "Youth employment zone in Eastfield and Moorside", ZONE, 3, HIGH, CO_DESIGNED,
              250, 400, 0.04, "zone",
              (("Eastfield Youth Project", CREATOR, 0, 18000),
               ("Calderbrook Jobcentre Plus", POLICY, 0, 42000),
               ("West Pennine Combined Authority", SEEKER, 60000, 0),
               ("University of Calderbrook", EVALUATOR, 0, 25000))),
    LargeSpec(FI, "Affordable credit zone in the town centre", ZONE, 2, MEDIUM, CONSULTED,
              100, 175, 0.15, "zone with a duplicate payment",
              (("Calderbrook Credit Union", CREATOR, 15000, 12000),
               ("Calderbrook Council Housing Services", POLICY, 0, 8000),
               ("Pennine Building Society", INVESTOR, 40000, 0),
               ("Pennine Metropolitan University", EVALUATOR, 0, 15000))),
    LargeSpec(MH, "Individual placement and support zone for common mental health problems",
              ZONE, 2, HIGH, CO_DESIGNED, 175, 250, 0.2, "zone",
              (("Calderbrook Mental Wellbeing Trust", CREATOR, 0, 20000),
               ("NHS Calderbrook Integrated Care Board", SEEKER, 50000, 0),
               ("Calderbrook Jobcentre Plus", POLICY, 0, 15000),
               ("Lived Experience Collective", BROKER, 0, 6000),
               ("University of Calderbrook", EVALUATOR, 0, 18000))),
    LargeSpec(YP, "Earn-while-you-learn zone for 16–17 year olds", ZONE, 1, HIGH, INFORMED,
              100, 175, 0.1, "zone closed early",
              (("Calderbrook Voluntary Action", CREATOR, 0, 9000),
               ("Calderbrook Council Children's Services", POLICY, 0, 12000),
               ("Pennine Metropolitan University", EVALUATOR, 0, 10000))),
    LargeSpec(YP, "Outcomes contract: sustained jobs for care leavers", PBR, 2, HIGH, CO_DESIGNED,
              350, 450, 0.1, "outcomes",
              (("Eastfield Youth Project", CREATOR, 0, 15000),
               ("Northern Social Investment Fund", INVESTOR, 180000, 0),
               ("Calderbrook Council Children's Services", SEEKER, 0, 10000),
               ("Care Leavers' Voice Calderbrook", BROKER, 0, 5000),
               ("Pennine Metropolitan University", EVALUATOR, 0, 20000))),
    LargeSpec(MH, "Outcomes contract: work for people with severe mental illness", PBR, 3,
              MEDIUM, CONSULTED, 500, 600, 0.05, "outcomes",
              (("Calderbrook Mental Wellbeing Trust", CREATOR, 0, 25000),
               ("Pennine Community Foundation", INVESTOR, 150000, 0),
               ("NHS Calderbrook Integrated Care Board", SEEKER, 75000, 0),
               ("University of Calderbrook", EVALUATOR, 0, 22000))),
    LargeSpec(FI, "Community lender expansion loan", VENTURE, 4, LOW, CONSULTED, 180, 250, 0.02,
              "loan with a duplicate repayment",
              (("Calderbrook Credit Union", CREATOR, 25000, 0),
               ("Pennine Building Society", INVESTOR, 100000, 0),
               ("Hollins & Shaw Accountants", BROKER, 0, 4000))),
    LargeSpec(FI, "Rent-to-own alternative social enterprise", VENTURE, 1, HIGH, INFORMED,
              50, 90, 0.1, "failed venture",
              (("Moorside Community Trust", CREATOR, 5000, 3000),
               ("Northern Social Investment Fund", INVESTOR, 30000, 0),
               ("Calderbrook Tenants' Federation", EVALUATOR, 0, 1500))),
    LargeSpec(YP, "Equity stake in a youth-run digital agency", VENTURE, 3, HIGH, USER_LED,
              80, 140, 0.25, "equity",
              (("Calderbrook Young People's Forum", CREATOR, 0, 6000),
               ("Brightlink Digital Ltd", INVESTOR, 45000, 10000),
               ("West Pennine Combined Authority", POLICY, 0, 3000))),
    LargeSpec(MH, "Recoverable grant to a peer-support app start-up", VENTURE, 2, HIGH, USER_LED,
              50, 110, 0.35, "equity",
              (("Lived Experience Collective", CREATOR, 0, 8000),
               ("Brightlink Digital Ltd", BROKER, 0, 12000),
               ("NHS Calderbrook Integrated Care Board", SEEKER, 20000, 0))),
    LargeSpec(MH, "Wellbeing café social enterprise loan", VENTURE, 3, MEDIUM, CO_DESIGNED,
              110, 180, 0.2, "loan",
              (("St Aidan's Community Hall Trust", CREATOR, 8000, 6000),
               ("Pennine Community Foundation", INVESTOR, 35000, 0),
               ("Calderbrook Public Health", POLICY, 0, 4000))),
    LargeSpec(YP, "Bike repair workshop training enterprise loan", VENTURE, 4, MEDIUM, CONSULTED,
              140, 220, 0.05, "loan",
              (("Calderbrook Voluntary Action", CREATOR, 0, 7000),
               ("Calder Valley Buses", INVESTOR, 25000, 5000),
               ("Northern Grid Energy", BROKER, 0, 2500))),
)  # fmt: skip

# How many of the 48 small grants sit in each phase, risk rating and involvement level.
GRANT_PHASES = {0: 5, 1: 11, 2: 12, 3: 11, 4: 9}
GRANT_RISKS = {LOW: 20, MEDIUM: 18, HIGH: 10}
GRANT_INVOLVEMENT = {INFORMED: 8, CONSULTED: 14, CO_DESIGNED: 16, USER_LED: 10}
# When a grant of each phase was awarded, as a fraction of the commitment window.
PHASE_STARTS = {1: (0.7, 1.0), 2: (0.4, 0.8), 3: (0.15, 0.55), 4: (0.0, 0.35)}
GRANT_SUPPORT = (
    (EVALUATOR, ("University of Calderbrook", "Pennine Metropolitan University")),
    (INVESTOR, ("Pennine Community Foundation", "Pennine Building Society")),
    (BROKER, ("Calderbrook Voluntary Action", "Hollins & Shaw Accountants")),
    (SEEKER, ()),  # the programme's own seekers
    (POLICY, ("West Pennine Combined Authority",)),
)

# ---------------------------------------------------------------------------------------
# The plan: pure data, decided by the seed and the date alone.
# ---------------------------------------------------------------------------------------


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
    story: str  # how its money moves: a key of _FLOWS


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
class Window:
    """The fund's calendar: advertised, first allocations, last new commitment, today."""

    advertised: date
    launch: date
    last_commitment: date
    today: date

    def at(self, fraction: float) -> date:
        """The day a fraction of the way through the commitment window."""
        span = (self.last_commitment - self.launch).days
        return self.launch + timedelta(days=round(span * fraction))


@dataclass(frozen=True, kw_only=True)
class Plan:
    window: Window
    financial_years: str
    purpose: str
    experiments: tuple[ExperimentPlan, ...]
    moves: tuple[Move, ...]  # in value-date order
    virements: tuple[VirementPlan, ...]


def plan(*, seed: int = 2026, today: date | None = None) -> Plan:
    """Decide the whole demo portfolio; the same seed and day always give the same plan."""
    rng = random.Random(seed)
    window = _window(today or utc_now().date())
    experiments = _large(rng, window) + _grants(rng, window)
    moves = _allocations(experiments, window)
    for position, experiment in enumerate(experiments):
        moves += _money_moves(rng, position, experiment, window)
    moves.sort(key=lambda move: move.on)  # stable: same-day moves keep their planned order
    years = _financial_years(window.launch)
    return Plan(
        window=window,
        financial_years=years,
        purpose=_purpose(years),
        experiments=tuple(experiments),
        moves=tuple(moves),
        virements=_virements(),
    )


def _window(today: date) -> Window:
    """Advertised two years ago, allocated five weeks later; new commitments stop when the
    declared financial years end, while payments on them go on to today."""
    advertised = today - timedelta(days=730)
    launch = advertised + timedelta(days=35)
    years_end = date(_financial_year(launch) + 2, 3, 31)
    return Window(
        advertised=advertised,
        launch=launch,
        last_commitment=min(years_end, today - timedelta(days=21)),
        today=today,
    )


def _financial_year(day: date) -> int:
    """UK public bodies budget from April to March; 2024 means 2024-25."""
    return day.year if day.month >= 4 else day.year - 1


def _financial_years(launch: date) -> str:
    """The two years the ring-fence is declared for: '2024-25 to 2025-26'."""
    first = _financial_year(launch)
    return f"{first}-{(first + 1) % 100:02d} to {first + 1}-{(first + 2) % 100:02d}"


def _purpose(years: str) -> str:
    return (
        f"{OWNER_BODY} sets aside {format_gbp(DECLARED)} of its budget for {years} as declared "
        "risk capital for experiments in public services. The fund tests new approaches to "
        "financial inclusion, young people's transition to work and mental health through small "
        "grants, experimental zones, payment-by-results contracts and social venture "
        "investments. Some experiments will fail: the fund is judged by the lessons they produce "
        "and by how quickly what works is taken up."
    )


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


def _large(rng: random.Random, window: Window) -> list[ExperimentPlan]:
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


def _grants(rng: random.Random, window: Window) -> list[ExperimentPlan]:
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
    (newest, because a reversal is dated the day it is made: the day of the build)."""
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


def _share_of(amount: Decimal, fraction: str) -> Decimal:
    """A fraction of an amount, to the whole pound (half up), as money."""
    return (amount * Decimal(fraction)).quantize(POUND, rounding=ROUND_HALF_UP).quantize(PENNY)


def _ceil_to(amount: Decimal, step: int) -> Decimal:
    return ((amount / step).to_integral_value(rounding=ROUND_CEILING) * step).quantize(PENNY)


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
    amounts = [_ceil_to(need * Decimal("1.1") + 60000, 50000) for need in needs]
    opening = f"Opening allocation for {_financial_years(window.launch)}"
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


# ---------------------------------------------------------------------------------------
# How each kind of experiment's money moves after it is committed.
# ---------------------------------------------------------------------------------------


class Flow(NamedTuple):
    """A money movement against an experiment's commitment (see :class:`Move`)."""

    on: date
    op: str
    amount: Decimal
    reason: str
    undo: str | None = None


CLAWBACK_AFTER = 100  # days from award to the clawback of a grant stopped early
COMMIT_REASONS = {
    Instrument.SMALL_GRANT: "Small grant awarded under delegated authority",
    Instrument.EXPERIMENTAL_ZONE: "Zone funding agreement signed",
    Instrument.PBR_CONTRACT: "Outcomes contract signed: maximum liability",
    Instrument.SOCIAL_VENTURE: "Investment agreement completed",
}
APPROVAL_REASON = "Second fund manager's approval: above the £10,000.00 delegated limit"
OUTCOME_PRICES = {YP: Decimal("3200.00"), MH: Decimal("2750.00")}


def _money_moves(
    rng: random.Random, position: int, experiment: ExperimentPlan, window: Window
) -> list[Move]:
    """The commitment of one experiment and everything paid or returned against it since."""
    if experiment.amount is None:
        return []
    by = position % 2  # the two fund managers share the work, and approve each other's
    flows = [*_commit_flows(experiment), *_FLOWS[experiment.story](rng, experiment, window)]
    return [
        Move(target=position, by=by, **flow._asdict()) for flow in flows if flow.on <= window.today
    ]


def _commit_flows(experiment: ExperimentPlan) -> list[Flow]:
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
    tranche = _share_of(grant.amount, "0.6")
    flows = [Flow(first, "pay", tranche, "First tranche (60%) of grant on signed agreement")]
    report = grant.start + timedelta(days=rng.randrange(120, 301))
    if grant.phase >= 2:
        reason = "Final tranche of grant on receipt of the end-of-project report"
        flows.append(Flow(report, "pay", grant.amount - tranche, reason))
    return flows


def _clawed_back_flows(rng: random.Random, grant: ExperimentPlan, window: Window) -> list[Flow]:
    """A grant whose project stopped after a pilot month: part of the first tranche returns."""
    flows = _grant_flows(rng, grant, window)[:1]
    returned = _share_of(flows[0].amount, "0.25")
    reason = "Clawback: project stopped after its pilot month; unspent grant returned"
    return [*flows, Flow(grant.start + timedelta(days=CLAWBACK_AFTER), "recover", returned, reason)]


def _twice(flows: list[Flow], window: Window, op: str, undo: str) -> list[Flow]:
    """The latest movement keyed a second time by mistake, to be reversed at once (the latest,
    because the reversal is dated the day of the build)."""
    latest = max(n for n, flow in enumerate(flows) if flow.op == op and flow.on <= window.today)
    return [*flows[: latest + 1], flows[latest]._replace(undo=undo), *flows[latest + 1 :]]


def _month_after(day: date, months: int) -> date:
    total = day.month - 1 + months
    return date(day.year + total // 12, total % 12 + 1, min(day.day, 28))


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
        day = _month_after(zone.start, month)
        amount = zone.amount - 23 * instalment if month == 24 else instalment
        reason = f"Zone running costs for {_month_after(zone.start, month - 1):%B %Y}"
        flows.append(Flow(day, "pay", amount, reason))
    if duplicate:
        flows = _twice(flows, window, "pay", "duplicate payment keyed twice")
    if months_open < 24:
        closed = _month_after(zone.start, months_open) + timedelta(days=10)
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
        day = _month_after(contract.start, 9 + 3 * quarter)
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
    first = _share_of(venture.amount, "0.4")
    second = _share_of(venture.amount, "0.3")
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
    repayment = _share_of(loan.amount, "0.075")
    flows = _drawdowns(rng, loan, window)
    for quarter in range(8):
        day = _month_after(loan.start, 12 + 3 * quarter)
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


_FLOWS: dict[str, Callable[[random.Random, ExperimentPlan, Window], list[Flow]]] = {
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


def _virements() -> tuple[VirementPlan, ...]:
    """One virement approved by the other fund manager, and one still waiting for them."""
    return (
        VirementPlan(
            source=FI,
            destination=MH,
            amount=Decimal("40000.00"),
            reason="Move £40,000.00 to Mental health: the peer-support app is ready to scale",
            by=0,
            approval="Approved: evidence reviewed at the quarterly investment panel",
        ),
        VirementPlan(
            source=YP,
            destination=MH,
            amount=Decimal("25000.00"),
            reason="Move £25,000.00 to Mental health to open the crisis café at weekends",
            by=1,
            approval=None,
        ),
    )


# ---------------------------------------------------------------------------------------
# Carrying the plan out through the services.
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class DemoSummary:
    """What :func:`build` made, for the CLI to report and tests to look up."""

    ringfence_id: int
    programme_ids: tuple[int, ...]
    experiment_ids: tuple[int, ...]
    commitments: int
    ledger_entries: int
    reversals: int
    approvals: int
    pending_request_id: int


@dataclass(kw_only=True)
class _Run:
    """The state of a build: its connection, its fund managers and the ids made so far."""

    con: duckdb.DuckDBPyConnection
    plan: Plan
    managers: tuple[User, ...] = ()
    programme_ids: list[int] = field(default_factory=list)
    experiment_ids: list[int] = field(default_factory=list)
    commitments: dict[int, int] = field(default_factory=dict)  # experiment position → id
    reversals: int = 0
    approvals: int = 0
    keys: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def key(self) -> str:
        """Idempotency keys are deterministic, so two builds write the same audit details."""
        return f"demo-{next(self.keys)}"

    def manager(self, which: int) -> User:
        return self.managers[which % 2]

    def other(self, which: int) -> User:
        """The second pair of eyes: the fund manager who did not make the request."""
        return self.managers[(which + 1) % 2]


def build(
    con: duckdb.DuckDBPyConnection, *, seed: int = 2026, today: date | None = None
) -> DemoSummary:
    """Fill an empty, migrated database with the demo users and portfolio.

    Every row goes through the services, so the demo obeys every permission and invariant a
    real fund does. ``today`` (default: today, UTC) anchors the two years of value dates;
    reversals and approved virements are dated the day the build runs, as the ledger
    dates every correction when it is made.
    """
    today = today or utc_now().date()
    if today > utc_now().date():
        raise ValidationError("today", f"must not be in the future, not {today}")
    if con.execute("SELECT count(*) FROM app_user").fetchall()[0][0]:
        raise ValidationError(
            "database", "the demo goes into an empty database; this one has users"
        )
    run = _Run(con=con, plan=plan(seed=seed, today=today))
    _mark_as_demo(con)
    _add_users(run)
    ringfence_id = _add_register(run)
    for move in run.plan.moves:
        _carry_out(run, move)
    pending = _vire(run)
    return _summary(run, ringfence_id, pending)


def is_demo(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether this database was made by :func:`build`: only then may the sign-in page show
    the demo passwords."""
    found = con.execute("SELECT value FROM setting WHERE name = 'demo'").fetchall()
    return bool(found) and found[0][0] == "true"


def _mark_as_demo(con: duckdb.DuckDBPyConnection) -> None:
    with transaction(con):
        con.execute("INSERT INTO setting VALUES ('demo', 'true')")


def users_table() -> pd.DataFrame:
    """The demo accounts as the sign-in page of a demo database lists them."""
    return pd.DataFrame(
        [(u.username, u.display_name, u.role.label, u.password) for u in DEMO_USERS],
        columns=["user name", "name", "role", "password"],
    )


def _add_users(run: _Run) -> None:
    """The admin founds the database and adds one user per role, plus a second fund manager."""
    admin_spec, *others = DEMO_USERS
    admin = users.bootstrap_admin(
        run.con,
        username=admin_spec.username,
        display_name=admin_spec.display_name,
        password=admin_spec.password,
    )
    managers = []
    for spec in others:
        written = users.add_user(
            run.con,
            admin,
            username=spec.username,
            display_name=spec.display_name,
            role=spec.role.value,
            password=spec.password,
            key=run.key(),
            reason="demo account",
        )
        if spec.role == Role.FUND_MANAGER:
            managers.append(
                User(
                    user_id=written.entity_id,
                    username=spec.username,
                    display_name=spec.display_name,
                    role=spec.role,
                )
            )
    run.managers = tuple(managers)


def _add_register(run: _Run) -> int:
    """The ring-fence, its programmes and experiments, as the first fund manager records them."""
    blueprint, manager = run.plan, run.manager(0)
    ringfence_id = declare_ringfence(
        run.con,
        manager,
        name=RINGFENCE_NAME,
        owner_body=OWNER_BODY,
        financial_years=blueprint.financial_years,
        declared_amount=DECLARED,
        purpose=blueprint.purpose,
        advertised_on=blueprint.window.advertised,
        delegated_limit=DELEGATED_LIMIT,
        key=run.key(),
        reason="Declared and advertised by the Council's cabinet",
    ).entity_id
    for spec in PROGRAMMES:
        run.programme_ids.append(
            add_programme(
                run.con,
                manager,
                ringfence_id=ringfence_id,
                name=spec.name,
                target=spec.target,
                key=run.key(),
                reason="Challenge area agreed by the fund's board",
            ).entity_id
        )
    for experiment in blueprint.experiments:
        run.experiment_ids.append(_add_experiment(run, experiment))
    return ringfence_id


def _add_experiment(run: _Run, experiment: ExperimentPlan) -> int:
    return add_experiment(
        run.con,
        run.manager(0),
        programme_id=run.programme_ids[experiment.programme],
        title=experiment.title,
        instrument=experiment.instrument.value,
        phase=experiment.phase,
        risk_rating=experiment.risk.value,
        official=experiment.official,
        user_involvement=experiment.involvement.value,
        partners=list(experiment.partners),
        key=run.key(),
        reason="Selected by the programme panel",
    ).entity_id


def _carry_out(run: _Run, move: Move) -> None:
    """One planned move through its service; a mistake in the plan is reversed at once."""
    written = _OPERATIONS[move.op](run, move)
    if move.undo is not None:
        ledger.reverse(
            run.con,
            run.manager(move.by),
            entry_id=_entry_of(run, written),
            reason=move.undo,
            key=run.key(),
        )
        run.reversals += 1


def _entry_of(run: _Run, written: Written) -> int:
    """The ledger entry a write posted (a commitment's id names its record, not its entry)."""
    if written.entity == "ledger entry":
        return written.entity_id
    return run.con.execute(
        "SELECT entry_id FROM ledger_entry WHERE commitment_id = ? AND kind = 'commitment'",
        [written.entity_id],
    ).fetchall()[0][0]


def _allocate(run: _Run, move: Move) -> Written:
    return ledger.allocate(
        run.con,
        run.manager(move.by),
        programme_id=run.programme_ids[move.target],
        amount=move.amount,
        reason=move.reason,
        key=run.key(),
        on=move.on,
    )


def _commit(run: _Run, move: Move) -> Written:
    """Commit; above the delegated limit the other fund manager approves the request."""
    written = ledger.commit(
        run.con,
        run.manager(move.by),
        experiment_id=run.experiment_ids[move.target],
        amount=move.amount,
        counterparty=run.plan.experiments[move.target].counterparty,
        reason=move.reason,
        key=run.key(),
        on=move.on,
    )
    if written.entity == "approval request":
        written = ledger.decide(
            run.con,
            run.other(move.by),
            request_id=written.entity_id,
            approve=True,
            reason=APPROVAL_REASON,
            key=run.key(),
        )
        run.approvals += 1
    run.commitments[move.target] = written.entity_id
    return written


_AGAINST_COMMITMENT = {
    "pay": ledger.pay,
    "recover": ledger.recover,
    "write_off": ledger.write_off,
    "decommit": ledger.decommit,
}


def _against_commitment(run: _Run, move: Move) -> Written:
    return _AGAINST_COMMITMENT[move.op](
        run.con,
        run.manager(move.by),
        commitment_id=run.commitments[move.target],
        amount=move.amount,
        reason=move.reason,
        key=run.key(),
        on=move.on,
    )


_OPERATIONS: dict[str, Callable[[_Run, Move], Written]] = {
    "allocate": _allocate,
    "commit": _commit,
    **dict.fromkeys(_AGAINST_COMMITMENT, _against_commitment),
}


def _vire(run: _Run) -> int:
    """Request both virements; the first is approved, the second left pending. Returns its id."""
    pending = 0
    for virement in run.plan.virements:
        request_id = ledger.request_virement(
            run.con,
            run.manager(virement.by),
            amount=virement.amount,
            reason=virement.reason,
            key=run.key(),
            from_programme_id=run.programme_ids[virement.source],
            to_programme_id=run.programme_ids[virement.destination],
        ).entity_id
        if virement.approval is None:
            pending = request_id
            continue
        ledger.decide(
            run.con,
            run.other(virement.by),
            request_id=request_id,
            approve=True,
            reason=virement.approval,
            key=run.key(),
        )
        run.approvals += 1
    return pending


def _summary(run: _Run, ringfence_id: int, pending: int) -> DemoSummary:
    entries = run.con.execute("SELECT count(*) FROM ledger_entry").fetchall()[0][0]
    return DemoSummary(
        ringfence_id=ringfence_id,
        programme_ids=tuple(run.programme_ids),
        experiment_ids=tuple(run.experiment_ids),
        commitments=len(run.commitments),
        ledger_entries=entries,
        reversals=run.reversals,
        approvals=run.approvals,
        pending_request_id=pending,
    )
