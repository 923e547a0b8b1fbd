"""An experiment's evaluation plan: what it tests, how it will be judged, and when to stop.

Pure: it turns what a fund manager typed (in a form, on the command line) into a checked
:class:`Plan`, reporting every problem at once. A small grant needs only a hypothesis, a
primary metric and design ``none``; every other experiment is a full test, with a baseline, a
target effect, a comparison design, a planned sample, a review date and kill criteria, so
that its result can be judged against what was said before the money was spent.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal, InvalidOperation

from fund.errors import FileRefused, Problem
from fund.evidence.verdict import Judged

# How an effect is estimated (fund.evidence.estimate); a small grant may have none.
DESIGNS = ("before-after", "two-group", "randomised", "did")
PLAN_DESIGNS = ("none", *DESIGNS)
PLACES = Decimal("0.0001")  # a metric is stored as DECIMAL(18,4)
LARGEST = Decimal("99999999999999.9999")
MAX_SAMPLE = 1_000_000_000
_NUMBER = re.compile(r"[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)", re.ASCII)
TEXTS = {
    "hypothesis": 2000,
    "metric": 200,
    "metric_unit": 100,
}
# Required of every experiment but a small grant.
FULL_TEST = ("baseline", "target_effect", "planned_sample", "review_date", "kill_threshold")


@dataclass(frozen=True, kw_only=True)
class Plan:
    """What an experiment is judged against. Numbers are in the metric's unit."""

    hypothesis: str
    metric: str
    metric_unit: str
    higher_is_better: bool
    design: str
    baseline: Decimal | None = None
    target_effect: Decimal | None = None  # the smallest improvement worth having
    planned_sample: int | None = None
    review_date: date | None = None
    kill_threshold: Decimal | None = None  # the primary metric at which the experiment stops
    kill_by: date | None = None  # ... when it is still there on this date

    def as_json(self) -> dict[str, object]:
        """The plan as the audit log records a request for it (numbers and dates as text)."""
        shown = {}
        for f in fields(self):
            value = getattr(self, f.name)
            shown[f.name] = value if value is None or isinstance(value, bool) else str(value)
        return shown

    def kill_criteria_met(self, treated_post_mean: float, on: date) -> bool:
        """Whether the kill criteria are met on ``on`` by the treated group's mean after the
        start: judged only from the kill date, and only on the wrong side of the threshold."""
        if self.kill_threshold is None or self.kill_by is None or on < self.kill_by:
            return False
        threshold = float(self.kill_threshold)
        if self.higher_is_better:
            return treated_post_mean < threshold
        return treated_post_mean > threshold

    def judged(self, effect: float, ci_low: float, ci_high: float) -> Judged | None:
        """An estimate in this plan's terms; None when the plan sets no target to judge by."""
        if self.target_effect is None:
            return None
        return Judged.of(
            effect=effect,
            ci_low=ci_low,
            ci_high=ci_high,
            target=float(self.target_effect),
            higher_is_better=self.higher_is_better,
        )


def plan_of(given: Mapping[str, object], *, small_grant: bool) -> Plan:
    """A checked plan from what was typed, or every problem with it (FileRefused, each
    naming its field and the rule)."""
    problems: list[Problem] = []

    def field(name: str, read: Callable[[object, str], object]) -> object:
        try:
            return read(given.get(name), name)
        except _Refused as refused:
            problems.append(Problem(name, str(refused)))
            return None

    found = {name: field(name, _text(limit)) for name, limit in TEXTS.items()}
    found["higher_is_better"] = field("higher_is_better", _direction)
    found["design"] = field("design", _design)
    for name in ("baseline", "kill_threshold"):
        found[name] = field(name, _measure)
    found["target_effect"] = field("target_effect", _positive_measure)
    found["planned_sample"] = field("planned_sample", _sample)
    found["review_date"] = field("review_date", _date)
    found["kill_by"] = field("kill_by", _date)
    problems += _whole_plan_problems(found, given, small_grant, {p.place for p in problems})
    if problems:
        raise FileRefused(tuple(problems))
    return Plan(**found)


class _Refused(Exception):
    """A field's rule, raised by a reader and gathered into the plan's problems."""


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(limit: int) -> Callable[[object, str], str | None]:
    def read(value: object, _name: str) -> str | None:
        if _blank(value):
            return None
        text = str(value).strip()
        if len(text) > limit:
            raise _Refused(f"must be at most {limit} characters")
        return text

    return read


def _direction(value: object, _name: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    words = {"higher": True, "true": True, "1": True, "lower": False, "false": False, "0": False}
    chosen = words.get(str(value).strip().lower())
    if chosen is None:
        raise _Refused(f"must be higher or lower (which is better), not {value!r}")
    return chosen


def _design(value: object, _name: str) -> str | None:
    if _blank(value):
        return None
    design = str(value).strip().lower()
    if design not in PLAN_DESIGNS:
        raise _Refused(f"must be one of {', '.join(PLAN_DESIGNS)}, not {value!r}")
    return design


def _measure(value: object, _name: str) -> Decimal | None:
    if _blank(value):
        return None
    if isinstance(value, float):
        raise _Refused("must be given as a decimal string, not a float")
    text = str(value).strip().replace(",", "")
    if not _NUMBER.fullmatch(text):
        raise _Refused(f"must be a number such as 12.5, not {value!r}")
    try:
        number = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
        raise _Refused(f"must be a number, not {value!r}") from None
    if number != number.quantize(PLACES):
        raise _Refused(f"must have at most four decimal places, not {text}")
    if abs(number) > LARGEST:
        raise _Refused(f"must not exceed {LARGEST:,}")
    return number.quantize(PLACES)


def _positive_measure(value: object, name: str) -> Decimal | None:
    number = _measure(value, name)
    if number is not None and number <= 0:
        raise _Refused(
            "must be more than 0: the smallest improvement worth having (lower or higher"
            " is said by which is better)"
        )
    return number


def _sample(value: object, _name: str) -> int | None:
    if _blank(value):
        return None
    text = str(value).strip().replace(",", "")
    if isinstance(value, bool) or not (text.isascii() and text.isdigit()):
        raise _Refused(f"must be a whole number of observations, not {value!r}")
    number = int(text)
    if not 1 <= number <= MAX_SAMPLE:
        raise _Refused(f"must be from 1 to {MAX_SAMPLE:,}")
    return number


def _date(value: object, _name: str) -> date | None:
    if _blank(value):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise _Refused(f"must be a date as YYYY-MM-DD, not {value!r}") from None


def _whole_plan_problems(
    found: dict[str, object], given: Mapping[str, object], small_grant: bool, refused: set[str]
) -> list[Problem]:
    """The rules across fields: what is required, and kill criteria given whole."""
    problems = []
    required = [*TEXTS, "higher_is_better", "design"]
    if not small_grant:
        required += [*FULL_TEST, "kill_by"]
    for name in required:
        if found[name] is None and name not in refused:
            problems.append(Problem(name, "is required" + _why(name, small_grant)))
    if not small_grant and found["design"] == "none":
        problems.append(
            Problem(
                "design",
                "only a small grant may have no comparison design: choose before-after,"
                " two-group, randomised or did",
            )
        )
    if small_grant and (found["kill_threshold"] is None) != (found["kill_by"] is None):
        missing = "kill_by" if found["kill_by"] is None else "kill_threshold"
        if missing not in refused and not _blank(given.get(_other(missing))):
            problems.append(
                Problem(missing, "kill criteria need both a threshold and the date it is judged by")
            )
    return problems


def _other(name: str) -> str:
    return "kill_threshold" if name == "kill_by" else "kill_by"


def _why(name: str, small_grant: bool) -> str:
    if small_grant or name in (*TEXTS, "higher_is_better", "design"):
        return ""
    return " for every experiment but a small grant"
