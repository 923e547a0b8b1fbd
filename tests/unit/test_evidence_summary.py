"""Results entered as a summary give the estimate the observations would, by scipy's and
statsmodels' answers; every bad cell is named with its place."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import numpy as np
import pytest
import statsmodels.api as sm
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from fund.errors import FileRefused
from fund.evidence import summary
from fund.evidence.estimate import estimate
from fund.evidence.observations import Observation
from fund.evidence.summary import Cell, cells_of

PLACES = 1e-9


def observed(cells: dict[tuple[int, int], np.ndarray]) -> list[Observation]:
    """The observations of a constructed dataset: values per (treated, post) cell."""
    return [
        Observation(
            row=n,
            unit=None,
            group="treated" if treated else "comparison",
            period=str(post),
            post=bool(post),
            value=Decimal(repr(float(v))),
        )
        for n, ((treated, post), v) in enumerate(
            ((place, v) for place, values in cells.items() for v in values), start=2
        )
    ]


def summarised(cells: dict[tuple[int, int], np.ndarray]) -> list[Cell]:
    """The same dataset as a summary: n, mean and sample standard deviation per cell."""
    return [
        Cell(
            treated=bool(treated),
            post=bool(post),
            n=len(v),
            mean=float(np.mean(v)),
            sd=float(np.std(v, ddof=1)),
        )
        for (treated, post), v in cells.items()
    ]


@pytest.fixture
def data() -> dict[tuple[int, int], np.ndarray]:
    rng = np.random.default_rng(11)
    return {
        (1, 1): rng.normal(54, 11, 120),
        (0, 1): rng.normal(50, 6, 45),
        (1, 0): rng.normal(49, 9, 80),
        (0, 0): rng.normal(48, 4, 30),
    }


@pytest.mark.parametrize(
    ("design", "places"),
    [("two-group", [(1, 1), (0, 1)]), ("randomised", [(1, 1), (0, 1)])],
)
def test_two_groups_from_a_summary_match_welch_on_the_observations(data, design, places):
    chosen = {p: data[p] for p in places}
    from_summary = summary.estimate(summarised(chosen), design)
    from_file = estimate(observed(chosen), design)
    for figure in ("effect", "std_error", "ci_low", "ci_high"):
        assert getattr(from_summary, figure) == pytest.approx(
            getattr(from_file, figure), abs=PLACES
        )
    assert from_summary.n == from_file.n == 165
    assert from_summary.method == "Welch t from a summary"


def test_a_before_and_after_summary_is_welchs_unpaired_estimate(data):
    chosen = {p: data[p] for p in [(1, 1), (1, 0)]}
    from_summary = summary.estimate(summarised(chosen), "before-after")
    from_file = estimate(observed(chosen), "before-after")  # no units: unpaired, Welch
    assert (from_summary.ci_low, from_summary.ci_high) == pytest.approx(
        (from_file.ci_low, from_file.ci_high), abs=PLACES
    )
    assert "cannot pair" in from_summary.method


def test_welch_from_a_summary_has_scipys_statistic(data):
    t, c = data[(1, 1)], data[(0, 1)]
    found = summary.estimate(summarised({(1, 1): t, (0, 1): c}), "two-group")
    scipy = stats.ttest_ind_from_stats(
        t.mean(), t.std(ddof=1), len(t), c.mean(), c.std(ddof=1), len(c), equal_var=False
    )
    assert found.effect / found.std_error == pytest.approx(scipy.statistic, abs=PLACES)
    on_data = stats.ttest_ind(t, c, equal_var=False).confidence_interval(0.95)
    assert (found.ci_low, found.ci_high) == pytest.approx(tuple(on_data), abs=PLACES)


def test_did_from_a_summary_has_the_heteroskedasticity_robust_hc2_error(data):
    """In the saturated regression on treated, post and treated × post, HC2's variance of the
    interaction is exactly Σ s²/n over the four cells (each cell's leverage is 1/n), so the
    summary's standard error must be statsmodels' HC2 standard error."""
    found = summary.estimate(summarised(data), "did")
    fit = _did_regression(data).fit(cov_type="HC2")
    assert found.effect == pytest.approx(fit.params[3], abs=PLACES)
    assert found.std_error == pytest.approx(fit.bse[3], abs=PLACES)
    assert found.n == 275 and "Welch–Satterthwaite" in found.method


def test_did_from_a_summary_is_the_classical_ols_interval_when_cells_are_alike():
    """With equal cell sizes and equal sample variances the pooled variance is each cell's,
    and the Welch–Satterthwaite df are 4(n − 1) = n − 4 overall: OLS with classical errors
    gives the very same interval."""
    rng = np.random.default_rng(3)
    shape = rng.normal(0, 1, 25)
    data = {
        place: shape + shift
        for place, shift in zip([(1, 1), (1, 0), (0, 1), (0, 0)], [9, 4, 6, 5], strict=True)
    }
    found = summary.estimate(summarised(data), "did")
    fit = _did_regression(data).fit()
    low, high = fit.conf_int(alpha=0.05)[3]
    assert (found.effect, found.std_error) == pytest.approx((fit.params[3], fit.bse[3]), abs=PLACES)
    assert (found.ci_low, found.ci_high) == pytest.approx((low, high), abs=PLACES)
    from_file = estimate(observed(data), "did")
    assert (found.ci_low, found.ci_high) == pytest.approx(
        (from_file.ci_low, from_file.ci_high), abs=PLACES
    )


def _did_regression(data: dict[tuple[int, int], np.ndarray]) -> sm.OLS:
    treated = np.concatenate([np.full(len(v), t) for (t, _), v in data.items()])
    post = np.concatenate([np.full(len(v), p) for (_, p), v in data.items()])
    y = np.concatenate(list(data.values()))
    exog = np.column_stack([np.ones(len(y)), treated, post, treated * post])
    return sm.OLS(y, exog)


sds = st.floats(min_value=0.01, max_value=1e4, allow_nan=False)
means = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)
sizes = st.integers(min_value=2, max_value=10_000)


USED = {
    "before-after": [(True, True), (True, False)],
    "two-group": [(True, True), (False, True)],
    "randomised": [(True, True), (False, True)],
    "did": [(True, True), (False, True), (True, False), (False, False)],
}


@given(
    design=st.sampled_from(list(USED)),
    cells=st.lists(st.tuples(means, sds, sizes), min_size=4, max_size=4),
    wider=st.floats(min_value=1.01, max_value=100),
)
def test_the_interval_holds_the_effect_and_widens_as_the_spread_grows(design, cells, wider):
    typed = [
        Cell(treated=t, post=p, n=n, mean=m, sd=s)
        for (t, p), (m, s, n) in zip(USED[design], cells, strict=False)
    ]
    found = summary.estimate(typed, design)
    assert found.ci_low < found.effect < found.ci_high
    again = summary.estimate([replace(c, sd=c.sd * wider) for c in typed], design)
    assert again.effect == found.effect
    assert again.ci_high - again.ci_low > found.ci_high - found.ci_low


# --- what was typed --------------------------------------------------------------------------


def test_typed_cells_are_read_from_text_or_numbers():
    cells = cells_of(
        [
            {"group": "Treated", "post": "1", "n": "120", "mean": "54.2", "sd": "11.3"},
            {"group": "comparison", "post": 1, "n": 100, "mean": 50, "sd": 9.5},
        ]
    )
    assert cells == (
        Cell(treated=True, post=True, n=120, mean=54.2, sd=11.3),
        Cell(treated=False, post=True, n=100, mean=50.0, sd=9.5),
    )


def test_every_bad_cell_is_named_at_once_with_its_place():
    with pytest.raises(FileRefused) as refused:
        cells_of(
            [
                {"group": "treated", "post": "1", "n": "120", "mean": "54.2", "sd": "11.3"},
                {"group": "control", "post": "2", "n": "1", "mean": "lots", "sd": "-1"},
                {"group": "treated", "post": "1", "n": "30", "mean": "5", "sd": "nan"},
                {"group": "comparison", "post": "1", "n": "30", "mean": "5", "sd": "1", "var": 1},
                {"group": "treated", "post": "1", "n": "30", "mean": "5", "sd": "1"},
            ]
        )
    said = str(refused.value)
    for place, rule in [
        ("cells/1/group", "'control' is not treated or comparison"),
        ("cells/1/post", "'2' is not 0 or 1"),
        ("cells/1/n", "must be from 2"),
        ("cells/1/mean", "'lots' is not a number"),
        ("cells/1/sd", "must be 0 or more"),
        ("cells/2/sd", "'nan' is not a number"),
        ("cells/3/var", "is not a field of a cell"),
        ("cells/4", "repeats the treated cell after the start (post 1) of cells/0"),
    ]:
        assert f"{place}: {rule}" in said


@pytest.mark.parametrize("given", [[], "treated,1,2,3,4", None, [["treated", 1]]])
def test_cells_that_are_not_a_list_of_cells_are_refused(given):
    with pytest.raises(FileRefused) as refused:
        cells_of(given)
    assert refused.value.field.startswith("cells")


@pytest.mark.parametrize(
    ("design", "given", "missing"),
    [
        ("before-after", [(True, True)], "the treated cell before the start (post 0)"),
        ("two-group", [(True, True)], "the comparison cell after the start (post 1)"),
        ("did", [(True, True), (False, True), (True, False)], "the comparison cell before"),
    ],
)
def test_a_cell_the_design_needs_is_named_when_missing(design, given, missing):
    cells = [Cell(treated=t, post=p, n=10, mean=1.0, sd=1.0) for t, p in given]
    with pytest.raises(FileRefused) as refused:
        summary.estimate(cells, design)
    assert f"cells: {missing}" in str(refused.value)
    assert f"is missing: a {design} design needs it" in str(refused.value)


def test_a_cell_the_design_has_no_place_for_is_refused_not_dropped():
    cells = [
        Cell(treated=t, post=p, n=10, mean=1.0, sd=1.0)
        for t, p in [(True, True), (False, True), (True, False)]
    ]
    with pytest.raises(FileRefused) as refused:
        summary.estimate(cells, "two-group")
    assert "the treated cell before the start (post 0) has no place in a two-group" in str(
        refused.value
    )


def test_cells_with_no_spread_give_no_interval():
    cells = [Cell(treated=t, post=True, n=10, mean=1.0, sd=0.0) for t in (True, False)]
    with pytest.raises(FileRefused, match="no spread"):
        summary.estimate(cells, "two-group")
