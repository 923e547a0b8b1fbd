"""The demo's round of small grants, decided through the grants service on their days.

The council declares its small-grant policy as the fund opens (£500 to £10,000, one fund
manager up to £5,000, reports due 60 days after a grant's planned end, published in
360Giving under its prefix), so every small grant above £5,000 waits for the second fund
manager; ten months before today it opens a community micro-grants round in young people's transition to work. Eight
applications come in: most are awarded by one fund manager; one is declined; one above the
limit waits for, and gets, the second fund manager; two to the same tenants' group within a
few weeks are a split award, the second of which crosses the limit and so needs (and gets)
the second fund manager, and is flagged for the auditor; one grant is paid, reported and
closed with its unspent money released; the others are paid in full a week after the
award, and their reports fall due or are overdue.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import partial

from fund import ledger
from fund.demo.catalogue import OWNER_BODY
from fund.demo.evidence import PLAN_REASON, Write
from fund.demo.moves import APPROVAL_REASON
from fund.demo.run import Run
from fund.evidence import plans
from fund.grants import applications, policy
from fund.register import add_experiment, programme

YOUNG_PEOPLE = 1  # the programme of young people's transition to work
ROUND = "Community micro-grants for young people's first jobs"
PREFIX = "calderbrook"
FUNDER_ID = "GB-LAE-CLD"  # the council's organisation identifier (local authority list)
PANEL = "Micro-grants panel, monthly meeting"

# (days after the round opens, type, applicant, organisation, identifier, title, purpose,
#  amount, months of work, decision): decisions are award, decline or "second" (award that
# needs the second fund manager, who approves it).
APPLICATIONS = (
    (
        10,
        "service_user_group",
        "Dee Okafor",
        "Hillside Tenants' Association",
        None,
        "Homework and CV club",
        "A weekly evening club in the tenants' hall helping young"
        " residents with CVs and job applications",
        "3500.00",
        6,
        "award",
    ),
    (
        12,
        "frontline_team",
        "Raj Patel",
        "Calderbrook Jobcentre Plus work coaches",
        None,
        "Job-search kit for care leavers",
        "Interview clothes, bus passes and phones lent to"
        " care leavers in their first month of work",
        "2400.00",
        4,
        "award",
    ),
    (
        20,
        "community_organisation",
        "Tom Briggs",
        "Moorside Community Trust",
        "GB-CHC-1123456",
        "Saturday skills swaps",
        "Local employers teach a trade skill to young people once a month",
        "6500.00",
        9,
        "second",
    ),
    (
        24,
        "social_enterprise",
        "Ana Lima",
        "Brew & Bake CIC",
        "GB-COH-12345678",
        "Paid trial shifts in a café",
        "Two-week paid trial shifts for young people with no work history",
        "4800.00",
        3,
        "award",
    ),
    (
        30,
        "service_user_group",
        "Kit Evans",
        "Young Carers Voice",
        None,
        "Careers evening for young carers",
        "A careers evening run by and for young carers",
        "900.00",
        2,
        "decline",
    ),
    (
        45,
        "service_user_group",
        "Dee Okafor",
        "Hillside Tenants Association",
        None,
        "Homework and CV club: summer sessions",
        "The CV club's summer sessions, twice a week",
        "2500.00",
        3,
        "second",
    ),
    (
        60,
        "frontline_team",
        "Sue Wong",
        "Eastfield school careers team",
        None,
        "Work taster days",
        "Taster days with local employers for year 11 leavers",
        "1800.00",
        5,
        "award",
    ),
    (
        70,
        "community_organisation",
        "Lee Grant",
        "St Aidan's Community Hall Trust",
        None,
        "Youth enterprise market stall",
        "A market stall young people run for a season",
        "3000.00",
        6,
        "award",
    ),
)
PAID_AT_THE_END = 1  # the job-search kit: paid on its receipts when it reports
DECLINED = "Outside the round: a one-off event rather than a test of a new approach"


def grant_round_writes(run: Run) -> list[Write]:
    """The policy and the round's experiment ten months before today (when the programme's
    other bets are made); each application on its day, decided a week later; the second
    grant paid, reported and closed at its end."""
    opens = run.plan.window.today - timedelta(days=300)
    state: dict[object, int] = {}
    launch = run.plan.window.launch
    writes = [
        Write(launch, partial(_declare_policy, run, launch)),
        Write(opens, partial(_open_round, run, state, opens)),
    ]
    for n, application in enumerate(APPLICATIONS):
        day = min(opens + timedelta(days=application[0]), run.plan.window.today)
        writes.append(Write(day, partial(_apply, run, state, n, application, day)))
        decided = min(day + timedelta(days=7), run.plan.window.today)
        writes.append(Write(decided, partial(_decide, run, state, n, application, decided)))
        if application[-1] != "decline" and n != PAID_AT_THE_END:
            paid = min(decided + timedelta(days=7), run.plan.window.today)
            writes.append(Write(paid, partial(_pay, run, state, n, paid)))
    closes = min(opens + timedelta(days=250), run.plan.window.today)
    writes.append(Write(closes, partial(_report_and_close, run, state, closes)))
    return writes


def _declare_policy(run: Run, day: date) -> None:
    """The council's small-grant policy, declared as the fund opens: every small grant of the
    demo above £5,000 is approved by the second fund manager."""
    with run.on(day):
        policy.declare(
            run.con,
            run.manager(0),
            ringfence_id=programme(run.con, run.programme_ids[YOUNG_PEOPLE]).ringfence_id,
            min_amount="500.00",
            max_amount="10000.00",
            delegated_limit="5000.00",
            id_prefix=PREFIX,
            funder_id=FUNDER_ID,
            report_days=60,
            reason=f"Small-grant policy agreed by {OWNER_BODY}'s cabinet",
            key=run.key(),
        )


def _open_round(run: Run, state: dict, day: date) -> None:
    manager = run.manager(0)
    with run.on(day):
        experiment_id = add_experiment(
            run.con,
            manager,
            programme_id=run.programme_ids[YOUNG_PEOPLE],
            title=ROUND,
            instrument="small_grant",
            phase=1,
            risk_rating="low",
            official="Grace Adeyemi, Head of Youth Justice",
            user_involvement="user-led",
            partners=[],
            key=run.key(),
            reason="Round opened by the programme board",
        ).entity_id
    run.experiment_ids.append(experiment_id)
    with run.on(day):
        plans.register_plan(
            run.con,
            manager,
            experiment_id,
            {
                "hypothesis": "Small grants to groups young people trust get more of them into"
                " a first job",
                "metric": "Young people in work three months after a funded activity",
                "metric_unit": "people",
                "higher_is_better": True,
                "design": "none",
            },
            key=run.key(),
            reason=PLAN_REASON,
        )
    state["experiment_id"] = experiment_id


def _apply(run: Run, state: dict, n: int, application: tuple, day: date) -> None:
    _, kind, applicant, organisation, identifier, title, purpose, amount, months, _ = application
    with run.on(day):
        state[n] = applications.apply(
            run.con,
            run.manager(n),
            programme_id=run.programme_ids[YOUNG_PEOPLE],
            experiment_id=state["experiment_id"],
            applicant_type=kind,
            applicant=applicant,
            recipient=organisation,
            recipient_id=identifier,
            title=title,
            purpose=purpose,
            amount=amount,
            planned_start=day + timedelta(days=14),
            planned_end=day + timedelta(days=14 + 30 * months),
            key=run.key(),
        ).entity_id


def _decide(run: Run, state: dict, n: int, application: tuple, day: date) -> None:
    decision = application[-1]
    with run.on(day):
        applications.decide(
            run.con,
            run.manager(n),
            grant_id=state[n],
            award=decision != "decline",
            reason=DECLINED if decision == "decline" else PANEL,
            key=run.key(),
            on=day,
        )
    if decision != "second":
        return
    request_id = applications.grant(run.con, state[n]).request_id
    with run.on(day):
        ledger.decide(
            run.con,
            run.other(n),
            request_id=request_id,
            approve=True,
            reason=APPROVAL_REASON,
            key=run.key(),
        )
    run.approvals += 1


def _pay(run: Run, state: dict, n: int, day: date) -> None:
    """An award paid in full a week after it was made, as small grants are."""
    grant = applications.grant(run.con, state[n])
    with run.on(day):
        ledger.pay(
            run.con,
            run.manager(n),
            commitment_id=grant.commitment_id,
            amount=grant.awarded,
            reason="Grant paid in full on award",
            key=run.key(),
            on=day,
        )


def _report_and_close(run: Run, state: dict, day: date) -> None:
    """The job-search kit grant: paid, reported with £150 unspent, closed (the £150 it was
    never paid released)."""
    grant = applications.grant(run.con, state[PAID_AT_THE_END])
    manager = run.manager(0)
    with run.on(day):
        ledger.pay(
            run.con,
            manager,
            commitment_id=grant.commitment_id,
            amount="2250.00",
            reason="Grant paid on the team's receipts",
            key=run.key(),
            on=day,
        )
    with run.on(day):
        applications.report(
            run.con,
            manager,
            grant_id=grant.grant_id,
            what_done="Kit lent to 14 care leavers; 11 still in work at three months",
            learned="Bus passes mattered more than clothes; phones were rarely needed",
            spent="2250.00",
            key=run.key(),
        )
    with run.on(day):
        applications.close(
            run.con,
            manager,
            grant_id=grant.grant_id,
            reason="Report accepted by the programme board",
            key=run.key(),
        )
