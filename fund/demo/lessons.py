"""The lessons the demo's fund managers wrote: every stopped experiment's, the two failures
that ended before any results, and those of the bets that worked and spread, as an officer
would write them up for the board."""

from __future__ import annotations

from typing import NamedTuple


class DemoLesson(NamedTuple):
    what_worked: str
    what_did_not: str
    do_differently: str
    transfers_to: str
    tags: str
    scaling_route: str | None = None

    def given(self) -> dict[str, object]:
        """As the lesson form gives it to :func:`fund.lessons.register.record_lesson`."""
        return self._asdict()


# By title. The first four are failures: the fund learns most from them.
LESSONS: dict[str, DemoLesson] = {
    "Affordable credit zone in the town centre": DemoLesson(
        "The credit union's town-centre desk was busy from the first week, and housing "
        "officers referred tenants in arrears to it the same day.",
        "Loans replaced doorstep credit but did not build savings: the savings buffer moved a "
        "point at most, against the five points we planned for. Most borrowers had nothing "
        "left over to save once repayments were taken.",
        "Pair affordable credit with a payroll or benefit-day savings deduction from the "
        "start, and test it in two wards before opening a whole zone.",
        "Any affordable-credit offer in the Financial inclusion programme; the referral route "
        "from housing officers works for the energy debt and rent arrears projects too.",
        "affordable credit, savings, referral routes, housing",
    ),
    "Outcomes contract: sustained jobs for care leavers": DemoLesson(
        "Care Leavers' Voice shaped the offer, and young people who stayed with their "
        "personal adviser for six months mostly stayed in work.",
        "Sustained-job payments rewarded the easiest cases: the provider worked with those "
        "already closest to work, and fewer of the whole cohort were in education, employment "
        "or training than in the comparison group. The investor's capital went on "
        "caseworkers, not on the housing crises that ended most placements.",
        "Pay on engagement and on the first three months as well as on sustained jobs, and "
        "price outcomes by how far from work a young person starts.",
        "Any payment-by-results contract the Council lets; Children's Services' commissioning "
        "of supported lodgings.",
        "payment by results, care leavers, cream-skimming, housing",
    ),
    "Earn-while-you-learn zone for 16–17 year olds": DemoLesson(
        "Employers in the zone signed up quickly and paid the learning wage on time.",
        "Too few 16 and 17 year olds took places: schools did not refer, and the wage counted "
        "against some families' benefits. The zone closed after eight months with its money "
        "decommitted, before any outcome could be measured.",
        "Check the benefit rules with DWP and a welfare rights adviser before launch, and "
        "recruit through schools' careers leads, not posters.",
        "Any youth offer that pays young people; the benefit check belongs in every grant "
        "application that does.",
        "youth employment, benefits, recruitment, closed early",
    ),
    "Rent-to-own alternative social enterprise": DemoLesson(
        "Tenants liked the goods and the fair prices; the Tenants' Federation's evaluation "
        "found them cheaper than high-street rent-to-own by half.",
        "The enterprise could not buy stock at a price that covered losses and collections; it "
        "ran out of cash in its first year and the investment was written off.",
        "Test the unit economics with a smaller recoverable grant before equity, and link to "
        "the no-interest loans scheme rather than run a rival.",
        "The no-interest loans for white goods grant; any social venture that lends to people "
        "on low incomes.",
        "social venture, unit economics, write-off, household goods",
    ),
    "Youth employment zone in Eastfield and Moorside": DemoLesson(
        "One front door shared by the youth project and the Jobcentre: ten points more young "
        "people in education, employment or training than in comparison areas.",
        "Employers outside the zone would not take on its young people at first; the "
        "Combined Authority's brokers had to be brought in.",
        "Build in the employer brokerage from day one and agree the data-sharing with the "
        "Jobcentre before launch, not six months in.",
        "The Combined Authority's other boroughs; the shared front door suits the mental "
        "health employment advisers too.",
        "youth employment, place-based, shared front door, data sharing",
        "direct_diffusion",
    ),
    "Outcomes contract: work for people with severe mental illness": DemoLesson(
        "Placing employment specialists in community mental health teams cut the wait for "
        "first support by three and a half weeks; the University's evaluation confirmed it.",
        "Outcome payments for jobs sustained at 26 weeks arrived slowly, so the provider "
        "carried the cost for a year.",
        "Agree an earlier outcome payment and the commissioner's exit before signing, so "
        "takeover is planned, not negotiated at the end.",
        "The Integrated Care Board's other community services; any service with a long wait "
        "for first contact.",
        "mental health, employment, individual placement and support, waiting times",
        "takeover",
    ),
    "Community lender expansion loan": DemoLesson(
        "New branches in libraries and payroll deduction with two large employers: seven "
        "points more households with a savings buffer in the wards served.",
        "Branches in areas without an employer partner grew slowly.",
        "Lead with employer partners and follow with branches, not the other way round.",
        "Credit unions in neighbouring boroughs; the payroll savings scheme grant.",
        "credit union, savings, payroll deduction",
        "organisational_growth",
    ),
    "Recoverable grant to a peer-support app start-up": DemoLesson(
        "Peer supporters answered within a day, and people used the app while they waited "
        "for talking therapies: waits to first support fell by more than a week.",
        "Short of the two-week target: the app cannot shorten the wait for a therapist, only "
        "for first support.",
        "Measure first support and the wait for therapy separately, and count what the app "
        "does for those who never reach therapy.",
        "Other services with a waiting list; the Integrated Care Board is commissioning it.",
        "peer support, digital, waiting times, lived experience",
        "uncontrolled_diffusion",
    ),
}
