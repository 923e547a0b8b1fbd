"""An experiment's evaluation plan on the database: registered before money, amended only as a
new version with a reason, and, once money is committed, frozen: the registered version
stays what results are judged against, shown beside any later one."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fund import audit, ledger, register
from fund.errors import FileRefused, NotFound, PermissionDenied, ValidationError, describe
from fund.evidence import plans
from fund.evidence.plan import plan_of
from tests.conftest import FULL_PLAN, SMALL_GRANT_PLAN, key
from tests.integration.helpers import nothing_written

REGISTERED = plan_of(FULL_PLAN, small_grant=False)  # what every fixture's full test registered


def _experiment(con, fm, programme_id: int, instrument: str = "pbr_contract") -> int:
    return register.add_experiment(
        con,
        fm,
        programme_id=programme_id,
        title="Mentoring at the job centre",
        instrument=instrument,
        phase=1,
        risk_rating="medium",
        official="Pat Official",
        user_involvement="consulted",
        key=key(),
    ).entity_id


def _commit(con, fm, experiment_id: int) -> None:
    ledger.commit(
        con,
        fm,
        experiment_id=experiment_id,
        amount="5000",
        counterparty="Youth Trust",
        reason="award",
        key=key(),
    )


def test_a_plan_is_registered_as_version_1_and_audited(con, people, funded):
    fm = people.manager
    experiment = _experiment(con, fm, funded.programme_id)
    written = plans.register_plan(con, fm, experiment, FULL_PLAN, key=key(), reason="before money")
    history = plans.history(con, people.board, experiment)
    assert written.said == (
        f"Evaluation plan of experiment #{experiment} (Mentoring at the job centre) registered"
        " as version 1."
    )
    assert history.registered is history.latest
    assert (history.registered.version, history.registered.plan.design) == (1, "two-group")
    assert str(history.registered.plan.target_effect) == "0.0500"
    assert not history.amended
    assert audit.verify(con, people.auditor).ok


def test_a_commitment_to_an_experiment_with_no_plan_is_refused_naming_it(con, people, funded):
    experiment = _experiment(con, people.manager, funded.programme_id)
    with nothing_written(con), pytest.raises(ValidationError) as refused:
        _commit(con, people.manager, experiment)
    assert describe(refused.value) == (
        f"evaluation plan: experiment #{experiment} 'Mentoring at the job centre' has no"
        " registered evaluation plan: register one before committing money"
    )


def test_a_full_test_needs_its_kill_criteria_and_a_design(con, people, funded):
    experiment = _experiment(con, people.manager, funded.programme_id)
    partial = {**SMALL_GRANT_PLAN}
    with nothing_written(con), pytest.raises(FileRefused) as refused:
        plans.register_plan(con, people.manager, experiment, partial, key=key(), reason="r")
    said = describe(refused.value)
    assert "kill_threshold: is required for every experiment but a small grant" in said
    assert "design: only a small grant may have no comparison design" in said


def test_a_small_grant_needs_only_a_hypothesis_a_metric_and_design_none(con, people, funded):
    grant = _experiment(con, people.manager, funded.programme_id, "small_grant")
    plans.register_plan(con, people.manager, grant, SMALL_GRANT_PLAN, key=key(), reason="r")
    assert plans.history(con, people.manager, grant).registered.plan.design == "none"


def test_a_second_registration_is_refused_a_change_is_an_amendment(con, people, portfolio):
    experiment = portfolio.experiments["pbr_contract"]
    with nothing_written(con), pytest.raises(ValidationError) as refused:
        plans.register_plan(con, people.manager, experiment, FULL_PLAN, key=key(), reason="r")
    assert "a change is an amendment with a reason" in describe(refused.value)


def test_an_amendment_without_a_reason_is_refused_naming_the_rule(con, people, portfolio):
    experiment = portfolio.experiments["pbr_contract"]
    changed = {**FULL_PLAN, "target_effect": "0.08"}
    with nothing_written(con), pytest.raises(ValidationError) as refused:
        plans.amend_plan(con, people.manager, experiment, changed, key=key(), reason="  ")
    assert describe(refused.value) == "reason: is required and must not be blank"


def test_an_amendment_that_changes_nothing_saves_nothing(con, people, portfolio):
    experiment = portfolio.experiments["pbr_contract"]
    with nothing_written(con), pytest.raises(ValidationError) as refused:
        plans.amend_plan(con, people.manager, experiment, FULL_PLAN, key=key(), reason="r")
    assert "is the same as version 1; nothing was saved" in describe(refused.value)


def test_an_experiment_with_no_plan_has_none_to_amend_or_show(con, people, funded):
    experiment = _experiment(con, people.manager, funded.programme_id)
    with nothing_written(con), pytest.raises(ValidationError) as refused:
        plans.amend_plan(con, people.manager, experiment, FULL_PLAN, key=key(), reason="r")
    assert "has no plan to amend; register one" in describe(refused.value)
    with pytest.raises(NotFound) as missing:
        plans.history(con, people.board, experiment)
    assert "Mentoring at the job centre" in describe(missing.value)


def test_before_money_an_amendment_becomes_the_registered_plan(con, people, portfolio):
    experiment = portfolio.experiments["social_venture"]
    changed = {**FULL_PLAN, "target_effect": "0.08"}
    plans.amend_plan(con, people.manager, experiment, changed, key=key(), reason="sharper")
    history = plans.history(con, people.manager, experiment)
    assert history.registered is history.latest
    assert (history.registered.version, str(history.registered.plan.target_effect)) == (
        2,
        "0.0800",
    )


def test_after_money_an_amendment_keeps_the_registered_version_beside_it(con, people, funded):
    fm = people.manager
    experiment = funded.experiments["pbr_contract"]
    _commit(con, fm, experiment)
    changed = {**FULL_PLAN, "target_effect": "0.02", "design": "before-after"}
    written = plans.amend_plan(con, fm, experiment, changed, key=key(), reason="lower the bar")
    history = plans.history(con, people.board, experiment)
    assert "results are still judged against the registered version" in written.said
    assert history.amended
    assert (history.registered.version, history.latest.version) == (1, 2)
    assert history.registered.plan == REGISTERED
    assert history.latest.after_commitment and not history.registered.after_commitment
    assert history.latest.reason == "lower the bar"
    assert plans.registered_plan(con, experiment).plan_id == history.registered.plan_id
    assert audit.verify(con, people.auditor).ok


targets = st.decimals(min_value="0.0001", max_value="1000", places=4)
designs = st.sampled_from(["before-after", "two-group", "randomised", "did"])


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(target=targets, design=designs, baseline=targets, lower=st.booleans())
def test_amending_a_frozen_plan_never_changes_what_the_registered_version_shows(
    con, people, funded, target, design, baseline, lower
):
    fm = people.manager
    experiment = funded.experiments["experimental_zone"]
    if not con.execute(
        "SELECT count(*) FROM commitment WHERE experiment_id = ?", [experiment]
    ).fetchone()[0]:
        _commit(con, fm, experiment)
    before = plans.history(con, fm, experiment).registered
    changed = {
        **FULL_PLAN,
        "target_effect": str(target),
        "baseline": str(baseline),
        "design": design,
        "higher_is_better": not lower,
    }
    try:
        plans.amend_plan(con, fm, experiment, changed, key=key(), reason="a new idea")
    except ValidationError as refused:  # the same as the latest: nothing to save
        assert "nothing was saved" in describe(refused)
    after = plans.history(con, fm, experiment)
    assert after.registered == before
    assert after.registered.plan == REGISTERED


@pytest.mark.parametrize("role", ["auditor", "board"])
def test_auditors_and_board_members_may_not_register_or_amend(con, people, funded, role):
    reader = getattr(people, role)
    experiment = _experiment(con, people.manager, funded.programme_id)
    with nothing_written(con), pytest.raises(PermissionDenied):
        plans.register_plan(con, reader, experiment, FULL_PLAN, key=key(), reason="r")
    changed = {**FULL_PLAN, "target_effect": "0.08"}
    with nothing_written(con), pytest.raises(PermissionDenied):
        plans.amend_plan(
            con, reader, funded.experiments["pbr_contract"], changed, key=key(), reason="r"
        )
