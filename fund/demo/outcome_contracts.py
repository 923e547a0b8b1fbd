"""The demo's payment-by-results contracts, written on their days with the rest of the history.

Two, as a fund would hold them:
- a social impact bond on the Peterborough model: social investors fund a provider working
  with two cohorts of young people leaving custody, paid only for reconviction events
  avoided against a matched national comparison group. The first cohort's 8.4% reduction
  missed the 10% trigger, so the verifier rejected its claim and nothing was paid; the
  second's outcomes were verified and paid to the cohort's cap;
- a contract on the DWP Innovation Fund's round 1 rate card (the prices recorded in the
  INDIGO dataset), paying per participant's outcome up to £11,700.00 a participant, with
  claims verified, one part of them still waiting for the auditor, and payments of what
  verified outcomes earned. Its expected-outcomes profile runs past today, for the forecast.
Every write goes through the services, the verifier is the demo's auditor, and payments
never exceed what is earned: the ledger would refuse them.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from functools import partial

from fund import auth, ledger
from fund.demo.evidence import PLAN_REASON, Write
from fund.demo.moves import APPROVAL_REASON
from fund.demo.run import Run
from fund.evidence import plans
from fund.pbr import claims, contracts, investors
from fund.pbr.rate_card import rate
from fund.register import add_experiment

YOUNG_PEOPLE = 1  # the programme of young people's transition to work
BOND = "Reoffending bond for young people leaving custody (Peterborough model)"
DWP = "Youth outcomes contract on the DWP Innovation Fund rate card"
PROVIDER = "Second Chance Partnership CIC"
DWP_PROVIDER = "Eastfield Youth Project"
BOND_METRIC = "reconviction events avoided"
EVIDENCE = "Police National Computer extract matched by the Ministry of Justice statisticians"


# The DWP Innovation Fund's round 1 prices, as the INDIGO dataset records them (and
# ../shared/reference/pbr_reference.json; a test holds the two together).
DWP_PRICES = {
    "improved school behaviour": "1300.00",
    "improved school attendance": "800.00",
    "first level 1 qualification": "700.00",
    "first level 2 qualification": "2200.00",
    "first level 3 qualification": "3300.00",
    "first level 4+ or entry to higher education": "2000.00",
    "ESOL completion": "1200.00",
    "entry to first employment (13 weeks)": "2600.00",
    "sustained employment (26 weeks)": "1000.00",
}
DWP_MAX_PER_PARTICIPANT = "11700.00"


def outcome_contract_writes(run: Run) -> list[Write]:
    """The two contracts' writes, each dated: the bond a month after the launch, the DWP
    contract in the fund's second quarter, claims and payments as their periods close."""
    launch, today = run.plan.window.launch, run.plan.window.today
    state: dict[str, int] = {}
    bond, dwp = launch + timedelta(days=30), launch + timedelta(days=120)
    days = [
        (bond, _bond),
        (bond + timedelta(days=400), _bond_cohort_one),
        (min(bond + timedelta(days=560), today), _bond_cohort_two),
        (dwp, _dwp),
        (min(dwp + timedelta(days=300), today), _dwp_claims),
    ]
    return [Write(day, partial(write, run, state, day)) for day, write in days]


def _experiment(run: Run, title: str, day: date, counterparty: str, amount: str) -> int:
    """A payment-by-results experiment, its evaluation plan and its commitment, approved by
    the second fund manager (it is above the delegated limit); returns the commitment."""
    manager = run.manager(0)
    with run.on(day):
        experiment_id = add_experiment(
            run.con,
            manager,
            programme_id=run.programme_ids[YOUNG_PEOPLE],
            title=title,
            instrument="pbr_contract",
            phase=1,  # design and discovery: no impact map is asked of them yet
            risk_rating="high",
            official="Grace Adeyemi, Head of Youth Justice",
            user_involvement="co-designed",
            partners=[],
            key=run.key(),
            reason="Selected by the programme panel",
        ).entity_id
    run.experiment_ids.append(experiment_id)  # after the plan's: their positions stay
    with run.on(day):
        plans.register_plan(
            run.con,
            manager,
            experiment_id,
            {
                "hypothesis": f"{title} cuts reconviction against a matched comparison group",
                "metric": "Reconviction events per 100 in the 12 months after release",
                "metric_unit": "events per 100",
                "higher_is_better": False,
                "design": "two-group",
                "baseline": "155",
                "target_effect": "15.5",
                "planned_sample": "2000",
                "review_date": day + timedelta(days=540),
                "kill_threshold": "160",
                "kill_by": day + timedelta(days=420),
            },
            key=run.key(),
            reason=PLAN_REASON,
        )
    with run.on(day):
        request = ledger.commit(
            run.con,
            manager,
            experiment_id=experiment_id,
            amount=amount,
            counterparty=counterparty,
            reason="Outcomes contract signed: maximum liability",
            key=run.key(),
            on=day,
        )
    with run.on(day):
        written = ledger.decide(
            run.con,
            run.other(0),
            request_id=request.entity_id,
            approve=True,
            reason=APPROVAL_REASON,
            key=run.key(),
        )
    run.approvals += 1
    return written.entity_id


def _bond(run: Run, state: dict[str, int], day: date) -> None:
    commitment_id = _experiment(run, BOND, day, PROVIDER, "100000.00")
    cohorts = [
        contracts.cohort(name="Cohort 1", starts_on=day, participants=1000),
        contracts.cohort(name="Cohort 2", starts_on=day + timedelta(days=180), participants=1000),
    ]
    rates = [
        rate(
            metric=f"{BOND_METRIC}, {c.name.lower()}",
            definition=(
                "Reconviction events in the 12 months after release avoided against the"
                f" matched national comparison group, {c.name.lower()}"
            ),
            unit_price="2000.00",
            cap="50000.00",
        )
        for c in cohorts
    ]
    terms = contracts.ContractTerms(
        commitment_id=commitment_id,
        name="Second Chance social impact bond",
        provider=PROVIDER,
        outcome_payer="Calderbrook Council and the Youth Justice Board",
        starts_on=day,
        ends_on=day + timedelta(days=3 * 365),
        baseline_rule=(
            "Frequency of reconviction events within 12 months of release against a matched"
            " national comparison group; paid if a cohort's reduction is at least 10%, or 7.5%"
            " across all cohorts"
        ),
        verifier="Independent assessor appointed by the Ministry of Justice",
        rates=rates,
        cohorts=cohorts,
    )
    with run.on(day):
        state["bond"] = contracts.add_contract(
            run.con, run.manager(0), terms, reason="Bond agreed with the investors", key=run.key()
        ).entity_id
    for name, committed in (("Pennine Community Foundation", "60000.00"),
                            ("Northern Social Investment Fund", "40000.00")):  # fmt: skip
        with run.on(day):
            investor = investors.add_investor(
                run.con,
                run.manager(0),
                contract_id=state["bond"],
                name=name,
                committed=committed,
                reason="Investment agreement signed",
                key=run.key(),
            ).entity_id
        with run.on(day):
            investors.record_flow(
                run.con,
                run.manager(0),
                investor_id=investor,
                kind="drawdown",
                amount=committed,
                on=day,
                reason="Capital drawn to fund the provider",
                key=run.key(),
            )
        state[name] = investor


def _auditor(run: Run) -> auth.User:
    return auth.find_user(run.con, "auditor")


def _bond_cohort_one(run: Run, state: dict[str, int], day: date) -> None:
    """Cohort 1: 142 reconviction events per 100 against 155, an 8.4% reduction, short of the
    10% trigger: the claim is rejected and nothing is paid."""
    claim_id = _claim(run, state["bond"], "Cohort 1", f"{BOND_METRIC}, cohort 1", 130, day)
    with run.on(day):
        claims.verify_claim(
            run.con,
            _auditor(run),
            claim_id=claim_id,
            decision="reject",
            reason=(
                "142 reconviction events per 100 against 155 in the comparison group: an 8.4%"
                " reduction, below the 10% trigger for a single cohort"
            ),
            key=run.key(),
        )


def _bond_cohort_two(run: Run, state: dict[str, int], day: date) -> None:
    """Cohort 2: 60 events avoided, £120,000.00 at the price, paid to the cohort's cap of
    £50,000.00; the investors are repaid from it."""
    claim_id = _claim(run, state["bond"], "Cohort 2", f"{BOND_METRIC}, cohort 2", 60, day)
    with run.on(day):
        claims.verify_claim(
            run.con,
            _auditor(run),
            claim_id=claim_id,
            decision="accept",
            reason="Reduction of 11.2% against the comparison group, above the 10% trigger",
            key=run.key(),
        )
    commitment_id = _commitment(run, state["bond"])
    _pay(run, commitment_id, "50000.00", "Outcome payment for cohort 2, to its cap", day)
    for name, repaid in (("Pennine Community Foundation", "30000.00"),
                         ("Northern Social Investment Fund", "20000.00")):  # fmt: skip
        with run.on(day):
            investors.record_flow(
                run.con,
                run.manager(0),
                investor_id=state[name],
                kind="repayment",
                amount=repaid,
                on=day,
                reason="Outcome payment passed to the investors",
                key=run.key(),
            )


def _dwp(run: Run, state: dict[str, int], day: date) -> None:
    commitment_id = _experiment(run, DWP, day, DWP_PROVIDER, "100000.00")
    ends = day + timedelta(days=3 * 365)
    metrics = list(DWP_PRICES)
    expected = [
        contracts.expected(metric=metric, period_end=day + timedelta(days=91 * q), quantity=n)
        for q in range(1, 12)
        for metric, n in zip(metrics, (3, 3, 2, 2, 1, 1, 1, 2, 1), strict=True)
    ]
    terms = contracts.ContractTerms(
        commitment_id=commitment_id,
        name="Youth outcomes, DWP Innovation Fund prices",
        provider=DWP_PROVIDER,
        outcome_payer="Calderbrook Council",
        starts_on=day,
        ends_on=ends,
        baseline_rule=(
            "Each outcome is paid once per participant, as the DWP Innovation Fund paid;"
            " no comparison group"
        ),
        verifier="Calderbrook Council internal audit",
        rates=[
            rate(metric=m, definition=f"{m} (DWP Innovation Fund definition)", unit_price=p)
            for m, p in DWP_PRICES.items()
        ],
        cohorts=[contracts.cohort(name="First intake", starts_on=day, participants=120)],
        expected=expected,
        max_per_participant=DWP_MAX_PER_PARTICIPANT,
    )
    with run.on(day):
        state["dwp"] = contracts.add_contract(
            run.con, run.manager(0), terms, reason="Contract signed", key=run.key()
        ).entity_id


# Participants' outcomes claimed after the first three quarters: the first two claims of
# the last participant still wait for the auditor.
_OUTCOMES = {
    "YP-001": ("improved school behaviour", "first level 2 qualification",
               "entry to first employment (13 weeks)", "sustained employment (26 weeks)"),
    "YP-002": ("improved school attendance", "first level 1 qualification"),
    "YP-003": ("ESOL completion", "entry to first employment (13 weeks)"),
    "YP-004": ("first level 2 qualification", "first level 3 qualification"),
}  # fmt: skip


def _dwp_claims(run: Run, state: dict[str, int], day: date) -> None:
    earned = Decimal(0)
    for participant, outcomes in _OUTCOMES.items():
        for metric in outcomes:
            claim_id = _claim(run, state["dwp"], "First intake", metric, 1, day, participant)
            if participant == "YP-004":
                continue  # awaiting verification
            decision = "reject" if metric == "improved school attendance" else "accept"
            with run.on(day):
                claims.verify_claim(
                    run.con,
                    _auditor(run),
                    claim_id=claim_id,
                    decision=decision,
                    reason=(
                        "Attendance records cover only 9 of the 12 weeks the definition needs"
                        if decision == "reject"
                        else "Records seen and matched to the participant"
                    ),
                    key=run.key(),
                )
            earned += Decimal(DWP_PRICES[metric]) if decision == "accept" else 0
    _pay(run, _commitment(run, state["dwp"]), str(earned), "Outcome payment, quarter 3", day)


def _claim(
    run: Run,
    contract_id: int,
    cohort: str,
    metric: str,
    quantity: int,
    day: date,
    participant: str | None = None,
) -> int:
    with run.on(day):
        contract = contracts.contract(run.con, run.manager(0), contract_id)
        return claims.record_claim(
            run.con,
            run.manager(0),
            contract_id=contract_id,
            cohort=cohort,
            metric=metric,
            participant=participant,
            period_start=contract.starts_on,
            period_end=min(day, contract.ends_on),
            quantity=quantity,
            evidence=EVIDENCE if participant is None else "Provider's return, checked by the team",
            reason="Quarterly outcome claim",
            key=run.key(),
        ).entity_id


def _commitment(run: Run, contract_id: int) -> int:
    return contracts.contract(run.con, run.manager(0), contract_id).commitment_id


def _pay(run: Run, commitment_id: int, amount: str, reason: str, day: date) -> None:
    with run.on(day):
        ledger.pay(
            run.con,
            run.manager(1),
            commitment_id=commitment_id,
            amount=amount,
            reason=reason,
            key=run.key(),
            on=day,
        )
