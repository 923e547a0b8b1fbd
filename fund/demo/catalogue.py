"""Who is who in the demo fund: the council and its ring-fence, the partners, the three
programmes and their officials, the small grants' titles and the bigger bets written out
by hand. Static data only: :mod:`fund.demo.experiments` draws the portfolio from it."""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

from fund.register import Instrument, Involvement, PartnerRole, RiskRating, Sector

OWNER_BODY = "Calderbrook Metropolitan Borough Council"
RINGFENCE_NAME = "Calderbrook Innovation Risk Fund"
DECLARED = Decimal("5000000.00")
DELEGATED_LIMIT = Decimal("10000.00")
# The risk appetite declared with the ring-fence, in percent of it: the portfolio keeps within
# it but for one small grant to Eastfield Youth Project, which takes that counterparty past
# its 16% and so waits for the second fund manager.
APPETITE = {"high_risk_share": "40", "instrument_share": "60", "counterparty_share": "16"}

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
    story: str  # how its money moves: a key of flows.FLOWS
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
