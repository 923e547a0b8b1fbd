"""What the demo fund's experiments change, for whom, and what that is worth: the outcomes
its impact maps are drawn from, written as a published SROI report names them.

Static data only: :mod:`fund.demo.impact` chooses each experiment's outcomes from its
programme's and sizes them. Every proxy is a unit cost of the GMCA Unit Cost Database in the
proxy library; every deduction says in one line where its figure comes from.
"""

from __future__ import annotations

from typing import NamedTuple

from fund.demo.catalogue import FI, MH, YP


class OutcomeSpec(NamedTuple):
    """One row of an impact map, before its quantity is chosen.

    ``weight`` is the share of the map's value the outcome is planned to carry, relative to
    the map's other outcomes. A disbenefit (``follows``) is valued at minus its proxy and
    counted as a fraction of the map's first outcome: the harm that comes with the good.
    """

    stakeholder: str
    outcome: str
    indicator: str
    proxy_code: str
    duration_years: int
    start_year: int
    deductions: tuple[str, str, str, str]  # deadweight, displacement, attribution, drop-off
    why: tuple[str, str, str, str]  # one line each, in the same order
    weight: int  # its share of the map's value, relative to the map's other outcomes
    ranges: tuple[tuple[str, str, str, str], ...] = ()  # (assumption, low, high, distribution)
    quantity_spread: str | None = None  # the quantity's range, as a fraction either side
    follows: str | None = None  # a disbenefit: its count per unit of the first outcome


ONE_OFF = "Counted once, in the year it happens: nothing to drop off"

OUTCOMES: dict[str, OutcomeSpec] = {
    # --- Financial inclusion ------------------------------------------------------------
    "eviction": OutcomeSpec(
        "Tenants at risk of eviction",
        "Kept their home: eviction for rent arrears avoided",
        "Possession claims withdrawn once arrears were on a repayment plan (landlord records)",
        "HO1.0", 1, 1, ("0.4", "0", "0.25", "0"),
        ("Calderbrook Homes' records: 40% of possession claims are withdrawn without outside help",
         "A tenancy kept does not cost another household theirs",
         "The landlord's own income team works the same cases",
         ONE_OFF),
        30, (("deadweight", "0.3", "0.5", "triangular"),),
    ),
    "debt": OutcomeSpec(
        "Households in problem debt",
        "Priority debts brought onto an affordable repayment plan",
        "Households still keeping to a debt plan six months on (adviser follow-up)",
        "HO1.0.1", 2, 1, ("0.3", "0.05", "0.2", "0.5"),
        ("StepChange data: about three in ten such plans are agreed without advice",
         "Creditors may press other debtors a little harder; kept small",
         "Creditors' own hardship schemes contribute to the plans",
         "Money Advice Trust: half of debt plans lapse in their second year"),
        30, quantity_spread="0.2",
    ),
    "money worries": OutcomeSpec(
        "Residents worried about money",
        "Less anxiety and low mood caused by money worries",
        "Participants moving below the GAD-7 clinical threshold three months on",
        "HE11.0", 2, 1, ("0.25", "0", "0.3", "0.5"),
        ("NICE CG113: about a quarter of people recover within a year without treatment",
         "One person's better mental health takes nothing from anyone else",
         "Many also see their GP or a talking therapy in the same months",
         "Gains fade without continued support: half lost in the second year"),
        15, (("drop_off", "0.3", "0.7", "pert"),),
    ),
    "homelessness": OutcomeSpec(
        "Calderbrook Council Housing Services",
        "Fewer homelessness applications from households in financial crisis",
        "Homelessness applications avoided (housing options casework records)",
        "HO3.0", 1, 1, ("0.5", "0", "0.3", "0"),
        ("Housing options data: half of households in crisis avoid an application anyway",
         "Preventing one application does not move need to another household",
         "Discretionary housing payments help the same households",
         ONE_OFF),
        10,
    ),
    "money gp": OutcomeSpec(
        "GP practices in Calderbrook",
        "Fewer GP appointments about stress and money worries",
        "GP consultations avoided in the six months after support (self-reported, sampled)",
        "HE20.2", 1, 1, ("0.2", "0", "0.2", "0"),
        ("Practice audit: a fifth of such appointments stop as money problems ease unaided",
         "A freed appointment is offered to another patient, not saved elsewhere",
         "Social prescribing link workers see some of the same patients",
         ONE_OFF),
        2,
    ),
    # --- Young people's transition to work ----------------------------------------------
    "neet": OutcomeSpec(
        "Young people aged 18–24 not in work or training",
        "Moved from NEET into sustained work, training or an apprenticeship",
        "Participants in work or training 26 weeks after starting (checked against DWP data)",
        "E&E10.0", 2, 1, ("0.3", "0.1", "0.15", "0.35"),
        ("Calderbrook NEET tracking: 30% of 18–24s find work or training within a year unaided",
         "Some of the entry-level jobs would have gone to other local jobseekers",
         "Jobcentre Plus work coaches share the credit for many starts",
         "A third of young starters leave their first job within the year"),
        40, (("deadweight", "0.2", "0.45", "triangular"),), "0.25",
    ),
    "jsa": OutcomeSpec(
        "Department for Work and Pensions",
        "Fewer Jobseeker's Allowance claims as young people enter work",
        "Participants off Jobseeker's Allowance and in work for 13 weeks",
        "E&E1.0.1", 1, 1, ("0.3", "0.1", "0.2", "0"),
        ("DWP cohort data: three in ten young claimants leave JSA for work within six months",
         "Some of the jobs would otherwise have gone to other claimants",
         "Work coaches and employers' own recruitment share the credit",
         ONE_OFF),
        30,
    ),
    "scarring": OutcomeSpec(
        "Young people who were NEET",
        "Lower long-run costs of early unemployment (the scarring effect)",
        "Participants still in work or training 18 months after starting",
        "E&E10.2", 4, 2, ("0.35", "0.1", "0.2", "0.25"),
        ("Bell and Blanchflower: a third of early NEET spells leave no lasting scar",
         "Some of the entry-level jobs would have gone to other local jobseekers",
         "Later jobs and training owe something to other support",
         "The scar narrows with each year in work: a quarter less a year"),
        20, (("drop_off", "0.15", "0.4", "triangular"),),
    ),
    "work anxiety": OutcomeSpec(
        "Young people taking part",
        "Less anxiety about finding and keeping work",
        "Participants below the GAD-7 clinical threshold six months on",
        "HE11.4", 1, 1, ("0.3", "0", "0.25", "0"),
        ("Youth wellbeing survey: three in ten recover within six months without help",
         "One young person's confidence takes nothing from anyone else",
         "Schools, colleges and families support many of the same young people",
         ONE_OFF),
        5,
    ),
    "jobcentre": OutcomeSpec(
        "Calderbrook Jobcentre Plus",
        "Fewer jobseeker advice appointments needed",
        "Adviser appointments avoided (Jobcentre diary records)",
        "E&E1.9", 1, 1, ("0.2", "0", "0.1", "0"),
        ("Diary records: a fifth of these appointments end anyway as claimants move on",
         "A freed appointment serves another jobseeker rather than a saving elsewhere",
         "Little else changes how often a young claimant must be seen",
         ONE_OFF),
        2,
    ),
    # --- Mental health ------------------------------------------------------------------
    "recovery": OutcomeSpec(
        "Adults with depression or anxiety",
        "Recovered from depression or anxiety",
        "Participants moving to recovery on PHQ-9 and GAD-7 (NHS Talking Therapies definition)",
        "HE11.0", 2, 1, ("0.3", "0", "0.2", "0.4"),
        ("NHS Talking Therapies waiting-list data: about 30% recover while waiting",
         "One person's recovery takes no treatment from anyone else",
         "GPs' prescribing and family support share the credit",
         "NICE CG90: four in ten relapse within two years"),
        40, (("deadweight", "0.2", "0.4", "triangular"), ("drop_off", "0.25", "0.6", "pert")),
        "0.2",
    ),
    "work": OutcomeSpec(
        "People out of work with mental ill health",
        "Returned to or stayed in paid work",
        "Participants off Employment and Support Allowance and in work for 13 weeks",
        "E&E2.0", 2, 1, ("0.25", "0.1", "0.2", "0.35"),
        ("IPS trials' control groups: a quarter find work with the usual support",
         "Some of the jobs would have gone to other local jobseekers",
         "Jobcentre work coaches and employers' occupational health share the credit",
         "A third of those placed leave work within the second year"),
        30, quantity_spread="0.25",
    ),
    "crisis": OutcomeSpec(
        "NHS urgent and emergency care",
        "Fewer A&E attendances in a mental health crisis",
        "A&E attendances with a mental health presentation avoided (liaison psychiatry records)",
        "HE4.0", 1, 1, ("0.3", "0.2", "0.2", "0"),
        ("Trust records: three in ten repeat attenders stop attending within a year anyway",
         "Some crises are seen by the crisis line instead, moving the cost rather than saving it",
         "The crisis line and street triage work with the same people",
         ONE_OFF),
        1,
    ),
    "community": OutcomeSpec(
        "Calderbrook community mental health team",
        "Fewer contacts with community mental health services",
        "Community mental health contacts avoided in the following year",
        "HE16.0", 1, 1, ("0.3", "0", "0.25", "0"),
        ("Team caseload data: three in ten referrals close within a year without contact",
         "A contact freed is given to someone on the waiting list, not saved elsewhere",
         "Primary care mental health workers see many of the same people",
         ONE_OFF),
        8,
    ),
    "mental health gp": OutcomeSpec(
        "GP practices in Calderbrook",
        "Fewer GP consultations about low mood, stress or sleep",
        "GP consultations avoided in the six months after joining (practice records)",
        "HE20.2", 1, 1, ("0.25", "0", "0.2", "0"),
        ("Practice records: a quarter of these consultations stop within six months unaided",
         "A freed appointment is offered to another patient, not saved elsewhere",
         "Social prescribing link workers see some of the same patients",
         ONE_OFF),
        1,
    ),
    "bed days": OutcomeSpec(
        "People with severe mental illness",
        "Fewer days in a mental health hospital bed",
        "Adult mental health inpatient bed days avoided (Trust records, year before and after)",
        "HE14.0.1", 2, 1, ("0.3", "0", "0.3", "0.3"),
        ("Trust records: admissions fall by three in ten for matched patients not in work",
         "A bed freed is used by another patient, not a saving elsewhere",
         "Community mental health teams' care plans share the credit",
         "Three in ten of the gains are lost in the second year"),
        20,
    ),
    "repeat claims": OutcomeSpec(
        "Department for Work and Pensions",
        "New ESA claims when a first job does not last (a disbenefit)",
        "Repeat Employment and Support Allowance claims by participants within a year",
        "E&E2.5", 1, 1, ("0", "0", "0", "0"),
        ("Counted in full: every repeat claim follows from a placement that did not last",
         "A repeat claim moves no cost anywhere else",
         "Nothing else caused these claims",
         ONE_OFF),
        0, follows="0.2",
    ),
}  # fmt: skip

# Each programme's outcomes, the balancing one last (a small unit value, so that its count
# lands the map near its target ratio): a small grant takes one to three of the others and
# the balancing one.
POOLS: dict[int, tuple[str, ...]] = {
    FI: ("debt", "money worries", "eviction", "homelessness", "money gp"),
    YP: ("neet", "jsa", "work anxiety", "scarring", "jobcentre"),
    MH: ("recovery", "work", "crisis", "community", "mental health gp"),
}
