"""The fund's learning: how many of its ended experiments left a lesson, how soon, at what
cost, and the scorecard of each responsible official.

The sources judge this fund by the lessons its experiments leave, from success or failure,
and its officials by how well they use the risk capital to learn. So a failure with a lesson
counts as learning here, never as a mark against anyone, and officials are listed by name,
never ranked by their wins.

Definitions, one place for each (every figure as the records stood at the end of a day):

- An experiment has **ended** when it is closed, or its plan's review date has passed; its
  **end date** is the earlier of its closing's UK date and its review date.
- A **lesson documented** is an experiment with a lesson recorded (whether or not it has
  ended); its lesson's date is the UK date of its first version.
- **Share with a lesson**: ended experiments with a lesson ÷ ended experiments.
- **Failures documented**: experiments whose final verdict is *stop* and that have a lesson.
- **Median days to lesson**: over ended experiments with a lesson, the lesson's date less
  the end date, counted as 0 when the lesson came first; None when there is none.
- **Money paid out**: the group's disbursements net of their reversals (a reversal repeats
  the kind with the amount negated), as the ledger had recorded them by the end of the day.
  Recoveries do not net off: the money was spent on the experiment, whatever came back.
- **Cost per lesson**: money paid out ÷ lessons documented, rounded half-up to the penny;
  None while there is no lesson.

:func:`learning` reads (and checks who may read); :func:`measure` and the functions it calls
are pure arithmetic over the frame of :func:`fund.evidence.judgement.judgements`, vectorised
over experiments; only the exact-decimal quotients are taken group by group.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from fund.auth import Permission, User, require
from fund.db import BOOKS_TIMEZONE, frame, today
from fund.errors import ValidationError
from fund.evidence.judgement import cutoff, judgements
from fund.money import PENNY
from fund.sroi.report import experiment_results

GROUPINGS = ("programme", "official")
VERDICTS = ("scale", "adapt", "stop", "inconclusive")
NO_VERDICT = "none"  # no results yet, so no verdict
LEVELS = range(6)  # Nesta Standards of Evidence: 0 (no registered plan) to 5
_KEYS = {None: [], "programme": ["programme", "programme_id"], "official": ["official"]}
_SHARE = Decimal("0.0001")

# What each figure is called where people read it (the CLI and the Lessons page), in the
# order of the columns of :func:`measure`.
FIGURES = {
    "experiments": "Experiments run",
    "ended": "Ended",
    "lessons": "Lessons documented",
    "ended_with_lesson": "Ended, with a lesson",
    "share_with_lesson": "Share of ended experiments with a lesson",
    "failures_documented": "Failures documented (stop, with a lesson)",
    "median_days_to_lesson": "Median days from end to lesson",
    "paid": "Money paid out",
    "cost_per_lesson": "Cost per lesson",
    **{f"level_{level}": f"At evidence level {level}" for level in LEVELS},
    "highest_level": "Highest evidence level",
    **{f"verdict_{verdict}": f"Verdict: {verdict}" for verdict in VERDICTS},
    f"verdict_{NO_VERDICT}": "No verdict yet",
    "learning": "Learning (lessons, failures included)",
    "sroi_ratio": "SROI ratio",
    "impact_maps": "Experiments with an impact map",
    "incomplete": "Incomplete impact maps",
}
_MONEY = pd.ArrowDtype(pa.decimal128(38, 2))

# Every experiment's money paid out (disbursements net of reversals), as recorded by $cutoff.
_PAID = """
SELECT x.experiment_id, coalesce(sum(f.paid), 0)::DECIMAL(18, 2) AS paid
FROM experiment AS x
LEFT JOIN commitment AS c USING (experiment_id)
LEFT JOIN ledger_entry AS e ON e.commitment_id = c.commitment_id AND e.recorded_at < $cutoff
LEFT JOIN ledger_effect AS f ON f.entry_id = e.entry_id
GROUP BY x.experiment_id
"""


def learning(
    con: duckdb.DuckDBPyConnection,
    actor: User,
    *,
    by: str | None = None,
    as_of: object = None,
) -> pd.DataFrame:
    """The fund's learning metrics as at the end of ``as_of`` (default today; a date or
    YYYY-MM-DD): one row for the fund, or one per programme or responsible official.

    By official it is the officials' scorecard, with the SROI of each one's experiments; it
    names people, so board members (who read summaries, not names) are refused it.
    """
    if by not in _KEYS:
        raise ValidationError("by", f"must be programme or official, not {by!r}")
    require(con, actor, Permission.READ_SUMMARY)
    if by == "official":
        require(con, actor, Permission.READ_PEOPLE)
    day = as_of_day(as_of)
    paid = frame(con, _PAID, {"cutoff": cutoff(day)})
    experiments = judgements(con, as_of=day).merge(paid, on="experiment_id")
    found = measure(experiments, by=by)
    if by == "official":
        sroi = sroi_by_official(experiment_results(con, actor), experiments)
        found = _with_no_maps(found.merge(sroi, on="official", how="left"))
    return found


def as_of_day(value: object) -> date:
    """The day to read as at: today unless given; never in the future."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return today()
    if isinstance(value, date):
        chosen = value
    else:
        try:
            chosen = date.fromisoformat(str(value).strip())
        except ValueError:
            raise ValidationError("as of", f"must be a date as YYYY-MM-DD, not {value!r}") from None
    if chosen > today():
        raise ValidationError("as of", f"must not be in the future ({chosen} is after {today()})")
    return chosen


# --- pure: the arithmetic over the frame -----------------------------------------------------


def measure(experiments: pd.DataFrame, *, by: str | None = None) -> pd.DataFrame:
    """The learning metrics of a frame of :func:`judgements` with each experiment's ``paid``,
    for the whole frame (``by`` None) or per programme or official, ordered by name.

    Columns: the group's key (none for the fund), experiments, ended, lessons,
    ended_with_lesson, share_with_lesson, failures_documented, median_days_to_lesson, paid,
    cost_per_lesson, level_0..level_5, highest_level, verdict_scale..verdict_none (the order
    of :data:`FIGURES`), and for officials ``learning``: lessons documented, failures
    included, what an official is judged on rather than wins.
    """
    keys = _KEYS[by]
    facts = experiment_facts(experiments)
    grouped = facts.groupby(keys or np.zeros(len(facts), dtype=int), sort=False)
    counted = [*_names(LEVELS, "level"), *_names((*VERDICTS, NO_VERDICT), "verdict")]
    found = grouped.agg(
        experiments=("experiment_id", "size"),
        ended=("ended", "sum"),
        lessons=("lesson", "sum"),
        ended_with_lesson=("ended_with_lesson", "sum"),
        failures_documented=("failure_documented", "sum"),
        median_days_to_lesson=("days_to_lesson", "median"),
        paid=("paid", "sum"),
        highest_level=("evidence_level", "max"),
        **{name: (name, "sum") for name in counted},
    ).reset_index(drop=not keys)
    found = found.assign(
        share_with_lesson=_quotients(share, found["ended_with_lesson"], found["ended"]),
        median_days_to_lesson=_none_for_nan(found["median_days_to_lesson"]),
        paid=found["paid"].astype(_MONEY),
        cost_per_lesson=pd.array(
            _quotients(cost_per_lesson, found["paid"], found["lessons"]), dtype=_MONEY
        ),
    )
    if by == "official":
        found = found.assign(learning=found["lessons"])
    return _by_name(found[[*keys, *(name for name in FIGURES if name in found)]], keys)


def experiment_facts(experiments: pd.DataFrame) -> pd.DataFrame:
    """Per experiment: whether it has ended, has a lesson, is a failure documented, the days
    from its end to its lesson (NaN unless both), its money, and its level and verdict as
    counts to sum."""
    end = ended_on(experiments)
    lesson = experiments["lesson_id"].notna().to_numpy(dtype=bool)
    verdict = experiments["verdict"].astype(object).where(experiments["verdict"].notna())
    days = (_uk_days(experiments["first_lesson_at"]) - end) / np.timedelta64(1, "D")
    return pd.concat(
        [
            pd.DataFrame(
                {
                    "experiment_id": experiments["experiment_id"].to_numpy(),
                    "ended": ~np.isnat(end),
                    "lesson": lesson,
                    "ended_with_lesson": ~np.isnat(end) & lesson,
                    "failure_documented": (verdict == "stop").to_numpy(dtype=bool) & lesson,
                    "days_to_lesson": np.maximum(days, 0),  # NaN stays NaN
                    "paid": experiments["paid"].array,  # exact decimals
                    "evidence_level": experiments["evidence_level"].to_numpy(dtype=int),
                }
            ),
            _counts(experiments["evidence_level"].to_numpy(dtype=int), LEVELS, "level"),
            _counts(verdict.fillna(NO_VERDICT).to_numpy(), (*VERDICTS, NO_VERDICT), "verdict"),
        ],
        axis=1,
    ).assign(**{key: experiments[key].to_numpy() for key in _present_keys(experiments)})


def ended_on(experiments: pd.DataFrame) -> np.ndarray:
    """Each experiment's end date (datetime64[D]), NaT while it has not ended: the earlier of
    its closing's UK date and its review date, the latter only once it has passed."""
    closed = _uk_days(experiments["closed_at"])
    review = _days(experiments["review_date"])
    passed = experiments["past_review"].fillna(False).to_numpy(dtype=bool)
    return np.fmin(closed, np.where(passed, review, np.datetime64("NaT")))


def share(part: int, whole: int) -> Decimal | None:
    """``part`` ÷ ``whole`` as a decimal to four places (half-up), without trailing zeros
    ("0.75"); None when there is nothing to share."""
    if whole == 0:
        return None
    return (Decimal(int(part)) / Decimal(int(whole))).quantize(_SHARE, ROUND_HALF_UP).normalize()


def cost_per_lesson(paid: Decimal, lessons: int) -> Decimal | None:
    """Money paid out ÷ lessons documented, rounded half-up to the penny (exactly: the
    quotient is carried far past the penny before rounding); None with no lesson."""
    if lessons == 0:
        return None
    with localcontext() as context:
        context.prec = 60
        return (paid / int(lessons)).quantize(PENNY, ROUND_HALF_UP)


def sroi_by_official(results: pd.DataFrame, experiments: pd.DataFrame) -> pd.DataFrame:
    """The SROI of each official's experiments from :func:`fund.sroi.report.experiment_results`,
    as the SROI position sums it: Σ present value ÷ Σ inputs over maps with inputs (never an
    average of ratios), with how many maps they have and how many are incomplete."""
    maps = results.merge(experiments[["experiment_id", "official"]], on="experiment_id")
    with_inputs = (maps["inputs"] > 0).to_numpy(dtype=bool)
    grouped = maps.assign(
        incomplete=~maps["complete"].to_numpy(dtype=bool),
        counted_value=maps["present_value"].where(with_inputs),
    ).groupby("official", sort=False)
    found = grouped.agg(
        impact_maps=("experiment_id", "size"),
        incomplete=("incomplete", "sum"),
        inputs=("inputs", "sum"),
        present_value=("counted_value", "sum"),
    ).reset_index()
    inputs = found["inputs"].astype("float64").to_numpy()
    value = found["present_value"].astype("float64").to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(inputs > 0, value / inputs, np.nan)
    return found.assign(sroi_ratio=_none_for_nan(pd.Series(ratio)))[
        ["official", "sroi_ratio", "impact_maps", "incomplete"]
    ]


def _with_no_maps(found: pd.DataFrame) -> pd.DataFrame:
    """Officials with no impact map: no maps, none incomplete, no ratio."""
    return found.assign(
        impact_maps=found["impact_maps"].fillna(0).astype(int),
        incomplete=found["incomplete"].fillna(0).astype(int),
        sroi_ratio=_none_for_nan(found["sroi_ratio"].astype("float64")),
    )


def _quotients(divide, numerators: pd.Series, denominators: pd.Series) -> list:
    """``divide`` over the groups' exact figures (one call per group, not per experiment)."""
    return [divide(n, d) for n, d in zip(numerators, denominators, strict=True)]


def _names(codes, prefix: str) -> list[str]:
    """The count columns of some codes: level_0, verdict_stop…"""
    return [f"{prefix}_{code}" for code in codes]


def _counts(values: np.ndarray, codes, prefix: str) -> pd.DataFrame:
    """One 0/1 column per code, saying which code each experiment has."""
    chosen = pd.Categorical(values, categories=list(codes))
    return pd.get_dummies(chosen, prefix=prefix, prefix_sep="_").astype(int)


def _present_keys(experiments: pd.DataFrame) -> list[str]:
    return [key for key in ("programme", "programme_id", "official") if key in experiments]


def _uk_days(moments: pd.Series) -> np.ndarray:
    """UTC times (as rows record them) as the UK dates they fell on, NaT where missing."""
    local = moments.astype("datetime64[us]").dt.tz_localize("UTC").dt.tz_convert(BOOKS_TIMEZONE)
    return local.dt.tz_localize(None).to_numpy().astype("datetime64[D]")


def _days(dates: pd.Series) -> np.ndarray:
    return dates.astype("datetime64[s]").to_numpy().astype("datetime64[D]")


def _none_for_nan(values: pd.Series) -> pd.Series:
    return values.astype(object).where(values.notna(), None)


def _by_name(found: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Programmes and officials in the order of their names, never of their results."""
    if not keys:
        return found
    names = found[keys[0]].astype(str).str.casefold()
    return found.iloc[np.argsort(names.to_numpy(), kind="stable")].reset_index(drop=True)
