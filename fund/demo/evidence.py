"""The demo's evaluation plans and what came of them, through the same services and audit
rows as a fund manager's own: every experiment registers a plan on the day it is selected,
before any money; the evaluated bigger bets record results at their review dates, and
lessons, an override, an independent evaluation and closings follow on their own days.

Each programme judges its experiments on one primary metric, so that results can confirm
each other across experiments; a small grant registers only a hypothesis and its metric,
the bigger bets a full test with a comparison design fitting the instrument.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import date, timedelta
from typing import TYPE_CHECKING, NamedTuple

from fund.demo.catalogue import FI, MH, YP
from fund.demo.experiments import ExperimentPlan
from fund.demo.findings import CONFIRMED, CONFIRMING, FINDINGS, Finding, results_file
from fund.demo.lessons import LESSONS
from fund.evidence import plans
from fund.evidence.override import override_verdict
from fund.evidence.results import upload_results
from fund.lessons.register import close_experiment, record_lesson
from fund.register import Instrument

if TYPE_CHECKING:
    from fund.demo.run import Run


class Metric(NamedTuple):
    """A programme's primary metric, and the test its bigger bets are judged by."""

    name: str
    unit: str
    higher_is_better: bool
    baseline: str
    target_effect: str
    kill_threshold: str
    hypothesis: str  # completed by the experiment's title


METRICS = {
    FI: Metric(
        "Households with a savings buffer of £500",
        "% of households taking part",
        True,
        "25.0",
        "5.0",
        "22.0",
        "{title} raises the share of households with a savings buffer",
    ),
    YP: Metric(
        "Young people in education, employment or training six months on",
        "% of young people taking part",
        True,
        "55.0",
        "8.0",
        "50.0",
        "{title} keeps more young people in education, employment or training",
    ),
    MH: Metric(
        "Weeks from referral to first support",
        "weeks",
        False,
        "12.0",
        "2.0",
        "13.0",
        "{title} shortens the wait for first mental health support",
    ),
}
# How each instrument's effect is estimated: a zone against comparison areas, a contract
# against a matched comparison group, a venture against its users before it.
DESIGNS = {
    Instrument.EXPERIMENTAL_ZONE: "did",
    Instrument.PBR_CONTRACT: "two-group",
    Instrument.SOCIAL_VENTURE: "before-after",
}
REVIEW_AFTER = timedelta(days=365)
KILL_AFTER = timedelta(days=240)
PLAN_REASON = "Evaluation plan agreed by the programme panel before any money"


def plan_for(experiment: ExperimentPlan, selected: date) -> dict[str, object]:
    """The plan ``experiment`` registers when selected on ``selected``."""
    metric = METRICS[experiment.programme]
    given: dict[str, object] = {
        "hypothesis": metric.hypothesis.format(title=experiment.title),
        "metric": metric.name,
        "metric_unit": metric.unit,
        "higher_is_better": metric.higher_is_better,
        "design": "none",
    }
    if experiment.instrument is Instrument.SMALL_GRANT:
        return given
    start = experiment.start or selected
    return given | {
        "design": DESIGNS[experiment.instrument],
        "baseline": metric.baseline,
        "target_effect": metric.target_effect,
        "planned_sample": "600",
        "review_date": start + REVIEW_AFTER,
        "kill_threshold": metric.kill_threshold,
        "kill_by": start + KILL_AFTER,
    }


def register_plan(run: Run, experiment: ExperimentPlan, experiment_id: int, on: date) -> None:
    plans.register_plan(
        run.con,
        run.manager(0),
        experiment_id,
        plan_for(experiment, on),
        key=run.key(),
        reason=PLAN_REASON,
    )


# --- results, verdicts, lessons and closings ---------------------------------------------------

RESULTS_REASON = "Results at the review date, from the evaluation partner's monitoring returns"
EVALUATOR = "University of Calderbrook evaluation unit"
EVALUATION_REASON = "Independent evaluation commissioned by the board"
OVERRIDDEN = "Recoverable grant to a peer-support app start-up"
OVERRIDE = (
    "scale",
    "Board agreed to scale: the Integrated Care Board is commissioning the app across the"
    " borough, and the week it takes off first support is worth having short of the target",
)
LESSON_REASON = "Lesson written up with the programme panel after the review"
CLOSE_REASON = "Closed: nothing left to pay, lesson recorded"
AFTER_RESULTS = {"override": timedelta(days=14), "lesson": timedelta(days=28)}
EVALUATED_AFTER = timedelta(days=60)
LESSON_AFTER_END = timedelta(days=14)
CLOSED_AFTER_LESSON = timedelta(days=7)


class Write(NamedTuple):
    """One dated write of the build, to run in date order with the money moves."""

    on: date
    do: Callable[[], object]


def evidence_writes(run: Run, *, by_area: Collection[str] = ()) -> list[Write]:
    """The evidence the fund gathered, each write on its day: results at each evaluated bet's
    review date (or today, when it has not come), an independent evaluation confirming one,
    an override, lessons for the stopped and the spread, and the two failures that ended
    before any results written up and closed once nothing was left to pay. The zones titled
    in ``by_area`` record their results as outcome series (:mod:`fund.demo.zones`), not here."""
    writes: list[Write] = []
    for position, experiment in enumerate(run.plan.experiments):
        if experiment.title in FINDINGS:
            writes += _evaluated(
                run, position, experiment, with_file=experiment.title not in by_area
            )
        elif experiment.title in LESSONS:
            writes += _ended_early(run, position, experiment)
    return writes


def _evaluated(
    run: Run, position: int, experiment: ExperimentPlan, *, with_file: bool
) -> list[Write]:
    """Its results file (unless it is a zone measured by area), then what followed it."""
    today = run.plan.window.today
    day = min(experiment.start + REVIEW_AFTER, today)
    file = _results(run, position, experiment, FINDINGS[experiment.title], day)
    writes = [file] if with_file else []
    if experiment.title == CONFIRMED:
        evaluated = min(day + EVALUATED_AFTER, today)
        writes.append(_results(run, position, experiment, CONFIRMING, evaluated, EVALUATOR))
    if experiment.title == OVERRIDDEN:
        writes.append(_write(run, min(day + AFTER_RESULTS["override"], today), _override, position))
    if experiment.title in LESSONS:
        writes.append(_write(run, min(day + AFTER_RESULTS["lesson"], today), _lesson, position))
    return writes


def _ended_early(run: Run, position: int, experiment: ExperimentPlan) -> list[Write]:
    """A failure with no results: its lesson a fortnight after its last money moved, then
    its closing."""
    today = run.plan.window.today
    ended = max(m.on for m in run.plan.moves if m.op != "allocate" and m.target == position)
    written = min(ended + LESSON_AFTER_END, today)
    return [
        _write(run, written, _lesson, position),
        _write(run, min(written + CLOSED_AFTER_LESSON, today), _close, position),
    ]


def _results(
    run: Run,
    position: int,
    experiment: ExperimentPlan,
    finding: Finding,
    day: date,
    evaluator: str | None = None,
) -> Write:
    text = results_file(
        finding,
        DESIGNS[experiment.instrument],
        float(METRICS[experiment.programme].baseline),  # the analytics edge: a float to draw
        experiment.start,
        draw=position if evaluator is None else position + 100,
    )

    def upload(run: Run, position: int) -> None:
        upload_results(
            run.con,
            run.manager(position),
            run.experiment_ids[position],
            text,
            evaluator=evaluator,
            key=run.key(),
            reason=EVALUATION_REASON if evaluator else RESULTS_REASON,
        )

    return _write(run, day, upload, position)


def _override(run: Run, position: int) -> None:
    verdict, reason = OVERRIDE
    override_verdict(
        run.con,
        run.manager(position),
        run.experiment_ids[position],
        verdict,
        key=run.key(),
        reason=reason,
    )


def _lesson(run: Run, position: int) -> None:
    title = run.plan.experiments[position].title
    record_lesson(
        run.con,
        run.manager(position),
        run.experiment_ids[position],
        LESSONS[title].given(),
        key=run.key(),
        reason=LESSON_REASON,
    )


def _close(run: Run, position: int) -> None:
    """Close the experiment when nothing is left to pay on it (as closing requires)."""
    experiment_id = run.experiment_ids[position]
    (still_open,) = run.con.execute(
        "SELECT count(*) FROM commitment AS c JOIN commitment_balance AS b USING (commitment_id)"
        " WHERE c.experiment_id = ? AND b.committed - b.paid > 0",
        [experiment_id],
    ).fetchone()
    if not still_open:
        close_experiment(
            run.con, run.manager(position), experiment_id, key=run.key(), reason=CLOSE_REASON
        )


def _write(run: Run, day: date, action: Callable[[Run, int], None], position: int) -> Write:
    def do() -> None:
        with run.on(day):
            action(run, position)

    return Write(day, do)
