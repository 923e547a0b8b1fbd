"""The demo's social venture investments (issue 16), written on their days with the rest of
the history.

The six social venture experiments already hold their commitments and the money
:mod:`fund.demo.flows` moves on them: drawdowns, a loan's quarterly repayments, a failed
venture's write-off. This module records what the ledger cannot say: each investment's terms,
on the day its agreement was completed, and what the fund judged some of them worth, on the
days it did. Terms and valuations are records, not money: no ledger entry, approval or request
is made, so the pending virement stays the request the README names.

- **Two loans repaid on time** (the wellbeing café and the bike repair workshop). Their
  repayments are 7.5% of the loan a quarter from its first anniversary, so their terms are
  seventeen quarterly instalments after nine months' grace, counted from the day the
  repayments are keyed on (the agreement's day of the month, or the 28th, as
  :func:`fund.demo.timeline.month_after` keys them), and the rate is the one that makes the
  level instalment the repayment: the highest rate, to the four decimals terms take, whose
  instalment is no more than it (:func:`level_rate`). It is 11.3749% a year, and the
  instalment equals the repayment to the penny for any loan up to about £257,000, which the
  demo's loans are; a bigger loan would get an instalment a penny or two under its
  repayment, still covered, so no loan is ever in arrears for rounding. Their arrears are
  nil whatever day the demo is built. Each is valued at amortised cost (the principal
  outstanding) on the day of its latest repayment: never valued, a loan is held at what was
  paid in less everything got back, interest included, and would show no return at all.
- **One loan in arrears** (the community lender's). Its agreement asked for twelve quarterly
  instalments at 7% a year from nine months after the loan (six months' grace); the credit
  union has paid 7.5% of the loan a quarter from the first anniversary, so it started a
  quarter late and pays less than each instalment, and falls further behind every quarter.
  The repayment keyed twice from one bank statement line was reversed at once, so it hides
  none of the arrears.
- **An equity stake revalued up** (the youth-run digital agency): a 12.5% stake with a
  quarter of the commitment reserved for follow-on rounds, valued at the agency's next round
  (:data:`ROUND_MULTIPLE` times what the fund had paid in) fifteen months after the
  investment, or on the build's day if that has not come.
- **A recoverable grant** (the peer-support app) valued at cost at its annual review: too
  soon to value it on anything else.
- **The failed venture written off** (the rent-to-own enterprise): a 20% equity stake, and
  a written-off valuation of £0.00 on the day its drawn money was written off the ledger.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

from fund.demo.amounts import share_of
from fund.demo.evidence import Write
from fund.demo.experiments import ExperimentPlan
from fund.demo.run import Run
from fund.demo.timeline import month_after
from fund.ventures import schedule, terms, valuations
from fund.ventures.schedule import LoanTerms

LENDER = "Community lender expansion loan"
RENT_TO_OWN = "Rent-to-own alternative social enterprise"
AGENCY = "Equity stake in a youth-run digital agency"
PEER_SUPPORT = "Recoverable grant to a peer-support app start-up"
ON_TIME = ("Wellbeing café social enterprise loan", "Bike repair workshop training enterprise loan")

REPAYMENT = "0.075"  # of the loan, a quarter: what :mod:`fund.demo.flows` repays
QUARTERLY = 3
ON_TIME_GRACE, ON_TIME_INSTALMENTS = 9, 17  # the first instalment on the first anniversary
LENDER_RATE, LENDER_GRACE, LENDER_INSTALMENTS = Decimal("7"), 6, 12
AGENCY_STAKE, AGENCY_RESERVE = Decimal("12.5"), "0.25"
RENT_TO_OWN_STAKE = Decimal("20")
ROUND_MULTIPLE = "1.75"
ROUND_AFTER = timedelta(days=456)  # fifteen months
REVIEW_AFTER = timedelta(days=365)
RATE_STEP = Decimal("0.0001")  # the four decimals a rate is recorded to
MOST_STEPS = 1_000_000  # 100% a year

ON_TIME_REASON = (
    "Loan agreement signed: level quarterly repayments of capital and interest from the first"
    " anniversary, after a capital and interest holiday"
)
LENDER_REASON = (
    "Loan agreement signed: twelve quarterly repayments of capital and interest from nine"
    " months, at 7% a year"
)
AGENCY_REASON = (
    "Share subscription agreement signed: 12.5% of the agency, with a quarter of the"
    " commitment reserved to keep the stake in later rounds"
)
PEER_SUPPORT_REASON = (
    "Recoverable grant agreement signed: repaid from revenue once the app is commissioned"
)
RENT_TO_OWN_REASON = "Share subscription agreement signed: 20% of the enterprise"
ROUND_REASON = (
    "Revalued at the agency's seed-extension round led by Brightlink Digital Ltd: its price a"
    f" share is {ROUND_MULTIPLE} times the price the fund paid"
)
AMORTISED_REASON = (
    "Quarterly review: the loan is performing, so it is held at amortised cost, the principal"
    " outstanding after the quarter's repayment"
)
COST_REASON = "Annual review: held at cost, too soon to value the app on anything else"
WRITTEN_OFF_REASON = (
    "Written off: the enterprise entered administration and the administrator expects nothing"
    " for shareholders"
)


def venture_writes(run: Run) -> list[Write]:
    """Each investment's terms on its agreement's day, and the valuations on theirs."""
    titles = [experiment.title for experiment in run.plan.experiments]
    at = {
        title: titles.index(title)
        for title in (*ON_TIME, LENDER, AGENCY, PEER_SUPPORT, RENT_TO_OWN)
    }
    today = run.plan.window.today
    writes = [_on(run, at[title], _on_time_loan) for title in ON_TIME]
    writes += [
        _on(run, at[LENDER], _lender_loan),
        _on(run, at[AGENCY], _agency),
        _on(run, at[PEER_SUPPORT], _peer_support),
        _on(run, at[RENT_TO_OWN], _rent_to_own),
    ]
    agency, peer = (run.plan.experiments[at[t]].start for t in (AGENCY, PEER_SUPPORT))
    written_off = _written_off_on(run, at[RENT_TO_OWN])
    repaid = {title: _last_repaid_on(run, at[title]) for title in ON_TIME}
    return [
        *writes,
        *(_valued(run, at[t], day, _amortised) for t, day in repaid.items() if day is not None),
        _valued(run, at[AGENCY], min(agency + ROUND_AFTER, today), _last_round),
        _valued(run, at[PEER_SUPPORT], min(peer + REVIEW_AFTER, today), _at_cost),
        *([] if written_off is None else [_valued(run, at[RENT_TO_OWN], written_off, _nothing)]),
    ]


def level_rate(principal: Decimal, repayment: Decimal, starts_on: date) -> Decimal:
    """The highest yearly rate, to four decimals, at which the on-time loans' level
    instalment on ``principal`` is no more than ``repayment`` (found by halving, as the
    instalment rises with the rate)."""
    low, high = 0, MOST_STEPS
    while low < high:
        middle = (low + high + 1) // 2
        if _instalment(principal, middle * RATE_STEP, starts_on) <= repayment:
            low = middle
        else:
            high = middle - 1
    return (low * RATE_STEP).quantize(RATE_STEP)


def _instalment(principal: Decimal, rate: Decimal, starts_on: date) -> Decimal:
    first = schedule.schedule(_on_time(principal, rate, starts_on)).iloc[0]
    return first["principal"] + first["interest"]


def _on_time(principal: Decimal, rate: Decimal, starts_on: date) -> LoanTerms:
    return LoanTerms(
        principal=principal,
        interest_rate=rate,
        starts_on=starts_on,
        grace_months=ON_TIME_GRACE,
        instalments=ON_TIME_INSTALMENTS,
        every_months=QUARTERLY,
    )


def _on(run: Run, position: int, action: Callable[[Run, int, ExperimentPlan], None]) -> Write:
    """The investment's terms, on the day its commitment was made (after it, as the day's
    money moves come first)."""
    experiment = run.plan.experiments[position]

    def do() -> None:
        with run.on(experiment.start):
            action(run, position, experiment)

    return Write(experiment.start, do)


def _record(run: Run, position: int, reason: str, **given: object) -> None:
    terms.record_terms(
        run.con,
        run.manager(position),
        terms.InvestmentTerms(commitment_id=run.commitments[position], **given),
        key=run.key(),
        reason=reason,
    )


def _on_time_loan(run: Run, position: int, experiment: ExperimentPlan) -> None:
    loan = on_time_terms(experiment)
    _record(
        run,
        position,
        ON_TIME_REASON,
        investment_type="loan",
        interest_rate=loan.interest_rate,
        starts_on=loan.starts_on,
        grace_months=loan.grace_months,
        instalments=loan.instalments,
        every_months=loan.every_months,
    )


def on_time_terms(experiment: ExperimentPlan) -> LoanTerms:
    """An on-time loan's terms: the commitment lent from the day of the month its
    repayments fall on, at the rate that makes its instalment the repayment."""
    starts_on = month_after(experiment.start, 0)
    rate = level_rate(experiment.amount, share_of(experiment.amount, REPAYMENT), starts_on)
    return _on_time(experiment.amount, rate, starts_on)


def _lender_loan(run: Run, position: int, experiment: ExperimentPlan) -> None:
    _record(
        run,
        position,
        LENDER_REASON,
        investment_type="loan",
        interest_rate=LENDER_RATE,
        starts_on=month_after(experiment.start, 0),
        grace_months=LENDER_GRACE,
        instalments=LENDER_INSTALMENTS,
        every_months=QUARTERLY,
    )


def _agency(run: Run, position: int, experiment: ExperimentPlan) -> None:
    _record(
        run,
        position,
        AGENCY_REASON,
        investment_type="equity",
        stake=AGENCY_STAKE,
        follow_on_reserve=share_of(experiment.amount, AGENCY_RESERVE),
    )


def _peer_support(run: Run, position: int, experiment: ExperimentPlan) -> None:
    _record(run, position, PEER_SUPPORT_REASON, investment_type="recoverable_grant")


def _rent_to_own(run: Run, position: int, experiment: ExperimentPlan) -> None:
    _record(run, position, RENT_TO_OWN_REASON, investment_type="equity", stake=RENT_TO_OWN_STAKE)


# --- valuations -----------------------------------------------------------------------------


def _valued(run: Run, position: int, day: date, worth: Callable[[Run, int, date], tuple]) -> Write:
    def do() -> None:
        value, basis, reason = worth(run, position, day)
        with run.on(day):
            valuations.record_valuation(
                run.con,
                run.manager(position),
                commitment_id=run.commitments[position],
                valued_on=day,
                value=value,
                basis=basis,
                key=run.key(),
                reason=reason,
            )

    return Write(day, do)


def _last_round(run: Run, position: int, day: date) -> tuple:
    return share_of(_paid_by(run, position, day), ROUND_MULTIPLE), "last_round", ROUND_REASON


def _at_cost(run: Run, position: int, day: date) -> tuple:
    return _paid_by(run, position, day), "cost", COST_REASON


def _nothing(run: Run, position: int, day: date) -> tuple:
    return Decimal("0.00"), "written_off", WRITTEN_OFF_REASON


def _amortised(run: Run, position: int, day: date) -> tuple:
    """An on-time loan at amortised cost: the principal its instalments due by ``day`` (all
    repaid) leave outstanding."""
    loan = schedule.schedule(on_time_terms(run.plan.experiments[position]))
    repaid = sum(loan.loc[loan["due_on"] <= day, "principal"], Decimal("0.00"))
    return run.plan.experiments[position].amount - repaid, "cost", AMORTISED_REASON


def _paid_by(run: Run, position: int, day: date) -> Decimal:
    """What the plan drew down on the investment by ``day`` (its mistakes left out, as they
    are reversed at once)."""
    return sum(
        (
            move.amount
            for move in run.plan.moves
            if move.target == position and move.op == "pay" and move.on <= day and not move.undo
        ),
        Decimal("0.00"),
    )


def _last_repaid_on(run: Run, position: int) -> date | None:
    """The day of a loan's latest repayment, if one has come."""
    return max(
        (m.on for m in run.plan.moves if m.target == position and m.op == "recover"),
        default=None,
    )


def _written_off_on(run: Run, position: int) -> date | None:
    """The day the plan wrote the failed venture off, if that day has come."""
    return next(
        (m.on for m in run.plan.moves if m.target == position and m.op == "write_off"), None
    )
