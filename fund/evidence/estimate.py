"""The effect of an experiment and its 95% confidence interval, by its comparison design.

The methods are scipy's and statsmodels', never formulas of our own:

- ``before-after``: the treated group after the start against itself before; a paired t by
  unit where every unit is measured once before and once after, otherwise Welch's t;
- ``two-group`` and ``randomised``: treated against comparison after the start, Welch's t, or
  for 0/1 values a difference of proportions with Newcombe's interval;
- ``did`` (difference in differences): repeated cross-sections by ordinary least squares on
  treated, post and treated × post (classical errors, t with n − 4 degrees of freedom); units
  observed in several periods by two-way fixed effects on unit and period, errors clustered
  by unit.

A design the data cannot support is refused naming the rule, every reason at once. The exact
decimals of the file become floats here, at the edge of the analytics.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm
from statsmodels.stats.proportion import confint_proportions_2indep, test_proportions_2indep
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

from fund.errors import FileRefused, Problem, ValidationError
from fund.evidence.observations import Observation
from fund.evidence.plan import DESIGNS

ALPHA = 0.05
_SHOWN_ROWS = 5


@dataclass(frozen=True)
class Estimate:
    """The effect (treated minus comparison, or after minus before), its standard error and
    95% interval, the observations used and how it was estimated."""

    effect: float
    std_error: float
    ci_low: float
    ci_high: float
    n: int
    design: str
    method: str


def estimate(observations: Sequence[Observation], design: str) -> Estimate:
    """The estimate of ``design`` on the observations of a results file."""
    if design not in DESIGNS:
        raise ValidationError("design", f"{design!r} is not one of {', '.join(DESIGNS)}")
    frame = _frame(observations)
    with np.errstate(divide="ignore", invalid="ignore"):  # no spread: refused just below
        found = _METHODS[design](frame, design)
    figures = (found.effect, found.std_error, found.ci_low, found.ci_high)
    if not all(math.isfinite(x) for x in figures) or found.std_error == 0:
        _refuse([Problem("value", "the values do not vary enough to give an interval")])
    return Estimate(*(float(x) for x in figures), int(found.n), design, found.method)


def _frame(observations: Sequence[Observation]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "row": [o.row for o in observations],
            "unit": [o.unit for o in observations],
            "treated": [int(o.group == "treated") for o in observations],
            "period": [o.period for o in observations],
            "post": [int(o.post) for o in observations],
            "value": [float(o.value) for o in observations],
        }
    )


# --- before and after ------------------------------------------------------------------------


def _before_after(frame: pd.DataFrame, design: str) -> Estimate:
    problems = _stray(
        frame,
        frame["treated"] == 0,
        "group",
        "comparison rows belong to a "
        "two-group or did design; a before-after design measures the treated alone",
    )
    problems += _cells(frame, ["post"])
    pairs = _pairs(frame, problems)
    _refuse(problems)
    before, after = _split(frame, "post")
    if pairs is not None:
        stats = DescrStatsW(pairs.to_numpy())
        low, high = stats.tconfint_mean(alpha=ALPHA)
        return Estimate(
            stats.mean, stats.std_mean, low, high, len(frame), design, "paired t by unit"
        )
    return _welch(after, before, design)


def _pairs(frame: pd.DataFrame, problems: list[Problem]) -> pd.Series | None:
    """After minus before for each unit when every unit is measured once in each; None
    when no unit repeats (independent samples); a problem when some repeat and some do not."""
    if frame["unit"].isna().any():
        return None
    counts = frame.groupby(["unit", "post"]).size().unstack(fill_value=0)
    if not (counts > 0).all(axis=1).any():
        return None
    if len(counts.columns) < 2 or not (counts == 1).all().all():
        odd = ", ".join(map(repr, counts.index[(counts != 1).any(axis=1)][:_SHOWN_ROWS]))
        problems.append(
            Problem(
                "unit",
                f"units repeat, so each must be measured once before and once "
                f"after for a paired estimate; not so for {odd}",
            )
        )
        return None
    wide = frame.pivot(index="unit", columns="post", values="value")
    return wide[1] - wide[0]


# --- two groups ------------------------------------------------------------------------------


def _two_group(frame: pd.DataFrame, design: str) -> Estimate:
    problems = _stray(
        frame,
        frame["post"] == 0,
        "post",
        "rows before the start (post 0) "
        f"belong to a did design; a {design} design compares the groups after it",
    )
    problems += _cells(frame, ["treated"])
    _refuse(problems)
    comparison, treated = _split(frame, "treated")
    if np.isin(frame["value"], (0.0, 1.0)).all():
        return _proportions(treated, comparison, design)
    return _welch(treated, comparison, design)


def _welch(first: np.ndarray, second: np.ndarray, design: str) -> Estimate:
    compared = CompareMeans(DescrStatsW(first), DescrStatsW(second))
    low, high = compared.tconfint_diff(alpha=ALPHA, usevar="unequal")
    effect = float(first.mean() - second.mean())
    n = len(first) + len(second)
    return Estimate(effect, compared.std_meandiff_separatevar, low, high, n, design, "Welch t")


def _proportions(treated: np.ndarray, comparison: np.ndarray, design: str) -> Estimate:
    counts = (treated.sum(), len(treated), comparison.sum(), len(comparison))
    low, high = confint_proportions_2indep(*counts, method="newcomb", compare="diff", alpha=ALPHA)
    wald = test_proportions_2indep(*counts, method="wald", compare="diff", return_results=True)
    return Estimate(
        float(wald.diff),
        math.sqrt(wald.variance),
        float(low),
        float(high),
        len(treated) + len(comparison),
        design,
        "difference of proportions, Newcombe interval",
    )


# --- difference in differences ---------------------------------------------------------------


def _did(frame: pd.DataFrame, design: str) -> Estimate:
    problems = []
    if not frame["treated"].eq(0).any():
        problems.append(Problem("group", "a did design needs a comparison group; there is none"))
    if not frame["post"].eq(0).any():
        problems.append(Problem("post", "a did design needs a period before the start (post 0)"))
    if not frame["post"].eq(1).any():
        problems.append(Problem("post", "a did design needs a period after the start (post 1)"))
    problems = problems or _cells(frame, ["treated", "post"])  # a missing half says it all
    panel = frame["unit"].notna().all() and frame.groupby("unit")["period"].nunique().gt(1).any()
    if panel:
        problems += _panel_problems(frame)
    _refuse(problems)
    return _fixed_effects(frame, design) if panel else _cross_sections(frame, design)


def _cross_sections(frame: pd.DataFrame, design: str) -> Estimate:
    treated, post = frame["treated"], frame["post"]
    exog = np.column_stack([np.ones(len(frame)), treated, post, treated * post])
    fit = sm.OLS(frame["value"].to_numpy(), exog).fit()
    low, high = fit.conf_int(alpha=ALPHA)[3]
    method = "OLS on treated, post, treated × post; classical errors, t with n − 4 df"
    return Estimate(fit.params[3], fit.bse[3], low, high, int(fit.nobs), design, method)


def _fixed_effects(frame: pd.DataFrame, design: str) -> Estimate:
    dummies = pd.get_dummies(frame[["unit", "period"]], drop_first=True, dtype=float)
    exog = pd.concat(
        [
            pd.Series(1.0, index=frame.index, name="const"),
            (frame["treated"] * frame["post"]).astype(float).rename("effect"),
            dummies,
        ],
        axis=1,
    )
    clusters = pd.factorize(frame["unit"])[0]
    fit = sm.OLS(frame["value"].to_numpy(), exog).fit(
        cov_type="cluster", cov_kwds={"groups": clusters}, use_t=True
    )
    low, high = fit.conf_int(alpha=ALPHA).loc["effect"]
    method = "two-way fixed effects on unit and period; errors clustered by unit"
    return Estimate(
        fit.params["effect"], fit.bse["effect"], low, high, int(fit.nobs), design, method
    )


def _panel_problems(frame: pd.DataFrame) -> list[Problem]:
    problems = []
    mixed = frame.groupby("unit")["treated"].nunique().gt(1)
    if mixed.any():
        named = ", ".join(map(repr, mixed.index[mixed][:_SHOWN_ROWS]))
        problems.append(Problem("unit", f"a unit is in one group only; {named} are in both"))
    units = frame.groupby("treated")["unit"].nunique()
    for treated, label in ((1, "treated"), (0, "comparison")):
        if 0 < units.get(treated, 0) < 2:
            problems.append(
                Problem("unit", f"errors clustered by unit need at least two {label} units")
            )
    return problems


# --- shared checks ---------------------------------------------------------------------------


def _stray(frame: pd.DataFrame, stray: pd.Series, field: str, rule: str) -> list[Problem]:
    """Rows the design has no place for, named (the first few), never silently dropped."""
    if not stray.any():
        return []
    rows = frame.loc[stray, "row"].tolist()
    shown = ", ".join(map(str, rows[:_SHOWN_ROWS])) + (", …" if len(rows) > _SHOWN_ROWS else "")
    return [Problem(field, f"{rule} (row {shown})")]


def _cells(frame: pd.DataFrame, by: list[str]) -> list[Problem]:
    """Fewer than two observations in a cell leave no spread to measure."""
    names = {"treated": ("comparison", "treated"), "post": ("before", "after")}
    index = pd.MultiIndex.from_product([[0, 1]] * len(by), names=by)
    sizes = frame.groupby(by).size().reindex(index, fill_value=0)
    return [
        Problem(
            "cells",
            f"{' '.join(names[b][k] for b, k in zip(by, key, strict=True))}: "
            f"{size} observation{'s' if size != 1 else ''}, fewer than the two needed",
        )
        for key, size in zip(sizes.index, sizes, strict=True)
        if size < 2
    ]


def _split(frame: pd.DataFrame, by: str) -> tuple[np.ndarray, np.ndarray]:
    """The values where ``by`` is 0, then where it is 1."""
    return tuple(frame.loc[frame[by] == k, "value"].to_numpy() for k in (0, 1))


def _refuse(problems: list[Problem]) -> None:
    if problems:
        raise FileRefused(tuple(problems))


_METHODS: dict[str, Callable[[pd.DataFrame, str], Estimate]] = {
    "before-after": _before_after,
    "two-group": _two_group,
    "randomised": _two_group,
    "did": _did,
}
