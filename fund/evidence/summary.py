"""An experiment's results entered as a summary: n, mean and standard deviation per cell.

A cell is one group (``treated`` or ``comparison``) before or after the experiment began
(``post`` 0 or 1). Without the observations the effect is a combination of cell means, each
with its sign: after minus before for ``before-after`` (unpaired: a summary cannot pair
units), treated minus comparison after the start for ``two-group`` and ``randomised``, and
the difference of the two differences for ``did``. Its standard error is √Σ s²/n over the
cells used, its degrees of freedom the Welch–Satterthwaite approximation (for two cells,
exactly Welch's t; for the four of a ``did``, its generalisation), and its 95% interval
scipy's t interval on them. scipy's ``ttest_ind_from_stats`` gives only the statistic and
its p-value, not the degrees of freedom or an interval, so those are made here from their
definitions; the unit tests hold them to scipy's and statsmodels' answers on the data.

Pure: what was typed (in a form, on the command line) is checked whole, every problem at
once, each named with its place (``cells/2/sd``, counted from 0 like a JSON pointer).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
from scipy import stats

from fund.errors import FileRefused, Problem, ValidationError
from fund.evidence.estimate import ALPHA, Estimate
from fund.evidence.plan import DESIGNS, LARGEST, MAX_SAMPLE

FIELDS = ("group", "post", "n", "mean", "sd")
_NUMBER = re.compile(r"[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]{1,3})?", re.ASCII)

# The cells each design combines, (treated, post), with the sign each mean takes.
_SIGNS: dict[str, dict[tuple[bool, bool], int]] = {
    "before-after": {(True, True): 1, (True, False): -1},
    "two-group": {(True, True): 1, (False, True): -1},
    "randomised": {(True, True): 1, (False, True): -1},
    "did": {(True, True): 1, (True, False): -1, (False, True): -1, (False, False): 1},
}
_METHODS = {
    "before-after": "Welch t from a summary (unpaired: a summary cannot pair units)",
    "two-group": "Welch t from a summary",
    "randomised": "Welch t from a summary",
    "did": "difference of differences from a summary; Welch–Satterthwaite df",
}


@dataclass(frozen=True, kw_only=True)
class Cell:
    """One group before or after the start: how many were measured, their mean and spread."""

    treated: bool
    post: bool
    n: int
    mean: float
    sd: float

    @property
    def name(self) -> str:
        """'the treated cell after the start (post 1)'."""
        return cell_name(self.treated, self.post)

    def as_json(self) -> dict[str, object]:
        """The cell as the audit log records a request for it."""
        group = "treated" if self.treated else "comparison"
        return {
            "group": group,
            "post": int(self.post),
            "n": self.n,
            "mean": self.mean,
            "sd": self.sd,
        }


def cell_name(treated: bool, post: bool) -> str:
    group = "treated" if treated else "comparison"
    when = "after the start (post 1)" if post else "before the start (post 0)"
    return f"the {group} cell {when}"


def cells_of(given: object) -> tuple[Cell, ...]:
    """The checked cells of what was typed, or every problem with them (FileRefused)."""
    if isinstance(given, str | bytes) or not isinstance(given, Sequence) or not given:
        raise FileRefused((Problem("cells", "give at least one cell: group, post, n, mean, sd"),))
    problems: list[Problem] = []
    found: dict[tuple[bool, bool], int] = {}
    cells = []
    for i, typed in enumerate(given):
        cell = _cell(f"cells/{i}", typed, problems)
        if cell is None:
            continue
        first = found.setdefault((cell.treated, cell.post), i)
        if first != i:
            problems.append(Problem(f"cells/{i}", f"repeats {cell.name} of cells/{first}"))
        cells.append(cell)
    if problems:
        raise FileRefused(tuple(problems))
    return tuple(cells)


def estimate(cells: Sequence[Cell], design: str) -> Estimate:
    """The effect of ``design`` and its 95% interval from the cells' summaries."""
    if design not in DESIGNS:
        raise ValidationError("design", f"{design!r} is not one of {', '.join(DESIGNS)}")
    signs = _SIGNS[design]
    by_place = {(c.treated, c.post): c for c in cells}
    problems = [
        Problem("cells", f"{cell_name(*place)} is missing: a {design} design needs it")
        for place in signs
        if place not in by_place
    ]
    problems += [
        Problem("cells", f"{c.name} has no place in a {design} design; {_uses(design)}")
        for c in cells
        if (c.treated, c.post) not in signs
    ]
    _refuse(problems)
    used = [by_place[place] for place in signs]
    sign = np.array(list(signs.values()), dtype=float)
    n = np.array([c.n for c in used], dtype=float)
    mean = np.array([c.mean for c in used])
    spread = np.array([c.sd for c in used]) ** 2 / n  # each mean's variance
    variance = spread.sum()
    if not variance > 0:
        _refuse([Problem("cells", "every sd is 0: there is no spread to give an interval")])
    effect = float(sign @ mean)
    std_error = math.sqrt(variance)
    df = variance**2 / (spread**2 / (n - 1)).sum()  # Welch–Satterthwaite
    low, high = stats.t.interval(1 - ALPHA, df, loc=effect, scale=std_error)
    return Estimate(
        effect, std_error, float(low), float(high), int(n.sum()), design, _METHODS[design]
    )


def treated_post_mean(cells: Sequence[Cell]) -> float:
    """The treated group's mean after the start: what kill criteria are judged on. Every
    design needs that cell, so an estimated summary always has it."""
    return next(c.mean for c in cells if c.treated and c.post)


def _uses(design: str) -> str:
    return "it uses " + " and ".join(cell_name(*place) for place in _SIGNS[design])


def _refuse(problems: list[Problem]) -> None:
    if problems:
        raise FileRefused(tuple(problems))


# --- reading what was typed ------------------------------------------------------------------


def _cell(place: str, typed: object, problems: list[Problem]) -> Cell | None:
    """One typed cell as a Cell, or None with its problems added (every field checked)."""
    if not isinstance(typed, Mapping):
        problems.append(Problem(place, f"must be a cell with {', '.join(FIELDS)}"))
        return None
    before = len(problems)
    problems += [
        Problem(f"{place}/{name}", f"is not a field of a cell ({', '.join(FIELDS)})")
        for name in typed
        if name not in FIELDS
    ]
    read = {}
    for name, reader in _READERS.items():
        try:
            read[name] = reader(typed.get(name))
        except _Refused as refused:
            problems.append(Problem(f"{place}/{name}", str(refused)))
    if len(problems) > before:
        return None
    return Cell(
        treated=read["group"], post=read["post"], n=read["n"], mean=read["mean"], sd=read["sd"]
    )


class _Refused(Exception):
    """A field's rule, raised by a reader and gathered into the cells' problems."""


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _group(value: object) -> bool:
    text = "" if value is None else str(value).strip().lower()
    if text not in ("treated", "comparison"):
        rule = "is required" if not text else f"{value!r} is not treated or comparison"
        raise _Refused(rule)
    return text == "treated"


def _post(value: object) -> bool:
    if isinstance(value, bool | float) and float(value).is_integer():
        value = int(value)
    text = "" if value is None else str(value).strip()
    if text not in ("0", "1"):
        rule = "is required" if not text else f"{value!r} is not 0 or 1"
        raise _Refused(f"{rule} (1: after the experiment began)")
    return text == "1"


def _n(value: object) -> int:
    if _blank(value):
        raise _Refused("is required")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip().replace(",", "")
    if isinstance(value, bool) or not (text.isascii() and text.isdigit()):
        raise _Refused(f"must be a whole number of observations, not {value!r}")
    if not 2 <= int(text) <= MAX_SAMPLE:
        raise _Refused(f"must be from 2 to {MAX_SAMPLE:,}: one observation has no spread")
    return int(text)


def _number(value: object) -> float:
    if _blank(value):
        raise _Refused("is required")
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        raise _Refused(f"must be a number, not {value!r}")
    text = str(value).strip().replace(",", "")
    if not _NUMBER.fullmatch(text):
        raise _Refused(f"{value!r} is not a number")
    number = float(text)
    if abs(number) > LARGEST:
        raise _Refused(f"must not exceed {LARGEST:,} in size")
    return number


def _sd(value: object) -> float:
    number = _number(value)
    if number < 0:
        raise _Refused(f"must be 0 or more (a standard deviation), not {value!r}")
    return number


_READERS = {"group": _group, "post": _post, "n": _n, "mean": _number, "sd": _sd}
